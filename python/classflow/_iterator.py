"""DirectoryIterator: Keras's iterator protocol over the native loader."""

from __future__ import annotations

import json
import operator
import os
import threading
import warnings
from collections.abc import Mapping
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

import numpy as np

from . import _native
from ._batch import Batch
from ._mapping import decode_with


class DirectoryIterator:
    """Batches of a scanned dataset, with Keras ``DirectoryIterator``'s attributes and protocol.

    Made by :func:`classflow.flow_from_directory`, :func:`classflow.flow_from_csv` or
    :func:`classflow.flow_from_dataframe`. Order: epoch ``e`` visits the samples in
    ``RandomState(seed + e * len(self)).permutation(n)`` (Keras's reseeding), so for the same seed
    the batches equal Keras's; without shuffle, in ``filenames`` order.

    - ``next(it)`` walks batches and epochs like Keras's ``Iterator`` (forever; the epoch advances
      after its last batch) and returns ``(images, labels)``, images only without labels, or
      ``(x, x)`` for ``class_mode='input'``.
    - ``it[i]`` is batch ``i`` of the current epoch (Keras ``Sequence``); ``len(it)`` is the number
      of batches per epoch; ``on_epoch_end()`` moves to the next epoch's order; ``reset()``
      restarts ``next()`` at batch 0 of the current epoch.
    - ``it.batches(epoch)`` yields :class:`classflow.Batch` objects (with paths, class ids and
      sample indices) for loops that need to know which file is which.

    Images and labels are NumPy arrays viewing the loader's buffers (no copy); batches are decoded
    ahead on ``num_workers`` native threads with the GIL released.
    """

    def __init__(self, loader: "_native.Loader", dataset: "_native.Dataset", *, on_error: str = "raise"):
        self._loader = loader
        self._dataset = dataset
        self._labels = loader.labels
        self._lock = threading.Lock()
        self._epoch = 0
        self._batch_index = 0  # next() position within the current epoch
        self._stream: Optional[_native.Stream] = None
        self._stream_epoch = -1
        self._stream_pid = 0  # the process that opened _stream (a forked child opens its own)
        self._last_item: Optional[Tuple[int, int]] = None  # (epoch, index) of the last it[i]
        self._on_error = on_error
        opts = loader.options
        self.total_batches_seen = 0

        names = list(self._labels.class_names) if self._labels.has_class_index else []
        #: ``{class name: index}`` in index order (Keras ``class_indices``).
        self.class_indices: Dict[str, int] = {n: i for i, n in enumerate(names)}
        #: Class names in index order (Keras 3 ``class_names``).
        self.class_names: List[str] = names
        #: Relative paths in canonical (unshuffled) order, ``/``-separated (Keras ``filenames``).
        self.filenames: List[str] = list(dataset.filenames())
        base = dataset.base_directory
        #: Absolute (or root-joined) paths in ``filenames`` order (Keras ``filepaths``).
        self.filepaths: List[str] = [f if os.path.isabs(f) else os.path.join(base, f) for f in self.filenames]
        #: Class id of each file in ``filenames`` order, int32 ``[n]`` (-1 when unlabelled).
        self.classes: np.ndarray = dataset.classes()
        #: Number of samples (Keras ``samples`` and ``n``).
        self.samples: int = int(dataset.num_samples)
        self.n: int = self.samples
        #: Number of classes K.
        self.num_classes: int = len(names)
        #: ``{index: weight}`` for Keras ``model.fit(class_weight=...)``: scikit-learn's
        #: ``compute_class_weight('balanced')``, n_samples / (n_classes * count); multi-label from
        #: each class's positive count; 0.0 for a class without samples.
        self.class_weight: Dict[int, float] = {i: float(w) for i, w in enumerate(dataset.class_weight())}
        #: Images per batch.
        self.batch_size: int = int(opts.batch_size)
        #: True when each epoch is reshuffled.
        self.shuffle: bool = bool(opts.shuffle)
        #: Seed of the split and the shuffle (None in Keras means random; here 0, fixed).
        self.seed: int = int(opts.seed)
        h, w = opts.target_size
        channels = {"rgb": 3, "rgba": 4, "grayscale": 1}[opts.color_mode]
        #: Shape of one image: ``(H, W, C)``, or ``(C, H, W)`` with channels_first.
        self.image_shape: Tuple[int, int, int] = (
            (channels, h, w) if opts.data_format == "channels_first" else (h, w, channels)
        )
        #: ``(H, W)``.
        self.target_size: Tuple[int, int] = (h, w)
        self.color_mode: str = opts.color_mode
        self.data_format: str = opts.data_format
        self.dtype: str = opts.dtype
        mode = self._labels.class_mode
        #: Keras's class_mode: ``'categorical'``, ``'binary'``, ``'sparse'``, ``'input'``, None
        #: (no labels), or a plugin encoder's name.
        self.class_mode: Optional[str] = None if mode == "none" else mode
        #: Binary mode: the class labelled 1.0 (index 1); else None.
        self.positive_class: Optional[str] = self._labels.positive_class
        #: Label dtype and per-sample shape, e.g. ``('float32', [2])``; None for input / None.
        self.label_dtype: Optional[str] = self._labels.label_dtype
        self.label_shape: Optional[Tuple[int, ...]] = (
            tuple(self._labels.label_shape) if self._labels.label_shape is not None else None
        )
        #: Number of shards and this shard's id (PyTorch DistributedSampler semantics).
        self.num_shards: int = int(opts.num_shards)
        self.shard_id: int = int(opts.shard_id)
        #: Warnings of the scan (e.g. classes of a saved mapping absent from this data).
        self.warnings: List[str] = list(dataset.warnings) + list(loader.warnings)

    # --- Keras Sequence --------------------------------------------------------------------
    def __len__(self) -> int:
        """Batches per epoch: ``ceil(shard_size / batch_size)`` (floor with ``drop_last``)."""
        return int(self._loader.num_batches)

    @property
    def epoch(self) -> int:
        """The current epoch (``it[i]`` and ``next()`` use its order)."""
        return self._epoch

    def __getitem__(self, index: int):
        """Batch ``index`` of the current epoch as Keras returns it. Raises UsageError (a
        ValueError) when index is outside ``[0, len(self))``, TypeError when it is not an integer
        (1.5 or "1" are not batch 1)."""
        index = operator.index(index)
        with self._lock:
            epoch = self._epoch
            if not 0 <= index < self._loader.epoch_batches(epoch):
                self._loader.batch(index, epoch)  # raises the core's out-of-range UsageError
            self.total_batches_seen += 1
            sequential = self._last_item is not None and self._last_item == (epoch, index - 1)
            self._last_item = (epoch, index)
            if self._own_stream() is not None and self._stream_epoch == epoch and self._stream.position == index:
                b = self._stream.next()
            elif index == 0 or sequential:
                # A walk in order (Keras fit over a Sequence): decode ahead from here.
                self._open_stream(epoch, index)
                b = self._stream.next()
            else:
                b = self._loader.batch(int(index), epoch)
        return self._output(self._batch(b))

    def on_epoch_end(self) -> None:
        """Moves ``it[i]`` and ``next()`` to the next epoch's order (Keras ``Sequence``)."""
        with self._lock:
            self._epoch += 1
            self._batch_index = 0
            self._close_stream()

    # --- Keras Iterator --------------------------------------------------------------------
    def __iter__(self) -> "DirectoryIterator":
        return self

    def __next__(self):
        """The next batch of the walk over epochs (Keras ``Iterator.next``)."""
        with self._lock:
            if len(self) == 0:
                raise StopIteration
            if self._own_stream() is None or self._stream_epoch != self._epoch or self._stream.position != self._batch_index:
                self._open_stream(self._epoch, self._batch_index)
            b = self._stream.next()
            self.total_batches_seen += 1
            self._batch_index += 1
            if self._batch_index >= self._loader.epoch_batches(self._epoch):
                self._epoch += 1
                self._batch_index = 0
                self._close_stream()
        return self._output(self._batch(b))

    next = __next__

    def reset(self) -> None:
        """Restarts ``next()`` at batch 0 of the current epoch (Keras ``Iterator.reset``)."""
        with self._lock:
            self._batch_index = 0
            self._close_stream()

    # --- classflow ---------------------------------------------------------------------------
    def batches(self, epoch: Optional[int] = None) -> Iterator[Batch]:
        """Yields every :class:`Batch` of ``epoch`` (default: the current one) in order, decoded
        ahead in the background. Independent of ``next()`` and ``it[i]``."""
        e = self._epoch if epoch is None else int(epoch)
        stream = self._loader.stream(e)
        pid = os.getpid()
        try:
            while True:
                if os.getpid() != pid:
                    # A forked child: the parent's workers are not here. Go on from the same batch
                    # on this process's own (closing the copy leaves the parent's state alone).
                    at = stream.position
                    stream.close()
                    stream, pid = self._loader.stream(e, at), os.getpid()
                t = stream.next()
                if t is None:
                    return
                yield self._batch(t)
        finally:
            stream.close()

    def state_dict(self) -> dict:
        """Where ``next()`` is (torchdata ``StatefulDataLoader`` protocol): the epoch and the batches of it
        already delivered, with fingerprints of the dataset and of the options that change batches.
        A JSON-serialisable dict; ``load_state_dict`` continues at the next batch."""
        with self._lock:
            return json.loads(self._loader.state_json(self._epoch, self._batch_index))

    def load_state_dict(self, state: dict) -> None:
        """Continues ``next()`` (and ``it[i]``'s epoch) at the next batch of a saved run, in O(1): nothing
        is decoded twice, and the batches equal those of an uninterrupted run (augmentation
        included). Raises UsageError naming what differs when the state belongs to another dataset
        or to other options (num_workers, prefetch and the shard count may change); TypeError for
        something that is not a dict (a path: ``json.load`` a ``--save-state`` file first)."""
        if not isinstance(state, Mapping):
            hint = (" (a path? load the file first: it.load_state_dict(json.load(open(path))))"
                    if isinstance(state, (str, bytes, os.PathLike)) else "")
            raise TypeError(f"state of type '{type(state).__name__}' is not a state_dict(); expected the dict "
                            f"state_dict() returned, or a --save-state file read with json.load{hint}")
        epoch, first = self._loader.resume_json(json.dumps(state))
        with self._lock:
            self._close_stream()
            self._epoch = int(epoch)
            self._batch_index = int(first)
            self._last_item = None

    def epoch_order(self, epoch: Optional[int] = None) -> np.ndarray:
        """Sample indices this shard visits in ``epoch``, int64 ``[shard_size]``."""
        return self._loader.epoch_order(self._epoch if epoch is None else int(epoch))

    def decode(self, predictions: Any, top_k: Optional[int] = None, threshold: Optional[float] = None) -> list:
        """Predictions back to class names through this iterator's encoder.

        ``predictions``: ``[N, width]`` scores (``model.predict`` output; ``[N]`` for binary).
        Returns one class name per row (multi-label: the list of names over the threshold), or
        with ``top_k=k`` a list of ``(name, score)`` pairs per row, best first. Raises DataError
        naming the row when a row does not fit (wrong width, a probability outside [0, 1]).
        """
        return decode_with(self._labels, predictions, top_k, threshold)

    def save_class_indices(self, path: Union[str, os.PathLike], format: str = "classflow") -> None:
        """Writes the mapping (``format='classflow'``: names, indices, class_mode, positive_class;
        ``'keras'``: a plain ``{name: index}`` dict) for ``class_indices=`` on the next split.
        Raises UsageError (a ValueError) when ``path`` is one of this data's images."""
        self._loader.refuse_output_over_samples(os.fspath(path), "mapping file")
        _native.save_mapping(os.fspath(path), self._labels.mapping(), format)

    def profile(self) -> dict:
        """Seconds per stage so far, summed over the workers (``read``, ``decode``, ``resize``,
        ``store``, ``encode``), ``wait`` (this loop waiting for batches), ``images``, ``batches``,
        ``cache_hits`` and ``batch_buffers`` (batch image buffers allocated rather than reused:
        ``prefetch`` and up to 2 more when each batch's arrays are dropped as the next arrives,
        one more per batch kept) — the CLI's ``flow --profile``."""
        return self._loader.profile()

    @property
    def skipped_count(self) -> int:
        """Images skipped so far under ``on_error='skip'``/``'warn'``."""
        return int(self._loader.skipped_count)

    def __repr__(self) -> str:
        return (
            f"<classflow.DirectoryIterator {self.samples} images, {self.num_classes} classes, "
            f"class_mode={self.class_mode!r}, batch_size={self.batch_size}, {len(self)} batches/epoch>"
        )

    # --- internals ---------------------------------------------------------------------------
    def _open_stream(self, epoch: int, first: int) -> None:
        self._close_stream()
        self._stream = self._loader.stream(epoch, first)
        self._stream_epoch = epoch
        self._stream_pid = os.getpid()

    def _own_stream(self) -> Optional["_native.Stream"]:
        # After os.fork() the child's copy of the parent's stream has no workers (the core
        # refuses it and leaves it alone when closed): the child opens its own at the same place.
        if self._stream is not None and self._stream_pid != os.getpid():
            self._close_stream()
        return self._stream

    def __copy__(self):
        raise TypeError("a DirectoryIterator cannot be copied: it owns the stream decoding ahead; expected another "
                        "flow_from_directory(...) call, or state_dict() / load_state_dict() to start a second one "
                        "at the same place")

    def __deepcopy__(self, memo):
        return self.__copy__()

    def _close_stream(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None
            self._stream_epoch = -1

    def _batch(self, t: tuple) -> Batch:
        b = Batch._from_native(t)
        for _, path, reason in b.skipped:
            warnings.warn(f"skipped '{path}': {reason}", RuntimeWarning, stacklevel=3)
        return b

    def _output(self, b: Batch):
        if not self._labels.has_labels:
            return b.images
        return b.images, b.labels

    def __del__(self):
        try:
            self._close_stream()
        except Exception:
            pass

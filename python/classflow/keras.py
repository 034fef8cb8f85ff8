"""Keras adapter: ``classflow.keras.PyDataset`` is a ``keras.utils.PyDataset`` when Keras 3 is
installed (the only iterator object Keras 3's ``fit`` accepts), else a class with the same
protocol (``__len__``, ``__getitem__``, ``on_epoch_end``) for Keras 2's ``Sequence``-style use.
"""

from __future__ import annotations

from typing import Any

from ._flow import flow_from_csv, flow_from_directory

try:  # Keras 3
    from keras.utils import PyDataset as _Base  # type: ignore

    HAVE_KERAS_PYDATASET = True
except Exception:  # Keras 2, or no Keras: the same protocol without the base class
    _Base = object
    HAVE_KERAS_PYDATASET = False


class PyDataset(_Base):  # type: ignore[misc, valid-type]
    """classflow batches for ``model.fit(ds, epochs=...)``: ``len(ds)`` batches per epoch,
    ``ds[i]`` = ``(images, labels)`` of batch i, ``on_epoch_end()`` moves to the next epoch's
    shuffle (Keras's reseeding, so batches equal Keras's for the same seed).

    ``PyDataset(directory, **flow_from_directory_kwargs)``, ``PyDataset(csv=path, ...)``, or
    ``PyDataset(iterator=it)`` around an existing iterator. Decoding runs on classflow's own
    threads (``num_workers``): leave Keras's ``workers=1, use_multiprocessing=False``.
    Attributes of the iterator (``class_indices``, ``class_names``, ``decode`` ...) are available
    on the dataset.
    """

    def __init__(self, directory: Any = None, *, csv: Any = None, iterator: Any = None,
                 workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10, **kwargs: Any):
        if HAVE_KERAS_PYDATASET:
            super().__init__(workers=workers, use_multiprocessing=use_multiprocessing, max_queue_size=max_queue_size)
        if iterator is None:
            if (directory is None) == (csv is None):
                raise ValueError("PyDataset needs a directory, csv=path or iterator= (exactly one)")
            iterator = flow_from_csv(csv, **kwargs) if csv is not None else flow_from_directory(directory, **kwargs)
        self.iterator = iterator

    def __len__(self) -> int:
        return len(self.iterator)

    def __getitem__(self, index: int):
        return self.iterator[index]

    def on_epoch_end(self) -> None:
        self.iterator.on_epoch_end()

    def __iter__(self):
        """The epoch's batches in order, then stop (Keras's ``Sequence.__iter__``): without it
        ``for x, y in ds`` would index past the end and end in the out-of-range UsageError."""
        for i in range(len(self)):
            yield self[i]

    def __getattr__(self, name: str):
        # class_indices, class_names, positive_class, decode, save_class_indices, ...
        if name == "iterator":
            raise AttributeError(name)
        return getattr(self.iterator, name)

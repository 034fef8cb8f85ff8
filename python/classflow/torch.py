"""PyTorch adapter: ``classflow.torch.IterableDataset`` yields torch tensors that share the batch
memory (no copy), for ``torch.utils.data.DataLoader(ds, batch_size=None)``.

Imported on demand (``import classflow.torch``); torch is not needed by the rest of classflow.
"""

from __future__ import annotations

import warnings
from typing import Any, Iterator, Optional, Tuple

import torch
import torch.utils.data

from ._flow import flow_from_csv, flow_from_directory


_warned = [False]  # the set_epoch warning, once per process


def _distributed() -> Tuple[Optional[int], Optional[int]]:
    """(rank, world size) from torch.distributed when it is initialised, else (None, None)."""
    dist = torch.distributed
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return None, None


class IterableDataset(torch.utils.data.IterableDataset):
    """One epoch of classflow batches per iteration, as torch tensors.

    ``IterableDataset(directory, **flow_from_directory_kwargs)`` (or ``csv=path`` for a list
    file). Defaults differ from Keras where PyTorch expects it: ``data_format='channels_first'``
    (``[N, C, H, W]``) and, for ``class_mode='sparse'``, int64 labels (what ``CrossEntropyLoss``
    wants; ``encoder_options={'dtype': 'int64'}``). Each item is ``(images, labels)`` (images only
    for ``class_mode=None``); ``torch.from_numpy`` shares the loader's buffer, so nothing is
    copied.

    Use ``torch.utils.data.DataLoader(ds, batch_size=None)``: batching and the decode threads
    are classflow's (``num_workers`` of classflow, not of torch's DataLoader). With torch
    DataLoader workers, each worker builds its own loader and takes a shard, and only the
    workers' copies of the dataset iterate: call ``ds.set_epoch(epoch)`` before each epoch (as
    with DistributedSampler), or every epoch repeats epoch 0's order (a warning says so). When
    torch.distributed is initialised, rank and world size select this process's shard
    (DistributedSampler semantics) unless ``num_shards``/``shard_id`` are given.
    Without workers, iterating again starts the next epoch (its own shuffle); ``set_epoch(e)``
    picks one. The arguments are checked (and the folder scanned) when the dataset is made.
    """

    def __init__(self, directory: Any = None, *, csv: Any = None, **kwargs: Any):
        super().__init__()
        if (directory is None) == (csv is None):
            raise ValueError("IterableDataset needs a directory or csv=path (exactly one)")
        kwargs.setdefault("data_format", "channels_first")
        if kwargs.get("class_mode") == "sparse":
            opts = dict(kwargs.get("encoder_options") or {})
            opts.setdefault("dtype", "int64")
            kwargs["encoder_options"] = opts
        self._directory = directory
        self._csv = csv
        self._kwargs = kwargs
        self._epoch = 0
        self._epoch_set = False
        self._iterator = None
        self._iterator_key = None
        self._get_iterator()  # bad arguments and data fail here, not at the first batch

    def __getstate__(self):
        # Pickled for DataLoader workers (spawn too): each worker builds its own native loader.
        state = dict(self.__dict__)
        state["_iterator"] = None
        state["_iterator_key"] = None
        return state

    def set_epoch(self, epoch: int) -> None:
        """The epoch the next iteration yields (as DistributedSampler.set_epoch)."""
        self._epoch = int(epoch)
        self._epoch_set = True

    @property
    def class_indices(self):
        """``{class name: index}`` (Keras ``class_indices``)."""
        return self._get_iterator().class_indices

    @property
    def class_names(self):
        """Class names in index order."""
        return self._get_iterator().class_names

    def decode(self, predictions: Any, top_k: Optional[int] = None, threshold: Optional[float] = None) -> list:
        """Predictions back to class names (see DirectoryIterator.decode); tensors are accepted."""
        if isinstance(predictions, torch.Tensor):
            predictions = predictions.detach().cpu().numpy()
        return self._get_iterator().decode(predictions, top_k=top_k, threshold=threshold)

    @property
    def iterator(self):
        """The classflow :class:`~classflow.DirectoryIterator` behind this dataset."""
        return self._get_iterator()

    def _get_iterator(self):
        kwargs = dict(self._kwargs)
        info = torch.utils.data.get_worker_info()
        rank, world = _distributed()
        if "num_shards" not in kwargs and "shard_id" not in kwargs:
            workers, worker = (info.num_workers, info.id) if info is not None else (1, 0)
            if rank is not None or workers > 1:
                r, w = (rank or 0), (world or 1)
                kwargs["num_shards"] = w * workers
                kwargs["shard_id"] = r * workers + worker
        key = (kwargs.get("num_shards"), kwargs.get("shard_id"))
        if self._iterator is None or self._iterator_key != key:
            open_ = flow_from_csv if self._csv is not None else flow_from_directory
            self._iterator = open_(self._csv if self._csv is not None else self._directory, **kwargs)
            self._iterator_key = key
        return self._iterator

    def __len__(self) -> int:
        """Batches per epoch of this shard."""
        return len(self._get_iterator())

    def __iter__(self) -> Iterator[Any]:
        it = self._get_iterator()
        if torch.utils.data.get_worker_info() is not None and not self._epoch_set and not _warned[0]:
            _warned[0] = True
            warnings.warn(
                "classflow.torch.IterableDataset in DataLoader workers: call ds.set_epoch(epoch) before each epoch; "
                "the workers' copies cannot advance it, so every epoch repeats one order",
                RuntimeWarning,
            )
        epoch = self._epoch
        self._epoch += 1
        for b in it.batches(epoch):
            images = torch.from_numpy(b.images)
            if b.labels is None:
                yield images
            else:
                yield images, torch.from_numpy(b.labels)

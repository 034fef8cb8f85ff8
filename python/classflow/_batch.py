"""One batch with where every item came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Tuple

import numpy as np


@dataclass
class Batch:
    """Batch ``index`` of epoch ``epoch``.

    ``images`` is ``[N, H, W, C]`` (``[N, C, H, W]`` with ``data_format='channels_first'``),
    uint8 or float32 (values 0..255 unless ``rescale``); ``labels`` is ``[N, ...]`` from the
    encoder (float32 ``[N, K]`` categorical, float32 ``[N]`` binary, int32 ``[N]`` sparse), the
    images again for ``class_mode='input'``, or None without labels. Both view the loader's own
    buffers (``images.flags['OWNDATA']`` is False): the memory returns to the loader when the last
    view is gone. ``class_ids`` (int32 ``[N]``, -1 when unlabelled), ``sample_indices`` (int64
    ``[N]``, positions in ``filenames``) and ``paths`` (relative, as in ``filenames``) say which
    file each item is, whatever the shuffle. ``skipped`` lists ``(sample_index, path, reason)``
    of files dropped under ``on_error='skip'``/``'warn'``.
    """

    images: np.ndarray
    labels: Optional[np.ndarray]
    class_ids: np.ndarray
    sample_indices: np.ndarray
    paths: List[str]
    epoch: int
    index: int
    skipped: List[Tuple[int, str, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.sample_indices)

    @classmethod
    def _from_native(cls, t: tuple) -> "Batch":
        images, labels, class_ids, indices, paths, epoch, index, skipped = t
        return cls(images, labels, class_ids, indices, list(paths), int(epoch), int(index), list(skipped))

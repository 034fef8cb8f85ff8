"""Augmentation: Keras ImageDataGenerator's names, applied by classflow's transform plugins."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

import numpy as np

from . import _native
from ._registry import registry

# ImageDataGenerator.apply_transform's parameter names -> the 'keras' transform's fixed options.
_PARAMS = ("theta", "tx", "ty", "shear", "zx", "zy", "flip_horizontal", "flip_vertical",
           "channel_shift_intensity", "brightness")


def _text(v: Any) -> str:
    if isinstance(v, bool) or isinstance(v, np.bool_):
        return "1" if v else "0"
    if isinstance(v, (list, tuple)):
        return ",".join(_text(x) for x in v)
    return str(v)


def augment_pairs(augment: Optional[Mapping[str, Any]]) -> list:
    """``{'rotation_range': 20, 'zoom_range': (0.9, 1.1)}`` -> ``[('rotation_range', '20'), ...]``."""
    if not augment:
        return []
    if not isinstance(augment, Mapping):
        raise TypeError(f"augment must be a dict of Keras ImageDataGenerator arguments, not {type(augment).__name__}")
    return [(str(k), _text(v)) for k, v in augment.items() if v is not None]


def apply_transform(x: Any, transform_parameters: Mapping[str, Any], fill_mode: str = "nearest",
                    cval: float = 0.0, plugin_dirs=()) -> np.ndarray:
    """Applies Keras's transform parameters to one image, as Keras
    ``ImageDataGenerator.apply_transform`` does: ``theta`` (degrees), ``tx`` (rows), ``ty``
    (columns), ``shear`` (degrees), ``zx``, ``zy``, ``flip_horizontal``, ``flip_vertical``,
    ``channel_shift_intensity``, ``brightness``.

    ``x``: ``[H, W, C]`` (or ``[H, W]``) float32 or uint8, values 0..255; the result has the same
    shape and dtype. One affine matrix about Keras's centre, through OpenCV with scipy.ndimage's
    ``fill_mode`` rules (``nearest``, ``constant`` with ``cval``, ``reflect``, ``wrap``); values
    differ from Keras only by interpolation rounding. One deliberate difference: ``brightness``
    multiplies the pixels (clipped to 0..255), while Keras first rescales the image to 0..255
    through PIL. Raises UsageError for an unknown parameter or fill_mode.
    """
    options = []
    for k, v in transform_parameters.items():
        key = "channel_shift_intensity" if k == "channel_shift_intencity" else k  # Keras's doc spelling
        if key not in _PARAMS:
            raise _native.UsageError(
                f"transform parameter '{k}' is unknown; expected one of: {', '.join(sorted(_PARAMS))}"
            )
        if v is None:
            continue
        options.append((key, _text(v)))
    if not options:
        options.append(("theta", "0"))  # fixed parameters, nothing drawn
    options += [("fill_mode", fill_mode), ("cval", _text(cval))]
    a = np.asarray(x)
    if a.dtype != np.uint8:
        a = np.ascontiguousarray(a, dtype=np.float32)
    return _native.apply_transform(registry(plugin_dirs), _native.TransformSpec("keras", options), a)


class ImageDataGenerator:
    """Keras's ``ImageDataGenerator`` front, backed by classflow: the augmentation arguments
    (``rotation_range``, ``width_shift_range``, ``height_shift_range``, ``shear_range``,
    ``zoom_range``, ``channel_shift_range``, ``brightness_range``, ``horizontal_flip``,
    ``vertical_flip``, ``fill_mode``, ``cval``, ``samplewise_center``,
    ``samplewise_std_normalization``, ``rescale``) are kept and passed to every
    ``flow_from_directory`` / ``flow_from_dataframe`` / ``flow_from_csv`` call, where the
    transforms run on classflow's decode threads with counter-based randomness (the same batches
    whatever ``num_workers``). ``validation_split``, ``data_format`` and ``dtype`` are passed too, as
    in Keras.

    Keras's other arguments are refused with a UsageError that names the alternative:
    ``featurewise_center``, ``featurewise_std_normalization``, ``zca_whitening`` (statistics of the
    whole data set from ``fit()``; classflow normalises with known ``mean``/``std`` in
    ``augment``), ``preprocessing_function`` (a Python call per image would hold the GIL on the
    decode threads: write a transform plugin, or apply it to each batch) and
    ``interpolation_order`` other than 1. ``flow(x, y)`` over in-memory arrays, ``fit`` and
    ``random_transform`` are not provided (classflow reads files): they raise NotImplementedError.
    """

    _AUGMENT = ("rotation_range", "width_shift_range", "height_shift_range", "shear_range", "zoom_range",
                "channel_shift_range", "brightness_range", "horizontal_flip", "vertical_flip", "fill_mode", "cval",
                "samplewise_center", "samplewise_std_normalization")

    def __init__(self, rotation_range=0, width_shift_range=0.0, height_shift_range=0.0, brightness_range=None,
                 shear_range=0.0, zoom_range=0.0, channel_shift_range=0.0, fill_mode="nearest", cval=0.0,
                 horizontal_flip=False, vertical_flip=False, rescale=None, samplewise_center=False,
                 samplewise_std_normalization=False, validation_split=0.0, dtype="float32", *,
                 data_format="channels_last", featurewise_center=False, featurewise_std_normalization=False,
                 zca_whitening=False, zca_epsilon=1e-6, preprocessing_function=None, interpolation_order=1):
        args = dict(locals())
        needs_fit = [k for k in ("featurewise_center", "featurewise_std_normalization", "zca_whitening") if args[k]]
        if needs_fit:
            raise _native.UsageError(
                f"{', '.join(needs_fit)} needs statistics of the whole data set (Keras's fit()), which classflow does "
                "not compute; expected augment={'mean': [...], 'std': [...]} with known values (torchvision "
                "Normalize), or samplewise_center / samplewise_std_normalization")
        if preprocessing_function is not None:
            raise _native.UsageError(
                "preprocessing_function is not supported: a Python call per image would hold the GIL on classflow's "
                "decode threads; expected a transform plugin (transforms=[...]), or the function applied to each "
                "batch")
        if interpolation_order != 1:
            raise _native.UsageError(
                f"interpolation_order '{interpolation_order}' is not supported; expected 1 (bilinear, Keras's default)")
        self.augment: Dict[str, Any] = {}
        for k in self._AUGMENT:
            v = args[k]
            if v in (None, False, 0, 0.0) and k not in ("fill_mode", "cval"):
                continue
            self.augment[k] = v
        if len(self.augment) == 2:  # only fill_mode and cval: nothing to augment
            self.augment = {}
        self.fill_mode = fill_mode
        self.cval = cval
        self.rescale = rescale
        self.validation_split = validation_split
        self.dtype = dtype
        self.data_format = data_format

    def _kwargs(self, kwargs: dict) -> dict:
        kwargs.setdefault("augment", self.augment)
        kwargs.setdefault("rescale", self.rescale)
        kwargs.setdefault("validation_split", self.validation_split)
        kwargs.setdefault("dtype", self.dtype)
        kwargs.setdefault("data_format", self.data_format)
        return kwargs

    def _not_here(self, what: str):
        raise NotImplementedError(
            f"ImageDataGenerator.{what} is not provided by classflow, which reads image files; expected "
            "flow_from_directory / flow_from_dataframe / flow_from_csv (or Keras's own generator for arrays)")

    def flow(self, *args, **kwargs):
        """Not provided (in-memory arrays): raises NotImplementedError naming the file-based calls."""
        self._not_here("flow(x, y) over arrays")

    def fit(self, *args, **kwargs):
        """Not provided (data-set statistics): raises NotImplementedError."""
        self._not_here("fit()")

    def random_transform(self, *args, **kwargs):
        """Not provided: raises NotImplementedError (apply_transform takes given parameters)."""
        self._not_here("random_transform()")

    def flow_from_directory(self, directory, **kwargs):
        """classflow.flow_from_directory with this generator's augmentation."""
        from ._flow import flow_from_directory

        return flow_from_directory(directory, **self._kwargs(kwargs))

    def flow_from_dataframe(self, dataframe, directory=None, **kwargs):
        """classflow.flow_from_dataframe with this generator's augmentation."""
        from ._flow import flow_from_dataframe

        return flow_from_dataframe(dataframe, directory, **self._kwargs(kwargs))

    def flow_from_csv(self, path, directory=None, **kwargs):
        """classflow.flow_from_csv with this generator's augmentation."""
        from ._flow import flow_from_csv

        return flow_from_csv(path, directory, **self._kwargs(kwargs))

    def apply_transform(self, x, transform_parameters):
        """Keras ``apply_transform`` with this generator's fill_mode and cval."""
        return apply_transform(x, transform_parameters, fill_mode=self.fill_mode, cval=self.cval)

"""flow_from_directory / flow_from_csv / flow_from_dataframe: Keras's entry points."""

from __future__ import annotations

import csv
import inspect
import math
import operator
import os
import warnings
import tempfile
from typing import Any, Iterable, Mapping, Optional, Sequence, Tuple, Union

from . import _native
from ._iterator import DirectoryIterator
from ._augment import _text, augment_pairs
from ._mapping import as_class_indices, encoder_option_pairs
from ._registry import registry

PathLike = Union[str, os.PathLike]

# flow_from_directory's arguments that configure the loader, and those of the label policy.
_LOADER_ARGS = (
    "target_size color_mode interpolation keep_aspect_ratio dtype data_format rescale batch_size shuffle seed "
    "drop_last num_workers prefetch on_error max_image_pixels alpha_background apply_exif_orientation "
    "num_shards shard_id shard_remainder augment transforms jpeg_draft cache sampling samples_per_epoch"
).split()
_LABEL_ARGS = ("class_mode", "class_indices", "encoder_options", "plugin_dirs", "plugin_overrides")


class _DefaultMode(str):
    """Keras's default class_mode, told apart from an explicit 'categorical' by identity: with
    ``class_indices`` and no class_mode, the saved class_mode applies (as the CLI does)."""


_CATEGORICAL = _DefaultMode("categorical")


def _loader_options(
    target_size,
    color_mode,
    interpolation,
    keep_aspect_ratio,
    dtype,
    data_format,
    rescale,
    batch_size,
    shuffle,
    seed,
    drop_last,
    num_workers,
    prefetch,
    on_error,
    max_image_pixels,
    alpha_background,
    apply_exif_orientation,
    num_shards,
    shard_id,
    shard_remainder,
    augment=None,
    transforms=(),
    jpeg_draft=None,
    cache=None,
    sampling="uniform",
    samples_per_epoch=None,
) -> "_native.LoaderOptions":
    o = _native.LoaderOptions()
    try:
        h, w = target_size
    except (TypeError, ValueError):
        raise _native.UsageError(
            f"target_size {target_size!r} is not (height, width); expected e.g. (224, 224)"
        ) from None
    o.target_size = (_int("target_size", h), _int("target_size", w))
    o.color_mode = _str("color_mode", color_mode)
    o.interpolation = _str("interpolation", interpolation)
    o.keep_aspect_ratio = bool(keep_aspect_ratio)
    o.dtype = dtype if isinstance(dtype, str) else _dtype_name(dtype)  # 'float32', np.float32, np.dtype
    o.data_format = data_format or "channels_last"
    if rescale is not None:
        o.rescale = float(rescale)
    o.batch_size = _int("batch_size", batch_size)
    o.shuffle = bool(shuffle)
    o.seed = 0 if seed is None else _int("seed", seed)
    o.drop_last = bool(drop_last)
    o.num_workers = _int("num_workers", num_workers)
    o.prefetch = _int("prefetch", prefetch)
    o.on_error = _str("on_error", on_error)
    o.max_image_pixels = _int("max_image_pixels", max_image_pixels)
    if alpha_background is not None:
        if not isinstance(alpha_background, str):
            alpha_background = ",".join(str(int(v)) for v in alpha_background)
        o.alpha_background = alpha_background
    o.apply_orientation = bool(apply_exif_orientation)
    o.shard_remainder = _str("shard_remainder", shard_remainder)
    o.apply_shard(None if num_shards is None else _int("num_shards", num_shards),
                  None if shard_id is None else _int("shard_id", shard_id))
    if jpeg_draft is not None:
        o.jpeg_draft = bool(jpeg_draft)
    if cache is not None:
        o.cache = cache if cache == "memory" else os.fsdecode(cache)
    o.sampling = os.fsdecode(sampling)
    if samples_per_epoch is not None:
        o.samples_per_epoch = _int("samples_per_epoch", samples_per_epoch)
    o.add_augmentation(augment_pairs(augment))
    specs = list(o.transforms)
    for t in transforms or ():
        if isinstance(t, str):
            name, opts = t, {}
        else:
            name, opts = t
        specs.append(_native.TransformSpec(str(name), [(str(k), _text(v)) for k, v in dict(opts).items()]))
    o.transforms = specs
    o.check()  # every range, and the memory of the batches in flight, before any file is read
    return o


def _int(name: str, value: Any) -> int:
    """An integer argument (Python or NumPy int); TypeError for bool, float, str."""
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    return operator.index(value)


def _str(name: str, value: Any) -> str:
    """A choice spelled as text (color_mode, interpolation, on_error, ...); TypeError for None or
    another type, as _int does (pybind11's own message lists C++ signatures)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    return value


def _dtype_name(dtype: Any) -> str:
    try:
        import numpy as np

        return np.dtype(dtype).name
    except TypeError:
        return str(dtype)


def _open(
    scan: "_native.ScanOptions",
    *,
    class_mode,
    class_indices,
    encoder_options,
    plugin_dirs,
    plugin_overrides=(),
    loader_args: dict,
    origin: Optional[Tuple[str, str]] = None,
):
    opts = _loader_options(**loader_args)  # first: a bad value never waits for a large walk
    _native.reserve_batches(opts)  # the first batches' memory, faulted in while plugins load and the scan runs
    reg = registry(plugin_dirs, plugin_overrides)
    _native.check_options(reg, opts)  # transform names and options too, before the scan
    warm = _native.warm_up(reg, opts, scan)  # noqa: F841 -- loader threads load an image each during the scan
    labels = _label_options(class_mode, class_indices, encoder_options)
    try:
        if scan.subset == "both":
            train, val, spec = _native.scan_labelled_split(reg, scan, labels)
            return tuple(_iterator(reg, d, spec, opts, origin) for d in (train, val))
        dataset, spec = _native.scan_labelled(reg, scan, labels)
        return _iterator(reg, dataset, spec, opts, origin)
    except _native.Error as e:
        if origin is None:
            raise
        # A temporary list file stands for the caller's dataframe: name that, not the temp path.
        raise type(e)(str(e).replace(origin[0], origin[1])) from None


def _label_options(class_mode, class_indices, encoder_options) -> "_native.LabelOptions":
    labels = _native.LabelOptions()
    # Keras spells "no labels" class_mode=None; "" lets a saved mapping's class_mode apply.
    labels.class_mode = "none" if class_mode is None else "" if class_mode is _CATEGORICAL else str(class_mode)
    labels.encoder_options = encoder_option_pairs(encoder_options)
    mapping = as_class_indices(class_indices)
    if mapping is not None:
        labels.mapping = mapping._native
    return labels


def _iterator(reg, dataset, spec, opts, origin=None) -> DirectoryIterator:
    # As Keras: say what was found; scan warnings (e.g. saved classes absent here) as warnings.
    print(dataset.found_message())
    named = (lambda w: w.replace(origin[0], origin[1])) if origin is not None else (lambda w: w)
    for w in dataset.warnings:
        warnings.warn(named(w), RuntimeWarning, stacklevel=4)
    loader = _native.Loader(reg, dataset, spec, opts)
    for w in loader.warnings:  # e.g. a crop transform turns the cache off
        warnings.warn(named(w), RuntimeWarning, stacklevel=4)
    it = DirectoryIterator(loader, dataset, on_error=opts.on_error)
    it.warnings = [named(w) for w in it.warnings]
    return it


def _scan_options(root: PathLike, classes, follow_links, subset, validation_split, seed, class_order, allow_empty,
                  split_method, source, source_options) -> "_native.ScanOptions":
    s = _native.ScanOptions()
    s.root = os.fsencode(root)  # bytes: names on disk need not be UTF-8
    if classes is not None:
        if isinstance(classes, (str, bytes)):
            raise _native.UsageError(
                f"classes '{classes}' is a single string; expected a list of class names, e.g. ['{classes}']"
            )
        s.classes = [os.fsencode(c) if isinstance(c, (str, bytes, os.PathLike)) else str(c).encode() for c in classes]
    s.follow_links = bool(follow_links)
    s.validation_split = float(validation_split or 0.0)
    s.subset = "all" if subset is None else str(subset)
    s.seed = 0 if seed is None else _int("seed", seed)
    s.class_order = class_order
    s.allow_empty = bool(allow_empty)
    s.split_method = split_method
    if source:
        s.source = str(source)
    if source_options:
        s.source_options = [(str(k), os.fsencode(v) if isinstance(v, (bytes, os.PathLike)) else str(v))
                            for k, v in source_options.items()]
    return s


def flow_from_directory(
    directory: PathLike,
    target_size: Tuple[int, int] = (256, 256),
    color_mode: str = "rgb",
    classes: Optional[Sequence[str]] = None,
    class_mode: Optional[str] = _CATEGORICAL,
    batch_size: int = 32,
    shuffle: bool = True,
    seed: Optional[int] = None,
    interpolation: str = "nearest",
    keep_aspect_ratio: bool = False,
    follow_links: bool = False,
    subset: Optional[str] = None,
    validation_split: float = 0.0,
    dtype: Any = "float32",
    data_format: Optional[str] = "channels_last",
    rescale: Optional[float] = None,
    num_workers: int = 2,
    prefetch: int = 2,
    on_error: str = "raise",
    class_indices: Any = None,
    plugin_dirs: Iterable[PathLike] = (),
    encoder_options: Optional[Mapping[str, Any]] = None,
    *,
    class_order: str = "bytes",
    allow_empty: bool = False,
    split_method: str = "random",
    drop_last: bool = False,
    max_image_pixels: int = 178956970,
    alpha_background: Optional[Union[str, Sequence[int]]] = None,
    apply_exif_orientation: bool = True,
    num_shards: Optional[int] = None,
    shard_id: Optional[int] = None,
    shard_remainder: str = "pad",
    source: Optional[str] = None,
    source_options: Optional[Mapping[str, Any]] = None,
    plugin_overrides: Iterable[str] = (),
    augment: Optional[Mapping[str, Any]] = None,
    transforms: Iterable[Any] = (),
    jpeg_draft: Optional[bool] = None,
    cache: Optional[PathLike] = None,
    sampling: str = "uniform",
    samples_per_epoch: Optional[int] = None,
):
    """Batches of images from a folder with one subfolder per class (Keras
    ``ImageDataGenerator().flow_from_directory``, same names, defaults and batch order).

    Classes are the subfolders sorted like Python ``sorted`` (or ``classes`` in its order);
    ``class_indices`` (a dict, a list of names, a path, or :func:`load_class_indices`'s result)
    enforces a saved mapping like the CLI's ``--class-indices``.
    ``class_mode``: ``'categorical'`` (float32 ``[N, K]``), ``'binary'`` (float32 ``[N]``, 1.0 =
    ``positive_class``, exactly 2 classes), ``'sparse'`` (int32 ``[N]``), ``'input'``, None (images
    only), ``'multi_hot'``, or a plugin encoder; the
    class_mode saved with ``class_indices`` applies when class_mode is not given.
    Images: ``[N, H, W, C]`` (``[N, C, H, W]`` with ``data_format='channels_first'``), ``dtype``
    ``'float32'`` (0..255, times ``rescale``) or ``'uint8'``.
    ``seed=None`` means seed 0: classflow is never random unless asked.
    ``subset='both'`` (with ``validation_split``) returns ``(training, validation)`` iterators
    of one scan. ``num_workers`` decode threads; ``prefetch`` batches decoded ahead;
    ``on_error='skip'`` drops unreadable images with a warning instead of raising.
    ``augment``: Keras ImageDataGenerator arguments (``{'rotation_range': 20, 'zoom_range': 0.1,
    'horizontal_flip': True, 'fill_mode': 'reflect'}``; also ``samplewise_center``,
    ``samplewise_std_normalization``, ``mean``/``std`` (torchvision Normalize after rescale) and
    ``crop_scale``/``crop_ratio`` (RandomResizedCrop)); ``transforms``: plugin transforms as
    ``'name'`` or ``('name', {options})``. Every random draw is a function of (seed, epoch,
    sample, transform position): the batches are the same whatever ``num_workers``.
    ``interpolation``: ``'nearest'``, ``'bilinear'``, ``'bicubic'``, ``'lanczos'``, ``'box'``,
    ``'hamming'`` give Pillow's pixels exactly (what Keras ``load_img`` and torchvision ``Resize``
    produce); ``'area'`` and ``'linear_fast'`` are OpenCV's (faster, not Pillow's).
    JPEGs decode at full size by default (bit-exact with Pillow); ``jpeg_draft=True`` decodes them
    at 1/2..1/8 scale first while they stay >= target, as Pillow's ``im.draft('RGB', target)``
    (fastest on large photos; Pillow's pixels after ``draft()``, not without it); ``area`` and
    ``linear_fast`` draft unless ``jpeg_draft=False``. ``cache='memory'`` or a folder keeps each resized image after its first decode
    (later epochs skip read/decode/resize; after-resize augmentation still runs every epoch).
    ``sampling='balanced'`` draws each epoch's samples with replacement so every class is equally
    likely (torch ``WeightedRandomSampler``), ``'weights:FILE'`` by the weights in a JSON file;
    ``samples_per_epoch`` sets the draws per epoch (default: the number of samples).

    Returns a :class:`DirectoryIterator`. Raises UsageError (a ValueError) for a bad argument,
    DataError for data that cannot be used as asked (no classes, binary with 3 classes, a
    mismatching mapping), PluginError for a missing plugin — the CLI's message text.
    """
    args = locals()
    scan = _scan_options(directory, classes, follow_links, subset, validation_split, seed, class_order, allow_empty,
                         split_method, source, source_options)
    return _open(scan, loader_args={n: args[n] for n in _LOADER_ARGS}, **{n: args[n] for n in _LABEL_ARGS})


def _csv_source_options(directory, x_col, y_col, label_delimiter, validate_filenames, extra,
                        allow_absolute_paths=False) -> dict:
    opts = dict(extra or {})
    if allow_absolute_paths:
        opts["allow_absolute_paths"] = "1"
    if directory is not None:
        opts["directory"] = os.fsencode(directory)
    opts["x_col"] = x_col
    if isinstance(y_col, (list, tuple)):
        opts["y_cols"] = ",".join(y_col)
    elif y_col is not None:
        opts["y_col"] = y_col
    if label_delimiter is not None:
        opts["label_delimiter"] = label_delimiter
    opts["validate_filenames"] = "1" if validate_filenames else "0"
    return opts


def flow_from_csv(
    path: PathLike,
    directory: Optional[PathLike] = None,
    x_col: str = "filename",
    y_col: Union[str, Sequence[str]] = "class",
    *,
    label_delimiter: Optional[str] = None,
    validate_filenames: bool = True,
    allow_absolute_paths: bool = False,
    **kwargs,
):
    """Batches of the images a CSV lists (the CLI's csv source), with :func:`flow_from_directory`'s
    other arguments. ``x_col`` holds paths relative to ``directory`` (default: the CSV's folder);
    ``y_col`` the class (classes sorted by byte order, never by first appearance), or a list of
    0/1 columns (multi-label, ``class_mode='multi_hot'``) or numeric columns (``'raw'``);
    ``label_delimiter`` splits one cell into several classes. Rows of missing files are skipped and
    counted unless ``validate_filenames=False``. With ``directory`` every listed path must stay
    inside it (no ``..`` climbing out; absolute paths only with ``allow_absolute_paths=True``)."""
    source_options = _csv_source_options(directory, x_col, y_col, label_delimiter, validate_filenames,
                                         kwargs.pop("source_options", None), allow_absolute_paths)
    kwargs.setdefault("source", "csv")
    return flow_from_directory(path, source_options=source_options, **kwargs)


def _columns(dataframe: Any, names: Sequence[str]) -> dict:
    """``{name: list}`` from a pandas DataFrame or a dict of columns."""
    out = {}
    for n in names:
        try:
            col = dataframe[n]
        except (KeyError, IndexError, TypeError):
            raise _native.DataError(
                f"dataframe has no column '{n}'; expected the columns named by x_col and y_col"
            ) from None
        out[n] = list(col.tolist() if hasattr(col, "tolist") else col)
    lengths = {len(v) for v in out.values()}
    if len(lengths) > 1:
        raise _native.DataError(f"dataframe columns have different lengths {sorted(lengths)}; expected equal lengths")
    return out


def _missing(value: Any) -> bool:
    """A dataframe's missing cell: None, NaN or a pandas NA/NaT."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or type(value).__name__ in ("NAType",
                                                                                                         "NaTType")


def _cell(value: Any, delimiter: Optional[str]) -> Any:
    """A dataframe cell as CSV text: a missing value (None, NaN, pandas NA) is empty, so the csv
    source refuses it like an empty cell instead of making a class named 'nan'; a bytes or
    os.PathLike file name is the name it stands for (os.fsdecode), never its repr()."""
    if _missing(value):
        return ""
    if isinstance(value, (list, tuple, set)):
        return delimiter.join(map(str, sorted(value)))
    if isinstance(value, (bytes, os.PathLike)):
        return os.fsdecode(value)
    return value


def _check_class_cells(column: str, values: list, class_mode: Any) -> None:
    """Keras's rule (DataFrameIterator): where cells name classes, each is a string or a list or
    tuple of strings. 1, 1.0 and True would otherwise become three classes '1', '1.0', 'True'.
    Raises TypeError naming the column, the row and the value."""
    if class_mode in ("raw", None):
        return
    for row, v in enumerate(values):
        if _missing(v):
            continue  # the csv source refuses it, naming the row
        items = v if isinstance(v, (list, tuple, set)) else [v]
        for item in items:
            if not isinstance(item, str):
                raise TypeError(
                    f"dataframe column '{column}' row {row} holds {item!r} ({type(item).__name__}); expected class "
                    f"names as str (or lists of str) with class_mode '{class_mode}', e.g. df['{column}'].astype(str), "
                    "or class_mode='raw' for numbers")


def flow_from_dataframe(
    dataframe: Any,
    directory: Optional[PathLike] = None,
    x_col: str = "filename",
    y_col: Union[str, Sequence[str], None] = "class",
    **kwargs,
):
    """Batches of the images a pandas DataFrame (or a dict of columns) lists, with the CSV
    source's rules (Keras ``flow_from_dataframe``): classes sorted by byte order, never by first
    appearance; a cell holding a list or tuple gives several classes (multi-label). Paths are
    relative to ``directory`` (default: the current folder) unless absolute.

    The rows go through the same csv source plugin as :func:`flow_from_csv`, from a temporary
    file that is removed once scanned; messages name the dataframe, not that file.
    """
    names = [x_col] + (list(y_col) if isinstance(y_col, (list, tuple)) else ([y_col] if y_col else []))
    cols = _columns(dataframe, names)
    if not isinstance(y_col, (list, tuple)):  # one column of class names (a list of columns is 0/1 or raw)
        for n in names[1:]:
            _check_class_cells(n, cols[n], kwargs.get("class_mode", "categorical"))
    multi = any(isinstance(v, (list, tuple, set)) for n in names[1:] for v in cols[n])
    delimiter = "\x1f" if multi else None  # ASCII unit separator: never part of a class name
    if kwargs.get("class_mode", "categorical") is None or y_col is None:
        y_col = None
    with tempfile.TemporaryDirectory(prefix="classflow-df-") as tmp:
        path = os.path.join(tmp, "dataframe.csv")
        # surrogateescape: a name os.fsdecode() made from bytes that are not UTF-8 goes back as those bytes.
        with open(path, "w", newline="", encoding="utf-8", errors="surrogateescape") as f:
            w = csv.writer(f)
            w.writerow(names)
            for row in zip(*(cols[n] for n in names)):
                w.writerow([_cell(v, delimiter) for v in row])
        if "source_options" in kwargs:
            extra = kwargs.pop("source_options")
        else:
            extra = None
        # Without a directory (Keras: absolute paths) relative ones start at the current folder.
        source_options = _csv_source_options(
            directory if directory is not None else os.getcwd(), x_col, y_col, delimiter,
            kwargs.pop("validate_filenames", True), extra,
            kwargs.pop("allow_absolute_paths", directory is None),
        )
        kwargs.setdefault("source", "csv")
        scan = _scan_options(
            path, kwargs.pop("classes", None), kwargs.pop("follow_links", False), kwargs.pop("subset", None),
            kwargs.pop("validation_split", 0.0), kwargs.get("seed"), kwargs.pop("class_order", "bytes"),
            kwargs.pop("allow_empty", False), kwargs.pop("split_method", "random"), kwargs.pop("source"),
            source_options,
        )
        return _open_from_kwargs(scan, kwargs, origin=(path, "<dataframe>"))


def _open_from_kwargs(scan, kwargs: dict, origin=None):
    """The loader and label arguments of flow_from_directory from ``kwargs``, with its defaults."""
    params = inspect.signature(flow_from_directory).parameters
    unknown = set(kwargs) - set(_LOADER_ARGS) - set(_LABEL_ARGS)
    if unknown:
        raise TypeError(f"flow_from_dataframe() got unexpected keyword arguments: {', '.join(sorted(unknown))}")
    pick = lambda names: {n: kwargs.get(n, params[n].default) for n in names}  # noqa: E731
    return _open(scan, loader_args=pick(_LOADER_ARGS), origin=origin, **pick(_LABEL_ARGS))

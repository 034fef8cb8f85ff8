"""classflow.check / classflow.report: know the dataset before training."""

from __future__ import annotations

import json
import os
import warnings
from typing import Any, Iterable, Mapping, Optional, Sequence, Tuple, Union

from . import _native
from ._flow import _CATEGORICAL, _int, _label_options, _scan_options
from ._registry import registry

PathLike = Union[str, os.PathLike]


def _roots(roots: Union[PathLike, Sequence[PathLike]]) -> list:
    if isinstance(roots, (str, bytes, os.PathLike)):
        roots = [roots]
    roots = list(roots)
    if not roots:
        raise _native.UsageError("roots is empty; expected one or more dataset folders, e.g. ['train', 'test']")
    return roots


def _scan_all(roots, classes, class_mode, class_indices, encoder_options, follow_links, class_order, allow_empty,
              source, source_options, plugin_dirs, plugin_overrides, validation_split=0.0, subset=None,
              split_method="random", seed=None):
    reg = registry(plugin_dirs, plugin_overrides)
    labels = _label_options(class_mode, class_indices, encoder_options)
    datasets, specs = [], []
    for root in _roots(roots):
        scan = _scan_options(root, classes, follow_links, subset, validation_split, seed, class_order, allow_empty,
                             split_method, source, source_options)
        if scan.subset == "both":
            raise _native.UsageError(
                "subset='both' makes two subsets of one root, disjoint by construction; check and report read roots: "
                "give subset='training' or 'validation', or the roots themselves (e.g. ['train', 'test'])")
        dataset, spec = _native.scan_labelled(reg, scan, labels)
        datasets.append(dataset)
        specs.append(spec)
    return reg, datasets, specs


def _target(target_size) -> Optional[Tuple[int, int]]:
    if target_size is None:
        return None
    if isinstance(target_size, (str, bytes)) or len(target_size) != 2:
        raise _native.UsageError(f"target_size '{target_size}' is not (height, width); expected e.g. (224, 224)")
    return (_int("target_size", target_size[0]), _int("target_size", target_size[1]))


def _check_args(decode, target_size, near_duplicates, near_threshold, num_workers, max_image_pixels) -> tuple:
    """check_datasets' option arguments, checked by the core before any walk (a bad value never
    waits for a scan). Raises UsageError or TypeError."""
    args = (bool(decode), _target(target_size), bool(near_duplicates), _int("near_threshold", near_threshold),
            _int("num_workers", num_workers), _int("max_image_pixels", max_image_pixels))
    _native.check_check_options(*args)
    return args


def check(
    roots: Union[PathLike, Sequence[PathLike]],
    *,
    decode: bool = True,
    target_size: Optional[Tuple[int, int]] = None,
    near_duplicates: bool = False,
    near_threshold: int = 6,
    num_workers: int = 0,
    max_image_pixels: int = 178956970,
    classes: Optional[Sequence[str]] = None,
    class_mode: Optional[str] = _CATEGORICAL,
    class_indices: Any = None,
    encoder_options: Optional[Mapping[str, Any]] = None,
    follow_links: bool = False,
    class_order: str = "bytes",
    allow_empty: bool = False,
    source: Optional[str] = None,
    source_options: Optional[Mapping[str, Any]] = None,
    plugin_dirs: Iterable[PathLike] = (),
    plugin_overrides: Iterable[str] = (),
    validation_split: float = 0.0,
    subset: Optional[str] = None,
    split_method: str = "random",
    seed: Optional[int] = None,
) -> dict:
    """Reads (and unless ``decode=False`` decodes) every file of one or more roots once, in
    parallel with bounded memory, and returns what ``classflow check --format json`` prints, as a
    dict: ``exit_code`` (0 clean, 3 when a file is corrupt, a picture is under two classes or a
    file is in several roots), ``clean``, ``decoded``, ``files`` (samples checked), ``bytes``,
    ``seconds``, ``roots`` (per root: ``root``, ``base_directory`` (where its paths start),
    ``num_samples``, ``class_names``, per class ``images`` and colour-model counts
    ``gray``/``rgb``/``palette``/``cmyk``/``alpha``/``high_bit_depth``/``unknown``/
    ``unreadable``), ``corrupt`` (``root``, ``path``, ``classes``,
    ``reason``), ``duplicates`` (groups of byte-identical files with ``kind`` ``duplicate`` /
    ``conflict`` / ``leak``, ``label_conflict``, ``hash``, ``files``), ``extension_mismatch``,
    ``small`` (a side below half of ``target_size`` = (height, width)), ``near_duplicates``
    (pHash pairs within ``near_threshold`` bits, with ``near_duplicates=True``), ``counts`` and
    ``warnings``. ``roots``: a path or a list (e.g. ``['train', 'valid', 'test']``: files shared
    by them are leaks). The scan arguments are flow_from_directory's (``subset='both'`` excepted:
    its two subsets are disjoint by construction). ``warnings`` are also raised as RuntimeWarning.

    Raises UsageError for bad options, DataError when a root cannot be scanned; a bad file is a
    finding, never an exception.
    """
    args = _check_args(decode, target_size, near_duplicates, near_threshold, num_workers, max_image_pixels)
    reg, datasets, _ = _scan_all(roots, classes, class_mode, class_indices, encoder_options, follow_links, class_order,
                                 allow_empty, source, source_options, plugin_dirs, plugin_overrides, validation_split,
                                 subset, split_method, seed)
    text = _native.check_datasets(reg, datasets, *args)
    return _result(text)


def _result(text: str) -> dict:
    result = json.loads(text)
    for w in result["warnings"]:  # as flow_from_directory: scan and check warnings as warnings
        warnings.warn(w, RuntimeWarning, stacklevel=3)
    return result


def report(
    roots: Union[PathLike, Sequence[PathLike]],
    output: PathLike,
    *,
    thumbnails: int = 8,
    title: Optional[str] = None,
    decode: bool = True,
    target_size: Optional[Tuple[int, int]] = None,
    near_duplicates: bool = False,
    near_threshold: int = 6,
    num_workers: int = 0,
    max_image_pixels: int = 178956970,
    classes: Optional[Sequence[str]] = None,
    class_mode: Optional[str] = _CATEGORICAL,
    class_indices: Any = None,
    encoder_options: Optional[Mapping[str, Any]] = None,
    follow_links: bool = False,
    class_order: str = "bytes",
    allow_empty: bool = False,
    source: Optional[str] = None,
    source_options: Optional[Mapping[str, Any]] = None,
    plugin_dirs: Iterable[PathLike] = (),
    plugin_overrides: Iterable[str] = (),
    validation_split: float = 0.0,
    subset: Optional[str] = None,
    split_method: str = "random",
    seed: Optional[int] = None,
) -> dict:
    """Writes ``classflow report``'s page to ``output`` (one self-contained HTML file, written
    atomically: the mapping with each class's encoded label in ``class_mode``, class counts with
    the imbalance ratio and class_weight, ``thumbnails`` per class, size and aspect-ratio
    histograms, colour models and every check finding) and returns the check's dict, as
    :func:`check`. Raises as :func:`check`, and DataError when ``output`` cannot be written.
    """
    args = _check_args(decode, target_size, near_duplicates, near_threshold, num_workers, max_image_pixels)
    reg, datasets, specs = _scan_all(roots, classes, class_mode, class_indices, encoder_options, follow_links,
                                     class_order, allow_empty, source, source_options, plugin_dirs, plugin_overrides,
                                     validation_split, subset, split_method, seed)
    output = os.fsdecode(output)
    text = _native.write_report(reg, datasets, specs, output, *args, _int("thumbnails", thumbnails),
                                "" if title is None else str(title))
    return _result(text)

"""Saved mappings (class_indices.json) and decoding predictions back to class names."""

from __future__ import annotations

import json
import numbers
import operator
import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _native
from ._registry import registry


class ClassIndices:
    """A loaded mapping: class names in index order, and the class_mode it was saved with.

    Accepted wherever ``class_indices=`` is (and enforced exactly like the CLI's
    ``--class-indices``: same indices; a class folder outside it is a DataError).
    """

    def __init__(self, native: "_native.MappingFile", origin: str = ""):
        self._native = native
        self.origin = origin

    @property
    def class_names(self) -> List[str]:
        """Names in index order (Keras 3 ``class_names``)."""
        return list(self._native.class_names)

    @property
    def class_indices(self) -> Dict[str, int]:
        """``{name: index}`` in index order (Keras ``class_indices``)."""
        return {n: i for i, n in enumerate(self._native.class_names)}

    @property
    def class_mode(self) -> Optional[str]:
        """The class_mode saved with the mapping, or None when the file did not say."""
        return self._native.class_mode or None

    @property
    def positive_class(self) -> Optional[str]:
        """Binary mappings: the class labelled 1.0 (index 1)."""
        return self._native.positive_class

    def __len__(self) -> int:
        return len(self._native.class_names)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ClassIndices):
            return self.class_names == other.class_names
        if isinstance(other, Mapping):
            return self.class_indices == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"ClassIndices({self.class_indices!r}, class_mode={self.class_mode!r})"

    def __reduce__(self):
        # Pickled as the mapping file's text: loading it back applies the same checks.
        return (_load_pickled, (self.to_json(), self.origin))

    def to_json(self, format: str = "classflow") -> str:
        """The file text: ``format='classflow'`` (``classflow.class_indices/1``) or ``'keras'``
        (a plain ``{name: index}`` dict)."""
        return _native.mapping_to_json(self._native, format)

    def save(self, path: Union[str, os.PathLike], format: str = "classflow") -> None:
        """Writes the mapping to ``path`` (replaced atomically). Raises DataError when it cannot
        be written."""
        _native.save_mapping(os.fspath(path), self._native, format)


def load_class_indices(path: Union[str, os.PathLike]) -> ClassIndices:
    """Reads a saved mapping: a classflow file, a Keras ``class_indices`` dict, a torchvision
    ``class_to_idx`` dict or a Keras 3 ``class_names`` list. Raises DataError when missing or
    invalid (indices not exactly 0..K-1, duplicates), naming the file."""
    p = os.fspath(path)
    return ClassIndices(_native.load_mapping(p), p)


def _load_pickled(text: str, origin: str) -> "ClassIndices":
    return ClassIndices(_native.mapping_from_json(text, origin), origin)


def as_class_indices(value: Any, what: str = "class_indices") -> Optional[ClassIndices]:
    """A ClassIndices from a dict ``{name: index}``, a list of names, a path, or a ClassIndices.
    Raises UsageError for another type; DataError for an invalid mapping (same rules as a file)."""
    if value is None:
        return None
    if isinstance(value, ClassIndices):
        return value
    if isinstance(value, (str, os.PathLike)):
        return load_class_indices(value)
    if isinstance(value, Mapping):
        # NumPy integers (np.int64 from an array) are indices too; json.dumps refuses them.
        text = json.dumps({str(k): (operator.index(v) if isinstance(v, numbers.Integral) and not isinstance(v, bool)
                                    else v) for k, v in value.items()})
        return ClassIndices(_native.mapping_from_json(text, f"{what} argument"), f"{what} argument")
    if isinstance(value, (list, tuple)):
        return ClassIndices(_native.mapping_from_json(json.dumps([str(v) for v in value]), f"{what} argument"))
    raise _native.UsageError(
        f"{what} of type '{type(value).__name__}' is not a mapping; expected a dict {{name: index}}, "
        "a list of class names, a path to class_indices.json, or classflow.load_class_indices(path)"
    )


def _rows(predictions: Any) -> np.ndarray:
    """``predictions`` as a C-contiguous float32 array; the core shapes it ([N, K] as it is, [N] by
    class_mode: N binary scores or one row, as ``classflow decode`` reads a .npy file).

    Raises UsageError for an array that is not real numbers (complex, strings, objects, dates:
    NumPy would convert some of them silently), as the CLI refuses such a .npy file."""
    a = np.asarray(predictions)
    if a.dtype.kind not in "fiub":
        raise _native.UsageError(
            f"predictions of dtype {a.dtype} are not scores; expected a real numeric array (float, int, uint or "
            "bool), e.g. model.predict output"
        )
    with np.errstate(over="ignore", invalid="ignore"):  # beyond float32 becomes inf: refused below or by the core
        rows = np.ascontiguousarray(a, dtype=np.float32)
    if a.dtype.kind == "f" and a.dtype.itemsize > 4:
        # Finite in float64 but inf as float32: name the value the caller gave, not the inf it became.
        over = np.isfinite(a) & ~np.isfinite(rows)
        if over.any():
            at = tuple(int(i) for i in np.argwhere(over)[0])
            raise _native.DataError(
                f"prediction row {at[0]}" + (f": column {at[1]}" if len(at) > 1 else "") +
                f" holds {a[at]!r}, outside float32 range; expected finite scores"
            )
    return rows


def decode_with(
    spec: "_native.LabelSpec",
    predictions: Any,
    top_k: Optional[int] = None,
    threshold: Optional[float] = None,
) -> list:
    """Decodes ``predictions`` ([N, width]; a 1-D array is one row, except for binary where it
    is N sigmoid scores) through ``spec``'s encoder.

    Returns, per row: the class name (``top_k=None``; for multi-label encoders the list of names
    over the threshold), or with ``top_k=k`` a list of ``(name, score)`` pairs, best first.
    """
    rows = _rows(predictions)
    decoded = spec.decode(rows, 1 if top_k is None else operator.index(top_k), threshold)
    names = spec.class_names
    if top_k is not None:
        return [[(names[c], float(s)) for c, s in row] for row in decoded]
    if spec.multi_label:
        return [[names[c] for c, _ in row] for row in decoded]
    return [names[row[0][0]] if row else None for row in decoded]


def decode(
    predictions: Any,
    class_indices: Any,
    class_mode: Optional[str] = None,
    top_k: Optional[int] = None,
    threshold: Optional[float] = None,
    encoder_options: Optional[Mapping[str, Any]] = None,
    plugin_dirs: Iterable[str] = (),
    plugin_overrides: Iterable[str] = (),
) -> list:
    """Model predictions back to class names through a saved mapping, for every encoder
    (third-party ones loaded from ``plugin_dirs`` included) — ``classflow decode`` in Python.

    ``class_indices``: a dict, a list of names, a path or :func:`load_class_indices`'s result.
    ``class_mode``: default the mapping's saved class_mode, else ``'categorical'``.
    Returns what :meth:`DirectoryIterator.decode` returns. Raises DataError for a row that does not
    fit (wrong width, a binary score outside [0, 1]), naming the row.
    """
    mapping = as_class_indices(class_indices)
    if mapping is None:
        raise _native.UsageError("class_indices 'None' is not a mapping; expected a dict {name: index}, a list of "
                                 "class names, a path to class_indices.json, or classflow.load_class_indices(path)")
    reg = registry(plugin_dirs, plugin_overrides)
    labels = _native.LabelOptions()
    labels.class_mode = class_mode or ""
    labels.encoder_options = encoder_option_pairs(encoder_options)
    labels.mapping = mapping._native
    spec = _native.label_spec(reg, labels, mapping.class_names)
    return decode_with(spec, predictions, top_k, threshold)


def encoder_option_pairs(options: Optional[Mapping[str, Any]]) -> List[Tuple[str, str]]:
    """``{'label_smoothing': 0.1}`` -> ``[('label_smoothing', '0.1')]`` (what ``--encoder-opt`` passes)."""
    if not options:
        return []
    if not isinstance(options, Mapping):
        raise TypeError(f"encoder_options must be a dict of key: value, not {type(options).__name__}")
    out = []
    for k, v in options.items():
        if isinstance(v, bool):
            v = "1" if v else "0"
        out.append((str(k), str(v)))
    return out

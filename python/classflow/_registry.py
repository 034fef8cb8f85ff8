"""The plugin registry a call uses: loaded once per search path and kept."""

from __future__ import annotations

import os
import threading
import warnings
from typing import Dict, Iterable, Tuple

from . import _native

_lock = threading.Lock()
_cache: Dict[Tuple[Tuple[str, ...], str, Tuple[str, ...]], "_native.Registry"] = {}


def _strings(values) -> Tuple[str, ...]:
    if isinstance(values, (str, os.PathLike)):
        values = [values]
    return tuple(os.fspath(v) for v in values)


def registry(plugin_dirs: Iterable[str] = (), plugin_overrides: Iterable[str] = ()) -> "_native.Registry":
    """The Registry for ``plugin_dirs`` (searched first), then ``CLASSFLOW_PLUGIN_PATH``, then the
    plugins installed next to the core. A plugin that registers a built-in name is refused unless
    ``plugin_overrides`` names it (``'encoder:categorical'``). Cached per (plugin_dirs,
    CLASSFLOW_PLUGIN_PATH, plugin_overrides): a plugin library stays loaded while anything made
    from it lives."""
    dirs, overrides = _strings(plugin_dirs), _strings(plugin_overrides)
    key = (dirs, os.environ.get("CLASSFLOW_PLUGIN_PATH", ""), overrides)
    with _lock:
        reg = _cache.get(key)
        if reg is None:
            reg = _native.Registry(list(dirs), overrides=list(overrides))
            for w in reg.warnings():
                warnings.warn(w, RuntimeWarning, stacklevel=3)
            _cache[key] = reg
        return reg


def plugins(plugin_dirs: Iterable[str] = (), plugin_overrides: Iterable[str] = ()) -> dict:
    """Loaded and refused plugins, as ``classflow plugins --format json`` prints them.

    Returns ``{"search_path": [...], "abi": "1.0", "plugins": [{kind, name, plugin, version, abi, license,
    file, builtin, description, extensions}], "refused": [{file, reason}], "overridden": [{file, reason}],
    "warnings": [...]}``.
    """
    reg = registry(plugin_dirs, plugin_overrides)
    abi = "{}.{}".format(*_native.abi_version)
    return {"search_path": list(reg.search_path), "abi": abi, "plugins": reg.plugins(), "refused": reg.refused(),
            "overridden": reg.overridden(), "warnings": reg.warnings()}

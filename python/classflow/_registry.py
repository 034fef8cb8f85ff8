"""The plugin registry a call uses: loaded once per search path and kept."""

from __future__ import annotations

import os
import threading
from typing import Dict, Iterable, Tuple

from . import _native

_lock = threading.Lock()
_cache: Dict[Tuple[Tuple[str, ...], str], "_native.Registry"] = {}


def registry(plugin_dirs: Iterable[str] = ()) -> "_native.Registry":
    """The Registry for ``plugin_dirs`` (searched first), then ``CLASSFLOW_PLUGIN_PATH``, then the
    plugins installed next to the core. Cached per (plugin_dirs, CLASSFLOW_PLUGIN_PATH): a
    plugin library stays loaded while anything made from it lives."""
    if isinstance(plugin_dirs, (str, os.PathLike)):
        plugin_dirs = [plugin_dirs]
    dirs = tuple(os.fspath(d) for d in plugin_dirs)
    key = (dirs, os.environ.get("CLASSFLOW_PLUGIN_PATH", ""))
    with _lock:
        reg = _cache.get(key)
        if reg is None:
            reg = _native.Registry(list(dirs))
            _cache[key] = reg
        return reg


def plugins(plugin_dirs: Iterable[str] = ()) -> dict:
    """Loaded and refused plugins, as ``classflow plugins --format json`` prints them.

    Returns ``{"search_path": [...], "abi": "1.0", "plugins": [{kind, name, plugin, version, abi, license,
    file, description, extensions}], "refused": [{file, reason}]}``.
    """
    reg = registry(plugin_dirs)
    abi = "{}.{}".format(*_native.abi_version)
    return {"search_path": list(reg.search_path), "abi": abi, "plugins": reg.plugins(), "refused": reg.refused()}

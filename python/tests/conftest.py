"""Fixtures: small trees of real JPEG/PNG files (written with Pillow), the CLI path, RSS."""

import os
import pathlib
import subprocess

import numpy as np
import pytest
from PIL import Image

SOURCE_DIR = pathlib.Path(os.environ.get("CLASSFLOW_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
CLI = os.environ.get("CLASSFLOW_CLI", str(SOURCE_DIR / "build" / "bin" / "classflow"))
DIGITS = SOURCE_DIR / "examples" / "data" / "digits"

# Class -> base colour: every image of a class is near it, so pixels tell the class.
COLOURS = {"dog": (200, 40, 40), "cat": (40, 40, 200)}


def write_jpeg(path, rgb, size=(64, 48), seed=0):
    """A JPEG of `size` (w, h) around colour `rgb`, with a gradient so resizing has work to do."""
    rng = np.random.default_rng(seed)
    w, h = size
    a = np.zeros((h, w, 3), np.float64)
    a[:] = rgb
    a += np.linspace(-20, 20, w)[None, :, None]
    a += rng.integers(-8, 9, (h, w, 3))
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).save(path, quality=90)


@pytest.fixture(scope="session")
def dogs_cats(tmp_path_factory):
    """train/valid/test folders of dog and cat JPEGs (dogs, cats): 12/14, 5/6, 10/10."""
    root = tmp_path_factory.mktemp("dogs_cats")
    counts = {"train": (12, 14), "valid": (5, 6), "test": (10, 10)}
    seed = 0
    for split, (dogs, cats) in counts.items():
        for cls, n in (("dog", dogs), ("cat", cats)):
            for i in range(n):
                seed += 1
                write_jpeg(root / split / cls / f"{cls}.{i}.jpg", COLOURS[cls], size=(64 + i, 48 + i % 5), seed=seed)
    return root


def run_cli(*args):
    """Runs the classflow CLI; returns (exit code, stdout, stderr)."""
    p = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True,
                       env={**os.environ, "CLASSFLOW_PLUGIN_PATH": ""})
    return p.returncode, p.stdout, p.stderr


def rss_mib():
    """Resident memory of this process, MiB (/proc/self/statm)."""
    with open("/proc/self/statm") as f:
        resident = int(f.read().split()[1])
    return resident * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)

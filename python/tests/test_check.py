"""classflow.check / classflow.report: the CLI's results from Python, pHash against its definition."""

import json
import os
import shutil

import numpy as np
import pytest
from PIL import Image

import classflow
from classflow import _native
from conftest import DIGITS, run_cli, write_jpeg


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """train/test of cats and dogs with a leak, a conflict, a truncated JPEG and a PNG named .jpg."""
    root = tmp_path_factory.mktemp("planted")
    for split in ("train", "test"):
        for k, cls in enumerate(("cat", "dog")):
            for i in range(3):
                write_jpeg(root / split / cls / f"{cls}{i}.jpg", (40 + 80 * k, 90, 200 - 80 * k), seed=hash((split, i)) % 997)
    shutil.copy(root / "train/cat/cat0.jpg", root / "test/cat/cat0_again.jpg")  # leak, same class
    shutil.copy(root / "train/cat/cat1.jpg", root / "train/dog/cat1.jpg")  # conflict
    data = (root / "train/dog/dog2.jpg").read_bytes()
    (root / "train/dog/cut.jpg").write_bytes(data[: len(data) // 2])
    Image.new("RGB", (30, 20), (1, 2, 3)).save(root / "train/cat/png_inside.jpg", "PNG")
    return root


def _without_seconds(d):
    d = dict(d)
    d.pop("seconds")
    return d


def test_check_matches_the_cli_json(planted):
    roots = [str(planted / "train"), str(planted / "test")]
    py = classflow.check(roots)
    code, out, _ = run_cli("check", *roots, "--format", "json")
    assert code == 3
    assert _without_seconds(py) == _without_seconds(json.loads(out))
    assert py["exit_code"] == 3
    assert [(g["kind"], [f["path"] for f in g["files"]]) for g in py["duplicates"]] == [
        ("leak", ["cat/cat0.jpg", "cat/cat0_again.jpg"]),
        ("conflict", ["cat/cat1.jpg", "dog/cat1.jpg"]),
    ]
    assert [(c["path"], c["classes"]) for c in py["corrupt"]] == [("dog/cut.jpg", ["dog"])]
    assert "cut.jpg' cannot be decoded: truncated or corrupt JPEG data: " in py["corrupt"][0]["reason"]
    assert [(m["path"], m["extension"], m["content"]) for m in py["extension_mismatch"]] == [
        ("cat/png_inside.jpg", ".jpg", "png")
    ]


def test_check_one_root_and_options(planted):
    r = classflow.check(planted / "test", decode=False, target_size=(100, 100))
    assert r["exit_code"] == 0 and r["decoded"] is False
    assert r["counts"]["small"] == 7  # 64x48 JPEGs: 48 < 50
    with pytest.raises(classflow.UsageError, match="near-duplicates need the decoded images"):
        classflow.check(planted / "test", decode=False, near_duplicates=True)
    with pytest.raises(classflow.UsageError, match="roots is empty"):
        classflow.check([])


def test_digits_are_clean():
    r = classflow.check(DIGITS)
    assert r["exit_code"] == 0
    assert r["files"] == 1797
    assert r["duplicates"] == [] and r["corrupt"] == []


def _phash_definition(image):
    """imagehash.phash (hash_size 8, highfreq_factor 4) in NumPy: Pillow's convert('L') and
    LANCZOS resize to 32x32, scipy.fftpack.dct (type II, unnormalised) on both axes, the top-left
    8x8 block against its median."""
    small = np.asarray(image.convert("L").resize((32, 32), Image.LANCZOS), dtype=np.float64)
    k = np.arange(32)[:, None]
    n = np.arange(32)[None, :]
    c = 2 * np.cos(np.pi * k * (2 * n + 1) / 64)  # scipy.fftpack.dct's matrix, norm=None
    low = (c @ small @ c.T)[:8, :8]
    bits = (low > np.median(low)).flatten()
    return int("".join("1" if b else "0" for b in bits), 2)


def test_perceptual_hash_is_imagehash_phash(dogs_cats):
    images = [Image.open(p).convert("RGB") for p in sorted((dogs_cats / "train").rglob("*.jpg"))][:12]
    rng = np.random.default_rng(5)
    images.append(Image.fromarray(rng.integers(0, 256, (61, 93, 3), dtype=np.uint8)))
    yy, xx = np.mgrid[0:50, 0:70]
    images.append(Image.fromarray(((xx * 3 + yy * 2) % 256).astype(np.uint8)))  # gray
    images += [Image.open(DIGITS / str(d) / f"{d:04d}.png") for d in range(10)]
    for im in images:
        arr = np.asarray(im)
        assert _native.perceptual_hash(arr) == _phash_definition(im), im


def test_report_writes_the_page_and_returns_the_check(planted, tmp_path):
    out = tmp_path / "r.html"
    r = classflow.report([planted / "train", planted / "test"], out, class_mode="binary", thumbnails=1,
                         title="cats & dogs")
    assert r["counts"]["leak"] == 1 and r["counts"]["conflict"] == 1
    html = out.read_text()
    assert "<title>cats &amp; dogs</title>" in html
    assert "<b>binary:</b> label 1 = class <b>dog</b> (index 1)" in html
    assert html.count("data:image/jpeg;base64,") == 4  # 1 per class and root
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


def test_nul_in_a_path_is_a_usage_error(planted, tmp_path):
    # The OS would read each name only up to the NUL: another folder, another file.
    with pytest.raises(classflow.UsageError, match=r"dataset root 'tr\\0x' has a NUL character"):
        classflow.check("tr\0x")
    with pytest.raises(classflow.DataError, match=r"a\\0\.html' has a NUL character in its name; .*nothing was written"):
        classflow.report(planted / "test", str(tmp_path / "a\0.html"))
    assert not (tmp_path / "a").exists()


def test_warnings_are_raised_and_subset_both_refused(planted, tmp_path):
    other = tmp_path / "other"
    write_jpeg(other / "cow" / "c.jpg", (10, 200, 10))
    with pytest.warns(RuntimeWarning, match="has classes \\[cow\\] where root"):
        r = classflow.check([planted / "test", other])
    assert len(r["warnings"]) == 1
    with pytest.raises(classflow.UsageError, match="subset='both' makes two subsets of one root"):
        classflow.check(planted / "test", validation_split=0.5, subset="both")
    v = classflow.check(planted / "test", validation_split=0.5, subset="validation")
    assert v["roots"][0]["num_samples"] == 3  # floor(0.5 * 3) + floor(0.5 * 4)

"""--cache / cache=: later epochs read the resized image back, pixels identical to a run without
the cache; a changed file or a damaged cache file is a miss; augmentation still runs per epoch;
a crop transform turns the cache off with a warning."""

import os

import numpy as np
import pytest

import classflow
from conftest import run_cli, write_jpeg

KW = dict(target_size=(24, 32), interpolation="bilinear", dtype="uint8", batch_size=5, shuffle=False, seed=3)


def epochs(it, n):
    return [np.concatenate([b.images for b in it.batches(e)]) for e in range(n)]


@pytest.mark.parametrize("where", ["memory", "folder"])
def test_cached_epochs_equal_an_uncached_run(dogs_cats, tmp_path, where):
    cache = "memory" if where == "memory" else tmp_path / "cache"
    plain = epochs(classflow.flow_from_directory(dogs_cats / "train", **KW), 2)
    it = classflow.flow_from_directory(dogs_cats / "train", cache=cache, **KW)
    cached = epochs(it, 3)
    for e in range(3):
        assert np.array_equal(cached[e], plain[0])  # no shuffle: every epoch is epoch 0's pixels
    p = it.profile()
    assert p["images"] == 3 * 26 and p["cache_hits"] == 2 * 26  # epoch 0 decodes, 1 and 2 hit
    if where == "folder":
        assert len(list((tmp_path / "cache").glob("*.cfc"))) == 26
        # A new process reuses the folder: every image a hit, the same bytes.
        again = classflow.flow_from_directory(dogs_cats / "train", cache=cache, **KW)
        assert np.array_equal(epochs(again, 1)[0], plain[0])
        assert again.profile()["cache_hits"] == 26


def test_a_changed_file_is_decoded_again(tmp_path):
    root = tmp_path / "data"
    write_jpeg(root / "a" / "0.jpg", (200, 40, 40), size=(40, 30), seed=1)
    write_jpeg(root / "a" / "1.jpg", (40, 40, 200), size=(40, 30), seed=2)
    kw = dict(KW, batch_size=2, class_mode=None)
    first = next(classflow.flow_from_directory(root, cache=tmp_path / "c", **kw))
    write_jpeg(root / "a" / "0.jpg", (10, 250, 10), size=(40, 30), seed=3)  # new content, same name
    os.utime(root / "a" / "0.jpg", ns=(1, 1))  # even with an old mtime: size/inode/mtime key
    it = classflow.flow_from_directory(root, cache=tmp_path / "c", **kw)
    second = next(it)
    fresh = next(classflow.flow_from_directory(root, **kw))
    assert np.array_equal(second, fresh)
    assert not np.array_equal(second[0], first[0]) and np.array_equal(second[1], first[1])
    assert it.profile()["cache_hits"] == 1


def test_a_damaged_cache_file_is_a_miss_and_is_rewritten(dogs_cats, tmp_path):
    cache = tmp_path / "c"
    plain = epochs(classflow.flow_from_directory(dogs_cats / "valid", **KW), 1)[0]
    epochs(classflow.flow_from_directory(dogs_cats / "valid", cache=cache, **KW), 1)
    files = sorted(cache.glob("*.cfc"))
    data = bytearray(files[0].read_bytes())
    data[-1] ^= 0xFF  # one pixel flipped: the checksum fails
    files[0].write_bytes(bytes(data))
    files[1].write_bytes(files[1].read_bytes()[:100])  # cut short
    it = classflow.flow_from_directory(dogs_cats / "valid", cache=cache, **KW)
    assert np.array_equal(epochs(it, 1)[0], plain)
    assert it.profile()["cache_hits"] == 11 - 2
    assert files[0].read_bytes() != bytes(data)  # rewritten


def test_augmentation_still_runs_every_epoch(dogs_cats, tmp_path):
    kw = dict(KW, augment={"horizontal_flip": True, "rotation_range": 10})
    plain = epochs(classflow.flow_from_directory(dogs_cats / "train", **kw), 2)
    cached = epochs(classflow.flow_from_directory(dogs_cats / "train", cache="memory", **kw), 2)
    assert np.array_equal(cached[0], plain[0]) and np.array_equal(cached[1], plain[1])
    assert not np.array_equal(cached[0], cached[1])


def test_a_crop_transform_turns_the_cache_off_with_a_warning(dogs_cats, tmp_path):
    with pytest.warns(RuntimeWarning, match=r"cache '.*' is off: a before-resize random transform"):
        classflow.flow_from_directory(dogs_cats / "train", cache=tmp_path / "c",
                                      augment={"crop_scale": (0.5, 1.0)}, **KW)
    assert not (tmp_path / "c").exists()


def test_cli_cache_and_profile(dogs_cats, tmp_path):
    import json
    args = ("flow", dogs_cats / "train", "--target-size", "24x32", "--cache", tmp_path / "c", "--epochs", "2",
            "--profile", "--format", "json")
    code, out, err = run_cli(*args)
    assert code == 0, err
    p = json.loads(out)["profile"]
    assert p["images"] == 52 and p["cache_hits"] == 26 and p["batches"] == 2
    assert set(p["stage_seconds"]) == {"read", "decode", "resize", "store", "encode"}
    assert abs(sum(p["stage_share"].values()) - 1.0) < 1e-9
    assert p["first_batch_seconds"] > 0 and p["rss_mib"]["peak"] >= p["rss_mib"]["ready"] > 0
    code, out, err = run_cli("flow", dogs_cats / "train", "--target-size", "24x32", "--profile")
    assert code == 0 and "decode" in out and "first batch after" in out and "memory:" in out
    code, out, err = run_cli("flow", dogs_cats / "train", "--cache", "/proc/nope/c")
    assert code == 3 and "cache folder '/proc/nope/c' cannot be created" in err

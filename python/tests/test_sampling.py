"""--sampling balanced | weights:FILE: counter-based draws with replacement (torch
WeightedRandomSampler semantics), the same for any worker count, resumable, split over shards."""

import json

import numpy as np
import pytest

import classflow
from conftest import run_cli, write_jpeg

KW = dict(target_size=(8, 8), dtype="uint8", batch_size=16, seed=5, class_mode="sparse")


@pytest.fixture(scope="module")
def imbalanced(tmp_path_factory):
    root = tmp_path_factory.mktemp("imbalanced")
    for cls, n in (("ant", 3), ("bee", 11), ("cat", 1), ("dog", 25)):
        for i in range(n):
            write_jpeg(root / cls / f"{i}.jpg", (60 * len(cls), 90, 20), size=(10, 10), seed=i)
    return root


def drawn_classes(it, epochs):
    return np.concatenate([np.concatenate([b.labels for b in it.batches(e)]) for e in range(epochs)])


def test_balanced_makes_every_class_equally_likely(imbalanced):
    it = classflow.flow_from_directory(imbalanced, sampling="balanced", samples_per_epoch=2000, **KW)
    assert len(it) == 125  # 2000 draws / 16
    counts = np.bincount(drawn_classes(it, 2), minlength=4)
    assert counts.sum() == 4000
    assert np.all(np.abs(counts - 1000) < 120), counts  # ~3.5 sigma of Binomial(4000, 1/4)
    plain = np.bincount(drawn_classes(classflow.flow_from_directory(imbalanced, **KW), 1), minlength=4)
    assert plain.tolist() == [3, 11, 1, 25]  # uniform: every sample once


def test_draws_are_the_same_for_any_worker_count_and_differ_per_epoch(imbalanced):
    a = classflow.flow_from_directory(imbalanced, sampling="balanced", num_workers=1, **KW)
    b = classflow.flow_from_directory(imbalanced, sampling="balanced", num_workers=3, prefetch=4, **KW)
    assert len(a) == 3  # 40 draws by default
    for e in range(2):
        assert np.array_equal(a.epoch_order(e), b.epoch_order(e))
        assert np.array_equal(np.concatenate([x.images for x in a.batches(e)]),
                              np.concatenate([x.images for x in b.batches(e)]))
    assert not np.array_equal(a.epoch_order(0), a.epoch_order(1))
    # Resumable: a state saved mid-epoch continues with the same draws.
    next(a)
    state = a.state_dict()
    rest = [next(a)[1] for _ in range(4)]
    c = classflow.flow_from_directory(imbalanced, sampling="balanced", **KW)
    c.load_state_dict(state)
    assert all(np.array_equal(next(c)[1], r) for r in rest)


def test_shards_split_one_draw_sequence(imbalanced):
    full = classflow.flow_from_directory(imbalanced, sampling="balanced", samples_per_epoch=64, **KW).epoch_order(0)
    parts = [classflow.flow_from_directory(imbalanced, sampling="balanced", samples_per_epoch=64, num_shards=2,
                                           shard_id=r, **KW).epoch_order(0) for r in (0, 1)]
    assert np.array_equal(parts[0], full[0::2]) and np.array_equal(parts[1], full[1::2])


def test_weights_file_per_class_and_per_sample(imbalanced, tmp_path):
    f = tmp_path / "w.json"
    f.write_text(json.dumps({"ant": 0, "bee": 1, "cat": 0, "dog": 0}))
    it = classflow.flow_from_directory(imbalanced, sampling=f"weights:{f}", **KW)
    assert set(drawn_classes(it, 3).tolist()) == {1}  # only bees
    per_sample = [0.0] * 40
    per_sample[14] = 1.0  # 'cat/0.jpg' (ant 0-2, bee 3-13, cat 14)
    f.write_text(json.dumps(per_sample))
    it = classflow.flow_from_directory(imbalanced, sampling=f"weights:{f}", **KW)
    assert set(it.epoch_order(0).tolist()) == {14} and it.filenames[14] == "cat/0.jpg"


def test_weights_too_large_to_sum_are_ratios_all_the_same(imbalanced, tmp_path):
    # 1e307 four times overflows a double: the draws must still be the equal weights' draws.
    f = tmp_path / "w.json"
    orders = []
    for w in (1, 1e307):
        f.write_text(json.dumps({"ant": w, "bee": w, "cat": w, "dog": w}))
        orders.append(classflow.flow_from_directory(imbalanced, sampling=f"weights:{f}", **KW).epoch_order(0))
    assert np.array_equal(orders[0], orders[1])
    assert len(set(orders[1].tolist())) > 10


@pytest.mark.parametrize("content,message", [
    ('{"ant": 1, "bee": 1}', "has no weight for the classes cat, dog"),
    ('{"ant": 1, "bee": 1, "cat": 1, "dog": 1, "eel": 2}', "names classes this data does not have: eel"),
    ("[1, 2]", "lists 2 weights for 40 samples"),
    ('{"ant": -1, "bee": 1, "cat": 1, "dog": 1}', "gives class 'ant' the weight -1"),
    ('{"ant": 0, "bee": 0, "cat": 0, "dog": 0}', "gives every sample weight 0"),
    ("not json", "is not valid JSON"),
    ('{"ant": 1, "bee": 1, "cat": 1, "dog": 1, "ant": 2}', "has the key 'ant' twice"),
])
def test_bad_weights_files_are_named(imbalanced, tmp_path, content, message):
    f = tmp_path / "w.json"
    f.write_text(content)
    with pytest.raises(classflow.DataError, match=message):
        classflow.flow_from_directory(imbalanced, sampling=f"weights:{f}", **KW)


def test_a_malformed_weights_file_fails_before_the_walk(tmp_path):
    # The folder does not exist: had the walk started, its error would name the folder instead.
    f = tmp_path / "w.json"
    f.write_text('{"ant": 1, "bee": NaN}')
    with pytest.raises(classflow.DataError, match=r"sampling weights file '.*w\.json' is not valid JSON"):
        classflow.flow_from_directory(tmp_path / "no-such-folder", sampling=f"weights:{f}", **KW)
    # A well-formed file meets the classes only after the walk.
    f.write_text('{"ant": 1}')
    with pytest.raises(classflow.DataError, match="no-such-folder"):
        classflow.flow_from_directory(tmp_path / "no-such-folder", sampling=f"weights:{f}", **KW)


def test_cli_flags_and_usage_errors(imbalanced):
    code, out, err = run_cli("flow", imbalanced, "--target-size", "8x8", "--sampling", "balanced",
                             "--samples-per-epoch", "100", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["images"] == 100
    code, _, err = run_cli("flow", imbalanced, "--sampling", "sometimes")
    assert code == 2 and "sampling 'sometimes' is unknown; expected uniform, balanced or weights:FILE" in err
    code, _, err = run_cli("flow", imbalanced, "--samples-per-epoch", "10")
    assert code == 2 and "samples_per_epoch '10' needs sampling balanced or weights:FILE" in err


def test_huge_samples_per_epoch_is_a_usage_error_and_an_edited_weights_file_is_not_resumed(imbalanced, tmp_path):
    for n in ("99999999999999", "9223372036854775807"):
        code, _, err = run_cli("flow", imbalanced, "--sampling", "balanced", "--samples-per-epoch", n)
        assert code == 2 and f"samples_per_epoch '{n}' is out of range; expected 0..1048576" in err, err
    f = tmp_path / "w.json"
    f.write_text(json.dumps({"ant": 1, "bee": 1, "cat": 1, "dog": 1}))
    it = classflow.flow_from_directory(imbalanced, sampling=f"weights:{f}", **KW)
    next(it)
    state = it.state_dict()
    f.write_text(json.dumps({"ant": 1, "bee": 1, "cat": 1, "dog": 5}))
    again = classflow.flow_from_directory(imbalanced, sampling=f"weights:{f}", **KW)
    with pytest.raises(classflow.UsageError, match="sampling_weights"):
        again.load_state_dict(state)

"""Resume: K batches + state + resume equals one uninterrupted run, byte for byte (augmentation
on, another num_workers), in the CLI and in Python; shard counts may change mid-epoch."""

import json

import numpy as np
import pytest

import classflow
from conftest import DIGITS, run_cli

ARGS = ["--target-size", "12x12", "--batch-size", "100", "--seed", "5", "--epochs", "2",
        "--augment", "rotation_range=20", "--augment", "zoom_range=0.1", "--augment", "horizontal_flip=1"]
BATCHES = 18  # ceil(1797 / 100)


def npy_files(folder):
    return {p.name: p.read_bytes() for p in folder.glob("*.npy")}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("whole") / "export"
    code, _, err = run_cli("flow", DIGITS, *ARGS, "--num-workers", "2", "--export", out)
    assert code == 0, err
    files = npy_files(out)
    assert len(files) == 3 * 2 * BATCHES
    return files


@pytest.mark.parametrize("k", [0, 1, 7, BATCHES, BATCHES + 5])  # none, one, mid, last of epoch 0, mid epoch 1
def test_cli_stop_save_resume_equals_one_run(uninterrupted, tmp_path, k):
    state = tmp_path / "state.json"
    first, second = tmp_path / "a", tmp_path / "b"
    if k > 0:
        code, _, err = run_cli("flow", DIGITS, *ARGS, "--num-workers", "1", "--export", first,
                               "--stop-after-batches", k, "--save-state", state)
        assert code == 0, err
    else:
        code, _, err = run_cli("flow", DIGITS, *ARGS, "--num-workers", "1", "--stop-after-batches", 1,
                               "--save-state", state)  # a state, then rewound to 0 below
        saved = json.loads(state.read_text())
        saved["epoch"], saved["batches_consumed"] = 0, 0
        state.write_text(json.dumps(saved))
    saved = json.loads(state.read_text())
    assert saved["format"] == "classflow.loader_state/1"
    assert saved["epoch"] * BATCHES + saved["batches_consumed"] == k  # the last batch of an epoch: (0, 18)
    code, _, err = run_cli("flow", DIGITS, *ARGS, "--num-workers", "3", "--prefetch", "5", "--export", second,
                           "--resume", state)
    assert code == 0, err
    got = {**(npy_files(first) if k > 0 else {}), **npy_files(second)}
    assert sorted(got) == sorted(uninterrupted)
    for name, data in uninterrupted.items():
        assert got[name] == data, name


def test_cli_resume_refuses_other_options_and_data(tmp_path):
    state = tmp_path / "s.json"
    code, out, _ = run_cli("flow", DIGITS, *ARGS, "--stop-after-batches", 3, "--save-state", state)
    assert code == 0
    assert f"stopped after 3 batches (--stop-after-batches); continue with --resume {state}\n" in out
    code, _, err = run_cli("flow", DIGITS, *ARGS[:3], "64", *ARGS[4:], "--resume", state)
    assert code == 2
    assert err == ("error: the state was saved with batch_size '100', this run has '64'; expected the same options "
                   "(only num_workers, prefetch and the shard count may change)\n")
    code, _, err = run_cli("flow", DIGITS, *ARGS, "--classes", "0,1", "--resume", state)
    assert code == 2 and "the state was saved for another dataset (1797 samples" in err


def test_python_state_dict_equals_one_run():
    kw = dict(target_size=(12, 12), batch_size=100, seed=5, augment={"rotation_range": 20, "horizontal_flip": True})
    whole = classflow.flow_from_directory(DIGITS, **kw)
    expected = [next(whole)[0].tobytes() for _ in range(BATCHES + 6)]
    for k in (0, 1, 9, BATCHES, BATCHES + 3):
        it = classflow.flow_from_directory(DIGITS, num_workers=1, **kw)
        for _ in range(k):
            next(it)
        state = json.loads(json.dumps(it.state_dict()))  # JSON-serialisable
        fresh = classflow.flow_from_directory(DIGITS, num_workers=4, prefetch=6, **kw)
        fresh.load_state_dict(state)
        assert [next(fresh)[0].tobytes() for _ in range(3)] == expected[k:k + 3], k


def test_another_shard_count_mid_epoch_loses_and_repeats_nothing():
    kw = dict(target_size=(4, 4), batch_size=50, seed=8, color_mode="grayscale", shard_remainder="exact")
    seen = []
    states = []
    for r in range(2):  # two shards, 5 batches each, then the run stops
        it = classflow.flow_from_directory(DIGITS, num_shards=2, shard_id=r, **kw)
        for b in it.batches(0):
            if b.index == 5:
                break
            seen.extend(int(i) for i in b.sample_indices)
        for _ in range(5):
            next(it)
        states.append(it.state_dict())
    assert states[0]["batches_consumed"] == 5
    for r in range(3):  # the rest of epoch 0 over three shards
        it = classflow.flow_from_directory(DIGITS, num_shards=3, shard_id=r, **kw)
        it.load_state_dict(states[0])
        assert it.epoch == 0
        for b in it.batches(0):
            seen.extend(int(i) for i in b.sample_indices)
    assert sorted(seen) == list(range(1797))

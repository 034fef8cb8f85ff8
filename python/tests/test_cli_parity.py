"""Python and the CLI are two faces of one library: same batches byte for byte, same errors."""

import json
import os
import subprocess

import numpy as np
import pytest

import classflow
from conftest import CLI, run_cli

CASES = [
    # (CLI flags, flow_from_directory kwargs)
    (["--target-size", "224x224", "--batch-size", "10", "--seed", "5", "--classes", "dog,cat"],
     dict(target_size=(224, 224), batch_size=10, seed=5, classes=["dog", "cat"])),
    (["--target-size", "20x30", "--batch-size", "7", "--seed", "9", "--class-mode", "binary",
      "--interpolation", "bilinear", "--dtype", "uint8"],
     dict(target_size=(20, 30), batch_size=7, seed=9, class_mode="binary", interpolation="bilinear", dtype="uint8")),
    (["--target-size", "16x16", "--batch-size", "4", "--no-shuffle", "--class-mode", "sparse",
      "--color-mode", "grayscale", "--data-format", "channels_first", "--rescale", "0.5"],
     dict(target_size=(16, 16), batch_size=4, shuffle=False, class_mode="sparse", color_mode="grayscale",
          data_format="channels_first", rescale=0.5)),
]


@pytest.mark.parametrize("flags,kwargs", CASES)
def test_batches_equal_cli_export_byte_for_byte(dogs_cats, tmp_path, flags, kwargs):
    out = tmp_path / "export"
    code, stdout, stderr = run_cli("flow", dogs_cats / "train", *flags, "--epochs", "2", "--export", out,
                                   "--format", "json")
    assert code == 0, stderr
    summary = json.loads(stdout)
    it = classflow.flow_from_directory(dogs_cats / "train", **kwargs)
    assert summary["class_indices"] == it.class_indices
    assert (out / "filenames.txt").read_text().splitlines() == it.filenames
    k = 0
    for epoch in range(2):
        for b in it.batches(epoch):
            images = np.load(out / f"images_{k:05d}.npy")
            labels = np.load(out / f"labels_{k:05d}.npy")
            indices = np.load(out / f"indices_{k:05d}.npy")
            assert images.dtype == b.images.dtype and images.shape == b.images.shape
            assert images.tobytes() == b.images.tobytes()
            assert labels.dtype == b.labels.dtype and labels.tobytes() == b.labels.tobytes()
            np.testing.assert_array_equal(indices, b.sample_indices)
            k += 1
    assert not (out / f"images_{k:05d}.npy").exists()
    # next() walks the same batches, epoch after epoch.
    k = 0
    for _ in range(2 * len(it)):
        x, y = next(it)
        assert x.tobytes() == np.load(out / f"images_{k:05d}.npy").tobytes()
        assert y.tobytes() == np.load(out / f"labels_{k:05d}.npy").tobytes()
        k += 1


def test_arrays_view_the_loader_buffers(dogs_cats):
    torch = pytest.importorskip("torch")
    it = classflow.flow_from_directory(dogs_cats / "train", target_size=(224, 224), batch_size=10)
    images, labels = next(it)
    assert not images.flags["OWNDATA"] and not labels.flags["OWNDATA"]
    assert images.flags["C_CONTIGUOUS"] and images.flags["WRITEABLE"]
    assert images.ctypes.data % 64 == 0
    assert np.from_dlpack(images).ctypes.data == images.ctypes.data
    t = torch.from_dlpack(images)
    assert t.data_ptr() == images.ctypes.data
    assert tuple(t.shape) == (10, 224, 224, 3) and t.dtype == torch.float32
    assert torch.from_dlpack(labels).data_ptr() == labels.ctypes.data
    # The tensor keeps the batch alive after the arrays are gone.
    expected = images.copy()
    del images, labels
    for _ in range(3):
        next(it)
    assert np.array_equal(t.numpy(), expected)


@pytest.mark.parametrize(
    "flags,kwargs",
    [
        (["--class-mode", "onehot"], dict(class_mode="onehot")),
        (["--class-mode", "binary"], dict(class_mode="binary", classes=["dog", "cat", "cow"])),
        (["--encoder-opt", "label_smoothing=2"], dict(encoder_options={"label_smoothing": 2})),
        (["--target-size", "0x5"], dict(target_size=(0, 5))),
        (["--batch-size", "0"], dict(batch_size=0)),
        (["--subset", "training"], dict(subset="training")),
        (["--interpolation", "hermite"], dict(interpolation="hermite")),
        (["--source", "nosuch"], dict(source="nosuch")),
    ],
)
def test_errors_have_the_cli_text_and_kind(dogs_cats, tmp_path, flags, kwargs):
    (dogs_cats / "train" / "cow").mkdir(exist_ok=True)
    try:
        kwargs.setdefault("classes", ["dog", "cat"])
        code, _, stderr = run_cli("flow", dogs_cats / "train", "--classes", ",".join(kwargs["classes"]), *flags)
        kinds = {2: classflow.UsageError, 3: classflow.DataError, 4: classflow.PluginError}
        with pytest.raises(kinds[code]) as e:
            classflow.flow_from_directory(dogs_cats / "train", **kwargs)
        assert stderr == f"error: {e.value}\n"
        if code == 2:
            assert isinstance(e.value, ValueError)
    finally:
        (dogs_cats / "train" / "cow").rmdir()


def test_plugins_lists_what_the_cli_lists():
    code, stdout, _ = run_cli("plugins", "--format", "json")
    assert code == 0
    cli = json.loads(stdout)
    py = classflow.plugins()
    assert py["abi"] == cli["abi"]
    assert [(p["kind"], p["name"], p["file"]) for p in py["plugins"]] == [
        (p["kind"], p["name"], p["file"]) for p in cli["plugins"]
    ]
    assert {("encoder", "binary"), ("decoder", "jpeg"), ("source", "csv")} <= {
        (p["kind"], p["name"]) for p in py["plugins"]
    }


def test_python_m_classflow_runs_the_cli_next_to_the_package(tmp_path):
    import sys

    import classflow.__main__ as cli_main
    env = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(classflow.__file__)), "CLASSFLOW_PLUGIN_PATH": ""}
    p = subprocess.run([sys.executable, "-m", "classflow", "scan", str(tmp_path / "nowhere")], capture_output=True,
                       text=True, env=env, cwd=tmp_path)
    assert p.returncode == 3 and f"dataset root '{tmp_path / 'nowhere'}' does not exist" in p.stderr
    assert os.path.samefile(cli_main.executable(), CLI)  # the build tree's: build/python -> build/bin


def test_python_m_classflow_says_when_no_cli_came_with_the_package(monkeypatch, capsys):
    import classflow.__main__ as cli_main
    monkeypatch.setattr(cli_main, "_CANDIDATES", ("/nonexistent/bin/classflow",))
    assert cli_main.main(["--version"]) == 127
    assert "the classflow command line program is not installed with this package" in capsys.readouterr().err

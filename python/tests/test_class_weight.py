"""class_weight is scikit-learn's compute_class_weight('balanced') (python3-sklearn as the oracle),
the same in Python, scan --format json (by name and by index) and the scan table."""

import json

import numpy as np
import pytest

import classflow
from conftest import run_cli, write_jpeg


@pytest.fixture(scope="module")
def imbalanced(tmp_path_factory):
    root = tmp_path_factory.mktemp("imbalanced")
    for cls, n in (("ant", 3), ("bee", 11), ("cat", 1), ("dog", 25)):
        for i in range(n):
            write_jpeg(root / cls / f"{i}.jpg", (30 * len(cls), 90, 20), size=(12, 10), seed=i)
    return root


def test_class_weight_equals_sklearn_balanced(imbalanced):
    sklearn = pytest.importorskip("sklearn.utils.class_weight")
    it = classflow.flow_from_directory(imbalanced, target_size=(8, 8))
    want = sklearn.compute_class_weight("balanced", classes=np.arange(4), y=it.classes)
    assert list(it.class_weight) == [0, 1, 2, 3]  # keys are indices: fit(class_weight=...) as is
    np.testing.assert_allclose([it.class_weight[i] for i in range(4)], want, rtol=0, atol=1e-6)
    assert it.class_weight[2] == pytest.approx(40 / (4 * 1))  # 'cat', the rarest, weighs most


def test_scan_json_and_text_show_the_same_weights(imbalanced):
    code, out, err = run_cli("scan", imbalanced, "--format", "json")
    assert code == 0, err
    w = json.loads(out)["class_weight"]
    assert w["by_name"] == {"ant": 40 / 12, "bee": 40 / 44, "cat": 10.0, "dog": 0.4}
    assert w["by_index"] == {"0": 40 / 12, "1": 40 / 44, "2": 10.0, "3": 0.4}
    code, out, err = run_cli("scan", imbalanced)
    assert "class_weight" in out and "      2  cat          1       10.0000" in out

"""The lesson classflow exists for, end to end: which class is [0, 1]? which class is 1 in binary?"""

import numpy as np
import pytest

import classflow


def onehot(cls, names):
    row = np.zeros(len(names), np.float32)
    row[names.index(cls)] = 1.0
    return row


@pytest.mark.parametrize("split", ["train", "valid", "test"])
def test_categorical_mapping_and_rows_by_path(dogs_cats, split):
    it = classflow.flow_from_directory(dogs_cats / split, target_size=(224, 224), classes=["dog", "cat"],
                                       batch_size=10)
    assert it.class_indices == {"dog": 0, "cat": 1}
    assert it.class_names == ["dog", "cat"]
    assert it.class_mode == "categorical"
    assert it.positive_class is None
    # The batch next() returns is batch 0 of epoch 0: positions 0..9 of the epoch's order.
    order = it.epoch_order(0)
    images, labels = next(it)
    assert images.dtype == np.float32 and images.shape == (10, 224, 224, 3)
    assert labels.dtype == np.float32 and labels.shape == (10, 2)
    for row, sample in zip(labels, order[:10]):
        path = it.filenames[sample]
        cls = path.split("/")[0]
        np.testing.assert_array_equal(row, onehot(cls, ["dog", "cat"]))
        assert it.classes[sample] == it.class_indices[cls]
    # Every row of the epoch, checked by path through Batch objects too.
    seen = 0
    for b in it.batches(0):
        for row, path, cid in zip(b.labels, b.paths, b.class_ids):
            cls = path.split("/")[0]
            np.testing.assert_array_equal(row, onehot(cls, ["dog", "cat"]))
            assert cid == ["dog", "cat"].index(cls)
        seen += len(b)
    assert seen == it.samples


@pytest.mark.parametrize("split", ["train", "valid", "test"])
def test_pixels_belong_to_the_labelled_file(dogs_cats, split):
    it = classflow.flow_from_directory(dogs_cats / split, target_size=(32, 32), classes=["dog", "cat"],
                                       batch_size=10, seed=3)
    for b in it.batches(1):
        for img, path in zip(b.images, b.paths):
            red, _, blue = img.mean(axis=(0, 1))
            assert (red > blue) == path.startswith("dog/")


@pytest.mark.parametrize("split", ["train", "valid", "test"])
def test_binary_one_is_cat(dogs_cats, split):
    it = classflow.flow_from_directory(dogs_cats / split, target_size=(224, 224), classes=["dog", "cat"],
                                       class_mode="binary", batch_size=10)
    assert it.class_indices == {"dog": 0, "cat": 1}
    assert it.positive_class == "cat"
    order = it.epoch_order(0)
    images, labels = next(it)
    assert labels.dtype == np.float32 and labels.shape == (10,)
    for y, sample in zip(labels, order[:10]):
        assert (y == 1.0) == it.filenames[sample].startswith("cat/")
        assert y in (0.0, 1.0)


def test_predictions_decode_to_names(dogs_cats):
    it = classflow.flow_from_directory(dogs_cats / "test", target_size=(224, 224), classes=["dog", "cat"],
                                       batch_size=10)
    assert it.decode([[0, 1]] * 10) == ["cat"] * 10
    assert it.decode(np.array([[0.9, 0.1]], np.float32)) == ["dog"]
    assert it.decode([[0.3, 0.7]], top_k=2) == [[("cat", pytest.approx(0.7)), ("dog", pytest.approx(0.3))]]
    binary = classflow.flow_from_directory(dogs_cats / "test", target_size=(8, 8), classes=["dog", "cat"],
                                           class_mode="binary", batch_size=10)
    assert binary.decode([[0.8], [0.2]]) == ["cat", "dog"]
    assert binary.decode(np.array([0.8, 0.2])) == ["cat", "dog"]  # shape (N,) sigmoid outputs


def test_saved_mapping_travels_to_the_test_split(dogs_cats, tmp_path):
    train = classflow.flow_from_directory(dogs_cats / "train", target_size=(8, 8), classes=["dog", "cat"],
                                          class_mode="binary")
    train.save_class_indices(tmp_path / "m.json")
    saved = classflow.load_class_indices(tmp_path / "m.json")
    assert saved.class_indices == {"dog": 0, "cat": 1}
    assert saved.class_mode == "binary" and saved.positive_class == "cat"
    # No classes=, no class_mode=: the saved mapping decides both (discovery alone would say cat=0).
    test = classflow.flow_from_directory(dogs_cats / "test", target_size=(8, 8), class_indices=tmp_path / "m.json")
    assert test.class_indices == {"dog": 0, "cat": 1}
    assert test.class_mode == "binary" and test.positive_class == "cat"
    assert classflow.flow_from_directory(dogs_cats / "test", target_size=(8, 8)).class_indices == {"cat": 0, "dog": 1}
    # A dict and the loaded object work the same way.
    assert classflow.flow_from_directory(dogs_cats / "valid", target_size=(8, 8),
                                         class_indices={"dog": 0, "cat": 1}).class_indices == {"dog": 0, "cat": 1}
    assert classflow.flow_from_directory(dogs_cats / "valid", target_size=(8, 8),
                                         class_indices=saved).class_mode == "binary"

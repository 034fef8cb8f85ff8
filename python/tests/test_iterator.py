"""Keras's iterator protocol: attributes, it[i], next() over epochs, on_epoch_end, reset, modes."""

import gc
import json
import os
import threading

import numpy as np
import pytest

import classflow
from conftest import DIGITS, rss_mib, write_jpeg


def test_keras_attributes(dogs_cats):
    it = classflow.flow_from_directory(dogs_cats / "train", target_size=(30, 20), batch_size=8, seed=1)
    assert it.samples == it.n == 26
    assert it.num_classes == 2 and it.class_names == ["cat", "dog"]
    assert it.filenames[:2] == ["cat/cat.0.jpg", "cat/cat.1.jpg"]  # Keras order: class by class
    assert it.filenames[14] == "dog/dog.0.jpg"
    assert it.filepaths[0] == os.path.join(str(dogs_cats / "train"), "cat/cat.0.jpg")
    assert it.classes.dtype == np.int32 and list(it.classes) == [0] * 14 + [1] * 12
    assert len(it) == 4 and it.batch_size == 8
    assert it.image_shape == (30, 20, 3)
    assert it.label_dtype == "float32" and it.label_shape == (2,)
    cf = classflow.flow_from_directory(dogs_cats / "train", target_size=(30, 20), data_format="channels_first",
                                       color_mode="grayscale")
    assert cf.image_shape == (1, 30, 20)
    assert next(cf)[0].shape == (26, 1, 30, 20)


def test_getitem_is_batch_i_of_the_current_epoch(dogs_cats):
    it = classflow.flow_from_directory(dogs_cats / "train", target_size=(12, 12), batch_size=8, seed=4)
    epoch0 = [b for b in it.batches(0)]
    epoch1 = [b for b in it.batches(1)]
    assert [int(i) for b in epoch0 for i in b.sample_indices] == list(it.epoch_order(0))
    assert list(it.epoch_order(0)) != list(it.epoch_order(1))
    for i in (2, 0, 1, 2, 3, 1):  # random access and in-order walks alike
        x, y = it[i]
        assert x.tobytes() == epoch0[i].images.tobytes() and y.tobytes() == epoch0[i].labels.tobytes()
    it.on_epoch_end()
    assert it.epoch == 1
    for i in range(len(it)):
        x, y = it[i]
        assert x.tobytes() == epoch1[i].images.tobytes()
    with pytest.raises(ValueError, match=r"batch index '4' is out of range; expected 0..3"):
        it[4]


def test_next_walks_epochs_and_reset_restarts_the_epoch(dogs_cats):
    it = classflow.flow_from_directory(dogs_cats / "train", target_size=(12, 12), batch_size=10, seed=2)
    assert len(it) == 3
    e0 = [b.images.tobytes() for b in it.batches(0)]
    e1 = [b.images.tobytes() for b in it.batches(1)]
    got = [next(it)[0].tobytes() for _ in range(5)]
    assert got == e0 + e1[:2]
    assert it.epoch == 1 and it.total_batches_seen == 5
    it.reset()
    assert next(it)[0].tobytes() == e1[0]
    assert [x.tobytes() for x, _ in [next(it), next(it)]] == e1[1:]
    assert it.epoch == 2


def test_input_and_label_less_modes(dogs_cats):
    it = classflow.flow_from_directory(dogs_cats / "valid", target_size=(8, 8), class_mode="input", batch_size=4)
    x, y = next(it)
    assert x.shape == y.shape == (4, 8, 8, 3) and np.array_equal(x, y)
    none = classflow.flow_from_directory(dogs_cats / "valid", target_size=(8, 8), class_mode=None, batch_size=4)
    x = next(none)
    assert isinstance(x, np.ndarray) and x.shape == (4, 8, 8, 3)
    assert none.class_mode is None
    sparse = classflow.flow_from_directory(dogs_cats / "valid", target_size=(8, 8), class_mode="sparse",
                                           shuffle=False, batch_size=11)
    _, y = next(sparse)
    assert y.dtype == np.int32 and list(y) == [0] * 6 + [1] * 5


def test_subset_both_is_one_scan_with_two_iterators(dogs_cats):
    train, val = classflow.flow_from_directory(dogs_cats / "train", target_size=(8, 8), subset="both",
                                               validation_split=0.25, seed=3)
    assert train.class_indices == val.class_indices == {"cat": 0, "dog": 1}
    assert set(train.filenames).isdisjoint(val.filenames)
    assert len(train.filenames) + len(val.filenames) == 26
    assert val.samples == 3 + 3  # floor(0.25 * 14) cats + floor(0.25 * 12) dogs
    only_val = classflow.flow_from_directory(dogs_cats / "train", target_size=(8, 8), subset="validation",
                                             validation_split=0.25, seed=3)
    assert only_val.filenames == val.filenames


def test_on_error_skip_warns_with_the_path(tmp_path):
    write_jpeg(tmp_path / "a" / "ok.jpg", (10, 10, 10))
    (tmp_path / "a" / "bad.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    write_jpeg(tmp_path / "b" / "ok.jpg", (10, 10, 10))
    with pytest.raises(classflow.DataError, match=r"image file '.*bad\.jpg' cannot be decoded"):
        next(classflow.flow_from_directory(tmp_path, target_size=(8, 8), shuffle=False))
    it = classflow.flow_from_directory(tmp_path, target_size=(8, 8), shuffle=False, on_error="skip")
    with pytest.warns(RuntimeWarning, match=r"skipped '.*bad\.jpg'"):
        x, y = next(it)
    assert x.shape == (2, 8, 8, 3) and it.skipped_count == 1


def test_twenty_epochs_keep_memory_flat(tmp_path):
    for cls in ("a", "b"):
        for i in range(30):
            write_jpeg(tmp_path / cls / f"{i}.jpg", (90, 90, 90), size=(320, 240), seed=i)
    it = classflow.flow_from_directory(tmp_path, target_size=(224, 224), batch_size=10, seed=1)
    after = []
    for epoch in range(20):
        for _ in range(len(it)):
            x, y = next(it)
            x, y = None, None
        gc.collect()
        after.append(rss_mib())
    # The loader keeps at most prefetch + 1 = 3 batch buffers; the third comes only when this
    # thread hands a batch back after the workers have opened two ahead, which may first happen
    # in any epoch. So: no buffer beyond that bound, and nothing else grows.
    buffer_mib = 10 * 224 * 224 * 3 * 4 / 2**20
    assert it.profile()["batch_buffers"] <= 3
    assert after[19] <= after[1] * 1.05 + buffer_mib, after


def test_a_loop_cycles_prefetch_buffers_and_kept_batches_get_their_own(tmp_path):
    for i in range(40):
        write_jpeg(tmp_path / "ab"[i % 2] / f"{i}.jpg", (90, 90, 90), size=(40, 30), seed=i)
    kw = dict(target_size=(32, 32), batch_size=2, shuffle=False)  # 20 batches an epoch, decoded in no time
    it = classflow.flow_from_directory(tmp_path, **kw)
    for _ in range(3 * len(it)):
        x, y = next(it)  # the last batch's arrays go only after these arrive
    # prefetch 2, and at most the 2 this loop holds while the next arrives, over 3 epochs
    assert 2 <= it.profile()["batch_buffers"] <= 4
    it = classflow.flow_from_directory(tmp_path, **kw)
    kept = [next(it)[0] for _ in range(len(it))]
    assert it.profile()["batch_buffers"] == 20
    assert np.array_equal(kept[7], it[7][0])


def test_random_access_reuses_the_buffers_it_hands_back(tmp_path):
    # Keras fit(shuffle=True) over a Sequence asks for batches in random order: it[i] then
    # decodes on the calling thread, into a buffer the previous batch's arrays gave back.
    for i in range(40):
        write_jpeg(tmp_path / "ab"[i % 2] / f"{i}.jpg", (90, 90, 90), size=(40, 30), seed=i)
    it = classflow.flow_from_directory(tmp_path, target_size=(32, 32), batch_size=2, shuffle=False)
    first = {}
    for index in [7, 3, 11, 5, 15, 9, 19, 13, 17, 1] * 2:  # never 0 nor i + 1 after i: no stream
        x, y = it[index]
        first.setdefault(index, x.copy())
        assert np.array_equal(x, first[index])
    # one buffer for the batch being made while the last one's arrays are alive, one for those
    assert it.profile()["batch_buffers"] == 2


def test_gil_is_released_while_decoding():
    # Two iterators on two Python threads: each waits for its batches without holding the GIL,
    # so a third thread keeps running Python code meanwhile.
    its = [classflow.flow_from_directory(DIGITS, target_size=(64, 64), batch_size=64, num_workers=1) for _ in range(2)]
    ticks = []
    done = threading.Event()

    def ticker():
        while not done.is_set():
            ticks.append(1)
            done.wait(0.001)

    def walk(it):
        for b in it.batches(0):
            pass

    t = threading.Thread(target=ticker)
    t.start()
    workers = [threading.Thread(target=walk, args=(it,)) for it in its]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    done.set()
    t.join()
    assert len(ticks) > 20


def test_save_class_indices_never_writes_over_an_image(tmp_path):
    for cls in ("a", "b"):
        write_jpeg(tmp_path / cls / "0.jpg", (90, 90, 90), size=(40, 30), seed=1)
    before = (tmp_path / "a" / "0.jpg").read_bytes()
    it = classflow.flow_from_directory(tmp_path, target_size=(8, 8))
    with pytest.raises(classflow.UsageError, match=r"mapping file '.*/a/0.jpg' is image 'a/0.jpg' of root '.*'; "
                       r"expected a path that is not part of the dataset"):
        it.save_class_indices(tmp_path / "a" / "0.jpg")
    assert (tmp_path / "a" / "0.jpg").read_bytes() == before
    it.save_class_indices(tmp_path / "map.json")
    assert json.loads((tmp_path / "map.json").read_text())["class_indices"] == {"a": 0, "b": 1}

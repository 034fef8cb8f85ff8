"""Bad input from Python: a clear classflow error (or TypeError for a wrong type), never a crash,
a hang, a raw C++ message or a silent wrong label."""

import json
import os
import pickle
import threading
import _thread
import time

import numpy as np
import pytest

import classflow
from conftest import run_cli, write_jpeg


@pytest.mark.parametrize(
    "kwargs,error,message",
    [
        (dict(seed=-1), classflow.UsageError, "seed '-1' is out of range; expected 0..4294967295"),
        (dict(seed=2**32), classflow.UsageError, "seed '4294967296' is out of range; expected 0..4294967295"),
        (dict(batch_size=2**40), classflow.UsageError, "batch_size '1099511627776' is out of range"),
        (dict(target_size=(2**31, 2)), classflow.UsageError, "target_size '2147483648' is out of range"),
        (dict(batch_size=2.5), TypeError, "batch_size must be an int, not float"),
        (dict(batch_size=True), TypeError, "batch_size must be an int, not bool"),
        (dict(target_size=(5.5, 5)), TypeError, "target_size must be an int, not float"),
        (dict(classes="dog"), classflow.UsageError, "classes 'dog' is a single string; expected a list"),
        (dict(rescale=float("nan")), classflow.UsageError, "rescale 'nan' is not a finite number"),
        (dict(encoder_options="x"), TypeError, "encoder_options must be a dict"),
        (dict(color_mode=None), TypeError, "color_mode must be a str, not NoneType"),
        (dict(interpolation=2), TypeError, "interpolation must be a str, not int"),
        (dict(on_error=None), TypeError, "on_error must be a str, not NoneType"),
        (dict(dtype="float64"), classflow.UsageError, "unknown dtype 'float64'; expected one of: float32, uint8"),
        (dict(prefetch=2**40), classflow.UsageError, "prefetch '1099511627776' is out of range; expected at most "
                                                     "2147483647$"),
        (dict(prefetch=10**9, target_size=(224, 224)), classflow.UsageError,
         r"batch_size 32 of 224x224 images needs 18\.4 MiB per batch, 17944336\.0 GiB for the 1000000001 batches"),
        (dict(num_workers=100000), classflow.UsageError, r"num_workers '100000' is out of range; expected 1..256 "
                                                         r"\(this machine has \d+ cores\)"),
        (dict(target_size=(60000, 60000), batch_size=10), classflow.UsageError,
         r"batch_size 10 of 60000x60000 images needs 402.3 GiB per batch"),
    ],
)
def test_bad_arguments_are_named(dogs_cats, kwargs, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
                       if error is TypeError else message):
        classflow.flow_from_directory(dogs_cats / "valid", **kwargs)


def test_numpy_scalars_and_dtypes_are_accepted(dogs_cats):
    it = classflow.flow_from_directory(dogs_cats / "valid", target_size=(np.int64(8), 8), batch_size=np.int32(4),
                                       dtype=np.uint8)
    x, _ = next(it)
    assert x.dtype == np.uint8 and x.shape == (4, 8, 8, 3)


def test_out_of_range_indices_and_epochs(dogs_cats):
    it = classflow.flow_from_directory(dogs_cats / "valid", target_size=(8, 8), batch_size=4)
    with pytest.raises(classflow.UsageError, match=r"batch index '100000000000000000000' is out of range"):
        it[10**20]
    with pytest.raises(classflow.UsageError, match=r"epoch '-1' is out of range; expected >= 0"):
        it.epoch_order(-1)
    with pytest.raises(classflow.UsageError, match=r"epoch '-1' is out of range; expected >= 0"):
        list(it.batches(-1))


def test_missing_dataframe_labels_are_refused_not_a_class_named_nan(tmp_path):
    for n in ("a.jpg", "b.jpg", "c.jpg"):
        write_jpeg(tmp_path / n, (1, 2, 3))
    df = {"filename": ["a.jpg", "b.jpg", "c.jpg"], "class": ["dog", float("nan"), "cat"]}
    with pytest.raises(classflow.DataError, match=r"^labels file '<dataframe>' .* is empty; expected a class name"):
        classflow.flow_from_dataframe(df, directory=tmp_path)


def test_multi_label_rows_fail_at_construction_with_the_file(tmp_path):
    for n in ("a.jpg", "b.jpg"):
        write_jpeg(tmp_path / n, (1, 2, 3))
    df = {"filename": ["a.jpg", "b.jpg"], "class": [["dog", "cat"], ["cat"]]}
    with pytest.raises(classflow.DataError, match=r"labels of 'a.jpg' \(classes: cat, dog\) cannot be encoded: "
                                                  r"encoder 'categorical' .*sample 0 has 2 classes; expected exactly 1 "
                                                  r"\(use multi_hot for several\)"):
        classflow.flow_from_dataframe(df, directory=tmp_path)


def test_names_that_are_not_utf8_round_trip(tmp_path):
    root = os.fsencode(tmp_path)
    for cls in (b"c\xe9t", b"dog"):
        os.makedirs(os.path.join(root, cls))
    write_jpeg(tmp_path / "dog" / "d.jpg", (1, 2, 3))
    path = os.path.join(root, b"c\xe9t", b"\xff\xfe.jpg")
    write_jpeg(tmp_path / "tmp.jpg", (9, 9, 9))
    os.rename(os.path.join(root, b"tmp.jpg"), path)
    it = classflow.flow_from_directory(tmp_path, target_size=(8, 8), shuffle=False)
    names = it.class_names
    assert [os.fsencode(n) for n in names] == [b"c\xe9t", b"dog"]
    assert os.fsencode(it.filenames[0]) == b"c\xe9t/\xff\xfe.jpg"
    assert os.path.exists(it.filepaths[0])
    b = next(it.batches(0))
    assert os.fsencode(b.paths[0]) == b"c\xe9t/\xff\xfe.jpg"
    # A mapping of such names cannot be saved as JSON: a clear error, the old file untouched.
    (tmp_path / "m.json").write_text("keep")
    with pytest.raises(classflow.DataError, match=r"is not valid UTF-8 and cannot be saved"):
        it.save_class_indices(tmp_path / "m.json")
    assert (tmp_path / "m.json").read_text() == "keep"


def test_decode_shapes_and_missing_mapping():
    names = ["a", "b"]
    assert classflow.decode(np.array([0.2, 0.8]), names) == ["b"]  # 1-D: one row
    assert classflow.decode(np.array([0.2, 0.8]), names, class_mode="binary") == ["a", "b"]  # N sigmoid scores
    with pytest.raises(classflow.UsageError, match="class_indices 'None' is not a mapping"):
        classflow.decode([[0.1, 0.9]], None)
    with pytest.raises(classflow.DataError, match=r"prediction row 0: column 0 holds nan; expected finite scores"):
        classflow.decode([[float("nan"), 0.5]], names)


def test_mapping_objects_pickle(tmp_path):
    (tmp_path / "m.json").write_text('{"class_names": ["n", "y"], "class_mode": "binary"}')
    m = classflow.load_class_indices(tmp_path / "m.json")
    back = pickle.loads(pickle.dumps(m))
    assert back.class_indices == {"n": 0, "y": 1} and back.positive_class == "y"


def test_ctrl_c_interrupts_a_slow_batch(tmp_path):
    write_jpeg(tmp_path / "big" / "0.jpg", (50, 60, 70), size=(6000, 4000))
    for i in range(1, 16):  # the same bytes 16 times: a batch that takes seconds to decode
        os.link(tmp_path / "big" / "0.jpg", tmp_path / "big" / f"{i}.jpg")
    it = classflow.flow_from_directory(tmp_path, target_size=(1000, 1500), batch_size=16, num_workers=1,
                                       interpolation="bilinear", dtype="uint8")
    timer = threading.Timer(0.3, _thread.interrupt_main)
    start = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        next(it)
    waited = time.monotonic() - start
    timer.cancel()
    assert waited < 2.0, waited  # the signal is seen within ~0.1 s, not after the whole batch
    x, _ = next(it)  # the iterator still works
    assert x.shape == (16, 1000, 1500, 3)


def _jpeg_stopped_by_a_bad_marker(path):
    # Noise at quality 90, then 50 random bytes in the scan data: libjpeg warns (extraneous bytes)
    # and then stops at an unknown marker with 159 of 256 rows still gray. TurboJPEG 2.x calls
    # that a warning, Pillow "broken data stream".
    import io
    from PIL import Image
    rng = np.random.default_rng(5)
    base = rng.integers(0, 256, (256, 256, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(base).save(out, "JPEG", quality=90)
    data = bytearray(out.getvalue())
    for k in range(3):  # the third of three draws, as the break-it run found it
        bad = bytearray(data)
        start = len(data) // 3 + k * 500
        for i in range(start, start + 50):
            bad[i] = rng.integers(0, 256)
    path.write_bytes(bytes(bad))
    with Image.open(path) as im, pytest.raises(OSError, match="broken data stream"):
        im.load()


def test_a_jpeg_that_stops_after_a_warning_is_corrupt_not_half_gray(tmp_path):
    (tmp_path / "a").mkdir()
    _jpeg_stopped_by_a_bad_marker(tmp_path / "a" / "bad.jpg")
    it = classflow.flow_from_directory(tmp_path, target_size=(256, 256), dtype="uint8", shuffle=False)
    with pytest.raises(classflow.DataError, match=r"bad\.jpg' cannot be decoded: truncated or corrupt JPEG data: "
                                                  r"Unsupported marker type 0x7d"):
        next(it)
    found = classflow.check(tmp_path)
    assert found["exit_code"] == 3 and not found["clean"]
    assert [c["path"] for c in found["corrupt"]] == ["a/bad.jpg"]


def test_an_iterator_cannot_be_copied_but_its_state_can_start_another(dogs_cats):
    import copy
    it = classflow.flow_from_directory(dogs_cats / "train", target_size=(8, 8), batch_size=4, seed=1)
    first = next(it)
    for make_copy in (copy.copy, copy.deepcopy):
        with pytest.raises(TypeError, match="a DirectoryIterator cannot be copied"):
            make_copy(it)
    other = classflow.flow_from_directory(dogs_cats / "train", target_size=(8, 8), batch_size=4, seed=1)
    other.load_state_dict(it.state_dict())
    a, b = next(it), next(other)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert first[0].shape == (4, 8, 8, 3)


def _in_a_child(work, timeout=20.0):
    """Runs work() in a forked child; returns its exit code (97 when it raised, None when it hung:
    then it is killed)."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            code = work() or 0
        except BaseException:
            code = 97
        os._exit(code)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.02)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    return None


def test_a_forked_child_continues_an_iterator_on_its_own_workers_and_never_hangs(dogs_cats):
    import warnings
    warnings.simplefilter("ignore", DeprecationWarning)  # Python 3.12 warns on fork with threads
    it = classflow.flow_from_directory(dogs_cats / "train", target_size=(8, 8), batch_size=4, seed=3)
    next(it)  # a stream runs, decoding ahead on the parent's threads
    r, w = os.pipe()

    def child_reads_on():
        got = [next(it)[1].argmax(1).tolist() for _ in range(3)]
        os.write(w, repr(got).encode())

    assert _in_a_child(child_reads_on) == 0
    os.close(w)
    child = os.read(r, 4096).decode()
    os.close(r)
    assert child == repr([next(it)[1].argmax(1).tolist() for _ in range(3)])  # the parent's own next three
    # A child that only drops the iterator, or resets it, exits at once.
    assert _in_a_child(lambda: it.reset()) == 0
    assert _in_a_child(lambda: it.__del__()) == 0

    gen = it.batches()
    next(gen)

    r, w = os.pipe()

    def child_goes_on_with_the_generator():
        os.write(w, repr([b.sample_indices.tolist() for b in gen]).encode())

    assert _in_a_child(child_goes_on_with_the_generator) == 0
    os.close(w)
    child = os.read(r, 65536).decode()
    os.close(r)
    assert child == repr([b.sample_indices.tolist() for b in gen])  # the same rest of the epoch as the parent's
    # The native stream itself refuses to be used in a child, naming why.
    stream = it._loader.stream(0)

    def child_uses_a_raw_stream():
        try:
            stream.next()
        except classflow.UsageError as e:
            return 5 if "before a fork; its workers do not exist in process" in str(e) else 6
        return 7

    assert _in_a_child(child_uses_a_raw_stream) == 5
    stream.close()


def test_check_num_workers_is_bounded(dogs_cats):
    with pytest.raises(classflow.UsageError, match=r"num_workers '1000000' is out of range; expected 0 \(one per core\) "
                                                   r"to 256"):
        classflow.check(dogs_cats / "valid", num_workers=10**6)
    with pytest.raises(classflow.UsageError, match=r"num_workers '-1' is out of range"):  # before the walk
        classflow.check(dogs_cats / "no-such-root", num_workers=-1)
    with pytest.raises(classflow.UsageError, match=r"near-duplicate threshold 65 is outside 0\.\.64"):
        classflow.report(dogs_cats / "no-such-root", "/tmp/never.html", near_threshold=65)
    code, _, err = run_cli("check", str(dogs_cats / "valid"), "--num-workers", "-1")
    assert code == 2 and "num_workers '-1' is out of range; expected 0 (one per core) to 256" in err


@pytest.mark.parametrize("where,kwargs,error,message", [
    ("root", {}, classflow.UsageError, r"dataset root '.*valid\\0/\.\./test' has a NUL character"),
    ("classes", dict(classes=["dog\0x"]), classflow.UsageError, r"class 'dog\\0x' has a NUL character"),
    ("augment", dict(augment={"fill_mode": "ne\0arest"}), classflow.UsageError,
     r"option 'fill_mode' value 'ne\\0arest' has a NUL character"),
    ("cache", dict(cache="/tmp/c\0x"), classflow.UsageError, r"cache '/tmp/c\\0x' has a NUL character in its name"),
    ("plugin_dirs", dict(plugin_dirs=["/tmp\0x"]), classflow.UsageError, r"plugin folder '/tmp\\0x' has a NUL"),
    ("sampling", dict(sampling="weights:/tmp/w\0x"), classflow.DataError,
     r"sampling weights file '/tmp/w\\0x' has a NUL character in its name"),
])
def test_a_nul_in_a_name_is_refused_never_cut_short(dogs_cats, where, kwargs, error, message):
    # The OS and the plugins read names as C strings: 'valid\0/../test' would have been 'valid'.
    root = str(dogs_cats / "valid") + ("\0/../test" if where == "root" else "")
    with pytest.raises(error, match=message):
        classflow.flow_from_directory(root, target_size=(8, 8), **kwargs)


def test_a_nul_in_a_mapping_file_name_writes_nothing(dogs_cats, tmp_path):
    it = classflow.flow_from_directory(dogs_cats / "valid", target_size=(8, 8))
    with pytest.raises(classflow.DataError, match=r"mapping file '.*keep\.json\\0\.new' has a NUL character in its "
                                                   r"name; expected a new file name .*\(nothing was written\)"):
        it.save_class_indices(str(tmp_path / "keep.json\0.new"))
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(classflow.DataError, match=r"has a NUL character in its name"):
        classflow.load_class_indices(str(tmp_path / "keep.json\0.new"))


def test_mistakes_get_messages_that_name_the_fix(dogs_cats, tmp_path):
    it = classflow.flow_from_directory(dogs_cats / "valid", target_size=(8, 8), batch_size=4)
    for index in (1.5, "1"):
        with pytest.raises(TypeError):
            it[index]
    assert np.array_equal(it[np.int64(1)][1], it[1][1])  # NumPy integers are integers
    (tmp_path / "st.json").write_text(json.dumps(it.state_dict()))
    with pytest.raises(TypeError, match=r"state of type 'str' is not a state_dict\(\); .*a path\? load the file first"):
        it.load_state_dict(str(tmp_path / "st.json"))
    it.load_state_dict(json.loads((tmp_path / "st.json").read_text()))
    with pytest.raises(classflow.UsageError, match=r"^target_size '224x224' is not \(height, width\)"):
        classflow.flow_from_directory(dogs_cats / "valid", target_size="224x224")
    (tmp_path / "grid.png").write_bytes(b"not a folder")
    code, _, err = run_cli("flow", str(dogs_cats / "valid"), "--target-size", "8x8", "--export", str(tmp_path / "grid.png"))
    assert code == 2 and f"export folder '{tmp_path / 'grid.png'}' is a file; expected a new or empty folder" in err
    code, _, err = run_cli("flow", str(dogs_cats / "valid"), "--augment", "rotation_range")
    assert code == 2 and "--augment 'rotation_range' is not key=value; expected e.g. --augment rotation_range=20" in err
    code, out, _ = run_cli("flow", "--help")
    assert code == 0 and "Usage: classflow flow " in out  # not the path the wheel runs it from


def test_class_indices_take_numpy_integers_and_name_a_huge_index_as_given(dogs_cats):
    it = classflow.flow_from_directory(dogs_cats / "valid", target_size=(8, 8),
                                       class_indices={"cat": np.int64(0), "dog": np.int32(1)})
    assert it.class_indices == {"cat": 0, "dog": 1}
    with pytest.raises(classflow.DataError, match=r"index 9223372036854775808 of class 'dog' is out of range; "
                                                   r"expected indices 0\.\.1"):
        classflow.flow_from_directory(dogs_cats / "valid", class_indices={"cat": 0, "dog": 2**63})


def test_a_float64_prediction_beyond_float32_is_named_as_given(dogs_cats):
    it = classflow.flow_from_directory(dogs_cats / "valid", target_size=(8, 8))
    with pytest.raises(classflow.DataError, match=r"^prediction row 1: column 0 holds 1e\+300, outside float32 range; "
                                                   r"expected finite scores$"):
        it.decode(np.array([[0.2, 0.8], [1e300, 0.0]]))
    with pytest.raises(classflow.DataError, match=r"^prediction row 0: column 1 holds inf; expected finite scores$"):
        it.decode(np.array([[0.2, np.inf]]))
    assert it.decode(np.array([[0.2, 0.8]])) == ["dog"]


def _noise_jpeg(**save):
    import io
    from PIL import Image
    out = io.BytesIO()
    Image.fromarray((np.random.RandomState(0).rand(48, 64, 3) * 255).astype("uint8")).save(out, "JPEG", quality=85,
                                                                                           **save)
    return out.getvalue()


def _decode_one(tmp_path, data):
    (tmp_path / "a").mkdir(exist_ok=True)
    (tmp_path / "a" / "x.jpg").write_bytes(data)
    it = classflow.flow_from_directory(tmp_path, target_size=(48, 64), class_mode=None, dtype="uint8",
                                       jpeg_draft=False, interpolation="nearest", shuffle=False, batch_size=1)
    return next(it)[0]


def test_a_jpeg_cut_short_after_an_earlier_warning_is_corrupt_as_in_pillow(tmp_path):
    import io
    from PIL import Image
    # Stray bytes before the 2nd scan (a warning), the file cut before the 5th: TurboJPEG keeps the
    # first warning's text only, so the "Premature end" after it passed as a whole image, 3/4 gray.
    d = _noise_jpeg(progressive=True)
    scans = [i for i in range(len(d) - 1) if d[i:i + 2] == b"\xff\xda"]
    cut = d[:scans[1]] + b"\x00\x11\x22" + d[scans[1]:scans[4]]
    with pytest.raises(OSError, match="truncated"):
        Image.open(io.BytesIO(cut)).load()
    with pytest.raises(classflow.DataError, match=r"x\.jpg' cannot be decoded: truncated or corrupt JPEG data: the "
                                                   r"data ends before its end-of-image marker \(after 'Corrupt JPEG "
                                                   r"data: 3 extraneous bytes before marker 0xda'\)"):
        _decode_one(tmp_path, cut)
    assert [c["path"] for c in classflow.check(tmp_path, class_mode=None)["corrupt"]] == ["a/x.jpg"]


def test_stray_bytes_before_a_header_marker_decode_as_pillow_does(tmp_path):
    import io
    from PIL import Image
    d = _noise_jpeg()
    i = d.find(b"\xff\xdb")  # the first DQT: libjpeg warns of 3 extraneous bytes and reads on
    odd = d[:i] + b"\x12\x34\x56" + d[i:]
    want = np.asarray(Image.open(io.BytesIO(odd)).convert("RGB"))
    np.testing.assert_array_equal(_decode_one(tmp_path, odd), want)

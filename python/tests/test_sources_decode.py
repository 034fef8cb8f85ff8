"""Lists (CSV, dataframes) with the csv source's rules; decode for every encoder, third-party too."""

import os

import numpy as np
import pytest

import classflow
from conftest import write_jpeg


@pytest.fixture()
def listed(tmp_path):
    """Images in one folder and the rows that label them (first appearance: 'zebra' before 'ant')."""
    rows = [("z1.jpg", "zebra"), ("a1.jpg", "ant"), ("z2.jpg", "zebra"), ("b1.jpg", "Bee"), ("a2.jpg", "ant")]
    for name, _ in rows:
        write_jpeg(tmp_path / "img" / name, (50, 50, 50))
    return tmp_path, rows


def test_csv_classes_in_byte_order(listed):
    root, rows = listed
    csv = root / "labels.csv"
    csv.write_text("file,label\n" + "".join(f"img/{f},{c}\n" for f, c in rows))
    it = classflow.flow_from_csv(csv, x_col="file", y_col="label", target_size=(8, 8), shuffle=False,
                                 class_mode="sparse", batch_size=5)
    assert it.class_indices == {"Bee": 0, "ant": 1, "zebra": 2}  # Python sorted, not first appearance
    _, y = next(it)
    assert list(y) == [2, 1, 2, 0, 1]
    assert it.filenames == [f"img/{f}" for f, _ in rows]


def test_dataframe_dict_of_columns_and_multi_label(listed, tmp_path):
    root, rows = listed
    df = {"filename": [f for f, _ in rows], "class": [c for _, c in rows]}
    it = classflow.flow_from_dataframe(df, directory=root / "img", target_size=(8, 8), shuffle=False,
                                       class_mode="sparse", batch_size=5)
    assert it.class_indices == {"Bee": 0, "ant": 1, "zebra": 2}
    assert list(next(it)[1]) == [2, 1, 2, 0, 1]
    multi = {"filename": ["z1.jpg", "a1.jpg"], "class": [["zebra", "ant"], ("ant",)]}
    m = classflow.flow_from_dataframe(multi, directory=root / "img", target_size=(8, 8), shuffle=False,
                                      class_mode="multi_hot")
    assert m.class_indices == {"ant": 0, "zebra": 1}
    np.testing.assert_array_equal(next(m)[1], [[1, 1], [1, 0]])
    assert m.decode([[0.9, 0.7], [0.1, 0.2]]) == [["ant", "zebra"], []]
    with pytest.raises(classflow.DataError, match=r"^labels file '<dataframe>'"):
        classflow.flow_from_dataframe({"filename": ["z1.jpg"], "class": [""]}, directory=root / "img")


def test_pandas_dataframe(listed):
    pd = pytest.importorskip("pandas")
    root, rows = listed
    df = pd.DataFrame({"filename": [os.path.join(root, "img", f) for f, _ in rows], "class": [c for _, c in rows]})
    it = classflow.flow_from_dataframe(df, target_size=(8, 8), shuffle=False, batch_size=5)
    assert it.class_indices == {"Bee": 0, "ant": 1, "zebra": 2}
    np.testing.assert_array_equal(next(it)[1][0], [0, 0, 1])


def test_decode_every_encoder_through_a_saved_mapping(tmp_path):
    (tmp_path / "m.json").write_text('{"dog": 0, "cat": 1, "cow": 2}')
    names = classflow.load_class_indices(tmp_path / "m.json")
    assert names.class_mode is None and names.class_names == ["dog", "cat", "cow"]
    assert classflow.decode([[0.1, 0.2, 0.7]], tmp_path / "m.json") == ["cow"]
    assert classflow.decode([[0.1, 0.2, 0.7]], names, class_mode="sparse", top_k=2) == [
        [("cow", pytest.approx(0.7)), ("cat", pytest.approx(0.2))]
    ]
    assert classflow.decode([[0.6, 0.0, 0.7]], names, class_mode="multi_hot") == [["cow", "dog"]]
    assert classflow.decode([[0.6]], {"n": 0, "y": 1}, class_mode="binary") == ["y"]
    assert classflow.decode([[0.6]], {"n": 0, "y": 1}, class_mode="binary", threshold=0.7) == ["n"]
    with pytest.raises(classflow.DataError, match=r"^prediction row 0: encoder 'categorical' \(plugin '.*'\): "
                                                  r"prediction row of class_mode 'categorical' has 2 values; expected 3$"):
        classflow.decode(np.zeros((3, 2)), names)


def test_decode_third_party_encoder():
    plugin_dir = os.environ.get("CLASSFLOW_EXAMPLE_PLUGIN_DIR")
    if not plugin_dir or not os.path.isdir(plugin_dir):
        pytest.skip("the example ordinal plugin is built by the C++ tests")
    names = ["none", "mild", "moderate", "severe"]
    got = classflow.decode([[0.9, 0.6, 0.2], [0.1, 0.2, 0.3]], names, class_mode="ordinal", plugin_dirs=[plugin_dir])
    assert got == ["moderate", "none"]
    assert any(p["name"] == "ordinal" for p in classflow.plugins([plugin_dir])["plugins"])


def test_refused_plugins_are_listed():
    broken = os.environ.get("CLASSFLOW_BROKEN_PLUGIN_DIR")
    if not broken or not os.path.isdir(broken):
        pytest.skip("broken plugin fixtures are built by the C++ tests")
    listing = classflow.plugins([os.path.join(broken, "wrong_abi")])
    assert any("wrong ABI major version: got 2, expected 1" in r["reason"] for r in listing["refused"])


def test_builtin_names_are_reserved_unless_overridden(dogs_cats):
    broken = os.environ.get("CLASSFLOW_BROKEN_PLUGIN_DIR")
    if not broken or not os.path.isdir(broken):
        pytest.skip("broken plugin fixtures are built by the C++ tests")
    dup = os.path.join(broken, "duplicate")
    listing = classflow.plugins([dup])
    assert [r["reason"] for r in listing["refused"]] == [
        "registration failed: encoder 'categorical' is a built-in name, provided by '"
        + next(p["file"] for p in listing["plugins"] if p["name"] == "categorical")
        + "'; expected another name, or --plugin-override encoder:categorical to replace the built-in"
    ]
    it = classflow.flow_from_directory(dogs_cats / "valid", target_size=(8, 8), plugin_dirs=[dup])
    assert it.label_dtype == "float32"  # the built-in one-hot encoder, not the fixture
    over = classflow.flow_from_directory(dogs_cats / "valid", target_size=(8, 8), plugin_dirs=[dup],
                                         plugin_overrides=["encoder:categorical"])
    assert over.label_dtype == "int32"
    assert classflow.plugins([dup], ["encoder:categorical"])["overridden"][0]["file"].endswith(
        "classflow_encoder_duplicate.so")


def test_explicit_classes_must_agree_with_a_saved_mapping(dogs_cats):
    with pytest.raises(classflow.DataError, match=r"classes 'cat,dog' for '.*' disagree with the saved class "
                                                  r"indices 'dog,cat'"):
        classflow.flow_from_directory(dogs_cats / "test", classes=["cat", "dog"], class_indices={"dog": 0, "cat": 1})
    with pytest.warns(RuntimeWarning, match=r"empty classes kept with their index: 'dog' \(not in classes\)"):
        it = classflow.flow_from_directory(dogs_cats / "test", target_size=(8, 8), classes=["cat"],
                                           class_indices={"dog": 0, "cat": 1})
    assert it.class_indices == {"dog": 0, "cat": 1} and set(it.classes) == {1}


def test_dataframe_cells_keras_would_refuse_are_refused_and_bytes_names_are_names(listed):
    root, rows = listed
    img = root / "img"
    # Keras: "If class_mode="categorical", y_col="class" column values must be type string, list or tuple."
    with pytest.raises(TypeError, match=r"dataframe column 'class' row 1 holds 1\.0 \(float\); expected class names as "
                                        r"str"):
        classflow.flow_from_dataframe({"filename": ["z1.jpg", "a1.jpg"], "class": ["1", 1.0]}, directory=img)
    with pytest.raises(TypeError, match=r"row 0 holds b'ant' \(bytes\)"):
        classflow.flow_from_dataframe({"filename": ["a1.jpg"], "class": [b"ant"]}, directory=img)
    # Numbers are fine where they are values, not class names.
    raw = classflow.flow_from_dataframe({"filename": ["z1.jpg", "a1.jpg"], "class": [1, 2.5]}, directory=img,
                                        class_mode="raw", target_size=(8, 8), shuffle=False)
    np.testing.assert_array_equal(next(raw)[1].ravel(), [1, 2.5])
    # A bytes or pathlib file name is that file (it was written as "b'z1.jpg'" and dropped as missing).
    import pathlib
    it = classflow.flow_from_dataframe({"filename": [b"z1.jpg", pathlib.Path("a1.jpg")], "class": ["zebra", "ant"]},
                                       directory=img, target_size=(8, 8), shuffle=False, class_mode="sparse")
    assert it.filenames == ["z1.jpg", "a1.jpg"] and list(next(it)[1]) == [1, 0]


def test_rows_of_missing_files_are_left_out_with_a_warning(listed):
    root, rows = listed
    df = {"filename": ["z1.jpg", "typo.jpg", "a1.jpg"], "class": ["zebra", "zebra", "ant"]}
    with pytest.warns(RuntimeWarning, match=r"1 file of '<dataframe>' cannot be read and was left out \(missing file: "
                                            r"1; the first: 'typo.jpg'\)"):
        it = classflow.flow_from_dataframe(df, directory=root / "img", target_size=(8, 8))
    assert it.samples == 2 and any("typo.jpg" in w for w in it.warnings)


def test_an_animated_webp_is_its_first_frame_as_pillow_opens_it(tmp_path):
    # OpenCV cannot read animations: it was reported as corrupt (check too), where Pillow, so
    # Keras and torchvision, read the first frame.
    from PIL import Image
    rng = np.random.default_rng(1)
    (tmp_path / "a").mkdir()
    first = Image.fromarray(rng.integers(0, 256, (30, 40, 3), dtype=np.uint8))
    first.save(tmp_path / "a" / "anim.webp", save_all=True, append_images=[Image.new("RGB", (40, 30), (200, 0, 0))],
               duration=100, lossless=True)
    rgba = Image.fromarray(rng.integers(0, 256, (30, 40, 4), dtype=np.uint8), "RGBA")
    rgba.save(tmp_path / "a" / "anim_alpha.webp", save_all=True, append_images=[rgba.rotate(90)], duration=100,
              lossless=True)
    for mode, pil_mode in (("rgb", "RGB"), ("rgba", "RGBA")):
        it = classflow.flow_from_directory(tmp_path, target_size=(30, 40), dtype="uint8", shuffle=False,
                                           class_mode=None, color_mode=mode, batch_size=2)
        x = next(it)
        for i, path in enumerate(it.filepaths):
            with Image.open(path) as im:
                assert im.is_animated
                np.testing.assert_array_equal(x[i], np.asarray(im.convert(pil_mode)))
    assert classflow.check(tmp_path, class_mode=None)["clean"]


def test_a_dataframe_of_non_utf8_names_round_trips(tmp_path):
    # it.filenames gives os.fsdecode strings (surrogates for bytes that are not UTF-8); a dataframe
    # of them names the same files (writing them raised UnicodeEncodeError).
    folder = os.fsencode(tmp_path / "img")
    os.makedirs(folder)
    name = b"caf\xe9.jpg"  # Latin-1, not UTF-8
    write_jpeg(tmp_path / "img" / os.fsdecode(name), (10, 20, 30))
    write_jpeg(tmp_path / "img" / "plain.jpg", (200, 20, 30))
    files = sorted(os.listdir(tmp_path / "img"))
    it = classflow.flow_from_dataframe({"filename": files, "class": ["a", "b"]}, directory=tmp_path / "img",
                                       target_size=(8, 8), shuffle=False, class_mode="sparse")
    assert it.filenames == files and os.fsencode(it.filenames[0]) == name
    assert list(next(it)[1]) == [0, 1]


@pytest.mark.parametrize("maxval", [1, 3, 7, 15, 100, 102, 200, 254])
def test_pnm_with_maxval_below_255_has_pillows_levels(tmp_path, maxval):
    # OpenCV gave binary samples raw (8 of 15 stayed 8, Pillow's 136) and ASCII ones floored.
    from PIL import Image
    values = list(range(maxval + 1))
    (tmp_path / "a").mkdir()
    rgb = [v for v in values for _ in range(3)]
    files = {
        "p5.pgm": b"P5 %d 1 %d\n" % (len(values), maxval) + bytes(values),
        "p2.pgm": b"P2 %d 1 %d\n" % (len(values), maxval) + " ".join(map(str, values)).encode() + b"\n",
        "p6.ppm": b"P6 %d 1 %d\n" % (len(values), maxval) + bytes(rgb),
        "p3.ppm": b"P3 %d 1 %d\n" % (len(values), maxval) + " ".join(map(str, rgb)).encode() + b"\n",
    }
    for name, data in files.items():
        (tmp_path / "a" / name).write_bytes(data)
    it = classflow.flow_from_directory(tmp_path, target_size=(1, len(values)), class_mode=None, dtype="uint8",
                                       shuffle=False, batch_size=4, interpolation="nearest")
    x = next(it)
    for i, path in enumerate(it.filepaths):
        with Image.open(path) as im:
            np.testing.assert_array_equal(x[i], np.asarray(im.convert("RGB")), err_msg=path)


def test_a_binary_pnm_with_a_comment_after_maxval_is_refused_not_read_shifted(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.ppm").write_bytes(b"P6 2 1 255#c\n" + bytes([100, 101, 102, 200, 201, 202]))
    it = classflow.flow_from_directory(tmp_path, target_size=(1, 2), class_mode=None, dtype="uint8")
    with pytest.raises(classflow.DataError, match=r"truncated or corrupt PNM data: header field 'maxval' is not "
                                                  r"followed by one whitespace byte"):
        next(it)

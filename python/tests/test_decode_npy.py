"""classflow decode reads what numpy.save writes (model.predict output saved as .npy), any
numeric dtype and order, and names the file and the reason for anything else."""

import json

import numpy as np
import pytest

from conftest import run_cli


@pytest.fixture
def mapping(tmp_path):
    f = tmp_path / "class_indices.json"
    f.write_text(json.dumps({"class_names": ["cat", "dog", "eel"], "class_mode": "categorical"}))
    return f


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("order", ["C", "F"])
def test_npy_predictions_decode_like_the_csv(tmp_path, mapping, dtype, order):
    p = np.array([[0.1, 0.7, 0.2], [0.8, 0.1, 0.1], [0.2, 0.2, 0.6]], dtype=dtype)
    np.save(tmp_path / "p.npy", np.asarray(p, order=order))
    np.savetxt(tmp_path / "p.txt", p.astype(np.float64))
    code, out, err = run_cli("decode", "--class-indices", mapping, tmp_path / "p.npy")
    assert code == 0, err
    assert out.splitlines()[1:] == [l for l in run_cli("decode", "--class-indices", mapping,
                                                       tmp_path / "p.txt")[1].splitlines()[1:]]
    assert [l.split(",")[1] for l in out.splitlines()[1:]] == ["dog", "cat", "eel"]


def test_binary_sigmoid_vector_and_a_row_that_does_not_fit(tmp_path):
    m = tmp_path / "m.json"
    m.write_text(json.dumps({"class_names": ["no", "yes"], "class_mode": "binary"}))
    np.save(tmp_path / "s.npy", np.array([0.2, 0.9], dtype=np.float32))
    code, out, err = run_cli("decode", "--class-indices", m, tmp_path / "s.npy")
    assert code == 0, err
    assert [l.split(",")[1] for l in out.splitlines()[1:]] == ["no", "yes"]
    # .npy rows are 0-based in messages, as NumPy indexes them and as decode's "row" column counts.
    np.save(tmp_path / "bad.npy", np.array([[0.9, 0.1], [0.2, 0.3]], dtype=np.float32))
    code, out, err = run_cli("decode", "--class-indices", m, tmp_path / "bad.npy")
    assert code == 3 and f"predictions file '{tmp_path / 'bad.npy'}' row 0:" in err
    assert out == ""  # no partial table before the error


def test_a_1d_npy_is_one_row_unless_binary_in_the_cli_and_in_python(tmp_path, mapping):
    import classflow
    np.save(tmp_path / "one.npy", np.array([0.1, 0.2, 0.7], dtype=np.float32))
    code, out, err = run_cli("decode", "--class-indices", mapping, tmp_path / "one.npy")
    assert code == 0, err
    assert out.splitlines()[1:] == ["0,eel,0.7"]
    assert classflow.decode(np.array([0.1, 0.2, 0.7]), str(mapping)) == ["eel"]
    binary = {"no": 0, "yes": 1}
    assert classflow.decode(np.array([0.2, 0.9]), binary, class_mode="binary") == ["no", "yes"]
    with pytest.raises(classflow.UsageError, match=r"predictions of shape \[1, 1, 3\] are not rows"):
        classflow.decode(np.zeros((1, 1, 3)), str(mapping))


@pytest.mark.parametrize("make,message", [
    (lambda f: np.save(f, np.array(["a", "b"])), "its dtype '<U1' is not a plain numeric dtype"),
    (lambda f: np.save(f, np.zeros((2, 3), dtype=">f4")), "its dtype '>f4' is big-endian"),
    (lambda f: np.save(f, np.zeros((2, 2, 2), dtype="f4")), "holds a .npy array of 3 dimensions"),
    (lambda f: f.write_bytes(open_npy_bytes()[:-5]), "its data holds 31 bytes where its shape and dtype need 36"),
    (lambda f: f.write_bytes(b"\x93NUMPY\x01\x00\xff\xff{"), "its header is cut short"),
    (lambda f: np.save(f, np.array([[0.5, 1e300]])), "row 0 column 1 holds 1e+300, outside float32 range"),
    # numpy.savez writes a zip of arrays; its bytes must not reach the message.
    (lambda f: np.savez(f.with_suffix(""), a=np.zeros((2, 3))) or f.with_suffix(".npz").rename(f),
     "is a zip archive (numpy.savez writes one, .npz)"),
    (lambda f: f.write_bytes(b"0.5,\x00\x01x\n"), "line 1 column 2 holds '\\x00\\x01x'; expected a number"),
    (lambda f: f.write_text("0.5,nan,0.1\n"), "line 1 column 2 holds 'nan'; expected a finite number within float32 range"),
    # Found by fuzz_predictions: a huge N over 0 columns holds no bytes (it was a crash).
    (lambda f: f.write_bytes(npy_header("{'descr': '<f4', 'fortran_order': False, 'shape': (393489507442532169, 0), }")),
     "holds a .npy array of shape [393489507442532169, 0]: rows without scores"),
    (lambda f: np.save(f, np.zeros((5, 0), dtype="f4")), "holds a .npy array of shape [5, 0]: rows without scores"),
])
def test_bad_npy_files_are_named(tmp_path, mapping, make, message):
    f = tmp_path / "bad.npy"
    make(f)
    code, out, err = run_cli("decode", "--class-indices", mapping, f)
    assert code == 3 and f"predictions file '{f}'" in err and message in err, err
    assert out == ""


def test_csv_edge_cases_from_hostile_input(tmp_path, mapping):
    # A first row of NaN is an error, not a header (rows would shift against --filenames).
    (tmp_path / "nan.csv").write_text("nan,nan,nan\n0.1,0.2,0.7\n")
    code, out, err = run_cli("decode", "--class-indices", mapping, tmp_path / "nan.csv")
    assert code == 3 and "line 1 column 1 holds 'nan'; expected a finite number within float32 range" in err
    # An unclosed quote does not swallow the file as one header cell.
    (tmp_path / "quote.csv").write_text('"0.1,0.2,0.7\n0.1,0.2,0.7\n')
    code, out, err = run_cli("decode", "--class-indices", mapping, tmp_path / "quote.csv")
    assert code == 3 and "a cell runs over several lines (an unclosed quote?)" in err, err
    # Excel's "CSV UTF-8" starts with a byte order mark.
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbf0.1,0.7,0.2\n")
    code, out, err = run_cli("decode", "--class-indices", mapping, tmp_path / "bom.csv")
    assert code == 0 and out.splitlines()[1:] == ["0,dog,0.7"], err


def test_non_finite_scores_are_refused_by_every_face(tmp_path, mapping):
    import classflow
    np.save(tmp_path / "inf.npy", np.array([[0.1, np.inf, 0.2]], dtype=np.float32))
    code, out, err = run_cli("decode", "--class-indices", mapping, tmp_path / "inf.npy")
    assert code == 3 and "row 0: column 1 holds inf; expected finite scores" in err, err
    with pytest.raises(classflow.DataError, match=r"prediction row 0: column 1 holds 1e\+300, outside float32 range; "
                                                   r"expected finite scores"):
        classflow.decode(np.array([[0.1, 1e300, 0.2]]), str(mapping))  # beyond float32: named as given
    for bad in (np.array([[1 + 2j, 0, 0]]), np.array([["1", "0", "0"]]), np.array([[object(), 0, 0]], dtype=object)):
        with pytest.raises(classflow.UsageError, match=f"predictions of dtype {bad.dtype} are not scores"):
            classflow.decode(bad, str(mapping))


def test_special_files_are_not_read(tmp_path, mapping):
    import os
    os.mkfifo(tmp_path / "fifo.csv")
    code, out, err = run_cli("decode", "--class-indices", mapping, tmp_path / "fifo.csv")
    assert code == 3 and "is not a regular file" in err
    code, out, err = run_cli("decode", "--class-indices", "/dev/zero", tmp_path / "fifo.csv")
    assert code == 3 and "mapping file '/dev/zero' is not a regular file" in err


def test_a_folder_is_not_a_predictions_file(tmp_path, mapping):
    code, out, err = run_cli("decode", "--class-indices", mapping, tmp_path)
    assert code == 3 and f"predictions file '{tmp_path}' is a folder; expected a CSV, savetxt or .npy file" in err
    assert out == ""


def npy_header(header: str) -> bytes:
    """A version 1.0 .npy file of `header` alone (no data), padded as numpy pads it."""
    text = header + " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text.encode("latin-1")


def open_npy_bytes():
    import io
    b = io.BytesIO()
    np.save(b, np.zeros((3, 3), dtype=np.float32))
    return b.getvalue()


def test_savetxt_header_and_footer_comments_are_skipped(tmp_path, mapping):
    p = np.array([[0.1, 0.7, 0.2], [0.8, 0.1, 0.1]])
    np.savetxt(tmp_path / "plain.txt", p)
    np.savetxt(tmp_path / "commented.txt", p, header="0 1 2\nscores per class", footer="end 2")
    plain = run_cli("decode", "--class-indices", mapping, tmp_path / "plain.txt")
    code, out, err = run_cli("decode", "--class-indices", mapping, tmp_path / "commented.txt")
    assert code == 0, err
    assert out == plain[1]

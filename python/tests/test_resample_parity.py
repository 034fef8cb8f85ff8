"""Keras's interpolation names give Pillow's pixels (what Keras load_img and torchvision Resize
feed a model): bit-exact with Debian's python3-pil on 8-bit images, RGBA resized premultiplied
as Pillow does; linear_fast stays OpenCV's (not antialiased) and differs."""

import numpy as np
import pytest
from PIL import Image

import classflow

FILTERS = {"nearest": Image.NEAREST, "bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC,
           "lanczos": Image.LANCZOS, "box": Image.BOX, "hamming": Image.HAMMING}
# (height, width) -> (target height, target width): shrink, enlarge, extreme aspect ratios both
# ways, a 1x1 output, one axis unchanged, an odd factor.
SIZES = [((61, 97), (17, 23)), ((9, 13), (40, 50)), ((3, 1000), (2, 10)), ((500, 2), (50, 1)),
         ((37, 41), (1, 1)), ((100, 80), (100, 30)), ((33, 33), (224, 7))]
MODES = {"rgb": ("RGB", 3), "grayscale": ("L", 1), "rgba": ("RGBA", 4)}


def ours(tmp_path, array, mode, size, interpolation, color_mode):
    folder = tmp_path / "a"
    folder.mkdir(exist_ok=True)
    Image.fromarray(array, mode).save(folder / "x.png")
    it = classflow.flow_from_directory(tmp_path, target_size=size, interpolation=interpolation, dtype="uint8",
                                       color_mode=color_mode, batch_size=1, shuffle=False, class_mode=None)
    return next(it)[0], folder / "x.png"


@pytest.mark.parametrize("color_mode", MODES)
@pytest.mark.parametrize("src,dst", SIZES)
def test_every_filter_is_pillow_exact(tmp_path, color_mode, src, dst):
    mode, channels = MODES[color_mode]
    rng = np.random.default_rng(src[0] * 1000 + dst[1])
    a = rng.integers(0, 256, (*src, channels), dtype=np.uint8)
    if channels == 4:
        a[..., 3] = rng.choice([0, 7, 128, 255], src)  # transparent, faint, half, opaque
    a = a[..., 0] if channels == 1 else a
    for name, f in FILTERS.items():
        got, path = ours(tmp_path, a, mode, dst, name, color_mode)
        with Image.open(path) as im:
            want = np.asarray(im.resize((dst[1], dst[0]), f))
        want = want[..., None] if channels == 1 else want
        diff = np.abs(got.astype(int) - want.astype(int))
        assert diff.max() == 0, (name, int(diff.max()), int((diff > 0).sum()))


def test_a_smooth_photo_like_image_shrunk_by_every_filter(tmp_path):
    # A gradient with texture, shrunk 4.3x: where antialiasing matters most.
    y, x = np.mgrid[0:430, 0:640]
    a = np.stack([(x * 0.4 + 20 * np.sin(y / 3.0)) % 256, (y * 0.5) % 256, ((x ^ y) & 0xFF)], -1).astype(np.uint8)
    for name, f in FILTERS.items():
        got, path = ours(tmp_path, a, "RGB", (100, 149), name, "rgb")
        with Image.open(path) as im:
            want = np.asarray(im.resize((149, 100), f))
        assert np.array_equal(got, want), name


def test_linear_fast_is_opencv_and_aliases(tmp_path):
    # Stripes 1 px wide shrunk 3.2x: Pillow's bilinear averages them to grey; OpenCV's
    # INTER_LINEAR interpolates between two neighbours only, so the stripes alias into bands.
    a = np.zeros((64, 64, 3), np.uint8)
    a[:, ::2] = 255
    fast, path = ours(tmp_path, a, "RGB", (20, 20), "linear_fast", "rgb")
    with Image.open(path) as im:
        pillow = np.asarray(im.resize((20, 20), Image.BILINEAR))
    assert np.all(np.abs(pillow[:, 1:-1].astype(int) - 128) <= 13)  # antialiased: near grey
    assert fast[0, :5, 0].tolist() == [25, 178, 127, 76, 229]  # aliased: OpenCV INTER_LINEAR


def test_jpeg_draft_is_opt_in_and_changes_pixels(tmp_path):
    rng = np.random.default_rng(3)
    a = rng.integers(0, 256, (480, 640, 3), dtype=np.uint8)
    (tmp_path / "a").mkdir()
    Image.fromarray(a).save(tmp_path / "a" / "x.jpg", quality=90)
    kw = dict(target_size=(100, 120), interpolation="bilinear", dtype="uint8", batch_size=1, shuffle=False,
              class_mode=None)
    exact = next(classflow.flow_from_directory(tmp_path, **kw))[0]
    draft = next(classflow.flow_from_directory(tmp_path, jpeg_draft=True, **kw))[0]
    with Image.open(tmp_path / "a" / "x.jpg") as im:
        want = np.asarray(im.convert("RGB").resize((120, 100), Image.BILINEAR))
    assert np.array_equal(exact, want)  # default: the full decode, Pillow's pixels
    assert not np.array_equal(draft, want)  # 1/4-scale decode first: close, not equal
    assert np.abs(draft.astype(int) - want.astype(int)).mean() < 40

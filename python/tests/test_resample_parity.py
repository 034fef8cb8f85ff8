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
# ways, a 1x1 output, one axis unchanged, an odd factor; and for the horizontal pass's strips of
# rows: several strips with a ragged last one, a slight shrink, rows so wide a strip is 16 rows.
SIZES = [((61, 97), (17, 23)), ((9, 13), (40, 50)), ((3, 1000), (2, 10)), ((500, 2), (50, 1)),
         ((37, 41), (1, 1)), ((100, 80), (100, 30)), ((33, 33), (224, 7)), ((300, 131), (100, 70)),
         ((145, 101), (144, 99)), ((40, 12000), (7, 300))]
MODES = {"rgb": ("RGB", 3), "grayscale": ("L", 1), "rgba": ("RGBA", 4)}


@pytest.fixture(params=["direct", "portable"], autouse=True)
def kernel(request, monkeypatch):
    """Both horizontal passes: along the rows with byte permutes (CPUs with AVX-512 VBMI, where
    the cost model picks it) and the transposing one every CPU has (forced here)."""
    if request.param == "portable":
        monkeypatch.setenv("CLASSFLOW_RESAMPLE_PORTABLE", "1")
    else:
        monkeypatch.delenv("CLASSFLOW_RESAMPLE_PORTABLE", raising=False)
    return request.param


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


def test_jpegs_decode_at_full_size_by_default_and_draft_only_when_asked(tmp_path):
    # A 960x720 photo-like JPEG to 180x240: the default is Pillow exactly (a full decode), as
    # jpeg_draft=False; jpeg_draft=True decodes it at 1/2 (>= target) and is further off.
    y, x = np.mgrid[0:720, 0:960]
    a = np.stack([128 + 60 * np.sin(x / 37.0) + 40 * np.cos(y / 23.0), 40 + y * 0.25,
                  128 + 90 * np.sin((x + y) / 51.0)], -1)  # smooth, like most of a photo
    a = np.clip(a + np.random.default_rng(3).normal(0, 1.5, a.shape), 0, 255).astype(np.uint8)
    (tmp_path / "a").mkdir()
    Image.fromarray(a).save(tmp_path / "a" / "x.jpg", quality=90)
    kw = dict(target_size=(180, 240), interpolation="bilinear", dtype="uint8", batch_size=1, shuffle=False,
              class_mode=None)
    with Image.open(tmp_path / "a" / "x.jpg") as im:
        want = np.asarray(im.convert("RGB").resize((240, 180), Image.BILINEAR)).astype(int)
    default = next(classflow.flow_from_directory(tmp_path, **kw))[0].astype(int)
    exact = next(classflow.flow_from_directory(tmp_path, jpeg_draft=False, **kw))[0].astype(int)
    draft = next(classflow.flow_from_directory(tmp_path, jpeg_draft=True, **kw))[0].astype(int)
    assert np.array_equal(default, want)
    assert np.array_equal(exact, want)
    assert np.abs(draft - want).mean() > 0.05


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic", "lanczos", "box", "hamming"])
def test_jpeg_draft_true_is_pillow_after_draft_exactly(tmp_path, interpolation):
    # Pillow's draft('RGB', size) picks the scale classflow's jpeg_draft=True picks (960x720 to
    # 150x110: 1/4, 240x180) and decodes through the same libjpeg-turbo: the same pixels.
    y, x = np.mgrid[0:720, 0:960]
    a = np.stack([128 + 90 * np.sin(x / 7.0) * np.cos(y / 5.0), (x * 7 + y * 3) % 256, 255 - y * 0.3], -1)
    a = np.clip(a + np.random.default_rng(5).normal(0, 6, a.shape), 0, 255).astype(np.uint8)
    (tmp_path / "a").mkdir()
    Image.fromarray(a).save(tmp_path / "a" / "x.jpg", quality=85)
    got = next(classflow.flow_from_directory(tmp_path, target_size=(110, 150), interpolation=interpolation,
                                             dtype="uint8", batch_size=1, class_mode=None, jpeg_draft=True))[0]
    with Image.open(tmp_path / "a" / "x.jpg") as im:
        full = np.asarray(im.convert("RGB").resize((150, 110), FILTERS[interpolation]))
    with Image.open(tmp_path / "a" / "x.jpg") as im:
        im.draft("RGB", (150, 110))
        assert im.size == (240, 180)
        want = np.asarray(im.convert("RGB").resize((150, 110), FILTERS[interpolation]))
    assert np.array_equal(got, want)
    assert not np.array_equal(got, full)  # the draft is a different picture from the full decode's


# A small batch; and batches of 8 MiB and more, which the last pass writes with streaming stores
# where rows are whole vectors (224 wide) and with plain ones where not (250 wide).
@pytest.mark.parametrize("target_size,batch_size", [((30, 41), 6), ((240, 224), 26), ((200, 250), 26)])
@pytest.mark.parametrize("interpolation", ["bilinear", "lanczos", "nearest"])
@pytest.mark.parametrize("color_mode", ["rgb", "grayscale", "rgba"])
def test_float32_batches_are_the_uint8_pixels_times_rescale(dogs_cats, interpolation, color_mode, target_size,
                                                            batch_size):
    # float32 channels_last is converted inside the resize's last pass: the same values as the
    # uint8 image converted afterwards (and as channels_first, which converts afterwards).
    kw = dict(target_size=target_size, interpolation=interpolation, color_mode=color_mode, shuffle=False,
              batch_size=batch_size, class_mode=None)
    u8 = next(classflow.flow_from_directory(dogs_cats / "train", dtype="uint8", **kw))
    f32 = next(classflow.flow_from_directory(dogs_cats / "train", rescale=1 / 255, **kw))
    first = next(classflow.flow_from_directory(dogs_cats / "train", rescale=1 / 255, data_format="channels_first",
                                               **kw))
    want = u8.astype(np.float32) * np.float32(1 / 255)
    assert f32.shape == (batch_size, *target_size, {"grayscale": 1, "rgba": 4}.get(color_mode, 3))
    assert f32.dtype == np.float32 and np.array_equal(f32, want)
    assert np.array_equal(first, want.transpose(0, 3, 1, 2))

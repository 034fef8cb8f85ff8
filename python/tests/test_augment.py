"""Augmentation against the oracle (Debian's python3-keras-preprocessing 1.1.0 with scipy), the
counter-based streams against NumPy's Philox, and determinism whatever the threading."""

import json

import numpy as np
import pytest

import classflow
from conftest import DIGITS, run_cli

keras_image = pytest.importorskip("keras_preprocessing.image")


def smooth_image(h, w, c, seed):
    """A fixed test image: low-frequency patterns plus mild noise, spanning exactly 0..255."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    chans = []
    for k in range(c):
        a = np.sin(xx / (5.0 + 2 * k)) + np.cos(yy / (7.0 + k)) + 0.5 * np.sin((xx + yy) / 11.0) + xx / w
        chans.append(a + rng.normal(0, 0.05, a.shape))
    x = np.stack(chans, axis=-1)
    x = (x - x.min()) / (x.max() - x.min()) * 255.0
    return x.astype(np.float32)


IMAGES = {"rgb": smooth_image(48, 64, 3, 1), "gray": smooth_image(40, 40, 1, 2)}
GEOMETRY = [
    {"theta": 30},
    {"tx": 5},
    {"ty": -7},
    {"shear": 20},
    {"zx": 0.8, "zy": 1.25},
    {"theta": -25, "tx": 3, "ty": -4, "shear": 10, "zx": 0.9, "zy": 1.1},
]
OTHERS = [
    {"flip_horizontal": True},
    {"flip_vertical": True},
    {"channel_shift_intensity": 30},
    {"brightness": 1.3},
    {"brightness": 0.7},
    {"theta": 15, "tx": 2, "ty": -3, "shear": 5, "zx": 1.1, "zy": 0.95, "flip_horizontal": True,
     "channel_shift_intensity": 20},
]


def keras(x, params, fill_mode, cval):
    gen = keras_image.ImageDataGenerator(fill_mode=fill_mode, cval=cval)
    return gen.apply_transform(x.copy(), params)


def close_enough(ours, theirs):
    assert ours.shape == theirs.shape
    within = np.mean(np.abs(ours.astype(np.float64) - theirs.astype(np.float64)) <= 1.0)
    assert within >= 0.99, f"only {within:.4f} of values within 1.0"


@pytest.mark.parametrize("image", sorted(IMAGES))
@pytest.mark.parametrize("fill_mode", ["nearest", "constant", "reflect", "wrap"])
@pytest.mark.parametrize("params", GEOMETRY, ids=lambda p: ",".join(p))
def test_geometry_equals_keras_in_every_fill_mode(image, fill_mode, params):
    x = IMAGES[image]
    close_enough(classflow.apply_transform(x, params, fill_mode=fill_mode, cval=17.0), keras(x, params, fill_mode, 17.0))


@pytest.mark.parametrize("image", sorted(IMAGES))
@pytest.mark.parametrize("params", OTHERS, ids=lambda p: ",".join(p))
def test_flips_channel_shift_brightness_equal_keras(image, params):
    # Integer-valued pixels (what a decoded image holds): Keras's brightness goes through a uint8
    # PIL image, which truncates non-integer values first (see the next test).
    x = np.round(IMAGES[image])
    close_enough(classflow.apply_transform(x, params), keras(x, params, "nearest", 0.0))


@pytest.mark.parametrize("image", sorted(IMAGES))
def test_brightness_is_a_product_where_keras_quantises(image):
    # After an affine step the pixels are fractional; Keras's brightness then rescales the image
    # to 0..255 and truncates it to uint8 before multiplying (a documented difference): the
    # right value is the product, clipped, applied after the same steps as Keras.
    x = IMAGES[image]
    steps = {"theta": 15, "tx": 2, "shear": 5, "flip_horizontal": True, "channel_shift_intensity": 20}
    expected = np.clip(keras(x, steps, "nearest", 0.0) * 0.8, 0, 255)
    close_enough(classflow.apply_transform(x, {**steps, "brightness": 0.8}), expected)
    assert np.mean(np.abs(keras(x, {**steps, "brightness": 0.8}, "nearest", 0.0) - expected) > 1.0) > 0.05


def test_uint8_images_and_bad_parameters():
    x = IMAGES["rgb"].round().astype(np.uint8)
    out = classflow.apply_transform(x, {"theta": 10}, fill_mode="reflect")
    assert out.dtype == np.uint8 and out.shape == x.shape
    close_enough(out, keras(x.astype(np.float32), {"theta": 10}, "reflect", 0.0))
    with pytest.raises(classflow.UsageError, match="transform parameter 'spin' is unknown"):
        classflow.apply_transform(x, {"spin": 3})
    with pytest.raises(classflow.UsageError, match="option 'fill_mode' value 'mirror' is unknown"):
        classflow.apply_transform(x, {"theta": 3}, fill_mode="mirror")


def test_streams_are_numpy_philox():
    from classflow import _native

    for seed, epoch, sample, position in [(0, 0, 0, 0), (7, 3, 1234, 2), (2**32 - 1, 99, 10**9, 5)]:
        ours = _native.philox_stream(seed, epoch, sample, position, 9)
        key = [seed, 0x636C617373666C6F]
        theirs = np.random.Philox(key=key, counter=[0, sample, epoch, position]).random_raw(9)
        assert [int(v) for v in theirs] == ours


def test_augmented_batches_do_not_depend_on_threads(tmp_path):
    args = ["--target-size", "16x16", "--batch-size", "50", "--seed", "3", "--epochs", "2",
            "--augment", "rotation_range=25", "--augment", "width_shift_range=0.1", "--augment", "zoom_range=0.2",
            "--augment", "horizontal_flip=1", "--augment", "channel_shift_range=10", "--augment", "fill_mode=wrap",
            "--format", "json"]
    runs = {}
    for name, extra in {"w1": ["--num-workers", "1", "--prefetch", "1"],
                        "w4": ["--num-workers", "4", "--prefetch", "8"]}.items():
        out = tmp_path / name
        code, stdout, stderr = run_cli("flow", DIGITS, *args, *extra, "--export", out)
        assert code == 0, stderr
        runs[name] = out
    files = sorted(p.name for p in runs["w1"].glob("*.npy"))
    assert len(files) == 3 * 2 * 36
    for f in files:
        assert (runs["w1"] / f).read_bytes() == (runs["w4"] / f).read_bytes(), f
    # ... and Python gives the same pixels with the same options.
    it = classflow.flow_from_directory(DIGITS, target_size=(16, 16), batch_size=50, seed=3,
                                       augment={"rotation_range": 25, "width_shift_range": 0.1, "zoom_range": 0.2,
                                                "horizontal_flip": True, "channel_shift_range": 10,
                                                "fill_mode": "wrap"})
    first = next(it.batches(1))
    assert first.images.tobytes() == np.load(runs["w1"] / "images_00036.npy").tobytes()
    # Augmentation changes the pixels (epoch 0 vs epoch 1 of the same sample differ).
    plain = classflow.flow_from_directory(DIGITS, target_size=(16, 16), batch_size=50, seed=3)
    assert next(plain.batches(0)).images.tobytes() != np.load(runs["w1"] / "images_00000.npy").tobytes()


def test_image_data_generator_front():
    gen = classflow.ImageDataGenerator(rotation_range=20, horizontal_flip=True, rescale=1 / 255,
                                       samplewise_center=True)
    it = gen.flow_from_directory(DIGITS, target_size=(8, 8), batch_size=16, color_mode="grayscale")
    x, y = next(it)
    assert x.shape == (16, 8, 8, 1) and y.shape == (16, 10)
    assert np.allclose(x.reshape(16, -1).mean(axis=1), 0, atol=1e-5)  # samplewise_center after rescale
    assert gen.apply_transform(IMAGES["gray"], {"flip_vertical": True}).shape == (40, 40, 1)
    first = classflow.ImageDataGenerator(data_format="channels_first").flow_from_directory(
        DIGITS, target_size=(8, 8), batch_size=4, color_mode="grayscale")
    assert next(first)[0].shape == (4, 1, 8, 8)


@pytest.mark.parametrize("kwargs,message", [
    (dict(featurewise_center=True), r"featurewise_center needs statistics of the whole data set \(Keras's fit\(\)\)"),
    (dict(zca_whitening=True, featurewise_std_normalization=True),
     r"featurewise_std_normalization, zca_whitening needs statistics"),
    (dict(preprocessing_function=lambda x: x), r"preprocessing_function is not supported: a Python call per image"),
    (dict(interpolation_order=0), r"interpolation_order '0' is not supported; expected 1"),
])
def test_image_data_generator_arguments_classflow_does_not_take_are_named(kwargs, message):
    with pytest.raises(classflow.UsageError, match=message):
        classflow.ImageDataGenerator(**kwargs)


def test_image_data_generator_array_methods_say_what_to_use():
    gen = classflow.ImageDataGenerator()
    for call in (lambda: gen.flow(np.zeros((2, 8, 8, 3))), lambda: gen.fit(np.zeros((2, 8, 8, 3))),
                 lambda: gen.random_transform(np.zeros((8, 8, 3)))):
        with pytest.raises(NotImplementedError, match="expected flow_from_directory / flow_from_dataframe"):
            call()


def test_cli_transform_option_values_may_hold_commas(tmp_path):
    from conftest import run_cli, write_jpeg
    write_jpeg(tmp_path / "a" / "0.jpg", (10, 200, 30), size=(40, 30))
    code, _, err = run_cli("flow", tmp_path, "--target-size", "8x8",
                           "--transform", "random_resized_crop:scale=0.5,1.0,ratio=0.75,1.333")
    assert code == 0, err
    code, _, err = run_cli("flow", tmp_path, "--target-size", "8x8", "--transform", "random_resized_crop:,scale=1")
    assert code == 2 and "is not key=value" in err

"""Batch transforms: values, shapes, dtypes, determinism with a given rng, reprs, no in-place changes."""
import numpy as np
import pytest

from minitorch_nn.data import (Compose, Flatten, Normalize, RandomCrop, RandomHorizontalFlip, ToCHW, ToFloat,
                               Transform)
from minitorch_nn.random import default_generator

RNG_SEED = 0
BATCH = np.random.default_rng(0).integers(0, 256, size=(6, 5, 7, 3), dtype=np.uint8)  # (N, H, W, C)


def rng():
    return np.random.default_rng(RNG_SEED)


def test_to_float_scales_uint8_to_unit_interval():
    out = ToFloat()(np.array([[0, 51, 255]], dtype=np.uint8))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.array([[0.0, 0.2, 1.0]], dtype=np.float32))
    np.testing.assert_array_equal(ToFloat()(np.array([2.0])), [2.0])  # floats: only cast
    with pytest.raises(TypeError, match="uint8"):
        ToFloat()(np.array([1, 2], dtype=np.int64))


def test_normalize_per_channel_last_axis_and_scalar():
    x = ToFloat()(BATCH)
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)
    out = Normalize(mean, std)(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, (x - np.array(mean)) / np.array(std), rtol=1e-6, atol=1e-6)
    flat = Flatten()(x)
    np.testing.assert_allclose(Normalize(0.5, 0.25)(flat), (flat - 0.5) / 0.25, rtol=1e-6, atol=1e-6)


def test_normalize_channels_first():
    x = ToFloat()(BATCH)
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)
    chw = Normalize(mean, std, channels_last=False)(ToCHW()(x))
    np.testing.assert_allclose(chw, ToCHW()(Normalize(mean, std)(x)), rtol=1e-6, atol=1e-6)


def test_normalize_errors():
    with pytest.raises(ValueError, match="3 per-channel values.*channels_last=False"):
        Normalize((0, 0, 0), (1, 1, 1))(np.zeros((2, 3, 4, 4), np.float32))
    with pytest.raises(ValueError, match="positive"):
        Normalize(0, 0)
    with pytest.raises(ValueError, match="equally long"):
        Normalize((0, 0), (1, 1, 1))


def test_flatten_and_to_chw():
    assert Flatten()(BATCH).shape == (6, 105)
    chw = ToCHW()(BATCH)
    assert chw.shape == (6, 3, 5, 7) and chw.flags.c_contiguous
    assert chw[2, 1, 3, 4] == BATCH[2, 3, 4, 1]
    with pytest.raises(ValueError, match="x\\[..., None\\]"):
        ToCHW()(BATCH[..., 0])


def test_random_crop_without_padding_to_full_size_is_identity():
    np.testing.assert_array_equal(RandomCrop((5, 7))(BATCH, rng()), BATCH)


def test_random_crop_takes_a_window_of_the_padded_image():
    crop = RandomCrop(4, padding=2)
    out = crop(BATCH, rng())
    assert out.shape == (6, 4, 4, 3) and out.dtype == np.uint8
    padded = np.pad(BATCH, [(0, 0), (2, 2), (2, 2), (0, 0)])
    generator = rng()
    top, left = generator.integers(0, 6, size=6), generator.integers(0, 8, size=6)
    for i in range(6):  # the reference: one image at a time
        np.testing.assert_array_equal(out[i], padded[i, top[i]:top[i] + 4, left[i]:left[i] + 4])
    np.testing.assert_array_equal(crop(BATCH, rng()), out)  # same generator state, same crops


def test_random_crop_channels_first_and_grayscale():
    nhwc = RandomCrop(4, padding=1)(BATCH, rng())
    nchw = RandomCrop(4, padding=1, channels_last=False)(ToCHW()(BATCH), rng())
    np.testing.assert_array_equal(nchw, ToCHW()(nhwc))
    gray = RandomCrop(4, padding=1)(BATCH[..., 0], rng())  # (N, H, W): same offsets, same windows
    np.testing.assert_array_equal(gray, nhwc[..., 0])
    with pytest.raises(ValueError, match="larger"):
        RandomCrop(9)(BATCH, rng())


def test_horizontal_flip_probability_extremes_and_mixture():
    np.testing.assert_array_equal(RandomHorizontalFlip(p=0.0)(BATCH, rng()), BATCH)
    np.testing.assert_array_equal(RandomHorizontalFlip(p=1.0)(BATCH, rng()), BATCH[:, :, ::-1])
    out = RandomHorizontalFlip()(BATCH, rng())
    flipped = rng().random(6) < 0.5
    np.testing.assert_array_equal(out[flipped], BATCH[flipped][:, :, ::-1])
    np.testing.assert_array_equal(out[~flipped], BATCH[~flipped])
    chw = RandomHorizontalFlip(p=1.0, channels_last=False)(ToCHW()(BATCH), rng())
    np.testing.assert_array_equal(chw, ToCHW()(BATCH[:, :, ::-1]))


def test_transforms_do_not_modify_their_input():
    before = BATCH.copy()
    pipeline = Compose([RandomCrop(5, padding=1), RandomHorizontalFlip(1.0), ToFloat(),
                        Normalize((0.5, 0.5, 0.5), (0.2, 0.2, 0.2)), ToCHW()])
    out = pipeline(BATCH, rng())
    assert out.shape == (6, 3, 5, 5) and out.dtype == np.float32
    np.testing.assert_array_equal(BATCH, before)


def test_without_rng_uses_the_global_generator():
    import minitorch_nn as mt

    mt.manual_seed(3)
    a = RandomCrop(4, padding=2)(BATCH)
    mt.manual_seed(3)
    np.testing.assert_array_equal(RandomCrop(4, padding=2)(BATCH), a)


def test_reprs():
    assert repr(ToFloat()) == "ToFloat()"
    assert repr(Normalize((0.4914, 0.4822, 0.4465), (0.247, 0.2435, 0.2616))) == \
        "Normalize(mean=(0.4914, 0.4822, 0.4465), std=(0.247, 0.2435, 0.2616))"
    assert repr(Normalize(0.5, 0.25, channels_last=False)) == "Normalize(mean=0.5, std=0.25, channels_last=False)"
    assert repr(RandomCrop(32, padding=4)) == "RandomCrop(size=32, padding=4)"
    assert repr(RandomHorizontalFlip()) == "RandomHorizontalFlip(p=0.5)"
    assert repr(Compose([ToFloat(), Flatten()])) == "Compose(\n    ToFloat()\n    Flatten()\n)"
    with pytest.raises(TypeError, match="brackets"):
        Compose([ToFloat])  # the class, not an instance: caught early


# ------------------------------------------------------------------ a user's own transform: subclassing Transform
class GaussianNoise(Transform):
    """Adds N(0, scale²) noise to a float batch, drawn from the generator it is given."""

    def __init__(self, scale: float) -> None:
        self.scale = scale

    def __call__(self, x, rng=None):
        rng = default_generator() if rng is None else rng
        return x + np.float32(self.scale) * rng.standard_normal(x.shape, dtype=np.float32)

    def extra_repr(self) -> str:
        return f"scale={self.scale}"


def test_a_transform_subclass_gets_its_repr_and_composes():
    assert repr(GaussianNoise(0.5)) == "GaussianNoise(scale=0.5)"
    assert repr(Compose([ToFloat(), GaussianNoise(0.1)])) == "Compose(\n    ToFloat()\n    GaussianNoise(scale=0.1)\n)"
    out = Compose([ToFloat(), GaussianNoise(0.0)])(BATCH, rng())
    np.testing.assert_array_equal(out, ToFloat()(BATCH))

    class Silent(Transform):
        def __call__(self, x, rng=None):
            return x

    assert repr(Silent()) == "Silent()"
    with pytest.raises(NotImplementedError):
        Transform()(BATCH)


def test_a_transform_subclass_in_a_loader_draws_from_the_epoch_generator():
    from minitorch_nn.data import DataLoader

    images, labels = BATCH, np.arange(len(BATCH))
    loader = DataLoader((images, labels), batch_size=6, seed=7, transform=Compose([ToFloat(), GaussianNoise(0.1)]))
    first, second = (np.concatenate([x for x, _ in loader]) for _ in range(2))
    assert not np.array_equal(first, second)  # new noise every epoch...
    loader.set_epoch(0)
    np.testing.assert_array_equal(np.concatenate([x for x, _ in loader]), first)  # ...replayed exactly
    expected = ToFloat()(images) + np.float32(0.1) * np.random.default_rng([7, 0]).standard_normal(
        images.shape, dtype=np.float32)
    np.testing.assert_array_equal(first, expected)

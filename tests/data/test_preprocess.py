"""Preprocess: raw uint8 images to model input, exactly as the transforms it stands for."""
import numpy as np
import pytest

from minitorch_nn.data import Compose, Flatten, Normalize, Preprocess, ToCHW, ToFloat


def test_grayscale_flat_equals_tofloat_normalize_flatten():
    images = np.random.default_rng(0).integers(0, 256, (5, 6, 7), dtype=np.uint8)
    preprocess = Preprocess((1, 6, 7), mean=[0.13], std=[0.31])
    expected = Compose([ToFloat(), Normalize(0.13, 0.31), Flatten()])(images)
    assert np.array_equal(preprocess(images), expected) and preprocess(images).dtype == np.float32


def test_colour_channels_first_equals_tofloat_normalize_tochw():
    images = np.random.default_rng(1).integers(0, 256, (4, 5, 5, 3), dtype=np.uint8)
    mean, std = [0.5, 0.4, 0.3], [0.2, 0.25, 0.3]
    preprocess = Preprocess((3, 5, 5), mean, std, layout="channels_first")
    expected = Compose([ToFloat(), Normalize(mean, std), ToCHW()])(images)
    assert np.array_equal(preprocess(images), expected)
    assert preprocess(images[0]).shape == (1, 3, 5, 5)


def test_state_dict_round_trip_and_repr():
    preprocess = Preprocess((1, 8, 8), [0.3], [0.4], classes=["a", "b"])
    again = Preprocess.from_state_dict(preprocess.state_dict())
    images = np.arange(128, dtype=np.uint8).reshape(2, 8, 8)
    assert np.array_equal(again(images), preprocess(images)) and again.classes == ["a", "b"]
    assert repr(preprocess) == "Preprocess(input_shape=(1, 8, 8), mean=[0.3], std=[0.4], layout='flat')"
    assert Preprocess((1, 2, 2))(np.full((1, 2, 2), 255, dtype=np.uint8)).tolist() == [[1.0, 1.0, 1.0, 1.0]]


def test_mistakes_are_named():
    with pytest.raises(ValueError, match="input_shape must be"):
        Preprocess((28, 28))
    with pytest.raises(ValueError, match="layout must be one of flat, channels_first"):
        Preprocess((1, 2, 2), layout="nhwc")
    with pytest.raises(ValueError, match="3 channels need 3 means"):
        Preprocess((3, 2, 2), [0.5], [0.5])
    with pytest.raises(TypeError, match="raw uint8 images"):
        Preprocess((1, 2, 2))(np.zeros((1, 2, 2)))
    with pytest.raises(ValueError, match=r"takes colour 2x2 images: an array \(N, 2, 2, 3\)"):
        Preprocess((3, 2, 2))(np.zeros((1, 2, 2), dtype=np.uint8))

"""``Preprocess``: raw uint8 images → what a trained model takes, recorded with the model.

``train.py`` evaluates and tests with exactly this transform, and every checkpoint stores its
``state_dict()``, so a trained model scores new raw images as it scored the test set::

    model, preprocess = minitorch_nn.training.load_trained("runs/mnist_mlp-…/best.npz")
    scores = model(preprocess(images))          # images: uint8 (N, 28, 28), as MNIST.data
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .transforms import Flatten, Normalize, ToFloat, Transform

LAYOUTS = ("flat", "channels_first")


class Preprocess(Transform):
    """``x / 255``, then ``(x - mean) / std`` per channel, then flat vectors or ``(N, C, H, W)``.

    Args:
        input_shape: one image's shape as the model sees it, ``(C, H, W)``.
        mean, std: per-channel statistics of the training images scaled to [0, 1] (one value
            each for grayscale); None for no normalisation.
        layout: ``"flat"`` (``(N, H*W*C)`` vectors, the pixels in the images' own order, for an
            MLP) or ``"channels_first"`` (``(N, C, H, W)``, for a conv net).
        classes: the names of the model's classes, in label order (kept for whoever reads the
            scores; not used by the transform).

    Shape: input uint8 ``(N, H, W)`` (grayscale) or ``(N, H, W, C)``, or one such image without
    the ``N``; output float32 ``(N, C*H*W)`` or ``(N, C, H, W)``.

    Example:
        >>> preprocess = Preprocess((1, 28, 28), mean=[0.1307], std=[0.3081])
        >>> preprocess(MNIST(train=False).data[:5]).shape
        (5, 784)
    """

    def __init__(self, input_shape: Sequence[int], mean: Sequence[float] | None = None,
                 std: Sequence[float] | None = None, layout: str = "flat",
                 classes: Sequence[str] | None = None) -> None:
        self.input_shape = tuple(int(v) for v in input_shape)
        if len(self.input_shape) != 3 or min(self.input_shape) < 1:
            raise ValueError(f"Preprocess: input_shape must be (C, H, W), got {input_shape!r}")
        if layout not in LAYOUTS:
            raise ValueError(f"Preprocess: layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
        if (mean is None) != (std is None):
            raise ValueError("Preprocess: give both mean and std, or neither")
        channels = self.input_shape[0]
        self.mean = None if mean is None else [float(v) for v in np.atleast_1d(mean)]
        self.std = None if std is None else [float(v) for v in np.atleast_1d(std)]
        if self.mean is not None and not len(self.mean) == len(self.std) == channels:
            raise ValueError(f"Preprocess: {channels} channels need {channels} means and stds, "
                             f"got {len(self.mean)} and {len(self.std)}")
        self.layout = layout
        self.classes = [str(name) for name in classes] if classes is not None else None
        steps: list[Transform] = [ToFloat()]
        if self.mean is not None:  # a scalar for grayscale (N, H, W) images, one value per channel otherwise
            steps.append(Normalize(self.mean[0], self.std[0]) if channels == 1 else Normalize(self.mean, self.std))
        self._steps = steps
        self._flatten = Flatten()

    def __call__(self, images: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        images = self._batch(np.asarray(images))
        x = images
        for step in self._steps:
            x = step(x, rng)
        if self.layout == "flat":
            return self._flatten(x)
        x = x[:, None] if x.ndim == 3 else x.transpose(0, 3, 1, 2)
        return np.ascontiguousarray(x)

    def _batch(self, images: np.ndarray) -> np.ndarray:
        """Check raw images against ``input_shape``; a single image becomes a batch of one."""
        channels, height, width = self.input_shape
        one = (height, width) if channels == 1 else (height, width, channels)
        if images.dtype != np.uint8:
            raise TypeError(f"Preprocess: expected raw uint8 images (0..255, as the data set stores them), got "
                            f"dtype {images.dtype}; convert pixel values with np.asarray(x, dtype=np.uint8)")
        if images.shape == one:
            return images[None]
        if images.shape[1:] != one:
            sizes = ", ".join(map(str, one))
            raise ValueError(f"Preprocess: images of shape {images.shape} do not fit this model, which takes "
                             f"{'grayscale' if channels == 1 else 'colour'} {height}x{width} images: an array "
                             f"(N, {sizes}) or one ({sizes}) image")
        return images

    @property
    def channels(self) -> int:
        return self.input_shape[0]

    def state_dict(self) -> dict:
        """Plain values for a checkpoint; ``Preprocess.from_state_dict`` rebuilds it."""
        return {"input_shape": list(self.input_shape), "mean": self.mean, "std": self.std, "layout": self.layout,
                "classes": self.classes}

    @classmethod
    def from_state_dict(cls, state: dict) -> "Preprocess":
        return cls(state["input_shape"], state.get("mean"), state.get("std"), state.get("layout", "flat"),
                   state.get("classes"))

    def extra_repr(self) -> str:
        stats = "" if self.mean is None else (", mean=" + _numbers(self.mean) + ", std=" + _numbers(self.std))
        return f"input_shape={self.input_shape}{stats}, layout={self.layout!r}"


def _numbers(values: list[float]) -> str:
    return "[" + ", ".join(f"{v:.4g}" for v in values) + "]"

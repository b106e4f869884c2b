"""From a resolved ``[data]`` table to the loaders a run trains on: split, normalise, augment, batch.

All three loaders are seeded, so the batch order and the augmentation of epoch e depend only
on (seed, e), and the global generator is left to initialisation and dropout.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..data import Compose, DataLoader, Preprocess, RandomCrop, RandomHorizontalFlip, channel_stats, random_split
from .datasets import DATASETS
from .options import ConfigError

AUGMENTATIONS = ("crop", "flip")


@dataclass
class DataBundle:
    """What ``build_data`` returns.

    Attributes:
        title: the data set's usual name ("MNIST").
        train, val, test: the loaders (``val`` None when ``val_size`` leaves no images).
        classes: class names; ``num_classes`` their count.
        input_shape: one sample's image shape ``(C, H, W)``.
        mean, std: the normalisation used (per channel), or None.
        preprocess: raw uint8 images → model input, as the validation and test loaders apply
            it (and the training loader after its augmentation); checkpoints record it.
    """

    title: str
    train: object
    val: object
    test: object
    classes: list
    input_shape: tuple
    mean: list | None
    std: list | None
    preprocess: Preprocess

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    def describe(self) -> str:
        val = self.val.num_samples if self.val is not None else 0
        return f"{self.title}, {self.train.num_samples} train / {val} val / {self.test.num_samples} test images"


def build_data(data_config: dict, seed: int, splits, flatten: bool = True,
               eval_batch_size: int = 1000, rank: int = 0, world_size: int = 1) -> DataBundle:
    """Loaders for the resolved ``[data]`` table.

    Args:
        data_config: ``{"val_size", "batch_size", "augment", "crop_padding", "normalize", ...}``;
            ``normalize`` is "standardize", "center" or "none".
        seed: seeds the train / validation split and every loader.
        splits: ``(train_set, test_set)`` from ``load_splits``.
        flatten: give ``(N, C*H*W)`` vectors (an MLP) or ``(N, C, H, W)`` images (a conv net).
        eval_batch_size: batch size of the validation and test loaders (no gradients, so
            larger batches are just faster).
        rank, world_size: under MPI, every loader gives this rank its share of each global batch.
    """
    train_set, test_set = splits
    n = len(train_set)
    num_val = _validation_count(data_config["val_size"], n)
    train_part, val_part = random_split(train_set, [n - num_val, num_val], seed=seed)

    images = np.asarray(train_set.data)
    grayscale = images.ndim == 3
    input_shape = (1,) + images.shape[1:] if grayscale else (images.shape[3],) + images.shape[1:3]
    mean = std = None
    if data_config["normalize"] != "none":
        mean, std = channel_stats(images, train_part.indices)
        if data_config["normalize"] == "center":  # keep the [0, 1] pixel scale, as the classic course
            std = [1.0] * len(std)
    classes = list(getattr(train_set, "classes", None) or range(int(np.max(train_set.targets)) + 1))
    preprocess = Preprocess(input_shape, mean, std, layout="flat" if flatten else "channels_first", classes=classes)

    augment = [RandomCrop(images.shape[1:3], padding=data_config["crop_padding"]) if name == "crop"
               else RandomHorizontalFlip() for name in data_config["augment"]]
    batch_size = data_config["batch_size"]
    drop_last = _drop_last_batch(n - num_val, batch_size, world_size)
    shard = {"rank": rank, "world_size": world_size}
    train = DataLoader(train_part, batch_size=batch_size, shuffle=True, drop_last=drop_last, seed=seed,
                       transform=Compose(augment + [preprocess]), **shard)
    val = (DataLoader(val_part, batch_size=eval_batch_size, seed=seed, transform=preprocess, **shard)
           if num_val else None)
    test = make_test_loader(test_set, preprocess, eval_batch_size, seed, **shard)
    return DataBundle(DATASETS[data_config["dataset"]].title, train, val, test, classes, input_shape, mean, std,
                      preprocess)


def make_test_loader(test_set, preprocess: Preprocess, batch_size: int = 1000, seed: int = 0,
                     rank: int = 0, world_size: int = 1) -> DataLoader:
    """The loader a run tests with (``--evaluate`` rebuilds it from a checkpoint, to the same numbers);
    under MPI, this rank's share of it."""
    return DataLoader(test_set, batch_size=batch_size, seed=seed, transform=preprocess, rank=rank,
                      world_size=world_size)


def _drop_last_batch(num_train: int, batch_size: int, world_size: int) -> bool:
    """Drop the last, smaller batch only when it is too small to train on: BatchNorm needs two
    samples per rank (a single process keeps every batch of two or more)."""
    return 0 < num_train % batch_size < 2 * world_size


def _validation_count(val_size, n: int) -> int:
    """Images held out for validation: ``val_size`` itself (a count) or that fraction of ``n``."""
    num_val = val_size if isinstance(val_size, int) else int(round(val_size * n))
    if num_val == 0:  # a run without validation would still promise a best.npz
        raise ConfigError(f"config value data.val_size = {val_size} gives 0 of the {n} training images for "
                          f"validation; use a larger fraction (at least {1 / n:.2g}) or a count like 100")
    if not 0 <= num_val < n:
        raise ConfigError(f"config value data.val_size = {val_size} asks for {num_val} validation images, "
                          f"but the training set has only {n}; use a smaller count or a fraction like 0.1")
    return num_val


"""Using a trained run: ``train.py --evaluate CKPT`` and ``train.py --predict CKPT FILE…``.

``--evaluate`` scores a checkpoint on its data set's test split (prepared as the run prepared
it) and prints the test loss, the accuracy and the confusion matrix — the numbers of the run's
``summary.json`` for the weights it tested. ``--predict`` classifies image files: ``.png``
(read with matplotlib) and ``.npy`` (raw uint8 pixels, one image or a stack).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..data import Preprocess
from ..functional import softmax
from ..losses import CrossEntropyLoss
from ..plot import confusion_counts
from ..training import CheckpointError, evaluate, load_checkpoint, load_trained, predict
from .data_pipeline import make_test_loader
from .datasets import DATASETS

IMAGE_SUFFIXES = (".png", ".npy")


class ImageFileError(ValueError):
    """An image given to ``--predict`` cannot be read or does not fit the model."""


def inference_record(spec, preprocess: Preprocess) -> dict | None:
    """What a run's checkpoints record so that ``load_trained`` can use them (None without a spec)."""
    if spec is None:
        return None
    return {"model": spec.state_dict(), "preprocess": preprocess.state_dict()}


# ---------------------------------------------------------------------------- --evaluate
def recorded_threads(path) -> int:
    """The BLAS threads the checkpoint's run trained with (``train.threads``; 0: the default).

    ``--evaluate`` uses them unless ``--threads`` says otherwise: the thread count changes how the
    matrix products round, and the test numbers are meant to equal the run's ``summary.json``.
    """
    config = load_checkpoint(path).get("config") or {}
    return int((config.get("train") or {}).get("threads", 0))


def evaluate_checkpoint(path, root=None, download: bool = True) -> dict:
    """Test a checkpoint as its run did: ``{"test_loss", "test_accuracy", "correct", "count",
    "confusion", "classes", "dataset", "title", "epoch"}``.

    Raises:
        CheckpointError: not a usable checkpoint.
        DatasetError: the test split cannot be loaded.
    """
    checkpoint = load_checkpoint(path)
    model, preprocess = load_trained(path)
    config = checkpoint["config"]
    name = config["data"]["dataset"]
    if name not in DATASETS:
        raise CheckpointError(f"{path} was trained on data set {name!r}, which this minitorch_nn does not know")
    test_set = DATASETS[name].build(root, False, download)
    loader = make_test_loader(test_set, preprocess)
    loss_fn = CrossEntropyLoss(label_smoothing=config["train"]["label_smoothing"])
    test_loss, test_accuracy = evaluate(model, loader, loss_fn)
    y_true, y_pred = predict(model, loader)
    classes = preprocess.classes or [str(i) for i in range(int(y_true.max()) + 1)]
    return {"test_loss": test_loss, "test_accuracy": test_accuracy, "correct": int(np.sum(y_true == y_pred)),
            "count": len(y_true), "confusion": confusion_counts(y_true, y_pred, len(classes)), "classes": classes,
            "dataset": name, "title": DATASETS[name].title, "epoch": checkpoint["epoch"]}


def evaluate_command(path, root=None, download: bool = True) -> int:
    """``train.py --evaluate CKPT``: print the test loss, accuracy and confusion matrix."""
    result = evaluate_checkpoint(path, root, download)
    print(f"checkpoint: {path} (after epoch {result['epoch']})")
    print(f"test set: {result['title']}, {result['count']:,} images")
    print(f"test loss {result['test_loss']:.6f}  accuracy {result['test_accuracy']:.2%} "
          f"({result['correct']:,} / {result['count']:,})")
    print("confusion matrix (rows: true class, columns: predicted class):")
    print(format_confusion(result["confusion"], result["classes"]))
    comparison = _compare_with_summary(Path(path), result)
    if comparison:
        print(comparison)
    return 0


def format_confusion(counts: np.ndarray, classes: list[str]) -> str:
    """The matrix as text: one row per true class, labelled by label and name; columns by label."""
    labels = [name if name.split(" ")[0] == str(index) else f"{index} {name}" for index, name in enumerate(classes)]
    width = max(5, len(str(int(counts.max()))) + 1)
    label_width = max(len(label) for label in labels)
    header = " " * label_width + "".join(f"{index:>{width}}" for index in range(len(classes)))
    rows = [f"{label:<{label_width}}" + "".join(f"{value:>{width}}" for value in row)
            for label, row in zip(labels, counts)]
    return "\n".join([header] + rows)


def _compare_with_summary(path: Path, result: dict) -> str | None:
    """A line relating the result to the run's summary.json, when the checkpoint sits in its run folder."""
    summary_path = path.parent / "summary.json"
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        recorded = summary["test_accuracy"], summary["test_loss"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if recorded == (result["test_accuracy"], result["test_loss"]):
        return f"(the same as {summary_path}: {summary.get('tested_weights', 'the tested weights')})"
    if summary.get("tested_checkpoint") == path.name:
        return (f"({summary_path} records test loss {recorded[1]:.6f}, accuracy {recorded[0]:.2%} for these weights: "
                f"another BLAS thread count or machine rounds the matrix products differently)")
    return (f"({summary_path} records test accuracy {recorded[0]:.2%} for the {summary.get('tested_weights')}; "
            f"this checkpoint holds the weights after epoch {result['epoch']})")


# ---------------------------------------------------------------------------- --predict
def predict_command(path, files: list[str]) -> int:
    """``train.py --predict CKPT FILE…``: the most likely class of every image, with its probability."""
    if not files:
        raise ImageFileError("--predict needs the checkpoint and at least one image file: "
                             "python train.py --predict RUN/best.npz digit.png")
    model, preprocess = load_trained(path)
    images = [(label, image) for file in files for label, image in read_images(file, preprocess)]
    batch = np.stack([image for _, image in images])
    probabilities = softmax(np.asarray(model(preprocess(batch)), dtype=np.float64), axis=1)
    classes = preprocess.classes or [str(i) for i in range(probabilities.shape[1])]
    for (label, image), row in zip(images, probabilities):
        best, second = np.argsort(row)[::-1][:2]
        print(f"{label}: {classes[best]} ({row[best]:.1%}; next {classes[second]} {row[second]:.1%})")
        hint = _brightness_hint(label, image, preprocess)
        if hint:
            print(hint)
    return 0


def read_images(file: str, preprocess: Preprocess) -> list[tuple[str, np.ndarray]]:
    """``[(label, uint8 image)]`` from a ``.png`` (one image) or ``.npy`` (one image or a stack)
    file, shaped as the model's raw images ``(H, W)`` or ``(H, W, C)``.

    Raises:
        ImageFileError: missing, unreadable, of another kind, or not the model's image size.
    """
    path = Path(file)
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise ImageFileError(f"{file}: --predict reads .png and .npy images, not {suffix or 'files without a suffix'}")
    if not path.is_file():
        raise ImageFileError(f"{file}: no such file")
    pixels = _read_png(path) if suffix == ".png" else _read_npy(path)
    pixels = _match_channels(pixels, preprocess.channels, stack=suffix == ".npy", file=file)
    channels, height, width = preprocess.input_shape
    one = (height, width) if channels == 1 else (height, width, channels)
    if pixels.shape == one:
        return [(file, pixels)]
    if pixels.shape[1:] == one and suffix == ".npy":
        return [(f"{file}[{index}]", image) for index, image in enumerate(pixels)]
    raise ImageFileError(f"{file}: images of shape {pixels.shape} do not fit this model, which takes "
                         f"{width}x{height} {'grayscale' if channels == 1 else 'colour'} images "
                         f"({', '.join(map(str, one))}); resize the image first")


def _read_png(path: Path) -> np.ndarray:
    import matplotlib.image

    try:
        pixels = matplotlib.image.imread(path)
    except (OSError, ValueError, SyntaxError) as error:
        raise ImageFileError(f"{path}: cannot be read as a PNG image ({error})") from None
    if np.issubdtype(pixels.dtype, np.floating):  # 8- and 16-bit PNGs come as floats in [0, 1]
        pixels = np.rint(np.clip(pixels, 0.0, 1.0) * 255)
    if pixels.ndim == 3 and pixels.shape[2] in (2, 4):  # drop the alpha channel
        pixels = pixels[..., :-1]
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = pixels[..., 0]
    return pixels.astype(np.uint8)


def _read_npy(path: Path) -> np.ndarray:
    try:
        pixels = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise ImageFileError(f"{path}: cannot be read as a .npy array ({error})") from None
    if not np.issubdtype(pixels.dtype, np.integer) or (pixels.size and (pixels.min() < 0 or pixels.max() > 255)):
        raise ImageFileError(f"{path}: holds {pixels.dtype} values; --predict takes raw pixels, integers 0..255 "
                             f"(as the data sets store them): save np.uint8 arrays")
    return pixels.astype(np.uint8)


def _match_channels(pixels: np.ndarray, channels: int, stack: bool, file: str) -> np.ndarray:
    """RGB → grayscale (the mean of the channels) for a grayscale model; gray → RGB for a colour one."""
    colour_axis = pixels.ndim == (4 if stack else 3) and pixels.shape[-1] == 3
    if channels == 1 and colour_axis:
        return np.rint(pixels.mean(axis=-1)).astype(np.uint8)
    if channels == 3 and not colour_axis and pixels.ndim == (3 if stack else 2):
        return np.repeat(pixels[..., None], 3, axis=-1)
    return pixels


def _brightness_hint(label: str, image: np.ndarray, preprocess: Preprocess) -> str | None:
    """A note when a grayscale image is far brighter or darker than the training images were
    (MNIST: light strokes on black), the usual sign of an inverted image."""
    if preprocess.channels != 1 or preprocess.mean is None:
        return None
    mean = float(image.mean()) / 255
    if abs(mean - preprocess.mean[0]) < 0.3:
        return None
    return (f"  note: {label} has mean brightness {mean:.2f}, the training images {preprocess.mean[0]:.2f}; "
            f"if it is dark strokes on a light background, invert it (255 - pixels) and predict again")


__all__ = ["evaluate_checkpoint", "evaluate_command", "recorded_threads", "predict_command", "read_images",
           "inference_record", "format_confusion", "ImageFileError"]

"""``load_trained``: a checkpoint back as a model and the preprocessing its inputs need.

A checkpoint written by ``train.py`` records how it was made (``inference``: the model's class
and arguments, the preprocessing, the class names), so a trained model is one call away::

    model, preprocess = load_trained("runs/mnist_mlp-20240101-120000/best.npz")
    scores = model(preprocess(images))          # images: raw uint8 (N, 28, 28), as MNIST.data
    labels = scores.argmax(axis=1)              # preprocess.classes[label] names the class
"""
from __future__ import annotations

import os

from ..data import Preprocess
from ..models import ModelSpec
from ..module import Module
from .checkpoint import CheckpointError, load_checkpoint


def load_trained(path: str | os.PathLike) -> tuple[Module, Preprocess]:
    """The trained model of a checkpoint (in eval mode) and its ``Preprocess``.

    The model holds the checkpoint's weights (``best.npz``: the best validation epoch's;
    ``last.npz``: the last epoch's). ``preprocess(raw_uint8_images)`` gives what the model takes,
    exactly as the run's validation and test sets were prepared; ``preprocess.classes`` holds
    the class names, in label order.

    Raises:
        CheckpointError: the file is not a checkpoint, or records no ``inference`` (a
            checkpoint from before it was recorded, or a model kind without a ``ModelSpec``):
            the message says how to load the weights by hand.
    """
    checkpoint = load_checkpoint(path)
    record = checkpoint.get("inference")
    if not record:
        raise CheckpointError(
            f"{checkpoint['path']} does not record how its model was built and its inputs prepared "
            f"(it predates that, or its model kind has no ModelSpec); build the model yourself, then "
            f"model.load_state_dict(mt.load(path)['model'])")
    try:
        model = ModelSpec.from_state_dict(record["model"]).build()
        preprocess = Preprocess.from_state_dict(record["preprocess"])
        model.load_state_dict(checkpoint["model"])
    except (KeyError, TypeError, ValueError, RuntimeError) as error:
        raise CheckpointError(f"{checkpoint['path']}: its inference record does not rebuild the model: "
                              f"{error}") from None
    return model.eval(), preprocess

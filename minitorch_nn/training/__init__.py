"""Training: ``Trainer``, ``evaluate`` / ``predict``, ``History`` and checkpoints.

    >>> from minitorch_nn.training import Trainer, evaluate
    >>> trainer = Trainer(model, mt.CrossEntropyLoss(), optim.Adam(model.parameters()), checkpoint_dir="run")
    >>> history = trainer.fit(train_loader, val_loader, epochs=10)
    >>> loss, accuracy = evaluate(model, test_loader, mt.CrossEntropyLoss())
    >>> model, preprocess = load_trained("runs/mnist_mlp-…/best.npz")   # scores = model(preprocess(images))

This layer knows nothing of configs or TOML: the run layer (``minitorch_nn.run``, behind
``train.py``) builds the parts from a config and hands them to a ``Trainer``.
"""
from .checkpoint import CheckpointError, load_checkpoint
from .evaluate import evaluate, predict
from .history import History
from .trained import load_trained
from .trainer import Trainer, TrainingDiverged

__all__ = ["Trainer", "TrainingDiverged", "History", "evaluate", "predict", "load_checkpoint", "CheckpointError",
           "load_trained"]

"""Training: ``Trainer``, ``evaluate``, ``History``, checkpoints, and the registries behind ``train.py``.

    >>> from minitorch_nn.training import Trainer, evaluate
    >>> trainer = Trainer(model, mt.CrossEntropyLoss(), optim.Adam(model.parameters()), checkpoint_dir="run")
    >>> history = trainer.fit(train_loader, val_loader, epochs=10)
    >>> loss, accuracy = evaluate(model, test_loader, mt.CrossEntropyLoss())
"""
from .checkpoint import CheckpointError, load_checkpoint
from .evaluate import evaluate, predict
from .history import History
from .model_kinds import MODEL_KINDS, ModelKind, build_model, register_model_kind
from .trainer import Trainer, TrainingDiverged

__all__ = ["Trainer", "TrainingDiverged", "History", "evaluate", "predict", "load_checkpoint", "CheckpointError",
           "ModelKind", "MODEL_KINDS", "register_model_kind", "build_model"]

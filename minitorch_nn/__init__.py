"""minitorch_nn: a PyTorch-style deep-learning framework on numpy with explicit backward passes.

    >>> import minitorch_nn as mt
    >>> model = mt.MLP(784, [512, 64], 10)
    >>> loss_fn = mt.CrossEntropyLoss()
"""
__version__ = "0.1.0"

from . import data, distributed, functional, init, models, optim, plot, random, utils
from .gradcheck import GradcheckError, gradcheck
from .layers import *  # noqa: F401,F403  (every layer, as mt.Linear etc.)
from .losses import CrossEntropyLoss, Loss, MSELoss, MultiMarginLoss, NLLLoss
from .models import MLP
from .module import Module
from .parameter import Parameter
from .random import get_rng_state, manual_seed, set_rng_state
from .serialization import SerializationError, load, save
from .summary import summary
from .training import History, Trainer, TrainingDiverged, evaluate, predict

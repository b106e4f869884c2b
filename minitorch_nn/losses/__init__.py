"""Losses on raw scores; every class here is also available as ``mt.<Name>``."""
from .cross_entropy import CrossEntropyLoss
from .loss import Loss
from .mse import MSELoss
from .multi_margin import MultiMarginLoss
from .nll import NLLLoss

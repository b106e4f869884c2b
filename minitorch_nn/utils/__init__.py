"""Utilities: numerical gradients, relative error and gradient clipping."""
from .numerical import numerical_gradient, rel_error

try:  # clip_grad lives beside the optimisers' helpers
    from .clip_grad import clip_grad_norm_
except ImportError:  # pragma: no cover
    pass

"""Utilities: numerical gradients, relative error and gradient clipping."""
from .clip_grad import clip_grad_norm_
from .numerical import numerical_gradient, rel_error

__all__ = ["clip_grad_norm_", "numerical_gradient", "rel_error"]

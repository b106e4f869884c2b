"""The maths of the layers as plain functions: forward/backward pairs in the course's shape,
``*_forward(x, ...) -> (out, cache)`` and ``*_backward(grad_out, cache) -> gradients``, plus the
numerically stable softmax family that layers and losses share.

    >>> out, cache = mt.functional.conv2d_forward(x, w, b, stride=1, padding=1)
    >>> grad_x, grad_w, grad_b = mt.functional.conv2d_backward(grad_out, cache)

The layers (``mt.Conv2d`` …) are classes over these functions that own the parameters.
"""
from .activations import log_softmax, relu_backward, relu_forward, sigmoid, softmax
from .conv import conv2d_backward, conv2d_forward
from .linear import linear_backward, linear_forward
from .normalization import batch_norm_backward, batch_norm_forward
from .pooling import avg_pool2d_backward, avg_pool2d_forward, max_pool2d_backward, max_pool2d_forward

__all__ = [
    "linear_forward", "linear_backward", "relu_forward", "relu_backward",
    "conv2d_forward", "conv2d_backward", "max_pool2d_forward", "max_pool2d_backward",
    "avg_pool2d_forward", "avg_pool2d_backward", "batch_norm_forward", "batch_norm_backward",
    "softmax", "log_softmax", "sigmoid",
]

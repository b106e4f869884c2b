"""2-D convolution as a forward/backward pair: ``conv2d_forward`` / ``conv2d_backward``.

The maths, for input ``x (N, C, H, W)``, weights ``W (F, C, kH, kW)``, bias ``b (F,)``, stride
``(sH, sW)`` and zero padding ``(pH, pW)``::

    y[n, f, h, w] = b[f] + Σ_{c, i, j} W[f, c, i, j] · x_pad[n, c, h·sH + i, w·sW + j]

computed by im2col: every receptive field becomes a column of ``columns (C·kH·kW, N·H_out·W_out)``,
and the sum is one matrix product ``W.reshape(F, -1) @ columns``.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..checks import check_images, check_grad_shape, int_pair
from ..kernels.im2col import col2im, im2col, output_size


class Conv2dCache(NamedTuple):
    """What ``conv2d_backward`` needs from the forward pass."""

    columns: np.ndarray       # im2col of the input, (C·kH·kW, N·H_out·W_out)
    input_shape: tuple
    weight: np.ndarray
    stride: tuple[int, int]
    padding: tuple[int, int]
    has_bias: bool


def conv2d_forward(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None, stride=1, padding=0):
    """``y = conv2d(x, W) + b`` (cross-correlation, as PyTorch).

    Inputs:
        x: ``(N, C, H, W)``.  weight: ``(F, C, kH, kW)``.  bias: ``(F,)`` or None.
        stride: ``s`` or ``(sH, sW)``.  padding: ``p`` or ``(pH, pW)`` zeros on each side.
    Returns:
        ``(y, cache)``, y ``(N, F, H_out, W_out)`` with ``H_out = (H + 2·pH - kH) // sH + 1``
        (``W_out`` likewise).
    """
    stride = int_pair("conv2d", "stride", stride)
    padding = int_pair("conv2d", "padding", padding, minimum=0)
    x = np.asarray(x, dtype=weight.dtype)
    F, C, kH, kW = weight.shape
    check_images("conv2d", x, channels=C)
    N = x.shape[0]
    Ho, Wo = output_size("conv2d", x.shape, (kH, kW), stride, padding)
    columns = im2col(x, (kH, kW), stride, padding)
    product = weight.reshape(F, -1) @ columns                       # (F, N·H_out·W_out)
    out = np.empty((N, F, Ho, Wo), dtype=x.dtype)
    np.copyto(out, product.reshape(F, N, Ho, Wo).transpose(1, 0, 2, 3))
    if bias is not None:
        out += bias.reshape(F, 1, 1)
    return out, Conv2dCache(columns, x.shape, weight, stride, padding, bias is not None)


def conv2d_backward(grad_out: np.ndarray, cache: Conv2dCache, need_input_grad: bool = True):
    """Gradients of ``conv2d_forward``: ``(grad_x, grad_weight, grad_bias)``.

    With ``G = dL/dy`` as ``(F, N·H_out·W_out)``: dL/dW = G @ columnsᵀ; dL/db = Σ G over its
    columns; dL/dx = col2im(Wᵀ @ G), every column entry added back onto the pixel it was read
    from. ``grad_bias`` is None without a bias, ``grad_x`` None when not ``need_input_grad``.
    """
    columns, input_shape, weight, stride, padding, has_bias = cache
    F, C, kH, kW = weight.shape
    N = input_shape[0]
    Ho, Wo = output_size("conv2d", input_shape, (kH, kW), stride, padding)
    grad_out = check_grad_shape("conv2d", grad_out, (N, F, Ho, Wo)).astype(weight.dtype, copy=False)
    grad_2d = np.ascontiguousarray(grad_out.transpose(1, 0, 2, 3)).reshape(F, -1)
    # dL/dW = G @ columnsᵀ, computed as (columns @ Gᵀ)ᵀ: the same product, but BLAS runs the
    # long shared axis N·H_out·W_out up to twice as fast in this orientation.
    grad_weight = (columns @ grad_2d.T).T.reshape(weight.shape)
    grad_bias = grad_2d.sum(axis=1) if has_bias else None
    grad_x = None
    if need_input_grad:
        grad_x = col2im(weight.reshape(F, -1).T @ grad_2d, input_shape, (kH, kW), stride, padding)
    return grad_x, grad_weight, grad_bias

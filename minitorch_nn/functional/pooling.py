"""Windowed pooling as forward/backward pairs: ``max_pool2d_*`` and ``avg_pool2d_*`` (NCHW).

Both loop over the ``kH · kW`` kernel offsets only: each step is one vectorised operation over
every image, channel and output position (the strided view ``window`` returns)::

    max:  y[n, c, h, w] = max_{i, j} x_pad[n, c, h·sH + i, w·sW + j]       (padding -inf)
    avg:  y[n, c, h, w] = Σ_{i, j} x_pad[n, c, h·sH + i, w·sW + j] / count  (padding 0)
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from ..checks import as_float_array, check_grad_shape, check_images, int_pair
from ..kernels.im2col import output_size, pad, window


class PoolGeometry(NamedTuple):
    """The window arithmetic of one pooling call."""

    input_shape: tuple
    kernel_size: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    output_size: tuple[int, int]


class MaxPool2dCache(NamedTuple):
    geometry: PoolGeometry
    argmax: np.ndarray  # kernel offset i·kW + j of each window's maximum, (N, C, H_out, W_out)


class AvgPool2dCache(NamedTuple):
    geometry: PoolGeometry
    divisor: np.ndarray | float  # the count of each window


def _geometry(owner: str, x: np.ndarray, kernel_size, stride, padding) -> PoolGeometry:
    kernel_size = int_pair(owner, "kernel_size", kernel_size)
    stride = kernel_size if stride is None else int_pair(owner, "stride", stride)
    padding = int_pair(owner, "padding", padding, minimum=0)
    check_images(owner, x)
    return PoolGeometry(x.shape, kernel_size, stride, padding,
                        output_size(owner, x.shape, kernel_size, stride, padding))


def max_pool2d_forward(x: np.ndarray, kernel_size, stride=None, padding=0):
    """Maximum over each window, as ``torch.nn.functional.max_pool2d`` (floor mode).

    Inputs: x ``(N, C, H, W)``; kernel_size, stride (default: kernel_size), padding as ``k`` or ``(h, w)``.
    Returns: ``(y, cache)``, y ``(N, C, H_out, W_out)``, ``H_out = (H + 2·pH - kH) // sH + 1``.
    """
    x = as_float_array(x)
    geometry = _geometry("max_pool2d", x, kernel_size, stride, padding)
    (kH, kW), stride, out_size = geometry.kernel_size, geometry.stride, geometry.output_size
    padded = pad(x, geometry.padding, value=-np.inf)
    # Running maximum over the kernel offsets; `argmax` records the first offset reaching it.
    out = window(padded, 0, 0, stride, out_size).copy()
    argmax = np.zeros(out.shape, dtype=np.min_scalar_type(kH * kW - 1))
    for offset in range(1, kH * kW):
        view = window(padded, offset // kW, offset % kW, stride, out_size)
        np.copyto(argmax, offset, where=view > out)  # strictly greater: ties keep the first, as PyTorch
        np.maximum(out, view, out=out)  # (np.maximum also propagates NaN)
    return out, MaxPool2dCache(geometry, argmax)


def max_pool2d_backward(grad_out: np.ndarray, cache: MaxPool2dCache) -> np.ndarray:
    """dL/dx: each window's dL/dy goes to the position of its maximum, 0 elsewhere."""
    geometry, argmax = cache
    grad_out = check_grad_shape("max_pool2d", grad_out, argmax.shape)
    zero = grad_out.dtype.type(0)
    # dL/dx at offset o of a window = dL/dy where the window's maximum sits at o.
    return _spread(geometry, lambda offset: np.where(argmax == offset, grad_out, zero), grad_out.dtype)


def avg_pool2d_forward(x: np.ndarray, kernel_size, stride=None, padding=0, count_include_pad: bool = True):
    """Mean over each window, as ``torch.nn.functional.avg_pool2d`` (floor mode).

    ``count`` is ``kH · kW`` (``count_include_pad=True``, PyTorch's default) or the number of
    unpadded pixels in the window. Returns ``(y, cache)`` as ``max_pool2d_forward``.
    """
    x = as_float_array(x)
    geometry = _geometry("avg_pool2d", x, kernel_size, stride, padding)
    (kH, kW), stride, out_size = geometry.kernel_size, geometry.stride, geometry.output_size
    padded = pad(x, geometry.padding)
    out = window(padded, 0, 0, stride, out_size).copy()
    for offset in range(1, kH * kW):
        np.add(out, window(padded, offset // kW, offset % kW, stride, out_size), out=out)
    if count_include_pad or geometry.padding == (0, 0):
        divisor = float(kH * kW)
    else:
        # Unpadded pixels per window: the same window sum over a map of ones, (H_out, W_out).
        ones = pad(np.ones((1, 1) + x.shape[2:], dtype=x.dtype), geometry.padding)
        divisor = sum(window(ones, i, j, stride, out_size) for i in range(kH) for j in range(kW))[0, 0]
    out /= np.asarray(divisor, dtype=x.dtype)
    return out, AvgPool2dCache(geometry, divisor)


def avg_pool2d_backward(grad_out: np.ndarray, cache: AvgPool2dCache) -> np.ndarray:
    """dL/dx: every pixel of a window receives dL/dy / count."""
    geometry, divisor = cache
    N, C = geometry.input_shape[:2]
    grad_out = check_grad_shape("avg_pool2d", grad_out, (N, C) + geometry.output_size)
    share = grad_out / np.asarray(divisor, dtype=grad_out.dtype)
    return _spread(geometry, lambda offset: share, grad_out.dtype)


def _spread(geometry: PoolGeometry, grad_per_offset: Callable[[int], np.ndarray], dtype) -> np.ndarray:
    """dL/dx from ``grad_per_offset(offset) -> (N, C, H_out, W_out)``, the gradient that each
    kernel offset ``offset = i·kW + j`` sends back to the pixel it saw; overlapping windows add up."""
    N, C, H, W = geometry.input_shape
    (kH, kW), (pH, pW), (Ho, Wo) = geometry.kernel_size, geometry.padding, geometry.output_size
    if geometry.kernel_size == geometry.stride and geometry.padding == (0, 0):
        # Windows tile x, each pixel in at most one: written with a single reshape, nothing to add.
        tiles = np.empty((N, C, Ho, kH, Wo, kW), dtype=dtype)
        for i in range(kH):
            for j in range(kW):
                tiles[:, :, :, i, :, j] = grad_per_offset(i * kW + j)
        tiles = tiles.reshape(N, C, Ho * kH, Wo * kW)
        if (Ho * kH, Wo * kW) == (H, W):
            return tiles
        grad_x = np.zeros((N, C, H, W), dtype=dtype)  # rows/columns no window covered
        grad_x[:, :, :Ho * kH, :Wo * kW] = tiles
        return grad_x
    padded = np.zeros((N, C, H + 2 * pH, W + 2 * pW), dtype=dtype)
    for i in range(kH):
        for j in range(kW):
            view = window(padded, i, j, geometry.stride, geometry.output_size)
            np.add(view, grad_per_offset(i * kW + j), out=view)
    return padded[:, :, pH:pH + H, pW:pW + W]

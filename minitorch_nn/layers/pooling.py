"""Pooling over NCHW images: ``MaxPool2d``, ``AvgPool2d`` (layers over ``functional.max_pool2d_*`` /
``avg_pool2d_*``), ``AdaptiveAvgPool2d`` and ``GlobalAvgPool2d``."""
from __future__ import annotations

import numpy as np

from ..checks import as_float_array, check_images, int_pair, is_integer
from ..functional.pooling import (avg_pool2d_backward, avg_pool2d_forward, max_pool2d_backward,
                                  max_pool2d_forward)
from ..kernels.im2col import output_size
from ..module import Module


class _Pool2d(Module):
    """Shared argument checks, output size and printing of the windowed pools."""

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__()
        name = type(self).__name__
        self.kernel_size = int_pair(name, "kernel_size", kernel_size)
        self.stride = self.kernel_size if stride is None else int_pair(name, "stride", stride)
        self.padding = int_pair(name, "padding", padding, minimum=0)
        if any(2 * p > k for p, k in zip(self.padding, self.kernel_size)):
            raise ValueError(f"{name}: padding {self.padding} must be at most half the kernel size "
                             f"{self.kernel_size} (as in PyTorch)")
        self._cache = None

    def _name(self) -> str:
        return (f"{type(self).__name__}(kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding})")

    def _check_input(self, x) -> np.ndarray:
        x = as_float_array(x)
        check_images(self._name(), x)
        output_size(self._name(), x.shape, self.kernel_size, self.stride, self.padding)  # fits, or says why
        return x

    def _check_grad(self, grad_output) -> np.ndarray:
        self._require_forward(self._cache)
        return as_float_array(grad_output)  # its shape was checked by Module against the last output

    def _reset_dtype_caches(self) -> None:
        self._cache = None

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    """Maximum over each ``kH x kW`` window, as ``torch.nn.MaxPool2d`` (no dilation, floor mode).

    ``y[n, c, h, w] = max_{i, j} x_pad[n, c, h*sH + i, w*sW + j]`` with ``-inf`` padding.

    Args:
        kernel_size: ``k`` or ``(kH, kW)``.  stride: default ``kernel_size``.
        padding: ``-inf`` added on both sides, at most half the kernel (default 0).

    Shape: input ``(N, C, H, W)``; output ``(N, C, H_out, W_out)``, ``H_out = (H + 2*pH - kH) // sH + 1``.

    Backward: dL/dx gets dL/dy at the position of each window's maximum and 0 elsewhere; on ties
    the first maximum in row-major window order wins, as PyTorch. Forward keeps only the
    window offset of each maximum (one byte per output for kernels up to 16x16).
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        out, self._cache = max_pool2d_forward(self._check_input(x), self.kernel_size, self.stride, self.padding)
        return out

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        return max_pool2d_backward(self._check_grad(grad_output), self._cache)


class AvgPool2d(_Pool2d):
    """Mean over each ``kH x kW`` window, as ``torch.nn.AvgPool2d`` (floor mode).

    ``y[n, c, h, w] = sum_{i, j} x_pad[n, c, h*sH + i, w*sW + j] / count`` with zero padding;
    ``count = kH * kW`` (``count_include_pad=True``, PyTorch's default) or the number of
    unpadded pixels in the window (``count_include_pad=False``).

    Args:
        kernel_size: ``k`` or ``(kH, kW)``.  stride: default ``kernel_size``.
        padding: zeros added on both sides, at most half the kernel (default 0).
        count_include_pad: whether padded zeros count in the divisor (default True).

    Shape: input ``(N, C, H, W)``; output ``(N, C, H_out, W_out)``, ``H_out = (H + 2*pH - kH) // sH + 1``.

    Backward: every pixel of a window receives dL/dy / count.
    """

    def __init__(self, kernel_size, stride=None, padding=0, count_include_pad: bool = True) -> None:
        super().__init__(kernel_size, stride, padding)
        self.count_include_pad = count_include_pad

    def forward(self, x: np.ndarray) -> np.ndarray:
        out, self._cache = avg_pool2d_forward(self._check_input(x), self.kernel_size, self.stride, self.padding,
                                              self.count_include_pad)
        return out

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        return avg_pool2d_backward(self._check_grad(grad_output), self._cache)

    def extra_repr(self) -> str:
        extra = "" if self.count_include_pad else ", count_include_pad=False"
        return super().extra_repr() + extra


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size, as ``torch.nn.AdaptiveAvgPool2d``.

    Output row ``h`` averages input rows ``floor(h*H/H_out) .. ceil((h+1)*H/H_out) - 1`` (columns
    likewise), so any output size works, including ones that do not divide the input.
    Computed as ``y = A_h @ x @ A_w.T`` with ``(H_out, H)`` and ``(W_out, W)`` averaging matrices;
    ``output_size=1`` is a plain mean over H and W.

    Args:
        output_size: ``s`` or ``(H_out, W_out)``; ``None`` in the pair keeps that input size.

    Shape: input ``(N, C, H, W)``; output ``(N, C, H_out, W_out)`` (``(N, C, 1, 1)`` for size 1,
    as PyTorch; see ``GlobalAvgPool2d`` for ``(N, C)``).

    Backward: dL/dx = A_h.T @ dL/dy @ A_w.
    """

    def __init__(self, output_size) -> None:
        super().__init__()
        if isinstance(output_size, (tuple, list)) and len(output_size) == 2:
            sizes = tuple(output_size)
        else:
            sizes = (output_size, output_size)
        if not all(s is None or (is_integer(s) and s > 0) for s in sizes):
            raise ValueError(f"AdaptiveAvgPool2d: output_size must be a positive int or a pair of them "
                             f"(None keeps the input size), got {output_size!r}")
        self.output_size = output_size
        self._sizes = sizes
        self._matrices = None
        self._input_shape = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_float_array(x)
        check_images(f"AdaptiveAvgPool2d(output_size={self.output_size})", x)
        N, C, H, W = x.shape
        Ho, Wo = (H if self._sizes[0] is None else self._sizes[0]), (W if self._sizes[1] is None else self._sizes[1])
        self._input_shape = x.shape
        if (Ho, Wo) == (1, 1):
            self._matrices = ()
            return x.mean(axis=(2, 3), keepdims=True)
        rows, columns = _averaging_matrix(Ho, H, x.dtype), _averaging_matrix(Wo, W, x.dtype)
        self._matrices = (rows, columns)
        return rows @ x @ columns.T

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        self._require_forward(self._matrices)
        N, C, H, W = self._input_shape
        if not self._matrices:
            grad_output = as_float_array(grad_output)
            # dL/dx = dL/dy / (H * W) at every pixel.
            grad_input = np.empty(self._input_shape, dtype=grad_output.dtype)
            grad_input[...] = grad_output / (H * W)
            return grad_input
        rows, columns = self._matrices
        grad_output = as_float_array(grad_output)
        return rows.T @ grad_output @ columns

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


def _averaging_matrix(out_size: int, in_size: int, dtype) -> np.ndarray:
    """``(out_size, in_size)`` matrix whose row k averages PyTorch's adaptive window k."""
    k = np.arange(out_size)
    starts = (k * in_size) // out_size
    ends = -((-(k + 1) * in_size) // out_size)  # ceil((k + 1) * in / out)
    positions = np.arange(in_size)
    inside = (positions >= starts[:, None]) & (positions < ends[:, None])
    return (inside / (ends - starts)[:, None]).astype(dtype)


class GlobalAvgPool2d(Module):
    """Mean over all pixels of each channel, flattened: ``y[n, c] = mean_{h, w} x[n, c, h, w]``.

    Unlike ``AdaptiveAvgPool2d(1)`` (output ``(N, C, 1, 1)``, as PyTorch), the output is ``(N, C)``,
    ready for a ``Linear`` classifier; it equals ``AdaptiveAvgPool2d(1)`` followed by ``Flatten()``.

    Shape: input ``(N, C, H, W)``; output ``(N, C)``.  Backward: dL/dx = dL/dy / (H * W) at every pixel.
    """

    def __init__(self) -> None:
        super().__init__()
        self._input_shape = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_float_array(x)
        check_images("GlobalAvgPool2d()", x)
        self._input_shape = x.shape
        return x.mean(axis=(2, 3))

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        self._require_forward(self._input_shape)
        N, C, H, W = self._input_shape
        grad_output = as_float_array(grad_output)
        grad_input = np.empty(self._input_shape, dtype=grad_output.dtype)
        grad_input[...] = (grad_output / (H * W))[:, :, None, None]
        return grad_input

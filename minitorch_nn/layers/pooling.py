"""Pooling over NCHW images: ``MaxPool2d``, ``AvgPool2d``, ``AdaptiveAvgPool2d``, ``GlobalAvgPool2d``.

Windowed pools loop over the ``kH * kW`` kernel offsets only; each step is one vectorised op over
every image, channel and output position (the view ``_window`` returns).
"""
from __future__ import annotations

import numpy as np

from ..module import Module
from .conv import _as_float_input, _check_4d, _output_size, _pad, _pair, _window


class _Pool2d(Module):
    """Shared argument checks, output size and printing of the windowed pools."""

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__()
        name = type(self).__name__
        self.kernel_size = _pair(name, "kernel_size", kernel_size)
        self.stride = self.kernel_size if stride is None else _pair(name, "stride", stride)
        self.padding = _pair(name, "padding", padding, minimum=0)
        if any(2 * p > k for p, k in zip(self.padding, self.kernel_size)):
            raise ValueError(f"{name}: padding {self.padding} must be at most half the kernel size "
                             f"{self.kernel_size} (as in PyTorch)")
        self._input_shape = None

    def _name(self) -> str:
        return (f"{type(self).__name__}(kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding})")

    def _prepare(self, x) -> tuple[np.ndarray, tuple[int, int]]:
        x = _as_float_input(x)
        _check_4d(self._name(), x)
        return x, _output_size(self._name(), x.shape, self.kernel_size, self.stride, self.padding)

    @property
    def _non_overlapping(self) -> bool:
        """kernel == stride and no padding: each input pixel lies in at most one window, so the
        gradient is written with a single reshape instead of accumulated offset by offset."""
        return self.kernel_size == self.stride and self.padding == (0, 0)

    def _spread(self, grad_per_offset, output_size, dtype) -> np.ndarray:
        """dL/dx from ``grad_per_offset(offset) -> (N, C, H_out, W_out)``, the gradient that each
        kernel offset ``offset = i * kW + j`` sends back to the pixel it saw."""
        N, C, H, W = self._input_shape
        (kH, kW), (pH, pW), (Ho, Wo) = self.kernel_size, self.padding, output_size
        if self._non_overlapping:
            # Windows tile x: grad_x[n, c, h*kH + i, w*kW + j] = grad_per_offset(i*kW + j)[n, c, h, w].
            tiles = np.empty((N, C, Ho, kH, Wo, kW), dtype=dtype)
            for i in range(kH):
                for j in range(kW):
                    tiles[:, :, :, i, :, j] = grad_per_offset(i * kW + j)
            tiles = tiles.reshape(N, C, Ho * kH, Wo * kW)
            if (Ho * kH, Wo * kW) == (H, W):
                return tiles
            grad_input = np.zeros((N, C, H, W), dtype=dtype)  # rows/columns no window covered
            grad_input[:, :, :Ho * kH, :Wo * kW] = tiles
            return grad_input
        padded = np.zeros((N, C, H + 2 * pH, W + 2 * pW), dtype=dtype)
        for i in range(kH):
            for j in range(kW):
                window = _window(padded, i, j, self.stride, output_size)
                np.add(window, grad_per_offset(i * kW + j), out=window)  # window += ..., overlaps add up
        return padded[:, :, pH:pH + H, pW:pW + W]

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

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__(kernel_size, stride, padding)
        self._argmax = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x, output_size = self._prepare(x)
        kH, kW = self.kernel_size
        padded = _pad(x, self.padding, value=-np.inf)
        # Running maximum over the kernel offsets; `argmax` records the first offset reaching it.
        output = _window(padded, 0, 0, self.stride, output_size).copy()
        argmax = np.zeros(output.shape, dtype=np.min_scalar_type(kH * kW - 1))
        for offset in range(1, kH * kW):
            window = _window(padded, offset // kW, offset % kW, self.stride, output_size)
            np.copyto(argmax, offset, where=window > output)  # strictly greater: ties keep the first
            np.maximum(output, window, out=output)  # (np.maximum also propagates NaN)
        self._argmax, self._input_shape = argmax, x.shape
        return output

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        self._require_forward(self._argmax)
        argmax = self._argmax
        grad_output = _check_grad_shape(self, grad_output, argmax.shape)
        zero = grad_output.dtype.type(0)
        # dL/dx at offset o of a window = dL/dy where the window's maximum sits at o.
        return self._spread(lambda offset: np.where(argmax == offset, grad_output, zero),
                            argmax.shape[2:], grad_output.dtype)


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
        self._divisor = None

    def _divisor_for(self, x: np.ndarray, output_size) -> np.ndarray | float:
        kH, kW = self.kernel_size
        if self.count_include_pad or self.padding == (0, 0):
            return float(kH * kW)
        # Unpadded pixels per window: the same window sum over a map of ones, (H_out, W_out).
        ones = _pad(np.ones((1, 1) + x.shape[2:], dtype=x.dtype), self.padding)
        return sum(_window(ones, i, j, self.stride, output_size) for i in range(kH) for j in range(kW))[0, 0]

    def forward(self, x: np.ndarray) -> np.ndarray:
        x, output_size = self._prepare(x)
        kH, kW = self.kernel_size
        padded = _pad(x, self.padding)
        output = _window(padded, 0, 0, self.stride, output_size).copy()
        for offset in range(1, kH * kW):
            np.add(output, _window(padded, offset // kW, offset % kW, self.stride, output_size), out=output)
        self._divisor, self._input_shape = self._divisor_for(x, output_size), x.shape
        output /= np.asarray(self._divisor, dtype=x.dtype)
        return output

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        self._require_forward(self._divisor)
        N, C = self._input_shape[:2]
        output_size = _output_size(self._name(), self._input_shape, self.kernel_size, self.stride, self.padding)
        grad_output = _check_grad_shape(self, grad_output, (N, C) + output_size)
        # dL/dx = dL/dy / count at every pixel of the window.
        share = grad_output / np.asarray(self._divisor, dtype=grad_output.dtype)
        return self._spread(lambda offset: share, output_size, grad_output.dtype)

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
        if not all(s is None or (isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0)
                   for s in sizes):
            raise ValueError(f"AdaptiveAvgPool2d: output_size must be a positive int or a pair of them "
                             f"(None keeps the input size), got {output_size!r}")
        self.output_size = output_size
        self._sizes = sizes
        self._matrices = None
        self._input_shape = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = _as_float_input(x)
        _check_4d(f"AdaptiveAvgPool2d(output_size={self.output_size})", x)
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
            grad_output = _check_grad_shape(self, grad_output, (N, C, 1, 1))
            # dL/dx = dL/dy / (H * W) at every pixel.
            grad_input = np.empty(self._input_shape, dtype=grad_output.dtype)
            grad_input[...] = grad_output / (H * W)
            return grad_input
        rows, columns = self._matrices
        grad_output = _check_grad_shape(self, grad_output, (N, C, rows.shape[0], columns.shape[0]))
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
        x = _as_float_input(x)
        _check_4d("GlobalAvgPool2d()", x)
        self._input_shape = x.shape
        return x.mean(axis=(2, 3))

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        self._require_forward(self._input_shape)
        N, C, H, W = self._input_shape
        grad_output = _check_grad_shape(self, grad_output, (N, C))
        grad_input = np.empty(self._input_shape, dtype=grad_output.dtype)
        grad_input[...] = (grad_output / (H * W))[:, :, None, None]
        return grad_input


def _check_grad_shape(module: Module, grad_output, expected: tuple) -> np.ndarray:
    grad_output = _as_float_input(grad_output)
    if grad_output.shape != tuple(expected):
        raise ValueError(f"{type(module).__name__}.backward: grad_output has shape {grad_output.shape}, "
                         f"expected the output's shape {tuple(expected)}")
    return grad_output

"""2-D convolution (``Conv2d``) by im2col and one matrix multiply, plus the window helpers the
pooling layers share.

Layouts (NCHW throughout): the im2col buffer ("columns") is ``(C * kH * kW, N * H_out * W_out)``
with row ``c * kH * kW + i * kW + j`` and column ``n * H_out * W_out + h * W_out + w``, so the
forward pass is one 2-D GEMM ``W.reshape(F, C * kH * kW) @ columns -> (F, N * H_out * W_out)``.
Channel-major rows make building the buffer a copy whose innermost loop runs along image rows.
"""
from __future__ import annotations

import math
import threading

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .. import init
from ..module import Module
from ..parameter import DEFAULT_DTYPE, Parameter

# ---------------------------------------------------------------------------------- helpers


def _pair(module_name: str, name: str, value, minimum: int = 1) -> tuple[int, int]:
    """``3 -> (3, 3)``; ``(3, 2)`` stays; anything else (or a value below ``minimum``) is a ValueError."""
    pair = (value, value) if isinstance(value, (int, np.integer)) and not isinstance(value, bool) else value
    if (not isinstance(pair, (tuple, list)) or len(pair) != 2
            or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= minimum for v in pair)):
        kind = "positive" if minimum >= 1 else "non-negative"
        raise ValueError(f"{module_name}: {name} must be a {kind} int or a pair of them, got {value!r}")
    return int(pair[0]), int(pair[1])


def _as_float_input(x) -> np.ndarray:
    x = np.asarray(x)
    return x if np.issubdtype(x.dtype, np.floating) else x.astype(DEFAULT_DTYPE)


def _output_size(layer: str, shape: tuple, kernel_size, stride, padding) -> tuple[int, int]:
    """Output height and width (PyTorch's floor rule); ValueError when the kernel does not fit."""
    (kH, kW), (sH, sW), (pH, pW) = kernel_size, stride, padding
    padded_h, padded_w = shape[2] + 2 * pH, shape[3] + 2 * pW
    if padded_h < kH or padded_w < kW:
        raise ValueError(
            f"{layer}: kernel {kH}x{kW} is larger than the padded input {padded_h}x{padded_w} "
            f"(input shape {shape}, padding {(pH, pW)}); use a smaller kernel, more padding or a larger input"
        )
    return (padded_h - kH) // sH + 1, (padded_w - kW) // sW + 1


def _check_4d(layer: str, x: np.ndarray) -> None:
    if x.ndim != 4:
        hint = " (add a batch axis with x[None])" if x.ndim == 3 else ""
        raise ValueError(f"{layer}: expected a 4-D input (N, C, H, W), got shape {x.shape}{hint}")


def _pad(x: np.ndarray, padding: tuple[int, int], value: float = 0.0) -> np.ndarray:
    """``x`` with ``padding`` rows/columns of ``value`` on each side of axes 2 and 3 (``x`` itself if none)."""
    pH, pW = padding
    if not (pH or pW):
        return x
    N, C, H, W = x.shape
    padded = np.full((N, C, H + 2 * pH, W + 2 * pW), value, dtype=x.dtype)
    padded[:, :, pH:pH + H, pW:pW + W] = x
    return padded


def _window(padded: np.ndarray, i: int, j: int, stride, output_size) -> np.ndarray:
    """The view of ``padded`` that kernel offset ``(i, j)`` sees at every output position:
    ``view[..., h, w] = padded[..., i + h * sH, j + w * sW]``, shape ``(..., H_out, W_out)``."""
    (sH, sW), (Ho, Wo) = stride, output_size
    return padded[..., i:i + sH * (Ho - 1) + 1:sH, j:j + sW * (Wo - 1) + 1:sW]


_scratch = threading.local()


def _scratch_buffer(slot: str, shape: tuple, dtype) -> np.ndarray:
    """A reusable array for a temporary that never outlives one forward/backward call.

    One grow-only buffer per slot and thread, shared by every ``Conv2d``: reusing it skips the
    page faults of a fresh multi-megabyte allocation each step (``np.empty(shape, dtype)`` is
    the plain equivalent). Never return it or store it on a module.
    """
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    buffer = getattr(_scratch, slot, None)
    if buffer is None or buffer.nbytes < nbytes:
        buffer = np.empty(nbytes, dtype=np.uint8)
        setattr(_scratch, slot, buffer)
    return buffer[:nbytes].view(dtype).reshape(shape)


def im2col(x: np.ndarray, kernel_size, stride, padding, out: np.ndarray | None = None) -> np.ndarray:
    """Unfold every receptive field of ``x`` into a column.

    Inputs:
        x: ``(N, C, H, W)``.  kernel_size, stride, padding: ``(h, w)`` pairs (zero padding).
        out: optional contiguous ``(C * kH * kW, N * H_out * W_out)`` array to fill.
    Returns:
        columns ``(C * kH * kW, N * H_out * W_out)``: ``columns[c*kH*kW + i*kW + j, n*H_out*W_out + h*W_out + w]
        = x_padded[n, c, i + h*sH, j + w*sW]``.
    """
    N, C, H, W = x.shape
    (kH, kW), (sH, sW) = kernel_size, stride
    Ho, Wo = _output_size("im2col", x.shape, kernel_size, stride, padding)
    padded = _pad(x, padding)
    # A strided view, no copy: windows[n, c, h, w, i, j] = padded[n, c, h*sH + i, w*sW + j].
    windows = sliding_window_view(padded, (kH, kW), axis=(2, 3))[:, :, ::sH, ::sW]
    if out is None:
        out = np.empty((C * kH * kW, N * Ho * Wo), dtype=x.dtype)
    # The one copy: gather the windows into the contiguous GEMM operand.
    np.copyto(out.reshape(C, kH, kW, N, Ho, Wo), windows.transpose(1, 4, 5, 0, 2, 3))
    return out


def col2im(columns: np.ndarray, input_shape: tuple, kernel_size, stride, padding) -> np.ndarray:
    """The adjoint of ``im2col``: add every column entry back onto the input pixel it was read from.

    Inputs:
        columns: ``(C * kH * kW, N * H_out * W_out)`` in ``im2col``'s layout.
        input_shape: ``(N, C, H, W)`` of the unpadded input.
    Returns:
        a new contiguous ``(N, C, H, W)`` array (padding cropped off).
    """
    N, C, H, W = input_shape
    (kH, kW), (pH, pW) = kernel_size, padding
    Ho, Wo = _output_size("col2im", input_shape, kernel_size, stride, padding)
    blocks = columns.reshape(C, kH, kW, N, Ho, Wo)
    # Channel-major accumulator, like the columns' rows, so each add reads one contiguous block.
    padded = np.zeros((C, N, H + 2 * pH, W + 2 * pW), dtype=columns.dtype)
    for i in range(kH):  # loop over kernel offsets only; each add covers every image and channel
        for j in range(kW):
            window = _window(padded, i, j, stride, (Ho, Wo))
            np.add(window, blocks[:, i, j], out=window)  # window += block, in place
    return np.ascontiguousarray(padded[:, :, pH:pH + H, pW:pW + W].transpose(1, 0, 2, 3))


# ---------------------------------------------------------------------------------- Conv2d


class Conv2d(Module):
    """2-D cross-correlation over NCHW images, as ``torch.nn.Conv2d`` (no dilation or groups).

    ``y[n, f, h, w] = b[f] + sum_{c, i, j} W[f, c, i, j] * x_pad[n, c, h*sH + i, w*sW + j]``,
    computed as one GEMM on the im2col buffer: ``Y = W.reshape(F, C*kH*kW) @ columns``.

    Args:
        in_channels: C.  out_channels: F.
        kernel_size: ``k`` or ``(kH, kW)``.  stride: ``s`` or ``(sH, sW)`` (default 1).
        padding: ``p`` or ``(pH, pW)`` zeros added on both sides (default 0); ``"valid"`` (= 0) or
            ``"same"`` (stride 1 and odd kernel sizes only).
        bias: learn a per-channel bias (default True).  dtype: parameter dtype (float32).

    Shape:
        Input ``(N, C, H, W)``; output ``(N, F, H_out, W_out)`` with
        ``H_out = (H + 2*pH - kH) // sH + 1`` and ``W_out = (W + 2*pW - kW) // sW + 1``.

    Attributes:
        weight: ``(F, C, kH, kW)``, U(-k, k) with k = 1/sqrt(C*kH*kW) (``kaiming_uniform_(a=sqrt(5))``,
            as PyTorch).  bias: ``(F,)``, U(-k, k).

    Backward, with G = dL/dY reshaped to ``(F, N*H_out*W_out)``:
    dL/dW = G @ columns.T;  dL/db = G summed over its columns;  dL/dx = col2im(W2d.T @ G), or for
    stride 1 when F*H*W <= C*H_out*W_out (e.g. F <= C with 'same' padding) the equal but cheaper full
    convolution of dL/dY with the flipped kernel (one im2col + GEMM instead of kH*kW accumulation passes).

    Memory: the layer keeps its im2col buffer, ``C*kH*kW * N*H_out*W_out`` elements, from forward
    to backward and reuses it across calls (``.to()``/``.double()`` drop it). Backward needs one
    more buffer of at most that size (dL/dcolumns, or the im2col of dL/dY on the stride-1 path)
    plus one of the output's size, both scratch memory shared by every Conv2d of a thread. Peak
    memory of a forward + backward is therefore at most about 2x the im2col buffer plus a few
    input/output-sized arrays (padded input, output, its gradient, the input gradient).
    Measured with ``tracemalloc`` on a fresh layer, float32, batch 64 of 32x32 images:
    ``Conv2d(32, 16, 3, padding=1)``: im2col 75.5 MB, peak 134 MB (1.8x);
    ``Conv2d(3, 32, 5, padding=2)``: im2col 19.7 MB, peak 49.5 MB (2.5x);
    ``Conv2d(64, 64, 3, padding=1)`` on 16x16: im2col 37.7 MB, peak 85 MB (2.3x).
    In steady-state training the buffers are reused, so a step allocates only arrays of the
    input's and output's size.

    Examples:
        >>> conv = Conv2d(3, 16, kernel_size=3, padding=1)
        >>> conv(np.zeros((8, 3, 32, 32), np.float32)).shape
        (8, 16, 32, 32)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 bias: bool = True, dtype=DEFAULT_DTYPE) -> None:
        super().__init__()
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Conv2d: {name} must be a positive integer, got {value!r}")
        self.in_channels = int(in_channels)
        self.out_channels = int(out_channels)
        self.kernel_size = _pair("Conv2d", "kernel_size", kernel_size)
        self.stride = _pair("Conv2d", "stride", stride)
        self.padding = self._resolve_padding(padding)
        self.weight = Parameter(np.empty((out_channels, in_channels) + self.kernel_size, dtype=dtype))
        self.bias = Parameter(np.empty(out_channels, dtype=dtype)) if bias else None
        self.reset_parameters()
        self._columns = None       # im2col of the last input, what backward needs
        self._input_shape = None
        self._column_storage = None  # grow-only flat buffer behind _columns, reused between calls

    def _resolve_padding(self, padding) -> tuple[int, int]:
        if padding == "valid":
            return (0, 0)
        if padding == "same":
            if self.stride != (1, 1) or self.kernel_size[0] % 2 == 0 or self.kernel_size[1] % 2 == 0:
                raise ValueError(
                    f"Conv2d: padding='same' needs stride 1 and odd kernel sizes, got stride={self.stride}, "
                    f"kernel_size={self.kernel_size}; give the padding as integers instead"
                )
            return (self.kernel_size[0] // 2, self.kernel_size[1] // 2)
        return _pair("Conv2d", "padding", padding, minimum=0)

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
            bound = 1 / math.sqrt(fan_in)
            init.uniform_(self.bias, -bound, bound)

    def _name(self) -> str:
        return (f"Conv2d(in_channels={self.in_channels}, out_channels={self.out_channels}, "
                f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding})")

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=self.weight.dtype)
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            if x.ndim != 4:
                _check_4d(self._name(), x)
            raise ValueError(
                f"{self._name()}: input has {x.shape[1]} channels (shape {x.shape}); "
                f"expected shape (N, {self.in_channels}, H, W)"
            )
        N = x.shape[0]
        F = self.out_channels
        Ho, Wo = _output_size(self._name(), x.shape, self.kernel_size, self.stride, self.padding)
        columns = self._column_buffer((self.in_channels * self.kernel_size[0] * self.kernel_size[1], N * Ho * Wo))
        self._columns = im2col(x, self.kernel_size, self.stride, self.padding, out=columns)
        self._input_shape = x.shape
        # (F, K) @ (K, N*Ho*Wo): the one GEMM, into scratch memory; the copy below reorders it to NCHW.
        product = np.matmul(self.weight.data.reshape(F, -1), columns,
                            out=_scratch_buffer("product", (F, N * Ho * Wo), x.dtype))
        output = np.empty((N, F, Ho, Wo), dtype=x.dtype)
        product = product.reshape(F, N, Ho, Wo).transpose(1, 0, 2, 3)
        if self.bias is not None:
            np.add(product, self.bias.data.reshape(F, 1, 1), out=output)  # reorder and add bias in one pass
        else:
            np.copyto(output, product)
        return output

    def _column_buffer(self, shape: tuple) -> np.ndarray:
        """A ``shape`` view of this layer's reusable im2col storage (grown when a batch is larger)."""
        size = shape[0] * shape[1]
        if self._column_storage is None or self._column_storage.size < size \
                or self._column_storage.dtype != self.weight.dtype:
            self._columns = None  # release the old buffer before allocating the new one
            self._column_storage = np.empty(size, dtype=self.weight.dtype)
        return self._column_storage[:size].reshape(shape)

    def _reset_dtype_caches(self) -> None:
        self._columns = self._column_storage = None

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        self._require_forward(self._columns)
        N, C, H, W = self._input_shape
        F = self.out_channels
        Ho, Wo = _output_size(self._name(), self._input_shape, self.kernel_size, self.stride, self.padding)
        grad_output = np.asarray(grad_output)
        if grad_output.shape != (N, F, Ho, Wo):
            raise ValueError(
                f"{self._name()}.backward: grad_output has shape {grad_output.shape}, expected the "
                f"output's shape {(N, F, Ho, Wo)}"
            )
        dtype = self._columns.dtype
        grad_output = np.asarray(grad_output, dtype=dtype)
        # G = dL/dY as (F, N*Ho*Wo), the GEMM's layout.
        grad_2d = _scratch_buffer("product", (F, N * Ho * Wo), dtype)
        np.copyto(grad_2d.reshape(F, N, Ho, Wo), grad_output.transpose(1, 0, 2, 3))
        # dL/dW = G @ columns.T, computed as (columns @ G.T).T: the same GEMM, but BLAS runs the
        # long shared axis N*Ho*Wo up to twice as fast in this orientation.  dL/db = sum of G.
        self.weight.accumulate_grad((self._columns @ grad_2d.T).T.reshape(self.weight.shape))
        if self.bias is not None:
            self.bias.accumulate_grad(grad_2d.sum(axis=1))
        (kH, kW), (pH, pW) = self.kernel_size, self.padding
        # Stride 1: take the full-convolution path when its im2col is no larger than the forward's.
        if self.stride == (1, 1) and pH < kH and pW < kW and F * H * W <= C * Ho * Wo:
            return self._input_grad_full_convolution(grad_output)
        # dL/dcolumns = W2d.T @ G, then scattered back onto the input pixels.
        grad_columns = np.matmul(self.weight.data.reshape(F, -1).T, grad_2d,
                                 out=_scratch_buffer("columns", self._columns.shape, dtype))
        return col2im(grad_columns, self._input_shape, self.kernel_size, self.stride, self.padding)

    def _input_grad_full_convolution(self, grad_output: np.ndarray) -> np.ndarray:
        """dL/dx for stride 1 as a convolution: dL/dx = conv(dL/dY padded by k - 1 - p, W flipped in
        H and W with in/out channels swapped). Same result as col2im(W2d.T @ G), but one im2col of
        F*kH*kW rows and a GEMM instead of kH*kW accumulation passes: faster whenever that im2col
        is no larger than the forward's."""
        N, C, H, W = self._input_shape
        F = self.out_channels
        (kH, kW), (pH, pW) = self.kernel_size, self.padding
        dtype = grad_output.dtype
        # flipped[c, f*kH*kW + i*kW + j] = W[f, c, kH-1-i, kW-1-j]  (a small copy)
        flipped = self.weight.data[:, :, ::-1, ::-1].transpose(1, 0, 2, 3).reshape(C, F * kH * kW)
        columns = im2col(grad_output, self.kernel_size, (1, 1), (kH - 1 - pH, kW - 1 - pW),
                         out=_scratch_buffer("columns", (F * kH * kW, N * H * W), dtype))
        product = np.matmul(flipped, columns, out=_scratch_buffer("product", (C, N * H * W), dtype))
        grad_input = np.empty((N, C, H, W), dtype=dtype)  # a fresh array: never return scratch memory
        np.copyto(grad_input, product.reshape(C, N, H, W).transpose(1, 0, 2, 3))
        return grad_input

    def extra_repr(self) -> str:
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.bias is None:
            text += ", bias=False"
        return text

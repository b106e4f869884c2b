"""im2col / col2im and the window views behind convolution and pooling (NCHW).

Layouts: the im2col buffer ("columns") is ``(C * kH * kW, N * H_out * W_out)`` with row
``c * kH * kW + i * kW + j`` and column ``n * H_out * W_out + h * W_out + w``, so a convolution's
forward pass is one 2-D GEMM ``W.reshape(F, C * kH * kW) @ columns -> (F, N * H_out * W_out)``.
Channel-major rows make building the buffer a copy whose innermost loop runs along image rows.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def output_size(layer: str, shape: tuple, kernel_size, stride, padding) -> tuple[int, int]:
    """Output height and width (PyTorch's floor rule); ValueError when the kernel does not fit."""
    (kH, kW), (sH, sW), (pH, pW) = kernel_size, stride, padding
    padded_h, padded_w = shape[2] + 2 * pH, shape[3] + 2 * pW
    if padded_h < kH or padded_w < kW:
        raise ValueError(
            f"{layer}: kernel {kH}x{kW} is larger than the padded input {padded_h}x{padded_w} "
            f"(input shape {shape}, padding {(pH, pW)}); use a smaller kernel, more padding or a larger input"
        )
    return (padded_h - kH) // sH + 1, (padded_w - kW) // sW + 1


def pad(x: np.ndarray, padding: tuple[int, int], value: float = 0.0) -> np.ndarray:
    """``x`` with ``padding`` rows/columns of ``value`` on each side of axes 2 and 3 (``x`` itself if none)."""
    pH, pW = padding
    if not (pH or pW):
        return x
    N, C, H, W = x.shape
    padded = np.full((N, C, H + 2 * pH, W + 2 * pW), value, dtype=x.dtype)
    padded[:, :, pH:pH + H, pW:pW + W] = x
    return padded


def window(padded: np.ndarray, i: int, j: int, stride, out_size) -> np.ndarray:
    """The view of ``padded`` that kernel offset ``(i, j)`` sees at every output position:
    ``view[..., h, w] = padded[..., i + h * sH, j + w * sW]``, shape ``(..., H_out, W_out)``."""
    (sH, sW), (Ho, Wo) = stride, out_size
    return padded[..., i:i + sH * (Ho - 1) + 1:sH, j:j + sW * (Wo - 1) + 1:sW]


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
    Ho, Wo = output_size("im2col", x.shape, kernel_size, stride, padding)
    padded = pad(x, padding)
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
    Ho, Wo = output_size("col2im", input_shape, kernel_size, stride, padding)
    blocks = columns.reshape(C, kH, kW, N, Ho, Wo)
    # Channel-major accumulator, like the columns' rows, so each add reads one contiguous block.
    padded = np.zeros((C, N, H + 2 * pH, W + 2 * pW), dtype=columns.dtype)
    for i in range(kH):  # loop over kernel offsets only; each add covers every image and channel
        for j in range(kW):
            view = window(padded, i, j, stride, (Ho, Wo))
            np.add(view, blocks[:, i, j], out=view)  # view += block, in place
    return np.ascontiguousarray(padded[:, :, pH:pH + H, pW:pW + W].transpose(1, 0, 2, 3))

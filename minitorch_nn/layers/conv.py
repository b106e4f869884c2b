"""``Conv2d``: 2-D convolution over NCHW images, a layer over ``functional.conv2d_forward`` /
``conv2d_backward``."""
from __future__ import annotations

import math

import numpy as np

from .. import init
from ..checks import check_images, int_pair, positive_int
from ..functional.conv import conv2d_backward, conv2d_forward
from ..kernels.im2col import output_size
from ..module import Module
from ..parameter import DEFAULT_DTYPE, Parameter


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
    dL/dW = G @ columns.T;  dL/db = G summed over its columns;  dL/dx = col2im(W2d.T @ G).

    Examples:
        >>> conv = Conv2d(3, 16, kernel_size=3, padding=1)
        >>> conv(np.zeros((8, 3, 32, 32), np.float32)).shape
        (8, 16, 32, 32)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 bias: bool = True, dtype=DEFAULT_DTYPE) -> None:
        super().__init__()
        self.in_channels = positive_int("Conv2d", "in_channels", in_channels)
        self.out_channels = positive_int("Conv2d", "out_channels", out_channels)
        self.kernel_size = int_pair("Conv2d", "kernel_size", kernel_size)
        self.stride = int_pair("Conv2d", "stride", stride)
        self.padding = self._resolve_padding(padding)
        self.weight = Parameter(np.empty((out_channels, in_channels) + self.kernel_size, dtype=dtype))
        self.bias = Parameter(np.empty(out_channels, dtype=dtype)) if bias else None
        self.reset_parameters()
        self._cache = None

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
        return int_pair("Conv2d", "padding", padding, minimum=0)

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
        check_images(self._name(), x, channels=self.in_channels)
        output_size(self._name(), x.shape, self.kernel_size, self.stride, self.padding)  # fits, or says why
        bias = None if self.bias is None else self.bias.data
        out, self._cache = conv2d_forward(x, self.weight.data, bias, self.stride, self.padding)
        return out

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        return self._backward(grad_output, need_input_grad=True)

    def backward_without_input_grad(self, grad_output: np.ndarray) -> None:
        self._backward(grad_output, need_input_grad=False)

    def _backward(self, grad_output: np.ndarray, need_input_grad: bool) -> np.ndarray | None:
        self._require_forward(self._cache)
        grad_x, grad_weight, grad_bias = conv2d_backward(grad_output, self._cache, need_input_grad)
        self.weight.accumulate_grad(grad_weight)
        if self.bias is not None:
            self.bias.accumulate_grad(grad_bias)
        return grad_x

    def _reset_dtype_caches(self) -> None:
        self._cache = None

    def extra_repr(self) -> str:
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.bias is None:
            text += ", bias=False"
        return text

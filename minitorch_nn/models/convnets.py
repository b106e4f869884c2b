"""Convolutional networks for small images (CIFAR-10, MNIST): ``ThreeLayerConvNet`` and ``ConvNet``.

Both are ``Sequential`` subclasses, so ``backward`` chains their layers' ``backward`` in reverse.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Sequence

from .. import init
from ..layers import (BatchNorm2d, Conv2d, Dropout, Flatten, GlobalAvgPool2d, Linear, MaxPool2d, ReLU,
                      Sequential)
from ..checks import int_pair
from ..parameter import DEFAULT_DTYPE


def _kaiming_conv(conv: Conv2d | Linear) -> Conv2d | Linear:
    """He initialisation for a layer followed by ReLU: N(0, 2 / fan_in) weights, zero bias."""
    init.kaiming_normal_(conv.weight, nonlinearity="relu")
    if conv.bias is not None:
        init.zeros_(conv.bias)
    return conv


class ThreeLayerConvNet(Sequential):
    """``conv(5x5, pad 2) - ReLU - conv(3x3, pad 1) - ReLU - Flatten - Linear``.

    Args:
        in_channels: C of the input images (3 for CIFAR-10, 1 for MNIST).
        channels: output channels of the two convolutions (default ``(32, 16)``).
        num_classes: number of scores.
        image_size: ``s`` or ``(H, W)`` of the input (the convolutions keep it), for the Linear size.
        dtype: parameter dtype.

    Init: as the course's PyTorch three-layer convnet, every weight — both convolutions and the
    final Linear — ``kaiming_normal_`` (N(0, 2 / fan_in)), every bias zero.

    Shape: input ``(N, in_channels, H, W)``; output ``(N, num_classes)`` raw scores.
    Children: ``conv1, relu1, conv2, relu2, flatten, fc``.
    """

    def __init__(self, in_channels: int = 3, channels: Sequence[int] = (32, 16), num_classes: int = 10,
                 image_size=32, dtype=DEFAULT_DTYPE) -> None:
        if len(channels) != 2:
            raise ValueError(f"ThreeLayerConvNet: channels must give 2 sizes (one per conv), got {channels!r}")
        height, width = int_pair("ThreeLayerConvNet", "image_size", image_size)
        first, second = channels
        super().__init__(OrderedDict([
            ("conv1", _kaiming_conv(Conv2d(in_channels, first, 5, padding=2, dtype=dtype))),
            ("relu1", ReLU()),
            ("conv2", _kaiming_conv(Conv2d(first, second, 3, padding=1, dtype=dtype))),
            ("relu2", ReLU()),
            ("flatten", Flatten()),
            ("fc", _kaiming_conv(Linear(second * height * width, num_classes, dtype=dtype))),
        ]))


class ConvNet(Sequential):
    """A configurable VGG-style CNN: blocks of ``[Conv3x3 - BatchNorm2d - ReLU] x convs_per_block -
    MaxPool2d(2)``, one block per entry of ``channels``, then a classifier head.

    Args:
        in_channels: C of the input images.
        channels: output channels of each block, e.g. ``(32, 64, 128)``.
        num_classes: number of scores.
        batchnorm: insert ``BatchNorm2d`` after each conv (the convs then have no bias).
        dropout: probability of a ``Dropout`` before the final ``Linear`` (0 disables it).
        convs_per_block: convolutions per block (default 2).
        head: ``"global"``: ``GlobalAvgPool2d - Linear(channels[-1], num_classes)``; ``"flatten"``:
            ``Flatten - Linear(channels[-1] * H' * W', num_classes)`` with ``H' = H // 2**len(channels)``
            (needs ``image_size``).
        image_size: ``s`` or ``(H, W)`` of the input; only the flatten head needs it.
        dtype: parameter dtype.

    Init: conv weights ``kaiming_normal_(nonlinearity='relu')``, zero conv biases; BatchNorm and
    Linear keep their defaults.

    Shape: input ``(N, in_channels, H, W)``; output ``(N, num_classes)`` raw scores.
    Children: ``block1 … blockB`` (each a ``Sequential``), then ``pool`` or ``flatten``,
    ``[dropout]``, ``fc``.
    """

    def __init__(self, in_channels: int = 3, channels: Sequence[int] = (32, 64, 128), num_classes: int = 10,
                 batchnorm: bool = True, dropout: float = 0.0, convs_per_block: int = 2, head: str = "global",
                 image_size=None, dtype=DEFAULT_DTYPE) -> None:
        channels = [channels] if isinstance(channels, int) else list(channels)
        if not channels:
            raise ValueError("ConvNet: channels must list at least one block width, e.g. (32, 64, 128)")
        if convs_per_block < 1:
            raise ValueError(f"ConvNet: convs_per_block must be at least 1, got {convs_per_block}")
        if head not in ("global", "flatten"):
            raise ValueError(f"ConvNet: head must be 'global' or 'flatten', got {head!r}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"ConvNet: dropout must be in [0, 1), got {dropout}")
        layers = OrderedDict()
        width = in_channels
        for index, out_channels in enumerate(channels, start=1):
            block = []
            for _ in range(convs_per_block):
                block.append(_kaiming_conv(Conv2d(width, out_channels, 3, padding=1, bias=not batchnorm,
                                                  dtype=dtype)))
                if batchnorm:
                    block.append(BatchNorm2d(out_channels, dtype=dtype))
                block.append(ReLU())
                width = out_channels
            block.append(MaxPool2d(2))
            layers[f"block{index}"] = Sequential(*block)
        if head == "global":
            layers["pool"] = GlobalAvgPool2d()
            features = width
        else:
            if image_size is None:
                raise ValueError("ConvNet: head='flatten' needs image_size (e.g. image_size=32) to size the Linear")
            height, width_px = int_pair("ConvNet", "image_size", image_size)
            shrink = 2 ** len(channels)
            if height < shrink or width_px < shrink:
                raise ValueError(f"ConvNet: {len(channels)} blocks halve a {height}x{width_px} image to nothing; "
                                 "use fewer blocks or larger images")
            layers["flatten"] = Flatten()
            features = width * (height // shrink) * (width_px // shrink)
        if dropout > 0:
            layers["dropout"] = Dropout(dropout)
        layers["fc"] = Linear(features, num_classes, dtype=dtype)
        super().__init__(layers)

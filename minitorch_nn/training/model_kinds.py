"""The model kinds ``train.py`` can build, by name: ``[model] kind = "mlp"``.

A kind bundles a builder, the ``[model]`` config keys it reads (with defaults, so the config
schema and the written ``config.toml`` follow the kind) and the input layout it wants. A new
architecture plugs in with one registration, as the conv nets below do::

    register_model_kind(ModelKind(
        name="my_net",
        build=lambda cfg, input_shape, num_classes: MyNet(input_shape[0], cfg["width"], num_classes),
        options={"width": Option(64, "channels of the first block", "int", check=positive)},
        flatten_input=False,   # batches come as (N, C, H, W)
    ))

Registered here: ``mlp`` (``mt.MLP``), ``convnet`` (``mt.models.ConvNet``) and
``three_layer_convnet`` (``mt.models.ThreeLayerConvNet``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from ..config import Option, non_negative, positive, probability
from ..module import Module


@dataclass(frozen=True)
class ModelKind:
    """How to build one architecture from its ``[model]`` config table.

    Args:
        name: the value of ``model.kind``.
        build: ``build(model_config, input_shape, num_classes) -> Module``; ``input_shape`` is
            one sample's image shape ``(C, H, W)``, ``model_config`` the resolved ``[model]`` table.
        options: the ``[model]`` keys besides ``kind`` that this kind reads.
        flatten_input: the model takes ``(N, C*H*W)`` vectors (True) or ``(N, C, H, W)`` images.
    """

    name: str
    build: Callable[[dict, tuple, int], Module]
    options: dict[str, Option]
    flatten_input: bool = True


MODEL_KINDS: dict[str, ModelKind] = {}


def register_model_kind(kind: ModelKind) -> ModelKind:
    """Make ``kind`` available as ``[model] kind = "<kind.name>"`` (replacing one of that name)."""
    MODEL_KINDS[kind.name] = kind
    return kind


def build_model(model_config: dict, input_shape: tuple, num_classes: int) -> Module:
    """Build the model that the resolved ``[model]`` table describes, for images of
    ``input_shape`` ``(C, H, W)`` and ``num_classes`` outputs."""
    return MODEL_KINDS[model_config["kind"]].build(model_config, tuple(input_shape), num_classes)


def _build_mlp(cfg: dict, input_shape: tuple, num_classes: int) -> Module:
    from ..layers import MLP

    return MLP(math.prod(input_shape), cfg["hidden"], num_classes, activation=cfg["activation"],
               batchnorm=cfg["batchnorm"], dropout=cfg["dropout"], weight_scale=cfg["weight_scale"] or None)


register_model_kind(ModelKind(
    name="mlp",
    build=_build_mlp,
    options={
        "hidden": Option([512, 64], "hidden layer sizes", "ints", check=positive),
        "activation": Option("relu", "hidden activation", "str",
                             ("relu", "leaky_relu", "sigmoid", "tanh", "identity")),
        "batchnorm": Option(False, "BatchNorm1d after each hidden Linear", "bool"),
        "dropout": Option(0.0, "dropout probability after each hidden activation", "float", check=probability),
        "weight_scale": Option(0.0, "init weights N(0, scale^2), biases 0 (0: PyTorch's default init)", "float",
                               check=non_negative),
    },
))


def _build_convnet(cfg: dict, input_shape: tuple, num_classes: int) -> Module:
    from ..models import ConvNet

    return ConvNet(input_shape[0], cfg["channels"], num_classes, batchnorm=cfg["batchnorm"], dropout=cfg["dropout"],
                   convs_per_block=cfg["convs_per_block"], head=cfg["head"], image_size=input_shape[1:])


def _build_three_layer_convnet(cfg: dict, input_shape: tuple, num_classes: int) -> Module:
    from ..models import ThreeLayerConvNet

    return ThreeLayerConvNet(input_shape[0], cfg["channels"], num_classes, image_size=input_shape[1:])


def _two_sizes(value) -> str | None:
    return None if len(value) == 2 and min(value) > 0 else "must be two positive channel counts, e.g. [32, 16]"


register_model_kind(ModelKind(
    name="convnet",
    build=_build_convnet,
    options={
        "channels": Option([32, 64, 128], "output channels of each conv block (each block halves H and W)",
                           "ints", check=positive),
        "batchnorm": Option(True, "BatchNorm2d after each convolution", "bool"),
        "dropout": Option(0.0, "dropout probability before the final Linear", "float", check=probability),
        "convs_per_block": Option(2, "3x3 convolutions per block", "int", check=positive),
        "head": Option("global", "global average pooling or flatten before the Linear", "str",
                       ("global", "flatten")),
    },
    flatten_input=False,
))

register_model_kind(ModelKind(
    name="three_layer_convnet",
    build=_build_three_layer_convnet,
    options={"channels": Option([32, 16], "output channels of the 5x5 and the 3x3 convolution", "ints",
                                check=_two_sizes)},
    flatten_input=False,
))

"""The model kinds ``train.py`` can build, by name: ``[model] kind = "mlp"``.

Each kind is one ``ModelKind`` entry: ``build(model_table, input_shape, num_classes) -> Module``
with ``input_shape`` one sample's image shape ``(C, H, W)``; the ``[model]`` keys it reads (so
the config schema and the written ``config.toml`` follow the kind); the input layout it wants;
and ``describe(model_table, model) -> str``. A new architecture is one more entry::

    MODEL_KINDS.add(ModelKind(
        name="my_net", summary="my network",
        build=lambda cfg, input_shape, num_classes: MyNet(input_shape[0], cfg["width"], num_classes),
        options={"width": Option(64, "channels of the first block", "int", check=positive)},
        flatten_input=False,   # batches come as (N, C, H, W)
    ))
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..layers import Linear
from ..models import MLP, ConvNet, ThreeLayerConvNet
from ..module import Module
from .options import Option, non_negative, positive, probability, two_sizes
from .registry import Entry, Registry


@dataclass(frozen=True)
class ModelKind(Entry):
    """A model ``Entry``; ``flatten_input``: the model takes ``(N, C*H*W)`` vectors (True) or
    ``(N, C, H, W)`` images."""

    flatten_input: bool = True


MODEL_KINDS = Registry("model kind", "model", key="kind")


def register_model_kind(kind: ModelKind) -> ModelKind:
    """Make ``kind`` available as ``[model] kind = "<kind.name>"`` (replacing one of that name)."""
    return MODEL_KINDS.add(kind)


def build_model(model_config: dict, input_shape: tuple, num_classes: int) -> Module:
    """Build the model that the resolved ``[model]`` table describes, for images of
    ``input_shape`` ``(C, H, W)`` and ``num_classes`` outputs."""
    return MODEL_KINDS[model_config["kind"]].build(model_config, tuple(input_shape), num_classes)


def _describe_mlp(cfg: dict, model: Module) -> str:
    linears = [m for m in model.modules() if isinstance(m, Linear)]
    sizes = [linears[0].in_features] + [layer.out_features for layer in linears]
    extras = [word for word, on in (("BatchNorm", cfg["batchnorm"]), (f"dropout {cfg['dropout']:g}", cfg["dropout"] > 0))
              if on]
    return "MLP " + "-".join(map(str, sizes)) + (f" with {', '.join(extras)}" if extras else "")


MODEL_KINDS.add(ModelKind(
    name="mlp",
    summary="multilayer perceptron (mt.MLP) on flattened images",
    build=lambda cfg, input_shape, num_classes: MLP(
        math.prod(input_shape), cfg["hidden"], num_classes, activation=cfg["activation"], batchnorm=cfg["batchnorm"],
        dropout=cfg["dropout"], weight_scale=cfg["weight_scale"] or None),
    options={
        "hidden": Option([512, 64], "hidden layer sizes", "ints", check=positive),
        "activation": Option("relu", "hidden activation", "str", ("relu", "leaky_relu", "sigmoid", "tanh", "identity")),
        "batchnorm": Option(False, "BatchNorm1d after each hidden Linear", "bool"),
        "dropout": Option(0.0, "dropout probability after each hidden activation", "float", check=probability),
        "weight_scale": Option(0.0, "init weights N(0, scale^2), biases 0 (0: PyTorch's default init)", "float",
                               check=non_negative),
    },
    describe=_describe_mlp,
))

MODEL_KINDS.add(ModelKind(
    name="convnet",
    summary="VGG-style CNN (mt.models.ConvNet): blocks of 3x3 conv-BN-ReLU and max-pooling",
    build=lambda cfg, input_shape, num_classes: ConvNet(
        input_shape[0], cfg["channels"], num_classes, batchnorm=cfg["batchnorm"], dropout=cfg["dropout"],
        convs_per_block=cfg["convs_per_block"], head=cfg["head"], image_size=input_shape[1:]),
    options={
        "channels": Option([32, 64, 128], "output channels of each conv block (each block halves H and W)",
                           "ints", check=positive),
        "batchnorm": Option(True, "BatchNorm2d after each convolution", "bool"),
        "dropout": Option(0.0, "dropout probability before the final Linear", "float", check=probability),
        "convs_per_block": Option(2, "3x3 convolutions per block", "int", check=positive),
        "head": Option("global", "global average pooling or flatten before the Linear", "str", ("global", "flatten")),
    },
    describe=lambda cfg, model: (f"ConvNet {'-'.join(map(str, cfg['channels']))}, {cfg['convs_per_block']} convs "
                                 f"per block{', BatchNorm' if cfg['batchnorm'] else ''}"),
    flatten_input=False,
))

MODEL_KINDS.add(ModelKind(
    name="three_layer_convnet",
    summary="the course's conv - ReLU - conv - ReLU - Linear net (mt.models.ThreeLayerConvNet)",
    build=lambda cfg, input_shape, num_classes: ThreeLayerConvNet(
        input_shape[0], cfg["channels"], num_classes, image_size=input_shape[1:]),
    options={"channels": Option([32, 16], "output channels of the 5x5 and the 3x3 convolution", "ints",
                                check=two_sizes)},
    describe=lambda cfg, model: f"ThreeLayerConvNet {'-'.join(map(str, cfg['channels']))}",
    flatten_input=False,
))

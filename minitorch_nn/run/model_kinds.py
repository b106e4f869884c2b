"""The model kinds ``train.py`` can build, by name: ``[model] kind = "mlp"``.

Each kind is one ``ModelKind`` entry: ``build(model_table, input_shape, num_classes) -> Module``
with ``input_shape`` one sample's image shape ``(C, H, W)``; the ``[model]`` keys it reads (so
the config schema and the written ``config.toml`` follow the kind); the input layout it wants;
and ``describe(model_table, model) -> str``. The built-in kinds build through a ``spec`` (a
``ModelSpec``: a ``minitorch_nn.models`` class and its arguments), which checkpoints record so
``load_trained`` can rebuild the model; a kind without one trains as well, but its checkpoints
hold weights only. A new architecture is one more entry::

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
from typing import Callable

from ..layers import Linear
from ..models import ModelSpec
from ..module import Module
from .options import Option, non_negative, positive, probability, two_sizes
from .registry import Entry, Registry


@dataclass(frozen=True)
class ModelKind(Entry):
    """A model ``Entry``; ``flatten_input``: the model takes ``(N, C*H*W)`` vectors (True) or
    ``(N, C, H, W)`` images; ``spec(model_table, input_shape, num_classes) -> ModelSpec``, when
    given, describes the model so that a checkpoint can rebuild it."""

    flatten_input: bool = True
    spec: Callable[[dict, tuple, int], ModelSpec] | None = None


MODEL_KINDS = Registry("model kind", "model", key="kind")


def register_model_kind(kind: ModelKind) -> ModelKind:
    """Make ``kind`` available as ``[model] kind = "<kind.name>"`` (replacing one of that name)."""
    return MODEL_KINDS.add(kind)


def build_model(model_config: dict, input_shape: tuple, num_classes: int) -> Module:
    """Build the model that the resolved ``[model]`` table describes, for images of
    ``input_shape`` ``(C, H, W)`` and ``num_classes`` outputs."""
    return MODEL_KINDS[model_config["kind"]].build(model_config, tuple(input_shape), num_classes)


def model_spec(model_config: dict, input_shape: tuple, num_classes: int) -> ModelSpec | None:
    """The ``ModelSpec`` of that model, or None for a kind that has no spec."""
    kind = MODEL_KINDS[model_config["kind"]]
    return kind.spec(model_config, tuple(input_shape), num_classes) if kind.spec is not None else None


def _from_spec(spec: Callable[[dict, tuple, int], ModelSpec]):
    return lambda cfg, input_shape, num_classes: spec(cfg, input_shape, num_classes).build()


def _describe_mlp(cfg: dict, model: Module) -> str:
    linears = [m for m in model.modules() if isinstance(m, Linear)]
    sizes = [linears[0].in_features] + [layer.out_features for layer in linears]
    extras = [word for word, on in (("BatchNorm", cfg["batchnorm"]), (f"dropout {cfg['dropout']:g}", cfg["dropout"] > 0))
              if on]
    return "MLP " + "-".join(map(str, sizes)) + (f" with {', '.join(extras)}" if extras else "")


def _mlp_spec(cfg: dict, input_shape: tuple, num_classes: int) -> ModelSpec:
    return ModelSpec("MLP", {"in_features": math.prod(input_shape), "hidden_features": list(cfg["hidden"]),
                             "out_features": num_classes, "activation": cfg["activation"],
                             "batchnorm": cfg["batchnorm"], "dropout": cfg["dropout"],
                             "weight_scale": cfg["weight_scale"] or None})


def _convnet_spec(cfg: dict, input_shape: tuple, num_classes: int) -> ModelSpec:
    return ModelSpec("ConvNet", {"in_channels": input_shape[0], "channels": list(cfg["channels"]),
                                 "num_classes": num_classes, "batchnorm": cfg["batchnorm"], "dropout": cfg["dropout"],
                                 "convs_per_block": cfg["convs_per_block"], "head": cfg["head"],
                                 "image_size": list(input_shape[1:])})


def _three_layer_convnet_spec(cfg: dict, input_shape: tuple, num_classes: int) -> ModelSpec:
    return ModelSpec("ThreeLayerConvNet", {"in_channels": input_shape[0], "channels": list(cfg["channels"]),
                                           "num_classes": num_classes, "image_size": list(input_shape[1:])})


MODEL_KINDS.add(ModelKind(
    name="mlp",
    summary="multilayer perceptron (mt.MLP) on flattened images",
    build=_from_spec(_mlp_spec), spec=_mlp_spec,
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
    build=_from_spec(_convnet_spec), spec=_convnet_spec,
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
    build=_from_spec(_three_layer_convnet_spec), spec=_three_layer_convnet_spec,
    options={"channels": Option([32, 16], "output channels of the 5x5 and the 3x3 convolution", "ints",
                                check=two_sizes)},
    describe=lambda cfg, model: f"ThreeLayerConvNet {'-'.join(map(str, cfg['channels']))}",
    flatten_input=False,
))

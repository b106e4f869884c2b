"""Ready-made models built from ``minitorch_nn`` layers: ``MLP`` (also ``mt.MLP``), ``ThreeLayerConvNet``, ``ConvNet``;
``ModelSpec`` records which one, with which arguments, so a checkpoint can rebuild it."""
from .convnets import ConvNet, ThreeLayerConvNet
from .mlp import MLP
from .spec import ModelSpec

__all__ = ["MLP", "ThreeLayerConvNet", "ConvNet", "ModelSpec"]

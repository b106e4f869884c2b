"""Ready-made models built from ``minitorch_nn`` layers: ``MLP`` (also ``mt.MLP``), ``ThreeLayerConvNet``, ``ConvNet``."""
from .convnets import ConvNet, ThreeLayerConvNet
from .mlp import MLP

__all__ = ["MLP", "ThreeLayerConvNet", "ConvNet"]

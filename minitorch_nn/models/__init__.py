"""Ready-made models built from ``minitorch_nn`` layers (``mt.models.ThreeLayerConvNet`` …)."""
from .convnets import ConvNet, ThreeLayerConvNet

__all__ = ["ThreeLayerConvNet", "ConvNet"]

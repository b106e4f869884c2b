"""Layers by family; every name in ``__all__`` is also available as ``mt.<Name>``."""
from .activation import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .container import Sequential
from .conv import Conv2d
from .dropout import Dropout, Dropout2d
from .linear import Flatten, Identity, Linear
from .normalization import BatchNorm1d, BatchNorm2d
from .pooling import AdaptiveAvgPool2d, AvgPool2d, GlobalAvgPool2d, MaxPool2d

__all__ = [
    "Linear", "Identity", "Flatten",
    "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax",
    "BatchNorm1d", "BatchNorm2d", "Dropout", "Dropout2d",
    "Sequential",
    "Conv2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "GlobalAvgPool2d",
]

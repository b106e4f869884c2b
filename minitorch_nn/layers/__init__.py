"""Layers by family; every class here is also available as ``mt.<Name>``."""
from .activation import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .container import MLP, Sequential
from .dropout import Dropout, Dropout2d
from .linear import Flatten, Identity, Linear
from .normalization import BatchNorm1d, BatchNorm2d

"""The old name of ``minitorch_nn.optim.update_rules`` (the course's ``(w, dw, config)`` rules), kept
so that ``mt.optim.functional.adam`` keeps working."""
from .update_rules import adam, rmsprop, sgd, sgd_momentum, sgd_nesterov_momentum

__all__ = ["sgd", "sgd_momentum", "sgd_nesterov_momentum", "rmsprop", "adam"]

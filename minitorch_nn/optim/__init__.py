"""Optimisers (``SGD``, ``RMSprop``, ``Adagrad``, ``Adam``, ``AdamW``), learning-rate schedulers
(``lr_scheduler``) and the classic course update rules (``update_rules``; ``functional`` is its old name),
which ``UpdateRule`` turns into an optimiser.

The optimisers follow ``torch.optim``: same arguments, defaults, ``param_groups``,
``state_dict`` layout and the same floating-point update as PyTorch's single-tensor code::

    optimizer = mt.optim.Adam(model.parameters(), lr=1e-3)
    optimizer.zero_grad(); model.backward(criterion.backward()); optimizer.step()
"""
from . import functional, lr_scheduler, update_rules
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD
from .update_rule_adapter import UpdateRule

__all__ = ["Optimizer", "SGD", "RMSprop", "Adagrad", "Adam", "AdamW", "UpdateRule", "lr_scheduler", "update_rules",
           "functional"]

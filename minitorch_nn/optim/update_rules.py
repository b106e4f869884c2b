"""The classic course update rules: ``update(w, dw, config) -> (next_w, config)``.

Each rule takes the weights ``w``, their gradient ``dw`` (same shape) and a ``config``
dict holding the hyper-parameters and the rule's running state. It returns new weights
(the caller's ``w`` is never modified) and the config with its state entries replaced by
new arrays, so that ``config`` can be passed back in on the next iteration::

    config = None
    for _ in range(num_iters):
        w, config = adam(w, grad(w), config)

``config=None`` starts from the defaults. As in the course code, a given ``config`` dict is
updated in place (missing hyper-parameters are filled in) and returned.
Defaults: ``learning_rate`` 1e-2 (1e-3 for ``adam``), ``momentum`` 0.9, ``decay_rate`` 0.99,
``epsilon`` 1e-8, ``beta1`` 0.9, ``beta2`` 0.999.

For training ``Module``s use the optimiser classes (``mt.optim.SGD``, ``Adam``, ...), which
update ``Parameter``s in place and follow PyTorch's formulas.
"""
from __future__ import annotations

import numpy as np

__all__ = ["sgd", "sgd_momentum", "sgd_nesterov_momentum", "rmsprop", "adam"]


def _start(config: dict | None, **defaults) -> dict:
    if config is None:
        config = {}
    elif not isinstance(config, dict):
        raise TypeError(f"config must be a dict or None, got {type(config).__name__}")
    for key, value in defaults.items():
        config.setdefault(key, value)
    return config


def sgd(w: np.ndarray, dw: np.ndarray, config: dict | None = None):
    """Vanilla stochastic gradient descent: ``w = w - learning_rate * dw``.

    config: ``learning_rate`` (1e-2).
    """
    config = _start(config, learning_rate=1e-2)
    next_w = w - config["learning_rate"] * dw
    return next_w, config


def sgd_momentum(w: np.ndarray, dw: np.ndarray, config: dict | None = None):
    """SGD with momentum: ``v = momentum * v - learning_rate * dw``; ``w = w + v``.

    config: ``learning_rate`` (1e-2), ``momentum`` (0.9), ``velocity`` (array like ``w``,
    zeros if absent).
    """
    config = _start(config, learning_rate=1e-2, momentum=0.9)
    v = config.get("velocity")
    if v is None:
        v = np.zeros_like(w)
    v = config["momentum"] * v - config["learning_rate"] * dw
    next_w = w + v
    config["velocity"] = v
    return next_w, config


def sgd_nesterov_momentum(w: np.ndarray, dw: np.ndarray, config: dict | None = None):
    """SGD with Nesterov momentum, in the "look-ahead" form that tracks the weights directly.

    ``v_prev = v``; ``v = momentum * v - learning_rate * dw``;
    ``w = w - momentum * v_prev + (1 + momentum) * v``.

    config: ``learning_rate`` (1e-2), ``momentum`` (0.9), ``velocity`` (zeros if absent).
    """
    config = _start(config, learning_rate=1e-2, momentum=0.9)
    rho = config["momentum"]
    v_prev = config.get("velocity")
    if v_prev is None:
        v_prev = np.zeros_like(w)
    v = rho * v_prev - config["learning_rate"] * dw
    next_w = w - rho * v_prev + (1 + rho) * v
    config["velocity"] = v
    return next_w, config


def rmsprop(w: np.ndarray, dw: np.ndarray, config: dict | None = None):
    """RMSProp: a moving average of squared gradients sets a per-weight step size.

    ``a = decay_rate * a + (1 - decay_rate) * dw**2``;
    ``w = w - learning_rate * dw / (sqrt(a) + epsilon)``.

    config: ``learning_rate`` (1e-2), ``decay_rate`` (0.99), ``epsilon`` (1e-8), ``a`` (the
    squared-gradient average, zeros if absent).
    """
    config = _start(config, learning_rate=1e-2, decay_rate=0.99, epsilon=1e-8)
    a = config.get("a")
    if a is None:
        a = np.zeros_like(w)
    decay = config["decay_rate"]
    a = decay * a + (1 - decay) * dw**2
    next_w = w - config["learning_rate"] * dw / (np.sqrt(a) + config["epsilon"])
    config["a"] = a
    return next_w, config


def adam(w: np.ndarray, dw: np.ndarray, config: dict | None = None):
    """Adam: bias-corrected moving averages of the gradient and its square.

    ``t = t + 1``; ``v = beta1 * v + (1 - beta1) * dw``; ``a = beta2 * a + (1 - beta2) * dw**2``;
    ``v_hat = v / (1 - beta1**t)``; ``a_hat = a / (1 - beta2**t)``;
    ``w = w - learning_rate * v_hat / (sqrt(a_hat) + epsilon)``.

    config: ``learning_rate`` (1e-3), ``beta1`` (0.9), ``beta2`` (0.999), ``epsilon`` (1e-8),
    ``v`` (first moment, zeros if absent), ``a`` (second moment, zeros if absent), ``t``
    (step count, 0 if absent; incremented before the bias correction).
    """
    config = _start(config, learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8, t=0)
    v, a = config.get("v"), config.get("a")
    if v is None:
        v = np.zeros_like(w)
    if a is None:
        a = np.zeros_like(w)
    beta1, beta2 = config["beta1"], config["beta2"]
    t = config["t"] + 1
    v = beta1 * v + (1 - beta1) * dw
    a = beta2 * a + (1 - beta2) * dw**2
    v_hat = v / (1 - beta1**t)
    a_hat = a / (1 - beta2**t)
    next_w = w - config["learning_rate"] * v_hat / (np.sqrt(a_hat) + config["epsilon"])
    config.update(t=t, v=v, a=a)
    return next_w, config

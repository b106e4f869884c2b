"""Write tests/fixtures/options_reference.npz: PyTorch's values for the layer and loss options
that change behaviour away from the defaults, on small random float64 inputs.

Run with PyTorch installed (``pip install -e ".[bench]"``):  python scripts/make_option_fixtures.py
The tests (tests/parity/test_options.py) compare minitorch_nn against these values without PyTorch.

Cases, each stored under ``<case>/<name>``:

- ``batchnorm1d_momentum_none``, ``batchnorm2d_momentum_none``: ``momentum=None`` (the cumulative
  moving average); ``input.<k>`` for training steps k = 0, 1, 2 with ``running_mean.<k>``,
  ``running_var.<k>`` after each, then ``eval_input`` / ``eval_output``.
- ``batchnorm1d_no_running_stats``, ``batchnorm2d_no_running_stats``: ``track_running_stats=False``;
  for mode in train, eval: ``<mode>.input``, ``<mode>.upstream``, ``<mode>.output``,
  ``<mode>.grad_input``, ``<mode>.grad.weight``, ``<mode>.grad.bias``, with ``param.weight`` /
  ``param.bias`` shared.
- ``cross_entropy_ignore_<variant>`` and ``nll_ignore_<variant>``: a non-default ``ignore_index``
  (``ignore_index`` stores it); ``input``, ``target``, ``upstream``, ``output``, ``grad_input``
  and ``weight`` where the variant has one.
- ``cross_entropy_probabilities_<variant>`` (class-probability targets) and
  ``cross_entropy_full_smoothing`` (``label_smoothing=1``): the same arrays and ``label_smoothing``.
"""
from __future__ import annotations

import pathlib

import numpy as np
import torch

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "options_reference.npz"
SEED = 2024


def batchnorm_momentum_none(rng, name, module, shape, store):
    module.train()
    for k in range(3):
        x = rng.standard_normal(shape) * (k + 1) + k
        module(torch.tensor(x))
        store[f"{name}/input.{k}"] = x
        store[f"{name}/running_mean.{k}"] = module.running_mean.numpy().copy()
        store[f"{name}/running_var.{k}"] = module.running_var.numpy().copy()
    module.eval()
    x = rng.standard_normal(shape)
    store[f"{name}/eval_input"] = x
    store[f"{name}/eval_output"] = module(torch.tensor(x)).detach().numpy()


def batchnorm_no_running_stats(rng, name, module, shape, store):
    with torch.no_grad():
        module.weight.copy_(torch.tensor(rng.uniform(0.5, 1.5, module.num_features)))
        module.bias.copy_(torch.tensor(rng.standard_normal(module.num_features)))
    store[f"{name}/param.weight"] = module.weight.detach().numpy().copy()
    store[f"{name}/param.bias"] = module.bias.detach().numpy().copy()
    for mode in ("train", "eval"):
        module.train(mode == "train")
        module.zero_grad()
        x = rng.standard_normal(shape) * 2 + 1
        x_t = torch.tensor(x, requires_grad=True)
        out = module(x_t)
        upstream = rng.standard_normal(out.shape)
        out.backward(torch.tensor(upstream))
        store[f"{name}/{mode}.input"] = x
        store[f"{name}/{mode}.upstream"] = upstream
        store[f"{name}/{mode}.output"] = out.detach().numpy()
        store[f"{name}/{mode}.grad_input"] = x_t.grad.numpy()
        store[f"{name}/{mode}.grad.weight"] = module.weight.grad.numpy().copy()
        store[f"{name}/{mode}.grad.bias"] = module.bias.grad.numpy().copy()


def loss_case(rng, name, criterion, scores, target, store, weight=None):
    s = torch.tensor(scores, requires_grad=True)
    loss = criterion(s, torch.tensor(target))
    upstream = rng.standard_normal(loss.shape) if loss.ndim else np.array(1.3)
    loss.backward(torch.tensor(upstream))
    store[f"{name}/input"] = scores
    store[f"{name}/target"] = target
    store[f"{name}/upstream"] = upstream
    store[f"{name}/output"] = loss.detach().numpy()
    store[f"{name}/grad_input"] = s.grad.numpy()
    store[f"{name}/ignore_index"] = np.array(criterion.ignore_index)
    if weight is not None:
        store[f"{name}/weight"] = weight


def build_fixtures(seed: int = SEED) -> dict[str, np.ndarray]:
    """Every case as ``{"<case>/<name>": array}``, computed by PyTorch in float64."""
    default_dtype = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        return _cases(np.random.default_rng(seed))
    finally:
        torch.set_default_dtype(default_dtype)


def _cases(rng: np.random.Generator) -> dict[str, np.ndarray]:
    store: dict[str, np.ndarray] = {}
    nn = torch.nn
    batchnorm_momentum_none(rng, "batchnorm1d_momentum_none", nn.BatchNorm1d(4, momentum=None), (6, 4), store)
    batchnorm_momentum_none(rng, "batchnorm2d_momentum_none", nn.BatchNorm2d(3, momentum=None), (4, 3, 2, 3), store)
    batchnorm_no_running_stats(rng, "batchnorm1d_no_running_stats", nn.BatchNorm1d(4, track_running_stats=False),
                               (6, 4), store)
    batchnorm_no_running_stats(rng, "batchnorm2d_no_running_stats", nn.BatchNorm2d(3, track_running_stats=False),
                               (4, 3, 2, 3), store)

    scores = rng.standard_normal((8, 5)) * 3
    labels = np.array([2, 0, 2, 4, 1, 3, 2, 0])  # class 2 is the ignored one below
    weight = rng.uniform(0.5, 2.0, 5)
    log_probs = torch.log_softmax(torch.tensor(scores), 1).numpy()
    for reduction in ("mean", "sum", "none"):
        loss_case(rng, f"cross_entropy_ignore_{reduction}", nn.CrossEntropyLoss(ignore_index=2, reduction=reduction),
                  scores, labels, store)
        loss_case(rng, f"nll_ignore_{reduction}", nn.NLLLoss(ignore_index=2, reduction=reduction),
                  log_probs, labels, store)
    loss_case(rng, "cross_entropy_ignore_smoothing", nn.CrossEntropyLoss(ignore_index=2, label_smoothing=0.2),
              scores, labels, store)
    loss_case(rng, "cross_entropy_ignore_weight", nn.CrossEntropyLoss(weight=torch.tensor(weight), ignore_index=2),
              scores, labels, store, weight)
    loss_case(rng, "nll_ignore_weight", nn.NLLLoss(weight=torch.tensor(weight), ignore_index=2),
              log_probs, labels, store, weight)

    # probability targets (no smoothing; with class weights and smoothing) and full smoothing
    probabilities = rng.dirichlet(np.ones(5), 8)
    for reduction in ("mean", "none"):
        target_case(rng, f"cross_entropy_probabilities_{reduction}", nn.CrossEntropyLoss(reduction=reduction),
                    scores, probabilities, store)
    target_case(rng, "cross_entropy_probabilities_weight_smoothing",
                nn.CrossEntropyLoss(weight=torch.tensor(weight), label_smoothing=0.1), scores, probabilities, store,
                weight)
    target_case(rng, "cross_entropy_full_smoothing", nn.CrossEntropyLoss(label_smoothing=1.0), scores, labels, store)
    return store


def target_case(rng, name, criterion, scores, target, store, weight=None):
    """A cross-entropy case without ``ignore_index``: stored as ``loss_case`` stores, plus
    ``label_smoothing``."""
    loss_case(rng, name, criterion, scores, target, store, weight)
    del store[f"{name}/ignore_index"]
    store[f"{name}/label_smoothing"] = np.array(criterion.label_smoothing)


def main() -> None:
    store = build_fixtures()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **store)
    print(f"wrote {len(store)} arrays to {OUT} ({OUT.stat().st_size / 1e3:.1f} kB)")


if __name__ == "__main__":
    main()

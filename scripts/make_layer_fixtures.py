"""Write tests/fixtures/layers_reference.npz: PyTorch's outputs and gradients for every
layer and loss of minitorch_nn, on small random float64 inputs.

Run with PyTorch installed (``pip install -e ".[bench]"``):  python scripts/make_layer_fixtures.py
The tests compare minitorch_nn against these values, so they run without PyTorch.
Each case is stored under ``<case>/<name>``: ``input``, ``target``, parameters as ``param.<name>``,
``upstream`` (the gradient fed to backward), ``output``, ``grad_input``, ``grad.<name>`` and, for
batch norm, ``buffer.<name>`` after the forward pass.
"""
from __future__ import annotations

import pathlib

import numpy as np
import torch

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "layers_reference.npz"
rng = np.random.default_rng(1234)
torch.manual_seed(1234)
torch.set_default_dtype(torch.float64)


def layer_case(name, module, x, train=True, store=None):
    module.train(train)
    module.zero_grad()
    x_t = torch.tensor(x, requires_grad=True)
    out = module(x_t)
    upstream = rng.standard_normal(out.shape)
    out.backward(torch.tensor(upstream))
    store[f"{name}/input"] = x
    store[f"{name}/upstream"] = upstream
    store[f"{name}/output"] = out.detach().numpy()
    store[f"{name}/grad_input"] = x_t.grad.numpy()
    for pname, p in module.named_parameters():
        store[f"{name}/param.{pname}"] = p.detach().numpy().copy()
        store[f"{name}/grad.{pname}"] = p.grad.numpy().copy()
    for bname, b in module.named_buffers():
        store[f"{name}/buffer.{bname}"] = b.numpy().copy()


def loss_case(name, criterion, scores, target, store):
    s = torch.tensor(scores, requires_grad=True)
    t = torch.tensor(target)
    loss = criterion(s, t)
    upstream = rng.standard_normal(loss.shape) if loss.ndim else np.array(1.7)
    loss.backward(torch.tensor(upstream))
    store[f"{name}/input"] = scores
    store[f"{name}/target"] = target
    store[f"{name}/upstream"] = upstream
    store[f"{name}/output"] = loss.detach().numpy()
    store[f"{name}/grad_input"] = s.grad.numpy()


def main() -> None:
    store: dict[str, np.ndarray] = {}
    nn = torch.nn
    x = rng.standard_normal((6, 5))
    layer_case("linear", nn.Linear(5, 4), x, store=store)
    layer_case("linear_3d", nn.Linear(5, 3), rng.standard_normal((2, 3, 5)), store=store)
    layer_case("relu", nn.ReLU(), x, store=store)
    layer_case("leaky_relu", nn.LeakyReLU(0.2), x, store=store)
    layer_case("sigmoid", nn.Sigmoid(), x * 4, store=store)
    layer_case("tanh", nn.Tanh(), x, store=store)
    layer_case("softmax", nn.Softmax(dim=-1), x, store=store)
    layer_case("softmax_dim0", nn.Softmax(dim=0), x, store=store)
    layer_case("log_softmax", nn.LogSoftmax(dim=-1), x, store=store)
    for case, shape in (("batchnorm1d", (8, 5)), ("batchnorm1d_3d", (4, 5, 3))):
        bn = nn.BatchNorm1d(5)
        with torch.no_grad():
            bn.weight.copy_(torch.tensor(rng.uniform(0.5, 1.5, 5)))
            bn.bias.copy_(torch.tensor(rng.standard_normal(5)))
        layer_case(case, bn, rng.standard_normal(shape) * 2 + 1, train=True, store=store)
        # eval mode with the running statistics that the training step produced
        layer_case(case + "_eval", bn, rng.standard_normal(shape), train=False, store=store)

    scores = rng.standard_normal((7, 4)) * 3
    labels = rng.integers(0, 4, 7)
    weight = rng.uniform(0.5, 2.0, 4)
    probs = rng.dirichlet(np.ones(4), 7)
    for reduction in ("mean", "sum", "none"):
        loss_case(f"cross_entropy_{reduction}", nn.CrossEntropyLoss(reduction=reduction), scores, labels, store)
        loss_case(f"nll_{reduction}", nn.NLLLoss(reduction=reduction),
                  torch.log_softmax(torch.tensor(scores), 1).numpy(), labels, store)
        loss_case(f"mse_{reduction}", nn.MSELoss(reduction=reduction), scores, rng.standard_normal((7, 4)), store)
        loss_case(f"multi_margin_{reduction}", nn.MultiMarginLoss(reduction=reduction), scores, labels, store)
    ignored = labels.copy()
    ignored[[1, 4]] = -100
    loss_case("cross_entropy_smoothing", nn.CrossEntropyLoss(label_smoothing=0.1), scores, labels, store)
    loss_case("cross_entropy_weight", nn.CrossEntropyLoss(weight=torch.tensor(weight)), scores, labels, store)
    loss_case("cross_entropy_weight_smoothing",
              nn.CrossEntropyLoss(weight=torch.tensor(weight), label_smoothing=0.2), scores, labels, store)
    loss_case("cross_entropy_ignore", nn.CrossEntropyLoss(label_smoothing=0.1), scores, ignored, store)
    loss_case("cross_entropy_probs", nn.CrossEntropyLoss(label_smoothing=0.1), scores, probs, store)
    loss_case("nll_weight", nn.NLLLoss(weight=torch.tensor(weight)),
              torch.log_softmax(torch.tensor(scores), 1).numpy(), labels, store)
    loss_case("multi_margin_p2", nn.MultiMarginLoss(p=2, margin=0.5), scores, labels, store)
    loss_case("multi_margin_weight", nn.MultiMarginLoss(weight=torch.tensor(weight)), scores, labels, store)
    store["cross_entropy_weight/weight"] = store["cross_entropy_weight_smoothing/weight"] = weight
    store["nll_weight/weight"] = store["multi_margin_weight/weight"] = weight
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **store)
    print(f"wrote {len(store)} arrays to {OUT} ({OUT.stat().st_size / 1e3:.1f} kB)")


if __name__ == "__main__":
    main()

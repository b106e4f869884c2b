"""Property-based state-dict round trips (hypothesis): for models and optimisers drawn at random,
``state_dict`` → ``mt.save`` → ``mt.load`` → ``load_state_dict`` into a freshly built twin restores
everything, so the twin computes exactly what the original computes and trains on identically."""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, strategies as st  # noqa: E402

import minitorch_nn as mt  # noqa: E402
from minitorch_nn import optim  # noqa: E402
from minitorch_nn.models import ConvNet  # noqa: E402


def through_a_file(obj):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "state.npz"
        mt.save(obj, path)
        return mt.load(path)


@st.composite
def models(draw):
    """``(build, input shape)``: a builder of an MLP or a small conv net with random options."""
    seed = draw(st.integers(0, 1000))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    if draw(st.booleans()):
        hidden = draw(st.lists(st.integers(1, 6), min_size=0, max_size=3))
        options = dict(activation=draw(st.sampled_from(["relu", "tanh"])), batchnorm=draw(st.booleans()),
                       dropout=draw(st.sampled_from([0.0, 0.5])))
        shape = (5,)

        def build(seed=seed):
            mt.manual_seed(seed)
            return mt.MLP(5, hidden, 3, **options).to(dtype)
    else:
        channels = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)))
        batchnorm = draw(st.booleans())
        shape = (2, 4, 4)

        def build(seed=seed):
            mt.manual_seed(seed)
            return ConvNet(in_channels=2, num_classes=3, channels=channels, batchnorm=batchnorm).to(dtype)
    return build, shape


@given(model=models(), steps=st.integers(0, 3), data_seed=st.integers(0, 1000))
def test_module_state_dict_round_trip_through_a_file(model, steps, data_seed):
    build, shape = model
    original = build()
    rng = np.random.default_rng(data_seed)
    for _ in range(steps):  # training-mode passes move the BatchNorm running statistics
        original(rng.standard_normal((4, *shape)))
    state = original.state_dict()
    twin = build(seed=12345)
    twin.load_state_dict(through_a_file(dict(state)))
    restored = twin.state_dict()
    assert list(restored) == list(state)
    for key in state:
        assert restored[key].dtype == state[key].dtype and np.array_equal(restored[key], state[key]), key
    x = rng.standard_normal((3, *shape))
    np.testing.assert_array_equal(twin.eval()(x), original.eval()(x))


OPTIMIZERS = {
    "SGD": st.fixed_dictionaries({"lr": st.floats(1e-3, 0.5), "momentum": st.sampled_from([0.0, 0.9]),
                                  "weight_decay": st.sampled_from([0.0, 1e-2])}),
    "Adam": st.fixed_dictionaries({"lr": st.floats(1e-4, 1e-1), "amsgrad": st.booleans(),
                                   "weight_decay": st.sampled_from([0.0, 1e-2])}),
    "AdamW": st.fixed_dictionaries({"lr": st.floats(1e-4, 1e-1), "amsgrad": st.booleans()}),
    "RMSprop": st.fixed_dictionaries({"lr": st.floats(1e-4, 1e-1), "momentum": st.sampled_from([0.0, 0.5]),
                                      "centered": st.booleans()}),
    "Adagrad": st.fixed_dictionaries({"lr": st.floats(1e-3, 1e-1), "lr_decay": st.sampled_from([0.0, 0.1])}),
}


@given(data=st.data(), name=st.sampled_from(sorted(OPTIMIZERS)), before=st.integers(0, 4), after=st.integers(1, 4),
       seed=st.integers(0, 1000))
def test_optimizer_state_dict_round_trip_continues_bit_for_bit(data, name, before, after, seed):
    kwargs = data.draw(OPTIMIZERS[name])
    rng = np.random.default_rng(seed)
    shapes = [(3, 2), (4,), (1,)]
    start = [rng.standard_normal(s) for s in shapes]
    grads = [[rng.standard_normal(s) for s in shapes] for _ in range(before + after)]

    def fresh():
        params = [mt.Parameter(x.copy()) for x in start]
        return params, getattr(optim, name)(params, **kwargs)

    def steps(params, optimizer, gradients):
        for step in gradients:
            for p, g in zip(params, step):
                p.grad = g.copy()
            optimizer.step()

    straight_params, straight = fresh()
    steps(straight_params, straight, grads)

    params, optimizer = fresh()
    steps(params, optimizer, grads[:before])
    saved_params = through_a_file({str(i): p.data for i, p in enumerate(params)})
    saved = through_a_file(optimizer.state_dict())
    resumed_params, resumed = fresh()
    for i, p in enumerate(resumed_params):
        p.data[...] = saved_params[str(i)]
    resumed.load_state_dict(saved)
    steps(resumed_params, resumed, grads[before:])
    for a, b in zip(resumed_params, straight_params):
        np.testing.assert_array_equal(a.data, b.data)

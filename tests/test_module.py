"""Module: registration, traversal, modes, state dicts, repr and the errors users meet."""
from __future__ import annotations

import numpy as np
import pytest

import minitorch_nn as mt


class TwoBranch(mt.Module):
    def __init__(self):
        super().__init__()
        self.encoder = mt.Sequential(mt.Linear(4, 3), mt.ReLU())
        self.scale = mt.Parameter(np.ones(3))
        self.register_buffer("steps", np.zeros((), dtype=np.int64))
        self.head = mt.Linear(3, 2)


def test_registration_order_and_dotted_names():
    model = TwoBranch()
    names = [name for name, _ in model.named_parameters()]
    assert names == ["scale", "encoder.0.weight", "encoder.0.bias", "head.weight", "head.bias"]
    assert [name for name, _ in model.named_modules()] == ["", "encoder", "encoder.0", "encoder.1", "head"]
    assert [type(m).__name__ for m in model.children()] == ["Sequential", "Linear"]
    assert len(list(model.modules())) == 5
    # PyTorch's order: each module's own parameters and buffers, then its children's
    assert list(model.state_dict()) == ["scale", "steps"] + names[1:]
    assert "steps" not in dict(model.named_parameters())


def test_reassigning_and_deleting_attributes_updates_registries():
    model = TwoBranch()
    model.head = mt.Identity()
    assert "head.weight" not in dict(model.named_parameters())
    model.scale = None
    assert "scale" not in dict(model.named_parameters())
    model.steps = np.ones((), dtype=np.int64)
    assert model.state_dict()["steps"] == 1
    del model.encoder
    assert [name for name, _ in model.named_modules()] == ["", "head"]


def test_assignment_before_init_is_a_clear_error():
    class Forgetful(mt.Module):
        def __init__(self):
            self.layer = mt.Linear(2, 2)

    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Forgetful()


def test_shared_parameters_are_listed_once():
    layer = mt.Linear(3, 3)
    model = mt.Sequential(layer, mt.ReLU(), layer)
    assert len(list(model.parameters())) == 2


def test_train_eval_recursive():
    model = mt.MLP(4, [3], 2, dropout=0.5)
    model.eval()
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_zero_grad_to_none_and_to_zeros(rng):
    model = mt.MLP(4, [3], 2)
    model(rng.standard_normal((5, 4)))
    model.backward(rng.standard_normal((5, 2)))
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.any() for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_state_dict_round_trip_reproduces_outputs_exactly(rng):
    source = mt.MLP(6, [5, 4], 3, batchnorm=True, dropout=0.3)
    source(rng.standard_normal((8, 6)))  # non-trivial running statistics
    target = mt.MLP(6, [5, 4], 3, batchnorm=True, dropout=0.3)
    target.load_state_dict(source.state_dict())
    x = rng.standard_normal((4, 6)).astype(np.float32)
    np.testing.assert_array_equal(source.eval()(x), target.eval()(x))


def test_state_dict_holds_copies():
    model = mt.Linear(2, 2)
    state = model.state_dict()
    state["weight"][...] = 7
    assert not np.any(model.weight.data == 7)


def test_load_state_dict_of_another_architecture_names_every_problem():
    state = mt.MLP(4, [8], 2).state_dict()
    with pytest.raises(RuntimeError) as error:
        mt.MLP(4, [5, 5], 2).load_state_dict(state)
    message = str(error.value)
    assert "missing keys: 4.weight, 4.bias" in message
    assert "shape mismatches: 0.weight: checkpoint has shape (8, 4), this model has (5, 4)" in message
    with pytest.raises(RuntimeError, match="unexpected keys: extra"):
        mt.Linear(4, 8).load_state_dict({**mt.Linear(4, 8).state_dict(), "extra": np.zeros(1)})
    missing, unexpected = mt.Linear(4, 8).load_state_dict({"weight": np.zeros((8, 4))}, strict=False)
    assert missing == ["bias"] and unexpected == []


def test_repr_is_pytorch_like():
    text = repr(mt.Sequential(mt.Linear(2, 3), mt.ReLU(), mt.Sequential(mt.Dropout(0.1))))
    assert text == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (0): Dropout(p=0.1)\n"
        "  )\n"
        ")"
    )


def test_sequential_indexing_len_iteration_append():
    model = mt.Sequential(mt.Linear(2, 3), mt.ReLU(), mt.Linear(3, 1))
    assert len(model) == 3 and isinstance(model[-1], mt.Linear)
    assert isinstance(model[:2], mt.Sequential) and len(model[:2]) == 2
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear"]
    model.append(mt.Sigmoid())
    assert len(model) == 4 and "3" in dict(model.named_children())
    with pytest.raises(IndexError, match="out of range"):
        model[10]
    with pytest.raises(TypeError, match="not a Module"):
        mt.Sequential(mt.Linear(2, 2), "relu")


def test_mlp_layout_and_weight_scale():
    mt.manual_seed(0)
    model = mt.MLP(20, [30, 40], 5, activation="tanh", batchnorm=True, dropout=0.5, weight_scale=1e-2)
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["Linear", "BatchNorm1d", "Tanh", "Dropout"] * 2 + ["Linear"]
    weights = [m.weight.data for m in model if isinstance(m, mt.Linear)]
    assert all(abs(w.std() - 1e-2) < 2e-3 for w in weights)
    assert all(not m.bias.data.any() for m in model if isinstance(m, mt.Linear))
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        mt.MLP(2, [2], 2, activation="swish")


def test_float32_by_default_and_double_for_checks():
    model = mt.MLP(3, [4], 2, batchnorm=True)
    assert all(p.dtype == np.float32 for p in model.parameters())
    out = model(np.random.default_rng(0).standard_normal((4, 3)))  # float64 input
    assert out.dtype == np.float32
    model.double()
    assert all(p.dtype == np.float64 for p in model.parameters())
    assert model[1].running_var.dtype == np.float64 and model[1].num_batches_tracked.dtype == np.int64


def test_manual_seed_makes_init_reproducible():
    mt.manual_seed(42)
    first = mt.MLP(5, [4], 3).state_dict()
    mt.manual_seed(42)
    second = mt.MLP(5, [4], 3).state_dict()
    assert all(np.array_equal(first[k], second[k]) for k in first)
    with pytest.raises(ValueError, match="non-negative integer"):
        mt.manual_seed(-1)


def test_forward_hooks_fire_and_remove():
    layer = mt.Linear(2, 2)
    seen = []
    handle = layer.register_forward_hook(lambda m, inputs, out: seen.append(out.shape))
    layer(np.zeros((3, 2)))
    handle.remove()
    layer(np.zeros((3, 2)))
    assert seen == [(3, 2)]


# ---------------------------------------------------------------- errors users meet
def test_linear_wrong_input_width_names_layer_and_shapes():
    with pytest.raises(ValueError, match=r"Linear\(in_features=784\): input has 783 features \(shape \(32, 783\)\)"):
        mt.Linear(784, 10)(np.zeros((32, 783)))


@pytest.mark.parametrize("layer", [mt.Linear(2, 2), mt.ReLU(), mt.LeakyReLU(), mt.Sigmoid(), mt.Tanh(), mt.Softmax(),
                                   mt.LogSoftmax(), mt.Flatten(), mt.BatchNorm1d(2), mt.Dropout(0.5), mt.CrossEntropyLoss(),
                                   mt.NLLLoss(), mt.MSELoss(), mt.MultiMarginLoss()],
                         ids=lambda m: type(m).__name__)
def test_backward_before_forward_says_so(layer):
    with pytest.raises(RuntimeError, match=r"backward\(\) called before forward\(\)"):
        layer.backward(np.ones((2, 2)))


def test_module_without_backward_says_what_to_implement():
    class NoBackward(mt.Module):
        def forward(self, x):
            return x

    with pytest.raises(NotImplementedError, match="NoBackward must implement backward"):
        NoBackward().backward(np.ones(2))


def test_batchnorm_errors():
    with pytest.raises(ValueError, match=r"BatchNorm1d\(num_features=4\): expected 2-D or 3-D input with 4 channels"):
        mt.BatchNorm1d(4)(np.zeros((8, 5)))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        mt.BatchNorm1d(4)(np.zeros((1, 4)))
    assert mt.BatchNorm1d(4).eval()(np.zeros((1, 4))).shape == (1, 4)


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="in_features must be a positive integer"):
        mt.Linear(0, 3)
    with pytest.raises(ValueError, match="between 0 and 1"):
        mt.Dropout(1.5)


def test_backward_parameters_gives_the_same_parameter_gradients(rng):
    model = mt.MLP(6, [5], 3, batchnorm=True).double()
    x, upstream = rng.standard_normal((4, 6)), rng.standard_normal((4, 3))
    model(x)
    model.backward(upstream)
    expected = {name: p.grad.copy() for name, p in model.named_parameters()}
    model.zero_grad()
    model(x)
    assert model.backward_without_input_grad(upstream) is None
    for name, p in model.named_parameters():
        np.testing.assert_array_equal(p.grad, expected[name])


# ---------------------------------------------------------------------------- PyTorch habits
def test_to_cpu_and_to_dtype_cast_in_place_as_pytorch():
    model = mt.MLP(3, [4], 2, batchnorm=True)
    weight = model[0].weight
    assert model.to("cpu") is model and weight.dtype == np.float32          # the device is always the CPU
    assert model.to("cpu", np.float64) is model
    assert model[0].weight is weight and weight.dtype == np.float64        # the same Parameter, cast in place
    assert model[1].running_mean.dtype == np.float64 and model[1].num_batches_tracked.dtype == np.int64
    model.to(dtype="float32")
    assert weight.dtype == np.float32
    model.to("float64")                                                     # a dtype name, not a device
    assert weight.dtype == np.float64
    with pytest.raises(ValueError, match="CPU only"):
        model.to("cuda")
    with pytest.raises(ValueError, match="floating dtype"):
        model.to(np.int32)


def test_double_casts_in_place_and_returns_the_same_module():
    model = mt.Linear(3, 2)
    assert model.double() is model and model.weight.dtype == np.float64


def test_apply_visits_children_first_then_self():
    model = TwoBranch()
    visited = []
    assert model.apply(lambda m: visited.append(type(m).__name__)) is model
    assert visited == ["Linear", "ReLU", "Sequential", "Linear", "TwoBranch"]
    model.apply(lambda m: mt.init.zeros_(m.bias) if isinstance(m, mt.Linear) else None)
    assert not model.encoder[0].bias.data.any() and not model.head.bias.data.any()


def test_apply_visits_in_pytorch_order():
    torch = pytest.importorskip("torch")
    ours, theirs = [], []
    mt.MLP(4, [3, 3], 2, batchnorm=True).apply(lambda m: ours.append(type(m).__name__))
    net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3), torch.nn.ReLU(),
                              torch.nn.Linear(3, 3), torch.nn.BatchNorm1d(3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    net.apply(lambda m: theirs.append(type(m).__name__))
    assert ours[:-1] == theirs[:-1] and ours[-1] == "MLP" and theirs[-1] == "Sequential"


def test_requires_grad_freezes_and_unfreezes():
    model = TwoBranch()
    assert model.encoder.requires_grad_(False) is model.encoder
    assert [name for name, p in model.named_parameters() if not p.requires_grad] == [
        "encoder.0.weight", "encoder.0.bias"]
    assert "requires_grad=False" in repr(model.encoder[0].weight)
    model.requires_grad_()
    assert all(p.requires_grad for p in model.parameters())
    assert not mt.Parameter(np.zeros(2), requires_grad=False).requires_grad


def test_a_frozen_layer_gets_no_gradient_and_the_rest_the_same_one(rng):
    model = mt.MLP(5, [4], 3).double()
    x, y = rng.standard_normal((6, 5)), rng.integers(0, 3, 6)
    loss_fn = mt.CrossEntropyLoss()
    loss_fn(model(x), y)
    grad_input = model.backward(loss_fn.backward())
    expected = {name: p.grad.copy() for name, p in model.named_parameters()}
    model.zero_grad()
    model[0].requires_grad_(False)
    loss_fn(model(x), y)
    assert np.array_equal(model.backward(loss_fn.backward()), grad_input)   # the input gradient still flows
    for name, p in model.named_parameters():
        if name.startswith("0."):
            assert p.grad is None, name
        else:
            assert np.array_equal(p.grad, expected[name]), name
    assert mt.gradcheck(model, x)                                           # frozen parameters are not checked


def test_zero_grad_clears_a_frozen_parameters_stale_gradient_as_pytorch():
    """A gradient left from before freezing is cleared like any other (PyTorch: every p.grad is reset);
    zero_grad never gives a gradient to a parameter that has none."""
    model = mt.MLP(3, [4], 2)
    model[0].weight.grad = np.ones((4, 3), dtype=np.float32)
    model.requires_grad_(False)
    model.zero_grad(set_to_none=False)
    assert np.array_equal(model[0].weight.grad, np.zeros((4, 3))) and model[0].bias.grad is None
    optimizer = mt.optim.SGD(model.parameters(), lr=0.1)
    optimizer.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_fine_tuning_leaves_frozen_layers_unchanged():
    """Freeze the first layer of a model, train the rest with every optimiser, clipping and weight
    decay: the frozen weights stay bit-identical, the others move and the model learns."""
    from minitorch_nn.data import Compose, DataLoader, Digits, Flatten, ToFloat

    to_vectors = Compose([ToFloat(), Flatten()])
    train = DataLoader(Digits(train=True), batch_size=64, shuffle=True, seed=0, transform=to_vectors)
    test = DataLoader(Digits(train=False), batch_size=360, transform=to_vectors)
    optimizers = {"sgd": lambda p: mt.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=1e-3),
                  "rmsprop": lambda p: mt.optim.RMSprop(p, lr=1e-3, weight_decay=1e-3),
                  "adagrad": lambda p: mt.optim.Adagrad(p, lr=0.05, weight_decay=1e-3),
                  "adam": lambda p: mt.optim.Adam(p, lr=3e-3, weight_decay=1e-3),
                  "adamw": lambda p: mt.optim.AdamW(p, lr=3e-3),
                  "classic_adam": lambda p: mt.optim.UpdateRule(p, rule="adam", config={"learning_rate": 3e-3})}
    for name, make in optimizers.items():
        mt.manual_seed(0)
        model = mt.MLP(64, [64, 32], 10)
        model[0].requires_grad_(False)
        before = model.state_dict()
        trainer = mt.Trainer(model, mt.CrossEntropyLoss(), make(model.parameters()), clip_grad_norm=1.0, log=None)
        trainer.fit(train, epochs=5)
        after = model.state_dict()
        for key in before:
            if key.startswith("0."):
                assert np.array_equal(before[key], after[key]), (name, key)
            else:
                assert not np.array_equal(before[key], after[key]), (name, key)
        assert mt.evaluate(model, test)[1] > 0.7, name   # chance is 10%; the first layer stays random


# ---------------------------------------------------------------- gradients of the wrong shape
# Every layer in mt.layers, with an input it accepts: (layer, input shape).
EVERY_LAYER = {
    "Linear": (lambda: mt.Linear(5, 4), (3, 5)),
    "Identity": (mt.Identity, (3, 5)),
    "Flatten": (mt.Flatten, (3, 2, 4)),
    "ReLU": (mt.ReLU, (3, 5)),
    "LeakyReLU": (mt.LeakyReLU, (3, 5)),
    "Sigmoid": (mt.Sigmoid, (3, 5)),
    "Tanh": (mt.Tanh, (3, 5)),
    "Softmax": (mt.Softmax, (3, 5)),
    "LogSoftmax": (mt.LogSoftmax, (3, 5)),
    "BatchNorm1d": (lambda: mt.BatchNorm1d(5), (3, 5)),
    "BatchNorm2d": (lambda: mt.BatchNorm2d(2), (3, 2, 4, 4)),
    "Dropout": (lambda: mt.Dropout(0.5), (3, 5)),
    "Dropout2d": (lambda: mt.Dropout2d(0.5), (3, 2, 4, 4)),
    "Sequential": (lambda: mt.Sequential(mt.Linear(5, 4), mt.ReLU()), (3, 5)),
    "Conv2d": (lambda: mt.Conv2d(2, 3, 3), (3, 2, 6, 6)),
    "MaxPool2d": (lambda: mt.MaxPool2d(2), (3, 2, 4, 4)),
    "AvgPool2d": (lambda: mt.AvgPool2d(2), (3, 2, 4, 4)),
    "AdaptiveAvgPool2d": (lambda: mt.AdaptiveAvgPool2d(3), (3, 2, 4, 4)),
    "AdaptiveAvgPool2d-1": (lambda: mt.AdaptiveAvgPool2d(1), (3, 2, 4, 4)),
    "GlobalAvgPool2d": (mt.GlobalAvgPool2d, (3, 2, 4, 4)),
    "MLP": (lambda: mt.MLP(5, [6], 3, batchnorm=True, dropout=0.1), (3, 5)),
}


def test_every_layer_is_covered():
    assert {name.split("-")[0] for name in EVERY_LAYER} >= set(mt.layers.__all__)


@pytest.mark.parametrize("name", sorted(EVERY_LAYER))
@pytest.mark.parametrize("method", ["backward", "backward_without_input_grad"])
def test_backward_with_a_gradient_of_the_wrong_shape_names_layer_and_shapes(name, method, rng):
    build, shape = EVERY_LAYER[name]
    layer = build()
    out = layer(rng.standard_normal(shape).astype(np.float32))
    wrong = out.shape[:-1] + (out.shape[-1] + 1,)
    with pytest.raises(ValueError) as info:
        getattr(layer, method)(np.ones(wrong, np.float32))
    message = str(info.value)
    assert message.startswith(f"{type(layer).__name__}.backward: grad_output has shape {wrong}, expected {out.shape}")
    assert "Traceback" not in message and all(p.grad is None for p in layer.parameters())  # nothing accumulated
    getattr(layer, method)(np.ones(out.shape, np.float32))  # the right shape still works


def test_a_users_own_layer_is_checked_too_and_a_nested_call_is_not_checked_twice(rng):
    class Double(mt.Module):
        def forward(self, x):
            return 2 * x

        def backward(self, grad_output):
            return 2 * grad_output

    class HalfOfDouble(Double):  # hands a reshaped gradient to its parent's backward
        def forward(self, x):
            return super().forward(x).reshape(-1)

        def backward(self, grad_output):
            return super().backward(grad_output.reshape(2, 3))

    layer = Double()
    layer(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"Double.backward: grad_output has shape \(3, 2\), expected \(2, 3\)"):
        layer.backward(np.ones((3, 2)))
    nested = HalfOfDouble()
    assert nested(np.ones((2, 3))).shape == (6,)
    assert nested.backward(np.ones(6)).shape == (2, 3)
    with pytest.raises(ValueError, match=r"HalfOfDouble.backward: grad_output has shape \(2, 3\), expected \(6,\)"):
        nested.backward(np.ones((2, 3)))


# ------------------------------------------------------------------ the registration API, as PyTorch
class Registered(mt.Module):
    """Registers by method instead of by attribute assignment."""

    def __init__(self):
        super().__init__()
        self.register_parameter("gain", mt.Parameter(np.full(2, 3.0)))
        self.register_parameter("offset", None)  # declared, not there (e.g. bias=False)
        self.add_module("inner", mt.Linear(2, 2))
        self.add_module("spare", None)

    def forward(self, x):
        return self.inner(x) * self.gain.data


def test_register_parameter_and_add_module_register_in_order():
    model = Registered()
    assert [name for name, _ in model.named_parameters()] == ["gain", "inner.weight", "inner.bias"]
    assert model.gain is dict(model.named_parameters())["gain"] and model.offset is None
    assert [name for name, _ in model.named_children()] == ["inner"]  # None children are skipped
    assert model.spare is None and [name for name, _ in model.named_modules()] == ["", "inner"]
    assert list(model.state_dict()) == ["gain", "inner.weight", "inner.bias"]
    assert "(inner): Linear(in_features=2, out_features=2, bias=True)" in repr(model)
    model.register_parameter("offset", mt.Parameter(np.zeros(2)))
    assert [name for name, _ in model.named_parameters()] == ["gain", "offset", "inner.weight", "inner.bias"]
    model.register_parameter("gain", None)
    assert model.gain is None and "gain" not in model.state_dict()


def test_add_module_replaces_and_the_registered_module_trains():
    model = Registered()
    model.add_module("inner", mt.Linear(2, 2, bias=False))
    assert [name for name, _ in model.named_parameters()] == ["gain", "inner.weight"]
    model.train(False)
    assert model.inner.training is False  # a registered module follows train()/eval()
    with pytest.raises(TypeError, match="'head' is a ndarray, not a Module"):
        model.add_module("head", np.zeros(2))


def test_register_parameter_refuses_what_is_not_a_parameter():
    """As PyTorch: an array registered as a parameter would silently never be trained."""
    model = Registered()
    with pytest.raises(TypeError, match=r"register_parameter\('scale'\).*ndarray.*mt\.Parameter"):
        model.register_parameter("scale", np.ones(2))
    assert "scale" not in dict(model.named_parameters())


def test_float_casts_parameters_grads_and_float_buffers_back_to_float32():
    model = mt.MLP(3, [4], 2, batchnorm=True).double()
    x = np.random.default_rng(0).standard_normal((5, 3))
    model(x)
    model.backward(np.ones((5, 2)))
    assert model.float() is model
    assert all(p.dtype == np.float32 and p.grad.dtype == np.float32 for p in model.parameters())
    assert model[1].running_mean.dtype == model[1].running_var.dtype == np.float32
    assert model[1].num_batches_tracked.dtype == np.int64  # integer buffers keep their type
    assert model(x).dtype == np.float32
    assert dict(model.state_dict())["1.running_var"].dtype == np.float32


# ------------------------------------------------------------------ to(), apply(), requires_grad_()
def test_to_casts_in_place_accepts_pytorch_spellings_and_refuses_other_devices():
    model = mt.MLP(3, [4], 2, batchnorm=True)
    assert model.to("cpu") is model and all(p.dtype == np.float32 for p in model.parameters())
    for spelling in (np.float64, "float64", ("cpu", np.float64)):
        model.float()
        args = spelling if isinstance(spelling, tuple) else (spelling,)
        assert model.to(*args) is model
        assert all(p.dtype == np.float64 for p in model.parameters()) and model[1].running_mean.dtype == np.float64
    assert model.to(dtype=np.float32) is model and model[0].weight.dtype == np.float32
    assert model.to("cpu:0") is model
    with pytest.raises(ValueError, match=r"to\('cuda'\): minitorch_nn runs on the CPU only"):
        model.to("cuda")
    with pytest.raises(ValueError, match="expected a floating dtype, got int64"):
        model.to(np.int64)


def test_apply_visits_children_first_then_self_and_returns_self():
    model = mt.Sequential(mt.Linear(2, 3), mt.Sequential(mt.ReLU(), mt.Linear(3, 1)))
    visited = []
    assert model.apply(lambda m: visited.append(type(m).__name__)) is model
    assert visited == ["Linear", "ReLU", "Linear", "Sequential", "Sequential"]  # PyTorch's post-order
    model.apply(lambda m: mt.init.zeros_(m.bias) if isinstance(m, mt.Linear) else None)
    assert not model[0].bias.data.any() and not model[1][1].bias.data.any()


def test_a_frozen_layer_passes_gradients_on_but_is_never_updated(rng):
    x, y = rng.standard_normal((6, 4)), rng.integers(0, 3, 6)

    def gradients(freeze_middle):
        mt.manual_seed(0)
        model = mt.MLP(4, [5, 5], 3).double()
        if freeze_middle:
            assert model[2].requires_grad_(False) is model[2]
        loss_fn = mt.CrossEntropyLoss()
        loss_fn(model(x), y)
        model.backward(loss_fn.backward())
        return model

    trained, frozen = gradients(False), gradients(True)
    assert frozen[2].weight.grad is None and frozen[2].bias.grad is None
    assert [p.requires_grad for p in frozen.parameters()] == [True, True, False, False, True, True]
    # the layers before the frozen one still get their full gradient through it
    np.testing.assert_allclose(frozen[0].weight.grad, trained[0].weight.grad, rtol=1e-12)
    for name in ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad"):
        model = gradients(True)
        model[2].weight.grad = np.ones_like(model[2].weight.data)  # even a gradient set by hand is ignored
        before = model.state_dict()
        getattr(mt.optim, name)(model.parameters(), lr=0.1).step()
        after = model.state_dict()
        assert np.array_equal(after["2.weight"], before["2.weight"]) and np.array_equal(after["2.bias"], before["2.bias"])
        assert not np.array_equal(after["0.weight"], before["0.weight"]), name
    assert frozen.requires_grad_() is frozen and all(p.requires_grad for p in frozen.parameters())

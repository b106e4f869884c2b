"""The Optimizer base class: parameter groups, zero_grad, step's loop, errors, and
state_dict / load_state_dict (a resumed run continues bit-identically)."""
import json

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn import optim
from minitorch_nn.optim.optimizer import Optimizer, required


def _params(*shapes, dtype=np.float64):
    return [mt.Parameter(np.arange(np.prod(s), dtype=dtype).reshape(s) / 10) for s in shapes]


def test_exports():
    for name in ("Optimizer", "SGD", "RMSprop", "Adagrad", "Adam", "AdamW"):
        assert hasattr(optim, name)
    assert hasattr(optim.lr_scheduler, "StepLR")
    assert hasattr(optim.functional, "adam")


def test_empty_parameter_list_raises():
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam(iter([]))


@pytest.mark.parametrize("bad, name", [
    (np.zeros(3), "numpy.ndarray"),
    (3.0, "float"),
    ("weight", "str"),
])
def test_non_parameters_raise_type_error(bad, name):
    p = _params((2,))[0]
    message = f"optimizer can only optimize Parameters, but one of the params is {name}"
    with pytest.raises(TypeError, match=message):
        optim.SGD([p, bad], lr=0.1)


def test_single_parameter_or_array_instead_of_iterable_raises():
    p = _params((2,))[0]
    with pytest.raises(TypeError, match="iterable of Parameters or dicts, but got .*Parameter"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="numpy.ndarray"):
        optim.SGD(np.zeros(3), lr=0.1)


def test_set_of_parameters_raises():
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD(set(_params((2,), (3,))), lr=0.1)


def test_parameter_in_two_groups_raises():
    a, b = _params((2,), (3,))
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [a, b]}, {"params": [b]}], lr=0.1)
    with pytest.raises(ValueError, match="duplicate"):
        optim.SGD([a, a], lr=0.1)


def test_generator_of_parameters():
    model = mt.Module()
    model.w = mt.Parameter(np.ones(3))
    model.b = mt.Parameter(np.zeros(1))
    opt = optim.SGD(model.parameters(), lr=0.1)
    assert opt.param_groups[0]["params"] == [model.w, model.b]


def test_named_parameters_are_accepted():
    a, b = _params((2,), (3,))
    opt = optim.Adam([("layer.weight", a), ("layer.bias", b)])
    assert opt.param_groups[0]["param_names"] == ["layer.weight", "layer.bias"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["layer.weight", "layer.bias"]


def test_groups_override_defaults():
    a, b, c = _params((2,), (3,), (1,))
    opt = optim.SGD([{"params": [a], "lr": 0.5}, {"params": [b, c], "momentum": 0.9}], lr=0.1)
    g0, g1 = opt.param_groups
    assert (g0["lr"], g0["momentum"]) == (0.5, 0)
    assert (g1["lr"], g1["momentum"]) == (0.1, 0.9)
    assert g1["params"] == [b, c]
    assert set(g0) == {"params", "lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize"}


def test_add_param_group():
    a, b = _params((2,), (3,))
    opt = optim.Adam([a], lr=0.01)
    opt.add_param_group({"params": b, "lr": 0.1})
    assert len(opt.param_groups) == 2
    assert opt.param_groups[1]["params"] == [b]
    assert opt.param_groups[1]["betas"] == (0.9, 0.999)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(TypeError, match="param_group must be a dict"):
        opt.add_param_group([a])
    b.grad = np.ones(3)
    opt.step()
    assert opt.state[b]["step"] == 1


def test_lr_change_in_param_group_takes_effect():
    (p,) = _params((3,))
    opt = optim.SGD([p], lr=0.1)
    p.grad = np.ones(3)
    start = p.data.copy()
    opt.param_groups[0]["lr"] = 0.5
    opt.step()
    np.testing.assert_allclose(p.data, start - 0.5)


def test_zero_grad():
    a, b = _params((2,), (3,))
    opt = optim.SGD([a, b], lr=0.1)
    a.grad = np.ones(2)
    opt.zero_grad()
    assert a.grad is None and b.grad is None
    a.grad = np.ones(2)
    grad = a.grad
    opt.zero_grad(set_to_none=False)
    assert a.grad is grad and np.all(grad == 0) and b.grad is None


def test_step_skips_params_without_grad_and_returns_closure_value():
    a, b = _params((2,), (3,))
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = np.ones(2)
    before = b.data.copy()
    assert opt.step(lambda: 1.25) == 1.25
    assert opt.step() is None
    assert np.array_equal(b.data, before)
    assert b not in opt.state
    assert opt.state[a]["step"] == 2


def test_grad_with_wrong_shape_raises():
    (p,) = _params((2, 3))
    p.grad = np.ones(3)
    with pytest.raises(ValueError, match=r"grad of shape \(3,\); expected the parameter's shape \(2, 3\)"):
        optim.SGD([p], lr=0.1).step()


def test_updates_in_place():
    (p,) = _params((4,), dtype=np.float32)
    data = p.data
    opt = optim.Adam([p])
    p.grad = np.ones(4, dtype=np.float32)
    opt.step()
    assert p.data is data and p.data.dtype == np.float32


class SignSGD(Optimizer):
    """A user-defined optimiser: only the per-parameter formula is needed."""

    def __init__(self, params, lr=required):
        super().__init__(params, dict(lr=lr))

    def _update(self, param, grad, state, group):
        state["step"] = state.get("step", 0) + 1
        param -= group["lr"] * np.sign(grad)


def test_custom_optimizer_subclass():
    a, b = _params((2,), (3,))
    opt = SignSGD([{"params": [a], "lr": 0.5}, {"params": [b], "lr": 0.25}])
    a.grad, b.grad = np.array([3.0, -2.0]), np.array([1.0, 0.0, -1.0])
    opt.step()
    np.testing.assert_allclose(a.data, [-0.5, 0.6])
    np.testing.assert_allclose(b.data, [-0.25, 0.1, 0.45])
    assert opt.state_dict()["state"][1] == {"step": 1}
    with pytest.raises(ValueError, match="required optimization parameter lr"):
        SignSGD([a])


def test_base_class_without_update_raises():
    (p,) = _params((2,))
    p.grad = np.ones(2)
    with pytest.raises(NotImplementedError, match="_update"):
        Optimizer([p], {"lr": 0.1}).step()


def test_repr():
    text = repr(optim.SGD(_params((2,)), lr=0.1, momentum=0.9))
    assert text.startswith("SGD (") and "lr: 0.1" in text and "momentum: 0.9" in text


OPTIMIZERS = ("SGD", "RMSprop", "Adagrad", "Adam", "AdamW")


def _without_arrays(obj):
    """The state_dict with every ndarray replaced by a marker (what goes to JSON)."""
    if isinstance(obj, np.ndarray):
        return {"__array__": list(obj.shape)}
    if isinstance(obj, dict):
        return {k: _without_arrays(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_without_arrays(v) for v in obj]
    return obj


def _arrays(obj, prefix=""):
    if isinstance(obj, np.ndarray):
        return {prefix: obj}
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            out.update(_arrays(v, f"{prefix}/{k}"))
        return out
    return {}


def _with_arrays(obj, arrays, prefix=""):
    if isinstance(obj, dict) and "__array__" in obj:
        return arrays[prefix]
    if isinstance(obj, dict):
        return {k: _with_arrays(v, arrays, f"{prefix}/{k}") for k, v in obj.items()}
    return obj


def _resume(optim_reference, case, sd, dtype=np.float64):
    params = optim_reference.make_params(dtype)
    first = optim_reference.make_optimizer(case, params)
    for t in range(10):
        optim_reference.feed_grads(params, t, dtype)
        first.step()
    saved = first.state_dict()
    # fresh parameters holding the same values, and a fresh optimiser
    copies = optim_reference.make_params(dtype)
    for c, p in zip(copies, params):
        c.data[...] = p.data
    second = optim_reference.make_optimizer(case, copies)
    second.load_state_dict(sd(saved))
    for t in range(10, 20):
        optim_reference.feed_grads(copies, t, dtype)
        second.step()
    return np.concatenate([p.data.ravel() for p in copies])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_resume_is_bit_identical(optim_reference, optim_case, dtype):
    uninterrupted = optim_reference.run(optim_case, dtype=dtype, steps=20)[-1]
    resumed = _resume(optim_reference, optim_case, lambda sd: sd, dtype)
    assert np.array_equal(resumed, uninterrupted)


def test_state_dict_survives_json_round_trip(optim_reference, optim_case):
    def through_json(sd):
        text = json.dumps(_without_arrays(sd))  # raises TypeError on any non-plain value
        arrays = _arrays(sd)
        return _with_arrays(json.loads(text), arrays)  # int keys come back as strings

    uninterrupted = optim_reference.run(optim_case, steps=20)[-1]
    assert np.array_equal(_resume(optim_reference, optim_case, through_json), uninterrupted)


def test_state_dict_layout(optim_reference, optim_case):
    params = optim_reference.make_params()
    opt = optim_reference.make_optimizer(optim_case, params)
    for t in range(3):
        optim_reference.feed_grads(params, t)
        opt.step()
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    indices = [i for g in sd["param_groups"] for i in g["params"]]
    assert sorted(indices) == list(range(len(params)))
    assert set(sd["state"]) <= set(indices)
    assert all(isinstance(k, int) for k in sd["state"])
    for group in sd["param_groups"]:
        assert "lr" in group
    # state arrays are copies: stepping on does not change a saved state_dict
    before = {(i, k): v.copy()
              for i, s in sd["state"].items() for k, v in s.items() if isinstance(v, np.ndarray)}
    optim_reference.feed_grads(params, 3)
    opt.step()
    for (i, k), v in before.items():
        assert np.array_equal(sd["state"][i][k], v)


def test_load_state_dict_copies_arrays(optim_reference):
    params = optim_reference.make_params()
    opt = optim.Adam(params, lr=0.01)
    optim_reference.feed_grads(params, 0)
    opt.step()
    sd = opt.state_dict()
    other = optim.Adam(optim_reference.make_params(), lr=0.01)
    other.load_state_dict(sd)
    loaded = other.state[other.param_groups[0]["params"][0]]["exp_avg"]
    assert not np.shares_memory(loaded, sd["state"][0]["exp_avg"])
    sd["state"][0]["exp_avg"][...] = 123.0
    assert not np.any(loaded == 123.0)


def test_load_state_dict_restores_hyper_parameters(optim_reference):
    params = optim_reference.make_params()
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    opt.param_groups[0]["lr"] = 0.025
    other = optim.SGD(optim_reference.make_params(), lr=0.1, momentum=0.9)
    other.load_state_dict(opt.state_dict())
    assert other.param_groups[0]["lr"] == 0.025
    assert other.param_groups[0]["params"][0] is not params[0]


def test_load_state_dict_casts_to_param_dtype(optim_reference):
    params = optim_reference.make_params(np.float64)
    opt = optim.Adam(params)
    optim_reference.feed_grads(params, 0)
    opt.step()
    p32 = optim_reference.make_params(np.float32)
    other = optim.Adam(p32)
    other.load_state_dict(opt.state_dict())
    assert other.state[p32[0]]["exp_avg"].dtype == np.float32


def test_load_state_dict_errors(optim_reference):
    params = optim_reference.make_params()
    opt = optim.Adam(params)
    optim_reference.feed_grads(params, 0)
    opt.step()
    sd = opt.state_dict()

    two_groups = optim.Adam([{"params": params[:2]}, {"params": params[2:]}])
    with pytest.raises(ValueError, match="different number of parameter groups"):
        two_groups.load_state_dict(sd)

    fewer = optim.Adam(optim_reference.make_params()[:3])
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        fewer.load_state_dict(sd)

    bad_shape = opt.state_dict()
    bad_shape["state"][0]["exp_avg"] = np.zeros((5, 5))
    with pytest.raises(ValueError, match=r"'exp_avg' of parameter 0 has shape \(5, 5\).*\(2, 3\)"):
        optim.Adam(optim_reference.make_params()).load_state_dict(bad_shape)

    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        optim.Adam(optim_reference.make_params()).load_state_dict({"lr": 1})

    bad_index = opt.state_dict()
    bad_index["state"][17] = bad_index["state"][0]
    with pytest.raises(ValueError, match="parameter 17"):
        optim.Adam(optim_reference.make_params()).load_state_dict(bad_index)


def test_repr_lists_each_group_s_hyper_parameters_sorted():
    model = mt.Linear(2, 1)
    opt = optim.SGD([{"params": [model.weight], "lr": 0.5}, {"params": [model.bias]}], lr=0.1, momentum=0.9)
    assert repr(opt) == ("SGD (\nParameter Group 0\n    dampening: 0\n    lr: 0.5\n    maximize: False\n"
                         "    momentum: 0.9\n    nesterov: False\n    weight_decay: 0\nParameter Group 1\n"
                         "    dampening: 0\n    lr: 0.1\n    maximize: False\n    momentum: 0.9\n    nesterov: False\n"
                         "    weight_decay: 0\n)")
    named = optim.Adam(model.named_parameters())
    assert "param_names" in named.param_groups[0] and "param_names" not in repr(named) and "params" not in repr(named)


def test_the_base_class_names_the_subclass_that_lacks_update():
    class Unfinished(Optimizer):
        pass

    (p,) = _params((2,))
    p.grad = np.ones(2)
    with pytest.raises(NotImplementedError, match=r"^Unfinished must implement _update\(param, grad, state, group\)$"):
        Unfinished([p], {"lr": 0.1}).step()


@pytest.mark.parametrize("name, kwargs", [
    ("SGD", dict(lr=0.1)), ("SGD", dict(lr=0.1, momentum=0.9, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, maximize=True)), ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3)),
    ("Adam", dict(weight_decay=0.1, amsgrad=True)), ("AdamW", dict()), ("RMSprop", dict(momentum=0.9, centered=True)),
    ("RMSprop", dict(weight_decay=0.1)), ("Adagrad", dict(weight_decay=0.1, lr_decay=0.1)),
])
def test_after_the_first_step_a_step_allocates_no_new_arrays(name, kwargs):
    """As the README promises: temporaries live in the optimiser's workspace, reused every step
    (small arrays, the plain-numpy path; BLAS needs no temporaries at all)."""
    import tracemalloc

    params = [mt.Parameter(np.full((50, 40), 0.5)), mt.Parameter(np.full(40, -0.5))]  # 16 kB + 320 B
    opt = getattr(optim, name)(params, **kwargs)
    for p in params:
        p.grad = np.full(p.shape, 0.25)
    opt.step()  # the first step creates the state and the workspace
    tracemalloc.start()
    try:
        for _ in range(3):
            opt.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4_000, f"{name} {kwargs}: {peak} bytes allocated during later steps"


# ------------------------------------------------------------------ every message in full, PyTorch's words where it has them
def _two():
    return mt.Parameter(np.zeros(2)), mt.Parameter(np.zeros(2))


MESSAGES = [
    (lambda a, b: optim.SGD([("a", a), b]), ValueError,
     "all optimizer params should be with/without names. Some param names are missing"),
    (lambda a, b: optim.SGD([{"params": {a}}]), TypeError,
     "optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will "
     "change between runs. Please use a list instead."),
    (lambda a, b: optim.SGD([]), ValueError,
     "optimizer got an empty parameter list; check that the model has parameters (model.parameters() is not "
     "exhausted)"),
    (lambda a, b: optim.SGD([a, a]), ValueError, "optimizer contains a parameter group with duplicate parameters"),
    (lambda a, b: optim.SGD([{"params": [a]}, {"params": [a]}]), ValueError,
     "some parameters appear in more than one parameter group"),
    (lambda a, b: optim.SGD([("a", a)]).add_param_group({"params": [b]}), ValueError,
     "all optimizer param groups should be with/without names. cannot add param group without names to the "
     "optimizer"),
    (lambda a, b: optim.SGD([a]).add_param_group({"params": [("b", b)]}), ValueError,
     "all optimizer param groups should be with/without names. cannot add param group with names to the optimizer"),
    (lambda a, b: optim.SGD([a]).add_param_group([b]), TypeError, "param_group must be a dict, but got list"),
    (lambda a, b: optim.SGD([a]).add_param_group({"lr": 1.0}), ValueError,
     "param_group must have a 'params' entry (a list of Parameters)"),
    (lambda a, b: optim.SGD([a]).load_state_dict([1]), ValueError,
     "SGD.load_state_dict: expected a dict with 'state' and 'param_groups' (from optimizer.state_dict()), got list"),
    (lambda a, b: optim.Adam([a]).load_state_dict({"a": 1}), ValueError,
     "Adam.load_state_dict: expected a dict with 'state' and 'param_groups' (from optimizer.state_dict()), got dict "
     "with keys ['a']"),
]


@pytest.mark.parametrize("make, error, message", MESSAGES, ids=range(len(MESSAGES)))
def test_every_error_message_in_full(make, error, message):
    with pytest.raises(error) as info:
        make(*_two())
    assert str(info.value) == message


def test_state_and_step_messages_name_the_optimizer():
    a = mt.Parameter(np.zeros(2))
    a.grad = np.ones(2)
    adam = optim.Adam([a])
    adam.step()
    saved = adam.state_dict()
    saved["state"] = {5: saved["state"][0]}
    with pytest.raises(ValueError) as info:
        optim.Adam([mt.Parameter(np.zeros(2))]).load_state_dict(saved)
    assert str(info.value) == ("Adam.load_state_dict: state refers to parameter 5, but the saved param_groups list "
                               "only parameters [0]")
    saved = adam.state_dict()
    saved["state"][0]["exp_avg"] = np.zeros(3)
    with pytest.raises(ValueError) as info:
        optim.Adam([mt.Parameter(np.zeros(2))]).load_state_dict(saved)
    assert str(info.value) == ("Adam.load_state_dict: state 'exp_avg' of parameter 0 has shape (3,), but the parameter "
                               "has shape (2,); was the optimizer built over the same model?")
    c = mt.Parameter(np.zeros(2))
    c.grad = np.ones(3)
    with pytest.raises(ValueError) as info:
        optim.RMSprop([c]).step()
    assert str(info.value) == ("RMSprop.step: Parameter(shape=(2,), dtype=float64) has a grad of shape (3,); expected "
                               "the parameter's shape (2,)")
    assert repr(required) == "<required parameter>"


def test_weight_decay_of_one_is_applied_like_any_other():
    p = mt.Parameter(np.array([2.0, -1.0]))
    p.grad = np.array([0.5, 0.5])
    optim.SGD([p], lr=0.1, weight_decay=1.0).step()
    np.testing.assert_allclose(p.data, [2.0 - 0.1 * (0.5 + 2.0), -1.0 - 0.1 * (0.5 - 1.0)], rtol=1e-15)


def test_loading_keeps_names_fills_missing_hyper_parameters_and_keeps_integer_state():
    a, b = _two()
    named = optim.SGD([("first", a), ("second", b)], lr=0.1)
    saved = json.loads(json.dumps(optim.SGD([a, b], lr=0.3, momentum=0.5).state_dict()))
    del saved["param_groups"][0]["nesterov"]  # a state from before an option existed
    named.load_state_dict(saved)
    group = named.param_groups[0]
    assert group["param_names"] == ["first", "second"] and isinstance(group["param_names"], list)
    assert group["lr"] == 0.3 and group["momentum"] == 0.5 and group["nesterov"] is False

    class Counting(Optimizer):
        def __init__(self, params):
            super().__init__(params, {"lr": 0.1})

        def _update(self, param, grad, state, group):
            state["counts"] = state.get("counts", np.zeros(param.shape, np.int64)) + 1

    p = mt.Parameter(np.zeros(3, np.float32))
    p.grad = np.ones(3, np.float32)
    counting = Counting([p])
    counting.step()
    restored = Counting([mt.Parameter(np.zeros(3, np.float32))])
    restored.load_state_dict(counting.state_dict())
    (state,) = restored.state.values()
    assert state["counts"].dtype == np.int64  # only floating state takes the parameter's dtype


def test_a_state_dict_is_a_copy_of_the_groups():
    a, b = _two()
    opt = optim.SGD([("a", a), ("b", b)], lr=0.1)
    saved = opt.state_dict()
    saved["param_groups"][0]["param_names"].append("c")
    assert opt.param_groups[0]["param_names"] == ["a", "b"]


@pytest.mark.parametrize("name, lr", [("SGD", 1e-3), ("Adam", 1e-3), ("AdamW", 1e-3), ("RMSprop", 1e-2),
                                      ("Adagrad", 1e-2)])
def test_the_default_learning_rate_is_pytorch_s_in_the_group(name, lr):
    assert getattr(optim, name)([mt.Parameter(np.zeros(2))]).param_groups[0]["lr"] == lr


@pytest.mark.parametrize("make, error, message", [
    (lambda p: optim.SGD([p], nesterov="yes"), TypeError, "SGD: nesterov must be True or False, got 'yes' (str)"),
    (lambda p: optim.Adam([p], betas=(0.9, "x")), TypeError, "Adam: betas[1] must be a number, got 'x' (str)"),
    (lambda p: optim.lr_scheduler.SequentialLR(
        *(lambda opt: (opt, [optim.lr_scheduler.ExponentialLR(opt, 0.9), optim.lr_scheduler.StepLR(opt, 1)]))(
            optim.SGD([p])), milestones=["2"]), TypeError, "SequentialLR: milestones must be an integer, got '2' (str)"),
    (lambda p: optim.lr_scheduler.OneCycleLR(optim.SGD([p]), max_lr=1.0, epochs=0, steps_per_epoch=2), ValueError,
     "Expected positive integer epochs, but got 0"),
    (lambda p: optim.lr_scheduler.OneCycleLR(optim.SGD([p]), max_lr=1.0, epochs=2, steps_per_epoch=0), ValueError,
     "Expected positive integer steps_per_epoch, but got 0"),
], ids=["flag", "pair-item", "integer", "epochs", "steps_per_epoch"])
def test_argument_kinds_are_named_in_full(make, error, message):
    with pytest.raises(error) as info:
        make(mt.Parameter(np.zeros(2)))
    assert str(info.value) == message


def test_sgd_accepts_any_dampening_as_pytorch():
    p = mt.Parameter(np.array([1.0]))
    p.grad = np.array([1.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.5, dampening=-0.5)
    opt.step()
    opt.step()  # b = 0.5 b + 1.5 g = 2.0
    np.testing.assert_allclose(p.data, [1.0 - 0.1 - 0.2], rtol=1e-15)


def test_names_survive_a_json_round_trip_as_a_list():
    a, b = _two()
    named = optim.Adam([("first", a), ("second", b)])
    saved = json.loads(json.dumps(named.state_dict()))
    fresh = optim.Adam([("first", a), ("second", b)])
    fresh.load_state_dict(saved)
    assert fresh.param_groups[0]["param_names"] == ["first", "second"]
    assert isinstance(fresh.param_groups[0]["param_names"], list) and fresh.param_groups[0]["betas"] == (0.9, 0.999)

"""optimizer.state_dict() / load_state_dict(): a resumed run continues bit-identically."""
import json

import numpy as np
import pytest

from minitorch_nn import optim

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

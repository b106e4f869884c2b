"""The classic course update rules in mt.optim.functional, against the course's test vectors."""
import numpy as np
import pytest

from minitorch_nn.optim import functional as F


def rel_error(x, y):
    return np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)))


def assert_printed(actual, expected, decimals=8):
    """``actual`` rounds to the course's printed values (given to ``decimals`` places)."""
    np.testing.assert_allclose(actual, np.array(expected), rtol=0, atol=0.5 * 10.0**-decimals * 1.001)


N, D = 4, 5
W = np.linspace(-0.4, 0.6, num=N * D).reshape(N, D)
DW = np.linspace(-0.6, 0.4, num=N * D).reshape(N, D)
V = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)


def test_sgd():
    w = W.copy()
    next_w, config = F.sgd(w, DW, {"learning_rate": 1e-3})
    assert rel_error(next_w, W - 1e-3 * DW) < 1e-15
    assert np.array_equal(w, W)
    _, config = F.sgd(W, DW)
    assert config == {"learning_rate": 1e-2}


def test_sgd_momentum():
    w, v = W.copy(), V.copy()
    config = {"learning_rate": 1e-3, "velocity": v}
    next_w, _ = F.sgd_momentum(w, DW, config=config)
    expected_first = [0.1406, 0.20738947, 0.27417895, 0.34096842, 0.40775789]
    expected_last = [1.14244211, 1.20923158, 1.27602105, 1.34281053, 1.4096]
    expected_velocity_first = [0.5406, 0.55475789, 0.56891579, 0.58307368, 0.59723158]
    assert_printed(next_w[0], expected_first)
    assert_printed(next_w[-1], expected_last)
    assert_printed(config["velocity"][0], expected_velocity_first)
    assert np.array_equal(w, W) and np.array_equal(v, V)  # inputs untouched
    assert config["momentum"] == 0.9


def test_sgd_nesterov_momentum():
    w = W.copy()
    config = {"learning_rate": 1e-3, "velocity": V.copy()}
    next_w, _ = F.sgd_nesterov_momentum(w, DW, config=config)
    expected_first = [0.08714, 0.15246105, 0.21778211, 0.28310316, 0.34842421]
    expected_last = [1.06695579, 1.13227684, 1.19759789, 1.26291895, 1.32824]
    assert_printed(next_w[0], expected_first)
    assert_printed(next_w[-1], expected_last)
    # velocity is updated exactly as in plain momentum
    np.testing.assert_allclose(config["velocity"], 0.9 * V - 1e-3 * DW)
    assert np.array_equal(w, W)


def test_rmsprop():
    w = W.copy()
    config = {"learning_rate": 1e-2, "a": V.copy()}
    next_w, _ = F.rmsprop(w, DW, config=config)
    expected_first = [-0.39223849, -0.34037513, -0.28849239, -0.23659121, -0.18467247]
    expected_a_first = [0.5976, 0.6126277, 0.6277108, 0.64284931, 0.65804321]
    assert_printed(next_w[0], expected_first)
    assert_printed(config["a"][0], expected_a_first, decimals=7)
    # the formula, in full
    a = 0.99 * V + 0.01 * DW**2
    np.testing.assert_allclose(next_w, W - 1e-2 * DW / (np.sqrt(a) + 1e-8), rtol=1e-15)
    assert np.array_equal(w, W)


def test_rmsprop_uses_only_key_a():
    # a course-style "cache" entry is not read: the average starts from zeros
    next_w, config = F.rmsprop(W, DW, {"learning_rate": 1e-2, "cache": V.copy()})
    np.testing.assert_allclose(config["a"], 0.01 * DW**2)


def test_adam():
    w = W.copy()
    m = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    v2 = np.linspace(0.7, 0.5, num=N * D).reshape(N, D)
    config = {"learning_rate": 1e-2, "v": m.copy(), "a": v2.copy(), "t": 5}
    next_w, _ = F.adam(w, DW, config=config)
    expected_first = [-0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977]
    expected_v_first = [0.48, 0.49947368, 0.51894737, 0.53842105, 0.55789474]
    expected_a_first = [0.69966, 0.68908382, 0.67851319, 0.66794809, 0.65738853]
    assert_printed(next_w[0], expected_first)
    assert_printed(config["v"][0], expected_v_first)
    assert_printed(config["a"][0], expected_a_first)
    assert config["t"] == 6
    # the formula, in full (t incremented before the bias correction)
    v = 0.9 * m + 0.1 * DW
    a = 0.999 * v2 + 0.001 * DW**2
    expected = W - 1e-2 * (v / (1 - 0.9**6)) / (np.sqrt(a / (1 - 0.999**6)) + 1e-8)
    np.testing.assert_allclose(next_w, expected, rtol=1e-15)
    assert np.array_equal(w, W)


@pytest.mark.parametrize("rule, defaults", [
    (F.sgd, {"learning_rate": 1e-2}),
    (F.sgd_momentum, {"learning_rate": 1e-2, "momentum": 0.9}),
    (F.sgd_nesterov_momentum, {"learning_rate": 1e-2, "momentum": 0.9}),
    (F.rmsprop, {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8}),
    (F.adam, {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "t": 1}),
])
def test_defaults_and_state_initialised_to_zero(rule, defaults):
    w = W.copy()
    next_w, config = rule(w, DW, None)
    for key, value in defaults.items():
        assert config[key] == value
    assert np.array_equal(w, W)
    assert next_w.shape == W.shape and not np.shares_memory(next_w, w)
    for key in ("velocity", "a", "v"):
        if key in config:
            assert config[key].shape == W.shape


def test_config_is_reused_across_iterations():
    w, config = W.copy(), None
    for _ in range(3):
        w, config = F.adam(w, DW, config)
    assert config["t"] == 3
    w2, c2 = W.copy(), {}
    for _ in range(3):
        w2, c2 = F.adam(w2, DW, c2)
    assert np.array_equal(w, w2)


def test_first_momentum_step_from_zero_velocity_is_sgd():
    next_w, _ = F.sgd_momentum(W, DW, {"learning_rate": 0.1})
    np.testing.assert_allclose(next_w, W - 0.1 * DW)


def test_bad_config_type():
    with pytest.raises(TypeError, match="config must be a dict"):
        F.sgd(W, DW, [("learning_rate", 1e-3)])


@pytest.mark.parametrize("rule", [F.sgd, F.sgd_momentum, F.sgd_nesterov_momentum, F.rmsprop, F.adam])
def test_new_weights_and_state_are_float_arrays_like_w(rule):
    next_w, config = rule(W.copy(), DW, None)
    arrays = [next_w] + [config[key] for key in ("velocity", "a", "v") if key in config]
    for array in arrays:
        assert isinstance(array, np.ndarray) and array.dtype == W.dtype and array.shape == W.shape
    next_w, config = rule(next_w, DW, config)  # the second step starts from that state
    assert next_w.dtype == W.dtype


def test_bad_config_type_names_what_was_given():
    with pytest.raises(TypeError, match=r"^config must be a dict or None, got list$"):
        F.adam(W, DW, [("learning_rate", 1e-3)])

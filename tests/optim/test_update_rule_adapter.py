"""UpdateRule: the course's (w, dw, config) rules drive Parameters exactly as the course Solver does."""
import copy
import json

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn import optim
from minitorch_nn.optim import update_rules

RULES = ["sgd", "sgd_momentum", "sgd_nesterov_momentum", "rmsprop", "adam"]


def _weights_and_grads(steps=12, seed=0):
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal((3, 4)), rng.standard_normal(4)]
    grads = [[rng.standard_normal(w.shape) for w in weights] for _ in range(steps)]
    return weights, grads


def _solver(rule, weights, grads, config, lr_decay=1.0, steps_per_epoch=4):
    """The course Solver's loop: one config copy per weight, learning_rate decayed per epoch."""
    configs = [dict(config) for _ in weights]
    weights = [w.copy() for w in weights]
    for t, step_grads in enumerate(grads):
        for i, dw in enumerate(step_grads):
            weights[i], configs[i] = getattr(update_rules, rule)(weights[i], dw, configs[i])
        if (t + 1) % steps_per_epoch == 0:
            for c in configs:
                c["learning_rate"] *= lr_decay
    return weights


@pytest.mark.parametrize("rule", RULES)
def test_matches_the_solver_loop_bit_for_bit(rule):
    weights, grads = _weights_and_grads()
    config = {"learning_rate": 0.05}
    params = [mt.Parameter(w.copy()) for w in weights]
    optimizer = optim.UpdateRule(params, rule=rule, config=config)
    scheduler = optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9)   # the Solver's lr_decay
    for t, step_grads in enumerate(grads):
        for p, g in zip(params, step_grads):
            p.grad = g
        optimizer.step()
        if (t + 1) % 4 == 0:
            scheduler.step()
    expected = _solver(rule, weights, grads, config, lr_decay=0.9)
    for p, w in zip(params, expected):
        np.testing.assert_allclose(p.data, w, rtol=1e-15, atol=1e-15)
    assert config == {"learning_rate": 0.05}          # the caller's dict is copied, not filled in


def test_defaults_are_the_rules_and_show_in_the_group():
    param = mt.Parameter(np.zeros(2))
    group = optim.UpdateRule([param], rule="adam").param_groups[0]
    assert group["lr"] == 1e-3 and group["beta1"] == 0.9 and group["beta2"] == 0.999 and group["epsilon"] == 1e-8
    assert "t" not in group
    group = optim.UpdateRule([param], rule="sgd_momentum", config={"momentum": 0.5}).param_groups[0]
    assert group["lr"] == 1e-2 and group["momentum"] == 0.5
    assert "rule='sgd_momentum'" in repr(optim.UpdateRule([param], rule="sgd_momentum"))


@pytest.mark.parametrize("rule", RULES)
def test_state_dict_resumes_bit_identically(rule):
    weights, grads = _weights_and_grads()

    def run(params, optimizer, steps):
        for step_grads in steps:
            for p, g in zip(params, step_grads):
                p.grad = g
            optimizer.step()

    straight = [mt.Parameter(w.copy()) for w in weights]
    run(straight, optim.UpdateRule(straight, rule=rule), grads)
    first = [mt.Parameter(w.copy()) for w in weights]
    optimizer = optim.UpdateRule(first, rule=rule)
    run(first, optimizer, grads[:5])
    saved = json.loads(json.dumps(optimizer.state_dict(), default=lambda a: a.tolist()))
    saved["state"] = {k: {n: np.array(v) if isinstance(v, list) else v for n, v in s.items()}
                      for k, s in saved["state"].items()}
    second = [mt.Parameter(p.data.copy()) for p in first]
    resumed = optim.UpdateRule(second, rule=rule)
    resumed.load_state_dict(saved)
    run(second, resumed, grads[5:])
    for a, b in zip(straight, second):
        assert np.array_equal(a.data, b.data)


def test_float32_parameters_stay_float32_and_are_updated_in_place():
    param = mt.Parameter(np.ones(3, dtype=np.float32))
    data = param.data
    optimizer = optim.UpdateRule([param], rule="rmsprop")
    param.grad = np.full(3, 0.5, dtype=np.float32)
    optimizer.step()
    assert param.data is data and data.dtype == np.float32 and (data < 1).all()


def test_a_custom_rule_and_errors():
    def halve(w, dw, config):
        config = config if config is not None else {}
        config.setdefault("learning_rate", 0.5)
        return w - config["learning_rate"] * dw, config

    param = mt.Parameter(np.ones(2))
    optimizer = optim.UpdateRule([param], rule=halve)
    param.grad = np.ones(2)
    optimizer.step()
    assert param.data.tolist() == [0.5, 0.5]
    with pytest.raises(ValueError, match="unknown rule 'sgd_momentun'; choose one of sgd, sgd_momentum"):
        optim.UpdateRule([param], rule="sgd_momentun")
    with pytest.raises(ValueError, match="velocity is the rule's running state"):
        optim.UpdateRule([param], rule="sgd_momentum", config={"velocity": np.zeros(2)})
    with pytest.raises(ValueError, match="learning_rate must be a positive number"):
        optim.UpdateRule([param], rule="sgd", config={"learning_rate": -1})


def test_drives_a_trainer_like_the_solver():
    from minitorch_nn.data import Compose, DataLoader, Digits, Flatten, ToFloat

    to_vectors = Compose([ToFloat(), Flatten()])
    mt.manual_seed(0)
    model = mt.MLP(64, [64], 10)
    optimizer = optim.UpdateRule(model.parameters(), rule="sgd_momentum",
                                 config={"learning_rate": 0.05, "momentum": 0.9})
    trainer = mt.Trainer(model, mt.CrossEntropyLoss(), optimizer, log=None)
    trainer.fit(DataLoader(Digits(), batch_size=64, shuffle=True, seed=0, transform=to_vectors), epochs=5)
    _, accuracy = mt.evaluate(model, DataLoader(Digits(train=False), batch_size=360, transform=to_vectors))
    assert accuracy > 0.9
    copy.deepcopy(optimizer.state_dict())


def test_the_default_rule_is_sgd_and_the_repr_names_the_rule():
    param = mt.Parameter(np.ones(2))
    optimizer = optim.UpdateRule([param])
    assert optimizer.rule is update_rules.sgd and optimizer.rule_name == "sgd"
    assert optimizer.param_groups[0]["lr"] == 1e-2
    assert repr(optimizer).startswith("UpdateRule (rule='sgd'\nParameter Group 0\n    lr: 0.01")
    assert repr(optim.UpdateRule([param], rule="adam")).startswith("UpdateRule (rule='adam'\n")


def test_group_hyper_parameters_reach_the_rule():
    """A group's own momentum (not the rule's default 0.9) is what the rule gets."""
    weights, grads = _weights_and_grads(steps=3)
    params = [mt.Parameter(w.copy()) for w in weights]
    optimizer = optim.UpdateRule(params, rule="sgd_momentum", config={"learning_rate": 0.1, "momentum": 0.5})
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = g
        optimizer.step()
    expected = _solver("sgd_momentum", weights, grads, {"learning_rate": 0.1, "momentum": 0.5})
    for p, w in zip(params, expected):
        np.testing.assert_array_equal(p.data, w)


def test_rule_names_and_messages():
    import functools

    param = mt.Parameter(np.ones(2))
    partial = functools.partial(update_rules.sgd_momentum)
    assert optim.UpdateRule([param], rule=partial).rule_name == repr(partial)  # no __name__: its repr
    with pytest.raises(ValueError, match=r"^UpdateRule: config holds hyper-parameters only; velocity, a is the rule's "
                                         r"running state, which each parameter keeps for itself$"):
        optim.UpdateRule([param], rule="sgd_momentum", config={"velocity": np.zeros(2), "a": np.zeros(2)})

    def no_lr(w, dw, config):
        return w - dw, dict(config or {})

    with pytest.raises(ValueError, match=r"^UpdateRule: rule 'no_lr' sets no learning_rate; give one in config$"):
        optim.UpdateRule([param], rule=no_lr)
    with pytest.raises(ValueError, match=r"^UpdateRule: config learning_rate must be a positive number, got 0$"):
        optim.UpdateRule([param], rule="sgd", config={"learning_rate": 0})

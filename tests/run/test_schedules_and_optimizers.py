"""The schedule and optimiser registries: every entry builds from a config, new entries give the
same sequences as the classes they wrap, and per-entry defaults and misfits are handled."""
from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

import minitorch_nn as mt
from minitorch_nn import optim
from minitorch_nn.optim import lr_scheduler
from minitorch_nn.run.cli import main
from minitorch_nn.run.config import ConfigError, resolve_config, unused_settings
from minitorch_nn.run.optimizers import OPTIMIZERS, build_optimizer
from minitorch_nn.run.schedules import SCHEDULES, build_scheduler


def _lrs(scheduler, optimizer, epochs):
    lrs = [optimizer.param_groups[0]["lr"]]
    for _ in range(epochs):
        scheduler.step(1.0) if isinstance(scheduler, lr_scheduler.ReduceLROnPlateau) else scheduler.step()
        lrs.append(optimizer.param_groups[0]["lr"])
    return lrs


def _optimizer(lr=0.1):
    return optim.SGD([mt.Parameter(np.zeros(2))], lr=lr, momentum=0.9)


@pytest.mark.parametrize("name", [name for name in SCHEDULES if name != "none"])
def test_every_schedule_builds_from_its_defaults_and_runs_a_whole_run(name):
    config = resolve_config({"schedule": {"name": name}, "train": {"epochs": 12}})
    optimizer = _optimizer()
    scheduler = build_scheduler(optimizer, config["schedule"], 12)
    lrs = _lrs(scheduler, optimizer, 12)
    assert all(np.isfinite(lrs)) and min(lrs) >= 0


@pytest.mark.parametrize("table, expected", [
    ({"name": "multistep", "milestones": [2, 4], "gamma": 0.5},
     lambda opt: lr_scheduler.MultiStepLR(opt, milestones=[2, 4], gamma=0.5)),
    ({"name": "lambda", "factors": [0.25, 0.5, 1.0]},
     lambda opt: lr_scheduler.LambdaLR(opt, lambda epoch: [0.25, 0.5, 1.0][min(epoch, 2)])),
    ({"name": "linear", "start_factor": 0.1, "total_iters": 4},
     lambda opt: lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=4)),
    ({"name": "onecycle", "max_lr": 0.5, "pct_start": 0.25},
     lambda opt: lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=10, pct_start=0.25)),
    ({"name": "warm_restarts", "t_0": 3, "t_mult": 2, "eta_min": 0.01},
     lambda opt: lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2, eta_min=0.01)),
    ({"name": "sequential", "sequence": ["linear", "cosine"], "sequence_milestones": [3], "start_factor": 0.2},
     lambda opt: lr_scheduler.SequentialLR(opt, [lr_scheduler.LinearLR(opt, start_factor=0.2),
                                                 lr_scheduler.CosineAnnealingLR(opt, T_max=7)], milestones=[3])),
])
def test_a_config_entry_gives_its_class_sequence(table, expected):
    config = resolve_config({"schedule": table, "train": {"epochs": 10}})
    ours_optimizer, theirs_optimizer = _optimizer(), _optimizer()
    ours = _lrs(build_scheduler(ours_optimizer, config["schedule"], 10), ours_optimizer, 10)
    theirs = _lrs(expected(theirs_optimizer), theirs_optimizer, 10)
    assert ours == theirs


def test_misfit_schedules_are_config_errors():
    config = resolve_config({"schedule": {"name": "sequential", "sequence": ["linear", "cosine"],
                                          "sequence_milestones": [12]}})
    with pytest.raises(ConfigError, match="sequence_milestones = \\[12\\] does not fit"):
        build_scheduler(_optimizer(), config["schedule"], 10)
    config = resolve_config({"optim": {"name": "adagrad"}, "schedule": {"name": "onecycle"}})
    adagrad = optim.Adagrad([mt.Parameter(np.zeros(2))], lr=0.1)
    with pytest.raises(ConfigError, match="cycle_momentum = false"):
        build_scheduler(adagrad, config["schedule"], 10)
    with pytest.raises(ConfigError, match='has "plateau", which is not valid'):
        resolve_config({"schedule": {"name": "sequential", "sequence": ["linear", "plateau"]}})


@pytest.mark.parametrize("name", [name for name in OPTIMIZERS if name.startswith("classic_")])
def test_classic_rules_are_update_rule_optimisers(name):
    config = resolve_config({"optim": {"name": name, "lr": 0.05}})
    optimizer = build_optimizer([mt.Parameter(np.zeros(2))], config["optim"])
    assert isinstance(optimizer, optim.UpdateRule) and optimizer.rule_name == name.removeprefix("classic_")
    assert optimizer.param_groups[0]["lr"] == 0.05


def test_classic_momentum_defaults_to_the_courses_unless_set():
    config = resolve_config({"optim": {"name": "classic_sgd_momentum"}})
    assert config["optim"]["momentum"] == 0.9
    assert build_optimizer([mt.Parameter(np.zeros(1))], config["optim"]).param_groups[0]["momentum"] == 0.9
    assert resolve_config({"optim": {"name": "classic_sgd_momentum", "momentum": 0.5}})["optim"]["momentum"] == 0.5
    assert resolve_config({}, {"optim.name": ("classic_sgd_momentum", "--optimizer"),
                               "optim.momentum": (0.0, "--x")})["optim"]["momentum"] == 0.0
    assert resolve_config({"optim": {"name": "sgd"}})["optim"]["momentum"] == 0.0
    assert unused_settings(resolve_config({"optim": {"name": "classic_adam", "weight_decay": 0.1}})) == [
        "optim.weight_decay = 0.1 is not used by optim 'classic_adam'"]


def test_train_py_runs_a_classic_rule_with_a_warm_up_sequence(tmp_path, capsys):
    config = tmp_path / "solver.toml"
    config.write_text('[data]\ndataset = "digits"\nbatch_size = 64\n[model]\nhidden = [64]\n'
                      '[optim]\nname = "classic_sgd_momentum"\nlr = 0.1\n'
                      '[schedule]\nname = "sequential"\nsequence = ["linear", "cosine"]\nsequence_milestones = [2]\n'
                      '[train]\nepochs = 8\n')
    assert main(["--config", str(config), "--out", str(tmp_path), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "classic sgd_momentum" in out
    (folder,) = [p for p in pathlib.Path(tmp_path).iterdir() if p.is_dir()]
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["test_accuracy"] > 0.9
    lrs = [float(line.split(",")[5]) for line in (folder / "metrics.csv").read_text().splitlines()[1:]]
    assert lrs[0] == pytest.approx(0.1 / 3) and lrs[2] == pytest.approx(0.1) and lrs[7] < lrs[3] < 0.1

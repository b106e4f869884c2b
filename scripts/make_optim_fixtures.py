"""Write tests/fixtures/optim_reference.npz: trajectories computed by torch.optim.

Usage (needs PyTorch; deterministic, writes the same file every time):

    python scripts/make_optim_fixtures.py

The file holds
  spec                 JSON: the parameter shapes, the gradient-skip rule, the optimiser
                       cases and the scheduler cases (the tests rebuild everything from it)
  init/p{i}            initial value of parameter i (float64)
  grads/p{i}           (STEPS, *shape) gradient fed to parameter i at each step
  optim/{case}         (STEPS + 1, n) all parameters, flattened and concatenated, before
                       the first step and after every step
  sched/{case}         (EPOCHS + 1, groups) get_last_lr() after construction and after each step
  sched_momentum/{case}  the same for the groups' momentum (OneCycleLR cases, which cycle it)

LambdaLR's functions are stored as {"factors": [...]} or {"power": g} (see ``lr_lambda``), and
SequentialLR's schedulers as [name, kwargs] pairs.

Gradients: parameter 2 gets no gradient (``.grad = None``) at steps t with t % 4 == 3, and
parameter 3 never gets one, so the tests also cover skipped parameters.
"""
from __future__ import annotations

import json
import os
import zipfile

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "optim_reference.npz")
STEPS = 30
EPOCHS = 20
SHAPES = [[2, 3], [4], [3], [2]]
SKIP = {"param": 2, "every": 4, "phase": 3, "never": [3]}

# Each case: optimiser class name, constructor kwargs, and optionally parameter groups
# (lists of parameter indices plus per-group overrides).
OPTIM_CASES = {
    "sgd_plain": ("SGD", {"lr": 0.1}),
    "sgd_weight_decay_only": ("SGD", {"lr": 0.1, "weight_decay": 0.05}),
    "sgd_momentum": ("SGD", {"lr": 0.1, "momentum": 0.9}),
    "sgd_dampening": ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}),
    "sgd_nesterov": ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    "sgd_weight_decay": ("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1}),
    "sgd_nesterov_weight_decay": ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True,
                                          "weight_decay": 0.01}),
    "sgd_maximize": ("SGD", {"lr": 0.1, "momentum": 0.5, "maximize": True}),
    "sgd_groups": ("SGD", {"lr": 0.1, "momentum": 0.5},
                   [{"params": [0], "lr": 0.05, "momentum": 0.9, "nesterov": True},
                    {"params": [1, 2, 3], "weight_decay": 0.01}]),
    "rmsprop_plain": ("RMSprop", {"lr": 0.01}),
    "rmsprop_momentum": ("RMSprop", {"lr": 0.01, "momentum": 0.9}),
    "rmsprop_centered": ("RMSprop", {"lr": 0.01, "centered": True}),
    "rmsprop_centered_momentum": ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5}),
    "rmsprop_weight_decay": ("RMSprop", {"lr": 0.01, "weight_decay": 0.1}),
    "rmsprop_small_alpha": ("RMSprop", {"lr": 0.01, "alpha": 0.3, "centered": True}),
    "rmsprop_maximize": ("RMSprop", {"lr": 0.01, "maximize": True}),
    "adagrad_plain": ("Adagrad", {"lr": 0.1}),
    "adagrad_lr_decay": ("Adagrad", {"lr": 0.1, "lr_decay": 0.05}),
    "adagrad_weight_decay": ("Adagrad", {"lr": 0.1, "weight_decay": 0.1}),
    "adagrad_initial_accumulator": ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5}),
    "adam_plain": ("Adam", {"lr": 0.01}),
    "adam_weight_decay": ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    "adam_amsgrad": ("Adam", {"lr": 0.01, "amsgrad": True}),
    "adam_small_beta1": ("Adam", {"lr": 0.01, "betas": [0.3, 0.9]}),
    "adam_maximize": ("Adam", {"lr": 0.01, "maximize": True}),
    "adam_groups": ("Adam", {"lr": 0.01},
                    [{"params": [0, 3], "lr": 0.02, "amsgrad": True},
                     {"params": [1, 2], "betas": [0.8, 0.99]}]),
    "adamw_plain": ("AdamW", {"lr": 0.01}),
    "adamw_amsgrad": ("AdamW", {"lr": 0.01, "amsgrad": True}),
    "adamw_weight_decay": ("AdamW", {"lr": 0.01, "weight_decay": 0.5}),
}

# Scheduler cases run on SGD with two groups (lr 0.1 and 0.03).
SCHED_LRS = [0.1, 0.03]
# Improves, then plateaus (0.79995 is within the relative threshold of 0.8, so it is no
# improvement): reductions every patience + 1 + cooldown epochs until group 0 hits its min_lr.
PLATEAU_MIN_METRICS = [1.0, 0.9, 0.8, 0.8, 0.79995, 0.8, 0.8, 0.8, 0.8, 0.8,
                       0.5, 0.6, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
PLATEAU_MAX_METRICS = [0.1, 0.3, 0.35, 0.45, 0.46, 0.5, 0.52, 0.7, 0.71, 0.72,
                       0.73, 0.9, 0.91, 0.92, 0.93, 0.94, 1.2, 1.25, 1.26, 1.27]
SCHED_CASES = {
    "steplr": ("StepLR", {"step_size": 3, "gamma": 0.5}),
    "steplr_default_gamma": ("StepLR", {"step_size": 7}),
    "exponentiallr": ("ExponentialLR", {"gamma": 0.9}),
    "cosine": ("CosineAnnealingLR", {"T_max": 10, "eta_min": 0.001}),
    "cosine_short": ("CosineAnnealingLR", {"T_max": 7}),
    "plateau_min": ("ReduceLROnPlateau", {"mode": "min", "factor": 0.5, "patience": 2, "cooldown": 2,
                                          "min_lr": [0.02, 0.0]}, PLATEAU_MIN_METRICS),
    "plateau_max_abs": ("ReduceLROnPlateau", {"mode": "max", "factor": 0.3, "patience": 1, "cooldown": 1,
                                              "threshold": 0.05, "threshold_mode": "abs", "min_lr": 0.001},
                        PLATEAU_MAX_METRICS),
    "plateau_default": ("ReduceLROnPlateau", {"patience": 3}, [1.0] * 20),
    "multisteplr": ("MultiStepLR", {"milestones": [2, 5, 5, 9], "gamma": 0.5}),
    "multisteplr_default_gamma": ("MultiStepLR", {"milestones": [3, 12]}),
    "lambdalr_warmup": ("LambdaLR", {"lr_lambda": {"factors": [0.2, 0.4, 0.6, 0.8, 1.0]}}),
    "lambdalr_per_group": ("LambdaLR", {"lr_lambda": [{"power": 0.9}, {"factors": [1.0, 0.5, 0.25]}]}),
    "linearlr": ("LinearLR", {}),
    "linearlr_decay": ("LinearLR", {"start_factor": 1.0, "end_factor": 0.1, "total_iters": 8}),
    "onecycle": ("OneCycleLR", {"max_lr": [1.0, 0.3], "total_steps": 20}),
    "onecycle_linear_three_phase": ("OneCycleLR", {"max_lr": 0.5, "total_steps": 25, "anneal_strategy": "linear",
                                                   "three_phase": True, "pct_start": 0.25, "div_factor": 10.0,
                                                   "final_div_factor": 100.0, "base_momentum": 0.8,
                                                   "max_momentum": 0.9}),
    "onecycle_epochs_no_momentum": ("OneCycleLR", {"max_lr": 0.2, "epochs": 4, "steps_per_epoch": 6,
                                                   "cycle_momentum": False}),
    "warm_restarts": ("CosineAnnealingWarmRestarts", {"T_0": 5}),
    "warm_restarts_mult": ("CosineAnnealingWarmRestarts", {"T_0": 2, "T_mult": 2, "eta_min": 0.001}),
    "sequential_warmup_cosine": ("SequentialLR", {
        "schedulers": [["LinearLR", {"start_factor": 0.1, "total_iters": 4}],
                       ["CosineAnnealingLR", {"T_max": 10, "eta_min": 0.001}]],
        "milestones": [4]}),
    "sequential_three": ("SequentialLR", {
        "schedulers": [["LambdaLR", {"lr_lambda": {"factors": [0.5, 0.75, 1.0]}}],
                       ["StepLR", {"step_size": 2, "gamma": 0.5}],
                       ["ExponentialLR", {"gamma": 0.8}]],
        "milestones": [3, 9]}),
    "sequential_restarts": ("SequentialLR", {
        "schedulers": [["ExponentialLR", {"gamma": 0.9}], ["CosineAnnealingWarmRestarts", {"T_0": 3}],
                       ["MultiStepLR", {"milestones": [2, 4], "gamma": 0.3}]],
        "milestones": [5, 12]}),
}


def make_spec() -> dict:
    optim = []
    for name, entry in OPTIM_CASES.items():
        case = {"name": name, "optimizer": entry[0], "kwargs": entry[1]}
        if len(entry) > 2:
            case["groups"] = entry[2]
        optim.append(case)
    sched = []
    for name, entry in SCHED_CASES.items():
        case = {"name": name, "scheduler": entry[0], "kwargs": entry[1]}
        if len(entry) > 2:
            case["metrics"] = entry[2]
        sched.append(case)
    return {"steps": STEPS, "epochs": EPOCHS, "shapes": SHAPES, "skip": SKIP,
            "optimizers": optim, "schedulers": sched, "scheduler_lrs": SCHED_LRS}


def has_grad(spec: dict, param: int, t: int) -> bool:
    skip = spec["skip"]
    if param in skip["never"]:
        return False
    return not (param == skip["param"] and t % skip["every"] == skip["phase"])


def torch_kwargs(kwargs: dict) -> dict:
    return {k: tuple(v) if k == "betas" else v for k, v in kwargs.items()}


def torch_trajectory(spec, case, init, grads) -> np.ndarray:
    params = [torch.tensor(x, dtype=torch.float64) for x in init]
    if "groups" in case:
        groups = [{**torch_kwargs({k: v for k, v in g.items() if k != "params"}),
                   "params": [params[i] for i in g["params"]]} for g in case["groups"]]
    else:
        groups = params
    opt = getattr(torch.optim, case["optimizer"])(groups, **torch_kwargs(case["kwargs"]), foreach=False)
    rows = [np.concatenate([p.detach().numpy().ravel() for p in params])]
    for t in range(spec["steps"]):
        for i, p in enumerate(params):
            p.grad = torch.tensor(grads[i][t]) if has_grad(spec, i, t) else None
        opt.step()
        rows.append(np.concatenate([p.detach().numpy().ravel() for p in params]))
    return np.stack(rows)


def lr_lambda(encoded):
    """A LambdaLR function from its JSON form: {"factors": [...]} (the last factor holds after the
    list ends) or {"power": g} (g ** epoch); a list of them gives one per parameter group."""
    if isinstance(encoded, list):
        return [lr_lambda(item) for item in encoded]
    if "factors" in encoded:
        factors = encoded["factors"]
        return lambda epoch: factors[min(epoch, len(factors) - 1)]
    return lambda epoch: encoded["power"] ** epoch


def make_scheduler(module, optimizer, name: str, kwargs: dict):
    """Build scheduler ``name`` of ``module`` (torch.optim.lr_scheduler) from a case's JSON kwargs."""
    kwargs = dict(kwargs)
    if "lr_lambda" in kwargs:
        kwargs["lr_lambda"] = lr_lambda(kwargs["lr_lambda"])
    if name == "SequentialLR":
        kwargs["schedulers"] = [make_scheduler(module, optimizer, inner, inner_kwargs)
                                for inner, inner_kwargs in kwargs["schedulers"]]
    return getattr(module, name)(optimizer, **kwargs)


def torch_lrs(spec, case) -> tuple[np.ndarray, np.ndarray]:
    """The lrs after construction and after every step, and the groups' momentum alike."""
    params = [torch.zeros(1, requires_grad=True) for _ in spec["scheduler_lrs"]]
    opt = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, spec["scheduler_lrs"])])
    sched = make_scheduler(torch.optim.lr_scheduler, opt, case["scheduler"], case["kwargs"])
    rows = [list(sched.get_last_lr())]
    momenta = [[group["momentum"] for group in opt.param_groups]]
    for epoch in range(spec["epochs"]):
        opt.step()  # no grads: nothing changes, but keeps torch's call-order check quiet
        if "metrics" in case:
            sched.step(case["metrics"][epoch])
        else:
            sched.step()
        rows.append(list(sched.get_last_lr()))
        momenta.append([group["momentum"] for group in opt.param_groups])
    return np.array(rows, dtype=np.float64), np.array(momenta, dtype=np.float64)


def main() -> None:
    spec = make_spec()
    rng = np.random.default_rng(20240531)
    init = [rng.standard_normal(s) for s in SHAPES]
    grads = [rng.standard_normal([STEPS, *s]) * rng.uniform(0.1, 2.0) for s in SHAPES]
    arrays = {"spec": np.array(json.dumps(spec))}
    for i in range(len(SHAPES)):
        arrays[f"init/p{i}"] = init[i]
        arrays[f"grads/p{i}"] = grads[i]
    for case in spec["optimizers"]:
        arrays[f"optim/{case['name']}"] = torch_trajectory(spec, case, init, grads)
    for case in spec["schedulers"]:
        lrs, momenta = torch_lrs(spec, case)
        arrays[f"sched/{case['name']}"] = lrs
        if case["scheduler"] == "OneCycleLR":  # the one scheduler that also moves the momentum
            arrays[f"sched_momentum/{case['name']}"] = momenta
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    # An .npz written entry by entry with a fixed date, so that re-running gives the same bytes.
    with zipfile.ZipFile(OUT, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key, array in arrays.items():
            info = zipfile.ZipInfo(key + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w") as f:
                np.lib.format.write_array(f, np.asarray(array), allow_pickle=False)
    print(f"wrote {os.path.normpath(OUT)} ({os.path.getsize(OUT)} bytes, torch {torch.__version__})")


if __name__ == "__main__":
    main()

"""The learning-rate schedules ``train.py`` can build, by name: ``[schedule] name = "cosine"``.

Each is one ``Entry``: ``build(optimizer, schedule_table, epochs) -> scheduler or None`` (stepped
once per epoch), with the ``[schedule]`` keys it reads besides ``name``. ``epochs`` is the number
of epochs the schedule spans: the run's, or in a ``sequential`` schedule the length of its phase.
A schedule planned over ``train.epochs`` also has ``extend(optimizer, scheduler, schedule_table, done,
old_total, new_total, last_lr) -> scheduler``: how it continues when ``--resume --epochs`` changes
the total after ``done`` epochs (the cosine is re-planned, see ``planned_cosine.py``; the 1cycle
policy cannot be and says so); the others simply go on.
"""
from __future__ import annotations

from ..optim.lr_scheduler import (CosineAnnealingWarmRestarts, ExponentialLR, LambdaLR, LinearLR, MultiStepLR,
                                  OneCycleLR, ReduceLROnPlateau, SequentialLR, StepLR)
from .options import ConfigError, Option, non_negative, plans, positive
from .planned_cosine import build_cosine, describe_cosine, extend_cosine
from .registry import Entry, Registry

SCHEDULES = Registry("learning-rate schedule", "schedule")

GAMMA = Option(0.1, "decay factor (step, exponential; plateau's factor)", "float", check=positive)
STEP_SIZE = Option(10, "epochs between decays (step)", "int", check=positive)
T_MAX = Option(0, "epochs of one cosine half-period (0: train.epochs, or the phase's epochs in a sequence)", "int",
               check=non_negative)
ETA_MIN = Option(0.0, "lowest learning rate (cosine, warm_restarts)", "float", check=non_negative)
PLANS = Option([], "set by --resume --epochs: the cosine's plans, [[after epoch, total], ...] "
                   "(see docs/RELIABILITY.md)", "int_pairs", check=plans)
PATIENCE = Option(2, "epochs without improvement before a decay (plateau)", "int", check=non_negative)

SCHEDULES.add(Entry(name="none", summary="a constant learning rate", build=lambda optimizer, cfg, epochs: None))
SCHEDULES.add(Entry(
    name="step", summary="multiply the lr by gamma every step_size epochs (StepLR)",
    build=lambda optimizer, cfg, epochs: StepLR(optimizer, step_size=cfg["step_size"], gamma=cfg["gamma"]),
    options={"gamma": GAMMA, "step_size": STEP_SIZE},
))
SCHEDULES.add(Entry(
    name="exponential", summary="multiply the lr by gamma every epoch (ExponentialLR)",
    build=lambda optimizer, cfg, epochs: ExponentialLR(optimizer, gamma=cfg["gamma"]),
    options={"gamma": GAMMA},
))
SCHEDULES.add(Entry(
    name="cosine", summary="cosine annealing to eta_min over t_max epochs (CosineAnnealingLR)",
    build=build_cosine, options={"t_max": T_MAX, "eta_min": ETA_MIN, "plans": PLANS},
    describe=describe_cosine, extend=extend_cosine,
))
SCHEDULES.add(Entry(
    name="plateau", summary="multiply the lr by gamma when the validation loss stalls (ReduceLROnPlateau)",
    build=lambda optimizer, cfg, epochs: ReduceLROnPlateau(optimizer, mode="min", factor=cfg["gamma"],
                                                           patience=cfg["patience"]),
    options={"gamma": GAMMA, "patience": PATIENCE},
))


def _ascending(value) -> str | None:
    return None if value == sorted(value) else "must be in increasing order, e.g. [10, 15]"


def _factors(value) -> str | None:
    if value and all(v >= 0 for v in value):
        return None
    return "must be a non-empty list of factors >= 0, e.g. [0.1, 0.5, 1.0]"


def _unit_interval(value) -> str | None:
    return None if 0 < value <= 1 else "must be in (0, 1]"


MILESTONES = Option([10, 15], "epochs at which the lr is multiplied by gamma (multistep)", "ints", check=_ascending)
FACTORS = Option([1.0], "lr = initial lr * factors[epoch], the last factor holding after the list ends (lambda)",
                 "floats", check=_factors)
START_FACTOR = Option(1 / 3, "lr factor at epoch 0, in (0, 1] (linear)", "float", check=_unit_interval)
END_FACTOR = Option(1.0, "lr factor from epoch total_iters on, in [0, 1] (linear)", "float",
                    check=lambda v: None if 0 <= v <= 1 else "must be in [0, 1]")
TOTAL_ITERS = Option(5, "epochs from start_factor to end_factor (linear)", "int", check=positive)
MAX_LR = Option(0.0, "peak learning rate (onecycle; 0: optim.lr)", "float", check=non_negative)
PCT_START = Option(0.3, "fraction of the epochs spent raising the lr (onecycle)", "float", check=_unit_interval)
DIV_FACTOR = Option(25.0, "initial lr = max_lr / div_factor (onecycle)", "float", check=positive)
FINAL_DIV_FACTOR = Option(1e4, "final lr = initial lr / final_div_factor (onecycle)", "float", check=positive)
CYCLE_MOMENTUM = Option(True, "cycle the momentum / Adam's beta1 against the lr (onecycle)", "bool")
T_0 = Option(10, "epochs of the first cycle (warm_restarts)", "int", check=positive)
T_MULT = Option(1, "each cycle is t_mult times longer than the last (warm_restarts)", "int", check=positive)

SCHEDULES.add(Entry(
    name="multistep", summary="multiply the lr by gamma at each milestone epoch (MultiStepLR)",
    build=lambda optimizer, cfg, epochs: MultiStepLR(optimizer, milestones=cfg["milestones"], gamma=cfg["gamma"]),
    options={"gamma": GAMMA, "milestones": MILESTONES},
))
SCHEDULES.add(Entry(
    name="lambda", summary="the initial lr times a factor per epoch, e.g. a warm-up (LambdaLR)",
    build=lambda optimizer, cfg, epochs: LambdaLR(optimizer, lr_lambda=_factor_of_epoch(cfg["factors"])),
    options={"factors": FACTORS},
))
SCHEDULES.add(Entry(
    name="linear", summary="scale the lr linearly from start_factor to end_factor over total_iters epochs (LinearLR)",
    build=lambda optimizer, cfg, epochs: LinearLR(optimizer, start_factor=cfg["start_factor"],
                                                  end_factor=cfg["end_factor"], total_iters=cfg["total_iters"]),
    options={"start_factor": START_FACTOR, "end_factor": END_FACTOR, "total_iters": TOTAL_ITERS},
))
SCHEDULES.add(Entry(
    name="onecycle", summary="the 1cycle policy over the run's epochs, one step per epoch (OneCycleLR)",
    build=lambda optimizer, cfg, epochs: OneCycleLR(
        optimizer, max_lr=cfg["max_lr"] or optimizer.param_groups[0]["lr"], total_steps=epochs,
        pct_start=cfg["pct_start"], div_factor=cfg["div_factor"], final_div_factor=cfg["final_div_factor"],
        cycle_momentum=cfg["cycle_momentum"]),
    options={"max_lr": MAX_LR, "pct_start": PCT_START, "div_factor": DIV_FACTOR, "final_div_factor": FINAL_DIV_FACTOR,
             "cycle_momentum": CYCLE_MOMENTUM},
    extend=lambda *args: _cannot_be_replanned("onecycle")(*args),
))
SCHEDULES.add(Entry(
    name="warm_restarts",
    summary="cosine annealing, restarted after t_0, t_0 * t_mult, ... epochs (CosineAnnealingWarmRestarts)",
    build=lambda optimizer, cfg, epochs: CosineAnnealingWarmRestarts(optimizer, T_0=cfg["t_0"], T_mult=cfg["t_mult"],
                                                                     eta_min=cfg["eta_min"]),
    options={"t_0": T_0, "t_mult": T_MULT, "eta_min": ETA_MIN},
))

# The schedules a sequence can chain: all but the metric-driven plateau, "none" and itself.
SEQUENCE = Option(["linear", "cosine"], "the schedules to run one after another (sequential), each with this "
                  "table's keys", "strs", tuple(name for name in SCHEDULES if name not in ("none", "plateau")))
SEQUENCE_MILESTONES = Option([5], "epochs at which the next schedule of the sequence takes over (sequential)",
                             "ints", check=_ascending)


def _build_sequence(optimizer, cfg: dict, epochs: int) -> SequentialLR:
    names, milestones = cfg["sequence"], cfg["sequence_milestones"]
    if len(milestones) != len(names) - 1 or (milestones and not 0 < milestones[0] <= milestones[-1] < epochs):
        raise ConfigError(f"config value schedule.sequence_milestones = {milestones} does not fit schedule.sequence = "
                          f"{names}: give one epoch fewer than schedules, each between 1 and train.epochs - 1 "
                          f"({epochs - 1}), e.g. sequence_milestones = [5] for two schedules")
    bounds = [0] + milestones + [epochs]
    schedules = [SCHEDULES[name].build(optimizer, cfg, bounds[i + 1] - bounds[i]) for i, name in enumerate(names)]
    return SequentialLR(optimizer, schedules, milestones=milestones)


SCHEDULES.add(Entry(
    name="sequential", summary="run schedules one after another, e.g. a linear warm-up then cosine (SequentialLR)",
    build=_build_sequence, extend=lambda *args: _extend_sequence(*args),
    options={"sequence": SEQUENCE, "sequence_milestones": SEQUENCE_MILESTONES, **{
        key: option for name in SEQUENCE.choices for key, option in SCHEDULES[name].options.items()}},
))


def _cannot_be_replanned(name: str):
    """The ``extend`` of a schedule whose whole shape depends on ``train.epochs`` (the 1cycle policy): a
    changed total cannot continue it smoothly, so it is refused with the ways on."""
    def refuse(optimizer, scheduler, cfg: dict, done: int, old_total: int, new_total: int, last_lr):
        if new_total == done:  # nothing is left to train: the schedule is not stepped again
            return scheduler
        raise ConfigError(f"the {name} schedule is planned over train.epochs = {old_total} and cannot be re-planned "
                          f"for {new_total} epochs; resume with the recorded total (--resume without --epochs), "
                          f"or start a new run with --epochs {new_total}")
    return refuse


def _extend_sequence(optimizer, scheduler, cfg: dict, done: int, old_total: int, new_total: int, last_lr):
    """A sequence's last phase runs until train.epochs: one that is planned over its length (a cosine
    with t_max = 0, the 1cycle policy) cannot be re-planned inside the sequence; the others go on."""
    last = cfg["sequence"][-1]
    if last == "onecycle" or (last == "cosine" and not cfg["t_max"]):
        return _cannot_be_replanned(f"sequential (ending with {last})")(optimizer, scheduler, cfg, done, old_total,
                                                                         new_total, last_lr)
    return scheduler


def _factor_of_epoch(factors: list[float]):
    """``epoch -> factors[epoch]``, the last factor holding after the list ends."""
    return lambda epoch: factors[min(epoch, len(factors) - 1)]


def build_scheduler(optimizer, schedule_config: dict, epochs: int):
    """The per-epoch schedule ``schedule_config["name"]`` (None for ``"none"``) over ``epochs`` epochs.

    Raises:
        ConfigError: the schedule cannot work with these settings or this optimiser (e.g.
            ``cycle_momentum`` with an optimiser that has no momentum), naming the fix.
    """
    name = schedule_config["name"]
    try:
        return SCHEDULES[name].build(optimizer, schedule_config, epochs)
    except (ValueError, TypeError) as error:
        if isinstance(error, ConfigError):
            raise
        raise ConfigError(f"config [schedule] name = {name!r} cannot be used with these settings: {error}"
                          + ("; set schedule.cycle_momentum = false, or use an optimiser with momentum"
                             if "momentum" in str(error) else "")) from None

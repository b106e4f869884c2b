"""The learning-rate schedules ``train.py`` can build, by name: ``[schedule] name = "cosine"``.

Each is one ``Entry``: ``build(optimizer, schedule_table, epochs) -> scheduler or None`` (stepped
once per epoch), with the ``[schedule]`` keys it reads besides ``name``.
"""
from __future__ import annotations

from ..optim.lr_scheduler import CosineAnnealingLR, ExponentialLR, ReduceLROnPlateau, StepLR
from .options import Option, non_negative, positive
from .registry import Entry, Registry

SCHEDULES = Registry("learning-rate schedule", "schedule")

GAMMA = Option(0.1, "decay factor (step, exponential; plateau's factor)", "float", check=positive)
STEP_SIZE = Option(10, "epochs between decays (step)", "int", check=positive)
T_MAX = Option(0, "epochs of one cosine half-period (0: train.epochs)", "int", check=non_negative)
ETA_MIN = Option(0.0, "lowest learning rate (cosine)", "float", check=non_negative)
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
    build=lambda optimizer, cfg, epochs: CosineAnnealingLR(optimizer, T_max=cfg["t_max"] or epochs,
                                                           eta_min=cfg["eta_min"]),
    options={"t_max": T_MAX, "eta_min": ETA_MIN},
))
SCHEDULES.add(Entry(
    name="plateau", summary="multiply the lr by gamma when the validation loss stalls (ReduceLROnPlateau)",
    build=lambda optimizer, cfg, epochs: ReduceLROnPlateau(optimizer, mode="min", factor=cfg["gamma"],
                                                           patience=cfg["patience"]),
    options={"gamma": GAMMA, "patience": PATIENCE},
))


def build_scheduler(optimizer, schedule_config: dict, epochs: int):
    """The per-epoch schedule ``schedule_config["name"]`` (None for ``"none"``); ``epochs`` is
    the cosine period when ``t_max`` is 0."""
    return SCHEDULES[schedule_config["name"]].build(optimizer, schedule_config, epochs)

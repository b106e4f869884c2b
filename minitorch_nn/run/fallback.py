"""The offline fallback of a bare ``python train.py``: when the recipe's data set is neither on
disk nor downloadable, the same recipe trains on the Digits set shipped in the package.

The run says so, says exactly how to get the real data, and records it: its name ends in
``-digits-fallback`` (``mnist_mlp-digits-fallback-<time>/``), ``config.toml`` starts with a
comment saying why, and ``summary.json`` has a ``fallback`` entry.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..data import resolve_root
from ..data.paths import ENV_VAR
from .datasets import DATASETS

FALLBACK_DATASET = "digits"
SUFFIX = "-digits-fallback"


@dataclass
class Fallback:
    """Why a run trains on Digits instead of its recipe's data set.

    Attributes:
        recipe_dataset: the data set the recipe names ("mnist").
        reason: why it could not be used (the data set's error, first line).
        root: the data root that was searched.
    """

    recipe_dataset: str
    reason: str
    root: str

    def run_name(self, name: str) -> str:
        """``mnist_mlp`` → ``mnist_mlp-digits-fallback``: a fallback run never passes for the recipe."""
        return name + SUFFIX

    def how_to_get_the_data(self) -> str:
        kind = DATASETS[self.recipe_dataset]
        folder = f"{self.root}/{kind.folder}/"
        files = ", ".join(kind.files)
        return (f"To train on {kind.title}, put its files ({files}) in {folder} (or in <DIR>/{kind.folder}/ and "
                f"run {ENV_VAR}=<DIR> python train.py, or python train.py --data-dir <DIR>); "
                f"with a network connection they are downloaded there by themselves.")

    def message(self, name: str) -> str:
        """What the run prints: what happened, what it trains instead, how to get the real data."""
        title = DATASETS[self.recipe_dataset].title
        return (f"{title} is not available: {self.reason}\n"
                f"Training {self.run_name(name)} instead: the same recipe on the 8x8 Digits set shipped in the "
                f"package.\n{self.how_to_get_the_data()}")

    def toml_comment(self, name: str) -> str:
        """The note at the top of the run's ``config.toml`` (``name``: the run's name, with or without the suffix)."""
        title = DATASETS[self.recipe_dataset].title
        return (f"FALLBACK: this run was to train {name.removesuffix(SUFFIX)} on {title}, which is not "
                f"available ({self.reason}).\nIt trains the same recipe on the Digits set instead "
                f"(data.dataset = \"{FALLBACK_DATASET}\").\n{self.how_to_get_the_data()}")

    def summary(self) -> dict:
        """The ``fallback`` entry of ``summary.json``."""
        return {"recipe_dataset": self.recipe_dataset, "dataset": FALLBACK_DATASET, "reason": self.reason,
                "data_root": self.root}


def fallback_for(name: str, error: Exception, root) -> Fallback:
    """The ``Fallback`` for data set ``name`` that failed with ``error`` under ``root`` (None: the default root)."""
    return Fallback(recipe_dataset=name, reason=str(error).splitlines()[0], root=str(resolve_root(root)))

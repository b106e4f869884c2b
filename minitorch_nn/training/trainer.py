"""``Trainer``: minibatch training with validation, best-weight tracking, schedules and checkpoints."""
from __future__ import annotations

import math
import numbers
import os
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np

from ..distributed import (all_reduce_gradients, all_reduce_sum, broadcast_buffers, gather_to_main, is_main,
                           resumed_stream_state, world_size)
from ..module import Module
from ..optim.lr_scheduler import ReduceLROnPlateau
from ..random import get_rng_state, set_rng_state
from ..serialization import save
from ..utils import clip_grad_norm_
from ..utils.progress import shows_progress, tqdm
from .checkpoint import FORMAT, VERSION, CheckpointError, checkpoint_problem, load_checkpoint, not_a_checkpoint
from .evaluate import evaluate
from .history import History


# What learning-rate schedulers keep in an optimiser's parameter groups (not the optimiser's settings).
_SCHEDULER_GROUP_KEYS = {"initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum"}


class TrainingDiverged(FloatingPointError):
    """The training loss became NaN or infinite; ``Trainer.fit`` stops and raises this."""


class Trainer:
    """Trains a classifier with minibatch gradient descent, like the classic ``Solver``.

    Each epoch e (1-based) of ``fit``: ``train_loader.set_epoch(e - 1)`` (0-based like a fresh
    loader's counter, so the batch order depends on the epoch, not on how many epochs this
    process ran); per batch forward → loss → backward → optional gradient clipping →
    ``optimizer.step()``; then the model is evaluated on ``val_loader``, the scheduler steps
    once (a per-epoch learning-rate decay; ``ReduceLROnPlateau`` gets the validation loss),
    the best-validation weights are kept and the checkpoints written.

    The train loss and accuracy of an epoch come from the training batches' scores as they
    are computed (no extra pass over the data): they are measured in train mode, with dropout
    active and the weights still changing, so they lag slightly behind an eval-mode pass.

    Progress: a tqdm bar per epoch (running loss, accuracy and it/s) when ``quiet`` is False
    and stderr is a terminal or a Jupyter notebook (``tqdm.auto``: a widget there when
    ipywidgets is installed); one summary line per epoch through ``log`` in every case.

    Data parallel (``mpiexec -n N``, loaders sharded with ``rank=`` / ``world_size=``): every
    rank runs this loop on its share of each batch, and one allreduce between ``backward`` and
    ``optimizer.step()`` gives every rank the global batch's gradient, so all take the same
    step. The epoch's loss and accuracy and the evaluations are those of the whole data; every
    rank evaluates with rank 0's BatchNorm running statistics (as PyTorch's DDP). Only rank 0
    logs, shows progress, calls ``on_epoch_end`` and writes checkpoints; ``save_checkpoint``
    and ``state_dict`` must be called on every rank (they collect every rank's generator state).

    Args:
        model: maps ``x`` batches to ``(N, C)`` scores; ``backward`` fills the ``.grad``s.
        loss_fn: e.g. ``mt.CrossEntropyLoss()``; returns a float, ``backward()`` d loss/d scores.
        optimizer: an ``mt.optim`` optimiser over the model's parameters.
        scheduler: an ``mt.optim.lr_scheduler`` schedule stepped once per epoch, or None.
        checkpoint_dir: folder for ``last.npz`` (after every epoch; before the first one it
            holds the initial weights as epoch 0) and ``best.npz`` (on a new best validation
            accuracy), or None for no checkpoints.
        config: a plain dict (the resolved run config) stored in every checkpoint.
        inference: a plain dict stored in every checkpoint as ``inference``, saying how to use the
            trained model (``load_trained`` reads it): ``{"model": ModelSpec.state_dict(),
            "preprocess": Preprocess.state_dict()}``; None to leave it out.
        restore_best: when ``fit`` ends, load the weights of the best validation epoch.
        clip_grad_norm: clip the global gradient norm to this value before each step (None: off).
        quiet: no progress bar.
        log: called with each summary line (default ``print``); None for silence.
        on_epoch_end: called as ``on_epoch_end(trainer, record)`` after each epoch (e.g. to
            write ``metrics.csv``).

    Attributes:
        history: a ``History``. epoch: epochs finished. best_epoch, best_val_accuracy: the best
        validation epoch so far (None before one). best_state: its weights (a ``state_dict``).
        last_state: the last epoch's weights while the model holds the best ones (after a ``fit``
        with ``restore_best``), else None. saved_epoch: the epoch of the last ``last.npz`` written
        (or loaded), None before one.

    Example:
        >>> trainer = Trainer(model, mt.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-3))
        >>> history = trainer.fit(train_loader, val_loader, epochs=10)
        >>> test_loss, test_accuracy = mt.evaluate(model, test_loader, mt.CrossEntropyLoss())
    """

    def __init__(self, model: Module, loss_fn, optimizer, scheduler=None, *,
                 checkpoint_dir: str | os.PathLike | None = None, config: dict | None = None,
                 restore_best: bool = True, clip_grad_norm: float | None = None, quiet: bool = False,
                 log: Callable[[str], None] | None = print,
                 on_epoch_end: Callable[["Trainer", dict], None] | None = None,
                 inference: dict | None = None) -> None:
        self.model = model
        self.loss_fn = loss_fn
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir is not None else None
        self.config = config or {}
        self.inference = inference
        self.restore_best = restore_best
        self.clip_grad_norm = clip_grad_norm or None
        self.world_size = world_size()  # > 1: data parallel, one rank of an MPI job
        self.is_main = is_main()
        # Under MPI the other ranks train silently: rank 0 reports for all.
        self.quiet = quiet or not self.is_main
        self.log = log if self.is_main else None
        self.on_epoch_end = on_epoch_end if self.is_main else None
        self.history = History()
        self.epoch = 0
        self.best_epoch: int | None = None
        self.best_val_accuracy: float | None = None
        self.best_state = None
        self.last_state = None
        self.saved_epoch: int | None = None

    # ------------------------------------------------------------------ training
    def fit(self, train_loader, val_loader=None, epochs: int = 10) -> History:
        """Train until ``epochs`` epochs are finished in total (a resumed trainer continues
        from ``self.epoch``); returns the ``History``.

        Raises:
            TrainingDiverged: the loss became NaN/inf. The checkpoints on disk are those of the
                last finished epoch; the model's weights in memory are not usable.
        """
        if not isinstance(epochs, (int, np.integer)) or epochs < 1:
            raise ValueError(f"Trainer.fit: epochs must be a positive integer (the total to reach), got {epochs!r}")
        self._continue_from_last_weights()
        if self.checkpoint_dir is not None and self.epoch == 0:
            self._save_last()
        for epoch in range(self.epoch + 1, epochs + 1):
            start = time.perf_counter()
            lr = float(self.optimizer.param_groups[0]["lr"])
            train_loss, train_accuracy = self._train_epoch(train_loader, epoch, epochs)
            val_loss, val_accuracy = self._validate(val_loader)
            self._step_scheduler(val_loss if val_loader is not None else train_loss)
            record = self.history.add_epoch(epoch=epoch, train_loss=train_loss, train_accuracy=train_accuracy,
                                            val_loss=val_loss, val_accuracy=val_accuracy, lr=lr,
                                            seconds=time.perf_counter() - start)
            self._end_epoch(record, epochs)
        if self.restore_best and self.best_state is not None and self.best_epoch != self.epoch:
            self._show_best_weights()
        return self.history

    def _validate(self, val_loader) -> tuple[float, float]:
        """Loss and accuracy on the validation set (NaN without one)."""
        if val_loader is None:
            return math.nan, math.nan
        return evaluate(self.model, val_loader, self.loss_fn)

    def _end_epoch(self, record: dict, epochs: int) -> None:
        """Bookkeeping after an epoch: the best weights so far, the checkpoints, the log line, the callback."""
        self.epoch = record["epoch"]
        improved = not math.isnan(record["val_accuracy"]) and (
            self.best_val_accuracy is None or record["val_accuracy"] > self.best_val_accuracy)
        if improved:
            self.best_epoch, self.best_val_accuracy = self.epoch, record["val_accuracy"]
            self.best_state = self.model.state_dict()
        if self.checkpoint_dir is not None:
            if improved:
                self.save_checkpoint(self.checkpoint_dir / "best.npz")
            self._save_last()
        if self.log is not None:
            self.log(self._summary_line(record, epochs, improved))
        if self.on_epoch_end is not None:
            self.on_epoch_end(self, record)

    def _show_best_weights(self) -> None:
        """The end of ``fit`` with ``restore_best``: the model takes the best validation epoch's
        weights; the last epoch's are kept aside, for checkpoints and for a later ``fit``."""
        self.last_state = self.model.state_dict()
        self.model.load_state_dict(self.best_state)

    def _continue_from_last_weights(self) -> None:
        """The start of ``fit``: training continues from the last epoch's weights, not the best ones."""
        if self.last_state is not None:
            self.model.load_state_dict(self.last_state)
            self.last_state = None

    def _train_epoch(self, loader, epoch: int, epochs: int) -> tuple[float, float]:
        """One pass over ``loader``; returns the epoch's mean loss and accuracy (see the class docstring)."""
        self._check_sharded(loader)
        self.model.train()
        if hasattr(loader, "set_epoch"):
            loader.set_epoch(epoch - 1)
        total_loss, correct, seen = 0.0, 0, 0
        bar = tqdm(total=len(loader), desc=f"epoch {epoch}/{epochs}", unit="it", leave=False,
                   dynamic_ncols=True, file=sys.stderr, disable=self.quiet or not shows_progress(sys.stderr))
        try:
            # Overflow on the way to a NaN is reported once, clearly, by _diverged instead.
            with np.errstate(over="ignore", invalid="ignore"):
                for iteration, (x, y) in enumerate(loader, start=1):
                    loss, batch_correct = self._train_step(x, y, epoch, iteration)
                    total_loss += loss * len(y)
                    correct += batch_correct
                    seen += len(y)
                    bar.update(1)
                    if iteration % 10 == 0 or iteration == bar.total:
                        bar.set_postfix(loss=f"{total_loss / seen:.4f}", acc=f"{correct / seen:.2%}", refresh=False)
        finally:
            bar.close()
        if self.world_size > 1:
            total_loss, correct, seen = all_reduce_sum([total_loss, correct, seen])  # over every rank's shares
            broadcast_buffers(self.model)  # evaluate with rank 0's BatchNorm statistics, as DDP does
        if seen == 0:
            raise ValueError(f"Trainer.fit: the training loader {loader!r} yielded no batches")
        return total_loss / seen, correct / seen

    def _check_sharded(self, loader) -> None:
        """Under MPI, each rank must train on its own share of the batches, not on all of them."""
        if self.world_size > 1 and getattr(loader, "world_size", None) not in (None, self.world_size):
            raise ValueError(f"Trainer.fit: this process is one of {self.world_size} MPI ranks, but the training "
                             f"loader is split over {loader.world_size}; shard it with DataLoader(..., "
                             f"rank=mt.distributed.rank(), world_size=mt.distributed.world_size())")

    def _train_step(self, x: np.ndarray, y: np.ndarray, epoch: int, iteration: int) -> tuple[float, int]:
        self.model.zero_grad()
        scores = self.model(x)
        if not np.isfinite(scores).all():
            raise self._diverged(epoch, iteration, "the scores contain NaN or inf")
        loss = float(self.loss_fn(scores, y))
        if not math.isfinite(loss):
            raise self._diverged(epoch, iteration, f"the loss is {loss}")
        # The input is data: its gradient is never needed, so the first layer skips it.
        self.model.backward_without_input_grad(self.loss_fn.backward())
        if self.world_size > 1:
            # Data parallel: sum the ranks' gradients (one Allreduce), weighted by their shares of
            # the batch; every rank now holds the global batch's gradient and takes the same step.
            all_reduce_gradients(self.model.parameters(), batch_size=len(y))
        if self.clip_grad_norm is not None:
            clip_grad_norm_(self.model.parameters(), self.clip_grad_norm)
        self.optimizer.step()
        self.history.iteration_loss.append(loss)
        return loss, int(np.count_nonzero(scores.argmax(axis=1) == y))

    def _step_scheduler(self, metric: float) -> None:
        if self.scheduler is None:
            return
        if isinstance(self.scheduler, ReduceLROnPlateau):  # steps on a metric, the others on nothing
            self.scheduler.step(metric)
        else:
            self.scheduler.step()

    def _diverged(self, epoch: int, iteration: int, what: str) -> TrainingDiverged:
        lr = self.optimizer.param_groups[0]["lr"]
        kept = ""
        if self.checkpoint_dir is not None:
            kept = (f" The last good checkpoint is {self.checkpoint_dir / 'last.npz'} "
                    f"(epoch {self.epoch}{', the initial weights' if self.epoch == 0 else ''}).")
        return TrainingDiverged(
            f"training diverged in epoch {epoch}, iteration {iteration}: {what}. Lower the learning rate "
            f"(it is {lr:g}) or clip the gradients (train.clip_grad_norm, e.g. 5.0).{kept}")

    def _summary_line(self, record: dict, epochs: int, improved: bool) -> str:
        width = len(str(epochs))
        line = (f"epoch {record['epoch']:>{width}}/{epochs}  train loss {_number(record['train_loss'])} "
                f"acc {record['train_accuracy']:7.2%}")
        if not math.isnan(record["val_accuracy"]):
            line += (f"  val loss {_number(record['val_loss'])} acc {record['val_accuracy']:7.2%}"
                     f"{' *' if improved else '  '}")
        return line + f"  lr {record['lr']:.2e}  {record['seconds']:.1f}s"

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict:
        """The checkpoint: plain values and arrays only (see ``checkpoint.py``). Under MPI call it on
        every rank: ``rank_rng`` collects every rank's generator state (on rank 0; None elsewhere)."""
        # The best weights are stored only when they differ from the current ones.
        best_model = self.best_state if self.best_epoch not in (None, self.epoch) else None
        return {
            "format": FORMAT,
            "version": VERSION,
            "epoch": self.epoch,
            "model": self.last_state if self.last_state is not None else self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "optimizer_class": type(self.optimizer).__name__,
            "scheduler": self.scheduler.state_dict() if self.scheduler is not None else None,
            "scheduler_class": type(self.scheduler).__name__ if self.scheduler is not None else None,
            "rng": get_rng_state(),
            "world_size": self.world_size,
            "rank_rng": gather_to_main(get_rng_state()) if self.world_size > 1 else None,
            "history": self.history.state_dict(),
            "best": {"epoch": self.best_epoch, "val_accuracy": self.best_val_accuracy, "model": best_model},
            "config": self.config,
            **({"inference": self.inference} if self.inference is not None else {}),
        }

    def load_state_dict(self, checkpoint: dict) -> None:
        """Restore everything ``state_dict`` saved: build the same model, optimiser and scheduler
        first, then load; the next ``fit`` continues bit-identically.

        Raises:
            CheckpointError: ``checkpoint`` is not a whole checkpoint, or was written by another
                model, optimiser or scheduler; nothing is loaded then.
        """
        where = checkpoint.get("path", "the checkpoint") if isinstance(checkpoint, dict) else "the checkpoint"
        problem = checkpoint_problem(checkpoint)
        if problem:
            raise not_a_checkpoint(where, problem)
        self._check_optimizer_state(checkpoint, where)
        self._check_scheduler_state(checkpoint, where)
        try:
            self.model.load_state_dict(checkpoint["model"])
            self.optimizer.load_state_dict(checkpoint["optimizer"])
        except (RuntimeError, ValueError, TypeError, KeyError) as error:
            raise CheckpointError(f"{where} does not fit this model / optimiser: {error}") from None
        if self.scheduler is not None:
            self.scheduler.load_state_dict(checkpoint["scheduler"])
        # The same number of ranks continues every rank's stream; another number, rank 0's (see resumed_stream_state).
        set_rng_state(resumed_stream_state(checkpoint["rng"], checkpoint.get("rank_rng")))
        self.history.load_state_dict(checkpoint["history"])
        self.epoch = self.saved_epoch = int(checkpoint["epoch"])
        best = checkpoint["best"]
        self.best_epoch, self.best_val_accuracy = best["epoch"], best["val_accuracy"]
        if self.best_epoch is None:
            self.best_state = None
        elif best["model"] is not None:
            self.best_state = best["model"]
        else:  # the best epoch is the last one (checkpoint_problem checked that)
            self.best_state = self.model.state_dict()
        self.last_state = None

    def _check_optimizer_state(self, checkpoint: dict, where) -> None:
        """The state must come from this optimiser's class: another's settings would be taken silently.
        A checkpoint records the class; for one that does not, settings this optimiser does not have
        (besides what schedulers keep in the groups) give it away."""
        ours = type(self.optimizer).__name__
        saved = checkpoint.get("optimizer_class")
        if saved is None:
            known = {key for group in self.optimizer.param_groups for key in group} | _SCHEDULER_GROUP_KEYS
            foreign = sorted({key for group in checkpoint["optimizer"]["param_groups"] for key in group} - known)
            if not foreign:
                return
            wrote = f"an optimiser with the settings {', '.join(foreign)}"
        elif saved == ours:
            return
        else:
            wrote = f"a {saved} optimiser"
        raise CheckpointError(f"{where} holds the state of {wrote}, but this run's optimiser is {ours}: resuming "
                              f"would mix the two. Resume with the optimiser that wrote it (the config recorded "
                              f"in the checkpoint names it), or start a new run")

    def _check_scheduler_state(self, checkpoint: dict, where) -> None:
        """Present exactly when this trainer has a scheduler, from the same class and with its layout."""
        state = checkpoint["scheduler"]
        if (state is None) != (self.scheduler is None):
            raise CheckpointError(f"{where} was saved {'without' if state is None else 'with'} "
                                  f"a scheduler, this trainer has {'one' if self.scheduler else 'none'}")
        if state is None:
            return
        ours, saved = type(self.scheduler).__name__, checkpoint.get("scheduler_class")
        if saved is not None and saved != ours:
            raise CheckpointError(f"{where} holds the state of a {saved} schedule, but this run's schedule is {ours}")
        difference = _layout_difference(self.scheduler.state_dict(), state, "scheduler")
        if difference:
            raise CheckpointError(f"{where} holds a scheduler state that does not fit this {ours}: {difference}")

    def save_checkpoint(self, path: str | os.PathLike) -> None:
        """Write ``state_dict()`` to ``path`` atomically (the old file survives any crash); under
        MPI call it on every rank, rank 0 writes."""
        state = self.state_dict()
        if self.is_main:
            save(state, path)

    def _save_last(self) -> None:
        self.save_checkpoint(self.checkpoint_dir / "last.npz")
        self.saved_epoch = self.epoch

    def load_checkpoint(self, path: str | os.PathLike) -> dict:
        """Load a checkpoint file into this trainer (see ``load_state_dict``); returns it."""
        checkpoint = load_checkpoint(path)
        self.load_state_dict(checkpoint)
        return checkpoint


def _layout_difference(reference, given, where: str) -> str | None:
    """Where ``given`` differs in layout from ``reference`` (keys, kinds of values, list lengths), or None."""
    if isinstance(reference, dict):
        if not isinstance(given, dict):
            return f"{where} is a {type(given).__name__}, expected a dict"
        if set(reference) != set(given):
            missing, unexpected = sorted(set(reference) - set(given)), sorted(set(given) - set(reference))
            return f"{where} " + "; ".join(([f"lacks {', '.join(map(str, missing))}"] if missing else [])
                                           + ([f"has unknown {', '.join(map(str, unexpected))}"] if unexpected else []))
        for key in reference:
            difference = _layout_difference(reference[key], given[key], f"{where}.{key}")
            if difference:
                return difference
        return None
    if isinstance(reference, (list, tuple)):
        if not isinstance(given, (list, tuple)) or len(given) != len(reference):
            return f"{where} is {given!r}, expected a list of {len(reference)}"
        for index, (expected, item) in enumerate(zip(reference, given)):
            difference = _layout_difference(expected, item, f"{where}[{index}]")
            if difference:
                return difference
        return None
    if isinstance(reference, bool) or isinstance(reference, str):
        return None if type(given) is type(reference) else f"{where} is {given!r}, expected a {type(reference).__name__}"
    if isinstance(reference, numbers.Real):
        ok = isinstance(given, numbers.Real) and not isinstance(given, bool)
        return None if ok else f"{where} is {given!r}, expected a number"
    return None  # None in the reference (an optional setting): any plain value


def _number(value: float) -> str:
    return f"{value:.4f}" if abs(value) < 1e4 else f"{value:.3e}"

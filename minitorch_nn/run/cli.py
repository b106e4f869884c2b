"""The command line behind ``train.py``: resolve a config, train, and write a run folder.

    python train.py [--config configs/X.toml] [--dataset NAME] [--epochs N] [--batch-size N]
                    [--lr X] [--optimizer NAME] [--hidden 512,64] [--seed N] [--data-dir DIR]
                    [--out DIR] [--resume CKPT] [--no-download] [--threads N] [--quiet]
    python train.py --evaluate RUN/best.npz        test loss, accuracy, confusion matrix
    python train.py --predict RUN/best.npz FILE…   classify .png / .npy images

Flags override the config file, which overrides the defaults (the MNIST MLP recipe). Every
run writes ``<out>/<name>-<timestamp>/`` with ``config.toml``, ``metrics.csv``, ``best.npz``,
``last.npz``, ``curves.png``, ``confusion.png`` and ``summary.json``.

Exit codes, each failure with one message and no traceback (docs/RELIABILITY.md lists them):
0 success; 1 failure (missing or corrupt data, a diverged run, an unusable checkpoint, a file
that cannot be written: a full disk, a read-only folder); 2 bad usage or config (what was typed
cannot be used as given); 130 interrupted (Ctrl-C, at any moment).

``--resume CKPT`` continues a run in its folder. With the recorded total it is *resumed*:
bit-identical to a run never interrupted, and a run whose training finished but whose summary,
plots or test evaluation are missing gets them written. With ``--epochs N`` of another total it
is *extended* (or shortened): a schedule planned over the total is re-planned from the epoch it
stands at (``planned_cosine.py``), and ``config.toml`` and the checkpoints record the new plan.
"""
from __future__ import annotations

import argparse
import contextlib
import errno
import json
import math
import os
import platform
import secrets
import shutil
import signal
import sys
import threading
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import __version__, plot
from ..data import DataRootError, DatasetError
from ..data.download import unreachable
from ..distributed import (blas_threads_per_rank, broadcast_from_main, broadcast_parameters, check_same_on_every_rank,
                           convert_sync_batchnorm, is_main, main_rank_first, rank, rank_label, run_as_mpi_job,
                           split_random_streams, world_size)
from ..serialization import atomic_writer
from ..losses import CrossEntropyLoss
from ..random import manual_seed
from ..training import CheckpointError, Trainer, TrainingDiverged, evaluate, load_checkpoint, predict
from ..training.checkpoint import not_a_checkpoint
from .config import ConfigError, read_toml, resolve_config, unused_settings, write_config
from .data_pipeline import build_data
from .datasets import DATASETS, load_splits
from .fallback import FALLBACK_DATASET, fallback_for
from .model_kinds import MODEL_KINDS, build_model, model_spec
from .optimizers import OPTIMIZERS, build_optimizer
from .schedules import SCHEDULES, build_scheduler
from .threads import restore_blas_threads, set_blas_threads
from .trained_runs import ImageFileError, evaluate_command, inference_record, predict_command, recorded_threads

RUN_FILES = ("config.toml", "metrics.csv", "best.npz", "last.npz", "curves.png", "confusion.png", "summary.json")
NETWORK_TIMEOUT = 3.0  # seconds: an offline first run must not hang on a download
# The flags that set config keys, and the keys they set.
FLAG_KEYS = {"dataset": "data.dataset", "epochs": "train.epochs", "batch_size": "data.batch_size", "lr": "optim.lr",
             "optimizer": "optim.name", "hidden": "model.hidden", "seed": "train.seed", "threads": "train.threads"}


class UsageError(Exception):
    """Flags that cannot be combined or point at nothing; exit code 2."""


@dataclass
class RunProgress:
    """How far a run got, for the message when it stops early (what was kept, how to go on).

    Attributes:
        run_dir: the run folder, once known.  new_run: this process created it.
        resumed_epoch: the epoch of the checkpoint a resumed run starts from.
        trainer: the ``Trainer``, once built.  total: the run's total epochs.
        changed_total: the run's total differs from the one its checkpoint records (``--resume --epochs``).
        trained: training has finished; only the summary, plots and test evaluation remain.
    """

    run_dir: Path | None = None
    new_run: bool = False
    resumed_epoch: int | None = None
    trainer: Trainer | None = None
    total: int | None = None
    changed_total: bool = False
    trained: bool = False


def build_parser() -> argparse.ArgumentParser:
    choices = "\n".join(f"{registry.section}.{registry.key} ({registry.what}s):\n{registry.help()}"
                        for registry in (DATASETS, MODEL_KINDS, OPTIMIZERS, SCHEDULES))
    parser = argparse.ArgumentParser(
        prog="train.py",
        description="Train a minitorch_nn model and write a run folder (config.toml, metrics.csv, best.npz, "
                    "last.npz, curves.png, confusion.png, summary.json). Flags override the config file; "
                    "with no arguments the MNIST MLP recipe is trained (on the embedded Digits set "
                    "when MNIST is neither on disk nor downloadable).",
        epilog=f"{choices}\n\n"
               "examples:  python train.py --config configs/cifar10_twolayer.toml\n"
               "           python train.py --resume runs/mnist_mlp-20240101-120000/last.npz --epochs 20\n"
               "           python train.py --evaluate runs/mnist_mlp-20240101-120000/best.npz\n"
               "           python train.py --predict runs/mnist_mlp-20240101-120000/best.npz digit.png",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", metavar="TOML", help="config file, e.g. configs/mnist_mlp.toml")
    parser.add_argument("--dataset", metavar="NAME", help=", ".join(DATASETS))
    parser.add_argument("--epochs", type=int, metavar="N", help="epochs in total (with --resume: the new total)")
    parser.add_argument("--batch-size", type=int, metavar="N", help="training batch size")
    parser.add_argument("--lr", type=float, metavar="X", help="learning rate")
    parser.add_argument("--optimizer", metavar="NAME", help=", ".join(OPTIMIZERS))
    parser.add_argument("--hidden", type=_hidden_sizes, metavar="SIZES", help="hidden layer sizes, e.g. 512,64")
    parser.add_argument("--seed", type=int, metavar="N", help="random seed")
    parser.add_argument("--data-dir", metavar="DIR",
                        help="data root (default: $MINITORCH_DATA, else ~/.cache/minitorch_nn)")
    parser.add_argument("--out", metavar="DIR", help="folder for run folders (default: runs)")
    parser.add_argument("--resume", metavar="CKPT", help="continue the run of this last.npz / best.npz")
    parser.add_argument("--no-download", action="store_true", help="use only data already on disk")
    parser.add_argument("--threads", type=int, metavar="N",
                        help="BLAS threads (default: one per core; 1 is faster on a busy machine)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars (one line per epoch)")
    parser.add_argument("--evaluate", metavar="CKPT",
                        help="test a run's best.npz / last.npz: loss, accuracy and confusion matrix")
    parser.add_argument("--predict", nargs="+", metavar=("CKPT", "FILE"),
                        help="classify .png / .npy images with a run's checkpoint: --predict CKPT FILE...")
    return parser


def _hidden_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of positive integers; e.g. --hidden 512,64")
    return sizes


@run_as_mpi_job  # under mpiexec: only rank 0 prints, and a failing rank ends the whole job
def main(argv: list[str] | None = None) -> int:
    """Run ``train.py`` with ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    progress = RunProgress()
    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exit_:  # argparse has printed the usage error (code 2) or the help (code 0)
            return int(exit_.code or 0)
        args.argv = list(sys.argv[1:] if argv is None else argv)
        if args.evaluate or args.predict:
            return _use_trained(args)
        return _run(args, progress)
    except (ConfigError, UsageError) as error:
        return _fail(str(error), 2, progress)
    except (DatasetError, CheckpointError, TrainingDiverged, ImageFileError) as error:
        return _fail(str(error), 1, progress)
    except OSError as error:  # a file that cannot be written: a full disk, a read-only folder
        return _fail(_write_failure(error, progress), 1, progress)
    except KeyboardInterrupt:
        with _no_interrupts():  # a second Ctrl-C must not turn the message into a traceback
            return _fail(_interruption(progress), 130, progress)
    finally:
        restore_blas_threads()


def _use_trained(args: argparse.Namespace) -> int:
    """``--evaluate CKPT`` / ``--predict CKPT FILE…``: use a trained run instead of training one."""
    allowed = {"evaluate", "predict", "data_dir", "no_download", "threads", "quiet", "argv"}
    given = sorted("--" + key.replace("_", "-") for key, value in vars(args).items()
                   if key not in allowed and value not in (None, False))
    if given or (args.evaluate and args.predict):
        raise UsageError(f"{', '.join(given) or '--predict'} cannot be combined with "
                         f"{'--evaluate' if args.evaluate else '--predict'}, which uses a trained run "
                         f"(only --data-dir, --no-download and --threads go with it)")
    if args.threads is not None and args.threads < 0:
        raise UsageError(f"--threads {args.threads}: give a number of threads >= 1 (0: the library's default)")
    threads = args.threads
    if threads is None and args.evaluate:  # the run's own setting: another thread count rounds differently
        threads = recorded_threads(args.evaluate)
    _announce_threads(set_blas_threads(threads or 0))
    if args.evaluate:
        return evaluate_command(args.evaluate, args.data_dir, download=not args.no_download)
    checkpoint, *files = args.predict
    return predict_command(checkpoint, files)


def _announce_threads(line: str | None) -> None:
    if line:
        print(line)


def _error(message: str) -> None:
    print(f"train.py: error{rank_label()}: {message}", file=sys.stderr)


def _fail(message: str, code: int, progress: RunProgress) -> int:
    """Say what went wrong and return the exit code; a new run folder without a checkpoint is removed."""
    if (progress.new_run and progress.run_dir is not None and is_main()
            and not (progress.run_dir / "last.npz").exists()):
        shutil.rmtree(progress.run_dir, ignore_errors=True)
    _error(message)
    return code


@contextlib.contextmanager
def _no_interrupts():
    """Ignore Ctrl-C for the duration (only the main thread can change signal handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _continue_command(progress: RunProgress) -> str:
    epochs = f" --epochs {progress.total}" if progress.changed_total else ""
    return f"python train.py --resume {progress.run_dir / 'last.npz'}{epochs}"


def _kept(progress: RunProgress) -> str:
    """What the run folder holds and how to go on, for a run that stopped early ("" before it has a checkpoint)."""
    trainer = progress.trainer
    if progress.run_dir is None or not (progress.run_dir / "last.npz").exists():
        return ""
    if progress.trained:
        return (f"training is finished ({trainer.epoch} epochs); to write the test evaluation, the plots "
                f"and summary.json, run: {_continue_command(progress)}")
    saved = trainer.saved_epoch if trainer is not None and trainer.saved_epoch is not None else progress.resumed_epoch
    return (f"the checkpoint of epoch {saved} ({progress.run_dir / 'last.npz'}) is whole; "
            f"continue with: {_continue_command(progress)}")


def _interruption(progress: RunProgress) -> str:
    kept = _kept(progress)
    if kept:
        return f"interrupted; {kept}"
    if progress.run_dir is None or progress.new_run:
        return "interrupted before training started; nothing was kept"
    return f"interrupted before training continued; {progress.run_dir} is as it was"


def _write_failure(error: OSError, progress: RunProgress) -> str:
    """One message for a file that could not be written: which, why, what to do, what was kept."""
    where = os.fspath(error.filename) if error.filename is not None else "a file"
    reason = error.strerror or str(error)
    if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        fix = "free some disk space"
    elif error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = ("make it writable, or choose another --out" if progress.new_run or progress.run_dir is None
               else "make the run folder writable (or copy it somewhere writable and resume the copy)")
    else:
        fix = "check the disk and the folder"
    kept = _kept(progress)
    return f"cannot write {where}: {reason}; {fix}" + (f". {kept[0].upper()}{kept[1:]}" if kept else "")


# ---------------------------------------------------------------------------- one run
def _run(args: argparse.Namespace, progress: RunProgress) -> int:
    """Resolve the config, load the data, build the parts, train, then write the results."""
    started = time.perf_counter()
    checkpoint, config, run_dir, may_fall_back, total = _configure(args)
    _check_batch_splits_over_ranks(config)
    if checkpoint is not None:
        progress.run_dir, progress.resumed_epoch, progress.total = run_dir, checkpoint["epoch"], total
        progress.changed_total = total != config["train"]["epochs"]
        if is_main():  # under MPI rank 0 writes the run folder
            _check_writable(run_dir)
    elif is_main():
        _check_out_dir(Path(args.out or "runs"))
    threads = config["train"]["threads"] or _threads_per_rank()
    _announce_threads(set_blas_threads(threads))
    recipe_dataset = config["data"]["dataset"]
    with main_rank_first():  # under MPI: rank 0 downloads what is missing, then the others read
        splits, config["data"]["dataset"], fallback = _load_data(recipe_dataset, args.data_dir,
                                                                 not args.no_download, may_fall_back)
    config["name"] = config["name"] or f"{recipe_dataset}_{config['model']['kind']}"
    if fallback is not None:
        print(fallback.message(config["name"]))
        config["name"] = fallback.run_name(config["name"])
    _check_ranks_agree(config, splits)
    for note in unused_settings(config):
        print(f"note: {note}")
    data, model, loss_fn, optimizer, scheduler = _build(config, splits)
    if run_dir is None:
        run_dir, progress.new_run = _new_run_dir_on_main(Path(args.out or "runs"), config["name"]), True
    progress.run_dir = run_dir
    inference = inference_record(model_spec(config["model"], data.input_shape, data.num_classes), data.preprocess)
    trainer = Trainer(model, loss_fn, optimizer, scheduler, checkpoint_dir=run_dir, config=config,
                      restore_best=config["train"]["restore_best"],
                      clip_grad_norm=config["train"]["clip_grad_norm"] or None, quiet=args.quiet,
                      on_epoch_end=lambda trainer, record: trainer.history.to_csv(run_dir / "metrics.csv"),
                      inference=inference)
    progress.trainer, progress.total = trainer, total
    recorded_total = config["train"]["epochs"]
    if checkpoint is not None:
        trainer.load_state_dict(checkpoint)
        if total != recorded_total:
            _change_total(trainer, config, total)
    if is_main():
        write_config(config, run_dir / "config.toml",
                     header=f"minitorch_nn {__version__}: the fully resolved config of this run\n"
                            f"python train.py {' '.join(args.argv)}".rstrip()
                            + (f"\n\n{fallback.toml_comment(config['name'])}" if fallback is not None else ""))
    _announce(run_dir, config, data, model, resumed_after=trainer.epoch if checkpoint is not None else None,
              recorded_total=recorded_total)
    _announce_data_parallel(config, threads)

    if is_main():
        trainer.history.to_csv(run_dir / "metrics.csv")
    fit_started = time.perf_counter()
    trainer.fit(data.train, data.val, epochs=config["train"]["epochs"])
    progress.trained = True
    timings = {"train_seconds": time.perf_counter() - fit_started,
               "epoch_seconds_total": float(sum(trainer.history.seconds))}
    _finish(run_dir, config, trainer, data, args, timings, started,
            extra={"fallback": fallback.summary()} if fallback is not None else {})
    return 0


def _configure(args) -> tuple[dict | None, dict, Path | None, bool, int]:
    """``(checkpoint, config, run_dir, may_fall_back, total)``: a resumed run's recorded state and
    folder, or a new run's config; only a new run that did not choose its data set may fall back
    to Digits. ``total`` is the epochs the run is to end at."""
    if args.resume:
        checkpoint, config, run_dir, total = _resume_config(args)
        return checkpoint, config, run_dir, False, total
    config, dataset_chosen = _new_config(args)
    return None, config, None, not dataset_chosen, config["train"]["epochs"]


def _change_total(trainer: Trainer, config: dict, total: int) -> None:
    """``--resume --epochs N`` with another total: the run is extended (or shortened) from the epoch it
    stands at. A schedule planned over ``train.epochs`` is re-planned by its registry entry (the cosine
    goes on annealing from the current rate to its minimum at epoch N); the others go on as they were.
    ``config`` (written to config.toml and every later checkpoint) records the new total and plan."""
    recorded = config["train"]["epochs"]
    config["train"]["epochs"] = total
    entry = SCHEDULES[config["schedule"]["name"]]
    if entry.extend is not None and trainer.scheduler is not None:
        last_lr = trainer.history.lr[-1] if trainer.history.epochs else None
        trainer.scheduler = entry.extend(trainer.optimizer, trainer.scheduler, config["schedule"], trainer.epoch,
                                         recorded, total, last_lr)
    resolve_config(config, source="the extended config")  # the new plan is checked like any config


def _check_out_dir(out: Path) -> None:
    """``--out`` must be a folder (or not exist yet, under a folder) that can be written, before any
    data is loaded; nothing is created here."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder; give a folder for the run folders "
                         f"(it is created if missing)")
    existing = next(folder for folder in [out, *out.absolute().parents] if folder.exists())
    if not existing.is_dir():
        raise UsageError(f"--out {out} cannot be created: {existing} is a file, not a folder")
    _check_writable(existing)


def _check_writable(folder: Path) -> None:
    """Create and remove a file in ``folder``: an ``OSError`` naming ``folder`` if it cannot be written.
    (Named like the atomic writer's temporaries, so a kill in between leaves nothing for long.)"""
    probe = folder / f".write-test.{os.getpid()}-{secrets.token_hex(4)}.tmp"
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except OSError as error:
        raise OSError(error.errno, error.strerror or str(error), os.fspath(folder)) from None
    os.remove(probe)


def _build(config: dict, splits):
    """``(data, model, loss_fn, optimizer, scheduler)`` for a resolved config, seeded by it."""
    seed = config["train"]["seed"]
    manual_seed(seed)
    flatten = MODEL_KINDS[config["model"]["kind"]].flatten_input
    data = build_data(config["data"], seed, splits, flatten=flatten, rank=rank(), world_size=world_size())
    model = _data_parallel(build_model(config["model"], data.input_shape, data.num_classes), config)
    loss_fn = CrossEntropyLoss(label_smoothing=config["train"]["label_smoothing"])
    optimizer = build_optimizer(model.parameters(), config["optim"])
    scheduler = build_scheduler(optimizer, config["schedule"], config["train"]["epochs"])
    return data, model, loss_fn, optimizer, scheduler


def _data_parallel(model, config: dict):
    """Under MPI: BatchNorm over the global batch if ``train.sync_batchnorm``, rank 0's initial
    weights on every rank, then a dropout stream of its own per rank. One process: ``model``."""
    if world_size() == 1:
        return model
    if config["train"]["sync_batchnorm"]:
        model = convert_sync_batchnorm(model)
    broadcast_parameters(model)
    split_random_streams()
    return model


def _announce(run_dir: Path, config: dict, data, model, resumed_after: int | None,
              recorded_total: int | None = None) -> None:
    """The run's first lines: where it writes, what it trains on, and the recipe, each part
    described by its registry entry."""
    model_text = MODEL_KINDS[config["model"]["kind"]].description(config["model"], model)
    optim_text = OPTIMIZERS[config["optim"]["name"]].description(config["optim"])
    schedule_text = SCHEDULES[config["schedule"]["name"]].description(config["schedule"])
    print(f"run folder: {run_dir}")
    print(f"data: {data.describe()}")
    print(f"model: {model_text} ({sum(p.size for p in model.parameters()):,} parameters); "
          f"{optim_text} lr {config['optim']['lr']:g}, schedule {schedule_text}, "
          f"batch {config['data']['batch_size']}, {config['train']['epochs']} epochs"
          + (f", resuming after epoch {resumed_after}" if resumed_after is not None else "")
          + (f" (the total changed from {recorded_total})"
             if resumed_after is not None and recorded_total != config["train"]["epochs"] else ""))


def _finish(run_dir: Path, config: dict, trainer, data, args, timings: dict, started: float,
            extra: dict | None = None) -> None:
    """Test the final model, draw the curves and the confusion matrix, write summary.json."""
    test_loss, test_accuracy = evaluate(trainer.model, data.test, trainer.loss_fn)
    y_true, y_pred = predict(trainer.model, data.test)
    if not is_main():  # under MPI the ranks have tested together; rank 0 writes the results
        return
    plot.training_curves(trainer.history, run_dir / "curves.png", title=config["name"])
    plot.confusion_matrix(y_true, y_pred, data.classes, run_dir / "confusion.png",
                          title=f"{data.title} test set: accuracy {test_accuracy:.2%}")
    restored = config["train"]["restore_best"] and trainer.best_epoch is not None
    summary = {
        "name": config["name"],
        "dataset": config["data"]["dataset"],
        "test_loss": test_loss,
        "test_accuracy": test_accuracy,
        "best_val_accuracy": trainer.best_val_accuracy,
        "best_epoch": trainer.best_epoch,
        "tested_weights": f"best validation epoch ({trainer.best_epoch})" if restored else "last epoch",
        "tested_checkpoint": "best.npz" if restored else "last.npz",
        "epochs": trainer.epoch,
        **timings,
        "wall_seconds": time.perf_counter() - started,
        "parameters": int(sum(p.size for p in trainer.model.parameters())),
        "world_size": world_size(),
        "resumed_from": os.fspath(args.resume) if args.resume else None,
        "versions": {"python": platform.python_version(), "numpy": np.__version__, "minitorch_nn": __version__},
        **(extra or {}),
    }
    with atomic_writer(run_dir / "summary.json", "w", encoding="utf-8") as file:
        json.dump(_json_safe(summary), file, indent=2)
        file.write("\n")
    best = (f"; best val accuracy {trainer.best_val_accuracy:.2%} (epoch {trainer.best_epoch})"
            if trainer.best_epoch else "")
    print(f"test accuracy {test_accuracy:.2%} (loss {test_loss:.4f}){best}; "
          f"training took {timings['train_seconds']:.1f} s")
    written = [name for name in RUN_FILES if (run_dir / name).is_file()]
    print(f"wrote {run_dir}{os.sep} ({', '.join(written)})")


# ---------------------------------------------------------------------------- data parallel (mpiexec -n N)
def _threads_per_rank() -> int:
    """Under MPI, each rank's BLAS threads when ``train.threads`` is 0: its share of the host's
    cores (0, the library's default, in one process or when the environment sets a count)."""
    return blas_threads_per_rank() or 0


def _check_batch_splits_over_ranks(config: dict) -> None:
    """``data.batch_size`` is the global batch: it must split evenly over the ranks."""
    ranks, batch = world_size(), config["data"]["batch_size"]
    if batch % ranks:
        lower, upper = batch // ranks * ranks, (batch // ranks + 1) * ranks
        choices = f"{lower} or {upper}" if lower else f"{upper}"
        raise ConfigError(f"config value data.batch_size = {batch} is the global batch and cannot be split evenly "
                          f"over {ranks} MPI processes; use a multiple of {ranks} (e.g. {choices}) or another -n")


def _check_ranks_agree(config: dict, splits) -> None:
    """Under MPI, every rank must train the same recipe on the same data (e.g. on several hosts)."""
    if world_size() == 1:
        return
    train_set, test_set = splits
    sample = np.ascontiguousarray(np.asarray(train_set.data)[:: max(1, len(train_set) // 64)])
    check_same_on_every_rank("the minitorch_nn version, the resolved config and the data files",
                             (__version__, config, len(train_set), len(test_set), zlib.crc32(sample.tobytes())))


def _new_run_dir_on_main(out: Path, name: str) -> Path:
    """Rank 0 creates the run folder and every rank learns its path (one folder per job)."""
    return broadcast_from_main(_new_run_dir(out, name) if is_main() else None)


def _announce_data_parallel(config: dict, threads: int) -> None:
    ranks = world_size()
    if ranks == 1:
        return
    batch = config["data"]["batch_size"]
    threads_text = f"{threads} BLAS thread{'s' if threads != 1 else ''} each" if threads else "BLAS threads as set"
    statistics = "the global batch (sync_batchnorm)" if config["train"]["sync_batchnorm"] else "each rank's share"
    print(f"data parallel: {ranks} MPI processes, {batch // ranks} images each per batch of {batch}, {threads_text}; "
          f"BatchNorm statistics over {statistics}")


def _new_config(args) -> tuple[dict, bool]:
    """The resolved config of a new run, and whether the data set was chosen explicitly."""
    raw = read_toml(args.config) if args.config else {}
    overrides = {key: (getattr(args, flag), "--" + flag.replace("_", "-"))
                 for flag, key in FLAG_KEYS.items() if getattr(args, flag) is not None}
    config = resolve_config(raw, overrides, source=args.config or "the defaults")
    chosen = args.dataset is not None or "dataset" in (raw.get("data") or {})
    return config, chosen


def _resume_config(args):
    """``(checkpoint, config, run_dir, total)`` for ``--resume``: the recorded config, which only
    ``--epochs`` may change (the rest would break the exact continuation), and the total to end at."""
    path = _checkpoint_path(args.resume)
    fixed = [("--config", args.config), ("--out", args.out)] + [
        ("--" + flag.replace("_", "-"), getattr(args, flag)) for flag in FLAG_KEYS if flag not in ("epochs", "threads")]
    given = [flag for flag, value in fixed if value is not None]
    if given:
        raise UsageError(f"{', '.join(given)} cannot be combined with --resume: a resumed run keeps the config "
                         f"recorded in its checkpoint (see {path.parent / 'config.toml'}) and its folder; only "
                         f"--epochs can extend it. Start a new run to change the recipe.")
    if args.epochs is not None and args.epochs < 1:
        raise UsageError(f"--epochs {args.epochs}: the total must be a positive number of epochs")
    checkpoint = load_checkpoint(path)
    try:
        config = resolve_config(checkpoint["config"], source=os.fspath(path))
    except ConfigError as error:
        raise not_a_checkpoint(path, f"its recorded config is invalid: {error}") from None
    if args.threads is not None:  # how fast, not what: a resumed run may change it
        config = resolve_config(config, {"train.threads": (args.threads, "--threads")}, source=os.fspath(path))
    done, recorded = checkpoint["epoch"], config["train"]["epochs"]
    total = args.epochs if args.epochs is not None else recorded
    if total < done:
        raise UsageError(f"{path} has already trained {done} epochs; --epochs must be at least {done} "
                         f"(the total to end at), e.g. --epochs {done + 5}")
    if done == total == recorded and _results_written(path.parent, done):
        raise UsageError(f"{path} has finished all {done} epochs and its results are written; nothing to do. "
                         f"To train longer, give a larger total, e.g. --resume {path} --epochs {done + 5}")
    return checkpoint, config, path.parent, total


def _checkpoint_path(resume: str) -> Path:
    """The checkpoint ``--resume`` names: a file, or a run folder's ``last.npz``."""
    path = Path(resume)
    if path.is_dir() and (path / "last.npz").is_file():
        return path / "last.npz"
    if not path.is_file():
        what = "is a folder without a last.npz" if path.is_dir() else "no such file"
        raise UsageError(f"--resume {resume}: {what}; give the last.npz (or best.npz) of a run folder")
    return path


def _results_written(run_dir: Path, epochs: int) -> bool:
    """Whether the run folder has the summary (of these epochs) and the plots a finished run writes."""
    try:
        summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (isinstance(summary, dict) and summary.get("epochs") == epochs
            and all((run_dir / name).is_file() for name in ("curves.png", "confusion.png", "metrics.csv")))


def _load_data(name: str, root, download: bool, may_fall_back: bool):
    """``((train_set, test_set), name, fallback)``; the default run falls back to Digits when the
    data set is neither on disk nor downloadable (``fallback`` then says why, see ``fallback.py``),
    but not when its files are there under a misplaced root (that is a mistake to fix)."""
    try:
        return _load_or_download(name, root, download), name, None
    except DataRootError:
        raise
    except DatasetError as error:
        if not may_fall_back:
            raise
        return load_splits(FALLBACK_DATASET), FALLBACK_DATASET, fallback_for(name, error, root)


def _load_or_download(name: str, root, download: bool):
    """Files on disk first; a download only when the mirror answers within a few seconds."""
    try:
        return load_splits(name, root, download=False)
    except DataRootError:
        raise
    except DatasetError as missing:
        if not download:
            raise
        problem = unreachable(DATASETS[name].mirrors, NETWORK_TIMEOUT)
        if problem:
            title = DATASETS[name].title
            kind = DATASETS[name]
            raise DatasetError(f"the {title} files are not in this folder and cannot be downloaded: {problem}",
                               path=missing.path, fix=f"connect to the network, or copy the {title} files "
                               f"({', '.join(kind.files)}) there, or point --data-dir / $MINITORCH_DATA at a folder "
                               f"that has a {kind.folder}/ subfolder holding them") from None
        return load_splits(name, root, download=True)


def _new_run_dir(out: Path, name: str) -> Path:
    """A new ``<out>/<name>-<timestamp>`` folder (``-2``, ``-3``... if taken)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for suffix in [""] + [f"-{i}" for i in range(2, 1000)]:
        run_dir = out / f"{name}-{stamp}{suffix}"
        try:
            run_dir.mkdir(parents=True)
            return run_dir
        except FileExistsError:
            continue
    raise UsageError(f"cannot create a new run folder under {out}: too many runs named {name}-{stamp}")


def _json_safe(value):
    """NaN/inf → None: summary.json is strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    return value

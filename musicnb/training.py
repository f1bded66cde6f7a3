"""One ``train(...)`` for every model of the course, with a run folder that survives interruptions.

A run folder holds everything needed to pick a model up again::

    runs/03_onehot_lstm/
        best.keras     the weights with the best monitored value so far (val_loss by default)
        last.keras     the model after the last finished epoch, optimizer state included
        history.csv    one row per finished epoch (loss, accuracy, val_*, learning rate)
        run.json       kind, builder and its params, epochs done, best epoch, final metrics
        encoder.json   the encoder (vocabulary) the tokens came from, when one is given

Every file is written atomically (a temporary file in the same folder, then ``os.replace``),
so an interruption — a closed laptop, a Colab time-out, Ctrl+C — never leaves a half-written
checkpoint. Calling :func:`train` again with the same ``run_dir`` resumes at the next epoch
with the history intact (``last.keras`` carries the optimizer's moments and learning rate).

What happens during training: the best/last checkpoints, early stopping on the monitored value
(its patience counter is saved too, so it survives a resume), ``ReduceLROnPlateau``, a live loss
plot in a notebook (a progress bar in a terminal), all seeded with
``keras.utils.set_random_seed``. ``strategy=`` takes any ``tf.distribute`` strategy; because
variables must be created inside ``strategy.scope()``, pass a *builder* then:
``train(lambda: models.onehot_lstm(V), data, strategy=tf.distribute.MirroredStrategy())``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any, cast

import numpy as np

from .atomic import (
    atomic_path,
    clean_stale_temporaries,
    json_default,
    report_cleaned,
    write_json,
    write_text,
)
from .encoders.interface import Encoder
from .errors import MusicnbError
from .settings import runs_dir

__all__ = [
    "train",
    "TrainResult",
    "RunRecord",
    "Run",
    "load_run",
    "list_runs",
    "read_history",
    "training_device",
    "in_notebook",
    "save_model_atomic",
]

RUN_FILE = "run.json"
HISTORY_FILE = "history.csv"
BEST_FILE = "best.keras"
LAST_FILE = "last.keras"
ENCODER_FILE = "encoder.json"
#: Sub-folder where an epoch's files wait until run.json commits them.
PENDING_DIR = ".pending"


# ---------------------------------------------------------------- small file helpers


def save_model_atomic(model: Any, path: Path) -> Path:
    """``model.save`` to a temporary ``.keras`` file beside ``path``, then rename it into place.

    (Keras' own ``ModelCheckpoint`` writes straight to the target, so an interruption while
    saving leaves a broken file — exactly the file a resume would need.)"""
    with atomic_path(path, suffix=".keras") as tmp:
        model.save(tmp)
    return Path(path)


def _json_default(value: Any) -> Any:
    """NumPy values and paths as :func:`musicnb.atomic.json_default` converts them; anything
    else (a strategy, a callable in ``info``) by its ``repr``, so a run record always writes."""
    try:
        return json_default(value)
    except TypeError:
        return repr(value)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    write_json(path, data, sort_keys=True, default=_json_default)


def read_history(path: str | Path) -> dict[str, list[float]]:
    """``history.csv`` -> ``{"loss": [...], "val_loss": [...], ...}`` (the ``epoch`` column
    is dropped: the list index is the epoch)."""
    path = Path(path)
    if not path.exists():
        return {}
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    history: dict[str, list[float]] = {}
    for row in rows:
        for key, value in row.items():
            if key == "epoch":
                continue
            history.setdefault(key, []).append(
                float(value) if value not in ("", None) else math.nan
            )
    return history


def _write_history(path: Path, history: dict[str, list[float]]) -> None:
    keys = list(history)
    n = max((len(v) for v in history.values()), default=0)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["epoch", *keys])
    for i in range(n):
        writer.writerow(
            [i + 1, *(repr(float(history[k][i])) if i < len(history[k]) else "" for k in keys)]
        )
    write_text(path, buffer.getvalue())


def _iterations(model: Any) -> int | None:
    """The optimizer's step count (``optimizer.iterations``), or ``None`` without one."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or getattr(optimizer, "iterations", None) is None:
        return None
    return int(np.asarray(optimizer.iterations))


def _apply_pending(run_dir: Path, pending: dict[str, str]) -> None:
    """Move an epoch's committed files from ``.pending/`` into place and drop what is left."""
    stage = run_dir / PENDING_DIR
    for final, staged in pending.items():
        if (stage / staged).exists():
            os.replace(stage / staged, run_dir / final)
    if stage.is_dir():
        for leftover in stage.iterdir():
            with contextlib.suppress(OSError):
                leftover.unlink()
        with contextlib.suppress(OSError):
            stage.rmdir()


def recover_run(run_dir: str | Path) -> None:
    """Bring a run folder to its last committed epoch after an interruption.

    Files run.json committed but that were not yet moved into place are moved (the process was
    killed between the commit and the moves); staged files of an epoch that was never
    committed are removed, and so are temporary files that killed atomic writes left behind
    (:func:`musicnb.atomic.clean_stale_temporaries`), with a line saying so.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        return
    stage = run_dir / PENDING_DIR
    removed = clean_stale_temporaries(run_dir) + clean_stale_temporaries(stage)
    pending: dict[str, str] = {}
    recorded = read_run_record(run_dir, strict=False).get("pending")
    if isinstance(recorded, dict):
        pending = {str(k): str(v) for k, v in recorded.items()}
    if stage.is_dir():
        uncommitted = [p for p in stage.iterdir() if p.name not in pending.values()]
        removed += uncommitted
    _apply_pending(run_dir, pending)
    report_cleaned(removed, run_dir)


def in_notebook() -> bool:
    """True inside a Jupyter/Colab kernel (where a live plot can be drawn)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the course
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ in ("ZMQInteractiveShell", "Shell")


# ---------------------------------------------------------------- the run record


#: Fields of run.json written only once they have a value (after the first epoch, at the end).
_LATE_FIELDS = ("metrics", "updated", "pending", "finished")


@dataclass
class RunRecord:
    """What ``run.json`` holds: how the run was set up, and where it stands after each epoch.

    :func:`train` fills it in and its run keeper (the Keras callback) updates it at the end of
    every epoch, then writes it as the epoch's commit point. :meth:`to_json` gives the same
    keys run folders have always held, so any ``run.json`` (older ones included) reads back as
    a plain dict with :func:`load_run`.
    """

    kind: str
    builder: str
    params: dict[str, Any]
    model_name: str
    parameters: int
    epochs_requested: int
    batch_size: int
    seed: int
    monitor: str
    patience: int | None
    best_value: float | None = None
    best_epoch: int | None = None
    #: epochs since the monitored value last improved (early stopping's counter)
    wait: int = 0
    epochs_done: int = 0
    #: the optimizer's step count after ``epochs_done`` epochs
    iterations: int | None = None
    stopped_early: bool = False
    has_encoder: bool = False
    #: fingerprint of the training arrays (:func:`_data_fingerprint`)
    data: str | None = None
    device: str = ""
    created: str = ""
    #: what the caller passed as ``info=`` (merged over the previous run's)
    info: dict[str, Any] = field(default_factory=dict)
    #: the last finished epoch's logged values
    metrics: dict[str, float] | None = None
    updated: str | None = None
    #: final name -> staged name of the files the last epoch committed (see recover_run)
    pending: dict[str, str] | None = None
    finished: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The record as ``run.json`` holds it (late fields only once they are set)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in _LATE_FIELDS:
            if data[name] is None:
                del data[name]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunRecord:
        """A record from a ``run.json`` dict, older ones included (a field they lack, such as
        ``iterations`` before it was recorded, takes its default; keys no field knows are
        left out)."""
        known = {f.name for f in fields(cls)}
        missing = [
            f.name
            for f in fields(cls)
            if f.name not in data and f.default is MISSING and f.default_factory is MISSING
        ]
        if missing:
            raise MusicnbError(
                f"run.json lacks {', '.join(missing)}: it was not written by musicnb.train(). "
                "Train the model again with musicnb.train(..., run_dir=...)."
            )
        return cls(**{key: value for key, value in data.items() if key in known})

    def write(self, run_dir: Path) -> None:
        """Write ``run_dir/run.json`` atomically."""
        _write_json(run_dir / RUN_FILE, self.to_json())


# ---------------------------------------------------------------- callbacks


def _callback_base() -> type:
    import keras

    return keras.callbacks.Callback


class _RunKeeper:
    """Builds the Keras callback that keeps the run folder up to date after every epoch:
    history.csv, last.keras, best.keras, run.json, and early stopping (state saved)."""

    @staticmethod
    def make(
        run_dir: Path,
        record: RunRecord,
        history: dict[str, list[float]],
        monitor: str,
        patience: int | None,
        min_delta: float,
    ) -> Any:
        Base = _callback_base()

        class RunKeeper(Base):  # type: ignore[misc, valid-type]
            def __init__(self) -> None:
                super().__init__()
                self.record = record
                self.history = history
                self.monitor = monitor
                self.patience = patience
                self.min_delta = min_delta
                self.stopped_early = False

            def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
                logs = dict(logs or {})
                if self.monitor not in logs:
                    raise MusicnbError(
                        f"monitor={self.monitor!r} is not a value this model logs; use one of "
                        f"{', '.join(sorted(logs))}."
                    )
                try:
                    logs["learning_rate"] = float(np.asarray(self.model.optimizer.learning_rate))
                except Exception:  # noqa: BLE001 - a schedule has no single value
                    pass
                for key, value in logs.items():
                    self.history.setdefault(key, [math.nan] * epoch)
                    self.history[key].append(float(value))
                for values in self.history.values():  # keys missing this epoch
                    if len(values) < epoch + 1:
                        values.append(math.nan)
                record = self.record
                current = logs.get(self.monitor)
                improved = False
                if current is not None and math.isfinite(float(current)):
                    best = record.best_value
                    improved = best is None or float(current) < float(best) - self.min_delta
                if improved and current is not None:  # improved implies a value
                    record.best_value = float(current)
                    record.best_epoch = epoch + 1
                    record.wait = 0
                else:
                    record.wait = int(record.wait) + 1
                # One commit point per epoch: the epoch's files are staged under names tagged
                # with the epoch, run.json (naming them) is written atomically, and only then
                # are they moved into place. Killed before the commit, the run is still at the
                # previous epoch (the staged files are thrown away); killed after it, the next
                # start finishes the moves (recover_run).
                done = epoch + 1
                stage = run_dir / PENDING_DIR
                stage.mkdir(exist_ok=True)
                tag = f"epoch{done:05d}"
                pending = {LAST_FILE: f"{tag}.{LAST_FILE}", HISTORY_FILE: f"{tag}.{HISTORY_FILE}"}
                save_model_atomic(self.model, stage / pending[LAST_FILE])
                if improved or not (run_dir / BEST_FILE).exists():
                    pending[BEST_FILE] = f"{tag}.{BEST_FILE}"
                    with atomic_path(stage / pending[BEST_FILE], suffix=".keras") as tmp:
                        shutil.copyfile(stage / pending[LAST_FILE], tmp)
                _write_history(stage / pending[HISTORY_FILE], self.history)
                record.epochs_done = done
                record.iterations = _iterations(self.model)
                record.metrics = {k: float(v) for k, v in logs.items()}
                record.updated = time.strftime("%Y-%m-%dT%H:%M:%S")
                record.pending = pending
                if self.patience is not None and record.wait >= self.patience:
                    self.stopped_early = True
                    record.stopped_early = True
                    self.model.stop_training = True
                record.write(run_dir)  # the commit point
                _apply_pending(run_dir, pending)

        return RunKeeper()


def _live_plot_callback(history: dict[str, list[float]], title: str) -> Any:
    """Redraw a matplotlib figure of the loss (and accuracy) curves in one display handle."""
    Base = _callback_base()

    class LivePlot(Base):  # type: ignore[misc, valid-type]
        def on_train_begin(self, logs: Any = None) -> None:
            import matplotlib.pyplot as plt
            from IPython.display import display

            self.figure, self.axes = plt.subplots(1, 2, figsize=(10, 3.2))
            plt.close(self.figure)  # drawn through the handle only, not again at cell end
            self.handle = display(self.figure, display_id=True)
            self._draw()

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            self._draw()

        def _draw(self) -> None:
            loss_ax, acc_ax = self.axes
            for ax in self.axes:
                ax.clear()
            n = max((len(v) for v in history.values()), default=0)
            epochs = np.arange(1, n + 1)
            for key, ax in (
                ("loss", loss_ax),
                ("val_loss", loss_ax),
                ("accuracy", acc_ax),
                ("val_accuracy", acc_ax),
            ):
                if history.get(key):
                    ax.plot(epochs[: len(history[key])], history[key], marker="o", label=key)
            loss_ax.set(xlabel="epoch", ylabel="cross-entropy", title=f"{title}: loss")
            acc_ax.set(xlabel="epoch", ylabel="accuracy", title="accuracy")
            for ax in self.axes:
                if ax.lines:
                    ax.legend(loc="best")
                ax.grid(alpha=0.3)
            self.figure.tight_layout()
            if getattr(self, "handle", None) is not None:
                self.handle.update(self.figure)

    return LivePlot()


# ---------------------------------------------------------------- results


@dataclass
class TrainResult:
    """What :func:`train` returns: the model (best weights restored), the full history
    (including epochs from before a resume), the run folder, ``info`` (``run.json`` as a
    dict) and ``record`` (the same as a :class:`RunRecord`)."""

    model: Any
    history: dict[str, list[float]]
    run_dir: Path
    info: dict[str, Any] = field(default_factory=dict)
    initial_epoch: int = 0
    record: RunRecord | None = None

    @property
    def epochs_done(self) -> int:
        return int(self.info.get("epochs_done", 0))

    def __repr__(self) -> str:
        best = self.info.get("best_value")
        best_text = (
            f", best {self.info.get('monitor')}={best:.4f} @ epoch {self.info.get('best_epoch')}"
            if best is not None
            else ""
        )
        return f"TrainResult({self.run_dir.name}: {self.epochs_done} epochs{best_text})"


@dataclass
class Run:
    """A saved run read back by :func:`load_run`."""

    model: Any
    encoder: Encoder | None
    info: dict[str, Any]
    run_dir: Path

    @property
    def history(self) -> dict[str, list[float]]:
        return read_history(self.run_dir / HISTORY_FILE)

    def __repr__(self) -> str:
        return (
            f"Run({self.run_dir.name}: {self.info.get('builder') or self.info.get('kind')}, "
            f"{self.info.get('epochs_done', 0)} epochs)"
        )


# ---------------------------------------------------------------- train


def _is_keras_model(obj: Any) -> bool:
    import keras

    return isinstance(obj, keras.Model)


def _as_dataset(data: Any, batch_size: int, shuffle: bool, seed: int, what: str) -> Any:
    import tensorflow as tf

    if isinstance(data, tf.data.Dataset):
        return data
    if isinstance(data, (tuple, list)) and len(data) == 2:
        X, y = data
        from .windowing import make_dataset

        return make_dataset(
            np.asarray(X),
            y
            if isinstance(y, dict)
            else (
                tuple(np.asarray(v) for v in y) if isinstance(y, (tuple, list)) else np.asarray(y)
            ),
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
        )
    if hasattr(data, "X") and hasattr(data, "y"):  # a WindowSet
        return _as_dataset((data.X, data.y), batch_size, shuffle, seed, what)
    raise MusicnbError(
        f"{what} must be an (X, y) tuple of arrays or a tf.data.Dataset, got "
        f"{type(data).__name__}. Build it with musicnb.windows(...) or "
        "musicnb.windowing.sequence_chunks(...)."
    )


def _arrays(data: Any) -> tuple[Any, Any] | None:
    if hasattr(data, "X") and hasattr(data, "y"):
        return data.X, data.y
    if isinstance(data, (tuple, list)) and len(data) == 2:
        return data[0], data[1]
    return None


def _check_examples(data: Any, what: str) -> None:
    """Empty arrays, or X and y of different lengths, raise before any training starts."""
    pair = _arrays(data)
    if pair is None:
        return
    X, y = pair
    n = len(X) if hasattr(X, "__len__") else None
    if n == 0:
        raise MusicnbError(
            f"{what} holds no examples: the corpus or the windowing gave nothing "
            "to train on (pieces shorter than the window? a limit too small?)."
        )
    targets = list(y.values()) if isinstance(y, dict) else [y] if isinstance(y, np.ndarray) else []
    for target in targets:
        if n is not None and len(target) != n:
            raise MusicnbError(
                f"{what}: X has {n} examples but y has {len(target)}; they must match one to one."
            )


def _check_targets(model: Any, data: Any, what: str) -> None:
    """Integer targets of a one-output classifier must be token ids the model can output."""
    pair = _arrays(data)
    if pair is None or isinstance(pair[1], (dict, tuple, list)) or len(model.outputs) != 1:
        return
    y = np.asarray(pair[1])
    vocab = model.outputs[0].shape[-1]
    if y.dtype.kind not in "iu" or not y.size or not vocab or vocab < 2:
        return
    if int(y.min()) < 0 or int(y.max()) >= int(vocab):
        raise MusicnbError(
            f"{what}: the targets run from {int(y.min())} to {int(y.max())}, but "
            f"the model outputs {vocab} classes (0..{int(vocab) - 1}). Build the "
            "model with the encoder's vocab_size, or encode the data with the "
            "encoder the model was built for."
        )


def _check_inputs(model: Any, data: Any, what: str) -> None:
    """Array inputs must fit the model's input shape (the sizes it fixes) and be finite,
    checked before training starts, where Keras would stop inside ``fit`` with its own words."""
    pair = _arrays(data)
    try:
        inputs = list(model.inputs)
    except (AttributeError, ValueError):  # a model not built yet: Keras builds it on the data
        return
    if pair is None or len(inputs) != 1 or isinstance(pair[0], (dict, tuple, list)):
        return
    try:
        X = np.asarray(pair[0])
    except (TypeError, ValueError):
        raise MusicnbError(
            f"{what}: X cannot be read as one array (rows of different lengths?); pad the "
            "sequences or build windows with musicnb.windows(...)."
        ) from None
    if X.dtype.kind not in "biuf":
        raise MusicnbError(
            f"{what}: X holds {X.dtype} values, not numbers; encode the pieces first."
        )
    expected = tuple(inputs[0].shape[1:])
    got = X.shape[1:]
    fixed = len(expected) == len(got) and all(e is None or e == g for e, g in zip(expected, got))
    if not fixed:
        shown = "(examples, " + ", ".join("any" if e is None else str(e) for e in expected) + ")"
        raise MusicnbError(
            f"{what}: X has shape {X.shape}, but the model takes {shown}. Build the model "
            "with the window (or feature count) of the data, or window the data to the "
            "model's size."
        )
    if X.dtype.kind == "f" and X.size and not np.all(np.isfinite(X)):
        raise MusicnbError(
            f"{what}: X holds {int(np.count_nonzero(~np.isfinite(X)))} NaN or infinite "
            "values; check the encoding (a division by zero in a feature?) before training."
        )


def _clear_run(run_dir: Path) -> None:
    for file in (RUN_FILE, LAST_FILE, BEST_FILE, HISTORY_FILE, ENCODER_FILE):
        (run_dir / file).unlink(missing_ok=True)
    _apply_pending(run_dir, {})


def _data_fingerprint(data: Any) -> str | None:
    """A short description of ``(X, y)`` arrays — shapes and a hash of a sample of rows — so a
    run folder is not resumed with different data. ``None`` for a ``tf.data.Dataset``."""
    import hashlib

    if hasattr(data, "X") and hasattr(data, "y"):
        data = (data.X, data.y)
    if not (isinstance(data, (tuple, list)) and len(data) == 2):
        return None
    X = np.asarray(data[0])
    step = max(1, len(X) // 512)
    digest = hashlib.sha1(np.ascontiguousarray(X[::step]).tobytes()).hexdigest()[:12]
    return f"{X.shape}:{X.dtype}:{digest}"


def _built_in_scope(model: Any, strategy: Any) -> bool:
    """Whether the model's variables belong to ``strategy`` (Keras wraps tf.Variables)."""
    if not model.weights:
        return True
    variable = model.weights[0]
    variable = getattr(variable, "value", variable)
    try:
        return bool(strategy.extended.variable_created_in_scope(variable))
    except AttributeError:
        return False


def training_device(strategy: Any = None) -> str:
    """Where training runs, in words: ``"CPU"``, ``"GPU (1)"``, or the strategy's replicas."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    where = f"GPU ({len(gpus)})" if gpus else "CPU"
    if strategy is not None:
        where += f", {type(strategy).__name__} over {strategy.num_replicas_in_sync} replicas"
    return where


def _builder_name(model: Any) -> str:
    name = getattr(model, "__name__", "") or ""
    return "" if name == "<lambda>" else name


def _load_model(path: Path) -> Any:
    """``keras.models.load_model`` after importing every module of the course that registers
    custom objects (layers, losses, metrics), so any run folder of the course reloads."""
    import importlib

    import keras

    from . import models as _models

    for module in sorted(set(_models._MODULE_OF.values())):
        with contextlib.suppress(ImportError):
            importlib.import_module(f"musicnb.models.{module}")
    for module in ("losses", "metrics"):
        with contextlib.suppress(ImportError):
            importlib.import_module(f"musicnb.{module}")
    try:
        return keras.models.load_model(path)
    except MusicnbError:
        raise
    except Exception as exc:  # not a zip, a truncated file, a layer this version cannot build
        from .errors import CheckpointError

        other = LAST_FILE if path.name == BEST_FILE else BEST_FILE
        raise CheckpointError(
            f"The checkpoint {path} cannot be loaded ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0][:160] if str(exc) else 'no details'}). It is damaged or "
            f"was not written by Keras 3: load the other one (which="
            f"{'last' if other == LAST_FILE else 'best'!r}) if {path.parent / other} exists, "
            "or train the run again."
        ) from exc


def read_run_record(path: str | Path, strict: bool = True) -> dict[str, Any]:
    """``run.json`` of the run folder ``path`` as a dict (``{}`` when there is none).

    A damaged file (not JSON, not a JSON object, unreadable) is a :class:`MusicnbError` that
    names it, or ``{}`` with ``strict=False`` (for listings, which must not stop at one bad
    folder). Every reader of a run's record goes through here."""
    file = Path(path) / RUN_FILE
    if not file.exists():
        return {}
    if not strict:
        try:
            return read_run_record(path, strict=True)
        except MusicnbError:
            return {}
    try:
        info = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MusicnbError(
            f"{file} cannot be read ({exc}): it is damaged. The model itself may still load; "
            "move run.json away, or train the run again."
        ) from None
    if not isinstance(info, dict):
        raise MusicnbError(
            f"{file} holds a {type(info).__name__}, not the run's record (a JSON object): "
            "move it away, or train the run again."
        )
    return info


def train(
    model: Any,
    train_data: Any,
    valid_data: Any = None,
    run_dir: str | Path | None = None,
    epochs: int = 10,
    batch_size: int = 64,
    *,
    name: str | None = None,
    monitor: str | None = None,
    patience: int | None = 5,
    min_delta: float = 0.0,
    reduce_lr_patience: int | None = 2,
    reduce_lr_factor: float = 0.5,
    min_learning_rate: float = 1e-5,
    encoder: Encoder | None = None,
    info: dict[str, Any] | None = None,
    strategy: Any = None,
    seed: int = 0,
    live_plot: bool | None = None,
    verbose: int | None = None,
    resume: bool = True,
    shuffle: bool = True,
    callbacks: Sequence[Any] = (),
) -> TrainResult:
    """Train ``model`` for up to ``epochs`` epochs, keeping a run folder (see module docs).

    Parameters
    ----------
    model:
        A compiled Keras model, or a builder called with no arguments that returns one
        (needed with ``strategy``). An uncompiled model is compiled with Adam and sparse
        categorical cross-entropy.
    train_data, valid_data:
        ``(X, y)`` arrays (``y`` may be a dict/tuple for multi-output models; batched and
        shuffled with ``seed``) or ready ``tf.data.Dataset``s.
    run_dir:
        The run folder; default ``musicnb.runs_dir() / name``.
    epochs:
        The *total* number of epochs of the run: resuming a run that did 3 of 10 trains 7 more.
    monitor, patience, min_delta:
        Early stopping and the best checkpoint follow ``monitor`` (``val_loss`` when there is
        validation data, else ``loss``); ``patience=None`` switches early stopping off.
    reduce_lr_patience, reduce_lr_factor, min_learning_rate:
        ``ReduceLROnPlateau`` on ``monitor`` (``None`` switches it off).
    encoder, info:
        Saved beside the model (``encoder.json``; ``info`` is merged into ``run.json``).
    strategy:
        A ``tf.distribute`` strategy; the model is built (or reloaded) in its scope.
    seed:
        Seeds Python, NumPy and the backend (``keras.utils.set_random_seed``) and the shuffle.
        Pass a builder to seed the initial weights too (a model built before ``train`` got
        its weights already).
    live_plot, verbose:
        Default: a live loss plot in a notebook, a progress bar in a terminal.
    resume:
        ``True`` continues the run found in ``run_dir`` (unless it holds a model with another
        number of weights, or was trained on other ``(X, y)``: then it starts over, and says
        so); ``False`` always starts over.

    Returns a :class:`TrainResult` whose model has the best weights restored.
    """
    import keras

    from .validation import real_number, whole_number

    # without allow_none these validators never return None
    epochs = cast(
        int, whole_number("epochs", epochs, 1, hint="the total number of epochs of the run.")
    )
    batch_size = cast(int, whole_number("batch_size", batch_size, 1))
    patience = whole_number(
        "patience",
        patience,
        1,
        allow_none=True,
        hint="epochs without improvement before stopping; None = never stop.",
    )
    reduce_lr_patience = whole_number("reduce_lr_patience", reduce_lr_patience, 1, allow_none=True)
    min_delta = cast(float, real_number("min_delta", min_delta, 0.0))
    seed = cast(int, whole_number("seed", seed))
    if monitor is not None and not isinstance(monitor, str):
        raise MusicnbError(
            f"monitor={monitor!r}: give the name of a logged value, such as "
            "'val_loss', 'loss' or 'val_accuracy'."
        )
    if monitor is not None and monitor.startswith("val_") and valid_data is None:
        raise MusicnbError(
            f"monitor={monitor!r} needs validation data: pass valid_data=..., or "
            f"monitor={monitor[4:]!r} to follow the training value."
        )
    _check_examples(train_data, "train_data")
    if valid_data is not None:
        _check_examples(valid_data, "valid_data")
    if not (_is_keras_model(model) or callable(model)):
        raise MusicnbError(
            f"train() needs a Keras model or a function that builds one, got "
            f"{type(model).__name__}."
        )
    keras.utils.set_random_seed(int(seed))
    scope = strategy.scope() if strategy is not None else contextlib.nullcontext()
    builder_fn = None if _is_keras_model(model) else model

    # ---- the run folder and what it already holds
    info = dict(info or {})
    if run_dir is None:
        default = (
            name
            or info.get("name")
            or (model.name if builder_fn is None else _builder_name(builder_fn))
            or "run"
        )
        run_dir = runs_dir() / str(default)
    from .validation import writable_folder

    run_dir = writable_folder(run_dir, "run folder")
    recover_run(run_dir)
    previous: dict[str, Any] = {}
    if (run_dir / RUN_FILE).exists() and (run_dir / LAST_FILE).exists():
        if resume:
            previous = read_run_record(run_dir)
        else:
            _clear_run(run_dir)
    fingerprint = _data_fingerprint(train_data)

    # ---- the model: built in the strategy's scope, or reloaded from last.keras on resume
    with scope:
        if builder_fn is not None:
            model = builder_fn()
            if not _is_keras_model(model):
                raise MusicnbError(
                    f"The builder passed to train() returned {type(model).__name__}, "
                    "not a Keras model."
                )
        elif strategy is not None and not _built_in_scope(model, strategy):
            raise MusicnbError(
                "With a strategy the model must be built inside strategy.scope(). "
                "Pass a builder instead: train(lambda: models.onehot_lstm(...), "
                "data, strategy=strategy)."
            )
        from .models.build_records import build_record

        record = build_record(model)
        if previous:
            # a run folder of another model or other data is not resumed, but started over
            why = ""
            if previous.get("parameters") != int(model.count_params()):
                why = (
                    f"it holds a model with {previous.get('parameters')} parameters, this one "
                    f"has {model.count_params():,}"
                )
            elif fingerprint and previous.get("data") and previous["data"] != fingerprint:
                why = "it was trained on other data"
            if why:
                print(
                    f"{run_dir.name}: starting a new run ({why}); the old checkpoints are "
                    "replaced. Use another run_dir to keep them."
                )
                _clear_run(run_dir)
                previous = {}
            else:
                model = _load_model(run_dir / LAST_FILE)
                expected, actual = previous.get("iterations"), _iterations(model)
                if expected is not None and actual is not None and int(expected) != actual:
                    raise MusicnbError(
                        f"{run_dir}: last.keras has made {actual} optimizer steps but run.json "
                        f"records {expected} after {previous.get('epochs_done')} epoch(s), so "
                        "resuming would train some batches twice or skip them. The folder's "
                        "files do not belong together (copied in parts?): pass resume=False to "
                        "start over, or use another run_dir."
                    )
        if not previous and (
            getattr(model, "optimizer", None) is None or not getattr(model, "compiled", True)
        ):
            model.compile(
                optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"]
            )

    initial_epoch = int(previous.get("epochs_done", 0))
    history = read_history(run_dir / HISTORY_FILE) if previous else {}
    history = {k: v[:initial_epoch] for k, v in history.items()}
    monitor = monitor or ("val_loss" if valid_data is not None else "loss")
    run_record = RunRecord(
        kind=info.pop("kind", previous.get("kind", "next_event" if record else "model")),
        builder=record.get("builder")
        or previous.get("builder")
        or (_builder_name(builder_fn) if builder_fn else ""),
        params=record.get("params") or previous.get("params", {}),
        model_name=model.name,
        parameters=int(model.count_params()),
        epochs_requested=int(epochs),
        batch_size=int(batch_size),
        seed=int(seed),
        monitor=monitor,
        patience=patience,
        best_value=previous.get("best_value"),
        best_epoch=previous.get("best_epoch"),
        wait=int(previous.get("wait", 0)),
        epochs_done=initial_epoch,
        iterations=previous.get("iterations", _iterations(model)),
        stopped_early=bool(previous.get("stopped_early", False)),
        has_encoder=encoder is not None or bool(previous.get("has_encoder")),
        data=fingerprint or previous.get("data"),
        device=training_device(strategy),
        created=previous.get("created", time.strftime("%Y-%m-%dT%H:%M:%S")),
        info={**previous.get("info", {}), **info},
    )
    if encoder is not None:
        encoder.save(run_dir / ENCODER_FILE)

    done = initial_epoch >= epochs or run_record.stopped_early
    if done:
        run_record.write(run_dir)
        with scope:
            best = _load_model(run_dir / BEST_FILE) if (run_dir / BEST_FILE).exists() else model
        print(
            f"{run_dir.name}: already trained ({initial_epoch} epochs"
            f"{', stopped early' if run_record.stopped_early else ''}); loaded the best "
            f"checkpoint. Pass more epochs to continue, or resume=False to start over."
        )
        return TrainResult(best, history, run_dir, run_record.to_json(), initial_epoch, run_record)

    _check_inputs(model, train_data, "train_data")
    _check_targets(model, train_data, "train_data")
    if valid_data is not None:
        _check_inputs(model, valid_data, "valid_data")
        _check_targets(model, valid_data, "valid_data")
    train_ds = _as_dataset(train_data, batch_size, shuffle, seed, "train_data")
    valid_ds = (
        None
        if valid_data is None
        else _as_dataset(valid_data, batch_size, False, seed, "valid_data")
    )
    notebook = in_notebook()
    live_plot = notebook if live_plot is None else bool(live_plot)
    if verbose is None:  # the live plot shows progress; otherwise a bar (terminal) or one line
        verbose = 0 if live_plot else (1 if sys.stdout.isatty() else 2)
    verbose = int(verbose)
    keeper = _RunKeeper.make(run_dir, run_record, history, monitor, patience, min_delta)
    all_callbacks = [keeper]
    if reduce_lr_patience is not None:
        all_callbacks.append(
            keras.callbacks.ReduceLROnPlateau(
                monitor=monitor,
                factor=reduce_lr_factor,
                patience=reduce_lr_patience,
                min_lr=min_learning_rate,
                verbose=0,
            )
        )
    if live_plot:
        all_callbacks.append(_live_plot_callback(history, run_dir.name))
    all_callbacks.extend(callbacks)
    run_record.write(run_dir)
    try:
        model.fit(
            train_ds,
            validation_data=valid_ds,
            epochs=int(epochs),
            initial_epoch=initial_epoch,
            callbacks=all_callbacks,
            verbose=verbose,
            shuffle=False,
        )  # the dataset is already shuffled (seeded)
    except KeyboardInterrupt:
        print(
            f"\nInterrupted after epoch {run_record.epochs_done}: {run_dir} keeps the "
            "checkpoints. Call train() again with the same run_dir to resume.",
            file=sys.stderr,
        )
        raise
    run_record.finished = time.strftime("%Y-%m-%dT%H:%M:%S")
    run_record.write(run_dir)
    if (run_dir / BEST_FILE).exists() and run_record.best_epoch != run_record.epochs_done:
        with scope:
            model.load_weights(run_dir / BEST_FILE)
    return TrainResult(model, history, run_dir, run_record.to_json(), initial_epoch, run_record)


# ---------------------------------------------------------------- reading runs back


def load_run(run_dir: str | Path, which: str = "best") -> Run:
    """Read a run folder back: the model (``which="best"`` or ``"last"``), its encoder (or
    ``None``) and ``run.json``. A name without a folder is looked up in ``runs_dir()``."""
    path = Path(run_dir)
    if not path.exists() and not path.is_absolute() and len(path.parts) == 1:
        path = runs_dir() / path
    with contextlib.suppress(OSError):
        recover_run(path)
    if which not in ("best", "last"):
        raise MusicnbError(f"which must be 'best' or 'last', got {which!r}.")
    model_file = path / (BEST_FILE if which == "best" else LAST_FILE)
    if not model_file.exists():
        known = ", ".join(p.name for p in list_runs()) or "none yet"
        raise MusicnbError(
            f"No trained model at {model_file}. Train one with musicnb.train(..., "
            f"run_dir={str(path)!r}) first; runs found in {runs_dir()}: {known}."
        )
    info = read_run_record(path)
    encoder = None
    if (path / ENCODER_FILE).exists():
        from .encoders import load_encoder

        encoder = load_encoder(path / ENCODER_FILE)
    return Run(_load_model(model_file), encoder, info, path)


def list_runs(root: str | Path | None = None, pretrained: bool | None = None) -> list[Path]:
    """Every run folder (one holding ``run.json`` and a checkpoint) under ``root`` (default
    ``musicnb.runs_dir()``), sorted by name. Without ``root`` (or with ``pretrained=True``)
    the course's ready-trained runs (``musicnb.pretrained``) follow the student's own."""
    folder = runs_dir() if root is None else Path(root)
    runs = (
        []
        if not folder.is_dir()
        else sorted(
            p
            for p in folder.iterdir()
            if p.is_dir()
            and (p / RUN_FILE).exists()
            and ((p / BEST_FILE).exists() or (p / LAST_FILE).exists())
        )
    )
    if pretrained if pretrained is not None else root is None:
        from .pretrained import pretrained_dir

        if pretrained_dir().resolve() != folder.resolve():
            runs += list_runs(pretrained_dir(), pretrained=False)
    return runs

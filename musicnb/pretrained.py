"""Ready-trained runs for every model of notebooks 02–07, shipped under ``data/pretrained/``
(installed as ``musicnb/pretrained_runs/``).

A student who opens the studio first, or works on a laptop without a GPU, gets models that
write music instead of a few seconds of quick-mode training. Every run is an ordinary run
folder (``run.json``, ``best.keras``, ``encoder.json``), so :func:`musicnb.load_run`, the
samplers and the studio read it like the student's own runs; ``musicnb.training.list_runs()``
lists them after the student's.

``make pretrained`` (``python -m musicnb.pretrained``) trains them all again, seeded, on the
corpus embedded in music21's wheel, and records in each ``run.json`` (``info``) the data, the
settings, the test figures beside the notebook's baselines and the commit. Sizes are modest
(small models, a subset of each collection) so the whole command takes minutes on a CPU and
the folder stays far under 20 MB; a run whose model does not beat its baselines on its test
split makes the command fail.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["pretrained_dir", "list_pretrained", "for_listening", "FAMILIES", "main"]

SEED = 0


def pretrained_dir() -> Path:
    """Where the ready-trained runs are: ``$MUSICNB_PRETRAINED``; else ``musicnb/pretrained_runs``
    inside an installed wheel (``pyproject.toml`` maps the repository's ``data/pretrained``
    there, so ``make wheel`` carries them, e.g. to Colab); else ``data/pretrained`` of the
    repository checkout this package runs from (``make lab``, an editable install)."""
    override = os.environ.get("MUSICNB_PRETRAINED")
    if override:
        return Path(override).expanduser()
    package = Path(__file__).resolve().parent
    installed = package / "pretrained_runs"
    if installed.is_dir():
        return installed
    return package.parent / "data" / "pretrained"


def list_pretrained() -> list[Path]:
    """The ready-trained run folders (empty when the folder is missing)."""
    from .training import list_runs

    return list_runs(pretrained_dir(), pretrained=False)


def for_listening(
    name: str, model: Any, encoder: Any = None, quick: bool | None = None
) -> tuple[Any, Any]:
    """``(model, encoder)`` for a notebook's listening cells: in quick mode (a model trained for
    seconds) the ready-trained run ``name`` with its own encoder, else the notebook's own; one
    printed sentence says which. Falls back to the notebook's model when the run is missing."""
    from .printed import wrap
    from .settings import quick_mode
    from .training import load_run

    quick = quick_mode() if quick is None else bool(quick)
    folder = pretrained_dir() / name
    if quick and (folder / "run.json").exists():
        run = load_run(folder)
        print(
            wrap(
                f"Listening to the ready-trained {name} (shipped with musicnb): this "
                "notebook's own model trained for seconds only, in quick mode."
            )
        )
        return run.model, run.encoder if run.encoder is not None else encoder
    print("Listening to the model trained in this notebook.")
    return model, encoder


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parents[1],
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _record(run_dir: Path, extra: dict[str, Any]) -> None:
    """Merge ``extra`` into the run's ``info`` (atomically)."""
    import json

    from .atomic import write_json

    path = run_dir / "run.json"
    record = json.loads(path.read_text())
    record["info"] = {
        **record.get("info", {}),
        **extra,
        "commit": _commit(),
        "command": "make pretrained",
    }
    write_json(path, record, sort_keys=True, default=str)


def _train(
    model: Any,
    train: Any,
    valid: Any,
    run_dir: Path,
    epochs: int,
    batch: int,
    encoder: Any,
    info: dict[str, Any],
) -> Any:
    from .training import train as fit

    return fit(
        model,
        train,
        valid,
        run_dir=run_dir,
        epochs=epochs,
        batch_size=batch,
        encoder=encoder,
        info=info,
        seed=SEED,
        resume=False,
        live_plot=False,
        verbose=0,
        patience=3,
    )


def _beats(model_score: float, baselines: dict[str, float], lower_is_better: bool = True) -> bool:
    return all(
        (model_score < b) if lower_is_better else (model_score > b) for b in baselines.values()
    )


# ---------------------------------------------------------------- one function per model
def _next_event(
    out: Path,
    name: str,
    notebook: str,
    build: Callable[[int], Any],
    sequence: bool,
    collection: str,
    limit: int | None,
    epochs: int,
    window: int,
    encoder: Any,
    batch: int = 64,
) -> dict[str, Any]:
    from . import metrics
    from .corpus import load_corpus
    from .windowing import sequence_chunks, split_by_piece, windows

    pieces, _ = load_corpus(collection, limit=limit)
    split = split_by_piece(pieces, seed=SEED)
    if hasattr(encoder, "fit"):
        encoder.fit(split.train)
    seqs = {
        part: encoder.encode_many(getattr(split, part))[0] for part in ("train", "valid", "test")
    }
    seqs = {k: [s for s in v if len(s) > window] for k, v in seqs.items()}
    V = encoder.vocab_size
    if sequence:
        train_data = tuple(sequence_chunks(seqs["train"], 64))
        valid_data = tuple(sequence_chunks(seqs["valid"], 64, keep_short=True))
    else:
        train_data = tuple(windows(seqs["train"], window))
        valid_data = tuple(windows(seqs["valid"], window))
    began = time.perf_counter()
    result = _train(
        lambda: build(V),
        train_data,
        valid_data,
        out / name,
        epochs,
        batch,
        encoder,
        {"notebook": notebook},
    )
    seconds = time.perf_counter() - began
    X_test, y_test = windows(seqs["test"], window)
    model = result.model
    if sequence:  # score the sequence model on the same windows: its last output step
        probs = model.predict(X_test, batch_size=256, verbose=0)[:, -1]
        table = metrics.compare_next_event(
            {"model": probs}, X_test, y_test, seqs["train"], vocab_size=V
        )
    else:
        table = metrics.compare_next_event(
            {"model": model}, X_test, y_test, seqs["train"], vocab_size=V
        )
    rows = {row["name"]: row for row in table.rows}
    model_row = rows.pop("model")
    baselines = {n: float(r["cross_entropy"]) for n, r in rows.items()}
    figures: dict[str, Any] = {
        "metric": "test cross-entropy (nats per event), lower is better",
        "model": float(model_row["cross_entropy"]),
        "model_top1": float(model_row["top1"]),
        "baselines": baselines,
        "baselines_top1": {n: float(r["top1"]) for n, r in rows.items()},
        "test_examples": int(len(y_test)),
    }
    return _finish(
        out / name, figures, collection, limit, split, seconds, _beats(figures["model"], baselines)
    )


def _finish(
    run_dir: Path,
    figures: dict[str, Any],
    collection: str,
    limit: int | None,
    split: Any,
    seconds: float,
    beats: bool,
) -> dict[str, Any]:
    figures["beats_baselines"] = bool(beats)
    _record(
        run_dir,
        {
            "pretrained": True,
            "test_figures": figures,
            "data": {
                "collection": collection,
                "limit": limit,
                "split_seed": SEED,
                "pieces": {p: len(getattr(split, p)) for p in ("train", "valid", "test")},
            },
            "train_seconds": round(seconds, 1),
        },
    )
    print(
        f"{run_dir.name}: {figures['metric']}: model {figures['model']:.4g} vs "
        + ", ".join(f"{n} {v:.4g}" for n, v in figures["baselines"].items())
        + f" ({seconds:.0f} s){'' if beats else '  DOES NOT BEAT ITS BASELINES'}",
        flush=True,
    )
    return figures


def logistic_regression(out: Path) -> dict[str, Any]:
    from .encoders import EventEncoder
    from .models import logistic_regression as build

    return _next_event(
        out,
        "02_logistic_regression",
        "02",
        lambda V: build(V, window=10, learning_rate=0.005),
        False,
        "oneill_1850",
        200,
        15,
        10,
        EventEncoder(steps_per_quarter=4, low=48, high=84),
        batch=256,
    )


def onehot_lstm(out: Path) -> dict[str, Any]:
    from .encoders import EventEncoder
    from .models import onehot_lstm as build

    return _next_event(
        out,
        "03_onehot_lstm",
        "03",
        lambda V: build(
            V, window=None, units=96, layers=1, dropout=0.1, sequence=True, learning_rate=0.005
        ),
        True,
        "oneill_1850",
        200,
        12,
        20,
        EventEncoder(steps_per_quarter=4, low=48, high=84),
        batch=32,
    )


def conv1d_hybrid(out: Path) -> dict[str, Any]:
    from .encoders import NoteChordTokenEncoder
    from .models import conv1d_lstm as build

    return _next_event(
        out,
        "04_conv1d_lstm",
        "04",
        lambda V: build(V, window=16, filters=48, units=96),
        False,
        "bach",
        None,
        20,
        16,
        NoteChordTokenEncoder(with_duration=True, min_count=2),
        batch=64,
    )


def melody_harmony(out: Path) -> dict[str, Any]:
    from .corpus import load_corpus
    from .encoders import MelodyHarmonyEncoder
    from .models import melody_harmony_lstm
    from .models.melody_harmony import (
        evaluate_melody_harmony,
        melody_harmony_chunks,
        melody_harmony_dataset,
    )
    from .windowing import split_by_piece

    collection, limit = "bach", None
    pieces, _ = load_corpus(collection, limit=limit)
    split = split_by_piece(pieces, seed=SEED)
    encoder = MelodyHarmonyEncoder(transpose=True, min_count=3).fit(split.train)
    (tm, tc), (vm, vc), (sm, sc) = (
        encoder.encode_many(getattr(split, p)) for p in ("train", "valid", "test")
    )
    X, Y = melody_harmony_chunks(tm, tc, 64)
    Xv, Yv = melody_harmony_chunks(vm, vc, 64)
    began = time.perf_counter()
    result = _train(
        lambda: melody_harmony_lstm(encoder.n_melody, encoder.n_chords, units=96, alpha=0.5),
        melody_harmony_dataset(X, Y, 32, seed=SEED),
        melody_harmony_dataset(Xv, Yv, 32, shuffle=False),
        out / "05_melody_harmony",
        40,
        32,
        encoder,
        {"notebook": "05", "kind": "melody_harmony"},
    )
    seconds = time.perf_counter() - began
    from .metrics import bigram_predictions, bigram_table
    from .models.melody_harmony import predict_melody_harmony

    f = evaluate_melody_harmony(result.model, sm, sc, tm, tc)
    predictions = predict_melody_harmony(result.model, sm, sc)
    pm = np.concatenate([p[0] for p in predictions])
    pc = np.concatenate([p[1] for p in predictions])
    ym = np.concatenate([np.asarray(m)[1:] for m in sm])
    yc = np.concatenate([np.asarray(c)[1:] for c in sc])

    def nats(probs: np.ndarray, y: np.ndarray) -> float:
        return float(-np.mean(np.log(np.clip(probs[np.arange(len(y)), y], 1e-12, 1.0))))

    model_ce = nats(pm, ym) + nats(pc, yc)
    bym, bpm = bigram_predictions(bigram_table(tm, encoder.n_melody), sm)
    byc, bpc = bigram_predictions(bigram_table(tc, encoder.n_chords), sc)
    uniform_m = np.bincount(np.concatenate(tm), minlength=encoder.n_melody) + 0.1
    uniform_c = np.bincount(np.concatenate(tc), minlength=encoder.n_chords) + 0.1
    freq_ce = nats(
        np.broadcast_to(uniform_m / uniform_m.sum(), (len(ym), encoder.n_melody)), ym
    ) + nats(np.broadcast_to(uniform_c / uniform_c.sum(), (len(yc), encoder.n_chords)), yc)
    figures: dict[str, Any] = {
        "metric": "test cross-entropy, melody + chord heads (nats per step), lower is better",
        "model": model_ce,
        "baselines": {
            "bigram (previous step)": nats(bpm, bym) + nats(bpc, byc),
            "class frequencies": freq_ce,
        },
        "accuracies": {k: float(v) for k, v in f.items() if k != "test_steps"},
        "test_steps": int(f["test_steps"]),
    }
    return _finish(
        out / "05_melody_harmony",
        figures,
        collection,
        limit,
        split,
        seconds,
        _beats(figures["model"], figures["baselines"]),
    )


def pitch_regression(out: Path) -> dict[str, Any]:
    from .corpus import load_corpus
    from .encoders import NoteEventEncoder
    from .models import pitch_regression_lstm
    from .models.pitch_regression import note_event_windows
    from .windowing import split_by_piece

    collection, limit, lookback = "bach", None, 3
    pieces, _ = load_corpus(collection, limit=limit)
    split = split_by_piece(pieces, seed=SEED)
    # Every voice in time order (chords as dt = 0), as Long Short-Tunes Memory reads MIDI.
    encoder = NoteEventEncoder(part="all")
    events = {
        p: [e for e in (encoder.encode(x) for x in getattr(split, p)) if len(e) > lookback]
        for p in ("train", "valid", "test")
    }
    Xr, yr = note_event_windows(events["train"], lookback)
    Xv, yv = note_event_windows(events["valid"], lookback)
    Xt, yt = note_event_windows(events["test"], lookback)
    began = time.perf_counter()
    result = _train(
        lambda: pitch_regression_lstm(
            lookback=lookback, normalization_data=np.concatenate(events["train"])
        ),
        (Xr, yr),
        (Xv, yv),
        out / "06_pitch_regression",
        30,
        64,
        encoder,
        {"notebook": "06", "kind": "pitch_regression", "lookback": lookback},
    )
    seconds = time.perf_counter() - began
    model = result.model
    predicted = model.predict(Xt, batch_size=512, verbose=0)

    def loss(prediction: np.ndarray) -> float:
        return float(np.mean(np.asarray(model.loss(yt, prediction.astype(np.float32)))))

    mean_event = np.broadcast_to(yr.mean(0), yt.shape).astype(np.float32)
    figures: dict[str, Any] = {
        "metric": "test loss of the model (theory pitch cost + 0.2 x scaled MSE of "
        "velocity and dt), lower is better",
        "model": loss(predicted),
        "baselines": {
            "repeat the previous note": loss(Xt[:, -1, :]),
            "training mean note": loss(mean_event),
        },
        "pitch_mae": {
            "model": float(np.mean(np.abs(np.round(predicted[:, 0]) - yt[:, 0]))),
            "repeat the previous note": float(np.mean(np.abs(Xt[:, -1, 0] - yt[:, 0]))),
        },
        "test_examples": int(len(yt)),
    }
    return _finish(
        out / "06_pitch_regression",
        figures,
        collection,
        limit,
        split,
        seconds,
        _beats(figures["model"], figures["baselines"]),
    )


def biaxial(out: Path) -> dict[str, Any]:
    from .corpus import load_corpus
    from .encoders import PianoRollEncoder
    from .encoders.pianoroll import roll_chunks
    from .models.biaxial_rnn import biaxial as build
    from .models.biaxial_rnn import play_probabilities
    from .windowing import split_by_piece

    collection, limit, low, high, spq = "bach", 60, 36, 84, 2
    pieces, _ = load_corpus(collection, limit=limit)
    split = split_by_piece(pieces, seed=SEED)
    encoder = PianoRollEncoder(low=low, high=high, steps_per_quarter=spq)
    bar = 4 * spq
    rolls = {p: [encoder.encode(x) for x in getattr(split, p)] for p in ("train", "valid", "test")}
    X = roll_chunks(rolls["train"], 32, stride=bar)
    Xv = roll_chunks(rolls["valid"], 32, stride=bar)
    began = time.perf_counter()
    result = _train(
        lambda: build(
            encoder.n_notes,
            (48, 48),
            (24, 16),
            0.0,
            low=low,
            steps_per_quarter=spq,
            learning_rate=5e-3,
        ),
        (X, X),
        (Xv, Xv),
        out / "07_biaxial",
        12,
        8,
        encoder,
        {"notebook": "07", "kind": "biaxial"},
    )
    seconds = time.perf_counter() - began
    test = [r for r in rolls["test"] if len(r) > 1]
    play_train = np.concatenate([r[..., 0] for r in rolls["train"]]).astype(np.float64)

    def nll(probs: np.ndarray, truth: np.ndarray) -> float:
        p = np.clip(probs, 1e-7, 1 - 1e-7)
        return float(-np.mean(np.sum(truth * np.log(p) + (1 - truth) * np.log(1 - p), axis=-1)))

    truth = np.concatenate([r[..., 0] for r in test]).astype(np.float64)
    model_probs = np.concatenate(
        [np.asarray(play_probabilities(result.model, r[None]))[0] for r in test]
    )
    if model_probs.ndim == 3:
        model_probs = model_probs[..., 0]
    frequency = np.broadcast_to(play_train.mean(0), truth.shape)
    held = np.concatenate([np.vstack([np.zeros_like(r[:1, :, 0]), r[:-1, :, 0]]) for r in test])
    repeat = np.where(held > 0, 0.9, play_train.mean(0)[None].repeat(len(held), 0) * 0.5)
    figures: dict[str, Any] = {
        "metric": "test play NLL (nats per step, summed over the notes), lower is better",
        "model": nll(model_probs, truth),
        "baselines": {
            "per-note frequency": nll(frequency, truth),
            "hold the previous step (p = 0.9)": nll(repeat, truth),
        },
        "test_steps": int(len(truth)),
    }
    return _finish(
        out / "07_biaxial",
        figures,
        collection,
        limit,
        split,
        seconds,
        _beats(figures["model"], figures["baselines"]),
    )


FAMILIES: dict[str, Callable[[Path], dict[str, Any]]] = {
    "02_logistic_regression": logistic_regression,
    "03_onehot_lstm": onehot_lstm,
    "04_conv1d_lstm": conv1d_hybrid,
    "05_melody_harmony": melody_harmony,
    "06_pitch_regression": pitch_regression,
    "07_biaxial": biaxial,
}


def _prune(run_dir: Path) -> None:
    """Keep only what reading the run needs (the best weights, the record, the encoder)."""
    last = run_dir / "last.keras"
    if (run_dir / "best.keras").exists() and last.exists():
        last.unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="default: data/pretrained")
    parser.add_argument("--only", nargs="*", choices=sorted(FAMILIES), default=None)
    args = parser.parse_args(argv)
    out = args.out or pretrained_dir()
    out.mkdir(parents=True, exist_ok=True)
    failed = []
    for name, job in FAMILIES.items():
        if args.only and name not in args.only:
            continue
        figures = job(out)
        _prune(out / name)
        if not figures["beats_baselines"]:
            failed.append(name)
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"{out}: {size / 1e6:.1f} MB in all")
    if failed:
        print("These runs do not beat their baselines: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

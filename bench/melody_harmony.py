"""The melody-and-harmony LSTM as Zimmerman published it and as the course builds it, beside
the baselines, on the same test tunes.

    python bench/melody_harmony.py /work/shared/data/nottingham-jukedeck/MIDI   # both, ≈ 40 min CPU
    python bench/melody_harmony.py /work/shared/data/nottingham-jukedeck/MIDI \
        --representation zimmerman --minutes 19 --patience 100          # his, as in the README
    python bench/melody_harmony.py bach                                  # embedded chorales
    python bench/melody_harmony.py bach --limit 40 --epochs 1 --units 16   # a smoke run

Source: Yoav Zimmerman, *Music Language Modeling with Recurrent Neural Networks* (code:
yoavz/music_rnn), who reports on Nottingham 64.15 % melody, 91.57 % harmony and 77.84 %
overall accuracy (overall = the mean of the two; all *sampled* accuracies: the mean
probability the model gives the true class).

Pieces are split 80/10/10 *by piece* (seed 0); both representations use the same split, so
the same test tunes:

* ``zimmerman`` — his representation (``MelodyHarmonyEncoder.zimmerman()``: sounding MIDI pitch
  55-88 or rest per 16th step, no hold class; triads, diminished as minor, chords on < 64
  training steps → NONE; no transposition) and his training (2 × LSTM(200), dropout 0.5 / 0.2,
  RMSProp 5e-3 / rho 0.9, state carried across 128-step chunks of each tune, the tunes packed
  into ``--batch-size`` lanes, ``train_carrying_state``);
* ``course`` — the course's representation (hold class, every tune transposed to C major /
  A minor, rare chords → "other") and training (Adam 1e-3, independent 128-step chunks,
  ``musicnb.train``), same sizes.

A melody accuracy means something different in each representation (without a hold class a
held note is "predicted" by repeating it), so each gets its own baselines: repeat the previous
step, and a bigram counted on the training split. Printed per representation: melody, harmony,
overall (mean of the two) and joint (both heads right at the same step), argmax and sampled.
Each representation's training stops at ``--minutes`` of wall time (or by early stopping);
epochs and minutes are printed and written to ``build/bench/melody_harmony.json``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "bench" / "melody_harmony.json"
#: Zimmerman's published Nottingham figures (sampled accuracy; overall = mean of the two).
PUBLISHED = {"melody_sampled": 0.6415, "harmony_sampled": 0.9157, "overall_sampled": 0.7784}
HEADS = ("melody", "harmony", "overall", "joint")


def _encoders(name: str, min_count: int | None):
    from musicnb.encoders import MelodyHarmonyEncoder

    if name == "zimmerman":
        return MelodyHarmonyEncoder.zimmerman(
            **({} if min_count is None else {"min_count": min_count})
        )
    return MelodyHarmonyEncoder(transpose=True, min_count=5 if min_count is None else min_count)


def run_representation(name: str, split, args) -> dict:
    import keras

    import musicnb
    from musicnb.models import melody_harmony_lstm
    from musicnb.models.melody_harmony import (
        evaluate_melody_harmony,
        melody_harmony_chunks,
        melody_harmony_dataset,
        train_carrying_state,
        zimmerman_config,
    )

    keras.utils.set_random_seed(args.seed)
    encoder = _encoders(name, args.min_count).fit(split.train)
    train_m, train_c = encoder.encode_many(split.train)
    valid_m, valid_c = encoder.encode_many(split.valid)
    test_m, test_c = encoder.encode_many(split.test)
    began = time.perf_counter()
    if name == "zimmerman":
        config = zimmerman_config(units=args.units)
        model = melody_harmony_lstm(encoder.n_melody, encoder.n_chords, **config)
        result = train_carrying_state(
            model,
            (train_m, train_c),
            (valid_m, valid_c),
            epochs=args.epochs,
            batch_size=args.batch_size,
            length=args.length,
            patience=args.patience,
            seed=args.seed,
            minutes=args.minutes,
        )
        epochs_done, trained_model = result["epochs_done"], model
        settings = {**config, "state": "carried across chunks", "chunk_length": args.length}
    else:
        import tempfile

        model = melody_harmony_lstm(
            encoder.n_melody,
            encoder.n_chords,
            units=args.units,
            layers=2,
            input_dropout=0.2,
            dropout=0.5,
            alpha=0.5,
        )
        X, Y = melody_harmony_chunks(train_m, train_c, args.length)
        Xv, Yv = melody_harmony_chunks(valid_m, valid_c, args.length)
        stop = _TimeBudget(args.minutes)
        with tempfile.TemporaryDirectory() as run_dir:
            result = musicnb.train(
                model,
                melody_harmony_dataset(X, Y, args.batch_size, seed=args.seed),
                melody_harmony_dataset(Xv, Yv, args.batch_size, shuffle=False),
                run_dir=run_dir,
                epochs=args.epochs,
                batch_size=args.batch_size,
                patience=args.patience,
                resume=False,
                live_plot=False,
                verbose=0,
                encoder=encoder,
                seed=args.seed,
                callbacks=[stop],
            )
            trained_model = result.model
        epochs_done = result.epochs_done
        settings = {
            "units": args.units,
            "layers": 2,
            "alpha": 0.5,
            "dropout": 0.5,
            "input_dropout": 0.2,
            "optimizer": "adam",
            "learning_rate": 1e-3,
            "state": "zero at every chunk",
            "chunk_length": args.length,
        }
    trained = time.perf_counter() - began
    figures = evaluate_melody_harmony(trained_model, test_m, test_c, train_m, train_c)
    return {
        "representation": name,
        "encoder": repr(encoder),
        "settings": settings,
        "classes": {
            "melody": encoder.n_melody,
            "chords": encoder.n_chords,
            "chord_vocabulary": encoder.chord_vocabulary,
        },
        "epochs_done": epochs_done,
        "train_minutes": round(trained / 60, 1),
        "figures": figures,
    }


class _TimeBudget:
    """Keras callback: stop training after ``minutes`` of wall time (checked per epoch)."""

    def __new__(cls, minutes):
        import keras

        class Budget(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                self.began = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                if minutes is not None and time.perf_counter() - self.began > 60 * minutes:
                    self.model.stop_training = True

        return Budget()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", help="a Nottingham folder, a named collection or a folder path")
    parser.add_argument("--representation", choices=("both", "zimmerman", "course"), default="both")
    parser.add_argument("--limit", type=int, default=None, help="load at most this many pieces")
    parser.add_argument("--epochs", type=int, default=60, help="most epochs per representation")
    parser.add_argument(
        "--minutes",
        type=float,
        default=18.0,
        help="wall-time budget of each representation's training",
    )
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--length", type=int, default=128, help="chunk length (steps)")
    parser.add_argument(
        "--min-count",
        type=int,
        default=None,
        help="chord cut-off (default: 64 steps for zimmerman, 5 runs for course)",
    )
    parser.add_argument("--patience", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    import musicnb
    from musicnb.windowing import split_by_piece

    began = time.perf_counter()
    pieces, report = musicnb.load_corpus(args.dataset, limit=args.limit)
    loaded = time.perf_counter() - began
    split = split_by_piece(pieces, (0.8, 0.1, 0.1), seed=args.seed)
    names = ("zimmerman", "course") if args.representation == "both" else (args.representation,)
    record = {
        "dataset": args.dataset,
        "machine": f"{os.cpu_count()} CPU cores (shared)",
        "load": {
            "pieces": len(pieces),
            "skipped": report.n_skipped,
            "reasons": _reason_counts(report),
            "seconds": round(loaded, 1),
        },
        "pieces": {"train": len(split.train), "valid": len(split.valid), "test": len(split.test)},
        "published": PUBLISHED,
        "runs": [],
    }
    print(
        f"{args.dataset}: {len(pieces)} pieces ({report.n_skipped} files skipped: "
        f"{_reason_counts(report)}); split {record['pieces']}",
        flush=True,
    )
    for name in names:
        record["runs"].append(run_representation(name, split, args))
        print(render_run(record["runs"][-1]), flush=True)
    from musicnb.atomic import write_json

    write_json(args.out, record)
    print(f"\nwritten to {args.out}")
    return record


def _reason_counts(report) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in report.skipped:
        key = item.reason.split(":")[0]
        counts[key] = counts.get(key, 0) + 1
    return counts


def render_run(run: dict) -> str:
    f = run["figures"]
    lines = [
        "",
        f"== {run['representation']} representation: {run['encoder']}",
        f"   {run['epochs_done']} epochs in {run['train_minutes']} min; settings {run['settings']}; "
        f"{f['test_steps']} test steps",
        f"{'':34}" + "".join(f"{h:>9}" for h in HEADS),
    ]

    def row(label, values):
        return f"{label:34}" + "".join(
            "      –  " if v is None else f"{100 * v:8.2f}%" for v in values
        )

    if run["representation"] == "zimmerman":
        lines.append(
            row(
                "published (Zimmerman), sampled",
                [
                    PUBLISHED["melody_sampled"],
                    PUBLISHED["harmony_sampled"],
                    PUBLISHED["overall_sampled"],
                    None,
                ],
            )
        )
    lines.append(row("ours, sampled", [f[f"{h}_sampled"] for h in HEADS]))
    lines.append(row("ours, argmax", [f[f"{h}_argmax"] for h in HEADS]))
    lines.append(row("bigram (train counts), sampled", [f[f"bigram_{h}_sampled"] for h in HEADS]))
    lines.append(row("bigram (train counts), argmax", [f[f"bigram_{h}_argmax"] for h in HEADS]))
    lines.append(row("repeat previous step", [f[f"repeat_{h}"] for h in HEADS]))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()

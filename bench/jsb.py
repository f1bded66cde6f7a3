"""The biaxial RNN on the JSB chorales benchmark: test NLL (nats per frame) and frame accuracy.

Trains :func:`musicnb.models.biaxial` on the train split of the JSB chorales pickle
(Boulanger-Lewandowski et al. 2012; quarter-note frames), stops early on the valid split, and
scores the test split with the convention of Bai, Kolter & Koltun (2018): NLL per frame in nats
summed over the 88 piano keys, the first frame of each chorale not scored, pooled over all test
frames; frame accuracy TP / (TP + FP + FN) at p > 0.5 (Bay et al. 2009).

How the 88 keys are scored honestly: the model covers the pitch range of the TRAIN split
(MIDI 43..96 for the standard file); the keys outside it get P(sound) = 1e-7, the same clip as
every model probability — a silent key there costs −log(1 − 1e-7) ≈ 1e-7 nats and a sounding
one would cost 16.1 nats (the count of such test notes is printed; 0 for the standard file).
Only P(play) is scored; the articulate output plays no part in the benchmark.

Published test NLL: LSTM 8.45, GRU 8.43, TCN 8.10 (Bai et al. 2018); RNN-NADE about 5.6.

    python bench/jsb.py [PATH] [--minutes 16] [--time-units 100 100] [--note-units 50 25]
    python bench/jsb.py --model per_note --out build/bench/jsb_per_note.json   # the baseline

PATH is the pickle or a folder holding it (default ``../shared/data/jsb-chorales/``). Results
go to ``build/bench/jsb.json`` (written atomically).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PUBLISHED = {
    "LSTM (Bai et al. 2018)": 8.45,
    "GRU (Bai et al. 2018)": 8.43,
    "TCN (Bai et al. 2018)": 8.10,
    "RNN-NADE (Boulanger-Lewandowski et al. 2012)": 5.6,
}


def chunks(rolls: list[np.ndarray], length: int, stride: int) -> np.ndarray:
    """Windows of ``length`` steps starting every ``stride`` steps (a multiple of 4, so each
    window starts on the same beat of the bar as the chorale)."""
    out = [roll[s : s + length] for roll in rolls for s in range(0, len(roll) - length + 1, stride)]
    return np.stack(out).astype(np.float32)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", default=str(ROOT.parent / "shared/data/jsb-chorales"))
    parser.add_argument("--minutes", type=float, default=16.0, help="training time budget")
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument(
        "--model",
        choices=("biaxial", "per_note"),
        default="biaxial",
        help="per_note: the time axis only, each note independent (baseline)",
    )
    parser.add_argument("--time-units", type=int, nargs="+", default=[100, 100])
    parser.add_argument("--note-units", type=int, nargs="+", default=[50, 25])
    parser.add_argument("--dropout", type=float, default=0.3)
    parser.add_argument("--length", type=int, default=32, help="training window, in frames")
    parser.add_argument("--stride", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    parser.add_argument("--patience", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(ROOT / "build/bench/jsb.json"))
    args = parser.parse_args(argv)

    import keras

    from musicnb.atomic import write_json
    from musicnb.corpus.jsb import frames_to_roll, read_jsb_pickle
    from musicnb.encoders.pianoroll import play_to_roll
    from musicnb.metrics import frame_accuracy, frame_nll, frames_to_piano, piano_probabilities
    from musicnb.models.biaxial_rnn import biaxial, per_note_baseline

    began = time.perf_counter()
    splits = read_jsb_pickle(args.path)
    frames = {k: [p.metadata["frames"] for p in v] for k, v in splits.items()}
    train_pitches = [q for f in frames["train"] for frame in f for q in frame]
    low, high = min(train_pitches), max(train_pitches)
    n_notes = high - low + 1
    outside = sum(1 for f in frames["test"] for frame in f for q in frame if not low <= q <= high)
    print(
        f"JSB chorales: {', '.join(f'{k} {len(v)}' for k, v in frames.items())} chorales; "
        f"model range MIDI {low}..{high} ({n_notes} notes, from the train split); "
        f"test notes outside it: {outside}"
    )

    def rolls(split: str) -> list[np.ndarray]:
        return [
            play_to_roll(
                frames_to_roll([tuple(q for q in fr if low <= q <= high) for fr in f], low, high)
            )
            for f in frames[split]
        ]

    train_x = chunks(rolls("train"), args.length, args.stride)
    valid_x = chunks(rolls("valid"), args.length, args.stride)
    print(f"windows of {args.length} frames: train {len(train_x)}, valid {len(valid_x)}")

    keras.utils.set_random_seed(args.seed)
    if args.model == "biaxial":
        model = biaxial(
            n_notes,
            tuple(args.time_units),
            tuple(args.note_units),
            args.dropout,
            low=low,
            steps_per_quarter=1,
            learning_rate=args.learning_rate,
        )
    else:
        model = per_note_baseline(
            n_notes,
            tuple(args.time_units),
            args.dropout,
            low=low,
            steps_per_quarter=1,
            learning_rate=args.learning_rate,
        )
    deadline = began + 60 * args.minutes

    class Budget(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            print(
                f"epoch {epoch + 1}: loss {logs.get('loss', 0):.3f} play_nll "
                f"{logs.get('play_nll', 0):.3f} val_loss {logs.get('val_loss', 0):.3f} "
                f"val_play_nll {logs.get('val_play_nll', 0):.3f} "
                f"({time.perf_counter() - began:.0f} s)",
                flush=True,
            )
            if time.perf_counter() > deadline:
                print("time budget reached; stopping", flush=True)
                self.model.stop_training = True

    history = model.fit(
        train_x,
        train_x,
        validation_data=(valid_x, valid_x),
        epochs=args.epochs,
        batch_size=args.batch_size,
        verbose=0,
        shuffle=True,
        callbacks=[
            Budget(),
            keras.callbacks.EarlyStopping(
                "val_play_nll", patience=args.patience, mode="min", restore_best_weights=True
            ),
            keras.callbacks.ReduceLROnPlateau("val_play_nll", factor=0.5, patience=2, mode="min"),
        ],
    )
    epochs_done = len(history.history["loss"])
    trained = time.perf_counter() - began

    # ---- test: whole chorales, padded at the end to one length (the model is causal in time,
    # so the padding cannot change the probabilities of the real frames), then cut back.
    test_rolls = rolls("test")
    longest = max(len(r) for r in test_rolls)
    batch = np.zeros((len(test_rolls), longest, n_notes, 2), np.float32)
    for i, r in enumerate(test_rolls):
        batch[i, : len(r)] = r
    probs = model.predict(batch, batch_size=8, verbose=0)
    piano_probs = [
        piano_probabilities(probs[i, : len(r), :, 0], low) for i, r in enumerate(test_rolls)
    ]
    truth = [frames_to_piano(f) for f in frames["test"]]
    nll = frame_nll(piano_probs, truth)
    acc = frame_accuracy(piano_probs, truth)
    result = {
        "test_nll": round(nll["nll"], 4),
        "test_frame_accuracy": round(acc, 4),
        "test_frames_scored": nll["frames"],
        "test_notes_outside_range": outside,
        "model": args.model,
        "range": [low, high],
        "time_units": args.time_units,
        "note_units": args.note_units if args.model == "biaxial" else None,
        "dropout": args.dropout,
        "window": args.length,
        "epochs": epochs_done,
        "best_val_play_nll": round(min(history.history["val_play_nll"]), 4),
        "train_seconds": round(trained, 1),
        "published_test_nll": PUBLISHED,
    }
    print(
        f"{args.model}: test NLL {nll['nll']:.3f} nats/frame over {nll['frames']} frames "
        f"(88 keys, first frame of each chorale not scored); frame accuracy {acc:.3f}"
    )
    print("published: " + ", ".join(f"{k} {v}" for k, v in PUBLISHED.items()))
    out = Path(args.out)
    write_json(out, result)
    print(f"wrote {out}")
    return result


if __name__ == "__main__":
    main()

"""Training throughput: many-to-one sliding windows vs sequence training, side by side.

The same 2×128 LSTM (musicnb.models.onehot_lstm, 39 event classes as the EventEncoder's
default range gives) trained two ways in one run:

* **windows** (the classic midi-rnn / tutorial way): ``sequence=False``, each example a window
  of 32 events, ONE predicted target per example;
* **sequence**: ``sequence=True`` (``return_sequences``), each example a 128-step chunk whose
  every step predicts the next event: 128 targets per example.

Both use batches of 64 and the same compiled Keras ``fit``; we time whole epochs after a
warm-up epoch (which builds and compiles the train function) and report predicted targets per
second and their ratio. The token data is synthetic (seeded random walk): speed does not
depend on the music. Results go to stdout and to ``build/bench/training.json``.

    python bench/training.py               # ~1 minute on a 2-core CPU
    python bench/training.py --seconds 10  # longer timing windows, steadier figures
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
VOCAB, UNITS, LAYERS, WINDOW, CHUNK, BATCH = 39, 128, 2, 32, 128, 64


def tokens(n: int, seed: int = 0) -> np.ndarray:
    steps = np.random.default_rng(seed).integers(-3, 4, size=n)
    return np.mod(np.cumsum(steps), VOCAB).astype(np.int32)


def measure(sequence: bool, seconds: float) -> dict:
    import keras

    from musicnb.models import onehot_lstm

    keras.utils.set_random_seed(0)
    length = CHUNK if sequence else WINDOW
    model = onehot_lstm(
        VOCAB, window=length, units=UNITS, layers=LAYERS, dropout=0.2, sequence=sequence
    )
    batches = 8
    stream = tokens(BATCH * batches * (length + 1) + 1)
    view = np.lib.stride_tricks.sliding_window_view(stream, length + 1)[:: length + 1]
    X = np.ascontiguousarray(view[: BATCH * batches, :length])
    y = np.ascontiguousarray(
        view[: BATCH * batches, 1:] if sequence else view[: BATCH * batches, -1]
    )
    model.fit(X, y, batch_size=BATCH, epochs=1, verbose=0)  # warm-up: trace + compile
    done, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        model.fit(X, y, batch_size=BATCH, epochs=1, verbose=0, shuffle=False)
        done += 1
    elapsed = time.perf_counter() - began
    examples = done * len(X)
    targets_per_example = length if sequence else 1
    return {
        "way": "sequence" if sequence else "windows",
        "steps_per_example": length,
        "targets_per_example": targets_per_example,
        "examples": examples,
        "seconds": round(elapsed, 3),
        "examples_per_s": round(examples / elapsed, 1),
        "targets_per_s": round(examples * targets_per_example / elapsed, 1),
        "parameters": int(model.count_params()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="timed seconds per way")
    parser.add_argument("--out", default=str(ROOT / "build" / "bench" / "training.json"))
    args = parser.parse_args()

    import keras
    import tensorflow as tf

    windows = measure(sequence=False, seconds=args.seconds)
    sequence = measure(sequence=True, seconds=args.seconds)
    ratio = sequence["targets_per_s"] / windows["targets_per_s"]
    result = {
        "benchmark": "training",
        "model": f"{LAYERS}x{UNITS} LSTM, vocab {VOCAB}",
        "batch_size": BATCH,
        "windows": windows,
        "sequence": sequence,
        "ratio_targets_per_s": round(ratio, 1),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "gpus": len(tf.config.list_physical_devices("GPU")),
        },
    }
    print(f"Training throughput, {result['model']}, batch {BATCH}")
    for row in (windows, sequence):
        print(
            f"  {row['way']:<9} {row['steps_per_example']:>4} steps/example  "
            f"{row['examples_per_s']:>9,.1f} examples/s  {row['targets_per_s']:>11,.1f} targets/s"
        )
    print(f"  sequence training predicts {ratio:.1f}x more targets per second")
    out = Path(args.out)
    from musicnb.atomic import write_json

    write_json(out, result)
    print(f"  written to {out}")


if __name__ == "__main__":
    main()

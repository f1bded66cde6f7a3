"""Generation speed: the classic ``model.predict``-per-note loop vs :class:`musicnb.Sampler`.

The same 2×256 LSTM sequence model (``musicnb.models.onehot_lstm``, 39 event classes as the
EventEncoder's default range gives), briefly trained (one epoch on a seeded synthetic random
walk of tokens: the weights' quality does not change the speed), generates notes two ways in
one run:

* **naive** — what the classic scripts do: for every new note, ``model.predict`` on the whole
  window of the last 64 tokens, keep the last step's probabilities, sample in NumPy, slide the
  window. Measured over 50 notes for one stream, and over 20 steps for 16 streams batched into
  one ``predict`` call per step (kinder to the naive loop than the scripts, which loop streams);
* **Sampler** — the one-step stateful copy of the same model (shared weights, LSTM state
  carried), 64 steps per compiled XLA ``while_loop``, temperature 1 with top-p 0.95. Measured
  over 2,000 notes per stream after a warm-up call that compiles, median of three runs.

Goals on a 2-core CPU: ≥ 100× the naive loop and ≥ 1,000 notes/s for one stream, and
≥ 10,000 notes/s in total for 16 streams. Results go to stdout and, atomically, to
``build/bench/generation.json``.

    python bench/generation.py
    python bench/generation.py --notes 5000 --naive-notes 100
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
VOCAB, UNITS, LAYERS, WINDOW, STREAMS = 39, 256, 2, 64, 16
GOALS = {
    "speedup_one_stream": 100.0,
    "sampler_notes_per_s_one_stream": 1_000.0,
    "sampler_notes_per_s_16_streams": 10_000.0,
}


def synthetic_tokens(n: int, seed: int = 0) -> np.ndarray:
    steps = np.random.default_rng(seed).integers(-3, 4, size=n)
    return np.mod(np.cumsum(steps), VOCAB).astype(np.int32)


def build_model(train_epochs: int):
    import keras

    from musicnb.models import onehot_lstm

    keras.utils.set_random_seed(0)
    model = onehot_lstm(VOCAB, window=None, units=UNITS, layers=LAYERS, dropout=0.2, sequence=True)
    if train_epochs:
        stream = synthetic_tokens(32 * (WINDOW + 1) + 1)
        view = np.lib.stride_tricks.sliding_window_view(stream, WINDOW + 1)[:: WINDOW + 1][:32]
        model.fit(view[:, :-1], view[:, 1:], batch_size=16, epochs=train_epochs, verbose=0)
    return model


def naive_loop(model, primer: np.ndarray, notes: int, streams: int, seed: int) -> float:
    """Notes per second (all streams together) of predict-the-whole-window-per-note."""
    from musicnb.sampling import sample_from_probs

    rng = np.random.default_rng(seed)
    window = np.tile(primer[-WINDOW:], (streams, 1))
    model.predict(window, verbose=0)  # warm-up: builds the predict function
    began = time.perf_counter()
    for _ in range(notes):
        probs = model.predict(window, verbose=0)[:, -1]
        token = sample_from_probs(probs, temperature=1.0, top_p=0.95, rng=rng)
        window = np.concatenate([window[:, 1:], token[:, None]], axis=1)
    return notes * streams / (time.perf_counter() - began)


def sampler_speed(sampler, primer: np.ndarray, notes: int, streams: int, repeats: int = 3) -> float:
    sampler.generate(primer, 64, streams=streams, seed=0, top_p=0.95)  # warm-up: compile
    rates = []
    for run in range(repeats):
        began = time.perf_counter()
        out = sampler.generate(primer, notes, streams=streams, seed=run + 1, top_p=0.95)
        rates.append(out.size / (time.perf_counter() - began))
    return statistics.median(rates)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=2000, help="notes per stream for the Sampler")
    parser.add_argument("--naive-notes", type=int, default=50, help="notes for the naive loop")
    parser.add_argument(
        "--naive-steps-16", type=int, default=20, help="steps of the batched 16-stream naive loop"
    )
    parser.add_argument(
        "--train-epochs",
        type=int,
        default=1,
        help="epochs of brief training on synthetic tokens (0: untrained)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench" / "generation.json")
    args = parser.parse_args(argv)

    import tensorflow as tf

    from musicnb import Sampler

    model = build_model(args.train_epochs)
    primer = synthetic_tokens(WINDOW, seed=1)
    sampler = Sampler(model)

    naive_1 = naive_loop(model, primer, args.naive_notes, 1, seed=0)
    naive_16 = naive_loop(model, primer, args.naive_steps_16, STREAMS, seed=0)
    fast_1 = sampler_speed(sampler, primer, args.notes, 1)
    fast_16 = sampler_speed(sampler, primer, args.notes, STREAMS)

    result = {
        "model": f"onehot_lstm {LAYERS}x{UNITS}, vocab {VOCAB}, sequence model, "
        f"{model.count_params():,} parameters, "
        + (
            f"trained {args.train_epochs} epoch(s) on synthetic tokens"
            if args.train_epochs
            else "untrained (seeded initial weights)"
        ),
        "naive": f"model.predict on a {WINDOW}-token window per note, NumPy top-p sampling",
        "sampler": f"musicnb.Sampler, mode {sampler.mode}, chunk {sampler.chunk}, "
        f"jit_compile={sampler.jit_compile}, temperature 1, top_p 0.95",
        "naive_notes_per_s_one_stream": round(naive_1, 2),
        "naive_notes_per_s_16_streams": round(naive_16, 2),
        "sampler_notes_per_s_one_stream": round(fast_1, 1),
        "sampler_notes_per_s_16_streams": round(fast_16, 1),
        "speedup_one_stream": round(fast_1 / naive_1, 1),
        "speedup_16_streams": round(fast_16 / naive_16, 1),
        "notes_measured": {
            "naive_one_stream": args.naive_notes,
            "naive_16_streams_steps": args.naive_steps_16,
            "sampler_per_stream": args.notes,
        },
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "tensorflow": tf.__version__,
            "gpu": bool(tf.config.list_physical_devices("GPU")),
        },
    }
    result["goals"] = {
        name: {"goal": goal, "measured": result[name], "met": result[name] >= goal}
        for name, goal in GOALS.items()
    }
    from musicnb.atomic import write_json

    write_json(args.out, result, indent=2)

    print(f"model:   {result['model']}")
    print(f"naive:   {result['naive']}")
    print(f"sampler: {result['sampler']}")
    print(f"{'':22}{'naive notes/s':>15}{'Sampler notes/s':>17}{'ratio':>9}")
    print(f"{'one stream':22}{naive_1:>15.1f}{fast_1:>17.0f}{fast_1 / naive_1:>8.0f}×")
    print(f"{'16 streams (total)':22}{naive_16:>15.1f}{fast_16:>17.0f}{fast_16 / naive_16:>8.0f}×")
    for name, goal in result["goals"].items():
        print(
            f"goal {name} >= {goal['goal']:,.0f}: {goal['measured']:,} "
            f"{'met' if goal['met'] else 'MISSED'}"
        )
    print(f"written to {args.out}")
    return result


if __name__ == "__main__":
    main()

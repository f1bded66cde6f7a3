"""Windows as int arrays (musicnb) vs float32 one-hot arrays (the classic scripts).

About a million windows of 20 steps over a 130-class vocabulary, made both ways side by side
in one run, each in a fresh subprocess so its peak memory (``ru_maxrss``, minus the memory
the interpreter and NumPy hold before the work starts) is its own:

* **classic**: ``X`` one-hot ``(N, 20, 130)`` float32 and ``y`` one-hot ``(N, 130)``, as the
  midi-rnn and music21-tutorial scripts build them before ``model.fit``;
* **musicnb**: :func:`musicnb.windows` — ``X`` ``(N, 20)`` int32 and ``y`` ``(N,)``; the model
  one-hot encodes a batch at a time inside the graph.

The token sequences are synthetic (a seeded random walk over the vocabulary, 2,000 pieces):
memory and time depend only on their number and lengths, not on the music.

    python bench/windows.py            # about 1,000,000 windows (needs ~11 GB free for classic)
    python bench/windows.py --pieces 400
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
VOCAB, SIZE = 130, 20


def make_sequences(pieces: int, length: int = 520, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    steps = rng.integers(-3, 4, size=(pieces, length))
    return [np.mod(np.cumsum(row), VOCAB).astype(np.int32) for row in steps]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_one(way: str, pieces: int) -> dict:
    sequences = make_sequences(pieces)
    base = peak_mb()
    began = time.perf_counter()
    if way == "classic":
        xs, ys = [], []
        for seq in sequences:  # per piece, as the scripts loop over files
            view = np.lib.stride_tricks.sliding_window_view(seq, SIZE + 1)
            xs.append(view[:, :SIZE])
            ys.append(view[:, SIZE])
        tokens_x, tokens_y = np.concatenate(xs), np.concatenate(ys)
        n = len(tokens_x)
        X = np.zeros((n, SIZE, VOCAB), dtype=np.float32)
        X[np.arange(n)[:, None], np.arange(SIZE)[None, :], tokens_x] = 1.0
        y = np.zeros((n, VOCAB), dtype=np.float32)
        y[np.arange(n), tokens_y] = 1.0
        nbytes = X.nbytes + y.nbytes
    else:
        sys.path.insert(0, str(ROOT))
        from musicnb.windowing import windows

        X, y = windows(sequences, SIZE)
        n, nbytes = len(X), X.nbytes + y.nbytes
    seconds = time.perf_counter() - began
    return {
        "way": way,
        "windows": int(n),
        "seconds": seconds,
        "array_mb": nbytes / 2**20,
        "peak_mb": peak_mb() - base,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pieces", type=int, default=2000, help="500 windows per piece")
    parser.add_argument("--one", choices=["classic", "musicnb"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.pieces)))
        return
    results = {}
    for way in ("musicnb", "classic"):
        out = subprocess.run(
            [sys.executable, __file__, "--one", way, "--pieces", str(args.pieces)],
            capture_output=True,
            text=True,
            check=True,
        )
        results[way] = json.loads(out.stdout.strip().splitlines()[-1])
    ours, classic = results["musicnb"], results["classic"]
    print(f"{ours['windows']:,} windows of {SIZE} steps, {VOCAB} classes")
    print(f"{'':10s}{'seconds':>10s}{'arrays MB':>12s}{'peak MB':>10s}")
    for name, r in (("classic", classic), ("musicnb", ours)):
        print(f"{name:10s}{r['seconds']:10.2f}{r['array_mb']:12.1f}{r['peak_mb']:10.1f}")
    ratio_mem = classic["peak_mb"] / max(ours["peak_mb"], 1e-9)
    ratio_time = classic["seconds"] / max(ours["seconds"], 1e-9)
    print(f"ratio classic/musicnb: peak memory {ratio_mem:.0f}x, time {ratio_time:.1f}x")
    from musicnb.atomic import write_json

    write_json(
        ROOT / "build" / "bench" / "windows.json",
        {
            "classic": classic,
            "musicnb": ours,
            "peak_memory_ratio": ratio_mem,
            "time_ratio": ratio_time,
        },
    )


if __name__ == "__main__":
    main()

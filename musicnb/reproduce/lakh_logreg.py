"""The logistic-regression baseline of *Long Short-Tunes Memory* (Schaldenbrand, He,
Almoubayyed; CMU) on the Lakh files midi-rnn ships.

Their task: predict the next **note** — one of 128 MIDI pitches — from the previous 10 notes
(note level: no time grid, no rests, no holds), on a large multi-genre MIDI collection; they
report **6.21 %** accuracy. Ours: the same task and model (multinomial logistic regression on
the one-hot of 10 pitches) on the notes of the monophonic instruments of midi-rnn's 183 Lakh
files, split by file (seed 0, duplicates kept on one side), with the most-frequent / repeat /
bigram baselines on the same test notes. What differs: their collection is ~100k files of every
genre (far more pitch patterns to cover, fewer repeats per pattern); ours is 183 pop files.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from ..corpus.lakh import DEFAULT_FOLDER, instruments_of, load_midi_rnn_folder, split_files
from ..encoders.midi_rnn import midi_rnn_windows
from .common import baseline_rows, model_row, timed_fit
from .midi_rnn import MidiRnnStudy

PUBLISHED_TOP1 = 0.0621


def note_sequences(instruments: list[Any]) -> list[np.ndarray]:
    """Each instrument's MIDI pitches in onset order (ties: lower pitch first)."""
    out = []
    for inst in instruments:
        order = np.lexsort((np.asarray(inst.pitch), np.asarray(inst.start)))
        out.append(np.asarray(inst.pitch, dtype=np.int32)[order])
    return out


def run(
    folder: str | Path = DEFAULT_FOLDER,
    epochs: int = 20,
    window: int = 10,
    batch_size: int = 256,
    learning_rate: float = 5e-3,
    seed: int = 0,
    quick: bool = False,
) -> MidiRnnStudy:
    from ..models.next_note import logistic_regression

    began = time.perf_counter()
    load = load_midi_rnn_folder(folder, window=window, limit=30 if quick else None)
    epochs = 1 if quick else epochs
    files = load.files_kept()
    train_files, _valid, test_files = split_files(
        files,
        seed=seed,
        duplicates={k: v for k, v in load.duplicates.items() if k in files and v in files},
    )
    train = note_sequences(instruments_of(load, train_files))
    test = note_sequences(instruments_of(load, test_files))
    X, y = midi_rnn_windows(train, window, off_by_one=False)
    Xt, yt = midi_rnn_windows(test, window, off_by_one=False)
    rows = baseline_rows(train, 128, Xt, yt)
    model = logistic_regression(128, window=window, learning_rate=learning_rate)
    fit = timed_fit(model, X, y, epochs=epochs, batch_size=batch_size, seed=seed)
    rows.append(
        model_row(
            "logistic regression, previous 10 notes (128 pitches)",
            model,
            Xt,
            yt,
            epochs=epochs,
            minutes=fit["minutes"],
            train_windows=int(len(y)),
        )
    )
    rows.append(
        {
            "name": "published (Schaldenbrand et al., ~100k multi-genre files)",
            "baseline": False,
            "top1": PUBLISHED_TOP1,
            "top5": float("nan"),
            "perplexity": float("nan"),
            "n": 0,
        }
    )
    counts = {
        "train_files": len(train_files),
        "test_files": len(test_files),
        "train_notes": int(sum(len(s) for s in train)),
        "test_targets": int(len(yt)),
    }
    return MidiRnnStudy(
        rows,
        counts,
        {
            "epochs": epochs,
            "window": window,
            "batch_size": batch_size,
            "learning_rate": learning_rate,
        },
        minutes=round((time.perf_counter() - began) / 60, 2),
        notes=[f"counts: {counts}"],
    )

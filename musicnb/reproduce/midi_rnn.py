"""midi-rnn (Branger_Briz; brannondorsey/midi-rnn) as published, on its own Lakh files.

One table, every row scored on the **same test files** (the course's split by file, seed 0,
exact duplicates kept on one side), with the most-frequent / repeat / bigram baselines of each
representation beside it:

1. **as published**: 0.25 s frames, 129 classes, one LSTM of 64, window 20, dropout 0.2,
   Adam (clip 5), batch 32, the off-by-one target (frame ``i+W+1``), trained on the first 20 %
   of the files; scored on its own target and on the next frame (what sampling asks of it);
2. the target fixed (next frame), still on 20 % of the files;
3. the split fixed too: next frame, trained on the course's 80 % training files;
4. the course's 16th-note rest / hold / onset grid (beats, not seconds) on the same files,
   same model and window.

midi-rnn publishes no accuracy, so there is no published figure to put beside these.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from ..corpus.lakh import (
    DEFAULT_FOLDER,
    MidiRnnLoad,
    instruments_of,
    load_midi_rnn_folder,
    split_files,
    split_files_as_published,
)
from ..encoders.midi_rnn import MidiRnnEncoder, midi_rnn_windows
from ..errors import MusicnbError
from .common import Study, baseline_rows, model_row, timed_fit


class MidiRnnStudy(Study):
    """The midi-rnn (and Lakh logistic-regression) study: a :class:`~.common.Study`."""


def grid_sequences(
    instruments: list[Any], steps_per_quarter: int = 4
) -> tuple[list[np.ndarray], int]:
    """The course's rest / hold / onset tokens of each instrument (pitches 0-127, no folding)."""
    from ..encoders.events import EventEncoder

    encoder = EventEncoder(
        steps_per_quarter=steps_per_quarter, low=0, high=127, part=None, out_of_range="drop"
    )
    return [encoder.encode(inst.to_piece()) for inst in instruments], encoder.vocab_size


def run(
    folder: str | Path = DEFAULT_FOLDER,
    epochs: int = 3,
    window: int = 20,
    batch_size: int = 32,
    limit: int | None = None,
    seed: int = 0,
    quick: bool = False,
) -> MidiRnnStudy:
    """Train and score the four rows (see the module docstring). ``quick`` reads 30 files
    and trains one epoch, for a smoke test."""
    began = time.perf_counter()
    if quick:
        limit, epochs = (limit or 30), 1
    load: MidiRnnLoad = load_midi_rnn_folder(folder, window=window, limit=limit)
    files = load.files_kept()
    train_files, _valid_files, test_files = split_files(
        files,
        seed=seed,
        duplicates={k: v for k, v in load.duplicates.items() if k in files and v in files},
    )
    test_set = set(test_files)
    published_train, _ = split_files_as_published(files)
    published_train = [f for f in published_train if f not in test_set]
    encoder = MidiRnnEncoder()
    frames: dict[str, list[np.ndarray]] = {k.file: [] for k in load.instruments}
    for kept in load.instruments:
        frames[kept.file].append(encoder.encode_instrument(kept.instrument))

    def seqs(names: list[str]) -> list[np.ndarray]:
        return [s for f in names for s in frames[f]]

    from ..models.next_note import midi_rnn_lstm

    rows: list[dict[str, Any]] = []
    X_next, y_next = midi_rnn_windows(seqs(test_files), window, off_by_one=False)
    X_skip, y_skip = midi_rnn_windows(seqs(test_files), window, off_by_one=True)
    rows += baseline_rows(seqs(train_files), 129, X_next, y_next, " (frames, next frame)")

    def train_row(train_names: list[str], off_by_one: bool) -> tuple[Any, dict[str, Any]]:
        X, y = midi_rnn_windows(seqs(train_names), window, off_by_one=off_by_one)
        model = midi_rnn_lstm(window=window)
        fit = timed_fit(model, X, y, epochs=epochs, batch_size=batch_size, seed=seed)
        return model, {
            "epochs": epochs,
            "minutes": fit["minutes"],
            "train_windows": int(len(y)),
            "train_files": len(train_names),
        }

    model, info = train_row(published_train, off_by_one=True)
    rows.append(
        model_row(
            "1. as published (off-by-one target, 20 % of files), scored on its own target",
            model,
            X_skip,
            y_skip,
            **info,
        )
    )
    rows.append(
        model_row("1. as published, scored on the next frame", model, X_next, y_next, **info)
    )
    model, info = train_row(published_train, off_by_one=False)
    rows.append(model_row("2. next-frame target, 20 % of files", model, X_next, y_next, **info))
    model, info = train_row(train_files, off_by_one=False)
    rows.append(model_row("3. next-frame target, 80 % of files", model, X_next, y_next, **info))

    train_inst = instruments_of(load, train_files)
    test_inst = instruments_of(load, test_files)
    train_grid, vocab = grid_sequences(train_inst)
    test_grid, _ = grid_sequences(test_inst)
    Xg, yg = midi_rnn_windows(test_grid, window, off_by_one=False)
    rows += baseline_rows(train_grid, vocab, Xg, yg, " (16th grid)")
    X, y = midi_rnn_windows(train_grid, window, off_by_one=False)
    model = midi_rnn_lstm(window=window, vocab_size=vocab)
    fit = timed_fit(model, X, y, epochs=epochs, batch_size=batch_size, seed=seed)
    rows.append(
        model_row(
            "4. course's 16th-note grid (rest/hold/onset), 80 % of files",
            model,
            Xg,
            yg,
            epochs=epochs,
            minutes=fit["minutes"],
            train_windows=int(len(y)),
            train_files=len(train_files),
        )
    )
    counts: dict[str, float] = dict(load.counts())
    all_frames = np.concatenate(seqs(files))
    counts.update(
        test_files=len(test_files),
        train_files=len(train_files),
        published_train_files=len(published_train),
        frames=int(all_frames.size),
        rest_share_percent=round(100 * float(np.mean(all_frames == 0)), 1),
    )
    notes = [
        f"files: {counts}",
        "midi-rnn publishes no accuracy figure; the rows above are the reproduction.",
    ]
    return MidiRnnStudy(
        rows,
        counts,
        {
            "epochs": epochs,
            "window": window,
            "batch_size": batch_size,
            "seed": seed,
            "folder": str(folder),
        },
        minutes=round((time.perf_counter() - began) / 60, 2),
        notes=notes,
    )


def check_folder(folder: str | Path) -> Path:
    path = Path(folder).expanduser()
    if not path.is_dir():
        raise MusicnbError(f"No midi-rnn data at {path}: pass --data /path/to/midi-rnn-lakh.")
    return path

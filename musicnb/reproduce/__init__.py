"""Re-creations of published next-note systems on their own data, beside the course's version.

==================  =================================================================  ========
module              what it measures                                                   notebook
==================  =================================================================  ========
``midi_rnn``        midi-rnn (Branger_Briz) as published on its Lakh files vs the grid  03
``lakh_logreg``     logistic regression on the previous 10 notes (Schaldenbrand et al.) 02
``cs230``           the CS230 Conv1D + LSTM hybrid (Mokobi, May, Voorhis-Allen)          04
==================  =================================================================  ========

Each has ``run(folder, quick=...)`` returning a result with ``rows`` (one dict per table row)
and ``minutes``; the scripts in ``bench/`` print and save them. The data folders are read by
path (``../shared/data/...`` from the repository root) and never copied.
"""

from __future__ import annotations

import os
from pathlib import Path


def shared_data(name: str) -> Path | None:
    """The benchmark folder ``name`` (e.g. ``"midi-rnn-lakh"``) when it is present, else ``None``.

    Looked up in ``$MUSICNB_SHARED_DATA/name`` when that is set, then in ``../shared/data/name``
    relative to the repository root (the first folder at or above the working directory that
    holds ``musicnb/`` and ``notebooks/``; a notebook runs in ``notebooks/``).
    """
    candidates = []
    if os.environ.get("MUSICNB_SHARED_DATA"):
        candidates.append(Path(os.environ["MUSICNB_SHARED_DATA"]).expanduser() / name)
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "musicnb").is_dir() and (folder / "notebooks").is_dir():
            candidates.append(folder / ".." / "shared" / "data" / name)
            break
    candidates.append(Path("..") / "shared" / "data" / name)
    for path in candidates:
        if path.is_dir():
            return path
    return None

"""musicnb: the helper package of a Jupyter course on generating music with neural networks.

The notebooks show each idea in a few lines; this package holds what they reuse:
loading real music into :class:`Piece` records, encoding them for Keras models, training,
sampling, and turning the results back into MIDI, sound and pictures.

Heavy modules (TensorFlow, music21, matplotlib) load only when first used, so
``import musicnb`` stays fast and works on a machine that is still being set up. The one
exception is a Jupyter kernel: there TensorFlow starts at import, with its C++ start-up log
lines filtered (:mod:`musicnb.tensorflow_startup`), because every notebook of the course uses it
and would otherwise show those lines as a red block under its first Keras cell.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._version import __version__
from .errors import MusicnbError
from .piece import ChordLabel, Note, Piece
from .settings import cache_dir, export_dir, quick_mode, runs_dir

# public name -> module that defines it (imported on first access)
_LAZY = {
    "load_corpus": "corpus",
    "LoadReport": "corpus",
    "COLLECTIONS": "corpus",
    "EventEncoder": "encoders",
    "NoteChordTokenEncoder": "encoders",
    "MelodyHarmonyEncoder": "encoders",
    "NoteEventEncoder": "encoders",
    "PianoRollEncoder": "encoders",
    "windows": "windowing",
    "sequence_chunks": "windowing",
    "split_by_piece": "windowing",
    "make_dataset": "windowing",
    "window_dataset": "windowing",
    "windowing": None,
    "train": "training",
    "Sampler": "sampling",
    "export": "exporting",
    "doctor": "environment_check",
    "midi": None,
    "audio": None,
    "plots": None,
    "models": None,
    "losses": None,
    "metrics": None,
    "widgets": None,
    "studio": "generation_studio",
    "diagnostics": None,
    "harmony": None,
    "corpus": None,
    "encoders": None,
    "sampling": None,
    "training": None,
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'musicnb' has no attribute {name!r}")
    module_name = _LAZY[name] or name
    module = importlib.import_module(f".{module_name}", __name__)
    value = module if _LAZY[name] is None else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


def require_version(expected: str) -> str:
    """Check that the installed package is the version a notebook was written for.

    Every notebook's first cell calls this; a mismatch means the notebook and the package come
    from different checkouts, and the message says how to bring them together.
    """
    if __version__ != expected:
        raise MusicnbError(
            f"This notebook expects musicnb {expected}, but {__version__} is installed. "
            "Run `make lab` from the repository root (it reinstalls the package from this "
            "checkout), or in Colab restart the runtime after the install cell."
        )
    return __version__


def _start_tensorflow_quietly_in_a_kernel() -> None:
    """In a Jupyter kernel, start TensorFlow now with its C++ start-up lines filtered (see
    :mod:`musicnb.tensorflow_startup`); ``MUSICNB_TF_STARTUP_LOG=1`` shows them instead."""
    import os
    import sys

    if "ipykernel" in sys.modules and os.environ.get("MUSICNB_TF_STARTUP_LOG") != "1":
        from .tensorflow_startup import start_quietly

        start_quietly()


_start_tensorflow_quietly_in_a_kernel()

__all__ = sorted(
    [
        "__version__",
        "MusicnbError",
        "Piece",
        "ChordLabel",
        "Note",
        "quick_mode",
        "cache_dir",
        "runs_dir",
        "export_dir",
        "require_version",
        *_LAZY,
    ]
)

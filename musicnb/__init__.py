"""musicnb: the helper package of a Jupyter course on generating music with neural networks.

The notebooks show each idea in a few lines; this package holds what they reuse:
loading real music into :class:`Piece` records, encoding them for Keras models, training,
sampling, and turning the results back into MIDI, sound and pictures.

Heavy modules (TensorFlow, music21, matplotlib) load only when first used, so
``import musicnb`` does no heavy work, in a script or in a Jupyter kernel, and works on a
machine that is still being set up. Each notebook's set-up cell calls :func:`quiet_tensorflow`
explicitly: it starts TensorFlow with its C++ start-up log lines filtered
(:mod:`musicnb.tensorflow_startup`), which a notebook would otherwise show as a red block under
its first Keras cell.
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


def quiet_tensorflow() -> bool:
    """Start TensorFlow now with its C++ start-up log lines filtered from stderr.

    Every notebook's set-up cell calls this once; elsewhere TensorFlow starts (with its log
    lines) when first used. Anything on stderr that is not a known start-up line still shows
    (:func:`musicnb.tensorflow_startup.start_quietly`). With ``MUSICNB_TF_STARTUP_LOG=1`` it
    does nothing, so the lines can be read. Returns True when TensorFlow started here; False
    when it was already running, is switched off that way, or is missing or broken
    (``musicnb.doctor()`` explains those cases).
    """
    import os

    if os.environ.get("MUSICNB_TF_STARTUP_LOG") == "1":
        return False
    from .tensorflow_startup import start_quietly

    return start_quietly()


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
        "quiet_tensorflow",
        *_LAZY,
    ]
)

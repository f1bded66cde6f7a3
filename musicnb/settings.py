"""Where the course keeps things, and whether it runs in quick mode.

Every location can be moved with an environment variable, so that ``make test`` and
``make course`` can send caches, runs and exports to their own folders:

=====================  ==========================  ===========================================
variable               default                     holds
=====================  ==========================  ===========================================
``MUSICNB_QUICK``      unset (full mode)           ``1``: tiny data, one or two epochs
``MUSICNB_CACHE_DIR``  ``~/.cache/musicnb``        parsed pieces, downloads
``MUSICNB_RUNS_DIR``   ``./runs``                  training runs (checkpoints, history, vocab)
``MUSICNB_EXPORT_DIR`` ``./exports``               MIDI and WAV written by ``export``
=====================  ==========================  ===========================================
"""

from __future__ import annotations

import os
from pathlib import Path

_TRUE = {"1", "true", "yes", "on"}


def quick_mode() -> bool:
    """True when ``MUSICNB_QUICK`` is set to 1/true/yes/on (tiny data, few epochs)."""
    return os.environ.get("MUSICNB_QUICK", "").strip().lower() in _TRUE


def _dir_from_env(variable: str, default: Path) -> Path:
    value = os.environ.get(variable, "").strip()
    path = Path(value).expanduser() if value else default
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a read-only parent, a file in the way, a full disk
        from .errors import MusicnbError

        raise MusicnbError(
            f"Cannot create the folder {path} ({exc.strerror or exc}). Set {variable} to a "
            f"folder you can write to, for example `export {variable}=/tmp/musicnb`."
        ) from exc
    return path


def cache_dir() -> Path:
    """Folder for the parsed-piece cache and downloaded data sets (created if missing)."""
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return _dir_from_env("MUSICNB_CACHE_DIR", base / "musicnb")


def runs_dir() -> Path:
    """Folder holding one sub-folder per training run (created if missing)."""
    return _dir_from_env("MUSICNB_RUNS_DIR", Path.cwd() / "runs")


def export_dir() -> Path:
    """Folder where ``export`` writes MIDI and WAV files (created if missing)."""
    return _dir_from_env("MUSICNB_EXPORT_DIR", Path.cwd() / "exports")

"""Encoders: one small class per representation, each turning a :class:`~musicnb.Piece` into
int arrays and back.

Every encoder has ``encode(piece)``, ``decode(array)``, a ``vocab_size`` (or sizes),
``to_config()`` / ``from_config()`` and ``save(path)`` (the :class:`Encoder` protocol of
:mod:`musicnb.encoders.interface`; :class:`TokenEncoder` adds ``vocab_size``);
:func:`load_encoder` reads any of them back from its JSON file (the ``"type"`` field names the
class).

=========================  =======================================================  ========
class                      representation                                           notebook
=========================  =======================================================  ========
``EventEncoder``           16th-note grid: rest / hold / pitch onset per step       01-03
``NoteChordTokenEncoder``  music21 note and chord names as string tokens            04
``MelodyHarmonyEncoder``   melody class + chord class per 16th step                 05
``NoteEventEncoder``       (pitch, velocity, time since previous note) per note     06
``PianoRollEncoder``       play / articulate piano roll + biaxial note features     07
``MidiRnnEncoder``         midi-rnn's 0.25 s frames: rest or MIDI pitch (129)       03
``CS230TokenEncoder``      CS230's ``pitch-or-chord_durationtype`` token ids         04
=========================  =======================================================  ========
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from ..atomic import write_json
from ..errors import MusicnbError
from .interface import Encoder as Encoder
from .interface import RepairingTokenEncoder as RepairingTokenEncoder
from .interface import TokenEncoder as TokenEncoder

_MODULE_OF = {
    "EventEncoder": "events",
    "NoteChordTokenEncoder": "tokens",
    "MelodyHarmonyEncoder": "melody_harmony",
    "NoteEventEncoder": "note_events",
    "PianoRollEncoder": "pianoroll",
    "MidiRnnEncoder": "midi_rnn",
    "CS230TokenEncoder": "cs230_tokens",
}


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'musicnb.encoders' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_MODULE_OF[name]}", __name__), name)
    globals()[name] = value
    return value


def save_config(config: dict[str, Any], path: str | Path) -> Path:
    """Write an encoder's config as JSON, atomically (temporary file, then rename)."""
    return write_json(path, config, sort_keys=True)


def load_encoder(path: str | Path) -> Any:
    """Read back any encoder saved with ``encoder.save(path)``."""
    path = Path(path)
    try:
        config = json.loads(path.read_text())
    except FileNotFoundError:
        raise MusicnbError(
            f"No encoder file at {path}; a run folder keeps it as encoder.json."
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MusicnbError(f"{path} is not a valid encoder JSON file ({exc}).") from exc
    except OSError as exc:
        raise MusicnbError(f"Cannot read the encoder file {path}: {exc.strerror or exc}.") from None
    if not isinstance(config, dict):
        raise MusicnbError(
            f"{path} holds a {type(config).__name__}, not an encoder's settings (a JSON object)."
        )
    kind = config.get("type")
    if kind not in _MODULE_OF:
        raise MusicnbError(f"{path} names encoder type {kind!r}; known: {sorted(_MODULE_OF)}.")
    return __getattr__(kind).from_config(config)


__all__ = sorted(
    [*_MODULE_OF, "Encoder", "RepairingTokenEncoder", "TokenEncoder", "load_encoder", "save_config"]
)

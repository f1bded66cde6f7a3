"""(pitch, velocity, time since the previous onset) per note: the regression LSTM's input.

Each note of one line becomes three real numbers

=========  =====================================================================
column     meaning
=========  =====================================================================
0 pitch    MIDI pitch (0-127)
1 velocity MIDI velocity (1-127): how hard the note is struck
2 dt       quarter notes since the previous note's onset (0 for the first note)
=========  =====================================================================

so a model can *regress* the next note instead of classifying it — the form of the
"music-theory loss" experiments (an LSTM predicting pitch, velocity and timing from MIDI
files with velocities). Durations are not stored: on decoding a note lasts until the next
onset, capped at ``max_duration`` (legato playing, as a performer's MIDI often is).

Which notes: ``part="all"`` (every note of every part, the form of *Long Short-Tunes Memory*
by Schaldenbrand, He & Almoubayyed: one row per note-on message across all channels, in time
order, so the notes of a chord follow each other with dt = 0 — lowest first), a part number,
or ``part=None`` for the top line (at every distinct onset the highest starting note).
dt is in beats (quarter notes): MIDI ticks divided by ticks per beat, as the paper normalises
it. Velocities are the file's own (a file whose notes all share one velocity, or a one-channel
file, encodes the same way; its velocity column is then constant).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import MusicnbError
from ..piece import Piece
from ..validation import a_piece, pieces_of
from .saving import SavedAsConfig

PITCH, VELOCITY, DT = 0, 1, 2
FEATURES = ("pitch", "velocity", "dt")


class NoteEventEncoder(SavedAsConfig):
    """Piece ↔ float array ``(n_notes, 3)`` of (pitch, velocity, dt).

    Parameters
    ----------
    part:
        ``"all"`` (every note of every part: chords as dt = 0), a part number, or ``None`` for
        the top line over all parts.
    max_duration:
        Longest note written by :meth:`decode` (quarter notes); also the length of the last note.
    min_duration:
        Shortest note written by :meth:`decode` (notes struck together still get this long).
    """

    type_name = "NoteEventEncoder"

    def __init__(
        self, part: int | str | None = None, max_duration: float = 2.0, min_duration: float = 0.125
    ) -> None:
        if part == "all":
            pass
        elif part is not None and (isinstance(part, str) or int(part) != part or part < 0):
            raise MusicnbError(
                f"part must be 'all' (every note), None (top line) or a part "
                f"number >= 0, got {part!r}."
            )
        if not 0 < min_duration <= max_duration:
            raise MusicnbError(
                f"Need 0 < min_duration <= max_duration, got {min_duration} and "
                f"{max_duration} quarter notes."
            )
        self.part = part if part in (None, "all") else int(part)
        self.max_duration = float(max_duration)
        self.min_duration = float(min_duration)

    @property
    def n_features(self) -> int:
        return 3

    @property
    def feature_names(self) -> tuple[str, ...]:
        return FEATURES

    # ------------------------------------------------------------------ encoding
    def line(self, piece: Piece) -> Piece:
        """The notes of the chosen line (one per onset; every note with ``part="all"``)."""
        if self.part == "all":
            return piece
        if isinstance(self.part, int):  # a part number ("all" returned above, None: top line)
            if piece.n_notes and self.part >= piece.n_parts:
                raise MusicnbError(
                    f"{piece.title or 'This piece'} has {piece.n_parts} part(s); "
                    f"part={self.part} does not exist. Use part=None for the top line."
                )
            piece = piece.select(piece.part == self.part)
        if not piece.n_notes:
            return piece
        order = np.lexsort((-piece.pitch.astype(np.int32), piece.start))
        start = piece.start[order]
        first = np.ones(len(order), bool)
        first[1:] = np.abs(np.diff(start)) > 1e-9  # highest note of each onset comes first
        keep = np.zeros(piece.n_notes, bool)
        keep[order[first]] = True
        return piece.select(keep)

    def encode(self, piece: Piece) -> np.ndarray:
        """float32 array ``(n_notes, 3)``: pitch, velocity, quarter notes since previous onset."""
        line = self.line(a_piece(piece, f"{type(self).__name__}.encode"))
        out = np.zeros((line.n_notes, 3), np.float32)
        if line.n_notes:
            order = np.lexsort((line.pitch.astype(np.int32), line.start))  # time, then low→high
            start = np.asarray(line.start, np.float64)[order]
            out[:, PITCH] = line.pitch[order]
            out[:, VELOCITY] = line.velocity[order]
            out[1:, DT] = np.diff(start)
        return out

    def encode_many(self, pieces: list[Piece], min_notes: int = 2) -> list[np.ndarray]:
        """Arrays of every piece whose line has at least ``min_notes`` notes."""
        pieces = pieces_of(pieces, f"{type(self).__name__}.encode_many")
        arrays = [a for a in (self.encode(p) for p in pieces) if len(a) >= min_notes]
        if not arrays:
            raise MusicnbError(
                f"No piece has {min_notes}+ notes on the chosen line (part={self.part})."
            )
        return arrays

    # ------------------------------------------------------------------ decoding
    def decode(
        self, events: Any, tempo: float = 120.0, title: str = "", start: float = 0.0, **info: Any
    ) -> Piece:
        """Piece from ``(n, 3)`` rows; values are rounded and clipped into valid ranges.

        Pitch → nearest integer in 0..127, velocity → 1..127, dt → ≥ 0. Each note lasts
        until the next later onset, between ``min_duration`` and ``max_duration``.
        """
        array = np.asarray(events, dtype=np.float64)
        if array.ndim != 2 or array.shape[1] != 3:
            raise MusicnbError(
                f"decode needs an array of shape (n_notes, 3) — pitch, velocity, dt "
                f"— got shape {array.shape}."
            )
        if not np.all(np.isfinite(array)):
            raise MusicnbError("decode got NaN or infinite values; the model output diverged.")
        n = len(array)
        pitch = np.clip(np.rint(array[:, PITCH]), 0, 127).astype(np.int16)
        velocity = np.clip(np.rint(array[:, VELOCITY]), 1, 127).astype(np.int16)
        dt = np.maximum(array[:, DT], 0.0)
        if n:
            dt[0] = 0.0
        onset = float(start) + np.cumsum(dt)
        duration = np.full(n, self.max_duration)
        for i in range(n):
            later = onset[i + 1 :][onset[i + 1 :] > onset[i] + 1e-9]
            if len(later):
                duration[i] = later[0] - onset[i]
        duration = np.clip(duration, self.min_duration, self.max_duration)
        return Piece(pitch, onset, duration, velocity, None, title=title, tempo=tempo, **info)

    # ------------------------------------------------------------------ saving
    def to_config(self) -> dict[str, Any]:
        return {
            "type": self.type_name,
            "part": self.part,
            "max_duration": self.max_duration,
            "min_duration": self.min_duration,
            "features": list(FEATURES),
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> NoteEventEncoder:
        config = {k: v for k, v in config.items() if k not in ("type", "features")}
        return cls(**config)

    def __repr__(self) -> str:
        return (
            f"NoteEventEncoder(part={self.part}, max_duration={self.max_duration}, "
            f"min_duration={self.min_duration})"
        )

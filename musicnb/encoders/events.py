"""The course's 16th-note event grid: rest / hold / pitch onset per step.

A monophonic line becomes one token per grid step (``steps_per_quarter`` steps per quarter
note, 4 = 16th notes):

=========  ==========================================================
token      meaning at this step
=========  ==========================================================
``0``      **rest**: nothing sounds
``1``      **hold**: the note struck earlier keeps sounding
``2 + k``  **onset** of pitch ``low + k`` (``k = 0 .. high - low``)
=========  ==========================================================

so ``vocab_size = 2 + (high - low + 1)``. A quarter-note C4 followed by an eighth rest is
``[C4, hold, hold, hold, rest, rest]``. The grid is the course's choice, close to Magenta's
``MelodyRNN`` (its "no event"/"note off"/onset classes). It is *not* the representation of
*midi-rnn* (Branger_Briz), whose 0.25 s piano-roll frames without a hold class are
:mod:`musicnb.encoders.midi_rnn`. Time comes from the piece's own beats (quarter-note offsets), never from an assumed
tick resolution or from seconds, so a tune written at any tempo lands on the same grid.

Choosing one line from polyphony: ``part=k`` takes part ``k`` only; ``part=None`` takes the
*top line* ("skyline"): at each onset the highest starting note wins, and a note that starts
under a higher note that is still sounding is dropped. What was dropped is counted in an
:class:`EncodeReport`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from ..errors import MusicnbError
from ..harmony import shift_to_c_or_a
from ..piece import Piece, pitch_name
from ..validation import a_piece, one_of, pieces_of, true_or_false, whole_number
from .saving import SavedAsConfig

REST = 0
HOLD = 1
N_SPECIAL = 2


@dataclass
class EncodeReport:
    """What happened to the notes of one piece on the way to tokens."""

    notes_in: int = 0
    notes_kept: int = 0
    dropped_other_parts: int = 0
    dropped_under_top_line: int = 0
    dropped_out_of_range: int = 0
    folded_by_octaves: int = 0
    shortened: int = 0
    transposed_by: int = 0

    def __add__(self, other: EncodeReport) -> EncodeReport:
        return EncodeReport(**{k: v + getattr(other, k) for k, v in asdict(self).items()})

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class EventEncoder(SavedAsConfig):
    """Monophonic line ↔ rest / hold / onset tokens on a regular grid.

    Parameters
    ----------
    steps_per_quarter:
        Grid resolution; 4 gives 16th notes, 12 would also hold triplets.
    low, high:
        The pitch range (MIDI numbers, inclusive) that gets onset classes.
    part:
        Which part to read (``None``: the top line over all parts).
    transpose:
        Move every piece to C major / A minor first (by its ``key``, or the
        Krumhansl-Schmuckler estimate when the key is unknown). Halves the data a model
        needs to see every pattern in every key.
    out_of_range:
        ``"fold"`` moves a note by octaves into the range; ``"drop"`` leaves it out.
    """

    type_name = "EventEncoder"

    def __init__(
        self,
        steps_per_quarter: int = 4,
        low: int = 48,
        high: int = 84,
        part: int | None = None,
        transpose: bool = False,
        out_of_range: Literal["fold", "drop"] = "fold",
    ) -> None:
        steps_per_quarter = whole_number(
            "steps_per_quarter", steps_per_quarter, 1, hint="4 gives 16th notes."
        )
        low = whole_number("low", low, 0, 127, hint="It is a MIDI pitch number (48 = C3).")
        high = whole_number("high", high, 0, 127, hint="It is a MIDI pitch number (84 = C6).")
        part = whole_number(
            "part", part, 0, allow_none=True, hint="None reads the top line over all parts."
        )
        transpose = true_or_false(
            "transpose", transpose, hint="True moves every piece to C major / A minor first."
        )
        out_of_range = one_of(
            "out_of_range",
            out_of_range,
            ("fold", "drop"),
            hint="'fold' moves a note by octaves into the range, 'drop' leaves it out.",
        )
        assert steps_per_quarter is not None and low is not None and high is not None
        if not (0 <= low < high <= 127):
            raise MusicnbError(
                f"The pitch range must satisfy 0 <= low < high <= 127, got low={low}, high={high}."
            )
        if high - low < 11 and out_of_range == "fold":
            raise MusicnbError(
                "out_of_range='fold' needs a range of at least an octave "
                f"(high - low >= 11), got {high - low}; widen it or use 'drop'."
            )
        self.steps_per_quarter = int(steps_per_quarter)
        self.low, self.high = int(low), int(high)
        self.part = part
        self.transpose = transpose
        self.out_of_range = out_of_range
        self.last_report = EncodeReport()

    # ------------------------------------------------------------------ vocabulary
    @property
    def vocab_size(self) -> int:
        """Number of token classes: rest, hold and one onset per pitch."""
        return N_SPECIAL + self.high - self.low + 1

    @property
    def vocabulary(self) -> list[str]:
        """Human-readable name of every token: ``['rest', 'hold', 'C3', 'C#3', ...]``."""
        return ["rest", "hold"] + [pitch_name(p) for p in range(self.low, self.high + 1)]

    def token_pitch(self, token: int) -> int | None:
        """The MIDI pitch an onset token strikes, ``None`` for rest and hold."""
        token = int(token)
        if token < N_SPECIAL or token >= self.vocab_size:
            return None
        return self.low + token - N_SPECIAL

    def pitch_token(self, pitch: int) -> int:
        """The onset token of a MIDI pitch inside the range."""
        if not self.low <= pitch <= self.high:
            raise MusicnbError(
                f"Pitch {pitch} is outside the encoder's range {self.low}-{self.high}."
            )
        return N_SPECIAL + int(pitch) - self.low

    @property
    def token_pitches(self) -> np.ndarray:
        """Pitch of every token (``-1`` for rest and hold), for losses and key masks."""
        return np.array([-1, -1] + list(range(self.low, self.high + 1)), dtype=np.int32)

    # ------------------------------------------------------------------ encoding
    def line(self, piece: Piece) -> tuple[np.ndarray, np.ndarray, np.ndarray, EncodeReport]:
        """The monophonic line as quantised ``(pitch, start_step, end_step)`` arrays."""
        report = EncodeReport(notes_in=piece.n_notes)
        if self.part is not None:
            if piece.n_notes and self.part >= piece.n_parts:
                raise MusicnbError(
                    f"{piece.title or 'This piece'} has {piece.n_parts} part(s); "
                    f"part={self.part} does not exist. Use part=None for the top line."
                )
            keep = piece.part == self.part
            report.dropped_other_parts = int((~keep).sum())
            piece = piece.select(keep)
        if self.transpose and piece.n_notes:
            shift = shift_to_c_or_a(piece)
            if shift:
                piece = piece.transpose(shift)
            report.transposed_by = shift
        spq = self.steps_per_quarter
        pitch = piece.pitch.astype(np.int32)
        start = np.rint(piece.start * spq).astype(np.int64)
        end = np.maximum(np.rint((piece.start + piece.duration) * spq).astype(np.int64), start + 1)
        # fold or drop notes outside the range
        outside = (pitch < self.low) | (pitch > self.high)
        if outside.any():
            if self.out_of_range == "drop":
                report.dropped_out_of_range = int(outside.sum())
                keep = ~outside
                pitch, start, end = pitch[keep], start[keep], end[keep]
            else:
                report.folded_by_octaves = int(outside.sum())
                below = pitch < self.low
                pitch[below] += 12 * ((self.low - pitch[below] + 11) // 12)
                above = pitch > self.high
                pitch[above] -= 12 * ((pitch[above] - self.high + 11) // 12)
        # top line: sort by onset, highest first; keep a note only if it starts after the
        # kept line has ended or is higher than the note still sounding
        order = np.lexsort((-pitch, start))
        pitch, start, end = pitch[order], start[order], end[order]
        kept_p: list[int] = []
        kept_s: list[int] = []
        kept_e: list[int] = []
        under = 0
        for p, s, e in zip(pitch.tolist(), start.tolist(), end.tolist()):
            if kept_s and s == kept_s[-1]:
                under += 1  # same onset, lower pitch (sorted highest first)
                continue
            if kept_e and s < kept_e[-1] and p <= kept_p[-1]:
                under += 1  # starts under a higher (or equal) note still sounding
                continue
            if kept_e and s < kept_e[-1]:
                kept_e[-1] = s  # a higher note cuts the sounding one short
                report.shortened += 1
            kept_p.append(p)
            kept_s.append(s)
            kept_e.append(e)
        report.dropped_under_top_line = under
        report.notes_kept = len(kept_p)
        return (
            np.asarray(kept_p, np.int32),
            np.asarray(kept_s, np.int64),
            np.asarray(kept_e, np.int64),
            report,
        )

    def encode(self, piece: Piece) -> np.ndarray:
        """Tokens of one piece (int32, one per grid step); see :attr:`last_report`."""
        piece = a_piece(piece, f"{type(self).__name__}.encode")
        pitch, start, end, report = self.line(piece)
        self.last_report = report
        length_quarters = max(piece.end, float(piece.metadata.get("length_quarters", 0.0)))
        n_steps = max(
            int(np.ceil(length_quarters * self.steps_per_quarter - 1e-9)),
            int(end.max()) if len(end) else 0,
            1,
        )
        tokens = np.full(n_steps, REST, dtype=np.int32)
        for p, s, e in zip(pitch.tolist(), start.tolist(), end.tolist()):
            tokens[s] = N_SPECIAL + p - self.low
            tokens[s + 1 : e] = HOLD
        return tokens

    def encode_with_report(self, piece: Piece) -> tuple[np.ndarray, EncodeReport]:
        """``(tokens, report)`` for one piece."""
        tokens = self.encode(piece)
        return tokens, self.last_report

    def encode_many(
        self, pieces: Iterable[Piece], min_notes: int = 1
    ) -> tuple[list[np.ndarray], EncodeReport]:
        """Tokens of every piece with at least ``min_notes`` notes on the line, and the summed report.

        Pieces left out are counted in ``report.notes_in`` but produce no sequence.
        """
        sequences: list[np.ndarray] = []
        total = EncodeReport()
        for piece in pieces_of(pieces, f"{type(self).__name__}.encode_many"):
            tokens = self.encode(piece)
            total = total + self.last_report
            if self.last_report.notes_kept >= min_notes:
                sequences.append(tokens)
        if not sequences:
            raise MusicnbError(
                "No piece had notes on the chosen line; check `part=` and the pitch "
                f"range {self.low}-{self.high} against the corpus."
            )
        return sequences, total

    # ------------------------------------------------------------------ decoding
    def decode_with_repairs(
        self, tokens: Any, tempo: float = 120.0, title: str = "", velocity: int = 90, **info: Any
    ) -> tuple[Piece, int]:
        """Piece from tokens, repairing impossible sequences; returns ``(piece, n_repairs)``.

        Repairs: a hold with no sounding note (at the start or after a rest) becomes a rest;
        a token outside ``0 .. vocab_size - 1`` becomes a rest.
        """
        wrong = MusicnbError(
            f"Cannot decode {tokens!r}: give a flat list or 1-D array of token class indices "
            f"(whole numbers 0..{self.vocab_size - 1}), for example the sampler's output."
        )
        try:
            array = np.asarray(tokens).reshape(-1)
        except (TypeError, ValueError, OverflowError):
            raise wrong from None
        if (
            tokens is None
            or array.dtype.kind not in "iuf"
            or array.dtype.kind == "f"
            and not np.all(np.isfinite(array))
        ):
            raise wrong
        if array.dtype.kind not in "iu":
            if array.size and not np.all(np.equal(np.mod(array, 1), 0)):
                raise MusicnbError(
                    "Tokens must be whole numbers (class indices), not probabilities; "
                    "sample or argmax the model output first."
                )
            array = array.astype(np.int64)
        repairs = 0
        notes: list[tuple[int, float, float]] = []
        spq = self.steps_per_quarter
        sounding_pitch, sounding_start = None, 0
        for step, token in enumerate(array.tolist()):
            if token < 0 or token >= self.vocab_size:
                repairs += 1
                token = REST
            if token == HOLD:
                if sounding_pitch is None:
                    repairs += 1
                continue
            if sounding_pitch is not None:
                notes.append((sounding_pitch, sounding_start / spq, (step - sounding_start) / spq))
                sounding_pitch = None
            if token >= N_SPECIAL:
                sounding_pitch, sounding_start = self.low + token - N_SPECIAL, step
        if sounding_pitch is not None:
            notes.append(
                (sounding_pitch, sounding_start / spq, (len(array) - sounding_start) / spq)
            )
        metadata = dict(info.pop("metadata", {}))
        metadata["length_quarters"] = len(array) / spq
        piece = Piece.from_notes(
            [(p, s, d, velocity) for p, s, d in notes],
            title=title,
            tempo=tempo,
            metadata=metadata,
            **info,
        )
        return piece, repairs

    def decode(self, tokens: Any, tempo: float = 120.0, title: str = "", **info: Any) -> Piece:
        """Piece from tokens (impossible sequences are repaired silently; see
        :meth:`decode_with_repairs` to count the repairs)."""
        return self.decode_with_repairs(tokens, tempo=tempo, title=title, **info)[0]

    # ------------------------------------------------------------------ helpers
    def one_hot(self, tokens: Any) -> np.ndarray:
        """float32 one-hot matrix ``(len(tokens), vocab_size)`` — for looking, not for training
        (models one-hot inside the graph)."""
        array = np.asarray(tokens, dtype=np.int64).reshape(-1)
        if array.size and (array.min() < 0 or array.max() >= self.vocab_size):
            raise MusicnbError(f"Tokens must lie in 0..{self.vocab_size - 1}.")
        return np.eye(self.vocab_size, dtype=np.float32)[array]

    def describe(self, tokens: Any) -> list[str]:
        """Token names: ``[60, 1, 0] -> ['C4', 'hold', 'rest']`` style (by class index)."""
        names = self.vocabulary
        return [names[int(t)] if 0 <= int(t) < len(names) else f"<bad {int(t)}>" for t in tokens]

    # ------------------------------------------------------------------ saving
    def to_config(self) -> dict[str, Any]:
        return {
            "type": self.type_name,
            "steps_per_quarter": self.steps_per_quarter,
            "low": self.low,
            "high": self.high,
            "part": self.part,
            "transpose": self.transpose,
            "out_of_range": self.out_of_range,
            "vocabulary": self.vocabulary,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> EventEncoder:
        config = {k: v for k, v in config.items() if k not in ("type", "vocabulary")}
        return cls(**config)

    def __repr__(self) -> str:
        return (
            f"EventEncoder(steps_per_quarter={self.steps_per_quarter}, low={self.low}, "
            f"high={self.high}, part={self.part}, transpose={self.transpose}, "
            f"vocab_size={self.vocab_size})"
        )

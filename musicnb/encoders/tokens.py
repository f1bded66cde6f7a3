"""Note and chord string tokens, as the classic music21 LSTM tutorial names them.

Every group of notes that start together becomes one token:

* a single note is its pitch name with octave, music21 style: ``"C#4"``, ``"B-3"``;
* a chord (two or more pitch classes) is its **normal order** — the most compact rotation of
  its pitch-class set, as ``music21.chord.Chord.normalOrder`` computes it — joined by dots:
  a C major triad in any voicing is ``"0.4.7"``, G major ``"7.11.2"``;
* with ``with_duration=True`` a duration name follows a bar: ``"C#4|eighth"``,
  ``"0.4.7|dotted-quarter"``; with ``rests=True`` a silence becomes ``"rest|quarter"``.

This is the representation of Sigurður Skúli's "How to Generate Music using a LSTM Neural
Network in Keras" (2017); the Stanford CS230 report *Music Generation Using Recurrent Neural
Networks* (Mokobi, May, Voorhis-Allen) builds its Conv1D + LSTM models on an underscore form of
it, reproduced exactly by :mod:`musicnb.encoders.cs230_tokens`. The tokens are a
*succession*: each event lasts until the next one starts (notes that start later inside a
held chord start their own event), so decoding places every event right after the previous
one. Chord tokens drop the octave (normal order is pitch classes); :meth:`decode` voices them
upward from ``chord_octave``.

The vocabulary is fitted on the **training** pieces only (:meth:`fit`); a token never seen
there encodes as ``"<unk>"`` (index 0), as in language modelling.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from ..checkers import check_event_token as check_event_token  # the old import path
from ..errors import MusicnbError
from ..piece import Piece, pitch_name
from ..validation import a_piece, pieces_of
from .saving import SavedAsConfig

UNK = "<unk>"
REST = "rest"

#: duration names and their length in quarter notes (music21's type names, dots spelled out)
DURATIONS: dict[str, float] = {
    "breve": 8.0,
    "dotted-whole": 6.0,
    "whole": 4.0,
    "dotted-half": 3.0,
    "half": 2.0,
    "dotted-quarter": 1.5,
    "quarter": 1.0,
    "quarter-triplet": 2 / 3,
    "dotted-eighth": 0.75,
    "eighth": 0.5,
    "dotted-16th": 0.375,
    "eighth-triplet": 1 / 3,
    "16th": 0.25,
    "32nd": 0.125,
}
_DURATION_NAMES = list(DURATIONS)
_DURATION_LOGS = np.log2(np.array(list(DURATIONS.values())))

_NOTE_RE = re.compile(r"^([A-Ga-g])([#\-b]*)(-?\d+)$")
_STEP_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def duration_name(quarter_length: float) -> str:
    """The nearest named duration (on a log scale): ``0.5 -> "eighth"``, ``1.4 -> "dotted-quarter"``."""
    if not (quarter_length > 0 and math.isfinite(quarter_length)):
        raise MusicnbError(
            f"A duration must be a positive number of quarter notes, got {quarter_length!r}."
        )
    return _DURATION_NAMES[int(np.argmin(np.abs(_DURATION_LOGS - math.log2(quarter_length))))]


@lru_cache(maxsize=4096)
def normal_order(pitch_classes: frozenset[int]) -> tuple[int, ...]:
    """The normal order of a pitch-class set, exactly as music21's ``Chord.normalOrder``."""
    from music21 import chord

    return tuple(int(pc) for pc in chord.Chord(sorted(pitch_classes)).normalOrder)


def parse_pitch_name(name: str) -> int:
    """``"C#4" -> 61``, ``"B-3" -> 58`` (music21 flats), ``"Bb3" -> 58`` also accepted."""
    match = _NOTE_RE.match(name.strip())
    if not match:
        raise MusicnbError(f"{name!r} is not a pitch name like 'C#4' or 'B-3'.")
    step, accidentals, octave = match.groups()
    alter = accidentals.count("#") - accidentals.count("-") - accidentals.count("b")
    midi = 12 * (int(octave) + 1) + _STEP_PC[step.upper()] + alter
    if not 0 <= midi <= 127:
        raise MusicnbError(f"{name!r} lies outside the MIDI range 0-127.")
    return midi


def _token_index(item: Any, tokens: Any) -> int:
    """One token id as an int; anything that is not a finite whole number (NaN, None, a nested
    list, a non-token string) is refused with a MusicnbError that says what to pass."""
    try:
        value = float(item)
    except (TypeError, ValueError, OverflowError):
        value = math.nan
    if not math.isfinite(value) or value != math.floor(value):
        raise MusicnbError(
            f"Cannot decode {tokens!r}: {item!r} is not a token. Give a flat list of token ids "
            "(whole numbers, for example the sampler's output) or of token strings such as "
            "'C4|quarter'."
        )
    return int(value)


class NoteChordTokenEncoder(SavedAsConfig):
    """Piece ↔ note/chord string tokens ↔ integer ids (vocabulary fitted on training pieces).

    Parameters
    ----------
    with_duration:
        Append the duration name to every token (``"C#4|eighth"``).
    rests:
        Emit ``"rest|<duration>"`` (or ``"rest"``) tokens for silences between events.
    parts:
        Which parts to read: ``None`` for all (chords across the voices, as the tutorial does
        with a piano score), one part number, or a list of them.
    min_count:
        Tokens seen fewer times in the training pieces map to ``"<unk>"``.
    step:
        Without durations, every decoded event lasts ``step`` quarter notes (the tutorial's
        fixed offset of 0.5).
    """

    type_name = "NoteChordTokenEncoder"

    def __init__(
        self,
        with_duration: bool = False,
        rests: bool = False,
        parts: int | Sequence[int] | None = None,
        min_count: int = 1,
        step: float = 0.5,
        chord_octave: int = 4,
        vocabulary: Sequence[str] | None = None,
    ) -> None:
        if int(min_count) != min_count or min_count < 1:
            raise MusicnbError(f"min_count must be a whole number >= 1, got {min_count!r}.")
        if not (step > 0):
            raise MusicnbError(f"step must be a positive number of quarter notes, got {step!r}.")
        if parts is not None:
            parts = [parts] if isinstance(parts, (int, np.integer)) else list(parts)
            if not parts or any(int(p) != p or p < 0 for p in parts):
                raise MusicnbError(
                    f"parts must be None (all parts), a part number or a list of "
                    f"them, got {parts!r}."
                )
            parts = [int(p) for p in parts]
        self.with_duration = bool(with_duration)
        self.rests = bool(rests)
        self.parts: list[int] | None = parts
        self.min_count = int(min_count)
        self.step = float(step)
        self.chord_octave = int(chord_octave)
        self._vocabulary: list[str] | None = None
        self._index: dict[str, int] = {}
        self.last_unknown = 0
        if vocabulary is not None:
            self._set_vocabulary(list(vocabulary))

    # ------------------------------------------------------------------ tokens as strings
    def _event_token(self, pitches: np.ndarray) -> str:
        pcs = frozenset(int(p) % 12 for p in pitches)
        if len(pitches) == 1 or len(pcs) == 1:
            return pitch_name(int(max(pitches)))
        return ".".join(str(pc) for pc in normal_order(pcs))

    def _with_duration(self, token: str, length: float) -> str:
        return f"{token}|{duration_name(length)}" if self.with_duration else token

    def tokens(self, piece: Piece) -> list[str]:
        """The string tokens of a piece (no vocabulary needed)."""
        if not isinstance(piece, Piece):
            raise MusicnbError(
                f"Expected a musicnb.Piece, got {type(piece).__name__}; load music "
                "with musicnb.load_corpus(...) first."
            )
        mask = (
            np.ones(piece.n_notes, bool) if self.parts is None else np.isin(piece.part, self.parts)
        )
        pitch, start, duration = piece.pitch[mask], piece.start[mask], piece.duration[mask]
        if len(pitch) == 0:
            return []
        onsets, first = np.unique(np.round(start, 6), return_index=True)
        bounds = list(first) + [len(start)]
        out: list[str] = []
        for i, onset in enumerate(onsets):
            group = slice(bounds[i], bounds[i + 1])
            sounding = float(duration[group].max())
            gap_to_next = (onsets[i + 1] - onset) if i + 1 < len(onsets) else sounding
            length = min(sounding, gap_to_next)
            silence = gap_to_next - length
            if not self.rests or silence < 1e-6 or (self.with_duration and silence < 0.0625):
                length, silence = gap_to_next, 0.0  # each event lasts until the next starts
            out.append(self._with_duration(self._event_token(pitch[group]), length))
            if silence > 0:
                out.append(self._with_duration(REST, silence))
        return out

    # ------------------------------------------------------------------ vocabulary
    def fit(self, pieces: Iterable[Piece]) -> NoteChordTokenEncoder:
        """Build the vocabulary from the TRAINING pieces: ``"<unk>"`` first, then the tokens
        seen at least ``min_count`` times, sorted."""
        counts: Counter[str] = Counter()
        n = 0
        for piece in pieces:
            counts.update(self.tokens(piece))
            n += 1
        kept = sorted(token for token, count in counts.items() if count >= self.min_count)
        if not kept:
            raise MusicnbError(
                f"No token seen {self.min_count}+ times in the {n} pieces given to "
                "fit(); pass the training pieces (with notes) or lower min_count."
            )
        self.counts = dict(counts)
        self._set_vocabulary([UNK, *kept])
        return self

    def _set_vocabulary(self, vocabulary: list[str]) -> None:
        if not vocabulary or vocabulary[0] != UNK or len(set(vocabulary)) != len(vocabulary):
            raise MusicnbError(f"A vocabulary must start with {UNK!r} and hold distinct tokens.")
        self._vocabulary = vocabulary
        self._index = {token: i for i, token in enumerate(vocabulary)}

    def _require_vocabulary(self) -> list[str]:
        if self._vocabulary is None:
            raise MusicnbError(
                "This NoteChordTokenEncoder has no vocabulary yet: call "
                "encoder.fit(train_pieces) on the TRAINING split first."
            )
        return self._vocabulary

    @property
    def vocabulary(self) -> list[str]:
        """Every token, by id: ``["<unk>", "0.4.7", "C4", ...]``."""
        return list(self._require_vocabulary())

    @property
    def vocab_size(self) -> int:
        return len(self._require_vocabulary())

    def token_id(self, token: str) -> int:
        self._require_vocabulary()
        return self._index.get(token, 0)

    def describe(self, ids: Any) -> list[str]:
        """Token strings of ids (``"<bad N>"`` for an id outside the vocabulary)."""
        vocab = self._require_vocabulary()
        return [vocab[int(i)] if 0 <= int(i) < len(vocab) else f"<bad {int(i)}>" for i in ids]

    # ------------------------------------------------------------------ encode / decode
    def encode(self, piece: Piece) -> np.ndarray:
        """Token ids (int32) of a piece; unseen tokens become 0 (``"<unk>"``), counted in
        ``last_unknown``."""
        piece = a_piece(piece, f"{type(self).__name__}.encode")
        self._require_vocabulary()
        ids = np.array([self._index.get(t, 0) for t in self.tokens(piece)], dtype=np.int32)
        self.last_unknown = int(np.sum(ids == 0))
        return ids

    def encode_many(
        self, pieces: Iterable[Piece], min_tokens: int = 1
    ) -> tuple[list[np.ndarray], dict[str, int]]:
        """Encode many pieces; returns the arrays (pieces with fewer than ``min_tokens``
        tokens left out) and a report ``{"pieces", "kept", "tokens", "unknown"}``."""
        arrays, report = [], {"pieces": 0, "kept": 0, "tokens": 0, "unknown": 0}
        for piece in pieces_of(pieces, f"{type(self).__name__}.encode_many"):
            ids = self.encode(piece)
            report["pieces"] += 1
            report["unknown"] += self.last_unknown
            if len(ids) >= min_tokens:
                arrays.append(ids)
                report["kept"] += 1
                report["tokens"] += len(ids)
        return arrays, report

    def _event_pitches(self, name: str) -> list[int]:
        if "." in name or name.isdigit():
            pcs = [int(pc) for pc in name.split(".")]
            base = 12 * (self.chord_octave + 1)
            pitches, previous = [], -1
            for pc in pcs:  # voice upward from the chord_octave, in normal order
                pitch = base + pc
                while pitch <= previous:
                    pitch += 12
                pitches.append(pitch)
                previous = pitch
            return [p for p in pitches if p <= 127]
        return [parse_pitch_name(name)]

    def decode_with_repairs(
        self, tokens: Any, tempo: float = 120.0, title: str = "", **info: Any
    ) -> tuple[Piece, int]:
        """Tokens (ids or strings) -> Piece, plus the number of tokens that could not be read
        (``"<unk>"``, ids outside the vocabulary, malformed strings); each lasts one ``step``
        of silence."""
        items = (
            list(np.asarray(tokens).reshape(-1))
            if not isinstance(tokens, (list, tuple))
            else list(tokens)
        )
        vocab: list[str] = (
            [] if all(isinstance(t, str) for t in items) else self._require_vocabulary()
        )
        notes: list[tuple[int, float, float]] = []
        time, repairs = 0.0, 0
        for item in items:
            if isinstance(item, str):
                token = item
            else:
                index = _token_index(item, tokens)
                token = vocab[index] if 0 <= index < len(vocab) else UNK
            name, _, dur = token.partition("|")
            length = DURATIONS.get(dur, self.step) if dur else self.step
            if token == UNK or (dur and dur not in DURATIONS):
                repairs += 1
                time += self.step
                continue
            if name != REST:
                try:
                    pitches = self._event_pitches(name)
                except (MusicnbError, ValueError):
                    repairs += 1
                    time += self.step
                    continue
                notes.extend((p, time, length) for p in pitches)
            time += length
        piece = Piece.from_notes(
            notes, tempo=tempo, title=title, source="NoteChordTokenEncoder", **info
        )
        return piece, repairs

    def decode(self, tokens: Any, tempo: float = 120.0, title: str = "", **info: Any) -> Piece:
        """Tokens (ids or strings) -> Piece (unreadable tokens become short silences)."""
        return self.decode_with_repairs(tokens, tempo=tempo, title=title, **info)[0]

    # ------------------------------------------------------------------ saving
    def to_config(self) -> dict[str, Any]:
        return {
            "type": self.type_name,
            "with_duration": self.with_duration,
            "rests": self.rests,
            "parts": self.parts,
            "min_count": self.min_count,
            "step": self.step,
            "chord_octave": self.chord_octave,
            "vocabulary": self._vocabulary,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> NoteChordTokenEncoder:
        config = {k: v for k, v in config.items() if k != "type"}
        return cls(**config)

    def _check_savable(self) -> None:
        self._require_vocabulary()

    def __repr__(self) -> str:
        size = "unfitted" if self._vocabulary is None else f"vocab_size={len(self._vocabulary)}"
        return (
            f"NoteChordTokenEncoder(with_duration={self.with_duration}, rests={self.rests}, "
            f"parts={self.parts}, {size})"
        )

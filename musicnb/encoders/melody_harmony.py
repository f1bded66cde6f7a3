"""Melody class + chord class per 16th-note step: the melody-and-harmony representation.

Each grid step (``steps_per_quarter`` per quarter note) becomes two integers:

* a **melody class**, exactly the classes of :class:`~musicnb.encoders.EventEncoder`:
  ``0`` rest, ``1`` hold (the melody note struck earlier keeps sounding), ``2 + k`` onset of
  pitch ``low + k``. With ``hold=False`` the classic form of Yoav Zimmerman's Nottingham
  "music_rnn" (source of the published 64.15 % melody / 91.57 % harmony figures) is used
  instead: ``0`` rest, ``1 + k`` pitch ``low + k`` *sounding* (a held note repeats its class).
  The hold class is the default because without it two repeated quarter notes C–C and one
  half note C encode identically, so the representation cannot round-trip and the tunes that
  come back have their repeated notes glued together.
* a **chord class**: ``0`` = "N.C." (no chord), ``1`` = "other" (a chord too rare in the
  training split to get its own class), then one class per simplified chord symbol seen at
  least ``min_count`` times in the training split (most frequent first).

Where the chords come from:

1. ``Piece.chords`` (the Nottingham chord track read as symbols, ABC ``"G"`` annotations,
   music21 chord symbols) when the piece has them;
2. otherwise they are **detected** at every step from the pitch classes sounding in the other
   parts (Bach chorales: soprano = melody part 0; alto, tenor and bass = harmony) with
   :func:`musicnb.harmony.detect_chord` (template matching).

Either way a chord is reduced to root + quality by :func:`musicnb.harmony.simplify_chord_label`
(triads only by default; ``sevenths=True`` keeps 7, maj7, m7, dim7, m7b5).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any, Literal

import numpy as np

from ..errors import MusicnbError
from ..harmony import (
    NO_CHORD,
    chord_name,
    detect_chord,
    parse_chord_label,
    shift_to_c_or_a,
    simplify_chord_label,
)
from ..piece import ChordLabel, Piece, pitch_name
from ..validation import a_piece, pieces_of
from .events import HOLD, N_SPECIAL, REST, EventEncoder
from .saving import SavedAsConfig

OTHER_CHORD = "other"
NO_CHORD_CLASS = 0
OTHER_CHORD_CLASS = 1


class MelodyHarmonyEncoder(SavedAsConfig):
    """Piece ↔ ``(melody, chords)`` int arrays, one value of each per grid step.

    Parameters
    ----------
    steps_per_quarter, low, high:
        Grid and melody pitch range, as for :class:`EventEncoder`.
    melody_part:
        The part holding the melody (0: the soprano of a chorale, the tune of a lead sheet).
    hold:
        Keep a hold class (exact round trip, default) or repeat the sounding pitch each step
        (the published Nottingham representation); see the module docstring.
    sevenths:
        Keep seventh chords as their own classes instead of folding them onto triads.
    min_count:
        A chord must occur (as a run of steps: one chord change = one occurrence) at least this
        many times in the pieces given to :meth:`fit` to get its own class; rarer ones map to
        "other".
    transpose:
        Move every piece to C major / A minor first (its ``key``, or the Krumhansl-Schmuckler
        estimate), melody and chords together.
    count_by:
        How ``min_count`` counts a chord in the training pieces: ``"runs"`` (default: one
        chord change = one occurrence) or ``"steps"`` (every grid step it sounds, as Zimmerman
        counted: a chord held for a bar of 16ths counts 16).
    rare_chord:
        Where a chord below ``min_count`` goes: ``"other"`` (its own class, default) or
        ``"no_chord"`` (merged into N.C., Zimmerman's "NONE"; the "other" class then stays in
        the vocabulary, unused, so the class numbers keep their meaning).
    diminished_as_minor:
        Spell diminished chords as minor (Zimmerman's ``resolve_chord``: ``Bdim -> Bm``).
    chord_every:
        For *detected* chords only: read the sounding notes at the first step of every
        ``chord_every`` steps and hold that chord until the next reading (default: one per
        quarter-note beat, where chorale harmony changes; passing tones on the off-beats would
        otherwise flicker the chord every 16th). ``1`` detects at every step.
    """

    type_name = "MelodyHarmonyEncoder"

    def __init__(
        self,
        steps_per_quarter: int = 4,
        low: int = 48,
        high: int = 84,
        melody_part: int = 0,
        hold: bool = True,
        sevenths: bool = False,
        min_count: int = 3,
        transpose: bool = False,
        out_of_range: Literal["fold", "drop"] = "fold",
        chord_every: int | None = None,
        chord_vocabulary: list[str] | None = None,
        count_by: Literal["runs", "steps"] = "runs",
        rare_chord: Literal["other", "no_chord"] = "other",
        diminished_as_minor: bool = False,
    ) -> None:
        if int(melody_part) != melody_part or melody_part < 0:
            raise MusicnbError(f"melody_part must be a part number >= 0, got {melody_part!r}.")
        if int(min_count) != min_count or min_count < 1:
            raise MusicnbError(f"min_count must be a whole number >= 1, got {min_count!r}.")
        self.events = EventEncoder(
            steps_per_quarter=steps_per_quarter,
            low=low,
            high=high,
            part=int(melody_part),
            transpose=False,
            out_of_range=out_of_range,
        )
        self.steps_per_quarter = self.events.steps_per_quarter
        self.low, self.high = self.events.low, self.events.high
        self.melody_part = int(melody_part)
        self.hold = bool(hold)
        self.sevenths = bool(sevenths)
        self.min_count = int(min_count)
        self.transpose = bool(transpose)
        self.out_of_range = out_of_range
        chord_every = self.steps_per_quarter if chord_every is None else chord_every
        if int(chord_every) != chord_every or chord_every < 1:
            raise MusicnbError(
                f"chord_every must be a whole number of steps >= 1, got {chord_every!r}."
            )
        self.chord_every = int(chord_every)
        if count_by not in ("runs", "steps"):
            raise MusicnbError(f"count_by must be 'runs' or 'steps', got {count_by!r}.")
        if rare_chord not in ("other", "no_chord"):
            raise MusicnbError(f"rare_chord must be 'other' or 'no_chord', got {rare_chord!r}.")
        self.count_by, self.rare_chord = count_by, rare_chord
        self.diminished_as_minor = bool(diminished_as_minor)
        self.chord_counts: dict[str, int] = {}
        self._chords: list[str] | None = None
        if chord_vocabulary is not None:
            self._set_chord_vocabulary(chord_vocabulary)

    @classmethod
    def zimmerman(cls, **overrides: Any) -> MelodyHarmonyEncoder:
        """Yoav Zimmerman's Nottingham representation (``music_rnn``, ``nottingham_util.py``).

        Melody: the *sounding* MIDI pitch 55-88 or rest at each 16th step, no hold class (a held
        note repeats its class); chords from the harmony track, sevenths and extensions
        dropped, diminished spelt as minor, chords seen on fewer than 64 grid steps of the
        training pieces merged into NONE (N.C.); no transposition. (He counted the 64 over all
        three splits; the course counts on the training split only, so the test tunes cannot
        shape the vocabulary.)
        """
        settings: dict[str, Any] = dict(
            steps_per_quarter=4,
            low=55,
            high=88,
            hold=False,
            sevenths=False,
            min_count=64,
            transpose=False,
            count_by="steps",
            rare_chord="no_chord",
            diminished_as_minor=True,
        )
        settings.update(overrides)
        return cls(**settings)

    # ------------------------------------------------------------------ vocabularies
    def _set_chord_vocabulary(self, vocabulary: list[str]) -> None:
        vocabulary = [str(v) for v in vocabulary]
        if vocabulary[:2] != [NO_CHORD, OTHER_CHORD]:
            raise MusicnbError(
                f"A chord vocabulary starts with {NO_CHORD!r} and {OTHER_CHORD!r}, "
                f"got {vocabulary[:2]}; build it with fit(pieces)."
            )
        if len(set(vocabulary)) != len(vocabulary):
            raise MusicnbError("The chord vocabulary has repeated names.")
        self._chords = vocabulary
        self._chord_index = {name: i for i, name in enumerate(vocabulary)}

    @property
    def is_fitted(self) -> bool:
        """True once the chord vocabulary is known (after :meth:`fit` or loading)."""
        return self._chords is not None

    def _require_fitted(self) -> list[str]:
        """The chord vocabulary; a MusicnbError saying to call fit() when there is none yet."""
        if self._chords is None:
            raise MusicnbError(
                "The MelodyHarmonyEncoder has no chord vocabulary yet: call "
                "encoder.fit(training_pieces) first (the training split only)."
            )
        return self._chords

    @property
    def n_melody(self) -> int:
        """Number of melody classes."""
        return (N_SPECIAL if self.hold else 1) + self.high - self.low + 1

    @property
    def n_chords(self) -> int:
        """Number of chord classes (N.C. and "other" included)."""
        return len(self._require_fitted())

    @property
    def melody_vocabulary(self) -> list[str]:
        """Name of every melody class: ``['rest', 'hold', 'C3', ...]`` (no ``'hold'`` without hold)."""
        names = [pitch_name(p) for p in range(self.low, self.high + 1)]
        return (["rest", "hold"] if self.hold else ["rest"]) + names

    @property
    def chord_vocabulary(self) -> list[str]:
        """Name of every chord class: ``['N.C.', 'other', 'C', 'G', ...]``."""
        return list(self._require_fitted())

    @property
    def melody_token_pitches(self) -> np.ndarray:
        """Pitch of every melody class (``-1`` for rest and hold): for theory-aware losses."""
        special = [-1, -1] if self.hold else [-1]
        return np.array(special + list(range(self.low, self.high + 1)), np.int32)

    def melody_class(self, pitch: int) -> int:
        """The (onset) class of a MIDI pitch inside the range."""
        if not self.low <= pitch <= self.high:
            raise MusicnbError(f"Pitch {pitch} is outside the melody range {self.low}-{self.high}.")
        return (N_SPECIAL if self.hold else 1) + int(pitch) - self.low

    def chord_class(self, label: str) -> int:
        """Class of a chord symbol (simplified first); unknown chords are "other"."""
        self._require_fitted()
        name = self.simplify(label)
        rare = OTHER_CHORD_CLASS if self.rare_chord == "other" else NO_CHORD_CLASS
        return self._chord_index.get(name, rare)

    def simplify(self, label: str) -> str:
        """Root + quality spelling used as a class name (``'G7/B' -> 'G'`` without sevenths)."""
        if str(label) == OTHER_CHORD:
            return OTHER_CHORD
        name = simplify_chord_label(label, sevenths=self.sevenths)
        if self.diminished_as_minor and name != NO_CHORD:
            parsed = parse_chord_label(name)
            if parsed is not None and parsed[1] == "dim":
                name = chord_name(parsed[0], "min")
        return name

    # ------------------------------------------------------------------ reading a piece
    def _prepared(self, piece: Piece) -> Piece:
        shift = shift_to_c_or_a(piece) if self.transpose else 0
        return piece.transpose(shift) if shift else piece

    def _melody_and_length(self, piece: Piece) -> np.ndarray:
        if piece.n_notes and self.melody_part >= piece.n_parts:
            raise MusicnbError(
                f"{piece.title or 'This piece'} has {piece.n_parts} part(s); "
                f"melody_part={self.melody_part} does not exist."
            )
        tokens = self.events.encode(piece)
        if self.hold:
            return tokens
        melody = np.zeros_like(tokens)
        current = 0
        for step, token in enumerate(tokens.tolist()):
            if token == REST:
                current = 0
            elif token >= N_SPECIAL:
                current = token - 1
            melody[step] = current
        return melody

    def chord_labels(self, piece: Piece, n_steps: int | None = None) -> list[str]:
        """Simplified chord name at every grid step (before mapping to classes).

        From ``piece.chords`` when present, else detected from the non-melody parts.
        """
        spq = self.steps_per_quarter
        if n_steps is None:
            n_steps = max(int(np.ceil(piece.end * spq - 1e-9)), 1)
        labels = [NO_CHORD] * n_steps
        if piece.chords:
            for chord in piece.chords:
                name = self.simplify(chord.label)
                first = max(int(np.rint(chord.start * spq)), 0)
                last = min(int(np.rint((chord.start + chord.duration) * spq)), n_steps)
                for step in range(first, last):
                    labels[step] = name
            return labels
        harmony = piece.part != self.melody_part
        if not harmony.any():
            return labels
        pitch = piece.pitch[harmony].astype(np.int64)
        first = np.rint(piece.start[harmony] * spq).astype(np.int64)
        last = np.maximum(
            np.rint((piece.start[harmony] + piece.duration[harmony]) * spq).astype(np.int64),
            first + 1,
        )
        sounding: list[set[int]] = [set() for _ in range(n_steps)]
        for p, a, b in zip(pitch.tolist(), first.tolist(), last.tolist()):
            for step in range(max(a, 0), min(b, n_steps)):
                sounding[step].add(p % 12)
        cache: dict[frozenset[int], str] = {}
        for step in range(0, n_steps, self.chord_every):
            key = frozenset(sounding[step])
            if key not in cache:
                cache[key] = self.simplify(detect_chord(set(key), sevenths=self.sevenths))
            labels[step : step + self.chord_every] = [cache[key]] * len(
                labels[step : step + self.chord_every]
            )
        return labels

    # ------------------------------------------------------------------ fitting
    def fit(self, pieces: Iterable[Piece]) -> MelodyHarmonyEncoder:
        """Build the chord vocabulary from ``pieces`` (pass the TRAINING split only).

        Chords occurring fewer than ``min_count`` times (runs of equal steps count once) fall
        into "other". Returns the encoder, so ``enc = MelodyHarmonyEncoder().fit(train)`` works.
        """
        counts: Counter[str] = Counter()
        n = 0
        for piece in pieces:
            n += 1
            piece = self._prepared(piece)
            melody = self._melody_and_length(piece)
            labels = self.chord_labels(piece, len(melody))
            previous = None
            for label in labels:
                if label != NO_CHORD and (label != previous or self.count_by == "steps"):
                    counts[label] += 1
                previous = label
        if n == 0:
            raise MusicnbError("fit() got no pieces; pass the training split (a list of Piece).")
        if not counts:
            raise MusicnbError(
                f"None of the {n} training pieces has a chord: they carry no chord symbols and "
                "no harmony part to detect chords from. A folder of melody-only files (such as "
                "the Nottingham MIDI/melody/ copies) cannot train the chord head; load the "
                "two-track files (melody + chords) instead."
            )
        self.chord_counts = dict(counts)
        kept = sorted(
            (name for name, c in counts.items() if c >= self.min_count),
            key=lambda name: (-counts[name], name),
        )
        self._set_chord_vocabulary([NO_CHORD, OTHER_CHORD, *kept])
        return self

    # ------------------------------------------------------------------ encoding
    def encode(self, piece: Piece) -> tuple[np.ndarray, np.ndarray]:
        """``(melody, chords)``: two int32 arrays of the same length, one value per grid step."""
        piece = a_piece(piece, f"{type(self).__name__}.encode")
        self._require_fitted()
        piece = self._prepared(piece)
        melody = self._melody_and_length(piece)
        labels = self.chord_labels(piece, len(melody))
        rare = OTHER_CHORD_CLASS if self.rare_chord == "other" else NO_CHORD_CLASS
        chords = np.array([self._chord_index.get(label, rare) for label in labels], np.int32)
        return melody.astype(np.int32), chords

    def encode_many(
        self, pieces: Iterable[Piece], min_notes: int = 1
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Melody and chord arrays of every piece with at least ``min_notes`` melody notes."""
        melodies, chords = [], []
        for piece in pieces_of(pieces, f"{type(self).__name__}.encode_many"):
            melody, chord = self.encode(piece)
            onsets = (
                int(np.count_nonzero(melody >= N_SPECIAL))
                if self.hold
                else int(np.count_nonzero(np.diff(np.concatenate([[0], melody])) != 0))
            )
            if onsets >= min_notes:
                melodies.append(melody)
                chords.append(chord)
        if not melodies:
            raise MusicnbError(
                f"No piece had a melody in part {self.melody_part} within "
                f"{self.low}-{self.high}; check melody_part and the range."
            )
        return melodies, chords

    # ------------------------------------------------------------------ decoding
    def melody_to_events(self, melody: Any) -> np.ndarray:
        """Melody classes as :class:`EventEncoder` tokens (rest / hold / onset)."""
        array = np.asarray(melody).reshape(-1).astype(np.int64)
        if self.hold:
            return array
        tokens = np.zeros_like(array)
        previous = 0
        for step, value in enumerate(array.tolist()):
            if value < 0 or value >= self.n_melody:
                value = 0
            if value == 0:
                tokens[step] = REST
            elif value == previous:
                tokens[step] = HOLD
            else:
                tokens[step] = value + 1
            previous = value
        return tokens

    def chord_spans(self, chords: Any) -> tuple[ChordLabel, ...]:
        """Runs of equal chord classes as :class:`ChordLabel` s (N.C. and "other" left out)."""
        vocabulary = self._require_fitted()
        array = np.asarray(chords).reshape(-1).astype(np.int64)
        spq = self.steps_per_quarter
        spans: list[ChordLabel] = []
        step = 0
        while step < len(array):
            value = int(array[step])
            end = step + 1
            while end < len(array) and int(array[end]) == value:
                end += 1
            if 2 <= value < len(vocabulary):
                spans.append(ChordLabel(step / spq, (end - step) / spq, vocabulary[value]))
            step = end
        return tuple(spans)

    def decode_with_repairs(
        self, melody: Any, chords: Any, tempo: float = 120.0, title: str = "", **info: Any
    ) -> tuple[Piece, int]:
        """``(piece, n_repairs)``: melody as part 0, chords as ``Piece.chords`` labels."""
        self._require_fitted()
        melody = np.asarray(melody).reshape(-1)
        chords = np.asarray(chords).reshape(-1)
        if len(melody) != len(chords):
            raise MusicnbError(
                f"melody has {len(melody)} steps but chords has {len(chords)}; "
                "decode needs one chord class per melody step."
            )
        piece, repairs = self.events.decode_with_repairs(
            self.melody_to_events(melody), tempo=tempo, title=title, **info
        )
        bad = int(np.count_nonzero((chords < 0) | (chords >= self.n_chords)))
        from dataclasses import replace

        return replace(piece, chords=self.chord_spans(chords)), repairs + bad

    def decode(
        self,
        melody: Any,
        chords: Any,
        tempo: float = 120.0,
        title: str = "",
        chord_notes: bool = False,
        **info: Any,
    ) -> Piece:
        """Piece with the melody as part 0 and the chord classes as chord labels, so
        ``musicnb.midi.write(piece, path, chord_track=True)`` renders them as a second track.

        ``chord_notes=True`` also plays every chord as a block chord in part 1 (root between
        C3 and B3, the other tones above it, softer than the melody) so that audio rendering,
        which plays notes only, lets you hear the harmony.
        """
        piece = self.decode_with_repairs(melody, chords, tempo=tempo, title=title, **info)[0]
        return self.with_chord_notes(piece) if chord_notes else piece

    @staticmethod
    def with_chord_notes(piece: Piece, velocity: int = 60) -> Piece:
        """A copy of ``piece`` with its chord labels added as block chords in a new part."""
        from ..harmony import chord_pitch_classes

        rows = [
            (int(p), float(s), float(d), int(v), int(q))
            for p, s, d, v, q in zip(
                piece.pitch, piece.start, piece.duration, piece.velocity, piece.part
            )
        ]
        part = piece.n_parts if piece.n_notes else 1
        for chord in piece.chords:
            classes = chord_pitch_classes(chord.label)
            if not classes:
                continue
            root = 48 + classes[0]
            for pc in classes:
                rows.append(
                    (root + (pc - classes[0]) % 12, chord.start, chord.duration, velocity, part)
                )
        return piece.with_notes(
            pitch=[r[0] for r in rows],
            start=[r[1] for r in rows],
            duration=[r[2] for r in rows],
            velocity=[r[3] for r in rows],
            part=[r[4] for r in rows],
        )

    # ------------------------------------------------------------------ saving
    def to_config(self) -> dict[str, Any]:
        return {
            "type": self.type_name,
            "steps_per_quarter": self.steps_per_quarter,
            "low": self.low,
            "high": self.high,
            "melody_part": self.melody_part,
            "hold": self.hold,
            "sevenths": self.sevenths,
            "min_count": self.min_count,
            "transpose": self.transpose,
            "out_of_range": self.out_of_range,
            "chord_every": self.chord_every,
            "count_by": self.count_by,
            "rare_chord": self.rare_chord,
            "diminished_as_minor": self.diminished_as_minor,
            "chord_vocabulary": self._chords,
            "melody_vocabulary": self.melody_vocabulary,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> MelodyHarmonyEncoder:
        config = {k: v for k, v in config.items() if k not in ("type", "melody_vocabulary")}
        return cls(**config)

    def __repr__(self) -> str:
        chords = len(self._chords) if self._chords is not None else "unfitted"
        return (
            f"MelodyHarmonyEncoder(low={self.low}, high={self.high}, "
            f"melody_part={self.melody_part}, hold={self.hold}, sevenths={self.sevenths}, "
            f"n_melody={self.n_melody}, n_chords={chords})"
        )

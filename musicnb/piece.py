"""``Piece``: one tune as plain NumPy arrays, independent of any music library.

Loaders turn music21 streams, MIDI files or the JSB pickle into a :class:`Piece`; everything
after the loader (encoders, plots, audio, MIDI export) reads only this record. Time is measured
in quarter notes (music21's ``offset``/``quarterLength``), never in seconds or MIDI ticks, so a
16th note is always 0.25 whatever the tempo or the file's tick resolution.

A note ``i`` sounds MIDI pitch ``pitch[i]`` from ``start[i]`` to ``start[i] + duration[i]``
with loudness ``velocity[i]`` (1–127) in part ``part[i]`` (0 = the first part, usually the
melody or the soprano). Chord labels (``chords``) are symbols such as ``"G"``, ``"Em7"`` or
``"D7"`` over a span of quarter notes; pieces without chord symbols have none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

from .errors import MusicnbError

PITCH_NAMES = ("C", "C#", "D", "E-", "E", "F", "F#", "G", "G#", "A", "B-", "B")


class ChordLabel(NamedTuple):
    """A chord symbol sounding from ``start`` for ``duration`` quarter notes."""

    start: float
    duration: float
    label: str


class Note(NamedTuple):
    """One note, as yielded by :meth:`Piece.notes`."""

    pitch: int
    start: float
    duration: float
    velocity: int
    part: int


def pitch_name(midi_pitch: int) -> str:
    """Scientific pitch name of a MIDI number: ``60 -> 'C4'``, ``70 -> 'B-4'`` (music21 style)."""
    return f"{PITCH_NAMES[int(midi_pitch) % 12]}{int(midi_pitch) // 12 - 1}"


def pitch_label(midi_pitch: int) -> str:
    """The pitch name a musician reads, for plots and printed text: ``70 -> 'B♭4'``,
    ``66 -> 'F♯4'`` (:func:`pitch_name` keeps music21's ``'B-4'`` for tokens and files)."""
    return pitch_name(midi_pitch).replace("-", "♭").replace("#", "♯")


def _array(values: Any, dtype: Any, name: str) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=dtype).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise MusicnbError(f"Piece.{name} must be a sequence of numbers: {exc}") from exc
    return array


@dataclass(frozen=True, eq=False)
class Piece:
    """One tune: notes as parallel NumPy arrays plus what is known about it.

    Build one with :meth:`Piece.from_notes` (a list of ``(pitch, start, duration[, velocity,
    part])`` tuples) or directly from arrays; the arrays are checked and sorted by
    ``(start, part, -pitch)``.

    Construction takes any sequences of numbers (``velocity`` and ``part`` may be left out:
    90 and part 0); after it every note field is a read-only NumPy array of one value per
    note, so ``velocity`` and ``part`` are never ``None`` on a built piece.
    """

    pitch: np.ndarray
    start: np.ndarray
    duration: np.ndarray
    # None (the default) becomes 90s / zeros in __post_init__: an array after construction
    velocity: np.ndarray = field(default=cast(np.ndarray, None))
    part: np.ndarray = field(default=cast(np.ndarray, None))
    title: str = ""
    source: str = ""
    key: str | None = None
    time_signature: str = "4/4"
    tempo: float = 120.0
    chords: tuple[ChordLabel, ...] = ()
    part_names: tuple[str, ...] = ()
    programs: tuple[int, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)

    if TYPE_CHECKING:  # what construction accepts; the dataclass writes the real __init__

        def __init__(
            self,
            pitch: ArrayLike,
            start: ArrayLike,
            duration: ArrayLike,
            velocity: ArrayLike | None = None,
            part: ArrayLike | None = None,
            title: str = "",
            source: str = "",
            key: str | None = None,
            time_signature: str = "4/4",
            tempo: float = 120.0,
            chords: Iterable[tuple[float, float, str]] = (),
            part_names: Iterable[str] = (),
            programs: Iterable[int] = (),
            metadata: dict[str, Any] = ...,
        ) -> None: ...

    def __post_init__(self) -> None:
        pitch = _array(self.pitch, np.int16, "pitch")
        n = len(pitch)
        start = _array(self.start, np.float64, "start")
        duration = _array(self.duration, np.float64, "duration")
        velocity = (
            np.full(n, 90, np.int16)
            if self.velocity is None
            else _array(self.velocity, np.int16, "velocity")
        )
        part = np.zeros(n, np.int16) if self.part is None else _array(self.part, np.int16, "part")
        for name, array in (
            ("start", start),
            ("duration", duration),
            ("velocity", velocity),
            ("part", part),
        ):
            if len(array) != n:
                raise MusicnbError(
                    f"Piece.{name} has {len(array)} values but pitch has {n}: every note needs "
                    "a pitch, start, duration, velocity and part."
                )
        if n:
            if pitch.min() < 0 or pitch.max() > 127:
                raise MusicnbError(
                    f"Piece pitches must be MIDI numbers 0-127, got "
                    f"{int(pitch.min())}..{int(pitch.max())}."
                )
            if not np.all(np.isfinite(start)) or not np.all(np.isfinite(duration)):
                raise MusicnbError(
                    "Piece start and duration must be finite numbers of quarter notes."
                )
            if start.min() < 0:
                raise MusicnbError(f"Piece starts must be >= 0 quarter notes, got {start.min()}.")
            if duration.min() <= 0:
                raise MusicnbError(
                    "Piece durations must be > 0 quarter notes; drop grace notes "
                    "(duration 0) before building a Piece."
                )
            if velocity.min() < 1 or velocity.max() > 127:
                raise MusicnbError("Piece velocities must be 1-127.")
            if part.min() < 0:
                raise MusicnbError("Piece part numbers must be >= 0.")
        if not np.isfinite(self.tempo) or self.tempo <= 0:
            raise MusicnbError(
                f"Piece.tempo must be a positive number of quarter notes per minute, "
                f"got {self.tempo!r}."
            )
        order = np.lexsort((-pitch.astype(np.int32), part, start))
        for name, array in (
            ("pitch", pitch),
            ("start", start),
            ("duration", duration),
            ("velocity", velocity),
            ("part", part),
        ):
            array = array[order]
            array.setflags(write=False)
            object.__setattr__(self, name, array)
        chords = tuple(
            sorted(
                (ChordLabel(float(s), float(d), str(lab)) for s, d, lab in self.chords),
                key=lambda c: c.start,
            )
        )
        object.__setattr__(self, "chords", chords)
        object.__setattr__(self, "part_names", tuple(str(p) for p in self.part_names))
        object.__setattr__(self, "programs", tuple(int(p) for p in self.programs))
        object.__setattr__(self, "tempo", float(self.tempo))

    # ----------------------------------------------------------------- construction
    @classmethod
    def from_notes(cls, notes: Iterable[tuple], **info: Any) -> Piece:
        """Build a piece from ``(pitch, start, duration[, velocity[, part]])`` tuples.

        >>> Piece.from_notes([(60, 0, 1), (64, 1, 1), (67, 2, 2)], title="arpeggio").n_notes
        3
        """
        rows = [tuple(n) for n in notes]
        for row in rows:
            if not 3 <= len(row) <= 5:
                raise MusicnbError(
                    f"A note is (pitch, start, duration[, velocity[, part]]), got {row!r}."
                )
        pitch = [r[0] for r in rows]
        start = [r[1] for r in rows]
        duration = [r[2] for r in rows]
        velocity = [r[3] if len(r) > 3 else 90 for r in rows]
        part = [r[4] if len(r) > 4 else 0 for r in rows]
        return cls(pitch, start, duration, velocity, part, **info)

    def with_notes(
        self,
        pitch: Any,
        start: Any,
        duration: Any,
        velocity: Any = None,
        part: Any = None,
        **changes: Any,
    ) -> Piece:
        """A copy with new note arrays and the same metadata (unless ``changes`` say otherwise)."""
        return replace(
            self,
            pitch=pitch,
            start=start,
            duration=duration,
            velocity=velocity,
            part=part,
            **changes,
        )

    # ----------------------------------------------------------------- reading
    @property
    def n_notes(self) -> int:
        """How many notes the piece has."""
        return int(len(self.pitch))

    def __len__(self) -> int:
        return self.n_notes

    @property
    def end(self) -> float:
        """Where the last note (or chord label) stops, in quarter notes."""
        ends = [float((self.start + self.duration).max())] if self.n_notes else [0.0]
        ends += [c.start + c.duration for c in self.chords]
        return max(ends)

    @property
    def n_parts(self) -> int:
        """Number of parts (highest part index + 1)."""
        return int(self.part.max()) + 1 if self.n_notes else 0

    @property
    def pitch_range(self) -> tuple[int, int]:
        """Lowest and highest MIDI pitch, or ``(0, 0)`` for an empty piece."""
        return (int(self.pitch.min()), int(self.pitch.max())) if self.n_notes else (0, 0)

    @property
    def seconds(self) -> float:
        """Length in seconds at the piece's tempo (quarter notes per minute)."""
        return self.end * 60.0 / self.tempo

    def notes(self) -> list[Note]:
        """The notes as a list of :class:`Note` tuples, in time order."""
        return [
            Note(int(p), float(s), float(d), int(v), int(q))
            for p, s, d, v, q in zip(
                self.pitch, self.start, self.duration, self.velocity, self.part
            )
        ]

    def select(self, mask: np.ndarray, **changes: Any) -> Piece:
        """A copy keeping only the notes where the boolean ``mask`` is true."""
        mask = np.asarray(mask, bool)
        return self.with_notes(
            self.pitch[mask],
            self.start[mask],
            self.duration[mask],
            self.velocity[mask],
            self.part[mask],
            **changes,
        )

    def part_piece(self, index: int) -> Piece:
        """Only the notes of part ``index`` (renumbered as part 0)."""
        if not 0 <= index < max(self.n_parts, 1):
            raise MusicnbError(
                f"Part {index} does not exist: this piece has {self.n_parts} part(s)."
            )
        mask = self.part == index
        names = (self.part_names[index],) if index < len(self.part_names) else ()
        programs = (self.programs[index],) if index < len(self.programs) else ()
        return self.with_notes(
            self.pitch[mask],
            self.start[mask],
            self.duration[mask],
            self.velocity[mask],
            np.zeros(int(mask.sum()), np.int16),
            part_names=names,
            programs=programs,
        )

    def transpose(self, semitones: int) -> Piece:
        """The piece moved by ``semitones`` (key and chord roots move too)."""
        semitones = int(semitones)
        if semitones == 0:
            return self
        pitch = self.pitch.astype(np.int32) + semitones
        if self.n_notes and (pitch.min() < 0 or pitch.max() > 127):
            raise MusicnbError(f"Transposing by {semitones} semitones leaves the MIDI range 0-127.")
        from .harmony import transpose_chord_label, transpose_key_name

        chords = tuple(
            ChordLabel(c.start, c.duration, transpose_chord_label(c.label, semitones))
            for c in self.chords
        )
        key = transpose_key_name(self.key, semitones) if self.key else self.key
        return replace(
            self,
            pitch=pitch,
            start=self.start,
            duration=self.duration,
            velocity=self.velocity,
            part=self.part,
            chords=chords,
            key=key,
        )

    def slice(self, begin: float, end: float) -> Piece:
        """Notes starting in ``[begin, end)`` quarter notes, shifted to start at 0 and cut at ``end``."""
        if end <= begin:
            raise MusicnbError(f"slice needs end > begin, got {begin}..{end}.")
        mask = (self.start >= begin) & (self.start < end)
        start = self.start[mask] - begin
        duration = np.minimum(self.duration[mask], end - self.start[mask])
        chords = tuple(
            ChordLabel(
                max(c.start, begin) - begin,
                min(c.start + c.duration, end) - max(c.start, begin),
                c.label,
            )
            for c in self.chords
            if c.start < end and c.start + c.duration > begin
        )
        return self.with_notes(
            self.pitch[mask], start, duration, self.velocity[mask], self.part[mask], chords=chords
        )

    # ----------------------------------------------------------------- (de)serialising
    def to_dict(self) -> dict[str, Any]:
        """Plain Python/NumPy values, for caching (``np.savez``/pickle) and tests."""
        return {
            "pitch": self.pitch.copy(),
            "start": self.start.copy(),
            "duration": self.duration.copy(),
            "velocity": self.velocity.copy(),
            "part": self.part.copy(),
            "title": self.title,
            "source": self.source,
            "key": self.key,
            "time_signature": self.time_signature,
            "tempo": self.tempo,
            "chords": [tuple(c) for c in self.chords],
            "part_names": list(self.part_names),
            "programs": list(self.programs),
            "metadata": dict(self.metadata),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Piece:
        """Inverse of :meth:`to_dict`."""
        data = dict(data)
        data["chords"] = tuple(ChordLabel(*c) for c in data.get("chords", ()))
        data["part_names"] = tuple(data.get("part_names", ()))
        data["programs"] = tuple(data.get("programs", ()))
        return cls(**data)

    def same_notes(self, other: Piece, tolerance: float = 1e-6) -> bool:
        """True when both pieces hold the same notes (pitch, start, duration, part)."""
        if self.n_notes != other.n_notes:
            return False
        return (
            np.array_equal(self.pitch, other.pitch)
            and np.array_equal(self.part, other.part)
            and np.allclose(self.start, other.start, atol=tolerance)
            and np.allclose(self.duration, other.duration, atol=tolerance)
        )

    def __repr__(self) -> str:
        low, high = self.pitch_range
        title = self.title or "untitled"
        return (
            f"Piece({title!r}, {self.n_notes} notes, {self.n_parts} part(s), "
            f"{self.end:g} quarters, key={self.key}, {self.time_signature}, "
            f"{f'pitch {pitch_label(low)}-{pitch_label(high)}' if self.n_notes else 'no pitches'}, "
            f"{len(self.chords)} chord labels)"
        )

    def __str__(self) -> str:
        """The repr, wrapped at word boundaries for a notebook's output (``print(piece)``)."""
        from .printed import wrap

        return wrap(repr(self), indent="      ")

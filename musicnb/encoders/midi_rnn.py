"""The piano-roll representation of *midi-rnn* (Branger_Briz; code: brannondorsey/midi-rnn).

What the original does (its ``utils.py``, read at commit d4822e4; facts only, no code taken):

* every MIDI file is read with ``pretty_midi``, which turns ticks into **seconds** with the
  file's tempo map (tempo events of the first track, 120 BPM until the first one);
* an *instrument* (pretty_midi's unit: one (track, channel, program); drums included) is kept
  only if it is **100 % monophonic**: in its piano roll at 100 frames/s every frame that sounds
  anything sounds exactly one pitch (``filter_monophonic(instruments, 1.0)``), and only if it
  has more notes than the window. pretty_midi's ``Instrument.get_piano_roll`` does not look at
  ``is_drum``, so a monophonic **drum track passes the filter** and its drum keys (35 = bass
  drum, 42 = closed hi-hat ...) become "pitches" the model must predict;
* the kept instrument becomes frames of **0.25 s** (``get_piano_roll(fs=4)``): note ``n``
  fills frames ``int(4·start) .. int(4·end) − 1``, whatever the tempo or metre, so a 16th note
  at 120 BPM (0.125 s) may vanish and a quarter at 90 BPM lasts 2.67 frames;
* leading silence is trimmed; each frame is a 129-way one-hot: **class 0 = rest**, class
  ``k + 1`` = MIDI pitch ``k``; there is no *hold* class, so a long note is the same class
  repeated (and two repeated notes in a row cannot be told from one long note);
* windows: input frames ``i .. i+W−1``, target frame ``i+W+1`` — one frame *after* the next
  one (``for i in range(0, len(roll) − W − 1)``): the model learns to skip a frame;
* the split: ``train = files[:int(0.2·n)]``, ``validation = files[int(0.2·n):]`` — the
  comment says "use 20 percent for validation", the code trains on the first 20 %.

Departures, said where they are: a frame in which the 4 frames/s roll sounds two pitches (two
notes overlapping by less than 10 ms pass the 100 frames/s filter) is encoded as rest, where
the original writes a multi-hot target with the rest bit on; the sustain pedal is ignored (as
in pretty_midi 0.2.7, the version midi-rnn pins).

The course's own representation, the rest / hold / onset 16th-note grid measured in beats, is
:class:`~musicnb.encoders.events.EventEncoder`; notebook 03 trains both on the same files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import MusicnbError
from ..piece import Piece, pitch_name
from ..validation import a_piece
from .saving import SavedAsConfig

REST = 0
N_CLASSES = 129
#: midi-rnn's frame rate (frames per second) and its monophony-test frame rate.
FRAMES_PER_SECOND = 4
FILTER_FRAMES_PER_SECOND = 100
DRUM_CHANNEL = 9


@dataclass
class MidiInstrument:
    """One pretty_midi-style instrument: the notes of one (track, channel, program).

    ``start``/``end`` are seconds (through the tempo map), ``start_beat``/``end_beat`` quarter
    notes (ticks / ticks per beat), so the same notes feed midi-rnn's frames and the course's
    16th-note grid.
    """

    track: int
    channel: int
    program: int
    name: str = ""
    pitch: list[int] = field(default_factory=list)
    start: list[float] = field(default_factory=list)
    end: list[float] = field(default_factory=list)
    start_beat: list[float] = field(default_factory=list)
    end_beat: list[float] = field(default_factory=list)
    velocity: list[int] = field(default_factory=list)

    @property
    def is_drum(self) -> bool:
        """General MIDI channel 10 (index 9) is the drum kit."""
        return self.channel == DRUM_CHANNEL

    @property
    def n_notes(self) -> int:
        return len(self.pitch)

    def to_piece(self, title: str = "", source: str = "") -> Piece:
        """The notes in quarter notes (beats), for the course's encoders."""
        return Piece(
            pitch=np.asarray(self.pitch, dtype=np.int64),
            start=np.asarray(self.start_beat, dtype=np.float64),
            duration=np.asarray(self.end_beat, dtype=np.float64)
            - np.asarray(self.start_beat, dtype=np.float64),
            velocity=np.asarray(self.velocity, dtype=np.int64),
            title=title,
            source=source,
            programs=(self.program,),
            metadata={"drum": self.is_drum, "track": self.track, "channel": self.channel},
        )


def ticks_to_seconds(
    ticks: np.ndarray, tempo_map: list[tuple[int, int]], ticks_per_beat: int
) -> np.ndarray:
    """Seconds of each tick through a piecewise-constant tempo map.

    ``t(tick) = T_j + (tick − tick_j) · tempo_j / (10⁶ · ticks_per_beat)`` for the last tempo
    change ``j`` at or before ``tick`` (``T_j`` = seconds at ``tick_j``).
    """
    ticks = np.asarray(ticks, dtype=np.float64)
    starts = np.array([t for t, _ in tempo_map], dtype=np.float64)
    tempos = np.array([u for _, u in tempo_map], dtype=np.float64)
    scale = tempos / (1e6 * ticks_per_beat)
    offsets = np.concatenate([[0.0], np.cumsum(np.diff(starts) * scale[:-1])])
    j = np.searchsorted(starts, ticks, side="right") - 1
    return offsets[j] + (ticks - starts[j]) * scale[j]


def read_instruments(source: Any) -> list[MidiInstrument]:
    """Read a MIDI file (path or bytes) into pretty_midi-style instruments.

    The notes come from the package's one MIDI parser, :func:`musicnb.midi.read_content`, under
    its ``"pretty_midi"`` pairing rules: a note-off closes every open note of that (channel,
    pitch) that did not start on the same tick; notes never closed are dropped and notes with
    ``end <= start`` removed; one instrument per (track, channel, program); drums kept. Ticks
    become seconds through the first track's tempo map, as pretty_midi does. Raises
    :class:`MusicnbError` for anything that is not a readable metrical MIDI file, and for a
    file that would last longer than :data:`~musicnb.corpus.load.PLAUSIBLE_MINUTES` (a broken
    file whose piano roll would not fit in memory).
    """
    from ..corpus.load import PLAUSIBLE_MINUTES
    from ..midi import read_content

    content = read_content(source, drums=True, rules="pretty_midi")
    resolution = content.ticks_per_beat
    result = []
    for voice in content.voices:
        notes = sorted(zip(voice.pitch, voice.begin, voice.end, voice.velocity))
        pitch, begin_ticks, end_ticks, velocities = (np.array(col) for col in zip(*notes))
        seconds_begin = ticks_to_seconds(begin_ticks, content.tempo_map, resolution)
        seconds_end = ticks_to_seconds(end_ticks, content.tempo_map, resolution)
        last = float(seconds_end.max())
        if last > PLAUSIBLE_MINUTES * 60:
            raise MusicnbError(
                f"implausible length: a note of track {voice.track + 1} ends after "
                f"{last / 3600:.1f} hours (ticks per beat {resolution}); check the file, "
                "or leave it out."
            )
        inst = MidiInstrument(voice.track, voice.channel, voice.program, voice.name)
        inst.pitch = [int(p) for p in pitch]
        inst.start, inst.end = seconds_begin.tolist(), seconds_end.tolist()
        inst.start_beat = (begin_ticks / resolution).tolist()
        inst.end_beat = (end_ticks / resolution).tolist()
        inst.velocity = [int(v) for v in velocities]
        result.append(inst)
    return result


def piano_roll(
    pitch: Iterable[int], start: Iterable[float], end: Iterable[float], fs: float
) -> np.ndarray:
    """pretty_midi's ``Instrument.get_piano_roll(fs)`` as a boolean ``(frames, 128)`` array:
    ``int(fs · max(end))`` frames, note ``n`` on in frames ``int(fs·start_n) .. int(fs·end_n)−1``."""
    from ..corpus.load import PLAUSIBLE_MINUTES

    pitch = np.asarray(list(pitch), dtype=np.int64)
    start = np.asarray(list(start), dtype=np.float64)
    end = np.asarray(list(end), dtype=np.float64)
    if pitch.size == 0:
        return np.zeros((0, 128), dtype=bool)
    if not float(end.max()) <= PLAUSIBLE_MINUTES * 60:
        raise MusicnbError(
            f"implausible length: notes up to {float(end.max()) / 3600:.1f} hours "
            f"(at most {PLAUSIBLE_MINUTES / 60:g} hours are read); check the file, or leave it out."
        )
    roll = np.zeros((int(fs * end.max()), 128), dtype=bool)
    for p, a, b in zip(pitch, (fs * start).astype(np.int64), (fs * end).astype(np.int64)):
        roll[a:b, p] = True
    return roll


def percent_monophonic(roll: np.ndarray) -> float:
    """Share of sounding frames that sound exactly one pitch (midi-rnn's monophony test);
    0.0 for an empty roll."""
    counts = roll.sum(axis=1)
    sounding = np.count_nonzero(counts)
    return float(np.count_nonzero(counts == 1)) / sounding if sounding else 0.0


def is_monophonic(instrument: MidiInstrument, threshold: float = 1.0) -> bool:
    """midi-rnn's ``filter_monophonic``: the instrument's 100 frames/s roll is at least
    ``threshold`` monophonic (1.0 in its training code). Drums are *not* excluded."""
    roll = piano_roll(instrument.pitch, instrument.start, instrument.end, FILTER_FRAMES_PER_SECOND)
    return percent_monophonic(roll) >= threshold


class MidiRnnEncoder(SavedAsConfig):
    """Notes in seconds ↔ midi-rnn's 129-class frames (0 = rest, ``k + 1`` = MIDI pitch ``k``).

    ``encode_notes(pitch, start_s, end_s)`` is the original's ``_encode_sliding_windows``
    before the windowing: 4 frames/s roll, leading silence trimmed, a frame that sounds
    exactly one pitch ``k`` is ``k + 1``, any other frame is rest (0). ``decode`` is its
    ``_network_output_to_midi``: a run of equal classes is one note of ``run / 4`` seconds
    (so a repeated note cannot be expressed). Pieces come back at 60 BPM, where one quarter
    note is one second, so ``duration`` in quarters equals seconds.
    """

    type_name = "MidiRnnEncoder"

    def __init__(self, frames_per_second: float = FRAMES_PER_SECOND) -> None:
        if not float(frames_per_second) > 0:
            raise MusicnbError(
                f"frames_per_second must be > 0 (midi-rnn uses 4), got {frames_per_second!r}."
            )
        self.frames_per_second = float(frames_per_second)
        self.polyphonic_frames = 0

    @property
    def vocab_size(self) -> int:
        return N_CLASSES

    @property
    def vocabulary(self) -> list[str]:
        return ["rest"] + [pitch_name(k) for k in range(128)]

    def describe(self, frames: Any) -> list[str]:
        names = self.vocabulary
        return [names[int(f)] for f in np.asarray(frames).reshape(-1)]

    def encode_notes(
        self, pitch: Iterable[int], start: Iterable[float], end: Iterable[float]
    ) -> np.ndarray:
        """Frames (int32) of one monophonic line given in seconds."""
        roll = piano_roll(pitch, start, end, self.frames_per_second)
        sounding = roll.any(axis=1)
        if not sounding.any():
            return np.zeros(0, dtype=np.int32)
        roll = roll[int(np.argmax(sounding)) :]
        counts = roll.sum(axis=1)
        self.polyphonic_frames = int(np.count_nonzero(counts > 1))
        frames = np.where(counts == 1, roll.argmax(axis=1) + 1, REST)
        return frames.astype(np.int32)

    def encode_instrument(self, instrument: MidiInstrument) -> np.ndarray:
        return self.encode_notes(instrument.pitch, instrument.start, instrument.end)

    def encode(self, piece: Piece) -> np.ndarray:
        """Frames of a :class:`Piece` (all its notes) at its single tempo:
        ``seconds = quarters · 60 / tempo``."""
        piece = a_piece(piece, f"{type(self).__name__}.encode")
        scale = 60.0 / float(piece.tempo)
        return self.encode_notes(
            piece.pitch, piece.start * scale, (piece.start + piece.duration) * scale
        )

    def decode(self, frames: Any, title: str = "", **info: Any) -> Piece:
        frames = np.asarray(frames)
        if frames.ndim != 1 or (frames.size and (frames.min() < 0 or frames.max() >= N_CLASSES)):
            raise MusicnbError(
                f"midi-rnn frames are a 1-D array of classes 0..{N_CLASSES - 1}; "
                f"got shape {frames.shape}. Pass argmax/sampled classes, not "
                "probabilities."
            )
        step = 1.0 / self.frames_per_second
        notes = []
        i = 0
        while i < frames.size:
            j = i
            while j < frames.size and frames[j] == frames[i]:
                j += 1
            if frames[i] != REST:
                notes.append((int(frames[i]) - 1, i * step, (j - i) * step, 100, 0))
            i = j
        return Piece.from_notes(notes, tempo=60.0, title=title, **info)

    def to_config(self) -> dict[str, Any]:
        return {"type": self.type_name, "frames_per_second": self.frames_per_second}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> MidiRnnEncoder:
        return cls(frames_per_second=config.get("frames_per_second", FRAMES_PER_SECOND))

    def __repr__(self) -> str:
        return f"MidiRnnEncoder(frames_per_second={self.frames_per_second:g}, 129 classes)"


def midi_rnn_windows(
    sequences: Iterable[Any], window: int = 20, off_by_one: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Many-to-one windows of every sequence, as midi-rnn builds them.

    ``off_by_one=True`` (as published): ``X = s[i : i+W]``, ``y = s[i+W+1]`` for
    ``i = 0 .. len(s) − W − 2`` — the target skips frame ``i+W``. ``off_by_one=False``: the
    next frame, ``y = s[i+W]``, for ``i = 0 .. len(s) − W − 1``. Raises :class:`MusicnbError`
    when no sequence is long enough.
    """
    window = int(window)
    if window < 1:
        raise MusicnbError(f"window must be >= 1 (midi-rnn uses 20), got {window}.")
    gap = 1 if off_by_one else 0
    xs, ys = [], []
    lengths = []
    for seq in sequences:
        seq = np.asarray(seq, dtype=np.int32)
        lengths.append(seq.size)
        n = seq.size - window - gap
        if n <= 0:
            continue
        idx = np.arange(n)[:, None] + np.arange(window)[None, :]
        xs.append(seq[idx])
        ys.append(seq[np.arange(n) + window + gap])
    if not xs:
        longest = max(lengths, default=0)
        raise MusicnbError(
            f"window {window} is longer than every sequence (the longest has "
            f"{longest} frames): use a window below {max(longest - gap, 1)} or "
            "longer pieces."
        )
    return np.concatenate(xs), np.concatenate(ys)

"""Write a :class:`~musicnb.piece.Piece` to a Standard MIDI File and read one back.

The file we write is a type-1 Standard MIDI File (one track per part, as every DAW and
notation program expects; see the *Standard MIDI-File Format Spec. 1.1*, MIDI Manufacturers
Association) with a resolution of :data:`TICKS_PER_BEAT` = 480 ticks per quarter note:

* track 0, the *conductor track*: the title (``track_name``), the tempo (``set_tempo`` in
  microseconds per quarter note, ``60e6 / tempo``), the time signature and, when the key is
  major or minor, a key signature;
* one track per part: its name, a ``program_change`` (General MIDI instrument, 0 = piano) on
  its own channel (channel 10, index 9, is skipped: it is the drum channel), and the notes
  with their velocities. A note at ``start`` quarter notes of ``duration`` quarter notes
  becomes ``note_on`` at tick ``round(480 * start)`` and ``note_off`` at
  ``round(480 * (start + duration))``;
* optionally (``chord_track=True``), the chord labels as block chords on a last track named
  :data:`CHORD_TRACK_NAME`, each label also stored as a ``marker`` so :func:`read` can give the
  labels back exactly.

Files are written atomically (a temporary file in the same folder, then ``os.replace``), so
an interrupted write never leaves a half-written ``.mid`` behind. MIDI I/O uses `mido
<https://mido.readthedocs.io>`_.

Reading has one parser, :func:`read_content`: MIDI bytes or a file (type 0 or 1) to note lists
per (track, channel), in ticks, before any decision about parts. Times come from the file's own
resolution: a note whose ``note_on`` is at tick ``t`` in a file of ``ticks_per_beat = R`` starts
at ``t / R`` quarter notes, whatever the tempo (the header's *division* is ticks per quarter
note). A ``note_on`` with velocity 0 is a ``note_off``; overlapping notes of the same pitch are
closed first-in first-out; notes still sounding at the end of a track end there; zero-length
notes are dropped; channel 10 (index 9, General MIDI drums) is dropped and counted unless asked
for. Every failure, whatever mido raised, becomes a :class:`~musicnb.errors.MusicnbError`.
midi-rnn's reproduction reads through the same parser under pretty_midi's pairing rules
(``rules="pretty_midi"``, used by :func:`musicnb.encoders.midi_rnn.read_instruments`).

:func:`read` turns that into a :class:`Piece` the plain way (one part per track and channel, a
chord track written by :func:`write` back into chord labels); the corpus loader
(:mod:`musicnb.corpus`) reads the same content and handles the odd layouts of public data sets
(Nottingham and friends).
"""

from __future__ import annotations

import io
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from .atomic import atomic_path
from .errors import MusicnbError
from .piece import ChordLabel, Piece

#: Resolution of the files we write, in ticks per quarter note.
TICKS_PER_BEAT = 480
#: Name of the extra track holding chord labels as block chords.
CHORD_TRACK_NAME = "Chords (musicnb)"
#: General MIDI channel 10 (index 9) is reserved for drums.
DRUM_CHANNEL = 9
#: Velocity of the block chords on the chord track (quieter than the melody).
CHORD_VELOCITY = 60

# Key names mido accepts in a key_signature meta message, by pitch class.
_MAJOR_KEYS = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_MINOR_KEYS = ("Cm", "C#m", "Dm", "Ebm", "Em", "Fm", "F#m", "Gm", "G#m", "Am", "Bbm", "Bm")


def _mido():
    try:
        import mido
    except ImportError as exc:  # pragma: no cover - mido is a dependency
        raise MusicnbError(
            "MIDI needs the 'mido' package: run `pip install mido` "
            "(or `make lab`, which installs everything)."
        ) from exc
    return mido


def channel_of_part(part: int) -> int:
    """MIDI channel (0-15) for part ``part``: 0..8, then 10..15, skipping drum channel 9."""
    channel = int(part) % 15
    return channel if channel < DRUM_CHANNEL else channel + 1


def _time_signature(text: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(text or ""))
    if not match:
        return None
    numerator, denominator = int(match.group(1)), int(match.group(2))
    if numerator < 1 or denominator < 1 or denominator & (denominator - 1):
        return None  # MIDI stores the denominator as a power of two
    return numerator, denominator


def _key_signature(key: str | None) -> str | None:
    if not key:
        return None
    from .harmony import parse_key_name

    try:
        tonic, mode = parse_key_name(key)
    except MusicnbError:
        return None
    text = str(key).strip().lower()
    if " " in text and text.split()[-1] not in ("major", "minor"):
        return None  # modal keys (dorian, mixolydian, ...) have no MIDI key signature
    return (_MINOR_KEYS if mode == "minor" else _MAJOR_KEYS)[tonic]


def _key_name_from_midi(text: str) -> str | None:
    """``"Eb"`` / ``"F#m"`` (a key_signature meta message) as ``"E- major"`` / ``"F# minor"``;
    ``None`` for a name the harmony module does not know."""
    from .harmony import key_name, parse_key_name

    try:
        tonic, mode = parse_key_name(text if text.endswith("m") else text + " major")
    except MusicnbError:
        return None
    return key_name(tonic, mode)


def _chord_voicing(label: str) -> list[int]:
    """Close-position block chord for ``label``: root between C3 and B3, tones stacked above."""
    from .harmony import chord_pitch_classes

    classes = chord_pitch_classes(label)
    if not classes:
        return []
    root = 48 + classes[0]
    return [root + (pc - classes[0]) % 12 for pc in classes]


def with_chord_notes(piece: Piece, velocity: int = CHORD_VELOCITY) -> Piece:
    """A copy of ``piece`` whose chord labels also sound, as block chords in an extra last part.

    Each label becomes its chord tones (:func:`musicnb.harmony.chord_pitch_classes`) in close
    position with the root between C3 and B3, for the label's span; "N.C." adds nothing. A
    piece without chord labels is returned unchanged. :func:`musicnb.audio.render` uses this
    so that melody-and-chords tunes are heard with their harmony.
    """
    if not piece.chords:
        return piece
    rows = [
        (p, c.start, c.duration)
        for c in piece.chords
        if c.duration > 0
        for p in _chord_voicing(c.label)
    ]
    if not rows:
        return piece
    part = max(piece.n_parts, 1)
    names = tuple(piece.part_names[:part]) + ("",) * (part - len(piece.part_names[:part]))
    programs = tuple(piece.programs[:part]) + (0,) * (part - len(piece.programs[:part]))
    return piece.with_notes(
        np.concatenate([piece.pitch, [r[0] for r in rows]]).astype(np.int16),
        np.concatenate([piece.start, [r[1] for r in rows]]),
        np.concatenate([piece.duration, [r[2] for r in rows]]),
        np.concatenate([piece.velocity, np.full(len(rows), int(velocity))]).astype(np.int16),
        np.concatenate([piece.part, np.full(len(rows), part)]).astype(np.int16),
        part_names=names + ("chords",),
        programs=programs + (0,),
    )


def midi_text(text: str) -> str:
    """``text`` ready for a MIDI meta event (track name, marker): its UTF-8 bytes, one
    character per byte.

    The Standard MIDI File format stores meta text as plain bytes and mido writes them with
    Latin-1, which has no ``ţ`` or ``音``; writing the UTF-8 bytes (as DAWs such as Logic,
    Reaper and MuseScore do) keeps every title. :func:`text_from_midi` reverses it.
    """
    return str(text).encode("utf-8").decode("latin-1")


def text_from_midi(text: str) -> str:
    """Meta text read by mido (Latin-1) back to the written text: UTF-8 when the bytes are
    valid UTF-8 (files written by :func:`write` and most modern programs), else as read."""
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _track_events(mido, events: list[tuple[int, int, Any]]):
    """Sort ``(tick, order, message)`` triples and turn absolute ticks into delta times."""
    track = mido.MidiTrack()
    now = 0
    for tick, _, message in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(message.copy(time=tick - now))
        now = tick
    return track, now


def to_midi_file(piece: Piece, chord_track: bool = True):
    """The piece as a ``mido.MidiFile`` (type 1, 480 ticks per quarter note), not yet saved."""
    mido = _mido()
    if not isinstance(piece, Piece):
        raise MusicnbError(
            f"midi.write needs a musicnb.Piece, got {type(piece).__name__}; "
            "build one with Piece.from_notes or musicnb.load_corpus."
        )
    midi = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT)

    def ticks(quarters: npt.ArrayLike) -> np.ndarray:
        return np.rint(np.asarray(quarters, float) * TICKS_PER_BEAT).astype(np.int64)

    # Conductor track: title, tempo, time signature, key signature.
    conductor = [(0, 0, mido.MetaMessage("track_name", name=midi_text(piece.title or "musicnb")))]
    conductor.append((0, 1, mido.MetaMessage("set_tempo", tempo=int(round(60e6 / piece.tempo)))))
    signature = _time_signature(piece.time_signature)
    if signature:
        conductor.append(
            (
                0,
                2,
                mido.MetaMessage(
                    "time_signature", numerator=signature[0], denominator=signature[1]
                ),
            )
        )
    key = _key_signature(piece.key)
    if key:
        conductor.append((0, 3, mido.MetaMessage("key_signature", key=key)))
    end_tick = int(ticks([piece.end])[0])
    track, _ = _track_events(mido, conductor)
    track.append(mido.MetaMessage("end_of_track", time=max(0, end_tick)))
    midi.tracks.append(track)

    starts, ends = ticks(piece.start), ticks(piece.start + piece.duration)
    ends = np.maximum(ends, starts + 1)  # a very short note still lasts one tick
    n_parts = max(piece.n_parts, 1) if piece.n_notes else 0
    for part in range(n_parts):
        channel = channel_of_part(part)
        name = piece.part_names[part] if part < len(piece.part_names) else f"Part {part + 1}"
        program = piece.programs[part] if part < len(piece.programs) else 0
        events: list[tuple[int, int, Any]] = [
            (0, 0, mido.MetaMessage("track_name", name=midi_text(name))),
            (0, 1, mido.Message("program_change", channel=channel, program=int(program) % 128)),
        ]
        for i in np.flatnonzero(piece.part == part):
            pitch, velocity = int(piece.pitch[i]), int(piece.velocity[i])
            # note_off sorts before note_on at the same tick, so repeated notes re-sound.
            events.append(
                (
                    int(starts[i]),
                    3,
                    mido.Message("note_on", channel=channel, note=pitch, velocity=velocity),
                )
            )
            events.append(
                (int(ends[i]), 2, mido.Message("note_off", channel=channel, note=pitch, velocity=0))
            )
        track, _ = _track_events(mido, events)
        track.append(mido.MetaMessage("end_of_track", time=0))
        midi.tracks.append(track)

    if chord_track and piece.chords:
        channel = channel_of_part(n_parts)
        events = [
            (0, 0, mido.MetaMessage("track_name", name=CHORD_TRACK_NAME)),
            (0, 1, mido.Message("program_change", channel=channel, program=0)),
        ]
        for chord in piece.chords:
            begin = int(ticks([chord.start])[0])
            finish = max(begin + 1, int(ticks([chord.start + chord.duration])[0]))
            events.append((begin, 4, mido.MetaMessage("marker", text=midi_text(chord.label))))
            for pitch in _chord_voicing(chord.label):
                events.append(
                    (
                        begin,
                        5,
                        mido.Message(
                            "note_on", channel=channel, note=pitch, velocity=CHORD_VELOCITY
                        ),
                    )
                )
                events.append(
                    (finish, 2, mido.Message("note_off", channel=channel, note=pitch, velocity=0))
                )
        last = max(int(ticks([c.start + c.duration])[0]) for c in piece.chords)
        track, now = _track_events(mido, events)
        track.append(mido.MetaMessage("end_of_track", time=max(0, last - now)))
        midi.tracks.append(track)
    return midi


def write(piece: Piece, path: str | os.PathLike, chord_track: bool = True) -> Path:
    """Write ``piece`` as a type-1 MIDI file at ``path`` (atomically) and return the path.

    One track per part (name, program, velocities), tempo, time signature and key signature
    on the first track; with ``chord_track=True`` the chord labels (if any) become block
    chords on an extra track. The folder is created if missing.
    """
    midi = to_midi_file(piece, chord_track=chord_track)
    with atomic_path(path) as tmp, open(tmp, "wb") as stream:
        midi.save(file=stream)
    return Path(path)


@dataclass
class TrackNotes:
    """The notes of one (track, channel): ticks, pitches and velocities, plus names.

    ``name`` is the track's first name (the corpus loader's part name); ``name_at_start`` the
    name most recently set when the voice's first note began: a type-0 file can name its one
    track twice (the collection, then the piece), and :func:`read` names parts by the later.
    """

    track: int
    channel: int
    name: str
    program: int
    pitch: list[int] = field(default_factory=list)
    begin: list[int] = field(default_factory=list)
    end: list[int] = field(default_factory=list)
    velocity: list[int] = field(default_factory=list)
    name_at_start: str = ""


@dataclass
class MidiContent:
    """What :func:`read_content` found in a file, before any layout decision."""

    ticks_per_beat: int
    midi_type: int
    n_tracks: int
    tempo: float | None
    tempo_changes: int
    time_signature: str | None
    key: str | None
    track_names: list[str]
    voices: list[TrackNotes]  # in order of (track, first appearance of the channel)
    drum_notes: int  # note_on events on the drum channel that were dropped
    tracks_with_notes: list[int]
    markers: list[tuple[int, int, str]] = field(default_factory=list)  # (track, tick, text)
    #: ``[(tick, microseconds per beat), ...]``: the tempo changes of the first track, from
    #: ``(0, 500000)`` (120 BPM until the first one), as pretty_midi reads a tempo map
    tempo_map: list[tuple[int, int]] = field(default_factory=lambda: [(0, 500000)])


#: What the readers accept: a path, or the bytes of a file (an upload, a download).
MidiSource = str | os.PathLike | bytes | bytearray | memoryview


#: How note-ons and note-offs are paired (see :func:`read_content`).
PairingRules = Literal["musicnb", "pretty_midi"]


def read_content(
    source: MidiSource, drums: bool = False, rules: PairingRules = "musicnb"
) -> MidiContent:
    """Parse MIDI bytes or a file into per-(track, channel) note lists (ticks).

    The one MIDI parser of the package: :func:`read`, the corpus loader, the studio's upload
    and midi-rnn's instrument reader all read through it. Drum-channel notes are counted in
    ``drum_notes`` and dropped, unless ``drums=True`` keeps them as notes of their own (track,
    channel). Raises :class:`MusicnbError` for anything that is not a readable metrical MIDI
    file.

    ``rules`` says how notes are paired:

    * ``"musicnb"`` (the default): a note-off ends the *oldest* open note of its (channel,
      pitch); a note never switched off ends with its track; one voice per (track, channel);
    * ``"pretty_midi"``, the rules of pretty_midi 0.2 that midi-rnn's code relies on: a note-off
      ends *every* open note of its (channel, pitch) that began before its tick (one that began
      at the same tick stays open); a note never switched off is dropped; one voice per
      (track, channel, program), the program in force at the note-off, so a program change
      starts a new instrument.
    """
    if rules not in ("musicnb", "pretty_midi"):
        raise MusicnbError(f"rules must be 'musicnb' or 'pretty_midi', got {rules!r}.")
    pretty = rules == "pretty_midi"
    mido = _mido()
    if isinstance(source, (bytes, bytearray, memoryview)):
        name, data = "the data", bytes(source)
    else:
        name = Path(source).name
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise MusicnbError(
                f"cannot read {name}: {exc}. Check the path and its permissions."
            ) from exc
    if not data:
        raise MusicnbError("empty file: 0 bytes. Delete it or copy the file again.")
    if not data.startswith(b"MThd"):
        raise MusicnbError(
            "not a MIDI file: it does not start with the 'MThd' header. "
            "Is it really a .mid file? Re-export it from your music program."
        )
    try:
        midi = mido.MidiFile(file=io.BytesIO(data), clip=True)
    except Exception as exc:  # mido raises OSError, EOFError, ValueError, KeyError, IndexError...
        raise MusicnbError(
            f"corrupt or truncated MIDI ({type(exc).__name__}: {str(exc)[:100]}). "
            "Re-export or re-download the file, or leave it out."
        ) from exc
    resolution = midi.ticks_per_beat
    if not isinstance(resolution, int) or resolution <= 0 or resolution >= 0x8000:
        raise MusicnbError(
            "SMPTE-timed MIDI (no ticks per beat): convert it to a metrical "
            "MIDI file in your music program first."
        )
    tempo = time_signature = key = None
    tempo_changes = 0
    tempo_map = [(0, 500000)]
    voices: dict[tuple[int, ...], TrackNotes] = {}
    track_names: list[str] = []
    markers: list[tuple[int, int, str]] = []
    drum_notes = 0
    try:
        for index, track in enumerate(midi.tracks):
            tick = 0
            track_name = latest_name = ""
            program_of: dict[int, int] = {}
            open_notes: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
            for message in track:
                tick += int(message.time)
                kind = message.type
                if kind == "track_name":
                    latest_name = text_from_midi(str(message.name))
                    track_name = track_name or latest_name
                elif kind == "set_tempo":
                    if index == 0 and message.tempo > 0:
                        if tick == tempo_map[-1][0]:
                            tempo_map[-1] = (tick, int(message.tempo))
                        else:
                            tempo_map.append((tick, int(message.tempo)))
                    if tempo is None:
                        tempo = float(mido.tempo2bpm(message.tempo)) if message.tempo > 0 else None
                    else:
                        tempo_changes += 1
                elif kind == "time_signature" and time_signature is None:
                    time_signature = f"{message.numerator}/{message.denominator}"
                elif kind == "key_signature" and key is None:
                    key = _key_name_from_midi(str(message.key))
                elif kind == "marker":
                    markers.append((index, tick, text_from_midi(str(message.text))))
                elif kind == "program_change":
                    program_of[message.channel] = int(message.program)
                elif kind in ("note_on", "note_off"):
                    if message.channel == DRUM_CHANNEL and not drums:
                        if kind == "note_on" and message.velocity > 0:
                            drum_notes += 1
                        continue
                    slot = (message.channel, message.note)
                    program = program_of.get(message.channel, 0)
                    owner: tuple[int, ...] = (
                        (index, message.channel, program) if pretty else (index, message.channel)
                    )
                    sounds = kind == "note_on" and message.velocity > 0
                    if owner not in voices and (sounds or (pretty and open_notes[slot])):
                        voices[owner] = TrackNotes(
                            index, message.channel, track_name, program, name_at_start=latest_name
                        )
                    if sounds:
                        open_notes[slot].append((tick, int(message.velocity)))
                    elif pretty:  # every earlier open note of this pitch ends here
                        pending = open_notes[slot]
                        for begin, velocity in pending:
                            if begin != tick:
                                _add(voices[owner], message.note, begin, tick, velocity)
                        open_notes[slot] = [p for p in pending if p[0] == tick]
                    elif open_notes[slot]:
                        begin, velocity = open_notes[slot].pop(0)
                        _add(voices[owner], message.note, begin, tick, velocity)
            if not pretty:  # pretty_midi drops the notes never switched off
                for (channel, note), pending in open_notes.items():
                    for begin, velocity in pending:  # never switched off: ends with the track
                        _add(voices[(index, channel)], note, begin, tick, velocity)
            for owner_key, voice in voices.items():
                if owner_key[0] == index and not voice.name:
                    voice.name = track_name
            track_names.append(track_name)
    except MusicnbError:
        raise
    except Exception as exc:
        raise MusicnbError(
            f"corrupt MIDI events ({type(exc).__name__}: {str(exc)[:100]}). "
            "Re-export the file, or leave it out."
        ) from exc
    ordered = [v for _, v in sorted(voices.items()) if v.pitch]
    return MidiContent(
        ticks_per_beat=resolution,
        midi_type=int(midi.type),
        n_tracks=len(midi.tracks),
        tempo=tempo,
        tempo_changes=tempo_changes,
        time_signature=time_signature,
        key=key,
        track_names=track_names,
        voices=ordered,
        drum_notes=drum_notes,
        tracks_with_notes=sorted({v.track for v in ordered}),
        markers=markers,
        tempo_map=tempo_map,
    )


def _add(voice: TrackNotes, pitch: int, begin: int, end: int, velocity: int) -> None:
    if end > begin:
        voice.pitch.append(int(pitch))
        voice.begin.append(int(begin))
        voice.end.append(int(end))
        voice.velocity.append(max(1, min(127, int(velocity))))


def read(source: MidiSource, drums: bool = False) -> Piece:
    """Read a MIDI file, or its bytes, into a :class:`Piece` (times in quarter notes from the
    file's own ticks per beat).

    Notes are grouped into parts by (track, channel) in order of appearance; channel 10 (drums)
    is dropped unless ``drums=True`` (a file with drum notes only is a :class:`MusicnbError`
    that says so, not an empty piece). Tempo, time signature and key come from the first such
    events (120 quarter notes per minute and 4/4 when the file has none). A chord track written
    by :func:`write` gives its labels back as ``Piece.chords`` instead of notes. The title is
    the first track's name, else the file's stem (``""`` for bytes).
    """
    path: Path | None = None
    if isinstance(source, (bytes, bytearray, memoryview)):
        name = "the MIDI data"
    else:
        path = Path(source)
        name = path.name
        if not path.is_file():
            raise MusicnbError(
                f"No MIDI file at {path}: check the path (is it relative to the notebook's "
                "folder?)."
            )
    try:
        content = read_content(source if path is None else path, drums=drums)
    except MusicnbError as exc:
        raise MusicnbError(f"Cannot read {name} as a MIDI file: {exc}") from exc
    resolution = content.ticks_per_beat
    chord_tracks = {i for i, n in enumerate(content.track_names) if n == CHORD_TRACK_NAME}
    voices = [v for v in content.voices if v.track not in chord_tracks]
    if not voices and content.drum_notes:
        from .errors import DrumOnlyError

        raise DrumOnlyError(
            f"{name} is drum-only: all {content.drum_notes} notes are on the drum channel (10), "
            "which has no pitches to learn. Use a file with pitched instruments, or pass "
            "drums=True to read the drum notes anyway (their numbers are drum sounds: 36 bass "
            "drum, 38 snare, 42 hi-hat).",
            content.drum_notes,
        )
    pitch = np.array([p for v in voices for p in v.pitch], np.int16)
    begin = np.array([b for v in voices for b in v.begin], np.float64)
    end = np.array([e for v in voices for e in v.end], np.float64)
    velocities = np.array([x for v in voices for x in v.velocity], np.int16)
    part = np.array([i for i, v in enumerate(voices) for _ in v.pitch], np.int16)
    # a chord label lasts until the last of its block chord's notes ends
    chord_spans: dict[int, int] = {}
    for voice in content.voices:
        if voice.track in chord_tracks:
            for onset, finish in zip(voice.begin, voice.end, strict=True):
                chord_spans[onset] = max(chord_spans.get(onset, onset), finish)
    chords = [(tick, text) for track, tick, text in content.markers if track in chord_tracks]
    labels: list[ChordLabel] = []
    for i, (tick, text) in enumerate(chords):
        following = chords[i + 1][0] if i + 1 < len(chords) else tick + resolution
        finish = chord_spans.get(tick, following)
        if finish > tick:
            labels.append(ChordLabel(tick / resolution, (finish - tick) / resolution, text))
    title = content.track_names[0] if content.track_names else ""
    return Piece(
        pitch,
        begin / resolution,
        (end - begin) / resolution,
        velocities,
        part,
        title=title or (path.stem if path is not None else ""),
        source=str(path) if path is not None else "",
        key=content.key,
        time_signature=content.time_signature or "4/4",
        tempo=round(content.tempo, 3) if content.tempo else 120.0,
        chords=tuple(labels),
        part_names=tuple(v.name_at_start or f"Part {i + 1}" for i, v in enumerate(voices)),
        programs=tuple(v.program for v in voices),
        metadata={"ticks_per_beat": resolution, "midi_type": content.midi_type},
    )

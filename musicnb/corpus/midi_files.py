"""Read a Standard MIDI File into a :class:`~musicnb.piece.Piece` with mido (no music21).

Times come from the file's own resolution: a note whose ``note_on`` is at tick ``t`` in a file
of ``ticks_per_beat = R`` starts at ``t / R`` quarter notes, whatever the tempo (Standard MIDI
File spec 1.1: the header's *division* is ticks per quarter note). Each (track, channel) with
notes becomes one part, in order of appearance; channel 10 (index 9) is the General MIDI drum
channel and its notes are dropped (a file with nothing else is skipped as drum-only). A
``note_on`` with velocity 0 is a ``note_off``; overlapping notes of the same pitch are closed
first-in first-out; notes still sounding at the end of a track end there; zero-length notes
are dropped. Tempo, time signature and key are the first such events (120 quarter notes per
minute and 4/4 when absent; the number of later tempo changes goes to ``metadata``).

Every failure, whatever mido raised, becomes a :class:`~musicnb.errors.MusicnbError` whose
message names the problem, so one bad file can be skipped by the loader.
"""

from __future__ import annotations

import io
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import MusicnbError
from ..midi import text_from_midi
from ..piece import Piece

DRUM_CHANNEL = 9


@dataclass
class TrackNotes:
    """The notes of one (track, channel): ticks, pitches and velocities, plus names."""

    track: int
    channel: int
    name: str
    program: int
    pitch: list[int] = field(default_factory=list)
    begin: list[int] = field(default_factory=list)
    end: list[int] = field(default_factory=list)
    velocity: list[int] = field(default_factory=list)


@dataclass
class MidiContent:
    """What :func:`read_midi_content` found in a file, before any layout decision."""

    ticks_per_beat: int
    midi_type: int
    n_tracks: int
    tempo: float | None
    tempo_changes: int
    time_signature: str | None
    key: str | None
    track_names: list[str]
    voices: list[TrackNotes]  # in order of (track, first appearance of the channel)
    drum_notes: int
    tracks_with_notes: list[int]


def _key_name(text: str) -> str | None:
    from ..harmony import key_name, parse_key_name

    try:
        tonic, mode = parse_key_name(text if text.endswith("m") else text + " major")
    except MusicnbError:
        return None
    return key_name(tonic, mode)


def read_midi_content(source: str | os.PathLike | bytes) -> MidiContent:
    """Parse MIDI bytes or a file into per-(track, channel) note lists (ticks).

    Raises :class:`MusicnbError` for anything that is not a readable metrical MIDI file.
    """
    import mido

    name = "the data" if isinstance(source, (bytes, bytearray)) else Path(source).name
    try:
        data = (
            bytes(source) if isinstance(source, (bytes, bytearray)) else Path(source).read_bytes()
        )
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
    voices: dict[tuple[int, int], TrackNotes] = {}
    track_names: list[str] = []
    drum_notes = 0
    try:
        for index, track in enumerate(midi.tracks):
            tick = 0
            track_name = ""
            program_of: dict[int, int] = {}
            open_notes: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
            for message in track:
                tick += int(message.time)
                kind = message.type
                if kind == "track_name":
                    track_name = track_name or text_from_midi(str(message.name))
                elif kind == "set_tempo":
                    if tempo is None:
                        tempo = float(mido.tempo2bpm(message.tempo)) if message.tempo > 0 else None
                    else:
                        tempo_changes += 1
                elif kind == "time_signature" and time_signature is None:
                    time_signature = f"{message.numerator}/{message.denominator}"
                elif kind == "key_signature" and key is None:
                    key = _key_name(str(message.key))
                elif kind == "program_change":
                    program_of[message.channel] = int(message.program)
                elif kind in ("note_on", "note_off"):
                    if message.channel == DRUM_CHANNEL:
                        if kind == "note_on" and message.velocity > 0:
                            drum_notes += 1
                        continue
                    slot = (message.channel, message.note)
                    if kind == "note_on" and message.velocity > 0:
                        open_notes[slot].append((tick, int(message.velocity)))
                        owner = (index, message.channel)
                        if owner not in voices:
                            voices[owner] = TrackNotes(
                                index,
                                message.channel,
                                track_name,
                                program_of.get(message.channel, 0),
                            )
                    elif open_notes[slot]:
                        begin, velocity = open_notes[slot].pop(0)
                        _add(voices[(index, message.channel)], message.note, begin, tick, velocity)
            for (channel, note), pending in open_notes.items():
                for begin, velocity in pending:  # never switched off: ends with the track
                    _add(voices[(index, channel)], note, begin, tick, velocity)
            for (owner_track, _), voice in voices.items():
                if owner_track == index and not voice.name:
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
    )


def _add(voice: TrackNotes, pitch: int, begin: int, end: int, velocity: int) -> None:
    if end > begin:
        voice.pitch.append(int(pitch))
        voice.begin.append(int(begin))
        voice.end.append(int(end))
        voice.velocity.append(max(1, min(127, int(velocity))))


def check_has_notes(content: MidiContent) -> None:
    """Raise the right :class:`MusicnbError` when a file has nothing to play."""
    if not content.voices:
        if content.drum_notes:
            raise MusicnbError(
                f"drum-only: all {content.drum_notes} notes are on the drum "
                "channel (10), which the course leaves out. Use a file with "
                "pitched instruments."
            )
        raise MusicnbError("no notes: the file holds no notes (only settings/meta events).")


def voices_to_arrays(content: MidiContent, voices: list[TrackNotes]) -> dict[str, np.ndarray]:
    """Note arrays in quarter notes for ``voices`` (part = position in ``voices``)."""
    resolution = float(content.ticks_per_beat)
    pitch, start, duration, velocity, part = [], [], [], [], []
    for index, voice in enumerate(voices):
        begin = np.asarray(voice.begin, np.float64)
        pitch.append(np.asarray(voice.pitch, np.int16))
        start.append(begin / resolution)
        duration.append((np.asarray(voice.end, np.float64) - begin) / resolution)
        velocity.append(np.asarray(voice.velocity, np.int16))
        part.append(np.full(len(voice.pitch), index, np.int16))
    if not pitch:
        empty = np.zeros(0)
        return {"pitch": empty, "start": empty, "duration": empty, "velocity": empty, "part": empty}
    return {
        "pitch": np.concatenate(pitch),
        "start": np.concatenate(start),
        "duration": np.concatenate(duration),
        "velocity": np.concatenate(velocity),
        "part": np.concatenate(part),
    }


def title_of(content: MidiContent, path: str | os.PathLike | None = None) -> str:
    """The conductor track's name for type-1 files whose first track has no notes, else the
    file's stem (``""`` when no path is given)."""
    if (
        content.midi_type == 1
        and content.track_names
        and content.track_names[0].strip()
        and 0 not in content.tracks_with_notes
    ):
        return content.track_names[0].strip()
    return Path(path).stem if path else ""


def content_to_piece(
    content: MidiContent, path: str | os.PathLike | None = None, source: str = ""
) -> Piece:
    """A general MIDI file as a Piece: one part per (track, channel)."""
    check_has_notes(content)
    arrays = voices_to_arrays(content, content.voices)
    metadata = {
        "ticks_per_beat": content.ticks_per_beat,
        "midi_type": content.midi_type,
        "layout": "general",
    }
    if content.tempo_changes:
        metadata["tempo_changes"] = content.tempo_changes
    if content.drum_notes:
        metadata["drum_notes_dropped"] = content.drum_notes
    from ..harmony import estimate_key

    return Piece(
        pitch=arrays["pitch"],
        start=arrays["start"],
        duration=arrays["duration"],
        velocity=arrays["velocity"],
        part=arrays["part"],
        title=title_of(content, path),
        source=source or str(path or ""),
        key=content.key or estimate_key(arrays["pitch"], arrays["duration"]),
        time_signature=content.time_signature or "4/4",
        tempo=content.tempo or 120.0,
        part_names=tuple(v.name or f"Part {i + 1}" for i, v in enumerate(content.voices)),
        programs=tuple(v.program for v in content.voices),
        metadata=metadata,
    )


def read_midi_file(path: str | os.PathLike, source: str = "") -> Piece:
    """Read one MIDI file (general layout) into a Piece; only :class:`MusicnbError` escapes."""
    content = read_midi_content(path)
    try:
        return content_to_piece(content, path, source=source)
    except MusicnbError:
        raise
    except Exception as exc:  # pragma: no cover - defensive: odd values in a corrupt file
        raise MusicnbError(
            f"unusable MIDI content ({type(exc).__name__}: {str(exc)[:100]})."
        ) from exc

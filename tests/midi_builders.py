"""MIDI files for the tests, written with mido: one way to turn notes into tracks and files.

A note is ``(pitch, start, duration[, channel[, velocity]])`` with ``start`` and ``duration``
in quarters (``ticks_per_unit`` ticks each; give ``ticks_per_unit=1`` when they are ticks
already). Each note becomes a ``note_on`` and a ``note_off`` (velocity 0); at the same tick a
note-off comes before a note-on, so a repeated pitch ends before it sounds again.

``save_midi(path, [meta_track(tempo_bpm=100), note_track(notes)])`` writes a type-1 file;
:func:`write_midi` does the usual case (a meta track, then one track per list of notes) in one
call, and :func:`midi_bytes` gives the bytes of a file without writing it.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import mido

#: A note: (pitch, start, duration[, channel[, velocity]]).
Note = tuple

__all__ = [
    "Note",
    "note_events",
    "track",
    "note_track",
    "meta_track",
    "midi_file",
    "save_midi",
    "midi_bytes",
    "write_midi",
]


def note_events(
    notes: Iterable[Note], *, ticks_per_unit: int = 480, channel: int = 0, velocity: int = 80
) -> list[tuple[int, mido.Message]]:
    """``(absolute tick, message)`` pairs for ``notes`` (``channel`` and ``velocity`` are the
    defaults of notes that do not give their own)."""
    events = []
    for note in notes:
        pitch, start, duration = note[:3]
        ch = note[3] if len(note) > 3 else channel
        vel = note[4] if len(note) > 4 else velocity
        begin, end = round(start * ticks_per_unit), round((start + duration) * ticks_per_unit)
        events.append((begin, mido.Message("note_on", note=pitch, velocity=vel, channel=ch)))
        events.append((end, mido.Message("note_off", note=pitch, velocity=0, channel=ch)))
    return events


def _sounds(message: mido.Message) -> bool:
    return message.type == "note_on" and message.velocity > 0


def track(events: Iterable[tuple[int, mido.Message]], name: str = "") -> mido.MidiTrack:
    """Messages at absolute ticks -> a track with delta times, in time order (at one tick,
    note-offs and meta messages before note-ons; otherwise in the order given)."""
    out = mido.MidiTrack()
    if name:
        out.append(mido.MetaMessage("track_name", name=name))
    now = 0
    for tick, message in sorted(events, key=lambda e: (e[0], _sounds(e[1]))):
        out.append(message.copy(time=tick - now))
        now = tick
    return out


def note_track(
    notes: Iterable[Note],
    *,
    ticks_per_unit: int = 480,
    channel: int = 0,
    velocity: int = 80,
    name: str = "",
) -> mido.MidiTrack:
    """One track of ``notes`` (see :func:`note_events`), named ``name`` when given."""
    events = note_events(notes, ticks_per_unit=ticks_per_unit, channel=channel, velocity=velocity)
    return track(events, name=name)


def meta_track(
    *,
    title: str = "",
    tempo_bpm: float | None = None,
    time_signature: tuple[int, int] | None = None,
    key: str | None = None,
) -> mido.MidiTrack:
    """A track of meta messages only, in this order: title, tempo, time signature, key."""
    out = mido.MidiTrack()
    if title:
        out.append(mido.MetaMessage("track_name", name=title))
    if tempo_bpm:
        out.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(tempo_bpm)))
    if time_signature:
        numerator, denominator = time_signature
        out.append(mido.MetaMessage("time_signature", numerator=numerator, denominator=denominator))
    if key:
        out.append(mido.MetaMessage("key_signature", key=key))
    return out


def midi_file(
    tracks: Sequence[mido.MidiTrack], *, ticks_per_beat: int = 480, midi_type: int = 1
) -> mido.MidiFile:
    midi = mido.MidiFile(type=midi_type, ticks_per_beat=ticks_per_beat)
    midi.tracks.extend(tracks)
    return midi


def save_midi(
    path: str | Path,
    tracks: Sequence[mido.MidiTrack],
    *,
    ticks_per_beat: int = 480,
    midi_type: int = 1,
) -> Path:
    """Write ``tracks`` as a MIDI file at ``path`` (its folder is created); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    midi_file(tracks, ticks_per_beat=ticks_per_beat, midi_type=midi_type).save(str(path))
    return path


def midi_bytes(
    tracks: Sequence[mido.MidiTrack], *, ticks_per_beat: int = 480, midi_type: int = 1
) -> bytes:
    """The bytes of the MIDI file :func:`save_midi` would write."""
    buffer = io.BytesIO()
    midi_file(tracks, ticks_per_beat=ticks_per_beat, midi_type=midi_type).save(file=buffer)
    return buffer.getvalue()


def write_midi(
    path: str | Path,
    tracks: list[list[Note]],
    ticks_per_beat: int = 480,
    tempo_bpm: float | None = 100.0,
    time_signature: tuple[int, int] | None = (3, 4),
    midi_type: int = 1,
    title: str = "",
) -> Path:
    """A meta track (title, tempo, time signature), then one track per list of notes, whose
    times are in quarters."""
    meta = meta_track(title=title, tempo_bpm=tempo_bpm, time_signature=time_signature)
    notes = [note_track(n, ticks_per_unit=ticks_per_beat) for n in tracks]
    return save_midi(path, [meta, *notes], ticks_per_beat=ticks_per_beat, midi_type=midi_type)

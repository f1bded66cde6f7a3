"""Read a Standard MIDI File into a :class:`~musicnb.piece.Piece` with mido (no music21).

The file is parsed by :func:`musicnb.midi.read_content` (here as :func:`read_midi_content`, the
one MIDI parser of the package: ticks, note pairing, drums, tempo, metre and key are explained
there). Each (track, channel) with notes becomes one part, in order of appearance; the General
MIDI drum channel's notes are dropped (a file with nothing else is skipped as drum-only). Tempo,
time signature and key are the first such events (120 quarter notes per minute and 4/4 when
absent; the number of later tempo changes goes to ``metadata``).

Every failure, whatever mido raised, becomes a :class:`~musicnb.errors.MusicnbError` whose
message names the problem, so one bad file can be skipped by the loader.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import MusicnbError
from ..midi import MidiContent, TrackNotes
from ..midi import read_content as read_midi_content
from ..piece import Piece

__all__ = [
    "MidiContent",
    "TrackNotes",
    "read_midi_content",
    "check_has_notes",
    "voices_to_arrays",
    "title_of",
    "content_to_piece",
    "read_midi_file",
]


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

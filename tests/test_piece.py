"""Piece: the library-neutral record every later stage reads."""

from __future__ import annotations

import numpy as np
import pytest

from musicnb import MusicnbError, Piece
from musicnb.harmony import (
    detect_chord,
    parse_chord_label,
    semitones_to_c_or_a,
    simplify_chord_label,
    transpose_key_name,
)


def test_notes_are_sorted_by_time_then_part_then_highest_pitch():
    piece = Piece.from_notes([(67, 1, 1), (60, 0, 1, 80, 1), (64, 0, 1)])
    assert piece.pitch.tolist() == [64, 60, 67]
    assert piece.part.tolist() == [0, 1, 0]
    assert piece.end == 2.0 and piece.n_parts == 2


@pytest.mark.parametrize(
    "notes, message",
    [
        ([(130, 0, 1)], "0-127"),
        ([(60, 0, 0)], "> 0"),
        ([(60, -1, 1)], ">= 0"),
        ([(60, 0, 1, 0)], "1-127"),
        ([(60,)], "pitch, start, duration"),
    ],
)
def test_bad_notes_raise_a_clear_error(notes, message):
    with pytest.raises(MusicnbError, match=message):
        Piece.from_notes(notes)


def test_transpose_moves_notes_key_and_chords():
    piece = Piece.from_notes([(67, 0, 1)], key="G major", chords=[(0, 1, "D7")])
    moved = piece.transpose(semitones_to_c_or_a("G major"))
    assert moved.pitch.tolist() == [72] or moved.pitch.tolist() == [60]
    assert moved.key == "C major" and moved.chords[0].label == "G7"
    with pytest.raises(MusicnbError, match="MIDI range"):
        Piece.from_notes([(120, 0, 1)]).transpose(12)


def test_slice_and_round_trip_through_dict():
    piece = Piece.from_notes(
        [(60, 0, 2), (62, 2, 2), (64, 4, 2)], chords=[(0, 4, "C"), (4, 2, "G")]
    )
    cut = piece.slice(1, 5)
    assert cut.pitch.tolist() == [62, 64] and cut.start.tolist() == [1.0, 3.0]
    assert cut.duration.tolist() == [2.0, 1.0]
    assert [c.label for c in cut.chords] == ["C", "G"]
    again = Piece.from_dict(piece.to_dict())
    assert again.same_notes(piece) and again.chords == piece.chords


def test_arrays_are_read_only():
    piece = Piece.from_notes([(60, 0, 1)])
    with pytest.raises(ValueError):
        piece.pitch[0] = 61
    assert isinstance(piece.start, np.ndarray)


@pytest.mark.parametrize(
    "label, expected",
    [
        ("G", (7, "maj")),
        ("Em", (4, "min")),
        ("D7", (2, "7")),
        ("F#m7", (6, "min7")),
        ("Bb", (10, "maj")),
        ("B-maj7", (10, "maj7")),
        ("G/B", (7, "maj")),
        ("Bdim", (11, "dim")),
    ],
)
def test_chord_symbols_parse(label, expected):
    assert parse_chord_label(label) == expected


def test_chord_helpers():
    assert parse_chord_label("N.C.") is None
    assert (
        simplify_chord_label("G7/B") == "G" and simplify_chord_label("G7/B", sevenths=True) == "G7"
    )
    assert detect_chord({0, 4, 7}) == "C" and detect_chord({9, 0, 4}) == "Am"
    assert detect_chord({7, 11, 2, 5}, sevenths=True) == "G7"
    assert transpose_key_name("e minor", 5) == "A minor"
    assert semitones_to_c_or_a("e minor") == 5 and semitones_to_c_or_a("F# major") == 6

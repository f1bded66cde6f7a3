"""NoteChordTokenEncoder: tutorial-style tokens, vocabulary from training pieces, round trips."""

from __future__ import annotations

import numpy as np
import pytest

from musicnb import MusicnbError, Piece
from musicnb.encoders import load_encoder
from musicnb.encoders.tokens import (
    NoteChordTokenEncoder,
    duration_name,
    normal_order,
    parse_pitch_name,
)


def _piece(notes, **info) -> Piece:
    return Piece.from_notes(notes, **info)


# C#4 eighth, C major triad (first inversion) quarter, B-3 half, then an F#/A dyad eighth
MELODY_AND_CHORDS = [
    (61, 0, 0.5),
    (64, 0.5, 1),
    (67, 0.5, 1),
    (72, 0.5, 1),
    (58, 1.5, 2),
    (66, 3.5, 0.5),
    (69, 3.5, 0.5),
]


def test_tokens_are_pitch_names_and_chord_normal_orders():
    enc = NoteChordTokenEncoder()
    assert enc.tokens(_piece(MELODY_AND_CHORDS)) == ["C#4", "0.4.7", "B-3", "6.9"]
    with_duration = NoteChordTokenEncoder(with_duration=True)
    assert with_duration.tokens(_piece(MELODY_AND_CHORDS)) == [
        "C#4|eighth",
        "0.4.7|quarter",
        "B-3|half",
        "6.9|eighth",
    ]
    # octave doublings are one pitch class: a note, named by its highest pitch
    assert enc.tokens(_piece([(60, 0, 1), (72, 0, 1)])) == ["C5"]


def test_normal_order_matches_music21_and_helpers_parse():
    assert normal_order(frozenset({7, 11, 2})) == (7, 11, 2)
    assert normal_order(frozenset({2, 5, 9, 0})) == (9, 0, 2, 5)
    assert parse_pitch_name("C#4") == 61 and parse_pitch_name("B-3") == 58
    assert parse_pitch_name("Bb3") == 58 and parse_pitch_name("E-5") == 75
    assert duration_name(0.5) == "eighth" and duration_name(1.4) == "dotted-quarter"
    with pytest.raises(MusicnbError, match="pitch name"):
        parse_pitch_name("H2")


def test_rests_are_tokens_when_asked():
    melody = _piece([(60, 0, 1), (62, 2, 1)])  # a quarter, a quarter rest, a quarter
    assert NoteChordTokenEncoder(with_duration=True, rests=True).tokens(melody) == [
        "C4|quarter",
        "rest|quarter",
        "D4|quarter",
    ]
    # without rest tokens the note lasts until the next one (the tutorial's succession)
    assert NoteChordTokenEncoder(with_duration=True).tokens(melody) == ["C4|half", "D4|quarter"]


def test_parts_choose_the_voices():
    two_parts = _piece([(72, 0, 1, 90, 0), (60, 0, 1, 90, 1), (74, 1, 1, 90, 0), (55, 1, 1, 90, 1)])
    assert NoteChordTokenEncoder(parts=0).tokens(two_parts) == ["C5", "D5"]
    assert NoteChordTokenEncoder(parts=[1]).tokens(two_parts) == ["C4", "G3"]
    assert NoteChordTokenEncoder().tokens(two_parts) == ["C5", "2.7"]


@pytest.mark.parametrize("with_duration, rests", [(False, False), (True, False), (True, True)])
def test_round_trip_tokens_and_ids(with_duration, rests, tmp_path):
    train = [_piece(MELODY_AND_CHORDS), _piece([(60, 0, 1), (62, 2, 0.25), (64, 2.25, 1.5)])]
    enc = NoteChordTokenEncoder(with_duration=with_duration, rests=rests).fit(train)
    assert enc.vocabulary[0] == "<unk>" and enc.vocab_size == len(set(enc.vocabulary))
    for piece in train:
        ids = enc.encode(piece)
        assert ids.dtype == np.int32 and 0 not in ids
        decoded = enc.decode(ids)
        # decoding then encoding again gives the very same tokens
        assert enc.encode(decoded).tolist() == ids.tolist()
        assert enc.describe(ids) == enc.tokens(piece)
    # a melody of named durations with rests comes back note for note
    if with_duration and rests:
        melody = train[1]
        assert enc.decode(enc.encode(melody)).same_notes(melody)
    path = enc.save(tmp_path / "encoder.json")
    again = load_encoder(path)
    assert isinstance(again, NoteChordTokenEncoder) and again == enc
    assert again.encode(train[0]).tolist() == enc.encode(train[0]).tolist()


def test_vocabulary_comes_from_training_pieces_only():
    enc = NoteChordTokenEncoder().fit([_piece([(60, 0, 1), (62, 1, 1), (60, 2, 1)])])
    assert enc.vocabulary == ["<unk>", "C4", "D4"]
    test = _piece([(60, 0, 1), (61, 1, 1), (60, 1 + 1, 1)])
    assert enc.encode(test).tolist() == [1, 0, 1] and enc.last_unknown == 1
    piece, repairs = enc.decode_with_repairs([1, 0, 2, 99])
    assert repairs == 2 and piece.pitch.tolist() == [60, 62]
    rare = NoteChordTokenEncoder(min_count=2).fit([_piece([(60, 0, 1), (62, 1, 1), (60, 2, 1)])])
    assert rare.vocabulary == ["<unk>", "C4"]


def test_chords_decode_voiced_upward_from_the_chord_octave():
    piece = NoteChordTokenEncoder(step=1.0).decode(["7.11.2", "C#4"])
    assert piece.pitch.tolist() == [74, 71, 67, 61]  # sorted (start, -pitch): G4 B4 D5, then C#4
    assert piece.start.tolist() == [0, 0, 0, 1]


def test_clear_errors():
    with pytest.raises(MusicnbError, match="fit"):
        NoteChordTokenEncoder().encode(_piece([(60, 0, 1)]))
    with pytest.raises(MusicnbError, match="Piece"):
        NoteChordTokenEncoder().tokens([60, 62])
    with pytest.raises(MusicnbError, match="min_count"):
        NoteChordTokenEncoder(min_count=0)
    with pytest.raises(MusicnbError, match="training"):
        NoteChordTokenEncoder().fit([_piece([])])


def test_event_token_checker():
    from musicnb.encoders.tokens import check_event_token
    from musicnb.piece import pitch_name

    def right(pitches):
        pcs = frozenset(p % 12 for p in pitches)
        return pitch_name(max(pitches)) if len(pcs) == 1 else ".".join(map(str, normal_order(pcs)))

    assert "pass" in check_event_token(right)
    with pytest.raises(MusicnbError, match=" — got .+, expected .+ — "):
        check_event_token(lambda ps: ".".join(str(pc) for pc in sorted({p % 12 for p in ps})))

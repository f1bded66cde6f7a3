"""EventEncoder: the 16th-note rest / hold / onset grid."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from musicnb import MusicnbError, Piece
from musicnb.encoders import EventEncoder, load_encoder
from musicnb.encoders.events import HOLD, REST


def test_a_quarter_note_and_an_eighth_rest_on_the_16th_grid():
    encoder = EventEncoder(low=48, high=84)
    piece = Piece.from_notes([(60, 0, 1), (62, 1.5, 0.5)])
    tokens = encoder.encode(piece)
    c4, d4 = encoder.pitch_token(60), encoder.pitch_token(62)
    assert tokens.tolist() == [c4, HOLD, HOLD, HOLD, REST, REST, d4, HOLD]
    assert encoder.describe(tokens)[:2] == ["C4", "hold"]
    assert encoder.vocab_size == 2 + 37 and len(encoder.vocabulary) == encoder.vocab_size


def test_quantises_from_beats_not_ticks_or_seconds():
    encoder = EventEncoder(steps_per_quarter=4)
    slow = Piece.from_notes([(60, 0, 1), (64, 1, 1)], tempo=40)
    fast = Piece.from_notes([(60, 0, 1), (64, 1, 1)], tempo=200)
    assert np.array_equal(encoder.encode(slow), encoder.encode(fast))
    nearly = Piece.from_notes([(60, 0.02, 0.97), (64, 0.99, 1.0)])  # slightly off the grid
    assert np.array_equal(encoder.encode(nearly), encoder.encode(slow))


def test_top_line_keeps_the_highest_note_and_reports_what_was_dropped():
    encoder = EventEncoder()
    chord_then_inner_voice = Piece.from_notes([(72, 0, 2), (64, 0, 2), (67, 1, 1), (76, 1.5, 0.5)])
    tokens = encoder.encode(chord_then_inner_voice)
    report = encoder.last_report
    assert encoder.token_pitch(tokens[0]) == 72 and encoder.token_pitch(tokens[6]) == 76
    assert report.dropped_under_top_line == 2 and report.shortened == 1
    assert report.notes_kept == 2


def test_part_selection_and_missing_part():
    piece = Piece.from_notes([(60, 0, 1, 90, 0), (48, 0, 1, 90, 1)])
    lower = EventEncoder(part=1)
    assert lower.encode(piece)[0] == lower.pitch_token(48)
    assert lower.last_report.dropped_other_parts == 1
    with pytest.raises(MusicnbError, match="part=None"):
        EventEncoder(part=3).encode(piece)


def test_out_of_range_notes_fold_by_octaves_or_drop():
    piece = Piece.from_notes([(30, 0, 1), (100, 1, 1)])
    folded = EventEncoder(low=48, high=84)
    pitches = [folded.token_pitch(t) for t in folded.encode(piece) if folded.token_pitch(t)]
    assert pitches == [54, 76] and folded.last_report.folded_by_octaves == 2
    dropped = EventEncoder(low=48, high=84, out_of_range="drop")
    assert np.all(dropped.encode(piece) == REST) and dropped.last_report.dropped_out_of_range == 2


def test_transposition_to_c_major_and_a_minor():
    g_major = Piece.from_notes([(67, 0, 1), (71, 1, 1), (74, 2, 1)], key="G major")
    encoder = EventEncoder(transpose=True)
    tokens = encoder.encode(g_major)
    assert encoder.token_pitch(tokens[0]) in (60, 72) and encoder.last_report.transposed_by in (
        5,
        -7,
    )
    unknown_key = Piece.from_notes([(64, 0, 1), (67, 1, 1), (71, 2, 1), (64, 3, 1)])  # E minor-ish
    encoder.encode(unknown_key)
    assert encoder.last_report.transposed_by == 5


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 38), min_size=1, max_size=60))
def test_encode_of_decode_is_identity_on_valid_tokens(raw):
    encoder = EventEncoder(low=48, high=84)
    tokens = np.asarray(raw, np.int32)
    # a valid sequence has no hold without a sounding note: repair that first
    piece, repairs = encoder.decode_with_repairs(tokens)
    cleaned = encoder.encode(piece)
    assert len(cleaned) == len(tokens)
    assert np.array_equal(encoder.encode(encoder.decode(cleaned)), cleaned)
    if repairs == 0:
        assert np.array_equal(cleaned, tokens)


def test_decode_repairs_impossible_sequences_and_counts_them():
    encoder = EventEncoder(low=48, high=84)
    piece, repairs = encoder.decode_with_repairs(
        [HOLD, REST, HOLD, 999, -3, encoder.pitch_token(60), HOLD]
    )
    assert repairs == 4
    assert piece.pitch.tolist() == [60] and piece.start.tolist() == [1.25]
    assert piece.duration.tolist() == [0.5]
    with pytest.raises(MusicnbError, match="argmax"):
        encoder.decode([0.2, 0.8])


def test_vocabulary_saves_and_loads(tmp_path):
    encoder = EventEncoder(steps_per_quarter=2, low=40, high=90, part=1, transpose=True)
    path = encoder.save(tmp_path / "encoder.json")
    assert load_encoder(path) == encoder
    assert EventEncoder.load(path).vocabulary == encoder.vocabulary
    with pytest.raises(MusicnbError, match="encoder.json"):
        load_encoder(tmp_path / "missing.json")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"steps_per_quarter": 0}, "steps_per_quarter"),
        ({"low": 80, "high": 60}, "low < high"),
        ({"low": 60, "high": 65}, "octave"),
        ({"out_of_range": "wrap"}, "fold"),
        ({"part": -1}, "part"),
    ],
)
def test_wrong_parameters_say_what_to_do(kwargs, message):
    with pytest.raises(MusicnbError, match=message):
        EventEncoder(**kwargs)


def _embedded_collections():
    from musicnb.corpus import COLLECTIONS

    return sorted(COLLECTIONS)


@pytest.mark.parametrize("collection", ["bach", "ryans_mammoth", "oneill_1850", "essen"])
def test_round_trip_over_pieces_of_every_embedded_collection(collection):
    import musicnb

    assert collection in _embedded_collections()
    pieces, report = musicnb.load_corpus(collection, limit=3)
    assert len(pieces) == 3
    for transpose in (False, True):
        encoder = EventEncoder(low=36, high=96, transpose=transpose)
        for piece in pieces:
            tokens = encoder.encode(piece)
            assert encoder.last_report.notes_kept > 0
            decoded = encoder.decode(tokens)
            # the decoded line is already transposed: re-encode it as it stands
            plain = EventEncoder(low=36, high=96)
            assert np.array_equal(plain.encode(decoded), tokens), piece.title

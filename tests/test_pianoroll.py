"""PianoRollEncoder: play/articulate rolls and the biaxial note features, checked by hand."""

from __future__ import annotations

import json

import numpy as np
import pytest

from musicnb import MusicnbError, Piece
from musicnb.encoders import PianoRollEncoder, load_encoder
from musicnb.encoders.pianoroll import (
    FEATURE_LAYOUT,
    N_FEATURES,
    beat_features,
    note_features,
    note_features_ops,
    play_to_roll,
)


def test_encode_marks_play_and_articulate_and_repeats_differ_from_holds():
    enc = PianoRollEncoder(low=60, high=64, steps_per_quarter=4)
    piece = Piece.from_notes([(60, 0, 1), (62, 0, 0.5), (62, 0.5, 0.5), (64, 0.25, 0.25)])
    roll = enc.encode(piece)
    assert roll.shape == (4, 5, 2) and roll.dtype == np.uint8
    play, art = roll[..., 0], roll[..., 1]
    assert play[:, 0].tolist() == [1, 1, 1, 1] and art[:, 0].tolist() == [1, 0, 0, 0]  # held C
    # D struck twice: plays throughout, articulated at both onsets
    assert play[:, 2].tolist() == [1, 1, 1, 1] and art[:, 2].tolist() == [1, 0, 1, 0]
    assert play[:, 4].tolist() == [0, 1, 0, 0] and art[:, 4].tolist() == [0, 1, 0, 0]
    assert play[:, [1, 3]].sum() == 0
    assert np.all(art <= play)


def test_out_of_range_notes_are_left_out_and_counted():
    enc = PianoRollEncoder(low=60, high=64)
    piece = Piece.from_notes([(59, 0, 1), (60, 0, 1), (65, 0, 1)])
    assert enc.out_of_range(piece) == 2
    assert enc.encode(piece)[..., 0].sum() == 4


@pytest.mark.parametrize("spq", [1, 2, 4])
def test_decode_inverts_encode_on_the_grid(spq):
    enc = PianoRollEncoder(low=48, high=72, steps_per_quarter=spq)
    piece = Piece.from_notes([(60, 0, 2), (60, 2, 1), (64, 1, 3), (48, 0, 4), (72, 3, 1)])
    back = enc.decode(enc.encode(piece))
    assert back.same_notes(piece)


def test_decode_of_a_play_matrix_starts_notes_where_they_start_to_sound():
    enc = PianoRollEncoder(low=60, high=61, steps_per_quarter=1)
    play = np.array([[1, 0], [1, 1], [0, 1], [1, 1]])
    piece = enc.decode(play)
    assert sorted((int(n.pitch), n.start, n.duration) for n in piece.notes()) == [
        (60, 0.0, 2.0),
        (60, 3.0, 1.0),
        (61, 1.0, 3.0),
    ]
    assert play_to_roll(play)[..., 1].tolist() == [[1, 0], [0, 1], [0, 0], [1, 0]]


def test_a_hand_made_roll_gives_each_feature():
    low = 60  # notes C4..B4 + C5 (13 notes)
    roll = np.zeros((3, 13, 2), np.uint8)
    roll[0, 0] = (1, 1)  # step 0: C4 struck
    roll[0, 12] = (1, 0)  # step 0: C5 held
    roll[1, 4] = (1, 1)  # step 1: E4 struck
    f = note_features(roll, low=low, steps_per_quarter=4)
    assert f.shape == (3, 13, N_FEATURES) == (3, 13, 79)
    s = {name: slice(*span) for name, span in FEATURE_LAYOUT.items()}
    # position: (pitch - 21) / 87
    assert np.allclose(f[0, :, s["position"]][:, 0], (np.arange(60, 73) - 21) / 87)
    # pitch class one-hot: note 4 is E (4), note 12 is C (0)
    assert f[2, 4, s["pitch_class"]].tolist() == [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0][:12]
    assert np.argmax(f[2, 12, s["pitch_class"]]) == 0
    # step 0 sees silence before it
    assert f[0, :, s["neighbourhood"]].sum() == 0 and f[0, :, s["pitch_class_counts"]].sum() == 0
    # neighbourhood of note 4 at step 1 (= step 0's roll): pairs for notes -8..16; note 0 is
    # offset -4 -> pair 8; note 12 is offset +8 -> pair 20; everything below note 0 is zero
    nb = f[1, 4, s["neighbourhood"]].reshape(25, 2)
    expected = np.zeros((25, 2))
    expected[12 - 4] = (1, 1)
    expected[12 + 8] = (1, 0)
    assert np.array_equal(nb, expected)
    # no wrapping: the lowest note sees C5 (offset +12, pair 24) and nothing below it
    nb0 = f[1, 0, s["neighbourhood"]].reshape(25, 2)
    assert nb0[:12].sum() == 0 and nb0[12].tolist() == [1, 1] and nb0[24].tolist() == [1, 0]
    # the top note's window past the range is zero, and C4 is 12 below it (pair 0)
    nb12 = f[1, 12, s["neighbourhood"]].reshape(25, 2)
    assert nb12[13:].sum() == 0 and nb12[0].tolist() == [1, 1] and nb12[12].tolist() == [1, 0]
    # pitch-class counts relative to the note: two Cs sounding at step 0
    counts_e = f[1, 4, s["pitch_class_counts"]]  # E: C is 8 semitones above E (mod 12)
    assert counts_e.tolist() == [0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0]
    assert f[1, 0, s["pitch_class_counts"]].tolist() == [2] + [0] * 11
    assert f[2, 0, s["pitch_class_counts"]].tolist() == [0, 0, 0, 0, 1] + [0] * 7  # E above C
    # beat: 16th position of steps 0, 1, 2 -> bits of 0, 1, 2 as -1/+1
    assert f[:, 7, s["beat"]].tolist() == [[-1, -1, -1, -1], [1, -1, -1, -1], [-1, 1, -1, -1]]


def test_beat_on_a_quarter_note_grid_counts_in_16ths():
    assert beat_features(np.arange(5), 1).tolist() == [
        [-1, -1, -1, -1],
        [-1, -1, 1, -1],
        [-1, -1, -1, 1],
        [-1, -1, 1, 1],
        [-1, -1, -1, -1],
    ]
    assert beat_features([15, 16], 4).tolist() == [[1, 1, 1, 1], [-1, -1, -1, -1]]


@pytest.mark.parametrize("spq", [1, 4])
def test_keras_ops_features_equal_numpy_features(spq):
    rng = np.random.default_rng(3)
    roll = (rng.random((9, 30, 2)) < 0.3).astype(np.uint8)
    roll[..., 1] &= roll[..., 0]
    previous = np.concatenate([np.zeros_like(roll[:1]), roll[:-1]]).astype(np.float32)
    got = np.asarray(note_features_ops(previous, np.arange(9) + 5, 40, spq))
    assert np.array_equal(got, note_features(roll, 40, spq, first_step=5))


def test_config_round_trip_and_bad_input(tmp_path):
    enc = PianoRollEncoder(low=30, high=90, steps_per_quarter=1)
    path = enc.save(tmp_path / "encoder.json")
    assert json.loads(path.read_text())["type"] == "PianoRollEncoder"
    back = load_encoder(path)
    assert (back.low, back.high, back.steps_per_quarter, back.n_notes) == (30, 90, 1, 61)
    assert back.note_names[0] == "F#1"
    with pytest.raises(MusicnbError, match="low < high"):
        PianoRollEncoder(low=80, high=60)
    with pytest.raises(MusicnbError, match="steps_per_quarter"):
        PianoRollEncoder(steps_per_quarter=0)
    with pytest.raises(MusicnbError, match="same low/high"):
        enc.decode(np.zeros((4, 5, 2)))
    with pytest.raises(MusicnbError, match="Piece"):
        enc.encode([60, 62])


def test_roll_chunks_never_cross_pieces():
    from musicnb.encoders.pianoroll import roll_chunks

    a = np.arange(10 * 3 * 2).reshape(10, 3, 2)
    b = 1000 + np.arange(5 * 3 * 2).reshape(5, 3, 2)
    chunks = roll_chunks([a, b], length=4, stride=4)
    assert chunks.shape == (3, 4, 3, 2) and chunks.dtype == np.float32
    assert np.array_equal(chunks[1], a[4:8]) and np.array_equal(chunks[2], b[:4])
    with pytest.raises(MusicnbError, match="No piece has 20 steps"):
        roll_chunks([a, b], length=20)


def test_exercise_checkers_accept_answers_and_catch_the_classic_mistakes():
    from musicnb.encoders.pianoroll import check_articulate_from_play, check_neighbourhood

    assert "pass" in check_articulate_from_play(lambda play: play_to_roll(play)[..., 1])
    with pytest.raises(MusicnbError, match=" — got .+, expected .+ — "):
        check_articulate_from_play(lambda play: play)  # every sounding step "struck"

    def right(play, n):
        return np.pad(play, 12)[n : n + 25]

    def wrapping(play, n):  # Johnson's original indexing: play[-1] is the top note
        return np.array([play[n + k] if n + k < len(play) else 0 for k in range(-12, 13)])

    assert "pass" in check_neighbourhood(right)
    with pytest.raises(MusicnbError, match="wrap"):
        check_neighbourhood(wrapping)


def test_encoder_saves_loads_and_refuses_another_kind(tmp_path):
    from musicnb.encoders import EventEncoder, PianoRollEncoder, load_encoder

    encoder = PianoRollEncoder(low=40, high=80, steps_per_quarter=2)
    path = encoder.save(tmp_path / "encoder.json")
    assert load_encoder(path) == encoder and PianoRollEncoder.load(path) == encoder
    assert PianoRollEncoder.load(path) != PianoRollEncoder(low=40, high=81, steps_per_quarter=2)
    with pytest.raises(
        MusicnbError, match="holds a PianoRollEncoder, not the EventEncoder asked for"
    ):
        EventEncoder.load(path)

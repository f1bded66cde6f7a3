"""NoteEventEncoder: (pitch, velocity, time since previous onset) per note."""

from __future__ import annotations

import numpy as np
import pytest

from musicnb import MusicnbError, Piece
from musicnb.encoders import NoteEventEncoder, load_encoder


def test_encode_top_line_with_velocities_and_onset_gaps():
    piece = Piece.from_notes(
        [(60, 0, 1, 80, 0), (64, 0, 1, 70, 1), (67, 1, 0.5, 100, 0), (62, 1.5, 0.5, 50, 1)]
    )
    events = NoteEventEncoder().encode(piece)
    assert events.tolist() == [[64, 70, 0.0], [67, 100, 1.0], [62, 50, 0.5]]
    part0 = NoteEventEncoder(part=0).encode(piece)
    assert part0.tolist() == [[60, 80, 0.0], [67, 100, 1.0]]
    assert events.dtype == np.float32


def test_round_trip_of_a_legato_line():
    piece = Piece.from_notes(
        [(60, 0, 1, 80), (62, 1, 0.5, 90), (64, 1.5, 0.5, 100), (65, 2, 2, 60)]
    )
    encoder = NoteEventEncoder(max_duration=2.0)
    back = encoder.decode(encoder.encode(piece))
    assert back.same_notes(piece)
    assert back.velocity.tolist() == [80, 90, 100, 60]


def test_decode_rounds_clips_and_caps_durations():
    encoder = NoteEventEncoder(max_duration=1.0, min_duration=0.25)
    piece = encoder.decode([[59.6, 200, 0.0], [130, -5, 3.0], [61, 64, -1.0]])
    notes = sorted(piece.notes(), key=lambda n: (n.start, n.pitch))
    assert [(n.pitch, n.start, n.duration, n.velocity) for n in notes] == [
        (60, 0.0, 1.0, 127),
        (61, 3.0, 1.0, 64),
        (127, 3.0, 1.0, 1),
    ]
    with pytest.raises(MusicnbError, match="shape"):
        encoder.decode(np.zeros((3, 2)))
    with pytest.raises(MusicnbError, match="NaN"):
        encoder.decode([[np.nan, 1, 0]])


def test_save_and_load(tmp_path):
    encoder = NoteEventEncoder(part=1, max_duration=3.0)
    assert load_encoder(encoder.save(tmp_path / "enc.json")) == encoder
    with pytest.raises(MusicnbError, match="part"):
        NoteEventEncoder(part=3).encode(Piece.from_notes([(60, 0, 1)]))

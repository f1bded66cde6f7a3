"""Generation diagnostics: each number on hand-made melodies whose answer is known."""

from __future__ import annotations

import math

import numpy as np
import pytest

from musicnb import MusicnbError, Piece
from musicnb.diagnostics import (
    compare_to_training,
    generation_diagnostics,
    in_key_share,
    longest_tandem_repeat,
    pitch_class_entropy,
    scale_consistency,
)
from musicnb.encoders.events import EventEncoder

ENC = EventEncoder()  # low 48: token = pitch - 46


def tok(pitch: int) -> int:
    return ENC.pitch_token(pitch)


@pytest.mark.parametrize(
    "tokens,expected",
    [
        ([], 0),
        ([5], 0),
        ([1, 2, 3, 4], 0),
        ([7, 7], 1),
        ([1, 2, 1, 2], 2),
        ([9, 1, 2, 3, 1, 2, 3, 8], 3),
        ([1, 2, 3, 1, 2, 4], 0),
        ([4] * 10, 5),
        ([1, 2, 1, 2, 1, 2, 1], 2),  # blocks of 3 never repeat (121 then 212); blocks of 2 do
    ],
)
def test_longest_tandem_repeat(tokens, expected):
    assert longest_tandem_repeat(tokens) == expected


def test_longest_tandem_repeat_matches_brute_force():
    rng = np.random.default_rng(0)
    for _ in range(30):
        a = rng.integers(0, 3, rng.integers(0, 25)).tolist()
        brute = max(
            [
                L
                for L in range(1, len(a) // 2 + 1)
                for i in range(len(a) - 2 * L + 1)
                if a[i : i + L] == a[i + L : i + 2 * L]
            ]
            or [0]
        )
        assert longest_tandem_repeat(a) == brute


def test_pitch_class_entropy_and_scale_consistency():
    assert pitch_class_entropy([]) == 0.0
    assert pitch_class_entropy([60, 72, 48]) == 0.0  # one pitch class
    assert pitch_class_entropy([60, 62]) == pytest.approx(1.0)
    assert pitch_class_entropy(range(60, 72)) == pytest.approx(math.log2(12))
    assert scale_consistency([60, 62, 64, 65, 67, 69, 71]) == (1.0, "C major")
    share, best = scale_consistency([67, 69, 71, 72, 74, 76, 78, 70])  # G major + one Bb
    assert best == "G major" and share == pytest.approx(7 / 8)
    assert scale_consistency(range(60, 72))[0] == pytest.approx(7 / 12)
    assert scale_consistency([]) == (0.0, None)
    assert in_key_share([60, 61, 62, 66], "G major") == pytest.approx(0.75)  # C, D, F# in; C# out


def test_generation_diagnostics_of_a_collapsed_and_a_lively_stream():
    collapsed = [tok(60), 1] * 16  # the same note struck over and over
    scale = [tok(p) for p in (60, 62, 64, 65, 67, 69, 71, 72)]
    lively = [t for s in scale for t in (s, 1, 0, 1)][:32]
    lively = [t if t != 1 or i % 4 != 3 else 0 for i, t in enumerate(lively)]
    diag = generation_diagnostics(np.array([collapsed, lively]), ENC, key="C major")
    first, second = diag.rows
    assert first["notes"] == 16 and first["repetition_rate"] == 1.0
    assert first["distinct_pitches"] == 1 and first["pitch_class_entropy"] == 0.0
    assert first["longest_loop"] == 16  # any even block of "C4 hold" repeats
    assert second["repetition_rate"] == 0.0 and second["distinct_pitches"] == 8
    assert second["scale_consistency"] == 1.0 and second["best_scale"] == "C major"
    assert second["in_key"] == 1.0
    assert second["rest_share"] == pytest.approx(0.5)
    assert diag["repetition_rate"] == pytest.approx(0.5)
    assert "<table>" in diag._repr_html_() and "mean" in diag._repr_html_()
    assert "repetition_rate" in str(diag)


def test_diagnostics_accept_pieces_and_lists():
    piece = Piece.from_notes([(60, 0, 1), (64, 1, 1), (67, 2, 1), (64, 3, 1)])
    from_piece = generation_diagnostics(piece)
    from_tokens = generation_diagnostics(ENC.encode(piece), ENC)
    assert from_piece.rows == from_tokens.rows
    assert from_piece["distinct_pitches"] == 3
    assert len(generation_diagnostics([ENC.encode(piece), ENC.encode(piece)[:8]]).rows) == 2
    with pytest.raises(MusicnbError):
        generation_diagnostics([])
    with pytest.raises(MusicnbError):
        generation_diagnostics([np.array([0.5, 1.0])])


def test_compare_to_training_cuts_training_to_the_generated_length():
    training = [np.array([tok(60 + (i % 5) * 2), 1] * 40) for i in range(3)]  # 80 steps each
    generated = np.array([[tok(61), 1] * 10])  # 20 steps, an out-of-scale collapsed note
    comparison = compare_to_training(generated, training, ENC)
    assert comparison.length == 20
    assert len(comparison.training.rows) == 3 * 4  # each tune gives four 20-step excerpts
    table = {row[0]: row for row in comparison.rows()}
    assert table["repetition_rate"][1] == 1.0 and table["repetition_rate"][4] == "typical"
    assert table["notes"][2] == pytest.approx(10.0)
    html = comparison._repr_html_()
    assert "training 10–90%" in html and "12 training excerpts" in html
    assert set(comparison.as_dict()) >= {"pitch_class_entropy", "scale_consistency"}
    capped = compare_to_training(generated, training, ENC, max_excerpts=5)
    assert len(capped.training.rows) == 5

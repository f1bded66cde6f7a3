"""Copying checks, seed spread and the blind listening test (musicnb.evaluation)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from musicnb import MusicnbError, Piece
from musicnb import evaluation as ev

TRAIN = [np.array([5, 6, 7, 8, 9, 10]), np.array([20, 21, 22, 23])]


def _brute_longest(generated, training):
    best = 0
    g = list(generated)
    for row in training:
        r = list(row)
        for i in range(len(g)):
            for j in range(len(r)):
                k = 0
                while i + k < len(g) and j + k < len(r) and g[i + k] == r[j + k]:
                    k += 1
                best = max(best, k)
    return best


def test_ngram_overlap_counts_shared_ngrams_and_never_across_pieces():
    assert ev.ngram_overlap(np.array([5, 6, 7, 8]), TRAIN, 2) == 1.0
    # (9, 10) is in training, (10, 20) only across the two pieces: it must not count
    assert ev.ngram_overlap(np.array([9, 10, 20]), TRAIN, 2) == 0.5
    assert ev.ngram_overlap(np.array([1, 2, 3]), TRAIN, 1) == 0.0
    assert math.isnan(ev.ngram_overlap(np.array([5]), TRAIN, 2))
    with pytest.raises(MusicnbError, match="whole number"):
        ev.ngram_overlap(np.array([5, 6]), TRAIN, 0)


def test_longest_copy_finds_the_run_and_where_it_comes_from():
    copy = ev.longest_copy(np.array([1, 21, 22, 23, 7, 8]), TRAIN)
    assert (copy.length, copy.generated_start, copy.training_index, copy.training_start) == (
        3,
        1,
        1,
        1,
    )
    # a run that exists only across the boundary of two training pieces is not a copy
    assert ev.longest_copy(np.array([9, 10, 20, 21]), TRAIN).length == 2
    assert ev.longest_copy(np.array([99, 98]), TRAIN).length == 0
    with pytest.raises(MusicnbError, match="empty"):
        ev.TrainingIndex([])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 3), min_size=1, max_size=12), min_size=1, max_size=4),
    st.lists(st.integers(0, 3), min_size=1, max_size=12),
)
def test_longest_copy_agrees_with_brute_force(training, generated):
    training = [np.array(t) for t in training]
    index = ev.TrainingIndex(training)
    copy = index.longest_copy(np.array(generated))
    assert copy.length == _brute_longest(generated, training)
    if copy.length:
        run = generated[copy.generated_start : copy.generated_start + copy.length]
        source = training[copy.training_index][
            copy.training_start : copy.training_start + copy.length
        ]
        assert list(source) == run


def test_overlap_table_rows_and_real_excerpts():
    index = ev.TrainingIndex(TRAIN)
    table = ev.overlap_table(
        {"copy": [np.array([5, 6, 7, 8])], "new": [np.array([1, 2, 3, 4])]},
        index,
        ns=(2, 4),
        steps_per_bar=2,
    )
    assert (
        table.rows["copy"]["4-gram overlap"] == 1.0 and table.rows["new"]["2-gram overlap"] == 0.0
    )
    assert table.rows["copy"]["longest copy"] == 4.0
    assert "100%" in str(table) and "<table>" in table._repr_html_()
    cut = ev.excerpts(TRAIN, 4, 5, seed=1)
    assert len(cut) == 5 and all(len(e) == 4 for e in cut)
    assert all(ev.longest_copy(e, TRAIN).length == 4 for e in cut)
    with pytest.raises(MusicnbError, match="No sequence"):
        ev.excerpts(TRAIN, 50, 1)


def test_high_order_ngram_model_copies_and_order_one_recombines():
    rng = np.random.default_rng(0)
    training = [rng.integers(2, 30, 200) for _ in range(5)]
    index = ev.TrainingIndex(training)
    primer = training[0][:8]
    copying = ev.NgramModel(training, order=8).generate(primer, 100, seed=0)
    mixing = ev.NgramModel(training, order=1).generate(primer, 100, seed=0)
    assert index.longest_copy(copying).length >= 90
    assert index.longest_copy(mixing).length < 30
    assert np.array_equal(
        ev.NgramModel(training, 2).generate(primer, 20, seed=3),
        ev.NgramModel(training, 2).generate(primer, 20, seed=3),
    )


def test_seed_spread_summaries_and_separation():
    spread = ev.seed_spread(
        {
            "a": {0: {"nll": 1.0}, 1: {"nll": 1.2}, 2: {"nll": 1.1}},
            "b": {0: {"nll": 2.0}, 1: {"nll": 2.1}},
        }
    )
    s = spread.summary("a", "nll")
    assert s["mean"] == pytest.approx(1.1) and s["sd"] == pytest.approx(0.1) and s["seeds"] == 3
    assert (s["min"], s["max"]) == (1.0, 1.2)
    assert spread.separated("nll", "a", "b")
    close = ev.seed_spread({"a": {0: {"x": 1.0}, 1: {"x": 3.0}}, "b": {0: {"x": 2.0}}})
    assert not close.separated("x", "a", "b")
    assert "range over seeds" in str(spread) and "1.000 – 1.200" in str(spread)
    with pytest.raises(MusicnbError, match="same figures"):
        ev.seed_spread({"a": {0: {"x": 1.0}, 1: {"y": 2.0}}})


def test_binomial_tail_and_critical_count():
    assert ev.binomial_tail(0, 10) == pytest.approx(1.0)
    assert ev.binomial_tail(10, 10) == pytest.approx(1 / 1024)
    assert ev.binomial_tail(15, 20) == pytest.approx(0.020695, abs=1e-6)
    assert ev.critical_count(20) == 15  # 14 of 20 happens by chance 5.8 %
    assert ev.critical_count(3) == 4  # 3 trials can never reach 5 %


def test_listening_test_is_blind_equal_length_and_scores_the_sheet():
    real = [Piece.from_notes([(60 + i, q, 1) for q in range(8)]) for i in range(6)]
    generated = [Piece.from_notes([(70, 0, 2)]) for _ in range(6)]  # shorter: must be cut/padded
    test = ev.ListeningTest(generated, real, quarters=4, seed=0)
    key = test.answer_key()
    assert set(key.values()) == {"A", "B"}  # order is randomised
    for trial in test.trials:
        assert trial.a.end <= 4 and trial.b.end <= 4
        a, b = ev.ListeningTest.audio(trial)
        assert len(a) == len(b)  # durations never give it away
    perfect = test.score(key)
    assert perfect.correct == 6 and perfect.p_value == pytest.approx(1 / 64)
    wrong = test.score({n: "B" if s == "A" else "A" for n, s in key.items()})
    assert wrong.correct == 0 and wrong.p_value == pytest.approx(1.0)
    with pytest.raises(MusicnbError, match="no answer"):
        test.score({1: "A"})
    with pytest.raises(MusicnbError, match="'A' or 'B'"):
        test.score({n: "C" for n in key})
    with pytest.raises(MusicnbError, match="as many"):
        ev.ListeningTest(generated[:2], real[:3])

"""Next-event metrics and baselines: exact values on hand-made examples."""

from __future__ import annotations

import math

import numpy as np
import pytest

from musicnb import MusicnbError
from musicnb.metrics import (
    NextEventBaseline,
    compare_next_event,
    cross_entropy,
    evaluate_next_event,
    next_event_baselines,
    next_event_scores,
    perplexity,
    top_k_accuracy,
)


def test_top_k_accuracy_and_perplexity_exact():
    probs = np.array([[0.5, 0.3, 0.2], [0.1, 0.6, 0.3], [0.1, 0.3, 0.6]])
    y = np.array([0, 2, 0])
    assert top_k_accuracy(probs, y, 1) == pytest.approx(1 / 3)
    assert top_k_accuracy(probs, y, 2) == pytest.approx(2 / 3)
    assert top_k_accuracy(probs, y, 3) == 1.0
    h = -(math.log(0.5) + math.log(0.3) + math.log(0.1)) / 3
    assert cross_entropy(probs, y) == pytest.approx(h)
    assert perplexity(probs, y) == pytest.approx(math.exp(h))
    uniform = np.full((4, 8), 1 / 8)
    assert perplexity(uniform, np.arange(4)) == pytest.approx(8.0)
    # a tie is not a win: the target must not be beaten, and an all-equal row ranks it first
    assert top_k_accuracy(np.array([[0.5, 0.5]]), np.array([1]), 1) == 1.0


def test_sequence_outputs_are_flattened_or_scored_at_the_last_step():
    probs = np.zeros((2, 3, 4))
    probs[..., 1] = 1.0
    Y = np.array([[1, 1, 0], [1, 2, 1]])
    assert top_k_accuracy(probs, Y) == pytest.approx(4 / 6)
    assert top_k_accuracy(probs, np.array([0, 1])) == pytest.approx(0.5)  # last step only


def test_bad_targets_are_explained():
    with pytest.raises(MusicnbError, match="integer tokens"):
        top_k_accuracy(np.ones((2, 3)) / 3, np.array([0.0, 1.0]))
    with pytest.raises(MusicnbError, match="do not match"):
        top_k_accuracy(np.ones((2, 3)) / 3, np.array([0, 1, 2]))
    with pytest.raises(MusicnbError, match="0..2"):
        top_k_accuracy(np.ones((2, 3)) / 3, np.array([0, 3]))
    with pytest.raises(MusicnbError, match="Unknown baseline"):
        NextEventBaseline("trigram", 4)


def test_baselines_fitted_on_training_sequences():
    train = [np.array([0, 1, 1, 1, 2, 3]), np.array([2, 3, 1, 1])]
    most, repeat, bigram = next_event_baselines(train, vocab_size=4, alpha=0.0)
    X = np.array([[3, 0], [3, 1], [1, 2]])
    y = np.array([1, 1, 3])
    # unigram: counts 1, 5, 2, 2 of 10 -> always predicts 1
    np.testing.assert_allclose(most.predict_proba(X, y)[0], [0.1, 0.5, 0.2, 0.2])
    assert top_k_accuracy(most.predict_proba(X, y), y) == pytest.approx(2 / 3)
    # repeat: previous token ranks first; training repeats 3 of 8 pairs -> at least 0.5
    p = repeat.predict_proba(X, y)
    assert p.argmax(-1).tolist() == [0, 1, 2]
    np.testing.assert_allclose(p.sum(-1), 1.0)
    assert top_k_accuracy(p, y) == pytest.approx(1 / 3)
    # bigram: after 2 always 3; after 1: 1 (x3), 2 (x1)
    q = bigram.predict_proba(X, y)
    np.testing.assert_allclose(q[2], [0, 0, 0, 1])
    np.testing.assert_allclose(q[1], [0, 0.75, 0.25, 0])
    assert top_k_accuracy(q, y) == 1.0  # after 0 came 1 in training, so it gets all three


def test_comparison_table_scores_models_beside_baselines():
    keras = pytest.importorskip("keras")
    from musicnb.models.next_note import logistic_regression

    rng = np.random.default_rng(0)
    train = [rng.integers(0, 5, 50) for _ in range(3)]
    X = rng.integers(0, 5, (40, 3)).astype("int32")
    y = ((X[:, -1] + 1) % 5).astype("int32")
    model = logistic_regression(5, window=3)
    table = compare_next_event(
        {"logistic regression": model}, X, y, train, extra={"published (Dorsey)": {"top1": 0.0621}}
    )
    assert table.names == [
        "most frequent event",
        "repeat the previous event",
        "bigram (previous event)",
        "logistic regression",
        "published (Dorsey)",
    ]
    scores = evaluate_next_event(model, X, y)
    assert table["logistic regression"]["top1"] == pytest.approx(scores["top1"])
    assert table["repeat the previous event"]["top1"] == 0.0  # y never repeats here
    html = table._repr_html_()
    assert html.count("<tr>") == 6 and "6.2%" in html and "<b>" in html
    assert "bigram" in repr(table)
    assert next_event_scores(np.full((40, 5), 0.2), y)["perplexity"] == pytest.approx(5.0)
    assert keras is not None


def test_exercise_checkers_accept_right_and_reject_wrong_answers():
    from musicnb.metrics import check_perplexity, check_top_k_accuracy

    assert "pass" in check_top_k_accuracy(top_k_accuracy)
    assert "pass" in check_perplexity(perplexity)
    with pytest.raises(MusicnbError, match=" — got .+, expected .+ — "):
        check_top_k_accuracy(lambda p, y, k: float(np.mean(p.argmax(-1) == y)))  # ignores k
    with pytest.raises(MusicnbError, match=" — got .+, expected .+ — "):
        check_perplexity(lambda p, y: float(np.mean(-np.log(p[np.arange(len(y)), y]))))  # no exp


def test_rows_measured_elsewhere_show_a_dash_for_missing_scores():
    train = [np.array([0, 1, 1, 2, 1, 1])]
    X, y = np.array([[1], [2]]), np.array([1, 1])
    table = compare_next_event({}, X, y, train, vocab_size=3, extra={"paper": {"top1": 0.5}})
    assert "nan" not in table._repr_html_() and "—" in repr(table)
    assert table.best("perplexity")["name"] != "paper"

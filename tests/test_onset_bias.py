"""Use (b) of the theory loss measured: accuracy, rest/hold probability and scale consistency."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from musicnb import MusicnbError, models, onset_bias
from musicnb.encoders import EventEncoder

ENCODER = EventEncoder(low=60, high=71)  # rest, hold, C4..B4


def test_data_figures_count_rest_and_hold_targets_and_the_training_scale():
    c_major = [np.array([2, 1, 4, 1, 6, 0, 7, 9, 11, 13])]  # C D E F G A B
    Y = np.array([[0, 1, 2, 3], [1, 1, 5, 0]])
    figures = onset_bias.data_figures(c_major, Y, ENCODER)
    assert figures["p_rest_or_hold"] == pytest.approx(5 / 8)
    assert figures["predicted_onsets"] == figures["sampled_onsets"] == pytest.approx(3 / 8)
    assert figures["scale_consistency"] == pytest.approx(1.0)


def test_use_b_figures_measure_the_model_on_the_test_chunks():
    keras.utils.set_random_seed(0)
    model = models.onehot_lstm(ENCODER.vocab_size, window=None, units=4, compile=False)
    rng = np.random.default_rng(0)
    X = rng.integers(0, ENCODER.vocab_size, (3, 8))
    Y = rng.integers(0, ENCODER.vocab_size, (3, 8))
    figures = onset_bias.use_b_figures(model, ENCODER, X, Y, primer=[2, 1, 4], streams=2, length=16)
    probs = model.predict(X, verbose=0)
    assert figures["test_accuracy"] == pytest.approx(np.mean(probs.argmax(-1) == Y))
    assert figures["p_rest_or_hold"] == pytest.approx(probs[..., :2].sum(-1).mean(), rel=1e-6)
    assert 0.0 <= figures["scale_consistency"] <= 1.0
    onsets = Y >= 2
    assert figures["p_rest_or_hold_at_onsets"] == pytest.approx(
        probs[..., :2].sum(-1)[onsets].mean(), rel=1e-6
    )
    assert figures["predicted_onsets"] == pytest.approx(np.mean(probs.argmax(-1) >= 2))
    from musicnb.sampling import Sampler

    again = Sampler(model, ENCODER).generate(
        [2, 1, 4], length=16, streams=2, temperature=1.0, seed=0
    )
    assert figures["sampled_onsets"] == pytest.approx(np.mean(np.asarray(again) >= 2))
    with pytest.raises(MusicnbError, match="same"):
        onset_bias.use_b_figures(model, ENCODER, X, Y[:, :4], primer=[2])

"""The music-theory pitch loss, the theory-aware cross-entropy and the weighted two-head loss."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from musicnb import MusicnbError
from musicnb import losses


def cost(d):
    return np.asarray(losses.interval_cost(np.asarray(d, np.float32)))


def test_fitted_coefficients_match_the_target_table():
    weights = losses.fit_interval_cost(losses.INTERVAL_COST_TARGETS, 5)
    assert np.allclose(weights, losses.THEORY_HARMONICS, atol=1e-5)
    for interval_class, target in losses.INTERVAL_COST_TARGETS.items():
        assert cost([interval_class])[0] == pytest.approx(target, abs=0.02)
    with pytest.raises(MusicnbError, match="interval class"):
        losses.fit_interval_cost({0: 0.0}, 3)


def test_cost_is_low_for_consonances_high_off_scale_and_periodic():
    c = {d: float(cost([d])[0]) for d in range(0, 13)}
    consonant = [c[0], c[3], c[4], c[5], c[7], c[12]]
    dissonant = [c[1], c[6], c[11]]
    assert max(consonant) < min(dissonant)
    assert c[0] == pytest.approx(0.0, abs=1e-3)
    assert cost([2.0])[0] == pytest.approx(cost([-2.0])[0], abs=1e-5)  # symmetric
    leap_13 = losses.LEAP_WEIGHT * np.logaddexp(0, losses.LEAP_SHARPNESS * (13 - losses.LEAP_START)) \
        / losses.LEAP_SHARPNESS
    assert cost([13.0])[0] - cost([1.0])[0] == pytest.approx(leap_13, abs=1e-3)  # 12-periodic + leap
    # periodic up to the leap charge, which grows beyond an octave
    assert cost([19.0])[0] > cost([7.0])[0] and cost([31.0])[0] > cost([19.0])[0] + 1.0
    assert np.allclose(losses.interval_cost_numpy(np.arange(-30, 30)), cost(np.arange(-30, 30)),
                       atol=1e-4)


def test_theory_loss_is_differentiable_and_registered(tmp_path):
    import tensorflow as tf

    x = tf.Variable([60.4, 66.0])
    with tf.GradientTape() as tape:
        value = losses.TheoryPitchLoss()(tf.constant([60.0, 60.0]), x)
    grad = tape.gradient(value, x).numpy()
    assert np.all(np.isfinite(grad)) and grad[0] > 0  # pulls 60.4 back down to the unison
    restored = keras.losses.deserialize(keras.losses.serialize(losses.TheoryAwareCrossEntropy([-1, 60, 67], 0.3)))
    assert isinstance(restored, losses.TheoryAwareCrossEntropy)
    assert restored.token_pitches == [-1, 60, 67] and restored.weight == 0.3


def test_theory_aware_cross_entropy_adds_the_expected_cost():
    pitches = [-1, 60, 61, 67]  # rest, C4, C#4, G4
    loss = losses.TheoryAwareCrossEntropy(pitches, weight=1.0, reduction=None)
    y = np.array([1, 1, 0])
    probs = np.array([[0.0, 0.5, 0.5, 0.0],    # half on a wrong semitone
                      [0.0, 0.5, 0.0, 0.5],    # half on a wrong fifth
                      [0.5, 0.0, 0.5, 0.0]], np.float32)  # rest target: no pitch, no cost
    out = np.asarray(loss(y, probs))
    ce = -np.log(np.array([0.5, 0.5, 0.5]))
    assert out[0] == pytest.approx(ce[0] + 0.5 * losses.interval_cost_numpy(1), rel=1e-4)
    assert out[1] == pytest.approx(ce[1] + 0.5 * losses.interval_cost_numpy(7), rel=1e-4)
    assert out[2] == pytest.approx(ce[2], rel=1e-5)
    assert out[0] > out[1]
    sequence = np.asarray(loss(np.array([[1, 1]]), probs[None, :2]))  # (batch, time) works too
    assert np.allclose(sequence[0], out[:2], rtol=1e-5)


def test_weighted_two_head_loss_reference_on_fixed_tensors():
    ym, yc = np.array([0, 1]), np.array([2, 2])
    pm = np.array([[0.8, 0.2], [0.4, 0.6]], np.float32)
    pc = np.array([[0.1, 0.1, 0.8], [0.2, 0.3, 0.5]], np.float32)
    ce_m = -(np.log(0.8) + np.log(0.6)) / 2
    ce_c = -(np.log(0.8) + np.log(0.5)) / 2
    value = float(losses.weighted_two_head_loss(ym, pm, yc, pc, alpha=0.3))
    assert value == pytest.approx(0.3 * ce_m + 0.7 * ce_c, rel=1e-5)
    args = losses.two_head_compile_args(0.3)
    assert args["loss_weights"] == {"melody": 0.3, "chord": 0.7}
    with pytest.raises(MusicnbError, match="alpha"):
        losses.two_head_compile_args(1.5)


def test_sampled_accuracy_metric_is_the_probability_of_the_truth():
    value = np.asarray(losses.sampled_accuracy_metric(np.array([1, 0]),
                                                      np.array([[0.3, 0.7], [0.9, 0.1]], np.float32)))
    assert np.allclose(value, [0.7, 0.9])


def test_exercise_checker_accepts_the_reference_and_rejects_a_wrong_weighting():
    import numpy as np_

    assert "agree" in losses.check_weighted_two_head_loss(losses.weighted_two_head_loss)

    def swapped(ym, pm, yc, pc, alpha):
        return losses.weighted_two_head_loss(ym, pm, yc, pc, 1.0 - alpha)

    with pytest.raises(MusicnbError, match="alpha"):
        losses.check_weighted_two_head_loss(swapped)

    def summed(ym, pm, yc, pc, alpha):  # sums instead of averaging over steps
        pm, pc = np_.asarray(pm).reshape(-1, pm.shape[-1]), np_.asarray(pc).reshape(-1, pc.shape[-1])
        ym, yc = np_.asarray(ym).reshape(-1), np_.asarray(yc).reshape(-1)
        rows = np_.arange(len(ym))
        return -(alpha * np_.log(pm[rows, ym]).sum() + (1 - alpha) * np_.log(pc[rows, yc]).sum())

    with pytest.raises(MusicnbError, match="Case"):
        losses.check_weighted_two_head_loss(summed)

"""The music-theory pitch losses (the paper's and the course's), the theory-aware
cross-entropy and the weighted two-head loss."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from musicnb import MusicnbError, losses

GRID = np.linspace(-24, 24, 4801)  # 0.01 semitone steps


def cost(d, which="paper"):
    return np.asarray(losses.interval_cost(np.asarray(d, np.float32), which), np.float64)


@pytest.mark.parametrize("which", ["paper", "course"])
def test_cost_is_non_negative_with_its_only_minimum_at_zero(which):
    values = losses.interval_cost_numpy(GRID, which)
    assert values.min() >= 0.0
    assert values[np.abs(GRID) < 1e-9][0] == pytest.approx(0.0, abs=1e-9)
    away = values[np.abs(GRID) >= 0.05]
    assert away.min() > 0.0  # no other point ties with the true note, octaves included
    assert np.allclose(cost(GRID, which), values, atol=1e-3)  # keras.ops == NumPy (float32)


@pytest.mark.parametrize("which", ["paper", "course"])
def test_gradient_points_back_to_the_true_note(which):
    import tensorflow as tf

    offsets = np.array([-0.5, -0.2, -0.05, -0.01, 0.01, 0.05, 0.2, 0.5], np.float32)
    x = tf.Variable(60.0 + offsets)
    with tf.GradientTape() as tape:
        value = tf.reduce_sum(losses.TheoryPitchLoss(which, reduction=None)(tf.fill([8], 60.0), x))
    grad = tape.gradient(value, x).numpy()
    assert np.all(np.isfinite(grad))
    assert np.all(np.sign(grad) == np.sign(offsets))  # descent moves the prediction to 60
    with tf.GradientTape() as tape:
        at_zero = losses.TheoryPitchLoss(which)(tf.constant([60.0]), x[:0] + tf.constant([60.0]))
    assert at_zero.numpy() == pytest.approx(0.0, abs=1e-6)


def test_paper_cost_is_cheap_on_the_major_triad_above_and_asymmetric():
    c = {d: float(cost([d])[0]) for d in range(-12, 13)}
    cheap = [c[4], c[7], c[-5], c[-8]]  # +4, +7 and their octave repeats -8, -5
    dear = [c[d] for d in (1, 2, 3, 5, 6, 8, 9, 10, 11, -1, -2, -3, -4, -6, -7, -9, -10, -11)]
    assert max(cheap) < 0.2 < 0.9 < min(dear)
    assert c[-4] > 5 * c[4] and c[-7] > 5 * c[7]  # NOT symmetric, as the paper has it
    for d, target in losses.PAPER_INTERVAL_TARGETS.items():
        assert losses.PAPER_THEORY_COST.periodic_numpy(d) == pytest.approx(target, abs=1e-9)


@pytest.mark.parametrize("which", ["paper", "course"])
def test_cost_is_12_periodic_up_to_the_leap_charge(which):
    model = losses.theory_cost(which)
    d = np.linspace(-30, 30, 1201)
    periodic = model.numpy(d) - model.leap_numpy(d)
    assert np.allclose(periodic, model.numpy(d + 12) - model.leap_numpy(d + 12), atol=1e-9)
    leap = model.leap_numpy(np.array([0.0, 6.0, 12.0, 13.0, 24.0]))
    assert leap[0] == pytest.approx(0.0, abs=1e-9) and leap[1] < 1e-3  # nothing inside an octave
    assert 0 < leap[2] < leap[3] < leap[4]  # grows beyond the octave
    assert leap[4] - leap[3] == pytest.approx(11 * losses.LEAP_WEIGHT, rel=0.01)  # λ per semitone
    assert model.numpy(19.0) > model.numpy(7.0) and model.numpy(-19.0) > model.numpy(-7.0)


def test_course_variant_is_folded_and_labelled():
    c = losses.COURSE_THEORY_COST
    assert c.name == "course" and losses.PAPER_THEORY_COST.name == "paper"
    d = np.linspace(0, 24, 241)
    assert np.allclose(c.numpy(d), c.numpy(-d), atol=1e-9)  # d and -d cost the same
    for k, target in losses.COURSE_INTERVAL_TARGETS.items():
        assert c.periodic_numpy(k) == pytest.approx(target, abs=1e-9)
    # its default use is beside cross-entropy; the regression default is the paper's
    assert losses.TheoryAwareCrossEntropy([60]).cost.name == "course"
    assert losses.PitchRegressionLoss().cost.name == "paper"


def test_fit_checks_its_targets():
    with pytest.raises(MusicnbError, match="cost for each"):
        losses.IntervalCost.fit({0: 0.0}, 3)
    with pytest.raises(MusicnbError, match="must be 0"):
        losses.IntervalCost.fit({k: 1.0 for k in range(12)}, 3)
    custom = losses.IntervalCost.fit(losses.PAPER_INTERVAL_TARGETS | {2: 0.3}, 5)
    assert (
        custom.periodic_numpy(2.0) == pytest.approx(0.3, abs=1e-9) and custom.numpy(GRID).min() >= 0
    )


def test_pitch_regression_loss_weighs_mse_at_20_percent_of_the_amplitude():
    loss = losses.PitchRegressionLoss(scales=(10.0, 0.5), reduction=None)
    y = np.array([[60.0, 80.0, 1.0]], np.float32)
    pred = np.array([[67.0, 90.0, 1.5]], np.float32)  # a fifth up, +1 σ velocity, +1 σ dt
    expected = losses.PAPER_THEORY_COST.numpy(7.0) + 0.2 * 1.0 * (1.0 + 1.0) / 2
    assert float(np.asarray(loss(y, pred))[0]) == pytest.approx(expected, rel=1e-5)
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert restored.cost == loss.cost and restored.mse_weight == 0.2


def test_theory_losses_are_registered():
    restored = keras.losses.deserialize(
        keras.losses.serialize(losses.TheoryAwareCrossEntropy([-1, 60, 67], 0.3))
    )
    assert isinstance(restored, losses.TheoryAwareCrossEntropy)
    assert restored.token_pitches == [-1, 60, 67] and restored.weight == 0.3
    again = keras.losses.deserialize(keras.losses.serialize(losses.TheoryPitchLoss("course")))
    assert again.cost == losses.COURSE_THEORY_COST


def test_theory_aware_cross_entropy_adds_the_expected_cost():
    pitches = [-1, 60, 61, 67]  # rest, C4, C#4, G4
    loss = losses.TheoryAwareCrossEntropy(pitches, weight=1.0, reduction=None)
    y = np.array([1, 1, 0])
    probs = np.array(
        [
            [0.0, 0.5, 0.5, 0.0],  # half on a wrong semitone
            [0.0, 0.5, 0.0, 0.5],  # half on a wrong fifth
            [0.5, 0.0, 0.5, 0.0],
        ],
        np.float32,
    )  # rest target: no pitch, no cost
    out = np.asarray(loss(y, probs))
    ce = -np.log(np.array([0.5, 0.5, 0.5]))
    assert out[0] == pytest.approx(ce[0] + 0.5 * losses.interval_cost_numpy(1, "course"), rel=1e-4)
    assert out[1] == pytest.approx(ce[1] + 0.5 * losses.interval_cost_numpy(7, "course"), rel=1e-4)
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
    value = np.asarray(
        losses.sampled_accuracy_metric(
            np.array([1, 0]), np.array([[0.3, 0.7], [0.9, 0.1]], np.float32)
        )
    )
    assert np.allclose(value, [0.7, 0.9])


def test_exercise_checker_accepts_the_reference_and_rejects_a_wrong_weighting():
    import numpy as np_

    assert "agree" in losses.check_weighted_two_head_loss(losses.weighted_two_head_loss)

    def swapped(ym, pm, yc, pc, alpha):
        return losses.weighted_two_head_loss(ym, pm, yc, pc, 1.0 - alpha)

    with pytest.raises(MusicnbError, match="alpha"):
        losses.check_weighted_two_head_loss(swapped)

    def summed(ym, pm, yc, pc, alpha):  # sums instead of averaging over steps
        pm, pc = (
            np_.asarray(pm).reshape(-1, pm.shape[-1]),
            np_.asarray(pc).reshape(-1, pc.shape[-1]),
        )
        ym, yc = np_.asarray(ym).reshape(-1), np_.asarray(yc).reshape(-1)
        rows = np_.arange(len(ym))
        return -(alpha * np_.log(pm[rows, ym]).sum() + (1 - alpha) * np_.log(pc[rows, yc]).sum())

    with pytest.raises(MusicnbError, match=" — got .+, expected .+ — "):
        losses.check_weighted_two_head_loss(summed)


def test_use_b_no_pitch_modes_price_rest_and_hold():
    pitches = [-1, -1, 60, 61, 67]  # rest, hold, C4, C#4, G4
    y = np.array([2, 2])
    on_pitches = np.array([[0.0, 0.0, 0.5, 0.5, 0.0]], np.float32)
    half_on_rest = np.array([[0.5, 0.0, 0.25, 0.25, 0.0]], np.float32)
    semitone = float(losses.interval_cost_numpy(1, "course"))

    def term(mode, probs):
        loss = losses.TheoryAwareCrossEntropy(pitches, weight=1.0, no_pitch=mode, reduction=None)
        return float(np.asarray(loss.expected_cost(y[:1], probs))[0])

    # free: moving half the probability onto rest halves the term (the bias against onsets)
    assert term("free", on_pitches) == pytest.approx(semitone / 2, rel=1e-4)
    assert term("free", half_on_rest) == pytest.approx(semitone / 4, rel=1e-4)
    # excluded: the expected cost among the pitches does not move
    assert term("excluded", half_on_rest) == pytest.approx(term("excluded", on_pitches), rel=1e-4)
    # charged: rest costs the amplitude when an onset is due, a pitch when a rest is due
    assert term("charged", half_on_rest) == pytest.approx(0.5 * 1.0 + 0.25 * semitone, rel=1e-4)
    charged = losses.theory_cost_matrix(pitches, "course", no_pitch="charged")
    assert charged[0, 2] == charged[2, 0] == charged[0, 1] == 1.0
    assert np.all(np.diag(charged) == 0)
    for mode in losses.NO_PITCH_MODES:  # a rest target: only the charged mode prices it
        loss = losses.TheoryAwareCrossEntropy(pitches, weight=1.0, no_pitch=mode, reduction=None)
        rest = float(np.asarray(loss.expected_cost(np.array([0]), on_pitches))[0])
        assert rest == pytest.approx(1.0 if mode == "charged" else 0.0, abs=1e-6)


def test_use_b_defaults_to_excluded_and_old_configs_load_as_trained():
    loss = losses.TheoryAwareCrossEntropy([-1, 60, 67], 0.3)
    assert loss.no_pitch == "excluded"
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert restored.no_pitch == "excluded"
    old = loss.get_config()
    del old["no_pitch"]  # saved before the choice existed: rest and hold cost 0
    assert losses.TheoryAwareCrossEntropy.from_config(old).no_pitch == "free"
    with pytest.raises(MusicnbError, match="excluded"):
        losses.TheoryAwareCrossEntropy([-1, 60], no_pitch="ignore")
    with pytest.raises(MusicnbError, match="no_pitch"):
        losses.theory_cost_matrix([-1, 60], no_pitch="ignore")


def test_the_pull_onto_rest_and_hold_is_positive_only_when_they_are_free():
    from musicnb.onset_bias import no_pitch_pull

    pitches = [-1, -1] + list(range(60, 72))
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(len(pitches)), size=(4, 16)).astype(np.float32)
    Y = rng.integers(0, len(pitches), (4, 16))

    def pull(mode):
        return no_pitch_pull(
            losses.TheoryAwareCrossEntropy(pitches, weight=0.5, no_pitch=mode), probs, Y
        )

    assert pull("free") > 0.01
    assert abs(pull("excluded")) < 1e-4
    assert pull("charged") < -0.01
    with pytest.raises(MusicnbError, match="onset"):
        no_pitch_pull(losses.TheoryAwareCrossEntropy(pitches), probs, np.zeros_like(Y))

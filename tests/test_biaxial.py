"""The biaxial RNN: shapes, which inputs each output may see, the loss, saving, generation."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest

from musicnb import MusicnbError
from musicnb.losses import BiaxialNLL, biaxial_nll
from musicnb.models.biaxial_rnn import (
    BiaxialGenerator,
    biaxial,
    per_note_baseline,
    play_probabilities,
)

N, LOW = 6, 60


def random_roll(shape, seed=0, density=0.4):
    rng = np.random.default_rng(seed)
    roll = (rng.random((*shape, 2)) < density).astype(np.float32)
    roll[..., 1] *= roll[..., 0]
    return roll


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    m = biaxial(N, time_units=(8, 8), note_units=(6, 4), dropout=0.0, low=LOW, steps_per_quarter=4)
    X = random_roll((4, 8, N))
    m.fit(X, X, epochs=1, batch_size=4, verbose=0)
    return m


def test_output_shape_and_probabilities(model):
    roll = random_roll((2, 5, N), seed=1)
    probs = model.predict(roll, verbose=0)
    assert probs.shape == (2, 5, N, 2)
    assert np.all((probs > 0) & (probs < 1))
    assert play_probabilities(model, roll[0]).shape == (5, N, 2)


def test_teacher_forcing_sees_the_past_and_the_notes_below_only(model):
    roll = random_roll((1, 6, N), seed=2)
    base = model.predict(roll, verbose=0)[0]
    changed = roll.copy()
    t, n = 3, 2
    changed[0, t, n] = 1 - changed[0, t, n, 0], 0  # flip the note's play (no articulate)
    after = model.predict(changed, verbose=0)[0]
    moved = ~np.isclose(base, after, atol=1e-7).all(axis=-1)  # (T, N)
    assert not moved[:t].any()  # earlier steps: untouched
    assert not moved[t, : n + 1].any()  # same step, this note and those below
    assert moved[t, n + 1 :].any()  # same step, notes above: see it
    assert moved[t + 1 :].any()  # later steps: see it


def test_loss_is_the_bernoulli_nll_with_articulate_only_where_playing():
    y = np.array([[[[1, 1], [1, 0], [0, 0], [0, 1]]]], np.float32)  # (1, 1, 4, 2)
    p = np.array([[[[0.9, 0.8], [0.6, 0.3], [0.2, 0.7], [0.1, 0.5]]]], np.float32)
    expected = -(
        math.log(0.9)
        + math.log(0.8)
        + math.log(0.6)
        + math.log(0.7)
        + math.log(0.8)
        + math.log(0.9)
    )  # silent notes: their articulate is not scored
    assert float(np.asarray(biaxial_nll(y, p))[0, 0]) == pytest.approx(expected, rel=1e-5)
    assert float(BiaxialNLL()(y, p)) == pytest.approx(expected, rel=1e-5)
    play_only = -(math.log(0.9) + math.log(0.6) + math.log(0.8) + math.log(0.9))
    assert float(BiaxialNLL(articulate_weight=0.0)(y, p)) == pytest.approx(play_only, rel=1e-5)
    restored = keras.losses.deserialize(keras.losses.serialize(BiaxialNLL(articulate_weight=0.5)))
    assert restored.articulate_weight == 0.5


def test_saved_model_reloads_with_the_same_predictions(model, tmp_path):
    path = tmp_path / "biaxial.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    roll = random_roll((1, 7, N), seed=3)
    assert np.allclose(loaded.predict(roll, verbose=0), model.predict(roll, verbose=0), atol=1e-6)
    assert loaded.get_layer("roll_features").low == LOW


def test_generation_samples_from_the_models_own_probabilities(model):
    gen = BiaxialGenerator(model)
    primer = random_roll((3, N), seed=4)
    rolls, probs = gen.generate(
        5, streams=2, primer=primer, min_notes=0, seed=7, return_probabilities=True
    )
    assert rolls.shape == (2, 5, N, 2) and rolls.dtype == np.uint8
    assert np.all(rolls[..., 1] <= rolls[..., 0])
    # the probabilities it sampled from are the teacher-forced ones on what it sampled
    for s in range(2):
        full = np.concatenate([primer, rolls[s]]).astype(np.float32)
        forced = model.predict(full[None], verbose=0)[0, 3:]
        assert np.allclose(probs[s], forced, atol=1e-4)
    again = gen.generate(5, streams=2, primer=primer, min_notes=0, seed=7)
    assert np.array_equal(again, rolls)


def test_conservativity_keeps_a_quiet_model_from_falling_silent(model, tmp_path):
    path = tmp_path / "m.keras"
    model.save(path)
    quiet = keras.models.load_model(path)
    dense = quiet.get_layer("play_articulate")
    kernel, bias = dense.get_weights()
    dense.set_weights([kernel * 0, np.array([-15.0, 0.0], np.float32)])  # P(play) ~ 3e-7
    gen = BiaxialGenerator(quiet)
    silent = gen.generate(12, min_notes=0, seed=0)
    assert silent.sum() == 0
    rescued = gen.generate(12, min_notes=1, seed=0, rule="halve_double")  # the course's rule
    assert rescued[..., 0].sum() > 0
    # Johnson's rule drifts 0.02 per quiet step: still silent after 12 steps, but once c < 0
    # (51 quiet steps) p**c > 1 and every note plays
    slow = gen.generate(60, seed=0)
    assert slow[:, :12, :, 0].sum() == 0 and slow[:, 50:, :, 0].sum() > 0


def test_johnsons_conservativity_rule_as_published():
    from musicnb.models.biaxial_rnn import halve_double_conservativity, johnson_conservativity

    c = np.array([1.0, 1.0, 0.5, 1.3, 0.5], np.float32)
    playing = np.array([0, 2, 1, 1, 3])
    got = johnson_conservativity(c, playing)  # fewer than 2 notes: cap at 1, then - 0.02
    assert np.allclose(got, [0.98, 1.0, 0.48, 0.98, 0.5 + 0.3 * 0.5])
    assert np.allclose(johnson_conservativity(np.array([0.9]), np.array([5])), [0.93])
    assert np.allclose(halve_double_conservativity(c, playing), [0.5, 1.0, 1.0, 1.0, 1.0])
    with pytest.raises(MusicnbError, match="rule"):
        BiaxialGenerator.__new__(BiaxialGenerator).generate(2, rule="double")


def test_per_note_baseline_predicts_each_note_from_the_time_axis_only():
    keras.utils.set_random_seed(1)
    base = per_note_baseline(N, time_units=(8,), dropout=0.0, low=LOW)
    assert not [layer for layer in base.layers if layer.name.startswith("note_lstm")]
    roll = random_roll((1, 4, N), seed=5)
    before = base.predict(roll, verbose=0)[0]
    changed = roll.copy()
    changed[0, 2, 1] = 1 - changed[0, 2, 1, 0], 0
    after = base.predict(changed, verbose=0)[0]
    assert np.allclose(before[:3], after[:3])  # the same step does not see it
    rolls = BiaxialGenerator(base).generate(3, streams=2, seed=0)
    assert rolls.shape == (2, 3, N, 2)


def test_bad_arguments_say_what_to_do(model):
    with pytest.raises(MusicnbError, match="time_units"):
        biaxial(N, time_units=())
    with pytest.raises(MusicnbError, match="dropout"):
        biaxial(N, dropout=1.5)
    with pytest.raises(MusicnbError, match="primer"):
        BiaxialGenerator(model).generate(2, primer=np.zeros((3, N + 1, 2)))
    with pytest.raises(MusicnbError, match="temperature"):
        BiaxialGenerator(model).generate(2, temperature=0)
    # what crashed with a raw TypeError/ValueError, or would have filled the memory
    for kwargs, says in [
        ({"length": "8"}, "length='8': give a whole number"),
        ({"length": 10**9}, "length=1000000000: give a whole number between 1 and 100000"),
        ({"streams": 4.5}, "streams=4.5: give a whole number"),
        ({"length": 100_000, "streams": 64}, "64 streams x 100000 steps is more than"),
        ({"temperature": "hot"}, "temperature='hot'"),
        ({"min_notes": N + 1}, f"min_notes={N + 1}: give a whole number between 0 and {N}"),
        ({"seed": "x"}, "seed='x'"),
    ]:
        with pytest.raises(MusicnbError, match=says):
            BiaxialGenerator(model).generate(**{"length": 2, **kwargs})


def test_axes_diagram_draws_one_arrow_per_recurrent_connection():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch

    from musicnb.models.biaxial_rnn import draw_biaxial

    ax = draw_biaxial(n_steps=4, n_notes=3)
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == 3 * 3 + 4 * 2  # along time on each row, up the notes in each column
    plt.close(ax.figure)


def test_models_biaxial_builds_even_after_the_submodule_is_imported():
    import importlib

    import musicnb.models

    importlib.import_module("musicnb.models.biaxial_rnn")
    m = musicnb.models.biaxial(4, time_units=(2,), note_units=(2,), dropout=0.0, low=60)
    assert m.name == "biaxial" and m.output_shape == (None, None, 4, 2)

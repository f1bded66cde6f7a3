"""The model-building checkers of notebooks 02–07: the Keras models written in the notebooks
behave like the package's builders (same shapes, parameter count and output with the same
weights), and a wrong model, the stub or a crash is reported as one sentence."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from musicnb import assignments, models
from musicnb.exercises import ExerciseFailed
from musicnb.model_exercises import (
    check_apply_temperature,
    check_model_like,
    check_notes_to_batch,
    check_theory_aware_loss,
    check_weighted_two_head_loss,
)
from musicnb.models.next_note import OneHot

V, WINDOW = 9, 6
TOKENS = np.random.default_rng(0).integers(0, V, size=(3, WINDOW)).astype("int32")


def logistic_regression(vocab_size, window):
    tokens = keras.Input(shape=(window,), dtype="int32")
    x = keras.layers.Flatten()(OneHot(vocab_size)(tokens))
    return keras.Model(tokens, keras.layers.Dense(vocab_size, activation="softmax")(x))


def conv1d_lstm(vocab_size, window, filters, units, padding="causal", activation="relu"):
    tokens = keras.Input(shape=(window,), dtype="int32")
    x = OneHot(vocab_size)(tokens)
    x = keras.layers.Conv1D(filters, 3, padding=padding, activation=activation)(x)
    x = keras.layers.Dropout(0.2)(keras.layers.LSTM(units, return_sequences=True)(x))
    x = keras.layers.Dropout(0.2)(keras.layers.LSTM(units)(x))
    return keras.Model(tokens, keras.layers.Dense(vocab_size, activation="softmax")(x))


def two_heads(n_melody, n_chords, units):
    melody_in = keras.Input(shape=(None,), dtype="int32", name="melody_in")
    chord_in = keras.Input(shape=(None,), dtype="int32", name="chord_in")
    x = keras.layers.Concatenate()([OneHot(n_melody)(melody_in), OneHot(n_chords)(chord_in)])
    x = keras.layers.Dropout(0.2)(x)
    for _ in range(2):
        x = keras.layers.Dropout(0.5)(keras.layers.LSTM(units, return_sequences=True)(x))
    return keras.Model(
        {"melody_in": melody_in, "chord_in": chord_in},
        {
            "melody": keras.layers.Dense(n_melody, activation="softmax")(x),
            "chord": keras.layers.Dense(n_chords, activation="softmax")(x),
        },
    )


def _sentence(exc: ExerciseFailed, *fragments: str) -> None:
    message = str(exc)
    assert assignments.MESSAGE_SHAPE.match(message) and "\n" not in message, message
    for fragment in fragments:
        assert fragment in message, message


def test_notebook_models_match_the_package_builders():
    reference = models.logistic_regression(V, window=WINDOW)
    assert "passed" in check_model_like(logistic_regression, (V, WINDOW), reference, TOKENS)
    assert logistic_regression(V, WINDOW).count_params() == WINDOW * V * V + V
    reference = models.conv1d_lstm(V, window=WINDOW, filters=4, units=5)
    assert "passed" in check_model_like(conv1d_lstm, (V, WINDOW, 4, 5), reference, TOKENS)
    reference = models.melody_harmony_lstm(7, 5, units=4, compile=False)
    fixed = {"melody_in": TOKENS[:, :4] % 7, "chord_in": TOKENS[:, :4] % 5}
    assert "passed" in check_model_like(two_heads, (7, 5, 4), reference, fixed)


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (lambda v, w, f, u: conv1d_lstm(v, w, f, u, padding="same"), "output on a fixed input"),
        (lambda v, w, f, u: conv1d_lstm(v, w, f, u, activation=None), "output on a fixed input"),
        (lambda v, w, f, u: conv1d_lstm(v, w, f + 1, u), "number of parameters"),
        (lambda v, w, f, u: logistic_regression(v, w), "number of parameters"),
        (lambda v, w, f, u: None, "a keras.Model"),
    ],
)
def test_a_wrong_model_is_named_by_what_it_does(wrong, fragment):
    reference = models.conv1d_lstm(V, window=WINDOW, filters=4, units=5)
    with pytest.raises(ExerciseFailed) as exc:
        check_model_like(wrong, (V, WINDOW, 4, 5), reference, TOKENS)
    _sentence(exc.value, fragment)


def test_the_stub_of_a_model_exercise_reads_as_a_sentence():
    def build_conv1d_lstm(*args):
        raise NotImplementedError(assignments.STUB_MESSAGE)

    reference = models.conv1d_lstm(V, window=WINDOW, filters=4, units=5)
    with pytest.raises(ExerciseFailed) as exc:
        check_model_like(build_conv1d_lstm, (V, WINDOW, 4, 5), reference, TOKENS)
    _sentence(exc.value, "the stub (NotImplementedError)", "build_conv1d_lstm")


def test_notes_to_batch_checker_tells_a_plain_reshape_from_the_transpose():
    def right(x):
        return keras.ops.reshape(keras.ops.transpose(x, (0, 2, 1, 3)), (-1, x.shape[1], x.shape[3]))

    def plain_reshape(x):
        return np.reshape(x, (-1, x.shape[1], x.shape[3]))

    assert "passed" in check_notes_to_batch(right)
    with pytest.raises(ExerciseFailed) as exc:
        check_notes_to_batch(plain_reshape)
    _sentence(exc.value, "transpose")


@pytest.mark.parametrize(
    "checker", [check_apply_temperature, check_weighted_two_head_loss, check_theory_aware_loss]
)
def test_wrapped_checkers_report_the_stub_as_a_sentence(checker):
    def stub(*args):
        raise NotImplementedError(assignments.STUB_MESSAGE)

    with pytest.raises(ExerciseFailed) as exc:
        checker(stub)
    _sentence(exc.value, "the stub (NotImplementedError)", "write the body")


def _theory_aware_loss(y_true, probs, cost, pitched, beta):
    from keras import ops

    y = ops.cast(y_true, "int32")
    p = ops.convert_to_tensor(probs, "float32")
    cross_entropy = -ops.log(
        ops.clip(ops.sum(ops.one_hot(y, ops.shape(p)[-1]) * p, axis=-1), 1e-7, 1.0)
    )
    rows = ops.take(ops.convert_to_tensor(cost, "float32"), y, axis=0)
    among_pitches = ops.sum(p * ops.convert_to_tensor(pitched, "float32"), axis=-1) + 1e-7
    return ops.mean(cross_entropy + beta * ops.sum(p * rows, axis=-1) / among_pitches)


def test_theory_aware_loss_checker_passes_the_reference_and_names_a_wrong_loss():
    from keras import ops

    assert "passed" in check_theory_aware_loss(_theory_aware_loss)

    def column_not_row(y_true, probs, cost, pitched, beta):  # cost[:, y]: read backwards
        return _theory_aware_loss(y_true, probs, ops.transpose(cost), pitched, beta)

    def cross_entropy_only(y_true, probs, cost, pitched, beta):
        return _theory_aware_loss(y_true, probs, cost, pitched, 0.0)

    def rest_and_hold_free(y_true, probs, cost, pitched, beta):  # the biased version
        return _theory_aware_loss(y_true, probs, cost, np.ones_like(pitched), beta)

    with pytest.raises(ExerciseFailed) as exc:
        check_theory_aware_loss(cross_entropy_only)
    _sentence(exc.value, "one step, true pitch C")
    with pytest.raises(ExerciseFailed) as exc:
        check_theory_aware_loss(column_not_row)
    _sentence(exc.value, "beta × Σ_j p_j C[y, j]")
    with pytest.raises(ExerciseFailed) as exc:
        check_theory_aware_loss(rest_and_hold_free)
    _sentence(exc.value, "true pitch C with probability on rest and hold")

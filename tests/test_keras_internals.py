"""The private Keras APIs of musicnb.keras_internals still exist and still do what the sampler
needs. A failure here after a Keras upgrade names the API that changed: fix keras_internals.py
(the only module that touches them), or pin Keras to the version it was checked against."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from musicnb import MusicnbError  # noqa: E402
from musicnb.keras_internals import (  # noqa: E402
    KERAS_VERSION_CHECKED,
    check_keras_internals,
    functional_graph_runner,
    layer_takes_training,
    rnn_sequence_loop,
)

CHANGED = (
    f"Keras {keras.__version__} no longer behaves as musicnb/keras_internals.py expects "
    f"(checked against Keras {KERAS_VERSION_CHECKED}): "
)


def test_the_installed_keras_has_every_private_api_in_the_form_used():
    check_keras_internals()  # raises a MusicnbError naming the API that changed


def test_layer_takes_training_tells_layers_with_a_training_argument():
    class NoTraining(keras.layers.Layer):
        def call(self, x):
            return x

    class WithTraining(keras.layers.Layer):
        def call(self, x, training=None):
            return x

    layers = (
        keras.layers.Dropout(0.1),
        keras.layers.BatchNormalization(),
        keras.layers.LSTM(2),
        NoTraining(),
        WithTraining(),
    )
    takes = {type(layer).__name__: layer_takes_training(layer) for layer in layers}
    expected = {
        "Dropout": True,
        "BatchNormalization": True,
        "LSTM": True,
        "NoTraining": False,
        "WithTraining": True,
    }
    assert takes == expected, CHANGED + f"Layer._call_has_training_arg gives {takes}"


def test_the_functional_graph_runner_calls_our_function_for_every_layer():
    melody, chord = keras.Input((3,), name="melody"), keras.Input((2,), name="chord")
    joined = keras.layers.Concatenate()([melody, chord])
    head_a = keras.layers.Dense(4, name="a")(joined)
    head_b = keras.layers.Dense(2, name="b")(keras.layers.Dropout(0.5)(joined))
    model = keras.Model([melody, chord], [head_a, head_b])
    x = [np.ones((2, 3), "float32"), np.full((2, 2), 0.5, "float32")]
    runner = functional_graph_runner(model)
    assert runner is not None, CHANGED + "functional models have no _run_through_graph"
    seen: list[str] = []

    def operation_fn(layer):
        seen.append(layer.name)
        return lambda *args, **kwargs: layer(*args, **{**kwargs, "training": False})

    got = runner(x, operation_fn=operation_fn)
    want = model(x, training=False)
    assert len(got) == 2, CHANGED + f"_run_through_graph returned {len(got)} outputs, not 2"
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), atol=1e-6, err_msg=CHANGED)
    assert {"a", "b"} <= set(seen), CHANGED + f"operation_fn was called for {seen} only"
    zeros = runner(
        x,
        operation_fn=lambda layer: (
            (lambda *a, **k: keras.ops.zeros((2, 4))) if layer.name == "a" else layer
        ),
    )
    assert not np.asarray(zeros[0]).any(), CHANGED + "operation_fn's result was not used"
    assert functional_graph_runner(_Subclassed()) is None


class _Subclassed(keras.Model):
    def call(self, x):
        return x


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_rnn_sequence_loop_continues_from_the_given_state(kind):
    layer = getattr(keras.layers, kind)(3, return_sequences=True, return_state=True)
    x = np.random.default_rng(0).normal(size=(2, 5, 4)).astype("float32")
    layer(x)  # build
    rng = np.random.default_rng(1)
    n_states = 2 if kind == "LSTM" else 1
    state = [rng.normal(size=(2, 3)).astype("float32") for _ in range(n_states)]
    want = layer(x, initial_state=state if n_states > 1 else state[0])
    last, outputs, states = rnn_sequence_loop(layer, x, state)
    states = list(states) if isinstance(states, (list, tuple)) else [states]
    np.testing.assert_allclose(
        np.asarray(outputs), np.asarray(want[0]), atol=1e-5, err_msg=CHANGED + "inner_loop outputs"
    )
    np.testing.assert_allclose(np.asarray(last), np.asarray(want[0])[:, -1], atol=1e-5)
    assert len(states) == n_states, CHANGED + f"inner_loop gave {len(states)} state tensors"
    for got, expected in zip(states, want[1:]):
        np.testing.assert_allclose(np.asarray(got), np.asarray(expected), atol=1e-5)


def test_a_changed_private_api_is_named_with_the_version_checked(monkeypatch):
    monkeypatch.setattr(keras.layers.LSTM, "inner_loop", lambda self, sequences, state: None)
    with pytest.raises(MusicnbError, match=r"RNN\.inner_loop.*checked against Keras 3\."):
        check_keras_internals()

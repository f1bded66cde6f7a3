"""Next-note model builders: shapes, causality, cuDNN-ready settings, .keras round trips."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from musicnb import MusicnbError  # noqa: E402
from musicnb.models import next_note  # noqa: E402
from musicnb.models.next_note import (
    OneHot,
    build_record,
    conv1d_lstm,  # noqa: E402
    logistic_regression,
    onehot_lstm,
    stacked_lstm,
)

V = 11


def _tokens(n: int, t: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, V, (n, t)).astype("int32")


def test_one_hot_layer_encodes_inside_the_model():
    out = np.asarray(OneHot(4)(np.array([[0, 3, 1]], "int32")))
    assert out.shape == (1, 3, 4)
    np.testing.assert_array_equal(out[0], np.eye(4, dtype="float32")[[0, 3, 1]])


@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")  # unfitted: no state
@pytest.mark.parametrize(
    "build, shape, fit",
    [
        (lambda: logistic_regression(V, window=10), (None, V), True),
        (lambda: onehot_lstm(V, window=12, units=8, sequence=False), (None, V), True),
        (
            lambda: onehot_lstm(V, window=None, units=8, layers=2, sequence=True),
            (None, None, V),
            True,
        ),
        (lambda: stacked_lstm(V, layers=4, window=12, units=4), (None, V), False),
        (lambda: conv1d_lstm(V, window=12, filters=4, units=4), (None, V), False),
    ],
)
def test_builders_give_probabilities_and_reload_from_keras_file(build, shape, fit, tmp_path):
    model = build()
    assert model.output_shape == shape
    assert model.inputs[0].dtype == "int32"
    window = model.input_shape[1] or 7
    x = _tokens(3, window)
    probs = np.asarray(model.predict(x, verbose=0))
    np.testing.assert_allclose(probs.sum(-1), 1.0, atol=1e-5)
    if fit:  # (fitting every model would only slow the suite: the same layers train above)
        model.fit(x, np.asarray(x[:, -1]) if len(shape) == 2 else x, epochs=1, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    again = keras.models.load_model(path)
    np.testing.assert_allclose(
        np.asarray(again.predict(x, verbose=0)),
        probs_after := np.asarray(model.predict(x, verbose=0)),
        atol=1e-6,
    )
    assert again.optimizer is not None and probs_after.shape[-1] == V
    assert again.get_config()["name"] == model.name
    assert any(isinstance(layer, OneHot) for layer in again.layers)


def test_lstm_layers_keep_the_cudnn_settings():
    model = conv1d_lstm(V, window=8, filters=4, units=4)
    lstms = [layer for layer in model.layers if isinstance(layer, keras.layers.LSTM)]
    assert len(lstms) == 2
    for layer in lstms + [
        l for l in stacked_lstm(V, window=8, units=4).layers if isinstance(l, keras.layers.LSTM)
    ]:
        assert layer.cell.activation is keras.activations.tanh
        assert layer.cell.recurrent_activation is keras.activations.sigmoid
        assert layer.cell.recurrent_dropout == 0 and not layer.unroll and layer.cell.use_bias


def test_sequence_model_is_causal():
    """Changing a later token never changes the prediction at an earlier step."""
    for model in (
        onehot_lstm(V, window=None, units=8, layers=2),
        conv1d_lstm(V, window=None, filters=4, units=4, sequence=True),
    ):
        x = _tokens(1, 10)
        y = x.copy()
        y[0, 6:] = (y[0, 6:] + 1) % V
        a, b = (np.asarray(model(v, training=False)) for v in (x, y))
        np.testing.assert_allclose(a[0, :6], b[0, :6], atol=1e-6)
        assert not np.allclose(a[0, 6:], b[0, 6:])


def test_layer_count_and_build_record():
    model = stacked_lstm(V, layers=3, window=5, units=4, dropout=0.0)
    assert sum(isinstance(layer, keras.layers.LSTM) for layer in model.layers) == 3
    assert not any(isinstance(layer, keras.layers.Dropout) for layer in model.layers)
    record = build_record(model)
    assert record["builder"] == "stacked_lstm" and record["params"]["layers"] == 3
    assert build_record(keras.Sequential()) == {}
    assert set(next_note.BUILDERS) == {
        "logistic_regression",
        "onehot_lstm",
        "stacked_lstm",
        "conv1d_lstm",
    }


def test_mixed_precision_keeps_float32_probabilities():
    model = onehot_lstm(V, window=6, units=4, sequence=False, mixed_precision=True)
    assert model.get_layer("lstm_1").compute_dtype == "float16"
    assert model.output.dtype == "float32"
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: onehot_lstm(V, window=None, sequence=False), "window"),
        (lambda: onehot_lstm(1), "vocab_size"),
        (lambda: onehot_lstm(V, dropout=1.0), "dropout"),
        (lambda: logistic_regression(V, window=0), "window"),
        (lambda: conv1d_lstm(V, units=2.5), "units"),
    ],
)
def test_bad_parameters_explain_themselves(call, words):
    with pytest.raises(MusicnbError, match=words):
        call()

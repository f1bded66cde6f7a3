"""Next-note models: given the events so far, a probability for every possible next event.

All of them take **integer tokens** and one-hot encode them *inside* the model
(:class:`OneHot`), so the training arrays stay small int32 windows instead of float32 one-hot
cubes that are ``vocab_size`` times larger.

=========================  ==============================================================
builder                    architecture
=========================  ==============================================================
``logistic_regression``    one-hot of the previous ``window`` events -> flatten -> softmax
``onehot_lstm``            one-hot -> LSTM(s) -> softmax (many-to-one or sequence model)
``stacked_lstm``           the same with ``layers`` LSTMs (4 by default), for the depth study
``conv1d_lstm``            one-hot -> Conv1D(kernel 3) -> 2 stacked LSTMs -> softmax
``midi_rnn_lstm``          midi-rnn as published: 129-class frames -> LSTM 64 -> softmax
``cs230_model1``           CS230 Model 1: scaled ids -> Conv1D -> 2×LSTM 256 -> Flatten
``cs230_model2``           CS230 Model 2: scaled ids -> LSTM 256 -> Flatten -> softmax
``cs230_baseline``         CS230 baseline: scaled ids -> 4×LSTM 256 -> Flatten -> softmax
=========================  ==============================================================

The maths. With the one-hot vectors ``x_{t-w} .. x_{t-1}`` of the last ``w`` events, logistic
regression predicts ``p(x_t = k) = softmax(W · concat(x_{t-w}, ..., x_{t-1}) + b)_k``: one weight
per (position, event, next event). It is the baseline of *Long Short-Tunes Memory*
(Schaldenbrand, He, Almoubayyed; CMU), which predicts the next **note** (one of 128 MIDI
pitches) from the previous 10 notes of a large multi-genre MIDI collection and reports 6.21 %
accuracy (reproduced on midi-rnn's Lakh files by :mod:`musicnb.reproduce.lakh_logreg`). The LSTM
(Hochreiter & Schmidhuber, 1997) replaces the fixed window by a learned state ``h_t`` and predicts
``softmax(W h_t + b)``; :func:`midi_rnn_lstm` is the configuration of *midi-rnn* (Branger_Briz;
code: brannondorsey/midi-rnn). The Conv1D hybrid comes from the Stanford CS230 report *Music
Generation Using Recurrent Neural Networks* (Mokobi, May, Voorhis-Allen; code:
cademay/cs230-music-generation): a kernel-3 convolution sees local note patterns before the
recurrent layers. :func:`cs230_model1`, :func:`cs230_model2` and :func:`cs230_baseline` are its
models at the published sizes; :func:`conv1d_lstm` is the course's improved version (integer
tokens one-hot inside the model, causal padding, no Flatten, sequence training possible).

Two ways to train a recurrent model (see ``bench/training.py``): **many-to-one**
(``sequence=False``) reads a window and predicts one next event; a **sequence** model
(``sequence=True``, ``return_sequences``) predicts the next event at *every* step of a chunk,
so one forward pass gives ``length`` targets — an order of magnitude faster per target, and the
course's default.

On a GPU every LSTM here runs the fused cuDNN kernel: default activations (tanh / sigmoid),
``recurrent_dropout=0``, ``unroll=False``, ``use_bias=True``; dropout is applied by separate
``Dropout`` layers between the recurrent layers. ``mixed_precision=True`` computes in float16
(the softmax stays float32) and wraps the optimizer in a ``LossScaleOptimizer``.
"""

from __future__ import annotations

import numbers
from typing import Any, Literal, overload

import keras
from keras import layers as L
from keras import ops

from ..errors import MusicnbError
from .build_records import build_record, register_build, rename_build

__all__ = [
    "OneHot",
    "logistic_regression",
    "onehot_lstm",
    "stacked_lstm",
    "conv1d_lstm",
    "midi_rnn_lstm",
    "cs230_model1",
    "cs230_model2",
    "cs230_baseline",
    "compile_next_note",
    "build_record",
    "BUILDERS",
    "PUBLISHED_BUILDERS",
]


@keras.saving.register_keras_serializable(package="musicnb")
class OneHot(keras.layers.Layer):
    """Integer tokens ``(batch, time)`` -> one-hot float vectors ``(batch, time, num_classes)``.

    Written with ``keras.ops.one_hot`` so it runs on every backend and saves in ``.keras``
    files. A token outside ``0 .. num_classes-1`` becomes an all-zero vector.
    """

    def __init__(self, num_classes: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.num_classes = int(num_classes)

    def call(self, inputs: Any) -> Any:
        return ops.one_hot(ops.cast(inputs, "int32"), self.num_classes, dtype=self.compute_dtype)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (*input_shape, self.num_classes)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_classes": self.num_classes}


# ---------------------------------------------------------------- helpers


@overload
def _check_int(
    name: str, value: Any, minimum: int = ..., allow_none: Literal[False] = ...
) -> int: ...
@overload
def _check_int(name: str, value: Any, minimum: int = ..., allow_none: bool = ...) -> int | None: ...
def _check_int(name: str, value: Any, minimum: int = 1, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or int(value) != value  # type: ignore[call-overload]  # Real lacks an __int__ stub
        or value < minimum
    ):
        hint = " or None" if allow_none else ""
        raise MusicnbError(f"{name} must be a whole number >= {minimum}{hint}, got {value!r}.")
    return int(value)  # type: ignore[call-overload]  # Real lacks an __int__ stub


def _check_dropout(dropout: float) -> float:
    if not 0.0 <= float(dropout) < 1.0:
        raise MusicnbError(f"dropout must be in [0, 1), got {dropout!r}; 0.2 is the classic value.")
    return float(dropout)


def _policy(mixed_precision: bool) -> str | None:
    return "mixed_float16" if mixed_precision else None


def compile_next_note(
    model: keras.Model, learning_rate: float = 1e-3, mixed_precision: bool = False
) -> keras.Model:
    """Compile a next-event classifier: Adam, sparse categorical cross-entropy, top-1 and
    top-5 accuracy. Targets are integer tokens (no one-hot targets either)."""
    optimizer: keras.optimizers.Optimizer = keras.optimizers.Adam(learning_rate=learning_rate)
    if mixed_precision:
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    model.compile(
        optimizer=optimizer,
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy", keras.metrics.SparseTopKCategoricalAccuracy(k=5, name="top5")],
    )
    return model


def _finish(
    model: keras.Model,
    builder: str,
    params: dict[str, Any],
    compile: bool,
    learning_rate: float,
    mixed_precision: bool,
) -> keras.Model:
    if compile:
        compile_next_note(model, learning_rate=learning_rate, mixed_precision=mixed_precision)
    return register_build(model, builder, params)


def _softmax(vocab_size: int) -> L.Layer:
    # float32 softmax even under mixed precision: float16 probabilities lose small classes
    return L.Dense(vocab_size, activation="softmax", dtype="float32", name="next_event")


def _lstm(units: int, return_sequences: bool, policy: str | None, name: str) -> L.LSTM:
    # cuDNN-compatible settings, spelled out so nobody "improves" them away
    return L.LSTM(
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias=True,
        recurrent_dropout=0.0,
        unroll=False,
        return_sequences=return_sequences,
        dtype=policy,
        name=name,
    )


def _lstm_stack(
    x: Any, layers: int, units: int, dropout: float, sequence: bool, policy: str | None
) -> Any:
    """``layers`` LSTMs (``lstm_1``...), each followed by Dropout (``dropout_1``...) when
    ``dropout``; all return sequences except the last, which does when ``sequence``."""
    for i in range(layers):
        last = i == layers - 1
        x = _lstm(
            units, return_sequences=sequence or not last, policy=policy, name=f"lstm_{i + 1}"
        )(x)
        if dropout:
            x = L.Dropout(dropout, name=f"dropout_{i + 1}")(x)
    return x


def _check_window(window: int | None, sequence: bool, example: int) -> int | None:
    """A many-to-one model needs a fixed window; a sequence model may take ``None`` (any length)."""
    if window is None and not sequence:
        raise MusicnbError(
            f"A many-to-one model (sequence=False) needs a fixed window, e.g. {example}."
        )
    return _check_int("window", window, 1, allow_none=sequence)


# ---------------------------------------------------------------- builders


def logistic_regression(
    vocab_size: int,
    window: int = 10,
    learning_rate: float = 1e-3,
    compile: bool = True,
    name: str = "logistic_regression",
) -> keras.Model:
    """Multinomial logistic regression on the one-hot of the previous ``window`` events.

    ``p(next = k | x) = softmax(W · flatten(onehot(x)) + b)_k`` with ``W`` of shape
    ``(window · vocab_size, vocab_size)``. Input: int tokens ``(batch, window)``; output:
    probabilities ``(batch, vocab_size)``.
    """
    vocab_size = _check_int("vocab_size", vocab_size, 2)
    window = _check_int("window", window, 1)
    inputs = keras.Input(shape=(window,), dtype="int32", name="tokens")
    x = OneHot(vocab_size, name="one_hot")(inputs)
    x = L.Flatten(name="flatten")(x)
    outputs = _softmax(vocab_size)(x)
    model = keras.Model(inputs, outputs, name=name)
    params = {"vocab_size": vocab_size, "window": window, "learning_rate": learning_rate}
    return _finish(model, "logistic_regression", params, compile, learning_rate, False)


def onehot_lstm(
    vocab_size: int,
    window: int | None = 20,
    units: int = 64,
    layers: int = 1,
    dropout: float = 0.2,
    sequence: bool = True,
    learning_rate: float = 1e-3,
    mixed_precision: bool = False,
    compile: bool = True,
    name: str = "onehot_lstm",
) -> keras.Model:
    """One-hot -> ``layers`` LSTMs of ``units`` (Dropout between and after) -> softmax.

    ``sequence=True`` (default): every LSTM returns sequences and the model predicts the next
    event at every step, ``(batch, time) -> (batch, time, vocab_size)``; ``window`` may be
    ``None`` so one model trains on chunks and samples one step at a time.
    ``sequence=False``: many-to-one over a fixed ``window``, ``(batch, window) ->
    (batch, vocab_size)``, as *midi-rnn* (Branger_Briz) and the classic scripts do.
    The classic small defaults are one LSTM of 64 units with dropout 0.2.
    """
    vocab_size = _check_int("vocab_size", vocab_size, 2)
    window = _check_window(window, sequence, example=20)
    units = _check_int("units", units, 1)
    layers = _check_int("layers", layers, 1)
    dropout = _check_dropout(dropout)
    policy = _policy(mixed_precision)
    inputs = keras.Input(shape=(window,), dtype="int32", name="tokens")
    x = OneHot(vocab_size, name="one_hot", dtype=policy)(inputs)
    x = _lstm_stack(x, layers, units, dropout, sequence, policy)
    outputs = _softmax(vocab_size)(x)
    model = keras.Model(inputs, outputs, name=name)
    params = {
        "vocab_size": vocab_size,
        "window": window,
        "units": units,
        "layers": layers,
        "dropout": dropout,
        "sequence": bool(sequence),
        "learning_rate": learning_rate,
        "mixed_precision": bool(mixed_precision),
    }
    return _finish(model, "onehot_lstm", params, compile, learning_rate, mixed_precision)


def stacked_lstm(
    vocab_size: int,
    layers: int = 4,
    window: int | None = 20,
    units: int = 64,
    dropout: float = 0.2,
    sequence: bool = False,
    learning_rate: float = 1e-3,
    mixed_precision: bool = False,
    compile: bool = True,
    name: str = "stacked_lstm",
) -> keras.Model:
    """``layers`` stacked LSTMs (4 by default): :func:`onehot_lstm` with depth, many-to-one by
    default so it compares directly with :func:`conv1d_lstm` in notebook 04."""
    model = onehot_lstm(
        vocab_size,
        window=window,
        units=units,
        layers=layers,
        dropout=dropout,
        sequence=sequence,
        learning_rate=learning_rate,
        mixed_precision=mixed_precision,
        compile=compile,
        name=name,
    )
    return rename_build(model, "stacked_lstm")


def conv1d_lstm(
    vocab_size: int,
    window: int | None = 100,
    filters: int = 64,
    units: int = 128,
    dropout: float = 0.2,
    sequence: bool = False,
    learning_rate: float = 1e-3,
    mixed_precision: bool = False,
    compile: bool = True,
    name: str = "conv1d_lstm",
) -> keras.Model:
    """One-hot -> Conv1D(``filters``, kernel 3, ReLU) -> LSTM -> LSTM -> softmax.

    The convolution mixes each event with its neighbours (``y_t = relu(sum_{j<3} W_j x_{t-2+j}
    + b)``) before the recurrent layers. It is *causal* padded (looks only backwards), so with
    ``sequence=True`` the per-step predictions never peek at the future; many-to-one
    (``sequence=False``, window 100 as in the tutorials) is the default.
    """
    vocab_size = _check_int("vocab_size", vocab_size, 2)
    window = _check_window(window, sequence, example=100)
    filters = _check_int("filters", filters, 1)
    units = _check_int("units", units, 1)
    dropout = _check_dropout(dropout)
    policy = _policy(mixed_precision)
    inputs = keras.Input(shape=(window,), dtype="int32", name="tokens")
    x = OneHot(vocab_size, name="one_hot", dtype=policy)(inputs)
    x = L.Conv1D(filters, 3, padding="causal", activation="relu", dtype=policy, name="conv1d")(x)
    x = _lstm_stack(x, 2, units, dropout, sequence, policy)
    outputs = _softmax(vocab_size)(x)
    model = keras.Model(inputs, outputs, name=name)
    params = {
        "vocab_size": vocab_size,
        "window": window,
        "filters": filters,
        "units": units,
        "dropout": dropout,
        "sequence": bool(sequence),
        "learning_rate": learning_rate,
        "mixed_precision": bool(mixed_precision),
    }
    return _finish(model, "conv1d_lstm", params, compile, learning_rate, mixed_precision)


def midi_rnn_lstm(
    window: int = 20,
    units: int = 64,
    layers: int = 1,
    dropout: float = 0.2,
    learning_rate: float = 1e-3,
    clip_value: float = 5.0,
    vocab_size: int = 129,
    name: str = "midi_rnn_lstm",
) -> keras.Model:
    """*midi-rnn* (Branger_Briz) as its ``train.py`` builds it: ``layers`` LSTMs of ``units``
    (64, 1 layer), each followed by Dropout(0.2), Dense(129) softmax, many-to-one over a
    window of 20 frames; Adam with gradients clipped at 5 (``--grad_clip``), categorical
    cross-entropy (here the sparse form on integer frames: the same loss)."""
    model = onehot_lstm(
        vocab_size,
        window=window,
        units=units,
        layers=layers,
        dropout=dropout,
        sequence=False,
        compile=False,
        name=name,
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate, clipvalue=clip_value),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy", keras.metrics.SparseTopKCategoricalAccuracy(k=5, name="top5")],
    )
    return rename_build(model, "midi_rnn_lstm", clip_value=clip_value)


def _cs230(
    vocab_size: int, window: int, conv_filters: int | None, lstm_layers: int, units: int, name: str
) -> keras.Model:
    """The CS230 models as its ``model*.py`` / ``baseline.py`` write them. The input is the
    token id divided by the vocabulary size, one float per step (``X / n_values``, shape
    ``(window, 1)``), not a one-hot; every LSTM returns sequences and a ``Flatten`` feeds the
    softmax; RMSprop, categorical cross-entropy."""
    vocab_size = _check_int("vocab_size", vocab_size, 2)
    window = _check_int("window", window, 3)
    inputs = keras.Input(shape=(window, 1), dtype="float32", name="scaled_ids")
    x = inputs
    if conv_filters:
        x = L.Conv1D(conv_filters, 3, strides=1, activation="relu", name="conv1d")(x)
        x = L.Dropout(0.1, name="dropout_conv")(x)
    for i in range(lstm_layers):
        x = _lstm(units, return_sequences=True, policy=None, name=f"lstm_{i + 1}")(x)
        x = L.Dropout(0.3, name=f"dropout_{i + 1}")(x)
    x = L.Flatten(name="flatten")(x)
    outputs = _softmax(vocab_size)(x)
    model = keras.Model(inputs, outputs, name=name)
    model.compile(
        optimizer=keras.optimizers.RMSprop(),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy", keras.metrics.SparseTopKCategoricalAccuracy(k=5, name="top5")],
    )
    params = {
        "vocab_size": vocab_size,
        "window": window,
        "conv_filters": conv_filters,
        "lstm_layers": lstm_layers,
        "units": units,
    }
    return register_build(model, name, params)


def cs230_model1(
    vocab_size: int, window: int = 100, filters: int = 128, units: int = 256
) -> keras.Model:
    """CS230 Model 1: Conv1D(``filters``, 3, ReLU) -> Dropout 0.1 -> LSTM 256 -> Dropout 0.3 ->
    LSTM 256 -> Dropout 0.3 -> Flatten -> Dense softmax. The report's table says Conv1D-256;
    its ``model1.py`` (the code that produced the figures) has 128 filters, the default here."""
    return _cs230(vocab_size, window, _check_int("filters", filters, 1), 2, units, "cs230_model1")


def cs230_model2(vocab_size: int, window: int = 100, units: int = 256) -> keras.Model:
    """CS230 Model 2 as the report's table describes it: one LSTM 256 -> Dropout -> Flatten ->
    softmax (no convolution)."""
    return _cs230(vocab_size, window, None, 1, units, "cs230_model2")


def cs230_baseline(vocab_size: int, window: int = 100, units: int = 256) -> keras.Model:
    """CS230's baseline (``baseline.py``): 4 × (LSTM 256 -> Dropout 0.3) -> Flatten -> softmax."""
    return _cs230(vocab_size, window, None, 4, units, "cs230_baseline")


BUILDERS = {
    "logistic_regression": logistic_regression,
    "onehot_lstm": onehot_lstm,
    "stacked_lstm": stacked_lstm,
    "conv1d_lstm": conv1d_lstm,
}
"""The course's builders (one shared signature: ``vocab_size`` first, keyword sizes)."""

PUBLISHED_BUILDERS = {
    "midi_rnn_lstm": midi_rnn_lstm,
    "cs230_model1": cs230_model1,
    "cs230_model2": cs230_model2,
    "cs230_baseline": cs230_baseline,
}
"""The seed systems at their published sizes and optimizers (notebooks 03 and 04)."""

"""Model builders: one function per architecture of the course, each returning a Keras model.

==========================  =====================================================  ========
builder                     architecture                                           notebook
==========================  =====================================================  ========
``logistic_regression``     one-hot of the previous 10 events -> softmax            02
``onehot_lstm``             the sliding-window / sequence LSTM (after midi-rnn)     03
``midi_rnn_lstm``           midi-rnn as published (Branger_Briz)                   03
``cs230_model1``            CS230 Model 1 (Mokobi, May, Voorhis-Allen), and 2, base 04
``stacked_lstm``            N stacked LSTMs, for the depth comparison               04
``conv1d_lstm``             Conv1D (kernel 3) -> 2 stacked LSTMs -> softmax          04
``melody_harmony_lstm``     melody + chord inputs -> 2 LSTMs -> two softmax heads   05
``pitch_regression_lstm``   (pitch, velocity, dt) regression with the theory loss   06
``biaxial``                 LSTMs along time, then along the notes of each step     07
==========================  =====================================================  ========

All custom layers, losses and metrics are registered with
``keras.saving.register_keras_serializable(package="musicnb")`` so ``.keras`` files reload.
"""

from __future__ import annotations

import importlib
from typing import Any

_MODULE_OF = {
    "logistic_regression": "next_note",
    "onehot_lstm": "next_note",
    "stacked_lstm": "next_note",
    "conv1d_lstm": "next_note",
    "midi_rnn_lstm": "next_note",
    "cs230_model1": "next_note",
    "cs230_model2": "next_note",
    "cs230_baseline": "next_note",
    "melody_harmony_lstm": "melody_harmony",
    "pitch_regression_lstm": "pitch_regression",
    "biaxial": "biaxial_rnn",
}


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'musicnb.models' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_MODULE_OF[name]}", __name__), name)
    globals()[name] = value
    return value


__all__ = sorted(_MODULE_OF)

"""Every private Keras API musicnb relies on, in one place.

The sampler (:mod:`musicnb.sampling`) opens a trained model up layer by layer to run it one
time step at a time with its state carried explicitly. Keras has no public API for three of the
things that needs:

==================================  ==========================================================
private API                         what it is for
==================================  ==========================================================
``Functional._run_through_graph``   walk a functional model node by node, calling a function of
                                    ours instead of some layers (the RNNs), so branches,
                                    several inputs and several heads work
``Layer._call_has_training_arg``    whether a layer's ``call`` takes ``training=`` (Dropout and
                                    normalisation layers do; Dense does not)
``RNN.inner_loop``                  an RNN layer's own (fused, cuDNN when it can) loop over a
                                    whole sequence from a given state, returning the outputs
                                    and the final state
==================================  ==========================================================

Checked against **Keras 3.15.1** (TensorFlow backend), ``keras/src/ops/function.py``,
``keras/src/layers/layer.py`` and ``keras/src/layers/rnn/{rnn,lstm,gru}.py``. A Keras upgrade
that renames or changes them breaks only this module; ``tests/test_keras_internals.py`` checks
each one on a tiny model and says which one changed; :func:`check_keras_internals` runs the
same checks on an installation without the test suite.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import MusicnbError

__all__ = [
    "KERAS_VERSION_CHECKED",
    "check_keras_internals",
    "layer_takes_training",
    "functional_graph_runner",
    "rnn_sequence_loop",
]

#: The Keras version these private APIs were last checked against.
KERAS_VERSION_CHECKED = "3.15.1"


def _changed(what: str, detail: str) -> MusicnbError:
    import keras

    return MusicnbError(
        f"Keras {keras.__version__} changed {what} ({detail}); musicnb.keras_internals was "
        f"checked against Keras {KERAS_VERSION_CHECKED}. Install that version "
        f"(pip install 'keras=={KERAS_VERSION_CHECKED}') or update musicnb/keras_internals.py."
    )


def layer_takes_training(layer: Any) -> bool:
    """Whether ``layer.call`` takes a ``training`` argument (``Layer._call_has_training_arg``,
    which Keras sets in ``Layer.__init__`` from the signature of ``call``)."""
    return bool(getattr(layer, "_call_has_training_arg", False))


def functional_graph_runner(model: Any) -> Callable[..., Any] | None:
    """``runner(inputs, operation_fn=...)`` that runs a functional ``model`` on a list of
    ``inputs``, computing every node as ``operation_fn(layer)(*args, **kwargs)``
    (``Functional._run_through_graph``); ``None`` for a model without one (a subclassed
    model)."""
    return getattr(model, "_run_through_graph", None)


def rnn_sequence_loop(layer: Any, sequences: Any, initial_state: Any) -> tuple[Any, Any, Any]:
    """Run the RNN ``layer`` over ``sequences`` ``(B, T, F)`` from ``initial_state`` (a list of
    tensors, ``[h, c]`` for an LSTM) in inference mode, without a mask, with the layer's own
    loop (``RNN.inner_loop``: cuDNN for an LSTM/GRU that allows it).

    Returns ``(last_output, outputs, states)``: ``outputs`` ``(B, T, units)`` for every step and
    ``states`` after the last one.
    """
    return layer.inner_loop(sequences, initial_state, mask=None, training=False)


def check_keras_internals() -> None:
    """Raise a :class:`MusicnbError` naming the private API that the installed Keras no
    longer has in the form this module uses; pass quietly otherwise."""
    import inspect

    import keras

    class NoTraining(keras.layers.Layer):
        def call(self, x: Any) -> Any:
            return x

    inputs = keras.Input((2, 3))
    lstm = keras.layers.LSTM(2, return_sequences=True)
    model = keras.Model(inputs, lstm(keras.layers.Dropout(0.1)(inputs)))
    dropout, plain = keras.layers.Dropout(0.1), NoTraining()
    if not (
        hasattr(dropout, "_call_has_training_arg")
        and layer_takes_training(dropout)
        and not layer_takes_training(plain)
    ):
        raise _changed(
            "Layer._call_has_training_arg",
            "no longer True for Dropout and False for a layer whose call has no training=",
        )
    runner = functional_graph_runner(model)
    if runner is None:
        raise _changed("Functional._run_through_graph", "functional models no longer have it")
    if "operation_fn" not in inspect.signature(runner).parameters:
        raise _changed("Functional._run_through_graph", "it no longer takes operation_fn=")
    loop = getattr(lstm, "inner_loop", None)
    if loop is None:
        raise _changed("RNN.inner_loop", "RNN layers no longer have it")
    expected = ["sequences", "initial_state", "mask", "training"]
    if list(inspect.signature(loop).parameters) != expected:
        raise _changed(
            "RNN.inner_loop",
            f"its arguments are now {list(inspect.signature(loop).parameters)}, not {expected}",
        )

"""Checkers for the exercises of notebooks 02–07 and 09, all in the one failure shape.

Two kinds:

* the earlier function checkers of :mod:`musicnb.metrics`, :mod:`musicnb.sampling`,
  :mod:`musicnb.losses`, :mod:`musicnb.encoders.tokens` and the biaxial model, wrapped with
  :func:`musicnb.exercises.exercise_checker` so a stub or a crash reads as one sentence;
* :func:`check_model_like` for the model-building exercises: it checks a Keras model *by
  behaviour* — output shapes on a fixed input, the number of trainable parameters, the shapes of
  the weights, and, after copying the reference model's weights into it, the same output on
  the same input. Layer names and layer types are never looked at, so any correct way of
  writing the model passes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .exercises import call_student, exercise_checker, fail


def _shapes(outputs: Any) -> Any:
    if isinstance(outputs, dict):
        return {key: tuple(np.shape(value)) for key, value in sorted(outputs.items())}
    return tuple(np.shape(outputs))


def _arrays(outputs: Any) -> list[np.ndarray]:
    if isinstance(outputs, dict):
        return [np.asarray(outputs[key]) for key in sorted(outputs)]
    return [np.asarray(outputs)]


def check_model_like(
    build: Callable[..., Any],
    args: tuple,
    reference: Any,
    inputs: Any,
    atol: float = 1e-5,
) -> str:
    """Check that ``build(*args)`` returns a Keras model that behaves like ``reference``.

    Cases, in order: ``build()`` returns a ``keras.Model``; its outputs on ``inputs`` have the
    reference's shapes; it has as many parameters as the reference; its weights have the
    reference's shapes in the same order; with the reference's weights copied in, its output
    on ``inputs`` equals the reference's (within ``atol``; dropout is off at inference).
    """
    import keras

    model = call_student("building the model", build, *args, expected="a keras.Model")
    if not isinstance(model, keras.Model):
        fail(
            "building the model",
            type(model).__name__,
            "a keras.Model",
            "return the model (keras.Model(inputs, outputs) or keras.Sequential([...]))",
        )
    expected_out = reference(inputs, training=False)
    try:
        got_out = model(inputs, training=False)
    except Exception as exc:  # noqa: BLE001 - a wrong input shape or dtype: say so as a sentence
        fail(
            "calling the model on a fixed input",
            f"{type(exc).__name__}: {exc}",
            f"outputs of shape {_shapes(expected_out)}",
            "check the Input's shape and dtype (integer tokens) and how the layers connect",
        )
    if _shapes(got_out) != _shapes(expected_out):
        fail(
            "the output shape on a fixed input",
            _shapes(got_out),
            _shapes(expected_out),
            "the last layer needs one unit per class (softmax), per step only for a sequence model",
        )
    if model.count_params() != reference.count_params():
        fail(
            "the number of parameters",
            f"{model.count_params():,}",
            f"{reference.count_params():,}",
            "compare layer sizes with the exercise (units, filters, kernel size, bias)",
        )
    got_w = [tuple(w.shape) for w in model.get_weights()]
    ref_w = [tuple(w.shape) for w in reference.get_weights()]
    if got_w != ref_w:
        fail(
            "the weight shapes, layer by layer",
            got_w,
            ref_w,
            "the same layers in the same order as the exercise asks",
        )
    model.set_weights(reference.get_weights())
    got_out = model(inputs, training=False)
    for got, expected in zip(_arrays(got_out), _arrays(expected_out)):
        if not np.allclose(got, expected, atol=atol):
            worst = float(np.max(np.abs(got - expected)))
            fail(
                "the output on a fixed input, with the reference weights copied in",
                f"a largest difference of {worst:.3g}",
                f"at most {atol:g}",
                "an activation, the padding or the order of the layers differs",
            )
    return (
        f"All checks passed: same output shapes, {model.count_params():,} parameters, "
        "same output with the same weights."
    )


def check_notes_to_batch(notes_to_batch: Callable[[Any], Any]) -> str:
    """Check ``notes_to_batch(x)``: ``(B, T, N, H)`` → ``(B·N, T, H)``, row ``b·N + n`` being
    note ``n`` of example ``b`` over time (the reshape between the biaxial model's axes)."""
    x = np.arange(2 * 3 * 4 * 5, dtype="float32").reshape(2, 3, 4, 5)
    cases = {"one example, one note": x[:1, :, :1], "two examples of four notes": x}
    for name, case in cases.items():
        want = case.transpose(0, 2, 1, 3).reshape(-1, case.shape[1], case.shape[3])
        got = np.asarray(call_student(name, notes_to_batch, case, expected=f"shape {want.shape}"))
        if got.shape != want.shape:
            fail(
                name,
                f"shape {got.shape}",
                f"shape {want.shape}",
                "move the notes axis next to the batch (transpose) before merging them (reshape)",
            )
        if not np.array_equal(got, want):
            fail(
                name,
                "the right shape with the values in another order",
                want.tolist()[:1],
                "transpose (0, 2, 1, 3) first: a plain reshape mixes time steps and notes",
            )
    return f"All {len(cases)} checks passed."


def check_weighted_two_head_loss(student_loss: Callable[..., Any]) -> str:
    """:func:`musicnb.losses.check_weighted_two_head_loss`, after one call of the student's loss
    on two steps so that the stub or a crash reads as one sentence."""
    from .losses import check_weighted_two_head_loss as reference_checker

    y = np.array([0, 1])
    p = np.array([[0.7, 0.3], [0.4, 0.6]], dtype="float32")
    call_student("two steps, alpha=0.5", student_loss, y, p, y, p, 0.5, expected="a number")
    return exercise_checker(reference_checker)(student_loss)


def check_theory_aware_loss(student_loss: Callable[..., Any]) -> str:
    """Check ``student_loss(y_true, probs, cost, pitched, beta)`` against
    :class:`musicnb.losses.TheoryAwareCrossEntropy` (``no_pitch="excluded"``): the mean over
    every step of

        −log p[y] + β · Σ_j p_j C[y, j] / Σ_j pitched_j p_j

    with ``C = losses.theory_cost_matrix(pitches, "paper")`` (0 wherever a token has no pitch)
    and ``pitched`` 1 for the onset tokens, 0 for rest and hold.

    Cases, in order: one step with a pitch target and no probability on rest or hold; the
    same target with probability on rest and hold (the expectation is among the pitches);
    a rest target (the cost row is 0: plain cross-entropy); β = 0; a ``(batch, time)`` batch
    of mixed targets."""
    from keras import ops

    from .losses import TheoryAwareCrossEntropy, theory_cost_matrix

    pitches = [-1, -1, 60, 62, 64, 67]  # rest, hold, C, D, E, G
    cost = theory_cost_matrix(pitches, "paper")  # asymmetric: a column for a row shows
    pitched = np.array([p >= 0 for p in pitches], dtype="float32")
    rng = np.random.default_rng(6)

    def probs(*shape: int) -> np.ndarray:
        p = rng.random(shape).astype("float32") + 0.05
        return p / p.sum(-1, keepdims=True)

    only_pitches = probs(1, 6)
    only_pitches[:, :2] = 0.0
    only_pitches /= only_pitches.sum(-1, keepdims=True)
    cases = [
        ("one step, true pitch C, nothing on rest or hold", np.array([2]), only_pitches, 0.5),
        ("true pitch C with probability on rest and hold", np.array([2]), probs(1, 6), 0.5),
        ("a rest target (no pitch: cost row 0)", np.array([0]), probs(1, 6), 0.5),
        ("beta=0: plain cross-entropy", np.array([3, 4]), probs(2, 6), 0.0),
        ("(batch, time) targets", rng.integers(0, 6, (2, 5)), probs(2, 5, 6), 1.0),
    ]
    for case, y, p, beta in cases:
        reference = TheoryAwareCrossEntropy(
            pitches, weight=beta, cost="paper", no_pitch="excluded", reduction=None
        )
        want = float(ops.convert_to_numpy(ops.mean(reference(y, p))))
        got = call_student(case, student_loss, y, p, cost, pitched, beta, expected=f"{want:.5f}")
        try:
            value = float(np.asarray(ops.convert_to_numpy(got)).reshape(()))
        except (TypeError, ValueError):
            fail(case, got, f"one number near {want:.5f}", "return the mean over every step")
        if not np.isclose(value, want, rtol=1e-4, atol=1e-5):
            fail(
                case,
                f"{value:.5f}",
                f"{want:.5f}",
                "cross-entropy −log p[y] plus beta × Σ_j p_j C[y, j] (the row of the target) "
                "divided by the probability of the pitched tokens, averaged over every step",
            )
    return f"All {len(cases)} checks passed."


def _lazy(module: str, name: str) -> Callable[..., str]:
    """An earlier checker, imported on first use and wrapped into the one failure shape."""

    def checker(function: Callable[..., Any], *args: Any, **kwargs: Any) -> str:
        import importlib

        original = getattr(importlib.import_module(module, __package__), name)
        return exercise_checker(original)(function, *args, **kwargs)

    checker.__name__ = name
    checker.__doc__ = f"``{module.lstrip('.')}.{name}``, reporting in the one failure shape."
    return checker


check_top_k_accuracy = _lazy(".metrics", "check_top_k_accuracy")
check_perplexity = _lazy(".metrics", "check_perplexity")
check_apply_temperature = _lazy(".sampling", "check_apply_temperature")
check_top_k_filter = _lazy(".sampling", "check_top_k_filter")
check_event_token = _lazy(".encoders.tokens", "check_event_token")
check_articulate_from_play = _lazy(".encoders.pianoroll", "check_articulate_from_play")
check_neighbourhood = _lazy(".encoders.pianoroll", "check_neighbourhood")


__all__ = [
    "check_apply_temperature",
    "check_articulate_from_play",
    "check_event_token",
    "check_model_like",
    "check_neighbourhood",
    "check_notes_to_batch",
    "check_perplexity",
    "check_top_k_accuracy",
    "check_top_k_filter",
    "check_weighted_two_head_loss",
]

"""What the theory term of use (b) does to a next-event model's onsets (notebook 06).

A next-event model over the course's grid tokens (0 rest, 1 hold, then one onset per pitch)
trained with cross-entropy, with or without ``losses.TheoryAwareCrossEntropy``'s extra term, is
measured on the same test chunks: accuracy, the probability it gives to rest or hold, how often
its most probable event is an onset, and the scale consistency of melodies sampled from it.

Why a bias is expected when rest and hold cost 0 like the true note (``no_pitch="free"``): the
extra term ``β·Σ_j p_j c_j`` has the gradient ``β·p_k·(c_k − Σ_j p_j c_j)`` on the logit of
token k, negative for rest and hold (``c = 0``) whenever a wrong pitch has probability, so
training raises them at every onset target. :func:`no_pitch_pull` measures that push directly,
on fixed predictions, without training anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .errors import MusicnbError

#: Grid tokens without a pitch (rest, hold).
NO_PITCH_TOKENS = (0, 1)


def _onset_scale_share(rows: Sequence[np.ndarray], encoder: Any) -> float:
    from .diagnostics import scale_consistency

    shares = [
        scale_consistency([encoder.token_pitch(t) for t in row if t >= len(NO_PITCH_TOKENS)])[0]
        for row in rows
    ]
    return float(np.mean(shares)) if shares else float("nan")


def use_b_figures(
    model: Any,
    encoder: Any,
    X: np.ndarray,
    Y: np.ndarray,
    primer: Sequence[int],
    streams: int = 8,
    length: int = 128,
    seed: int = 0,
) -> dict[str, float]:
    """Figures of one trained next-event model on test chunks ``X`` → targets ``Y``:

    * ``test_accuracy``: share of steps whose argmax is the target;
    * ``p_rest_or_hold``: mean probability of rest + hold over every test step;
    * ``p_rest_or_hold_at_onsets``: the same, over the steps whose target is an onset (where
      the bias shows: the right answer there is a pitch);
    * ``predicted_onsets``: share of steps whose most probable token is an onset;
    * ``sampled_onsets``: share of the sampled steps that are onsets (notes struck);
    * ``scale_consistency``: mean share of sampled onsets in the best-fitting scale, over
      ``streams`` melodies of ``length`` steps after ``primer`` (temperature 1, ``seed``).
    """
    from .sampling import Sampler

    X, Y = np.asarray(X), np.asarray(Y)
    if X.shape[:2] != Y.shape[:2] or not len(Y):
        raise MusicnbError(
            f"X {X.shape} and Y {Y.shape} must be test chunks of the same (chunks, steps) shape; "
            "pass the output of windowing.sequence_chunks."
        )
    probs = model.predict(X, verbose=0)
    sampled = Sampler(model, encoder).generate(
        list(primer), length=length, streams=streams, temperature=1.0, seed=seed
    )
    no_pitch = probs[..., list(NO_PITCH_TOKENS)].sum(-1)
    onset_targets = ~np.isin(Y, NO_PITCH_TOKENS)
    return {
        "test_accuracy": float(np.mean(probs.argmax(-1) == Y)),
        "p_rest_or_hold": float(no_pitch.mean()),
        "p_rest_or_hold_at_onsets": (
            float(no_pitch[onset_targets].mean()) if onset_targets.any() else float("nan")
        ),
        "predicted_onsets": float(np.mean(~np.isin(probs.argmax(-1), NO_PITCH_TOKENS))),
        "sampled_onsets": float(np.mean(~np.isin(np.asarray(sampled), NO_PITCH_TOKENS))),
        "scale_consistency": _onset_scale_share(list(sampled), encoder),
    }


def data_figures(train_rows: Sequence[np.ndarray], Y: np.ndarray, encoder: Any) -> dict[str, float]:
    """The same figures for the data: the training melodies' scale consistency, the share of
    rest + hold among the test targets ``Y`` and the share of onsets among them (the figure
    ``predicted_onsets`` and ``sampled_onsets`` compare with)."""
    no_pitch = float(np.isin(np.asarray(Y), NO_PITCH_TOKENS).mean())
    return {
        "scale_consistency": _onset_scale_share(train_rows, encoder),
        "p_rest_or_hold": no_pitch,
        "predicted_onsets": 1.0 - no_pitch,
        "sampled_onsets": 1.0 - no_pitch,
    }


def no_pitch_pull(loss: Any, probs: np.ndarray, Y: np.ndarray, delta: float = 1e-3) -> float:
    """How hard the theory term of ``loss`` (a ``losses.TheoryAwareCrossEntropy``) pushes
    probability onto rest and hold, at fixed predictions ``probs`` for targets ``Y``.

    With every rest and hold logit shifted by ε, ``p_ε = softmax(log p + ε·[k ∈ {rest, hold}])``,
    the pull is ``−d/dε (β·E_{p_ε}[c])`` at ε = 0 (central difference, step ``delta``), averaged
    over the steps whose target is an onset. Positive: training with the term raises rest and
    hold there (the bias against onsets); 0: the term leaves the onset / no-onset split to
    cross-entropy; negative: it lowers them.
    """
    from keras import ops

    probs = np.asarray(probs, dtype=np.float64)
    Y = np.asarray(Y)
    if probs.shape[:-1] != Y.shape:
        raise MusicnbError(
            f"probs {probs.shape} must have one distribution per target of Y {Y.shape}."
        )
    onsets = ~np.isin(Y, NO_PITCH_TOKENS)
    if not onsets.any():
        raise MusicnbError("Y has no onset targets: the pull is measured where an onset is due.")
    probs, Y = probs[onsets], Y[onsets]
    logits = np.log(np.clip(probs, 1e-12, 1.0))
    shift = np.zeros(probs.shape[-1])
    shift[list(NO_PITCH_TOKENS)] = 1.0

    def term(eps: float) -> np.ndarray:
        z = logits + eps * shift
        p = np.exp(z - z.max(-1, keepdims=True))
        p = (p / p.sum(-1, keepdims=True)).astype("float32")
        return loss.weight * np.asarray(ops.convert_to_numpy(loss.expected_cost(Y, p)), float)

    return float(np.mean(-(term(delta) - term(-delta)) / (2 * delta)))

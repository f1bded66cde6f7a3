"""What the theory term of use (b) does to a next-event model's onsets (notebook 06).

A next-event model over the course's grid tokens (0 rest, 1 hold, then one onset per pitch)
trained with cross-entropy, with or without ``losses.TheoryAwareCrossEntropy``'s extra term, is
measured on the same test chunks: accuracy, the probability it gives to rest or hold, and the
scale consistency of melodies sampled from it.
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
    return {
        "test_accuracy": float(np.mean(probs.argmax(-1) == Y)),
        "p_rest_or_hold": float(probs[..., list(NO_PITCH_TOKENS)].sum(-1).mean()),
        "scale_consistency": _onset_scale_share(sampled, encoder),
    }


def data_figures(train_rows: Sequence[np.ndarray], Y: np.ndarray, encoder: Any) -> dict[str, float]:
    """The same figures for the data: the training melodies' scale consistency and the share of
    rest + hold among the test targets ``Y``."""
    return {
        "scale_consistency": _onset_scale_share(train_rows, encoder),
        "p_rest_or_hold": float(np.isin(np.asarray(Y), NO_PITCH_TOKENS).mean()),
    }

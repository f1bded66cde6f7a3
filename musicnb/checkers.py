"""Behaviour checkers for the notebooks' exercises (encoding and windows, notebook 01).

A checker calls the student's function on small edge cases, compares with the reference
behaviour and raises ``AssertionError`` with a hint on the first difference. It tests what the
function *does*, never how it is written.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .encoders.events import HOLD, REST, EventEncoder
from .piece import Piece

Notes = list[tuple[int, float, float]]


def _fail(case: str, got: object, expected: object, hint: str) -> None:
    raise AssertionError(f"{case}: got {got!r}, expected {expected!r}. Hint: {hint}")


def check_to_events(to_events: Callable[[Notes, int], list[int]]) -> str:
    """Check a student's ``to_events(notes, steps_per_quarter)`` against :class:`EventEncoder`.

    ``notes`` are monophonic ``(pitch, start, duration)`` in quarter notes; the function returns
    one token per step with ``0`` = rest, ``1`` = hold and ``pitch - 48 + 2`` = onset
    (the encoder's range 48-84).
    """
    encoder = EventEncoder(low=48, high=84)
    cases: dict[str, tuple[Notes, str]] = {
        "one quarter note": ([(60, 0, 1)], "an onset then three holds"),
        "a rest before the first note": ([(62, 0.5, 0.5)], "steps before the first onset are rests"),
        "the same pitch twice": ([(64, 0, 0.5), (64, 0.5, 0.5)],
                                 "a repeated note is a new onset, not a hold"),
        "a gap between notes": ([(60, 0, 0.25), (67, 1, 0.25)], "silence between notes is rest"),
        "a long note": ([(48, 0, 4)], "a whole note holds for 15 steps"),
    }
    for name, (notes, hint) in cases.items():
        expected = encoder.encode(Piece.from_notes(notes)).tolist()
        got = [int(t) for t in to_events(notes, 4)]
        if got != expected:
            _fail(name, got, expected, hint)
    return f"All {len(cases)} checks passed."


def check_make_windows(make_windows: Callable[[list[np.ndarray], int], tuple[np.ndarray, np.ndarray]]
                       ) -> str:
    """Check a student's ``make_windows(sequences, size) -> (X, y)``: many-to-one windows that
    never cross from one sequence into the next."""
    cases = {
        "one sequence": ([np.arange(6)], 3, "X rows are seq[t:t+3], y is seq[t+3]"),
        "two sequences": ([np.arange(5), np.arange(10, 15)], 3,
                          "a window must not start in one piece and end in the next"),
        "a sequence too short": ([np.arange(3), np.arange(20, 25)], 3,
                                 "a piece with no more than `size` tokens gives no window"),
        "exactly one window": ([np.arange(4)], 3, "size + 1 tokens make exactly one window"),
    }
    from .windowing import windows

    for name, (seqs, size, hint) in cases.items():
        expected_X, expected_y = windows(seqs, size)
        X, y = make_windows([np.asarray(s) for s in seqs], size)
        X, y = np.asarray(X), np.asarray(y)
        if X.shape != expected_X.shape or not np.array_equal(X, expected_X):
            _fail(name + " (X)", X.tolist(), expected_X.tolist(), hint)
        if not np.array_equal(y.reshape(-1), expected_y):
            _fail(name + " (y)", y.tolist(), expected_y.tolist(), hint)
    return f"All {len(cases)} checks passed."


__all__ = ["check_to_events", "check_make_windows", "REST", "HOLD"]

"""Behaviour checkers for the exercises of notebooks 00 (pieces), 01 (encoding and windows) and
08 (evaluating generated music).

A checker calls the student's function on small edge cases, compares with the reference
behaviour and stops at the first difference with one sentence (:class:`ExerciseFailed`,
``case — got …, expected … — hint``; see :mod:`musicnb.exercises`). It tests what the function
*does*, never how it is written. In a student notebook the function is still the stub
(``raise NotImplementedError``); the checker says so in the same sentence.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .encoders.events import HOLD, REST, EventEncoder
from .exercises import ExerciseFailed, call_student, fail
from .piece import Piece

Notes = list[tuple[int, float, float]]


# ---------------------------------------------------------------------------- notebook 00
def _part_cases() -> dict[str, tuple[Piece, str]]:
    return {
        "an empty piece": (Piece.from_notes([]), "no notes means no parts: return []"),
        "one note": (Piece.from_notes([(60, 0, 1)]), "one part with one note"),
        "a chord": (
            Piece.from_notes([(60, 0, 1), (64, 0, 1), (67, 0, 1)]),
            "notes sounding together still count one by one, in one part",
        ),
        "two parts": (
            Piece.from_notes([(72, 0, 1, 90, 0), (79, 1, 1, 90, 0), (48, 0, 2, 90, 1)]),
            "element i is part i (piece.part holds each note's part number)",
        ),
        "a silent middle part": (
            Piece.from_notes([(72, 0, 1, 90, 0), (40, 0, 1, 90, 2)]),
            "a part number with no notes still gets its place in the list",
        ),
    }


def check_notes_per_part(notes_per_part: Callable[[Piece], list[int]]) -> str:
    """Check ``notes_per_part(piece)``: element ``i`` counts the notes of part ``i`` for every
    part from 0 to the highest part number (0 for a silent part); ``[]`` for an empty piece."""
    cases = _part_cases()
    for name, (piece, hint) in cases.items():
        expected = (
            np.bincount(piece.part, minlength=piece.n_parts).tolist() if piece.n_notes else []
        )
        got = call_student(name, notes_per_part, piece, expected=expected)
        try:
            got = [int(x) for x in got]
        except TypeError:
            fail(name, got, expected, "return a list of whole numbers, one per part")
        if got != expected:
            fail(name, got, expected, hint)
    return f"All {len(cases)} checks passed."


def check_part_ranges(part_ranges: Callable[[Piece], list[tuple[int, int] | None]]) -> str:
    """Check ``part_ranges(piece)``: ``(lowest, highest)`` MIDI pitch of each part, ``None``
    for a part with no notes, ``[]`` for an empty piece."""
    cases = _part_cases()
    cases["an empty piece"] = (cases["an empty piece"][0], "no notes means no parts: return []")
    cases["a silent middle part"] = (
        cases["a silent middle part"][0],
        "a part with no notes is None, not (0, 0) and not skipped",
    )
    for name, (piece, hint) in cases.items():
        expected = []
        for part in range(piece.n_parts if piece.n_notes else 0):
            pitches = piece.pitch[piece.part == part]
            expected.append((int(pitches.min()), int(pitches.max())) if len(pitches) else None)
        got = call_student(name, part_ranges, piece, expected=expected)
        try:
            got = [None if r is None else (int(r[0]), int(r[1])) for r in got]
        except (TypeError, IndexError, ValueError):
            fail(name, got, expected, "return a list holding (lowest, highest) or None per part")
        if got != expected:
            fail(name, got, expected, hint)
    return f"All {len(cases)} checks passed."


# ---------------------------------------------------------------------------- notebook 01
def check_to_events(to_events: Callable[[Notes, int], list[int]]) -> str:
    """Check a student's ``to_events(notes, steps_per_quarter)`` against :class:`EventEncoder`.

    ``notes`` are monophonic ``(pitch, start, duration)`` in quarter notes; the function returns
    one token per step with ``0`` = rest, ``1`` = hold and ``pitch - 48 + 2`` = onset
    (the encoder's range 48-84).
    """
    encoder = EventEncoder(low=48, high=84)
    cases: dict[str, tuple[Notes, str]] = {
        "one quarter note": ([(60, 0, 1)], "an onset then three holds"),
        "a rest before the first note": (
            [(62, 0.5, 0.5)],
            "steps before the first onset are rests",
        ),
        "the same pitch twice": (
            [(64, 0, 0.5), (64, 0.5, 0.5)],
            "a repeated note is a new onset, not a hold",
        ),
        "a gap between notes": ([(60, 0, 0.25), (67, 1, 0.25)], "silence between notes is rest"),
        "a long note": ([(48, 0, 4)], "a whole note holds for 15 steps"),
    }
    for name, (notes, hint) in cases.items():
        expected = encoder.encode(Piece.from_notes(notes)).tolist()
        got = call_student(name, to_events, notes, 4, expected=expected)
        try:
            got = [int(t) for t in got]
        except TypeError:
            fail(name, got, expected, "return a list of integer tokens, one per 16th step")
        if got != expected:
            fail(name, got, expected, hint)
    return f"All {len(cases)} checks passed."


def check_make_windows(
    make_windows: Callable[[list[np.ndarray], int], tuple[np.ndarray, np.ndarray]],
) -> str:
    """Check a student's ``make_windows(sequences, size) -> (X, y)``: many-to-one windows that
    never cross from one sequence into the next."""
    cases = {
        "one sequence": ([np.arange(6)], 3, "X rows are seq[t:t+3], y is seq[t+3]"),
        "two sequences": (
            [np.arange(5), np.arange(10, 15)],
            3,
            "a window must not start in one piece and end in the next",
        ),
        "a sequence too short": (
            [np.arange(3), np.arange(20, 25)],
            3,
            "a piece with no more than `size` tokens gives no window",
        ),
        "exactly one window": ([np.arange(4)], 3, "size + 1 tokens make exactly one window"),
    }
    from .windowing import windows

    for name, (seqs, size, hint) in cases.items():
        expected_X, expected_y = windows(seqs, size)
        result = call_student(
            name,
            make_windows,
            [np.asarray(s) for s in seqs],
            size,
            expected=(expected_X.tolist(), expected_y.tolist()),
        )
        try:
            X, y = result
        except (TypeError, ValueError):
            fail(name, result, "a pair (X, y)", "return two arrays: the windows and their targets")
        X, y = np.asarray(X), np.asarray(y)
        if X.shape != expected_X.shape or not np.array_equal(X, expected_X):
            fail(name + " (X)", X.tolist(), expected_X.tolist(), hint)
        if not np.array_equal(y.reshape(-1), expected_y):
            fail(name + " (y)", y.tolist(), expected_y.tolist(), hint)
    return f"All {len(cases)} checks passed."


# ---------------------------------------------------------------------------- notebook 08
def check_ngram_overlap(ngram_overlap: Callable[[np.ndarray, list[np.ndarray], int], float]) -> str:
    """Check ``ngram_overlap(generated, training, n)``: the share of the n-grams of
    ``generated`` found in one of the ``training`` sequences (never across two), ``nan`` when
    ``generated`` is shorter than ``n``; compared with :func:`musicnb.evaluation.ngram_overlap`."""
    import math

    from .evaluation import ngram_overlap as reference

    training = [np.array([5, 6, 7, 8, 9]), np.array([20, 21, 22])]
    cases = {
        "a verbatim copy": (np.array([6, 7, 8, 9]), 3, "every 3-gram of it is in training: 1.0"),
        "nothing shared": (np.array([1, 2, 3, 4]), 2, "no 2-gram of it is in training: 0.0"),
        "a repeated n-gram": (
            np.array([5, 6, 5, 6]),
            2,
            "count every n-gram of the generated tokens, repeats too (2 of 3)",
        ),
        "an n-gram across two training tunes": (
            np.array([8, 9, 20, 21]),
            2,
            "(9, 20) only appears where one tune ends and the next begins: it is not in training",
        ),
        "shorter than n": (np.array([5, 6]), 3, "a sequence shorter than n has no n-gram: nan"),
    }
    for name, (generated, n, hint) in cases.items():
        expected = reference(generated, training, n)
        got = call_student(
            name,
            ngram_overlap,
            generated.copy(),
            [t.copy() for t in training],
            n,
            expected=expected,
        )
        try:
            value = float(got)
        except (TypeError, ValueError):
            fail(name, got, expected, "return one number between 0 and 1")
        same = (math.isnan(value) and math.isnan(expected)) or abs(value - expected) < 1e-9
        if not same:
            fail(name, got, expected, hint)
    return f"All {len(cases)} checks passed."


def check_binomial_p_value(binomial_p_value: Callable[[int, int], float]) -> str:
    """Check ``binomial_p_value(correct, trials)``: the probability that a listener who guesses
    (p = 1/2 per trial) gets at least ``correct`` of ``trials`` right."""
    from .evaluation import binomial_tail

    cases = {
        "all of 10 right": (10, 10, "only one way to get all ten: 1/2**10"),
        "none right": (0, 10, "at least 0 right always happens: 1.0"),
        "15 of 20": (15, 20, "add P(X = k) = C(20, k) / 2**20 for k = 15 … 20"),
        "half right": (5, 10, "P(X >= 5), not P(X = 5): add every count from 5 up"),
        "one trial": (1, 1, "one guess is right half the time"),
    }
    for name, (correct, trials, hint) in cases.items():
        expected = binomial_tail(correct, trials)
        got = call_student(name, binomial_p_value, correct, trials, expected=round(expected, 6))
        try:
            value = float(got)
        except (TypeError, ValueError):
            fail(name, got, round(expected, 6), "return one probability")
        if abs(value - expected) > 1e-9:
            fail(name, round(value, 6), round(expected, 6), hint)
    return f"All {len(cases)} checks passed."


__all__ = [
    "check_notes_per_part",
    "check_part_ranges",
    "check_to_events",
    "check_make_windows",
    "check_ngram_overlap",
    "check_binomial_p_value",
    "ExerciseFailed",
    "REST",
    "HOLD",
]

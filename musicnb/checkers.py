"""Behaviour checkers for the exercises of notebooks 00 (pieces) and 01 (encoding and windows).

A checker calls the student's function on small edge cases, compares with the reference
behaviour and stops at the first difference with one sentence (:class:`ExerciseFailed`,
``case — got …, expected … — hint``; see :mod:`musicnb.exercises`). It tests what the function
*does*, never how it is written. In a student notebook the function is still the stub
(``raise NotImplementedError``); the checker says so in the same sentence.
"""

from __future__ import annotations

from typing import Callable

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
        "a chord": (Piece.from_notes([(60, 0, 1), (64, 0, 1), (67, 0, 1)]),
                    "notes sounding together still count one by one, in one part"),
        "two parts": (Piece.from_notes([(72, 0, 1, 90, 0), (79, 1, 1, 90, 0), (48, 0, 2, 90, 1)]),
                      "element i is part i (piece.part holds each note's part number)"),
        "a silent middle part": (Piece.from_notes([(72, 0, 1, 90, 0), (40, 0, 1, 90, 2)]),
                                 "a part number with no notes still gets its place in the list"),
    }


def check_notes_per_part(notes_per_part: Callable[[Piece], list[int]]) -> str:
    """Check ``notes_per_part(piece)``: element ``i`` counts the notes of part ``i`` for every
    part from 0 to the highest part number (0 for a silent part); ``[]`` for an empty piece."""
    cases = _part_cases()
    for name, (piece, hint) in cases.items():
        expected = (np.bincount(piece.part, minlength=piece.n_parts).tolist()
                    if piece.n_notes else [])
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
    cases["a silent middle part"] = (cases["a silent middle part"][0],
                                     "a part with no notes is None, not (0, 0) and not skipped")
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
        "a rest before the first note": ([(62, 0.5, 0.5)], "steps before the first onset are rests"),
        "the same pitch twice": ([(64, 0, 0.5), (64, 0.5, 0.5)],
                                 "a repeated note is a new onset, not a hold"),
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
        result = call_student(name, make_windows, [np.asarray(s) for s in seqs], size,
                              expected=(expected_X.tolist(), expected_y.tolist()))
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


__all__ = ["check_notes_per_part", "check_part_ranges", "check_to_events", "check_make_windows",
           "ExerciseFailed", "REST", "HOLD"]

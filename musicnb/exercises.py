"""How an exercise checker reports: one failure type, one sentence.

Every checker of the course calls the student's function on small edge cases and stops at the
first case that differs from the reference behaviour, raising :class:`ExerciseFailed` with a
message of one shape::

    <case> — got <what the function gave>, expected <what it should give> — <hint>

The student's function may also *raise*: most often the stub of the student notebook
(``raise NotImplementedError("write this …")``, see :mod:`musicnb.assignments`), sometimes a
bug. :func:`call_student` turns either into the same sentence, so a student never reads a
traceback from inside the checker.

This module imports nothing heavy, so any module of the package can use it without an import
cycle. The checkers themselves are all in :mod:`musicnb.checkers`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from .errors import MusicnbError

#: The sentence a student notebook's stub raises (see :data:`musicnb.assignments.CODE_STUB`).
STUB_MESSAGE = "write this: replace this line with your code"

F = TypeVar("F", bound=Callable[..., Any])


class ExerciseFailed(MusicnbError, AssertionError):
    """An exercise's answer differs from the reference on one case (message: one sentence).

    The one failure type of every checker (:mod:`musicnb.checkers`). A
    :class:`~musicnb.errors.MusicnbError` (what was wrong and what to do, like every mistake
    the course explains) and an ``AssertionError``, so a checker used inside a test still
    fails it."""

    def __init__(self, case: str, got: str, expected: str, hint: str) -> None:
        self.case, self.got, self.expected, self.hint = case, got, expected, hint
        super().__init__(f"{case} — got {got}, expected {expected} — {hint}")


def _short(value: Any, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + " …" + text[-4:]


def fail(case: str, got: Any, expected: Any, hint: str) -> NoReturn:
    """Raise :class:`ExerciseFailed` for ``case`` (``got`` and ``expected`` are shown with
    ``repr``, cut to a readable length)."""
    raise ExerciseFailed(case, _short(got), _short(expected), hint)


def is_stub_error(exc: BaseException) -> bool:
    """True for the error a student notebook's stub raises (``NotImplementedError``)."""
    return isinstance(exc, NotImplementedError)


def call_student(
    case: str, function: Callable[..., Any], *args: Any, expected: Any = "an answer", **kwargs: Any
) -> Any:
    """``function(*args, **kwargs)``, with anything it raises turned into the one sentence.

    The stub (``NotImplementedError``) reads "got the stub (NotImplementedError), expected …
    — write the body of `name` in place of the `raise NotImplementedError` line"; any other
    exception reads "got TypeError: … — fix the error your function raises on this case".
    """
    name = getattr(function, "__name__", "your function")
    try:
        return function(*args, **kwargs)
    except ExerciseFailed:
        raise
    except Exception as exc:  # the student's code may raise anything; report it as a sentence
        if is_stub_error(exc):
            raise ExerciseFailed(
                case,
                "the stub (NotImplementedError)",
                _short(expected),
                f"write the body of `{name}` in place of the `raise NotImplementedError` line, "
                "then run the cell again",
            ) from None
        raise ExerciseFailed(
            case,
            f"{type(exc).__name__}: {exc}",
            _short(expected),
            f"`{name}` raised an error on this case; fix it (run `{name}` on this case "
            "yourself to see the traceback)",
        ) from None


def exercise_checker(checker: F) -> F:
    """Wrap a checker written before this module so it reports in the one shape.

    The stub's ``NotImplementedError`` and any other error escaping the checker become
    :class:`ExerciseFailed`; an ``AssertionError`` or ``MusicnbError`` message the checker
    raised itself is kept as its text. Use it to bring a module's existing ``check_*``
    functions under one failure type without rewriting them::

        check_top_k_filter = exercise_checker(sampling.check_top_k_filter)
    """

    @functools.wraps(checker)
    def wrapped(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        name = getattr(function, "__name__", "your function")
        try:
            return checker(function, *args, **kwargs)
        except ExerciseFailed:
            raise
        except Exception as exc:
            if is_stub_error(exc):
                raise ExerciseFailed(
                    "the first case",
                    "the stub (NotImplementedError)",
                    "your answer",
                    f"write the body of `{name}` in place of the `raise NotImplementedError` "
                    "line, then run the cell again",
                ) from None
            message = str(exc)
            if " — got " in message and ", expected " in message:
                case, _, rest = message.partition(" — got ")
                got, _, rest = rest.partition(", expected ")
                expected, _, hint = rest.partition(" — ")
                raise ExerciseFailed(case, got, expected, hint or "see the exercise") from None
            if isinstance(exc, AssertionError) or type(exc).__name__ == "MusicnbError":
                raise ExerciseFailed(
                    "a case of the checker",
                    message,
                    "the reference answer",
                    "read the case above and compare with the exercise text",
                ) from None
            raise ExerciseFailed(
                "a case of the checker",
                f"{type(exc).__name__}: {exc}",
                "your answer",
                f"`{name}` raised an error; run it on a small input yourself to see the traceback",
            ) from None

    return wrapped  # type: ignore[return-value]


__all__ = [
    "ExerciseFailed",
    "fail",
    "call_student",
    "exercise_checker",
    "is_stub_error",
    "STUB_MESSAGE",
]

"""One place that checks the public arguments of the course's functions.

Every check turns a wrong value into a :class:`~musicnb.errors.MusicnbError` that names the
argument, shows the value given and says what to give instead, so a student never meets a raw
``TypeError``, ``OverflowError`` or a TensorFlow ``InvalidArgumentError`` from deep inside a
library. The helpers return the value converted (``int``, ``float``, :class:`~pathlib.Path`), so
a caller writes ``low = whole_number("low", low, 0, 127)`` and uses the result.

A ``bool`` is never accepted as a number (``True`` is an ``int`` to Python, but nobody means
``low=True``), a float is accepted as a whole number only when it has no fractional part
(``48.0`` yes, ``48.5`` no: silently truncating it would hide a mistake), and NaN or infinity
is never a valid number.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast, overload

import numpy as np

from .errors import MusicnbError

if TYPE_CHECKING:
    from .piece import Piece

__all__ = ["whole_number", "real_number", "true_or_false", "one_of", "writable_folder"]


def _range_text(minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f" between {minimum} and {maximum}"
    if minimum is not None:
        return f" >= {minimum}"
    if maximum is not None:
        return f" <= {maximum}"
    return ""


@overload
def whole_number(
    name: str,
    value: Any,
    minimum: int | None = ...,
    maximum: int | None = ...,
    *,
    allow_none: Literal[False] = ...,
    hint: str = ...,
) -> int: ...
@overload
def whole_number(
    name: str,
    value: Any,
    minimum: int | None = ...,
    maximum: int | None = ...,
    *,
    allow_none: bool,
    hint: str = ...,
) -> int | None: ...
def whole_number(
    name: str,
    value: Any,
    minimum: int | None = None,
    maximum: int | None = None,
    *,
    allow_none: bool = False,
    hint: str = "",
) -> int | None:
    """``value`` as an ``int`` in ``minimum..maximum`` (inclusive), or a :class:`MusicnbError`.

    Accepts Python and NumPy integers and floats without a fractional part; rejects ``bool``,
    strings, NaN, infinities, fractions and ``None`` (unless ``allow_none``).
    """
    what = f"a whole number{_range_text(minimum, maximum)}" + (" or None" if allow_none else "")
    message = f"{name}={value!r}: give {what}." + (f" {hint}" if hint else "")
    if value is None:
        if allow_none:
            return None
        raise MusicnbError(message)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise MusicnbError(message)
    if isinstance(value, numbers.Integral):
        number = int(value)
    else:
        as_float = float(value)
        if not math.isfinite(as_float) or as_float != math.floor(as_float):
            raise MusicnbError(message)
        number = int(as_float)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise MusicnbError(message)
    return number


@overload
def real_number(
    name: str,
    value: Any,
    minimum: float | None = ...,
    maximum: float | None = ...,
    *,
    above: bool = ...,
    allow_none: Literal[False] = ...,
    hint: str = ...,
) -> float: ...
@overload
def real_number(
    name: str,
    value: Any,
    minimum: float | None = ...,
    maximum: float | None = ...,
    *,
    above: bool = ...,
    allow_none: bool,
    hint: str = ...,
) -> float | None: ...
def real_number(
    name: str,
    value: Any,
    minimum: float | None = None,
    maximum: float | None = None,
    *,
    above: bool = False,
    allow_none: bool = False,
    hint: str = "",
) -> float | None:
    """``value`` as a finite ``float`` in range (``above=True``: strictly above ``minimum``)."""
    low = "" if minimum is None else (f" > {minimum}" if above else f" >= {minimum}")
    high = "" if maximum is None else f" <= {maximum}"
    what = f"a finite number{low}{' and' if low and high else ''}{high}"
    message = (
        f"{name}={value!r}: give {what}"
        + (" or None" if allow_none else "")
        + "."
        + (f" {hint}" if hint else "")
    )
    if value is None:
        if allow_none:
            return None
        raise MusicnbError(message)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise MusicnbError(message)
    number = float(value)
    if not math.isfinite(number):
        raise MusicnbError(message)
    if minimum is not None and (number <= minimum if above else number < minimum):
        raise MusicnbError(message)
    if maximum is not None and number > maximum:
        raise MusicnbError(message)
    return number


def true_or_false(name: str, value: Any, hint: str = "") -> bool:
    """``value`` as a ``bool`` when it is ``True`` or ``False`` (Python or NumPy), else a
    :class:`MusicnbError`.

    Nothing else is read as a truth value: ``bool("no")`` is ``True``, so a string, a number or
    ``None`` given for a switch is refused rather than silently turned on or off.
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise MusicnbError(f"{name}={value!r}: give True or False." + (f" {hint}" if hint else ""))


def one_of(name: str, value: Any, choices: Iterable[Any], hint: str = "") -> Any:
    """``value`` when it is one of ``choices``, else a :class:`MusicnbError` listing them."""
    options = list(choices)
    if value not in options:
        listed = ", ".join(repr(c) for c in options)
        raise MusicnbError(
            f"{name}={value!r} is not known: use one of {listed}." + (f" {hint}" if hint else "")
        )
    return value


def writable_folder(path: str | os.PathLike, what: str = "folder") -> Path:
    """Create the folder ``path`` if needed and check that files can be written in it.

    An existing *file* at ``path``, a parent that cannot be created, or a folder without write
    permission gives a :class:`MusicnbError` naming the path, instead of a raw ``OSError``.
    """
    folder = Path(path).expanduser()
    if folder.exists() and not folder.is_dir():
        raise MusicnbError(
            f"The {what} {folder} is an existing file, not a folder: give a folder "
            "path (it is created if missing), or move the file away."
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MusicnbError(
            f"Cannot create the {what} {folder} ({exc.strerror or exc}): choose a "
            "folder you can write to (for example one under your home "
            "folder)."
        ) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise MusicnbError(
            f"The {what} {folder} is not writable: choose a folder you can write "
            "to, or change its permissions."
        )
    return folder


def a_piece(value: Any, who: str) -> Piece:
    """``value`` when it is a :class:`~musicnb.piece.Piece`, else a :class:`MusicnbError` that
    says what ``who`` (``"EventEncoder.encode"``) takes and how to get one: a list of pieces
    goes to ``encode_many``, a path is read first, anything else is named by its type."""
    from .piece import Piece as PieceType

    if isinstance(value, PieceType):
        return value
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, PieceType) for v in value):
        hint = f"for {len(value)} pieces call encode_many(pieces) instead."
    elif isinstance(value, (str, os.PathLike)):
        hint = "read the file first: musicnb.midi.read(path), or load_corpus(path) for a folder."
    else:
        hint = "load one with load_corpus(...) or musicnb.midi.read(path)."
    raise MusicnbError(f"{who} takes one Piece, got {type(value).__name__}: {hint}")


def pieces_of(value: Any, who: str) -> list[Piece]:
    """``value`` as a list of pieces (any iterable of them); one Piece or anything else is a
    :class:`MusicnbError` that says what ``who`` takes."""
    from .piece import Piece as PieceType

    if isinstance(value, PieceType):
        raise MusicnbError(f"{who} takes a list of pieces: for one piece call encode(piece).")
    if isinstance(value, (str, os.PathLike)) or not isinstance(value, Iterable):
        raise MusicnbError(
            f"{who} takes a list of pieces, got {type(value).__name__}: load them with "
            "load_corpus(...)."
        )
    pieces = list(value)
    for index, piece in enumerate(pieces):
        if not isinstance(piece, PieceType):
            raise MusicnbError(
                f"{who}: item {index} is a {type(piece).__name__}, not a Piece; pass the "
                "pieces of load_corpus(...) (its first value, not the report)."
            )
    return pieces


#: The most steps (or notes) one generation call makes per stream, and the most streams:
#: 100,000 16th-note steps are about 3.5 hours of music at 120 BPM, and 1,024 streams more than
#: a blind test needs; far beyond either is a typo (an extra zero or three) that would run for
#: hours or fill the memory, so it is refused at once.
MAX_GENERATED_STEPS = 100_000
MAX_STREAMS = 1_024


def generation_size(
    length: Any, streams: Any = 1, length_name: str = "length", unit: str = "steps"
) -> tuple[int, int]:
    """``(length, streams)`` of a generation call as ints, or a :class:`MusicnbError`: whole
    numbers, ``1 ≤ length ≤`` :data:`MAX_GENERATED_STEPS`, ``1 ≤ streams ≤`` :data:`MAX_STREAMS`."""
    n = whole_number(
        length_name,
        length,
        1,
        MAX_GENERATED_STEPS,
        hint=f"It counts {unit}; for longer music generate in parts, each primed with the "
        "end of the last.",
    )
    k = whole_number("streams", streams, 1, MAX_STREAMS, hint="Each stream is one piece.")
    return int(cast(int, n)), int(cast(int, k))

"""Split an ABC file into its tunes, without music21.

An ABC file (``abcnotation.com``, standard v2.1 section 2.2) is an optional *file header*
followed by tunes, each starting with a reference-number line ``X:n``. Collections such as
O'Neill's 1850 or the Essen folk songs keep hundreds of tunes in one file; splitting the text
first lets each tune be cached and parsed on its own (in parallel, and without parsing the
whole file to reach tune 300). A tune is given to music21 with the file header's fields
inserted after its ``X:`` line, so header fields (default note length, meter) still apply.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_X_LINE = re.compile(r"^X:\s*(\S*)", re.MULTILINE)
_T_LINE = re.compile(r"^T:\s*(.*)$", re.MULTILINE)


class AbcTune(NamedTuple):
    """One tune of an ABC file: its position, reference number, title and parseable text."""

    index: int  # type: ignore[assignment]  # field shadows tuple.index; the name is public API
    number: str
    title: str
    text: str


def read_abc_text(data: bytes) -> str:
    """Decode ABC bytes: UTF-8 when valid, otherwise Latin-1 (older collections use it)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def split_abc_tunes(text: str) -> list[AbcTune]:
    """The tunes of an ABC file, in file order.

    Text before the first ``X:`` line is the file header; its fields are copied into every tune.
    A file with no ``X:`` line is one tune. Tunes without any note text are still returned
    (the loader reports them as having no notes).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    starts = [m.start() for m in _X_LINE.finditer(text)]
    if not starts:
        title = _T_LINE.search(text)
        return [AbcTune(0, "", title.group(1).strip() if title else "", "X:1\n" + text)]
    header = text[: starts[0]]
    # keep only field lines of the header (comments and free text confuse some parsers)
    header_lines = [
        line
        for line in header.split("\n")
        if re.match(r"^[A-Za-z]:", line) and not line.startswith(("X:", "T:"))
    ]
    header = "\n".join(header_lines) + ("\n" if header_lines else "")
    tunes = []
    for index, begin in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        body = text[begin:end].strip("\n") + "\n"
        x_line = _X_LINE.match(body)
        assert x_line is not None  # every tune begins at an X: line (that is how starts is built)
        number = x_line.group(1)
        title = _T_LINE.search(body)
        if header:  # header fields go right after X:, where the tune's own fields override them
            first, _, rest = body.partition("\n")
            body = first + "\n" + header + rest
        tunes.append(AbcTune(index, number, title.group(1).strip() if title else "", body))
    return tunes

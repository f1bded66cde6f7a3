"""Text the package prints, wrapped at word boundaries to fit a notebook's output area.

JupyterLab shows printed text (``stdout`` and ``text/plain`` results) in a ``<pre>`` styled
``white-space: pre-wrap; word-break: break-all``: a line wider than the output area breaks at
whatever character reaches the edge, in the middle of a word. Lines of at most :data:`WIDTH`
columns fit the output area of JupyterLab and Colab in an ordinary window (and a terminal of
the same width), so what the package prints for students is wrapped here first, with
:mod:`textwrap`, at spaces only.
"""

from __future__ import annotations

import textwrap

__all__ = ["WIDTH", "wrap"]

#: Columns of printed text (JupyterLab's output area holds about 110 at its default font in a
#: 1,280-pixel window with the file browser open; 88 leaves room for a narrower one).
WIDTH = 88


def wrap(text: str, width: int = WIDTH, indent: str = "  ") -> str:
    """``text`` with every line longer than ``width`` broken at spaces.

    A continuation line starts with the broken line's own leading spaces plus ``indent``, so a
    wrapped sentence reads as one item of a list. Line breaks already in ``text`` are kept;
    a single word longer than ``width`` (a file path) stays whole rather than being cut, and
    hyphenated words ("F2-F5") are never split.
    """
    lines = []
    for line in text.splitlines() or [""]:
        if len(line) <= width:
            lines.append(line)
            continue
        lead = line[: len(line) - len(line.lstrip(" "))]
        lines.append(
            textwrap.fill(
                line,
                width=width,
                subsequent_indent=lead + indent,
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return "\n".join(lines)

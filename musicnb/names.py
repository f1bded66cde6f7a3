"""One file-name sanitiser for everything the course writes from a name a person typed.

Exports (:func:`musicnb.export`), the command line's ``generate --name`` and any other writer
that builds a file name from user text call :func:`safe_stem`, so a name can never climb out of
its folder (``../../escape``), name a hidden file, or hold characters some file systems refuse.
"""

from __future__ import annotations

import re
import unicodedata

from .errors import MusicnbError

__all__ = ["safe_stem"]

#: Longest stem kept (leaves room for ``_01.mid`` and a folder inside common path limits).
MAX_STEM = 100


def safe_stem(name: str) -> str:
    """A safe file stem: ASCII letters, digits, ``-``, ``_`` and ``.`` only.

    Accents are dropped (``"Îñţ song"`` → ``"Int_song"``), other characters become ``_``,
    folder separators included, so ``"../../escape"`` → ``"escape"``; a trailing
    ``.mid``/``.wav`` is removed and leading/trailing dots and dashes are stripped (no hidden
    files, no ``..``). A name with nothing usable left raises :class:`MusicnbError`.
    """
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii")
    text = text.strip()
    text = re.sub(r"\.(mid|midi|wav)$", "", text, flags=re.IGNORECASE)
    text = re.sub(r"[^A-Za-z0-9._-]+", "_", text)
    text = re.sub(r"\.{2,}", "_", text)
    text = re.sub(r"_+", "_", text).strip("._-")
    if not text:
        raise MusicnbError(
            f"{name!r} is not a usable file name: give a name with letters or "
            "digits, such as 'my_tune'."
        )
    return text[:MAX_STEM]

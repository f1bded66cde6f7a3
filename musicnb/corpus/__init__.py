"""Loading music: named collections, your own files, Nottingham, JSB -> :class:`Piece` records.

>>> pieces, report = load_corpus("ryans_mammoth", limit=10)   # doctest: +SKIP
>>> report                                                     # a table in a notebook

See :func:`load_corpus` for the sources it accepts. music21 and mido objects stay inside this
package: everything it returns is a :class:`~musicnb.piece.Piece`.
"""

from __future__ import annotations

from .cache import LOADER_VERSION, PieceCache
from .embedded import COLLECTIONS, Collection
from .load import SUPPORTED_SUFFIXES, four_voices, load_corpus, read_file
from .nottingham import NOTTINGHAM_SHA256, NOTTINGHAM_URL, download_nottingham
from .report import LoadedFile, LoadReport, SkippedFile

__all__ = [
    "load_corpus",
    "read_file",
    "LoadReport",
    "LoadedFile",
    "SkippedFile",
    "COLLECTIONS",
    "Collection",
    "SUPPORTED_SUFFIXES",
    "LOADER_VERSION",
    "PieceCache",
    "four_voices",
    "download_nottingham",
    "NOTTINGHAM_URL",
    "NOTTINGHAM_SHA256",
]

"""On-disk cache of parsed pieces, keyed by file content.

Parsing ABC or MusicXML with music21 costs tens of milliseconds per tune; reading back a pickled
:class:`~musicnb.piece.Piece` record costs tens of *microseconds*. Every unit of work (one MIDI
or MusicXML file, one tune of an ABC file) is cached under

    key = sha256(LOADER_VERSION | kind | options | music21 version | content bytes)

so editing a file, changing a loader option or upgrading the loader gives a new key and the
old entry is simply never read again (the idea of content-addressed build caches such as
ccache or Bazel's action cache). An entry holds either the parsed pieces (as
:meth:`Piece.to_dict` dicts) or the reason the file was skipped, so a corrupt file is not
re-parsed on every load either.

Entries live in ``settings.cache_dir() / "pieces" / key[:2] / key.pkl`` and are written
atomically (temporary file in the same folder, then ``os.replace``). An entry that cannot be
read back (truncated, corrupt, written by an incompatible version) is ignored, the unit is
parsed again and the entry rewritten.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import Any

from ..atomic import atomic_path

#: Bump when the loader's output changes; old cache entries are then ignored.
LOADER_VERSION = "corpus-1"

_FORMAT = 1


def music21_version() -> str:
    """The installed music21 version, read from package metadata (does not import music21)."""
    from importlib import metadata

    try:
        return metadata.version("music21")
    except metadata.PackageNotFoundError:  # pragma: no cover - music21 is a dependency
        return "none"


def cache_key(content: bytes, kind: str, options: str = "") -> str:
    """Hex sha256 naming the cache entry of one unit of work.

    ``content`` is the file's (or the ABC tune's) bytes, ``kind`` the reader used
    (``"abc"``, ``"midi"``, ...) and ``options`` a string of the options that change the result.
    """
    digest = hashlib.sha256()
    for part in (LOADER_VERSION, kind, options, music21_version()):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    digest.update(content)
    return digest.hexdigest()


class PieceCache:
    """A folder of pickled parse results, one file per cache key.

    ``get(key)`` returns the stored entry (a dict with ``"pieces"``, a list of
    :meth:`Piece.to_dict` dicts, and ``"skip"``, a reason string or ``None``) or ``None`` on a
    miss or an unreadable entry; ``put(key, entry)`` stores one atomically.
    """

    def __init__(self, root: str | os.PathLike | None = None, enabled: bool = True) -> None:
        if root is None:
            from ..settings import cache_dir

            root = cache_dir() / "pieces"
        self.root = Path(root)
        self.enabled = enabled

    def path(self, key: str) -> Path:
        """Where the entry for ``key`` lives."""
        return self.root / key[:2] / f"{key}.pkl"

    def get(self, key: str) -> dict[str, Any] | None:
        """The entry stored under ``key``, or ``None`` (missing, disabled or unreadable)."""
        if not self.enabled:
            return None
        try:
            with open(self.path(key), "rb") as stream:
                entry = pickle.load(stream)
        except FileNotFoundError:
            return None
        except Exception:  # corrupt or foreign entry: ignore it, it will be rewritten
            return None
        if (
            not isinstance(entry, dict)
            or entry.get("format") != _FORMAT
            or not isinstance(entry.get("pieces"), list)
        ):
            return None
        return entry

    def put(self, key: str, pieces: list[dict[str, Any]], skip: str | None) -> None:
        """Store a parse result under ``key`` (atomically; failures to write are ignored)."""
        if not self.enabled:
            return
        try:
            with atomic_path(self.path(key)) as tmp, open(tmp, "wb") as stream:
                pickle.dump(
                    {"format": _FORMAT, "pieces": pieces, "skip": skip},
                    stream,
                    protocol=pickle.HIGHEST_PROTOCOL,
                )
        except Exception:  # a read-only or full cache folder: loading still works, uncached
            return

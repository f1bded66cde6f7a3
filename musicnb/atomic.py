"""Atomic file writes: a file is either the old one or the complete new one, never half of it.

Every file the course writes that a student could lose work by (checkpoints, MIDI and WAV
exports, encoders, caches, benchmark results) goes through :func:`atomic_path`: the content is
written to a temporary file *in the same folder* and then moved over the target with
``os.replace``, which POSIX and Windows both perform as one atomic rename within a file
system. An interrupted write (a kernel restart, a full disk, Ctrl-C) leaves the previous file
untouched and removes its temporary file.
"""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

__all__ = ["atomic_path", "write_bytes", "write_text", "write_json", "json_default"]


def _new_file_mode() -> int:
    """The permissions an ordinary ``open(path, "w")`` would give (0o666 less the umask);
    ``tempfile.mkstemp`` makes private 0o600 files, which an export must not stay."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


_NEW_FILE_MODE = _new_file_mode()


@contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success move it over ``path``.

    ``suffix`` ends the temporary name (Keras wants ``.keras``, nbformat ``.ipynb``). If the
    block raises, the temporary file is removed and ``path`` is left as it was.

    >>> with atomic_path("runs/a/best.keras", suffix=".keras") as tmp:   # doctest: +SKIP
    ...     model.save(tmp)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(handle)
    tmp = Path(name)
    try:
        yield tmp
        mode = path.stat().st_mode & 0o777 if path.exists() else _NEW_FILE_MODE
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; returns the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def json_default(value: Any) -> Any:
    """NumPy scalars and arrays, paths and sets become plain JSON values."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def write_json(path: str | os.PathLike, data: Any, indent: int = 1, sort_keys: bool = False,
               default: Any = json_default) -> Path:
    """Write ``data`` as JSON (NumPy values converted) to ``path`` atomically."""
    return write_text(path, json.dumps(data, indent=indent, sort_keys=sort_keys, default=default))

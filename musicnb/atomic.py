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
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = [
    "atomic_path",
    "write_bytes",
    "write_text",
    "write_json",
    "json_default",
    "clean_stale_temporaries",
]

#: Temporary names: ``.<target name>.p<pid>.<random>.<suffix>`` (the pid tells whether the
#: process that writes it still runs). Names without a pid (older versions) count as stale once
#: older than :data:`STALE_AFTER_S`.
_TEMP_NAME = re.compile(
    r"^\.(?P<target>.+?)\.(?:p(?P<pid>\d+)\.)?[A-Za-z0-9_]{8}"
    r"(?P<suffix>\.[A-Za-z0-9]+)$"
)
STALE_AFTER_S = 3600.0
_ACTIVE: set[str] = set()


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
    handle, name = tempfile.mkstemp(
        prefix=f".{path.name}.p{os.getpid()}.", suffix=suffix, dir=path.parent
    )
    os.close(handle)
    tmp = Path(name)
    _ACTIVE.add(str(tmp))
    try:
        yield tmp
        mode = path.stat().st_mode & 0o777 if path.exists() else _NEW_FILE_MODE
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        _ACTIVE.discard(str(tmp))


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process: assume it is writing
    return True


def clean_stale_temporaries(folder: str | os.PathLike) -> list[Path]:
    """Remove temporary files that interrupted atomic writes left in ``folder``; return them.

    An atomic write removes its temporary file when it fails, but a process killed outright
    (``kill -9``, the out-of-memory killer, a power cut) cannot: ``.last.keras.p123.x1y2z3w4.keras``
    stays behind, possibly megabytes. A temporary is stale when the process named in it no
    longer runs (or is this one and not writing it now); one without a process id when it is
    older than :data:`STALE_AFTER_S`. Files being written by a live process are never touched.
    """
    root = Path(folder)
    removed: list[Path] = []
    if not root.is_dir():
        return removed
    now = time.time()
    for path in root.iterdir():
        match = _TEMP_NAME.match(path.name)
        if match is None or not path.is_file() or str(path) in _ACTIVE:
            continue
        pid = match.group("pid")
        try:
            if pid is not None:
                stale = int(pid) == os.getpid() or not _process_alive(int(pid))
            else:
                stale = now - path.stat().st_mtime > STALE_AFTER_S
            if stale:
                path.unlink()
                removed.append(path)
        except OSError:
            continue
    return removed


def report_cleaned(removed: list[Path], folder: str | os.PathLike) -> None:
    """Say (one line, on stderr) what :func:`clean_stale_temporaries` removed, if anything."""
    if removed:
        import sys

        print(
            f"Removed {len(removed)} temporary file(s) left in {folder} by an interrupted write "
            f"({', '.join(p.name for p in removed[:3])}{', ...' if len(removed) > 3 else ''}).",
            file=sys.stderr,
        )


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


def write_json(
    path: str | os.PathLike,
    data: Any,
    indent: int = 1,
    sort_keys: bool = False,
    default: Any = json_default,
) -> Path:
    """Write ``data`` as JSON (NumPy values converted) to ``path`` atomically."""
    return write_text(path, json.dumps(data, indent=indent, sort_keys=sort_keys, default=default))

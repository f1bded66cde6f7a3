"""``load_corpus``: music in, :class:`~musicnb.piece.Piece` records and a report out.

The load runs in three steps:

1. **list the work**: the source (a named collection, a folder, a file, ``"nottingham:PATH"``,
   a JSB pickle) becomes an ordered list of *units*: one per MIDI or MusicXML file, one per
   tune of an ABC file. Folders are searched recursively and sorted by relative path, so a
   load is the same on every machine;
2. **parse or fetch**: each unit's content is hashed (:mod:`musicnb.corpus.cache`); a cached
   result is read back, a miss is parsed (in parallel worker processes when there is enough
   work to pay for starting them) and stored. A unit that fails is *skipped with its reason*,
   never fatal;
3. **filter and report**: pieces with fewer than ``min_notes`` notes are skipped, a collection's
   own rule applies (the Bach chorales keep soprano, alto, tenor, bass), identical units are
   loaded once, and ``limit`` keeps the first N pieces in that fixed order.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import MusicnbError
from ..piece import Piece
from .abc_text import read_abc_text, split_abc_tunes
from .cache import PieceCache, cache_key
from .embedded import COLLECTIONS, Collection, collection_named, music21_corpus_root
from .report import FlaggedFile, LoadedFile, LoadReport, SkippedFile

MIDI_SUFFIXES = (".mid", ".midi")
ABC_SUFFIXES = (".abc",)
SCORE_SUFFIXES = (".xml", ".mxl", ".musicxml")
#: File types a folder load picks up (searched recursively).
SUPPORTED_SUFFIXES = MIDI_SUFFIXES + ABC_SUFFIXES + SCORE_SUFFIXES
PICKLE_SUFFIXES = (".pkl", ".pickle")
LAYOUTS = ("auto", "general", "nottingham")

#: Rough seconds to parse one unit of each kind, to decide whether worker processes pay off.
_COST = {"abc": 0.1, "score": 0.3, "midi": 0.01}
#: Start worker processes only when the parsing left to do is estimated above this (seconds).
PARALLEL_ABOVE_S = 3.0
#: Default time budget of one unit's parse (seconds); a unit that runs past it is skipped with
#: the reason in the load report (``load_corpus(parse_timeout=...)`` changes it, ``None`` lifts it).
PARSE_TIMEOUT_S = 60.0


class Unit(NamedTuple):
    """One unit of work: a file, or one tune of an ABC file."""

    label: str  # shown in the report
    path: str  # the file
    kind: str  # "abc" | "midi" | "score" | "error"
    tune: int | None = None  # position of the tune in an ABC file
    text: str | None = None  # the ABC tune's text, or the error message for kind "error"
    title: str = ""  # a title known before parsing (ABC T: field)


class ParseOptions(NamedTuple):
    """Options that change what a unit parses to (they are part of the cache key)."""

    layout: str = "auto"
    keep_chord_notes: bool = False

    def key_text(self, kind: str) -> str:
        if kind != "midi":
            return ""
        return f"layout={self.layout};chord_notes={int(self.keep_chord_notes)}"


# --------------------------------------------------------------------------- parsing one unit
class ParseTimeout(BaseException):
    """Raised inside a parse that ran past its budget.

    A ``BaseException`` (like ``KeyboardInterrupt``), so the ``except Exception`` blocks inside
    music21 cannot swallow it."""


def timeout_reason(seconds: float) -> str:
    return (
        f"too slow: parsing took longer than the {seconds:g} s budget of one file, so it was "
        "left out (pass load_corpus(parse_timeout=...) to allow more time)"
    )


#: The start of a skip reason that may not hold next time (more time, more memory): such
#: skips are reported but never cached.
RETRY_PREFIXES = ("too slow", "crashed")


def crashed_reason(exit_code: int | None) -> str:
    return (
        f"crashed: the process parsing it ended (exit code {exit_code}) before it finished, "
        "for example out of memory; check the file in a music program"
    )


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`ParseTimeout` in the block after ``seconds`` of wall time.

    Uses ``SIGALRM`` (``setitimer``): Python runs the signal handler between two bytecodes, so
    music21's pure-Python loops are interrupted, which no thread could do. Works in the main
    thread of a process (this one, or a worker process of the loader); elsewhere, or on
    Windows, the block runs unbounded here and the worker pool's hard limit applies.
    """
    usable = (
        seconds is not None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if seconds is None or not usable:
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise ParseTimeout()

    previous = signal.signal(signal.SIGALRM, expire)
    outer, _ = signal.setitimer(signal.ITIMER_REAL, float(seconds))  # an alarm set by a caller
    if 0 < outer < seconds:
        signal.setitimer(signal.ITIMER_REAL, outer)
    began = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer > 0:  # give the caller's alarm back, less the time spent here
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - began), 1e-3))


def parse_unit(
    unit: Unit,
    options: ParseOptions = ParseOptions(),  # noqa: B008 (a NamedTuple: immutable)
    timeout: float | None = None,
) -> tuple[list[dict], str | None]:
    """Parse one unit into piece dicts, or give the reason it cannot be used.

    Runs in worker processes, so it takes and returns plain picklable values. The pieces carry
    no file-specific fields (source, fallback title): the caller adds those, so a cache entry
    stays valid when a file moves. ``timeout`` bounds the parse in seconds (see
    :func:`time_limit`); a parse past it gives a "too slow" reason.
    """
    try:
        with time_limit(timeout):
            return [piece.to_dict() for piece in _parse(unit, options)], None
    except ParseTimeout:
        return [], timeout_reason(timeout or 0)
    except MusicnbError as exc:
        return [], str(exc)
    except Exception as exc:  # a bug or an odd corner in music21/mido: skip, do not stop the load
        return [], f"unreadable: {type(exc).__name__}: {str(exc)[:150]}"


def _parse(unit: Unit, options: ParseOptions) -> list[Piece]:
    if unit.kind == "error":
        raise MusicnbError(unit.text or "unreadable file")
    if unit.kind == "abc":
        from .music21_convert import parse_abc_tune

        return [parse_abc_tune(unit.text or "", title=unit.title)]
    if unit.kind == "score":
        from .music21_convert import parse_score_file

        return parse_score_file(unit.path, fallback_title="")
    if unit.kind == "midi":
        from .midi_files import content_to_piece, read_midi_content
        from .nottingham import detect_layout, nottingham_piece

        content = read_midi_content(unit.path)
        layout = options.layout
        if layout == "nottingham":
            return [
                nottingham_piece(
                    content,
                    None,
                    keep_chord_notes=options.keep_chord_notes,
                    layout=detect_layout(content) or "nottingham",
                )
            ]
        if layout == "auto":
            detected = detect_layout(content)
            if detected:
                return [
                    nottingham_piece(
                        content, None, keep_chord_notes=options.keep_chord_notes, layout=detected
                    )
                ]
        return [content_to_piece(content, None)]
    raise MusicnbError(f"unsupported file type {Path(unit.path).suffix!r}")


def read_file(
    path: str | os.PathLike,
    layout: str = "auto",
    keep_chord_notes: bool = False,
    *,
    parse_timeout: float | None = PARSE_TIMEOUT_S,
) -> list[Piece]:
    """Read one file (MIDI, ABC, MusicXML) into pieces, without cache or report.

    Every problem raises :class:`MusicnbError` (nothing else escapes). An ABC file gives one
    piece per tune; a bad tune raises.
    """
    path = Path(path)
    if not path.is_file():
        raise MusicnbError(
            f"No file at {path}: check the path (relative paths start from {Path.cwd()})."
        )
    options = ParseOptions(_check_layout(layout), bool(keep_chord_notes))
    pieces = []
    units = list(_units_of_file(path, path.name))
    parser = _Parser(1, check_parse_timeout(parse_timeout))
    try:
        results = parser(units, options)
    finally:
        parser.close()
    for unit, (dicts, reason) in zip(units, results):
        if reason is not None:
            raise MusicnbError(f"{unit.label}: {reason}")
        pieces += [_finish(d, unit) for d in dicts]
    return pieces


# --------------------------------------------------------------------------- listing the work
def _kind_of(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix in MIDI_SUFFIXES:
        return "midi"
    if suffix in ABC_SUFFIXES:
        return "abc"
    if suffix in SCORE_SUFFIXES:
        return "score"
    return None


def _units_of_file(path: Path, label: str) -> Iterator[Unit]:
    kind = _kind_of(path)
    if kind != "abc":
        yield Unit(
            label,
            str(path),
            kind or "error",
            text=None
            if kind
            else f"unsupported file type {path.suffix!r}: use {', '.join(SUPPORTED_SUFFIXES)}",
        )
        return
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield Unit(label, str(path), "error", text=f"cannot read the file: {exc}")
        return
    if not data.strip():
        yield Unit(label, str(path), "error", text="empty file: it holds no ABC text.")
        return
    tunes = split_abc_tunes(read_abc_text(data))
    for tune in tunes:
        name = f"{label} #{tune.number or tune.index + 1}" if len(tunes) > 1 else label
        yield Unit(name, str(path), "abc", tune=tune.index, text=tune.text, title=tune.title)


def _files_of_folder(root: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The music files under ``root`` (hidden files and folders left out), and the folders
    that could not be read, each with the reason (they go into the load report, never
    silently dropped). Symbolic links to folders are followed once (no cycles)."""
    files: list[Path] = []
    unreadable: list[tuple[Path, str]] = []
    seen: set[str] = set()

    def failed(error: OSError) -> None:
        unreadable.append(
            (
                Path(error.filename or root),
                f"this folder could not be read ({error.strerror or error}); its files were "
                "left out. Check its permissions, or copy the files somewhere readable.",
            )
        )

    for folder, subfolders, names in os.walk(root, onerror=failed, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:
            subfolders[:] = []
            continue
        seen.add(real)
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for name in names:
            path = Path(folder) / name
            if (
                not name.startswith(".")
                and path.suffix.lower() in SUPPORTED_SUFFIXES
                and path.is_file()
            ):
                files.append(path)
    return sorted(files, key=lambda p: p.relative_to(root).as_posix()), unreadable


def _units_of_files(files: Iterable[Path], root: Path | None) -> Iterator[Unit]:
    for path in files:
        label = path.relative_to(root).as_posix() if root is not None else path.name
        yield from _units_of_file(path, label)


def _content_of(unit: Unit) -> bytes:
    if unit.kind == "abc":
        return (unit.text or "").encode("utf-8")
    if unit.kind == "error":
        return (unit.path + "\0" + (unit.text or "")).encode("utf-8")
    return Path(unit.path).read_bytes()


# --------------------------------------------------------------------------- after parsing
#: A piece longer than this (in minutes, at its own tempo) is flagged in the load report: the
#: longest pieces of the repertoire (a Mahler symphony, a Wagner act) last under two hours, so
#: more usually means a broken file (e.g. a MIDI file with 1 tick per beat read as 28 hours).
PLAUSIBLE_MINUTES = 180.0


def implausible_length(piece: Piece) -> str | None:
    """A note for the report when ``piece`` lasts implausibly long, else ``None``."""
    minutes = piece.end * 60.0 / max(float(piece.tempo), 1e-6) / 60.0
    if minutes <= PLAUSIBLE_MINUTES:
        return None
    ticks = piece.metadata.get("ticks_per_beat")
    cause = (
        f" (the file has {ticks} ticks per beat; 96-960 is usual)"
        if isinstance(ticks, int) and ticks < 24
        else ""
    )
    return (
        f"implausible length: {minutes / 60:.1f} hours at {piece.tempo:g} quarter notes per "
        f"minute{cause}; check the file before training on it"
    )


def _finish(data: dict[str, Any], unit: Unit, collection: str | None = None) -> Piece:
    """Rebuild a Piece and give it its file-specific fields."""
    data = dict(data)
    if not data.get("title") or data["title"] == Path(unit.path).name:
        data["title"] = unit.title or Path(unit.path).stem
    data["source"] = unit.path + (
        f"#{unit.tune + 1}" if unit.tune is not None and "#" in unit.label else ""
    )
    metadata = dict(data.get("metadata") or {})
    metadata["file"] = unit.label
    if unit.tune is not None:
        metadata["tune"] = unit.tune
    if collection:
        metadata["collection"] = collection
    data["metadata"] = metadata
    return Piece.from_dict(data)


_SATB = ("soprano", "alto", "tenor", "bass")


def four_voices(piece: Piece) -> Piece:
    """Keep a chorale's soprano, alto, tenor and bass (parts 0-3, in that order).

    Parts are found by name (``"Soprano"``, ``"S."``... as music21's Bach files name them); a
    score with exactly four unnamed parts is kept as it is. Anything else raises.
    """
    names = [name.strip().lower() for name in piece.part_names]
    found = []
    for voice in _SATB:
        matches = [
            i
            for i, name in enumerate(names)
            if name.startswith(voice) or name in (voice[0], voice[0] + ".")
        ]
        if matches:
            found.append(matches[0])
    if len(found) == 4 and len(set(found)) == 4:
        if found == [0, 1, 2, 3] and piece.n_parts == 4:
            return piece
        import numpy as np

        mapping = np.full(max(piece.n_parts, len(names)), -1, np.int16)
        for new, old in enumerate(found):
            mapping[old] = new
        mask = mapping[piece.part] >= 0
        kept = piece.select(mask)
        return replace(
            kept,
            pitch=kept.pitch,
            start=kept.start,
            duration=kept.duration,
            velocity=kept.velocity,
            part=mapping[kept.part],
            part_names=tuple(piece.part_names[i] for i in found),
            programs=tuple(piece.programs[i] if i < len(piece.programs) else 0 for i in found),
            metadata={**piece.metadata, "parts_dropped": piece.n_parts - 4},
        )
    if piece.n_parts == 4:
        return piece
    raise MusicnbError(
        f"not a four-part chorale: {piece.n_parts} part(s) "
        f"({', '.join(piece.part_names) or 'unnamed'})."
    )


# --------------------------------------------------------------------------- the source
class _Plan(NamedTuple):
    description: str
    units: Iterator[Unit]
    collection: Collection | None
    options: ParseOptions


def _check_layout(layout: str) -> str:
    if layout not in LAYOUTS:
        raise MusicnbError(
            f"layout={layout!r} is not known: use one of {', '.join(LAYOUTS)} "
            "('nottingham' reads a melody track plus a chord track)."
        )
    return layout


def _missing(source: str) -> MusicnbError:
    return MusicnbError(
        f"{source!r} is neither a named collection nor an existing file or folder. Use one of "
        f"the collections {', '.join(sorted(COLLECTIONS))}, or a path to your own "
        f"{'/'.join(SUPPORTED_SUFFIXES)} files (relative paths start from {Path.cwd()})."
    )


def _plan(source: Any, options: ParseOptions) -> _Plan:
    if isinstance(source, str) and source.lower().startswith("nottingham:"):
        path = Path(source.split(":", 1)[1]).expanduser()
        if not path.exists():
            raise MusicnbError(
                f"No Nottingham data at {path}: pass the folder holding the "
                "MIDI or ABC files, or fetch it once (online) with "
                "musicnb.corpus.download_nottingham()."
            )
        options = options._replace(layout="nottingham")
        source = path
    elif isinstance(source, str):
        collection = collection_named(source)
        if collection is not None and not Path(source).exists():
            root = music21_corpus_root()
            files = collection.files()
            if not files:
                raise MusicnbError(
                    f"The collection {collection.name!r} has no files in this "
                    "music21 install; reinstall music21."
                )
            return _Plan(
                f"{collection.name} ({collection.description})",
                _units_of_files(files, root),
                collection,
                options,
            )
    path = Path(source).expanduser()
    if not path.exists():
        raise _missing(str(source))
    if path.is_dir():
        from .nottingham import check_not_one_track_folder, split_one_track_copies

        check_not_one_track_folder(path)  # the jukedeck melody/ or chords/ copies
        found, unreadable = _files_of_folder(path)
        files, copies = split_one_track_copies(path, found)
        if not found and any(folder == path for folder, _ in unreadable):
            raise MusicnbError(
                f"The folder {path} cannot be read ({unreadable[0][1].split('; ')[0]}). Check "
                "its permissions, or copy the files into a folder you can read."
            )
        if not files and not copies and not unreadable:
            raise MusicnbError(
                f"The folder {path} holds no music files ({', '.join(SUPPORTED_SUFFIXES)}; "
                "sub-folders searched too). Copy your MIDI, ABC or MusicXML files into it, or "
                "pass another folder."
            )
        left_out = (
            Unit(p.relative_to(path).as_posix() or ".", str(p), "error", text=why)
            for p, why in [*unreadable, *copies]
        )
        return _Plan(
            str(path), itertools.chain(left_out, _units_of_files(files, path)), None, options
        )
    return _Plan(str(path), _units_of_file(path, path.name), None, options)


# --------------------------------------------------------------------------- parallel parsing
def _default_workers() -> int:
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        available = os.cpu_count() or 1
    return max(1, min(available, 8))


def _start_method() -> str:
    """How to start worker processes.

    ``fork`` is fastest and needs nothing from ``__main__``, but forking a process in which
    TensorFlow (or PyTorch) already runs threads can deadlock the child, so then a fresh
    interpreter is used (``forkserver``, else ``spawn``), as long as ``__main__`` can be
    re-imported there (a script file or a Jupyter kernel, not code piped into ``python -``).
    """
    import multiprocessing
    import sys

    methods = multiprocessing.get_all_start_methods()
    threaded = any(name in sys.modules for name in ("tensorflow", "torch", "jax"))
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    main_ok = main_file is None or os.path.isfile(main_file)
    if "fork" in methods and (not threaded or not main_ok):
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


#: Modules a worker imports before it takes work, by the kind of unit it parses (so their
#: import time never counts against a file's budget).
_PRELOAD = {
    "abc": ("music21", "musicnb.corpus.music21_convert"),
    "score": ("music21", "musicnb.corpus.music21_convert"),
    "midi": ("mido", "musicnb.corpus.midi_files", "musicnb.corpus.nottingham"),
}


class _Parser:
    """Parses units serially, or in worker processes (:mod:`musicnb.corpus.workers`) started
    the first time enough work comes.

    Each parse has a time budget (``timeout``): inside the parse an alarm stops pure-Python
    work (:func:`time_limit`); in the workers, a parse that has not answered
    :data:`~musicnb.corpus.workers.GRACE_S` after its budget (stuck in C code, where the alarm
    cannot reach) has its worker killed and replaced, and the unit is skipped as too slow. So
    no unit takes much longer than its budget, and the other units are not disturbed.
    """

    def __init__(self, workers: int, timeout: float | None = None) -> None:
        import multiprocessing

        # inside a worker (a script without a __main__ guard re-run by spawn): never nest pools
        self.workers = 1 if multiprocessing.parent_process() is not None else workers
        self.timeout = timeout
        self.pool: Any = None

    def __call__(
        self, units: list[Unit], options: ParseOptions
    ) -> list[tuple[list[dict], str | None]]:
        import multiprocessing

        from .workers import WorkerStartError

        cost = sum(_COST.get(u.kind, 0.0) for u in units)
        worth_it = self.pool is not None or cost > PARALLEL_ABOVE_S
        # music21 can also hang inside C code (a regular expression backtracking), where no
        # alarm reaches: with a budget, ABC and MusicXML always parse in a worker process,
        # which can be killed
        bounded = (
            self.timeout is not None
            and multiprocessing.parent_process() is None
            and any(u.kind in ("abc", "score") for u in units)
        )
        if (self.workers > 1 and len(units) > 1 and worth_it) or bounded:
            try:
                return self._parallel(units, options)
            except WorkerStartError:  # no worker processes here: parse in this process
                self.close()
                self.workers = 1
        return [parse_unit(u, options, self.timeout) for u in units]

    def _parallel(
        self, units: list[Unit], options: ParseOptions
    ) -> list[tuple[list[dict], str | None]]:
        from .workers import WorkerPool

        preload = sorted({name for u in units for name in _PRELOAD.get(u.kind, ())})
        if self.pool is not None and not set(preload) <= set(self.pool.preload):
            self.close()  # workers without the modules these units need: start fresh ones
        if self.pool is None:
            self.pool = WorkerPool(self.workers, _start_method(), preload)
        outcomes = self.pool.run(
            parse_unit, [(u, options, self.timeout) for u in units], self.timeout
        )
        results: list[tuple[list[dict], str | None]] = []
        for outcome in outcomes:
            if outcome.status == "done":
                results.append(outcome.value)
            elif outcome.status == "late":
                results.append(([], timeout_reason(self.timeout or 0)))
            else:
                results.append(([], crashed_reason(outcome.value)))
        return results

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None


def check_parse_timeout(value: Any) -> float | None:
    from ..validation import real_number

    return real_number(
        "parse_timeout",
        value,
        0.0,
        above=True,
        allow_none=True,
        hint=f"Seconds one file may take to parse (default {PARSE_TIMEOUT_S:g}); "
        "None for no limit.",
    )


# --------------------------------------------------------------------------- load_corpus
def load_corpus(
    source: Any = "bach",
    limit: int | None = None,
    *,
    min_notes: int = 1,
    workers: int | None = None,
    cache: bool = True,
    layout: str = "auto",
    keep_chord_notes: bool = False,
    progress: Callable[[int, int], None] | None = None,
    parse_timeout: float | None = PARSE_TIMEOUT_S,
) -> tuple[list[Piece], LoadReport]:
    """Load music as :class:`Piece` records, with a report of what was read and skipped.

    Parameters
    ----------
    source
        A named collection of music21's bundled corpus (``"bach"``, ``"ryans_mammoth"``,
        ``"oneill_1850"``, ``"essen"``, ``"nottingham_sample"``; see ``COLLECTIONS``), a
        folder (searched recursively for ``.mid/.midi/.abc/.xml/.mxl/.musicxml``), one file, a
        JSB chorales pickle (``.pkl``/``.pickle``), ``"nottingham:FOLDER"`` for the Nottingham
        database in any of its forms, ``"midi-rnn:FOLDER"`` for midi-rnn's Lakh files through
        its instrument filter (:mod:`musicnb.corpus.lakh`), or a list of any of these.
    limit
        Keep the first ``limit`` pieces (in the fixed, sorted order); ``None`` loads all.
    min_notes
        Skip pieces with fewer notes than this.
    workers
        Processes parsing in parallel; ``None`` uses the available cores (at most 8),
        ``1`` parses in this process. Small loads always parse in this process.
    cache
        Read and write the on-disk cache of parsed pieces (``musicnb.cache_dir()/pieces``).
    layout
        How to read MIDI files: ``"auto"`` (Nottingham melody + chord track when a file looks
        like one, otherwise one part per track/channel), ``"general"`` or ``"nottingham"``.
    keep_chord_notes
        For Nottingham-style MIDI, also keep the chord track's notes as part 1.
    progress
        Called as ``progress(done, total)`` after each batch.
    parse_timeout
        Seconds one file (or ABC tune) may take to parse (default :data:`PARSE_TIMEOUT_S`);
        a file past it is stopped (within :data:`~musicnb.corpus.workers.GRACE_S` of the
        budget, even when music21 is stuck in C code) and skipped with the reason in the
        report. ``None`` lifts the limit.
        Implausible meters (``M:99999/1``, ``<beats>99999</beats>``) are refused before
        parsing.

    Returns ``(pieces, report)``. Raises :class:`MusicnbError` for a missing path, an empty
    folder, or a load where nothing could be used (the message says why and what to do).
    """
    started = time.perf_counter()
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise MusicnbError(
                f"limit={limit!r}: give a whole number of pieces >= 1, or None for all of them."
            )
    if isinstance(min_notes, bool) or not isinstance(min_notes, int) or min_notes < 1:
        raise MusicnbError(f"min_notes={min_notes!r}: give a whole number >= 1.")
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise MusicnbError(f"workers={workers!r}: give a whole number >= 1, or None for all cores.")
    options = ParseOptions(_check_layout(layout), bool(keep_chord_notes))
    parse_timeout = check_parse_timeout(parse_timeout)

    if isinstance(source, (list, tuple)):
        if not source:
            raise MusicnbError(
                "load_corpus got an empty list of sources: name at least one "
                "collection, folder or file."
            )
        plans = [_plan(s, options) for s in source]
        description = " + ".join(p.description for p in plans)
    else:
        if isinstance(source, str) and source.lower().startswith("midi-rnn:"):
            from .lakh import load_pieces  # midi-rnn's instrument filter, rejections reported

            return load_pieces(Path(source.split(":", 1)[1]).expanduser(), limit)
        if (
            isinstance(source, (str, os.PathLike))
            and Path(source).suffix.lower() in PICKLE_SUFFIXES
        ):
            return _load_pickle(Path(source), limit, min_notes, started)
        plans = [_plan(source, options)]
        description = plans[0].description

    report = LoadReport(source=description, limit=limit)
    pieces: list[Piece] = []
    store = PieceCache(enabled=cache)
    parser = _Parser(workers or _default_workers(), parse_timeout)
    seen: dict[str, str] = {}
    try:
        for plan in plans:
            units = plan.units
            collection = plan.collection
            while limit is None or len(pieces) < limit:
                wanted = None if limit is None else limit - len(pieces)
                batch = list(itertools.islice(units, wanted))
                if not batch:
                    break
                _load_batch(
                    batch,
                    plan.options,
                    store,
                    parser,
                    seen,
                    collection,
                    min_notes,
                    limit,
                    pieces,
                    report,
                )
                if progress is not None:
                    progress(len(pieces), limit or len(pieces))
            if limit is not None and len(pieces) >= limit:
                break
    finally:
        parser.close()
    report.seconds = time.perf_counter() - started
    if not pieces:
        examples = "; ".join(f"{s.file}: {s.reason}" for s in report.skipped[:3])
        raise MusicnbError(
            f"Nothing could be loaded from {description}: all {report.n_skipped} file(s) or "
            f"tune(s) were skipped ({examples}). Check that the files are complete MIDI, ABC or "
            "MusicXML with notes (and min_notes is not too high), or try a named collection "
            "such as 'bach'."
        )
    return pieces, report


def _load_batch(
    batch: list[Unit],
    options: ParseOptions,
    store: PieceCache,
    parser: _Parser,
    seen: dict[str, str],
    collection: Collection | None,
    min_notes: int,
    limit: int | None,
    pieces: list[Piece],
    report: LoadReport,
) -> None:
    keys: list[str | None] = []
    results: list[tuple[list[dict], str | None, bool] | None] = []
    for unit in batch:
        try:
            key = cache_key(_content_of(unit), unit.kind, options.key_text(unit.kind))
        except OSError as exc:
            keys.append(None)
            results.append(([], f"cannot read the file: {exc}", False))
            continue
        keys.append(key)
        entry = store.get(key)
        results.append((entry["pieces"], entry["skip"], True) if entry is not None else None)
    missing = [i for i, r in enumerate(results) if r is None]
    if missing:
        parsed = parser([batch[i] for i in missing], options)
        for i, (dicts, reason) in zip(missing, parsed):
            results[i] = (dicts, reason, False)
            if reason is None or not reason.startswith(RETRY_PREFIXES):  # may pass next time
                store.put(keys[i], dicts, reason)  # type: ignore[arg-type]
    for unit, unit_key, result in zip(batch, keys, results):
        if limit is not None and len(pieces) >= limit:
            return
        assert result is not None  # every missing entry was parsed above
        dicts, reason, cached = result
        if unit_key is not None and unit_key in seen:
            report.skipped.append(
                SkippedFile(unit.label, f"duplicate: same content as {seen[unit_key]}")
            )
            continue
        if unit_key is not None:
            seen[unit_key] = unit.label
        if reason is not None:
            report.skipped.append(SkippedFile(unit.label, reason))
            continue
        for data in dicts:
            if limit is not None and len(pieces) >= limit:
                return
            try:
                piece = _finish(data, unit, collection.name if collection else None)
                if collection is not None and collection.satb:
                    piece = four_voices(piece)
            except MusicnbError as exc:
                report.skipped.append(SkippedFile(unit.label, str(exc)))
                continue
            if piece.n_notes < min_notes:
                report.skipped.append(
                    SkippedFile(
                        unit.label,
                        "no notes"
                        if piece.n_notes == 0
                        else f"too few notes: {piece.n_notes} < min_notes={min_notes}",
                    )
                )
                continue
            pieces.append(piece)
            report.loaded.append(LoadedFile(unit.label, piece.title, piece.n_notes, cached))
            note = implausible_length(piece)
            if note:
                report.flagged.append(FlaggedFile(unit.label, note))


def _load_pickle(
    path: Path, limit: int | None, min_notes: int, started: float
) -> tuple[list[Piece], LoadReport]:
    """A JSB-chorales-style pickle: splits flattened in train, valid, test order."""
    if not path.is_file():
        raise _missing(str(path))
    try:
        from .jsb import read_jsb_pickle
    except ImportError as exc:
        raise MusicnbError(
            "This musicnb has no JSB pickle reader (musicnb.corpus.jsb); update the package."
        ) from exc
    splits = read_jsb_pickle(path)
    report = LoadReport(source=str(path), limit=limit)
    pieces: list[Piece] = []
    for split in ("train", "valid", "test", *sorted(set(splits) - {"train", "valid", "test"})):
        for index, piece in enumerate(splits.get(split, [])):
            if limit is not None and len(pieces) >= limit:
                break
            label = f"{path.name} {split} #{index + 1}"
            if piece.n_notes < min_notes:
                report.skipped.append(
                    SkippedFile(
                        label,
                        "no notes"
                        if piece.n_notes == 0
                        else f"too few notes: {piece.n_notes} < min_notes={min_notes}",
                    )
                )
                continue
            piece = replace(
                piece,
                pitch=piece.pitch,
                start=piece.start,
                duration=piece.duration,
                velocity=piece.velocity,
                part=piece.part,
                metadata={**piece.metadata, "split": split},
            )
            pieces.append(piece)
            report.loaded.append(LoadedFile(label, piece.title, piece.n_notes, False))
    report.seconds = time.perf_counter() - started
    if not pieces:
        raise MusicnbError(
            f"Nothing could be loaded from {path}: the pickle holds no pieces "
            "with notes. Is it the JSB chorales pickle (train/valid/test lists)?"
        )
    return pieces, report

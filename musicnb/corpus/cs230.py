"""The CS230 data sets (Mokobi, May, Voorhis-Allen; cademay/cs230-music-generation) as they are.

A data set is a folder with ``Train/``, ``Dev/`` and ``Test/`` sub-folders of MIDI files (the
report's song split; file names such as ``"chpn-p2_format0 copy.mid"`` contain spaces, which
is fine: paths are never split on spaces). :func:`load_cs230` parses each file with music21,
tokenises it with :func:`~musicnb.encoders.cs230_tokens.cs230_tokens` and keeps the split. A
file that cannot be parsed is skipped with its reason in the report; a folder without
``Train`` and ``Test`` is a :class:`MusicnbError` that says what the folder should hold.

Parsing a piano MIDI file with music21 takes seconds, so the tokens are cached on disk
(``musicnb.cache_dir()/cs230``, keyed by the file's content). Before music21 sees a file, the
package's own MIDI parser (:func:`musicnb.midi.read`) checks it: a corrupt file or one of an
implausible length (a broken file read as days of music) is skipped with that reason; music21's
parse then runs under a time budget (``parse_timeout``, :data:`PARSE_TIMEOUT_S`), so one odd
file never hangs the load.

Windows: :func:`song_windows` builds the report's 100-token windows song by song and
remembers each window's song, :func:`keras_validation_split` cuts them the way
``model.fit(validation_split=0.05)`` does (the last 5 % of the window array, before any
shuffle: the end of the last song(s), overlapping training windows by up to 99 tokens), and
:func:`windows_by_song` is the honest split: windows of the ``Train`` songs on one side, of the
``Dev`` / ``Test`` songs on the other, asserted disjoint.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import MusicnbError
from .report import LoadedFile, LoadReport, SkippedFile

SPLITS = ("Train", "Dev", "Test")
#: The course's copy of the data, relative to the repository root.
DEFAULT_FOLDER = Path("../shared/data/cs230-piano")
DATASETS = ("Dataset_44_Cmaj", "Dataset_34_Cmaj", "Dataset_44_Eflatmaj")
#: Seconds music21 may take to parse one file: the largest file of the data sets (160 kB,
#: 5,367 notes) takes about 14 s on a 2-core CPU.
PARSE_TIMEOUT_S = 180.0


@dataclass
class Song:
    name: str  # file name, spaces included
    split: str  # "Train" | "Dev" | "Test"
    tokens: list[str]


@dataclass
class CS230Data:
    folder: str
    songs: list[Song]
    report: LoadReport

    def split(self, name: str) -> list[Song]:
        return [s for s in self.songs if s.split == name]

    @property
    def train(self) -> list[Song]:
        return self.split("Train")

    @property
    def dev(self) -> list[Song]:
        return self.split("Dev")

    @property
    def test(self) -> list[Song]:
        return self.split("Test")

    def __repr__(self) -> str:
        sizes = ", ".join(
            f"{s}: {len(self.split(s))} songs / "
            f"{sum(len(x.tokens) for x in self.split(s)):,} tokens"
            for s in SPLITS
        )
        return f"CS230Data({Path(self.folder).name}; {sizes}; {self.report.n_skipped} skipped)"


def dataset_folder(folder: str | Path) -> Path:
    """Check that ``folder`` is a CS230 data set (``Train/`` and ``Test/`` inside)."""
    path = Path(folder).expanduser()
    if not path.is_dir():
        raise MusicnbError(
            f"No CS230 data set at {path}: pass a folder such as "
            f"../shared/data/cs230-piano/Dataset_44_Cmaj."
        )
    missing = [s for s in ("Train", "Test") if not (path / s).is_dir()]
    if missing:
        inside = sorted(p.name for p in path.iterdir() if p.is_dir())
        hint = (
            f" It holds the data sets {inside}: pass one of them, e.g. {path / inside[0]}."
            if inside and all((path / d / "Train").is_dir() for d in inside)
            else " Put the training songs' MIDI files in Train/, the held-out ones in Test/ "
            "(and optionally Dev/)."
        )
        raise MusicnbError(
            f"{path} has no {' or '.join(missing)} folder, so it is not a CS230 "
            f"data set with a song split.{hint}"
        )
    return path


def _tokens_of(path: Path, parse_timeout: float | None = PARSE_TIMEOUT_S) -> list[str]:
    from ..encoders.cs230_tokens import cs230_tokens
    from ..settings import cache_dir
    from .load import ParseTimeout, implausible_length, time_limit, timeout_reason

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MusicnbError(f"cannot read it: {exc.strerror or exc}") from exc
    cache = cache_dir() / "cs230" / (hashlib.sha1(data).hexdigest() + ".json")
    if cache.is_file():
        try:
            return list(json.loads(cache.read_text()))
        except (OSError, json.JSONDecodeError):
            pass
    from music21 import converter

    from ..midi import read

    too_long = implausible_length(read(data))  # a corrupt file raises MusicnbError here
    if too_long:
        raise MusicnbError(too_long)
    try:
        with time_limit(parse_timeout):
            score = converter.parse(data, format="midi")
            tokens = cs230_tokens(score)
    except ParseTimeout:
        raise MusicnbError(
            timeout_reason(parse_timeout or 0).replace(
                "load_corpus(parse_timeout=...)", "load_cs230(parse_timeout=...)"
            )
        ) from None
    from ..atomic import write_json

    write_json(cache, tokens)
    return tokens


def load_cs230(
    folder: str | Path,
    limit_per_split: int | None = None,
    parse_timeout: float | None = PARSE_TIMEOUT_S,
) -> CS230Data:
    """Tokenise every MIDI file of ``folder``/Train, Dev, Test (sorted by name).

    ``limit_per_split`` keeps the first N files of each split (quick runs); ``parse_timeout``
    is the seconds music21 may take on one file (``None``: no limit) before the file is
    skipped as too slow. A file that cannot be used is skipped with its reason in the report.
    """
    from .load import check_parse_timeout

    parse_timeout = check_parse_timeout(parse_timeout)
    began = time.perf_counter()
    root = dataset_folder(folder)
    report = LoadReport(source=f"CS230 data set {root}")
    songs = []
    for split in SPLITS:
        sub = root / split
        if not sub.is_dir():
            continue
        files = sorted(p for p in sub.iterdir() if p.suffix.lower() in (".mid", ".midi"))
        if limit_per_split is not None:
            files = files[:limit_per_split]
        for path in files:
            label = f"{split}/{path.name}"
            try:
                tokens = _tokens_of(path, parse_timeout)
            except MusicnbError as exc:
                report.skipped.append(SkippedFile(label, str(exc)))
                continue
            except Exception as exc:  # music21 raises many kinds: skip the file, keep loading
                report.skipped.append(
                    SkippedFile(label, f"unreadable: {type(exc).__name__}: {str(exc)[:120]}")
                )
                continue
            if not tokens:
                report.skipped.append(SkippedFile(label, "no notes: no note or chord tokens"))
                continue
            songs.append(Song(path.name, split, tokens))
            report.loaded.append(LoadedFile(label, path.stem, len(tokens), False))
    report.seconds = time.perf_counter() - began
    if not any(s.split == "Train" for s in songs) and not any(
        skipped.file.startswith("Train/") for skipped in report.skipped
    ):
        raise MusicnbError(
            f"{root / 'Train'} holds no MIDI files (.mid, .midi): a CS230 data set keeps its "
            "training songs there. Copy them in, or pass the folder of another data set."
        )
    if not any(s.split == "Train" for s in songs):
        raise MusicnbError(
            f"No readable song in {root / 'Train'} ({report.n_skipped} skipped: "
            f"{report.reasons()})."
        )
    return CS230Data(str(root), songs, report)


@dataclass
class SongWindows:
    X: np.ndarray  # (n, window) int32 ids
    y: np.ndarray  # (n,) int32 next ids
    song: np.ndarray  # (n,) index into ``names``
    names: list[str] = field(default_factory=list)


def song_windows(
    id_sequences: Sequence[np.ndarray], names: Sequence[str], window: int = 100
) -> SongWindows:
    """The report's windows: ``X = s[i:i+W]``, ``y = s[i+W]`` for every song, in order."""
    window = int(window)
    if window < 1:
        raise MusicnbError(f"window must be >= 1 (CS230 uses 100), got {window}.")
    xs, ys, owner = [], [], []
    for k, seq in enumerate(id_sequences):
        seq = np.asarray(seq, dtype=np.int32)
        n = seq.size - window
        if n <= 0:
            continue
        idx = np.arange(n)[:, None] + np.arange(window)[None, :]
        xs.append(seq[idx])
        ys.append(seq[window:])
        owner.append(np.full(n, k, dtype=np.int32))
    if not xs:
        longest = max((len(s) for s in id_sequences), default=0)
        raise MusicnbError(
            f"window {window} is longer than every song (the longest has "
            f"{longest} tokens): use a window below {longest} or more songs."
        )
    return SongWindows(np.concatenate(xs), np.concatenate(ys), np.concatenate(owner), list(names))


def keras_validation_split(
    windows: SongWindows, fraction: float = 0.05
) -> tuple[SongWindows, SongWindows]:
    """What ``model.fit(X, Y, validation_split=fraction)`` does: the **last** ``fraction`` of
    the windows (Keras cuts before shuffling) is validation, the rest training."""
    cut = int(len(windows.y) * (1 - fraction))

    def part(sl: slice) -> SongWindows:
        return SongWindows(windows.X[sl], windows.y[sl], windows.song[sl], windows.names)

    return part(slice(0, cut)), part(slice(cut, None))


def shared_songs(a: SongWindows, b: SongWindows) -> set[str]:
    """Names of the songs that have windows on both sides."""
    return {a.names[i] for i in np.unique(a.song)} & {b.names[i] for i in np.unique(b.song)}


def windows_by_song(train: SongWindows, held_out: SongWindows) -> tuple[SongWindows, SongWindows]:
    """Check that no song has windows on both sides (raises :class:`MusicnbError` if one does)."""
    both = shared_songs(train, held_out)
    if both:
        raise MusicnbError(
            f"Songs {sorted(both)} have windows in training and in the held-out "
            "set: split by song (Train vs Dev/Test folders), not by window."
        )
    return train, held_out

"""midi-rnn's Lakh MIDI files through midi-rnn's own filter, with every rejection counted.

*midi-rnn* (Branger_Briz; brannondorsey/midi-rnn) trains on the monophonic instruments of 183
files of the Lakh MIDI Dataset (Colin Raffel). :func:`load_midi_rnn_folder` reads such a folder
the way its ``utils.py`` does (see :mod:`musicnb.encoders.midi_rnn`): every instrument of every
file, kept when it is 100 % monophonic at 100 frames/s and has more notes than the window —
drum tracks included, as in the original. Nothing is dropped silently: a file that gives no
instrument is in ``report.skipped`` with its reason ("unreadable: ...", "no monophonic
instrument: ...", "too short: ..."), and the per-instrument counts (polyphonic, too short,
drums kept) and the exact duplicate files are in :class:`MidiRnnLoad`.

Files are taken in sorted name order (``os.listdir`` order, which midi-rnn uses, differs from
machine to machine; sorting makes its "first 20 %" reproducible).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..encoders.midi_rnn import MidiInstrument, is_monophonic, read_instruments
from ..errors import MusicnbError
from .report import LoadedFile, LoadReport, SkippedFile

MIDI_SUFFIXES = (".mid", ".midi")
#: Where the course looks for midi-rnn's files, relative to the repository root.
DEFAULT_FOLDER = Path("../shared/data/midi-rnn-lakh")


@dataclass
class KeptInstrument:
    """One instrument that passed the filter, with the file it came from."""

    file: str
    index: int  # position of the file in the sorted folder
    instrument: MidiInstrument


@dataclass
class MidiRnnLoad:
    """What :func:`load_midi_rnn_folder` read: the kept instruments and the counts."""

    instruments: list[KeptInstrument]
    report: LoadReport
    files: list[str]
    instruments_seen: int = 0
    rejected_polyphonic: int = 0
    rejected_short: int = 0
    drums_kept: int = 0
    duplicates: dict[str, str] = field(default_factory=dict)  # file -> earlier identical file

    def files_kept(self) -> list[str]:
        return sorted({k.file for k in self.instruments})

    def counts(self) -> dict[str, int]:
        return {
            "files": len(self.files),
            "files_with_instruments": len(self.files_kept()),
            "files_skipped": self.report.n_skipped,
            "duplicate_files": len(self.duplicates),
            "instruments_seen": self.instruments_seen,
            "instruments_kept": len(self.instruments),
            "drum_instruments_kept": self.drums_kept,
            "rejected_polyphonic": self.rejected_polyphonic,
            "rejected_too_short": self.rejected_short,
        }

    def __repr__(self) -> str:
        c = self.counts()
        return (
            f"MidiRnnLoad({c['files_with_instruments']}/{c['files']} files give "
            f"{c['instruments_kept']} monophonic instruments ({c['drum_instruments_kept']} "
            f"drum tracks) of {c['instruments_seen']}; {c['rejected_polyphonic']} polyphonic, "
            f"{c['rejected_too_short']} too short; {c['duplicate_files']} duplicate files)"
        )


def midi_files_of(folder: str | Path) -> list[Path]:
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise MusicnbError(
            f"No folder at {folder}: pass the folder of midi-rnn's MIDI files "
            "(the course keeps it at ../shared/data/midi-rnn-lakh from the "
            "repository root)."
        )
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in MIDI_SUFFIXES and p.is_file())
    if not files:
        deeper = sorted(
            {
                f.parent.relative_to(folder)
                for f in folder.rglob("*")
                if f.suffix.lower() in MIDI_SUFFIXES and f.is_file()
            }
        )
        where = (
            " Its sub-folders hold some, but midi-rnn reads only the files of the folder itself "
            f"(its glob is data_dir/*.mid): pass one of {[str(d) for d in deeper[:5]]}"
            f"{' ...' if len(deeper) > 5 else ''} under it."
            if deeper
            else ""
        )
        raise MusicnbError(f"The folder {folder} holds no .mid/.midi files.{where}")
    return files


def load_midi_rnn_folder(
    folder: str | Path = DEFAULT_FOLDER,
    window: int = 20,
    monophonic: float = 1.0,
    keep_drums: bool = True,
    limit: int | None = None,
) -> MidiRnnLoad:
    """Apply midi-rnn's instrument filter to every MIDI file of ``folder``.

    ``window``: an instrument needs more than ``window`` notes (the original's
    ``len(instrument.notes) > window_size``). ``monophonic``: the share of sounding frames
    that must sound one pitch (1.0 as published). ``keep_drums=False`` is the course's fix.
    ``limit`` reads only the first N files.
    """
    began = time.perf_counter()
    files = midi_files_of(folder)
    if limit is not None:
        files = files[: int(limit)]
    report = LoadReport(source=f"midi-rnn filter over {folder}")
    result = MidiRnnLoad([], report, [f.name for f in files])
    seen_hash: dict[str, str] = {}
    for index, path in enumerate(files):
        try:
            data = path.read_bytes()
        except OSError as exc:  # unreadable (permissions, a broken link): left out, said why
            report.skipped.append(SkippedFile(path.name, f"unreadable: {exc.strerror or exc}"))
            continue
        digest = hashlib.sha1(data).hexdigest()
        if digest in seen_hash:
            result.duplicates[path.name] = seen_hash[digest]
        else:
            seen_hash[digest] = path.name
        try:
            instruments = read_instruments(data)
        except MusicnbError as exc:
            report.skipped.append(SkippedFile(path.name, f"unreadable: {exc}"))
            continue
        except Exception as exc:  # never let one odd file stop the load
            report.skipped.append(
                SkippedFile(path.name, f"unreadable: {type(exc).__name__}: {exc}")
            )
            continue
        poly = short = drums_out = 0
        kept = []
        for inst in instruments:
            result.instruments_seen += 1
            if not is_monophonic(inst, monophonic):
                poly += 1
            elif inst.n_notes <= window:
                short += 1
            elif inst.is_drum and not keep_drums:
                drums_out += 1
            else:
                kept.append(inst)
        result.rejected_polyphonic += poly
        result.rejected_short += short
        if not kept:
            if not instruments:
                reason = "no notes: the file has no note events"
            elif short and not poly:
                reason = f"too short: its {short} monophonic instrument(s) have <= {window} notes"
            else:
                reason = (
                    f"no monophonic instrument: {poly} of {len(instruments)} polyphonic, "
                    f"{short} too short" + (f", {drums_out} drum" if drums_out else "")
                )
            report.skipped.append(SkippedFile(path.name, reason))
            continue
        result.drums_kept += sum(1 for inst in kept if inst.is_drum)
        result.instruments += [KeptInstrument(path.name, index, inst) for inst in kept]
        report.loaded.append(
            LoadedFile(
                path.name,
                f"{len(kept)} of {len(instruments)} instruments",
                sum(i.n_notes for i in kept),
                False,
            )
        )
    report.seconds = time.perf_counter() - began
    if not result.instruments:
        raise MusicnbError(
            f"No file in {folder} has a monophonic instrument with more than "
            f"{window} notes ({report.n_skipped} files skipped): {report.reasons()}."
        )
    return result


def split_files_as_published(
    files: list[str], fraction: float = 0.2
) -> tuple[list[str], list[str]]:
    """midi-rnn's split: ``train = files[:int(fraction·n)]``, the rest is validation."""
    cut = int(len(files) * fraction)
    return files[:cut], files[cut:]


def split_files(
    files: list[str],
    fractions: tuple[float, float, float] = (0.8, 0.1, 0.1),
    seed: int = 0,
    duplicates: dict[str, str] | None = None,
) -> tuple[list[str], list[str], list[str]]:
    """The course's split by file: shuffled with ``seed``; an exact duplicate always goes
    to the same side as the file it copies (so no test file is also a training file)."""
    duplicates = duplicates or {}
    originals = [f for f in files if f not in duplicates]
    order = np.random.default_rng(seed).permutation(len(originals))
    n_valid = max(1, int(round(fractions[1] * len(originals))))
    n_test = max(1, int(round(fractions[2] * len(originals))))
    n_train = len(originals) - n_valid - n_test
    if n_train < 1:
        raise MusicnbError(f"Too few files ({len(originals)}) to split into train/valid/test.")
    side = {}
    for rank, i in enumerate(order):
        side[originals[i]] = 0 if rank < n_train else 1 if rank < n_train + n_valid else 2
    for copy, original in duplicates.items():
        side[copy] = side.get(original, 0)
    parts: tuple[list[str], list[str], list[str]] = ([], [], [])
    for f in files:
        parts[side[f]].append(f)
    return parts


def instruments_of(load: MidiRnnLoad, files: list[str]) -> list[MidiInstrument]:
    wanted = set(files)
    return [k.instrument for k in load.instruments if k.file in wanted]


def folder_or_none(folder: str | Path | None = None, default: Path = DEFAULT_FOLDER) -> Path | None:
    """The data folder when it exists (``None`` otherwise), for full-mode cells and benches."""
    path = Path(folder if folder is not None else default).expanduser()
    return path if path.is_dir() else None


__all__ = [
    "load_midi_rnn_folder",
    "MidiRnnLoad",
    "KeptInstrument",
    "split_files",
    "split_files_as_published",
    "instruments_of",
    "folder_or_none",
    "DEFAULT_FOLDER",
]


def load_pieces(folder: str | Path, limit: int | None = None, window: int = 20):
    """``load_corpus("midi-rnn:FOLDER")``: each instrument midi-rnn's filter keeps, as a
    :class:`~musicnb.piece.Piece` in quarter notes (beats), with the filter's report."""
    load = load_midi_rnn_folder(folder, window=window)
    pieces = [
        k.instrument.to_piece(
            title=f"{Path(k.file).stem[:12]} #{n}", source=str(Path(folder) / k.file)
        )
        for n, k in enumerate(load.instruments)
    ]
    if limit is not None:
        pieces = pieces[: int(limit)]
        load.report.limit = int(limit)
    return pieces, load.report

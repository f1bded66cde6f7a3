"""The Nottingham database of folk tunes, in each form people have it.

Eric Foxley's Nottingham Music Database (about 1,000 British and American folk tunes: jigs,
reels, hornpipes...) ships a melody plus chord symbols per tune, which makes it the classic
data set for melody-and-harmony models. It circulates in three forms, all read here:

* **two-track type-1 MIDI** (the cleaned copy shared by jukedeck, ``MIDI/*.mid``): track 0 the
  melody, track 1 the chords as block chords; 1024 ticks per beat and no tempo event;
* **three-track type-1 MIDI** (the copy Boulanger-Lewandowski, Bengio & Vincent used for the
  ICML 2012 polyphonic-music benchmarks): track 0 meta events only, track 1 the melody,
  track 2 the harmony;
* **ABC with quoted chord symbols** (``"G"dBG "D7"A2F``): read by music21 like any ABC; the
  symbols become ``Piece.chords`` (see :mod:`musicnb.corpus.music21_convert`).

For the MIDI forms the melody becomes part 0 and the harmony track becomes chord labels: the
harmony's time line is cut at every note start and end, each segment's sounding pitch classes
are named by :func:`musicnb.harmony.detect_chord` (template matching), and equal neighbouring
labels are merged. With ``keep_chord_notes=True`` the harmony notes are also kept as part 1
(the piano-roll form of the 2012 benchmark).

:func:`download_nottingham` fetches the jukedeck archive from one pinned commit and checks its
SHA-256; a local folder in any of the forms above always works without it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from ..errors import MusicnbError
from ..harmony import NO_CHORD, detect_chord, estimate_key
from ..piece import ChordLabel, Piece
from .midi_files import (
    MidiContent,
    TrackNotes,
    check_has_notes,
    read_midi_content,
    title_of,
    voices_to_arrays,
)

#: The one place the Nottingham data is downloaded from: jukedeck/nottingham-dataset at a
#: pinned commit (cleaned ABC and two-track MIDI; GPL-3.0).
NOTTINGHAM_URL = (
    "https://codeload.github.com/jukedeck/nottingham-dataset/zip/"
    "0992bb6cd864f6d4b90d6663e08c0ef53ffaa08f"
)
#: SHA-256 of the archive at :data:`NOTTINGHAM_URL`.
NOTTINGHAM_SHA256 = "9c9c87d745779af617ad4cd0d715210bfc17ff89bc427928593462872542f9a8"

#: A harmony track counts as block chords when at least this share of its onsets start 2+ notes.
CHORD_ONSET_SHARE = 0.6
#: A melody track may have at most this share of notes overlapping the next one.
MELODY_OVERLAP_SHARE = 0.05


def _chord_onset_share(voice: TrackNotes) -> float:
    begins, counts = np.unique(np.asarray(voice.begin), return_counts=True)
    return float(np.mean(counts >= 2)) if len(begins) else 0.0


def _overlap_share(voice: TrackNotes) -> float:
    if len(voice.begin) < 2:
        return 0.0
    order = np.argsort(voice.begin, kind="stable")
    begin = np.asarray(voice.begin)[order]
    end = np.asarray(voice.end)[order]
    return float(np.mean(end[:-1] > begin[1:]))


def detect_layout(content: MidiContent) -> str | None:
    """``"nottingham-2track"``, ``"nottingham-3track"`` or ``None`` (an ordinary MIDI file).

    A file has the Nottingham layout when it is type 1 with exactly two note-carrying tracks,
    the first a single melodic line and the second mostly block chords.
    """
    voices = content.voices
    if content.midi_type != 1 or len(voices) != 2 or voices[0].track == voices[1].track:
        return None
    melody, harmony = voices
    if _overlap_share(melody) > MELODY_OVERLAP_SHARE:
        return None
    if _chord_onset_share(harmony) < CHORD_ONSET_SHARE:
        return None
    return "nottingham-2track" if melody.track == 0 else "nottingham-3track"


def chord_labels_from_notes(
    pitch, begin, end, resolution: float, sevenths: bool = True
) -> tuple[ChordLabel, ...]:
    """Chord labels naming what a harmony track sounds, segment by segment (times in ticks).

    The time line is cut at every note start and end; each segment's pitch classes are named
    with :func:`~musicnb.harmony.detect_chord`; "no chord" segments are dropped and equal
    neighbours merged. Returns labels in quarter notes.
    """
    pitch = np.asarray(pitch, np.int64)
    begin = np.asarray(begin, np.int64)
    end = np.asarray(end, np.int64)
    if not len(pitch):
        return ()
    cuts = np.unique(np.concatenate([begin, end]))
    labels: list[list] = []
    for left, right in zip(cuts[:-1], cuts[1:]):
        sounding = (begin <= left) & (end > left)
        if not sounding.any():
            continue
        label = detect_chord(set((pitch[sounding] % 12).tolist()), sevenths=sevenths)
        if label == NO_CHORD:
            continue
        if labels and labels[-1][2] == label and labels[-1][1] == left:
            labels[-1][1] = right
        else:
            labels.append([int(left), int(right), label])
    return tuple(ChordLabel(a / resolution, (b - a) / resolution, lab) for a, b, lab in labels)


def nottingham_piece(
    content: MidiContent,
    path: str | os.PathLike | None = None,
    source: str = "",
    keep_chord_notes: bool = False,
    layout: str | None = None,
) -> Piece:
    """Melody (first note track) as part 0, the second note track as chord labels."""
    check_has_notes(content)
    melody, harmony = content.voices[0], (content.voices[1] if len(content.voices) > 1 else None)
    voices = [melody] + ([harmony] if keep_chord_notes and harmony is not None else [])
    arrays = voices_to_arrays(content, voices)
    chords = (
        chord_labels_from_notes(
            harmony.pitch, harmony.begin, harmony.end, float(content.ticks_per_beat)
        )
        if harmony is not None
        else ()
    )
    metadata = {
        "ticks_per_beat": content.ticks_per_beat,
        "midi_type": content.midi_type,
        "layout": layout or detect_layout(content) or "nottingham",
    }
    if len(content.voices) > 2:
        metadata["extra_tracks_ignored"] = len(content.voices) - 2
    melody_pitch = np.asarray(melody.pitch)
    melody_length = (np.asarray(melody.end) - np.asarray(melody.begin)) / content.ticks_per_beat
    names = ("melody", "chords")[: len(voices)]
    return Piece(
        **arrays,
        title=title_of(content, path),
        source=source or str(path or ""),
        key=content.key or estimate_key(melody_pitch, melody_length),
        time_signature=content.time_signature or "4/4",
        tempo=content.tempo or 120.0,
        chords=chords,
        part_names=names,
        programs=tuple(v.program for v in voices),
        metadata=metadata,
    )


def read_nottingham_midi(
    path: str | os.PathLike, source: str = "", keep_chord_notes: bool = False
) -> Piece:
    """Read a Nottingham MIDI file (two- or three-track form) into a Piece with chords."""
    content = read_midi_content(path)
    return nottingham_piece(content, path, source=source, keep_chord_notes=keep_chord_notes)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download_nottingham(
    dest: str | os.PathLike | None = None,
    form: str = "midi",
    url: str = NOTTINGHAM_URL,
    sha256: str = NOTTINGHAM_SHA256,
) -> Path:
    """Download (once) and unpack the Nottingham database; return the folder of ``form``.

    ``form="midi"`` gives the two-track MIDI files (melody + chords), ``form="abc"`` the
    cleaned ABC files with chord symbols. The archive comes from :data:`NOTTINGHAM_URL` and
    must match :data:`NOTTINGHAM_SHA256`; ``dest`` defaults to
    ``settings.cache_dir() / "nottingham"``. Needs the network only the first time; load the
    result with ``load_corpus("nottingham:" + str(folder))``.
    """
    if form not in ("midi", "abc"):
        raise MusicnbError(f"download_nottingham(form={form!r}): use form='midi' or form='abc'.")
    if dest is None:
        from ..settings import cache_dir

        dest = cache_dir() / "nottingham"
    dest = Path(dest)
    target = dest / form
    if (dest / ".complete").is_file() and target.is_dir():
        return target
    dest.mkdir(parents=True, exist_ok=True)
    archive = dest / "nottingham-dataset.zip"
    if not archive.is_file() or _sha256_of(archive) != sha256:
        import urllib.request

        handle, tmp = tempfile.mkstemp(prefix=".download.", suffix=".zip", dir=dest)
        try:
            with os.fdopen(handle, "wb") as out:
                with urllib.request.urlopen(url, timeout=60) as response:
                    shutil.copyfileobj(response, out)
            got = _sha256_of(Path(tmp))
            if got != sha256:
                raise MusicnbError(
                    f"The Nottingham download from {url} has SHA-256 {got}, not the expected "
                    f"{sha256}: the file changed or the download broke. Try again later, or "
                    "download the data yourself and pass its folder: "
                    "load_corpus('nottingham:/path/to/folder')."
                )
            os.replace(tmp, archive)
        except MusicnbError:
            raise
        except Exception as exc:
            raise MusicnbError(
                f"Could not download the Nottingham database from {url} ({type(exc).__name__}: "
                f"{exc}). Are you online? Otherwise copy the data to a folder and load it with "
                "load_corpus('nottingham:/path/to/folder')."
            ) from exc
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    with zipfile.ZipFile(archive) as bundle:
        for form_name, folder, suffix in (("midi", "MIDI", ".mid"), ("abc", "ABC_cleaned", ".abc")):
            out_dir = dest / form_name
            out_dir.mkdir(exist_ok=True)
            for member in bundle.namelist():
                parts = member.split("/")
                # <root>/MIDI/name.mid only: MIDI/melody/ and MIDI/chords/ hold part-only copies
                if len(parts) == 3 and parts[1] == folder and parts[2].lower().endswith(suffix):
                    name = os.path.basename(parts[2])
                    if name and not name.startswith("."):
                        (out_dir / name).write_bytes(bundle.read(member))
    (dest / ".complete").write_text(sha256)
    return target


# --------------------------------------------------------------------------- folder layout
#
# The jukedeck copy ships ``MIDI/*.mid`` (melody + chords, one file per tune) and, beside them,
# ``MIDI/melody/*.mid`` and ``MIDI/chords/*.mid``: the SAME tunes again as one-track files.
# A recursive folder load would read each tune up to three times (about 3,065 pieces instead
# of 1,034) and a split by piece would put a tune in train (combined) and test (melody copy).

#: Sub-folder names of the one-track copies, and what each copy lacks.
ONE_TRACK_FOLDERS = {"melody": "the chord track", "chords": "the melody"}


def _one_track_folder(root: Path, path: Path) -> str | None:
    parts = path.relative_to(root).parts
    if len(parts) == 2 and parts[0].lower() in ONE_TRACK_FOLDERS:
        return parts[0].lower()
    return None


def split_one_track_copies(
    root: str | os.PathLike, files: list[Path]
) -> tuple[list[Path], list[tuple[Path, str]]]:
    """``(files to load, [(skipped file, reason), ...])`` for a folder in the jukedeck layout.

    The layout is recognised when ``root`` holds a ``melody/`` or ``chords/`` sub-folder of MIDI
    files. Then every file directly inside those sub-folders is left out with a reason: a
    one-track copy of a combined file of ``root`` (same name), or — when no combined file
    exists — a file that lacks the melody or the chord track, which a melody-and-harmony
    model cannot use (a chords-only file would otherwise be read as if its chords were a
    melody). Any other folder is returned unchanged.
    """
    root = Path(root)
    inside = {
        name: [
            p
            for p in files
            if _one_track_folder(root, p) == name and p.suffix.lower() in (".mid", ".midi")
        ]
        for name in ONE_TRACK_FOLDERS
    }
    if not any(inside.values()):
        return files, []
    combined = {p.name.lower() for p in files if p.parent == root}
    skipped: list[tuple[Path, str]] = []
    leave_out: set[Path] = set()
    for name, copies in inside.items():
        for path in copies:
            leave_out.add(path)
            if path.name.lower() in combined:
                reason = (
                    f"one-track copy in {name}/ of the two-track file of the same name "
                    "in the folder above (melody and chords together): the tune is "
                    "loaded once, from that file"
                )
            else:
                reason = (
                    f"{name}-only file in {name}/ with no two-track file of the same name "
                    f"in the folder above: it lacks {ONE_TRACK_FOLDERS[name]}, so a "
                    "melody-and-harmony model cannot use it (load the folder of the "
                    "two-track files)"
                )
            skipped.append((path, reason))
    return [p for p in files if p not in leave_out], skipped


def check_not_one_track_folder(folder: str | os.PathLike) -> None:
    """Raise if ``folder`` is the ``melody/`` or ``chords/`` sub-folder of a jukedeck copy
    (its files repeat the tunes of the folder above without their other track)."""
    folder = Path(folder)
    name = folder.name.lower()
    if name not in ONE_TRACK_FOLDERS or not folder.is_dir():
        return
    here = {p.name.lower() for p in folder.glob("*") if p.suffix.lower() in (".mid", ".midi")}
    above = {
        p.name.lower() for p in folder.parent.glob("*") if p.suffix.lower() in (".mid", ".midi")
    }
    if here and here & above:
        raise MusicnbError(
            f"{folder} holds the one-track {name} copies of the Nottingham tunes in "
            f"{folder.parent} (each file lacks {ONE_TRACK_FOLDERS[name]}). Load the folder "
            f"above instead: load_corpus({str(folder.parent)!r}) reads each tune once with "
            "its melody and chords."
        )

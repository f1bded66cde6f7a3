"""The JSB chorales benchmark pickle (Boulanger-Lewandowski, Bengio & Vincent 2012).

The file (``JSB Chorales.pickle``, often renamed ``jsb-chorales-quarter.pkl``) is a dict
``{"train": [...], "valid": [...], "test": [...]}`` (229 / 76 / 77 chorales); each chorale is a
list of *frames*, one per quarter note, and each frame a tuple of the MIDI pitches sounding
then (usually four, one per voice; fewer where voices meet or rest). This is the data of the
polyphonic-music benchmark reported in nats per frame (RNN-RBM, RNN-NADE, and the 2018
convolutional-vs-recurrent comparison of Bai, Kolter & Koltun).

Frames say what *sounds*, not what is *struck*: a pitch in two consecutive frames may be one
half note or two repeated quarter notes. The benchmark scores frames, so the raw frames are kept
exactly in ``piece.metadata["frames"]`` (a list of tuples of ints), and the notes of the
:class:`~musicnb.Piece` are built one per *run* of consecutive frames holding a pitch (a held
note) — which is how it sounds best when played back. :func:`frames_to_roll` turns frames into
the benchmark's 0/1 matrix.

A pickle can name any Python callable, and ``pickle.load`` calls it: a crafted ``.pkl`` runs
code on load. So the file is read with :class:`JsbUnpickler`, which builds only what the
benchmark file holds (dicts, lists, tuples, ints and NumPy integer scalars) and refuses any
other type with a :class:`~musicnb.MusicnbError` before anything of it is called.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import MusicnbError
from ..piece import Piece

__all__ = ["read_jsb_pickle", "frames_to_roll", "frames_to_piece", "SPLITS"]

SPLITS = ("train", "valid", "test")
_HINT = (
    "Pass the JSB chorales pickle of Boulanger-Lewandowski et al. (2012): a dict with keys "
    "'train', 'valid' and 'test', each a list of chorales, each a list of frames (tuples of "
    "MIDI pitches), e.g. the file 'JSB Chorales.pickle' / 'jsb-chorales-quarter.pkl'."
)


class RefusedPickle(pickle.UnpicklingError):
    """The pickle asks for something a JSB chorales file never holds."""


def _integer_dtype(*args: Any) -> Any:
    """``numpy.dtype(...)`` for integer dtypes only (how a pickled NumPy scalar names its type)."""
    dtype = np.dtype(*args)
    if dtype.kind not in "iub":
        raise RefusedPickle(f"a NumPy {dtype} value, not an integer")
    return dtype


def _integer_scalar(dtype: Any, data: Any = None) -> Any:
    """A NumPy integer scalar from its dtype and raw bytes (NumPy's own pickle format)."""
    if isinstance(data, str):  # a Python 2 pickle (the benchmark's own): bytes read as Latin-1
        data = data.encode("latin-1")
    if (
        not isinstance(dtype, np.dtype)
        or dtype.kind not in "iub"
        or not isinstance(data, bytes)
        or len(data) != dtype.itemsize
    ):
        raise RefusedPickle("a NumPy scalar that is not an integer")
    return np.frombuffer(data, dtype=dtype, count=1)[0]


def _latin1_bytes(text: Any, encoding: Any = "latin1") -> bytes:
    """``_codecs.encode(text, "latin1")``: how protocol 2 pickles written by Python 3 store
    bytes (a NumPy scalar's raw value); nothing else is encoded."""
    if not isinstance(text, str) or str(encoding).replace("-", "").lower() != "latin1":
        raise RefusedPickle("an encoding call that is not a NumPy scalar's bytes")
    return text.encode("latin-1")


class JsbUnpickler(pickle.Unpickler):
    """Unpickles only plain containers, ints and NumPy integer scalars.

    Every global a pickle asks for goes through :meth:`find_class`; only NumPy's scalar
    reconstructor and ``numpy.dtype`` are allowed, and both are replaced by versions that
    accept integer types only. Anything else (``os.system``, ``builtins.eval``, a class) raises
    ``pickle.UnpicklingError`` before it is called.
    """

    _ALLOWED = {
        ("numpy.core.multiarray", "scalar"): _integer_scalar,
        ("numpy._core.multiarray", "scalar"): _integer_scalar,
        ("numpy", "dtype"): _integer_dtype,
        ("_codecs", "encode"): _latin1_bytes,
    }

    def find_class(self, module: str, name: str) -> Any:
        allowed = self._ALLOWED.get((module, name))
        if allowed is None:
            raise RefusedPickle(
                f"the pickle asks for {module}.{name}, which a JSB chorales file never holds "
                "(only lists, tuples, dicts and integers); it was not loaded"
            )
        return allowed


def safe_load(data: bytes) -> Any:
    """Unpickle ``data`` with :class:`JsbUnpickler` (no code from the file runs)."""
    return JsbUnpickler(io.BytesIO(data), encoding="latin1").load()


def _frame(frame: Any, where: str) -> tuple[int, ...]:
    if isinstance(frame, (str, bytes)) or not hasattr(frame, "__iter__"):
        raise MusicnbError(f"{where} is {frame!r}, not a tuple of MIDI pitches. {_HINT}")
    pitches = []
    for value in frame:
        try:
            pitch = int(value)
        except (TypeError, ValueError):
            raise MusicnbError(f"{where} holds {value!r}, not a MIDI pitch. {_HINT}") from None
        if pitch != value or not 0 <= pitch <= 127:
            raise MusicnbError(
                f"{where} holds {value!r}; MIDI pitches are whole numbers 0-127. {_HINT}"
            )
        pitches.append(pitch)
    return tuple(pitches)


def frames_to_piece(
    frames: Sequence[Sequence[int]],
    title: str = "",
    source: str = "",
    tempo: float = 90.0,
    **metadata: Any,
) -> Piece:
    """A :class:`Piece` from frames (one quarter note each): one note per run of consecutive
    frames holding a pitch; the frames themselves go to ``metadata["frames"]``."""
    frames = [_frame(f, f"frame {t}") for t, f in enumerate(frames)]
    notes = []
    open_since: dict[int, int] = {}
    for t, frame in enumerate([*frames, ()]):
        for pitch in list(open_since):
            if pitch not in frame:
                start = open_since.pop(pitch)
                notes.append((pitch, float(start), float(t - start), 90, 0))
        for pitch in frame:
            open_since.setdefault(pitch, t)  # a pitch listed twice in a frame is one note
    return Piece.from_notes(
        notes,
        title=title,
        source=source,
        tempo=tempo,
        time_signature="4/4",
        metadata={**metadata, "frames": frames},
    )


def read_jsb_pickle(path: str | Path) -> dict[str, list[Piece]]:
    """``{"train": [Piece, ...], "valid": [...], "test": [...]}`` from the JSB pickle at ``path``.

    Each piece keeps its raw frames in ``metadata["frames"]`` and its split and index in
    ``metadata["split"]``/``metadata["index"]``; its notes are the held notes (see the module
    docstring). Raises :class:`~musicnb.MusicnbError` for a missing or malformed file.
    """
    path = Path(path)
    if path.is_dir():
        found = sorted([*path.glob("*.pkl"), *path.glob("*.pickle")])
        if len(found) != 1:
            raise MusicnbError(
                f"{path} is a folder holding {len(found)} .pkl/.pickle files; pass "
                f"the pickle file itself. {_HINT}"
            )
        path = found[0]
    if not path.is_file():
        raise MusicnbError(
            f"No JSB pickle at {path}. Download 'JSB Chorales.pickle' (Boulanger-"
            "Lewandowski's polyphonic datasets page) and pass its path."
        )
    try:
        data = safe_load(path.read_bytes())
    except RefusedPickle as exc:
        raise MusicnbError(
            f"{path} was refused: {exc}. Only the benchmark's own pickle (or one "
            f"holding plain lists of integers) is read. {_HINT}"
        ) from None
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means "not this file"
        raise MusicnbError(
            f"{path} could not be unpickled ({type(exc).__name__}: {exc}). {_HINT}"
        ) from exc
    if not isinstance(data, dict) or not set(SPLITS) <= set(data):
        keys = sorted(map(str, data)) if isinstance(data, dict) else type(data).__name__
        raise MusicnbError(f"{path} holds {keys}, not a dict with train/valid/test. {_HINT}")
    splits: dict[str, list[Piece]] = {}
    for split in SPLITS:
        chorales = data[split]
        if not isinstance(chorales, (list, tuple)):
            raise MusicnbError(
                f"{path}: data[{split!r}] is a {type(chorales).__name__}, not a "
                f"list of chorales. {_HINT}"
            )
        pieces = []
        for index, frames in enumerate(chorales):
            if not isinstance(frames, (list, tuple)):
                raise MusicnbError(
                    f"{path}: {split} chorale {index} is a "
                    f"{type(frames).__name__}, not a list of frames. {_HINT}"
                )
            try:
                piece = frames_to_piece(
                    frames,
                    title=f"JSB chorale {split} {index + 1}",
                    source=str(path),
                    split=split,
                    index=index,
                )
            except MusicnbError as exc:
                raise MusicnbError(f"{path}: {split} chorale {index}: {exc}") from None
            pieces.append(piece)
        splits[split] = pieces
    return splits


def frames_to_roll(frames: Sequence[Sequence[int]], low: int = 21, high: int = 108) -> np.ndarray:
    """``(T, high − low + 1)`` uint8 play matrix of frames (1 where the pitch sounds).

    A pitch outside ``low..high`` is an error (widen the range): the benchmark must score every
    note, so none may be dropped silently."""
    if not 0 <= int(low) <= int(high) <= 127:
        raise MusicnbError(f"Need 0 <= low <= high <= 127, got low={low}, high={high}.")
    roll = np.zeros((len(frames), int(high) - int(low) + 1), np.uint8)
    for t, frame in enumerate(frames):
        for pitch in _frame(frame, f"frame {t}"):
            if not low <= pitch <= high:
                raise MusicnbError(
                    f"Frame {t} holds MIDI pitch {pitch}, outside {low}..{high}; "
                    "pass a wider low/high."
                )
            roll[t, pitch - int(low)] = 1
    return roll

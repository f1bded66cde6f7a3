"""``PianoRollEncoder``: a play / articulate piano roll and the biaxial model's note features.

The representation of Daniel D. Johnson's biaxial RNN ("Composing Music With Recurrent Neural
Networks", hexahedria blog, 2015; code: github.com/hexahedria/biaxial-rnn-music-composition).
Time runs on a grid of ``steps_per_quarter`` steps per quarter note (4 = 16th notes; 1 = the
quarter-note grid of the JSB chorales benchmark). For every step ``t`` and every note ``n`` of
the range ``low..high`` the roll holds two bits::

    roll[t, n, 0] = play        1 while the note sounds during step t
    roll[t, n, 1] = articulate  1 if the note is struck at step t (a repeated note is
                                struck again; a held note is not)

so ``articulate <= play`` everywhere.

Note features (79 per step and note), the input of the biaxial model for predicting step ``t``
(computed from step ``t - 1``; step 0 sees an all-silent previous step)::

    index   size  feature
    0       1     position: (MIDI pitch − 21) / 87, 0 at A0 and 1 at C8 (the piano's range)
    1-12    12    pitch class of the note, one-hot (C = 0)
    13-62   50    play, articulate of notes n−12..n+12 at step t−1, as 25 (play, articulate)
                  pairs, lowest first (pair 12 is the note itself); ZERO past the range edges
    63-74   12    at step t−1, how many notes play in each pitch class, counted relative to
                  this note's pitch class (entry k = pitch class (pc + k) mod 12)
    75-78   4     the beat: binary digits of the step's position in a 4/4 bar counted in 16th
                  notes (floor(t·4/steps_per_quarter) mod 16), least significant first,
                  each 0/1 mapped to −1/+1

Where this differs from Johnson's code: (1) his neighbourhood used Python indexing, so the notes
just below the bottom of the range wrapped round to the top (``state[-1]``); here they are zero.
(2) His position was the raw note index 0..77; here it is scaled to 0..1 on the piano's range
so that it does not depend on the encoder's range and has the scale of the other inputs.
(3) His beat was that of the previous step and counted 16th steps; here it is the beat of the
step being predicted, measured in 16th notes whatever the grid (so a quarter-note grid sees
only the two high digits change). (4) He appended an always-zero 80th feature; there are 79.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..checkers import check_articulate_from_play, check_neighbourhood  # the old import path
from ..errors import MusicnbError
from ..piece import Piece, pitch_name
from ..validation import a_piece
from .saving import SavedAsConfig

N_FEATURES = 79
NEIGHBOURS = 12  # an octave each way
#: (start, stop) of each feature block in the last axis of :func:`note_features`.
FEATURE_LAYOUT: dict[str, tuple[int, int]] = {
    "position": (0, 1),
    "pitch_class": (1, 13),
    "neighbourhood": (13, 63),
    "pitch_class_counts": (63, 75),
    "beat": (75, 79),
}


def _check_roll(roll: Any, n_notes: int | None = None) -> np.ndarray:
    roll = np.asarray(roll)
    if roll.ndim == 2:  # play only: articulate where the note starts to sound
        roll = play_to_roll(roll)
    if roll.ndim != 3 or roll.shape[-1] != 2:
        raise MusicnbError(
            f"A piano roll has shape (steps, notes, 2) (play, articulate) or "
            f"(steps, notes) (play only), got {roll.shape}."
        )
    if n_notes is not None and roll.shape[1] != n_notes:
        raise MusicnbError(
            f"This roll has {roll.shape[1]} notes but the encoder's range has "
            f"{n_notes}; encode with the same low/high you decode with."
        )
    return roll


def play_to_roll(play: Any) -> np.ndarray:
    """``(T, N)`` play matrix -> ``(T, N, 2)`` roll; articulate where a note starts to sound
    (play now and not at the previous step), as when nothing says a note was struck again."""
    play = (np.asarray(play) > 0).astype(np.uint8)
    if play.ndim != 2:
        raise MusicnbError(f"A play matrix has shape (steps, notes), got {play.shape}.")
    previous = np.concatenate([np.zeros_like(play[:1]), play[:-1]], axis=0)
    return np.stack([play, play & (1 - previous)], axis=-1)


def beat_features(steps: Any, steps_per_quarter: int) -> np.ndarray:
    """``(len(steps), 4)``: the four binary digits of each step's 16th-note position in a 4/4
    bar, least significant first, as −1/+1."""
    steps = np.asarray(steps, dtype=np.int64)
    sixteenth = (steps * 4) // int(steps_per_quarter) % 16
    bits = (sixteenth[:, None] >> np.arange(4)) & 1
    return (2 * bits - 1).astype(np.float32)


def note_features(
    roll: Any, low: int = 24, steps_per_quarter: int = 4, first_step: int = 0
) -> np.ndarray:
    """The ``(T, N, 79)`` biaxial input features of a ``(T, N, 2)`` roll (NumPy, vectorised).

    Row ``t`` is what the model sees when predicting step ``t``: features of step ``t − 1``
    (zeros before the first step) and the beat of step ``first_step + t``. See the module
    docstring for the layout (:data:`FEATURE_LAYOUT`).
    """
    roll = _check_roll(roll).astype(np.float32)
    T, N, _ = roll.shape
    previous = np.concatenate([np.zeros_like(roll[:1]), roll[:-1]], axis=0)
    midi = int(low) + np.arange(N)
    position = np.broadcast_to(((midi - 21) / 87.0).astype(np.float32)[None, :, None], (T, N, 1))
    pitch_class = midi % 12
    pc_onehot = np.eye(12, dtype=np.float32)[pitch_class]  # (N, 12)
    # neighbourhood: pad NEIGHBOURS silent notes each side (no wrapping), slide a 25-note window
    padded = np.pad(previous, ((0, 0), (NEIGHBOURS, NEIGHBOURS), (0, 0)))
    window = np.lib.stride_tricks.sliding_window_view(padded, 2 * NEIGHBOURS + 1, axis=1)
    neighbourhood = window.transpose(0, 1, 3, 2).reshape(T, N, 2 * (2 * NEIGHBOURS + 1))
    counts = previous[..., 0] @ pc_onehot  # (T, 12) notes playing per absolute pitch class
    relative = (pitch_class[:, None] + np.arange(12)[None, :]) % 12  # (N, 12)
    context = counts[:, relative]  # (T, N, 12)
    beat = beat_features(np.arange(T) + int(first_step), steps_per_quarter)
    beat = np.broadcast_to(beat[:, None, :], (T, N, 4))
    return np.concatenate(
        [position, np.broadcast_to(pc_onehot, (T, N, 12)), neighbourhood, context, beat], axis=-1
    ).astype(np.float32)


def note_features_ops(previous: Any, steps: Any, low: int = 24, steps_per_quarter: int = 4) -> Any:
    """The same features with ``keras.ops``, for use inside a model or a generation step.

    ``previous``: ``(..., N, 2)`` float roll of the step BEFORE the predicted one;
    ``steps``: the predicted step numbers, an int tensor with the shape of ``previous[..., 0, 0]``.
    Returns ``(..., N, 79)``.
    """
    from keras import ops

    previous = ops.cast(previous, "float32")
    N = int(previous.shape[-2])
    batch_shape = ops.shape(previous)[:-2]
    midi = np.int64(low) + np.arange(N)
    pc = midi % 12
    const = np.concatenate([((midi - 21) / 87.0)[:, None], np.eye(12)[pc]], axis=1)
    const = const.astype("float32")
    const = ops.broadcast_to(ops.convert_to_tensor(const), (*batch_shape, N, 13))
    # neighbourhood: gather from the roll padded with zeros on the note axis
    pad = [[0, 0]] * (len(previous.shape) - 2) + [[NEIGHBOURS, NEIGHBOURS], [0, 0]]
    padded = ops.pad(previous, pad)
    index = (np.arange(N)[:, None] + np.arange(2 * NEIGHBOURS + 1)[None, :]).reshape(-1)
    neighbourhood = ops.take(padded, ops.convert_to_tensor(index.astype("int32")), axis=-2)
    neighbourhood = ops.reshape(neighbourhood, (*batch_shape, N, 2 * (2 * NEIGHBOURS + 1)))
    counts = ops.matmul(previous[..., 0], ops.convert_to_tensor(np.eye(12, dtype="float32")[pc]))
    relative = ((pc[:, None] + np.arange(12)[None, :]) % 12).reshape(-1).astype("int32")
    context = ops.reshape(
        ops.take(counts, ops.convert_to_tensor(relative), axis=-1), (*batch_shape, N, 12)
    )
    sixteenth = ops.mod(ops.floor_divide(ops.cast(steps, "int32") * 4, int(steps_per_quarter)), 16)
    bits = [ops.mod(ops.floor_divide(sixteenth, 2**k), 2) for k in range(4)]
    beat = ops.cast(ops.stack(bits, axis=-1), "float32") * 2.0 - 1.0  # (..., 4)
    beat = ops.broadcast_to(ops.expand_dims(beat, -2), (*batch_shape, N, 4))
    return ops.concatenate([const, neighbourhood, context, beat], axis=-1)


class PianoRollEncoder(SavedAsConfig):
    """Piano roll with play and articulate per step and note, over MIDI ``low..high``.

    >>> enc = PianoRollEncoder(low=60, high=72, steps_per_quarter=4)
    >>> roll = enc.encode(Piece.from_notes([(60, 0, 1), (64, 0, 0.5)]))
    >>> roll.shape, int(roll[:, 0, 0].sum()), int(roll[:, 0, 1].sum())
    ((4, 13, 2), 4, 1)
    """

    type_name = "PianoRollEncoder"

    def __init__(self, low: int = 24, high: int = 101, steps_per_quarter: int = 4) -> None:
        if not (0 <= int(low) < int(high) <= 127):
            raise MusicnbError(
                f"Need 0 <= low < high <= 127 (MIDI numbers), got low={low}, high={high}."
            )
        if int(steps_per_quarter) != steps_per_quarter or steps_per_quarter < 1:
            raise MusicnbError(
                f"steps_per_quarter must be a whole number >= 1 (4 = 16th notes, "
                f"1 = the JSB quarter-note grid), got {steps_per_quarter!r}."
            )
        self.low, self.high, self.steps_per_quarter = int(low), int(high), int(steps_per_quarter)

    @property
    def n_notes(self) -> int:
        return self.high - self.low + 1

    @property
    def note_names(self) -> list[str]:
        """Names of the roll's columns, lowest first (``"C1"``, ``"C#1"``, ...)."""
        return [pitch_name(p) for p in range(self.low, self.high + 1)]

    def __repr__(self) -> str:
        return (
            f"PianoRollEncoder(low={self.low} ({pitch_name(self.low)}), high={self.high} "
            f"({pitch_name(self.high)}), steps_per_quarter={self.steps_per_quarter})"
        )

    # ------------------------------------------------------------------ encode / decode
    def out_of_range(self, piece: Piece) -> int:
        """How many notes of ``piece`` fall outside ``low..high`` (``encode`` leaves them out)."""
        return int(np.count_nonzero((piece.pitch < self.low) | (piece.pitch > self.high)))

    def encode(self, piece: Piece) -> np.ndarray:
        """``(T, n_notes, 2)`` uint8 roll of ``piece``; T covers the piece's end.

        A note sounding from step ``s = round(start·spq)`` to ``e = max(s + 1, round(end·spq))``
        plays on steps ``s..e−1`` and is articulated at ``s``. Notes outside the range are left
        out (count them with :meth:`out_of_range`).
        """
        piece = a_piece(piece, f"{type(self).__name__}.encode")
        spq = self.steps_per_quarter
        start = np.rint(piece.start * spq).astype(np.int64)
        end = np.maximum(start + 1, np.rint((piece.start + piece.duration) * spq).astype(np.int64))
        T = int(max(math.ceil(piece.end * spq - 1e-9), end.max() if len(end) else 0))
        roll = np.zeros((T, self.n_notes, 2), np.uint8)
        keep = (piece.pitch >= self.low) & (piece.pitch <= self.high)
        for p, s, e in zip(piece.pitch[keep] - self.low, start[keep], end[keep]):
            roll[s:e, p, 0] = 1
        for p, s in zip(piece.pitch[keep] - self.low, start[keep]):
            roll[s, p, 1] = 1
        return roll

    def decode(self, roll: Any, tempo: float = 120.0, title: str = "", velocity: int = 90) -> Piece:
        """A :class:`Piece` from a ``(T, N, 2)`` roll (or a ``(T, N)`` play matrix).

        A note starts where the note is articulated, or where it starts to play without an
        articulation; it lasts while it keeps playing without being struck again.
        Articulations where the note does not play are ignored.
        """
        roll = _check_roll(roll, self.n_notes)
        play = roll[..., 0] > 0
        previous = np.concatenate([np.zeros_like(play[:1]), play[:-1]], axis=0)
        onset = play & ((roll[..., 1] > 0) | ~previous)
        notes = []
        for n in range(self.n_notes):
            starts = np.flatnonzero(onset[:, n])
            for s in starts:
                e = s + 1
                while e < len(play) and play[e, n] and not onset[e, n]:
                    e += 1
                notes.append(
                    (
                        self.low + n,
                        s / self.steps_per_quarter,
                        (e - s) / self.steps_per_quarter,
                        int(velocity),
                        0,
                    )
                )
        return Piece.from_notes(notes, title=title, tempo=tempo, source="PianoRollEncoder")

    def note_features(self, roll: Any, first_step: int = 0) -> np.ndarray:
        """``(T, N, 79)`` biaxial input features of ``roll`` (see :func:`note_features`)."""
        roll = _check_roll(roll, self.n_notes)
        return note_features(roll, self.low, self.steps_per_quarter, first_step)

    # ------------------------------------------------------------------ config
    def to_config(self) -> dict[str, Any]:
        return {
            "type": self.type_name,
            "low": self.low,
            "high": self.high,
            "steps_per_quarter": self.steps_per_quarter,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> PianoRollEncoder:
        return cls(
            low=config.get("low", 24),
            high=config.get("high", 101),
            steps_per_quarter=config.get("steps_per_quarter", 4),
        )


def roll_chunks(rolls: Any, length: int, stride: int | None = None) -> np.ndarray:
    """Training windows ``(n, length, N, 2)`` float32 cut from a list of ``(T, N, 2)`` rolls.

    Windows start every ``stride`` steps (default ``length``) and never cross a piece; a piece
    shorter than ``length`` gives none. Keep ``stride`` a multiple of a bar (16 steps at 16th
    notes, 4 at quarter notes) so each window's step 0 is a downbeat, as the beat feature
    assumes."""
    if int(length) != length or length < 2:
        raise MusicnbError(f"length must be a whole number of steps >= 2, got {length!r}.")
    stride = int(length if stride is None else stride)
    if stride < 1:
        raise MusicnbError(f"stride must be >= 1 step, got {stride!r}.")
    out = [
        np.asarray(r)[s : s + length]
        for r in rolls
        for s in range(0, len(r) - int(length) + 1, stride)
    ]
    if not out:
        longest = max((len(r) for r in rolls), default=0)
        raise MusicnbError(
            f"No piece has {length} steps (the longest has {longest}); use a "
            "shorter length or more pieces."
        )
    return np.stack(out).astype(np.float32)


__all__ = [
    "PianoRollEncoder",
    "roll_chunks",
    "check_articulate_from_play",
    "check_neighbourhood",
    "note_features",
    "note_features_ops",
    "play_to_roll",
    "beat_features",
    "FEATURE_LAYOUT",
    "N_FEATURES",
]

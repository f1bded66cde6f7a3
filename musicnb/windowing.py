"""Training examples from token sequences, without ever one-hot encoding them in memory.

Two ways to cut sequences into examples:

* :func:`windows` — **many-to-one**, as the classic scripts do: every run of ``size`` tokens
  predicts the token after it. ``N`` windows cost ``N·size`` int32 values; the same windows as
  float32 one-hot arrays (the classic way) cost ``N·size·V·4`` bytes — 130 classes make that
  520× more.
* :func:`sequence_chunks` — **sequence training**: a chunk of ``length`` tokens predicts the
  chunk shifted by one step, so one forward pass yields ``length`` targets instead of one.

Neither ever joins the end of one piece to the start of the next: a window that would cross
a boundary is not made. :func:`split_by_piece` splits *pieces* (not windows) into
train/valid/test, so no window of a test piece is ever seen in training — splitting windows
at random leaks near-copies of test windows into training and flatters the test score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import numpy as np

from .errors import MusicnbError
from .validation import true_or_false, whole_number

T = TypeVar("T")


@dataclass(frozen=True)
class WindowSet:
    """Inputs ``X``, targets ``y`` and, per example, the index of the piece it came from.

    Unpacks like a tuple: ``X, y = windows(sequences, 20)``.
    """

    X: np.ndarray
    y: np.ndarray
    piece_index: np.ndarray

    def __iter__(self):
        return iter((self.X, self.y))

    def __len__(self) -> int:
        return int(len(self.X))

    def dataset(self, batch_size: int = 64, shuffle: bool = True, seed: int = 0) -> Any:
        """A batched, shuffled ``tf.data.Dataset`` of ``(X, y)``."""
        return make_dataset(self.X, self.y, batch_size=batch_size, shuffle=shuffle, seed=seed)


def _as_sequences(sequences: Sequence[Any]) -> list[np.ndarray]:
    if isinstance(sequences, np.ndarray) and sequences.ndim == 1:
        sequences = [sequences]
    out = []
    for i, seq in enumerate(sequences):
        array = np.asarray(seq)
        if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
            raise MusicnbError(
                f"Sequence {i} must be a 1-D array of integer tokens, got "
                f"shape {array.shape} dtype {array.dtype}; encode pieces first."
            )
        out.append(array.astype(np.int32, copy=False))
    return out


def windows(sequences: Sequence[Any], size: int, step: int = 1) -> WindowSet:
    """Many-to-one examples: ``X[i] = seq[t : t+size]``, ``y[i] = seq[t+size]``.

    Each piece is windowed with :func:`numpy.lib.stride_tricks.sliding_window_view` (a strided
    view: no copy), then the pieces' windows are stacked into one int32 array. ``step`` > 1
    takes every ``step``-th window.
    """
    size = whole_number("size", size, 1, hint="It is the window length in tokens.")
    step = whole_number("step", step, 1, hint="1 takes every window.")
    assert size is not None and step is not None
    seqs = _as_sequences(sequences)
    xs, ys, idx = [], [], []
    for i, seq in enumerate(seqs):
        if len(seq) <= size:
            continue
        view = np.lib.stride_tricks.sliding_window_view(seq, size + 1)[::step]
        xs.append(view[:, :size])
        ys.append(view[:, size])
        idx.append(np.full(len(view), i, np.int32))
    if not xs:
        longest = max((len(s) for s in seqs), default=0)
        raise MusicnbError(
            f"No sequence is longer than the window ({size} steps; the longest has "
            f"{longest}). Use a smaller window or longer pieces."
        )
    if len(xs) == 1:  # a single piece: keep the strided view itself
        X, y = xs[0], ys[0]
    else:
        X, y = np.concatenate(xs), np.concatenate(ys)
    return WindowSet(X, y, np.concatenate(idx))


def sequence_chunks(
    sequences: Sequence[Any], length: int, step: int | None = None, keep_short: bool = False
) -> WindowSet:
    """Sequence-training examples: ``X[i] = seq[t : t+length]``, ``Y[i] = seq[t+1 : t+length+1]``.

    Chunks start every ``step`` tokens (default ``length``: no overlap). A piece shorter than
    ``length + 1`` gives no chunk unless ``keep_short`` (then it is padded at the end with its
    last token, which only pads — it never crosses into another piece).
    """
    length = whole_number("length", length, 1, hint="It is the chunk length in tokens.")
    step = whole_number(
        "step", step, 1, allow_none=True, hint="None starts a chunk every `length` tokens."
    )
    keep_short = true_or_false(
        "keep_short", keep_short, hint="True pads a piece shorter than a chunk."
    )
    assert length is not None
    step = length if step is None else step
    xs, ys, idx = [], [], []
    for i, seq in enumerate(_as_sequences(sequences)):
        if len(seq) < length + 1:
            if not keep_short or len(seq) < 2:
                continue
            seq = np.concatenate([seq, np.full(length + 1 - len(seq), seq[-1], np.int32)])
        view = np.lib.stride_tricks.sliding_window_view(seq, length + 1)[::step]
        xs.append(view[:, :-1])
        ys.append(view[:, 1:])
        idx.append(np.full(len(view), i, np.int32))
    if not xs:
        raise MusicnbError(
            f"No sequence has more than {length} tokens; use a shorter chunk length "
            "or keep_short=True."
        )
    return WindowSet(np.concatenate(xs), np.concatenate(ys), np.concatenate(idx))


@dataclass(frozen=True)
class Split(Generic[T]):
    """Train / valid / test lists, and the original index of every item in each."""

    train: list[T]
    valid: list[T]
    test: list[T]
    indices: dict[str, list[int]] = field(default_factory=dict)

    def __iter__(self):
        return iter((self.train, self.valid, self.test))

    def __repr__(self) -> str:
        return f"Split(train={len(self.train)}, valid={len(self.valid)}, test={len(self.test)})"


def split_by_piece(
    items: Sequence[T], fractions: Sequence[float] = (0.8, 0.1, 0.1), seed: int = 0
) -> Split[T]:
    """Shuffle whole pieces with ``seed`` and cut them into train/valid/test by ``fractions``.

    Every split with a non-zero fraction gets at least one piece (so at least three pieces
    are needed). The same items and seed always give the same split.
    """
    fractions = tuple(float(f) for f in fractions)
    if len(fractions) != 3 or min(fractions) < 0 or abs(sum(fractions) - 1) > 1e-6:
        raise MusicnbError(
            f"fractions must be three non-negative numbers adding up to 1 "
            f"(train, valid, test), got {fractions}."
        )
    items = list(items)
    needed = sum(1 for f in fractions if f > 0)
    if len(items) < needed:
        raise MusicnbError(
            f"Splitting by piece needs at least {needed} pieces, got {len(items)}; "
            "load more pieces (a larger `limit`)."
        )
    order = np.random.default_rng(seed).permutation(len(items))
    counts = [int(round(f * len(items))) for f in fractions]
    for k in (2, 1):  # make sure valid and test get one piece each when asked for
        if fractions[k] > 0 and counts[k] == 0:
            counts[k] = 1
    counts[0] = len(items) - counts[1] - counts[2]
    if fractions[0] > 0 and counts[0] < 1:
        raise MusicnbError(f"Too few pieces ({len(items)}) to leave any for training.")
    bounds = np.cumsum([0] + counts)
    parts = {
        name: sorted(order[bounds[k] : bounds[k + 1]].tolist())
        for k, name in enumerate(("train", "valid", "test"))
    }
    return Split(
        [items[i] for i in parts["train"]],
        [items[i] for i in parts["valid"]],
        [items[i] for i in parts["test"]],
        parts,
    )


def make_dataset(
    X: Any, y: Any, batch_size: int = 64, shuffle: bool = True, seed: int = 0, repeat: bool = False
) -> Any:
    """A ``tf.data.Dataset`` of ``(X, y)`` batches: shuffled (seeded), batched, prefetched.

    ``y`` may be an array or a dict of arrays (multi-output models). Tokens stay integers;
    the model one-hot encodes them inside the graph.
    """
    batch_size = whole_number("batch_size", batch_size, 1, hint="64 is a usual batch size.")
    import tensorflow as tf

    n = len(X)
    lengths = [len(v) for v in y.values()] if isinstance(y, dict) else [len(y)]
    if any(length != n for length in lengths):
        raise MusicnbError(f"X has {n} examples but y has {lengths}; they must match.")
    dataset = tf.data.Dataset.from_tensor_slices((X, y))
    if shuffle:
        dataset = dataset.shuffle(min(n, 100_000), seed=seed, reshuffle_each_iteration=True)
    if repeat:
        dataset = dataset.repeat()
    return dataset.batch(int(batch_size)).prefetch(tf.data.AUTOTUNE)


def window_dataset(
    sequences: Sequence[Any], size: int, batch_size: int = 64, shuffle: bool = True, seed: int = 0
) -> Any:
    """Many-to-one windows gathered batch by batch inside ``tf.data``: memory holds the
    tokens once plus one start index per window, never the windows themselves."""
    size = whole_number("size", size, 1, hint="It is the window length in tokens.")
    batch_size = whole_number("batch_size", batch_size, 1, hint="64 is a usual batch size.")
    assert size is not None and batch_size is not None
    import tensorflow as tf

    seqs = _as_sequences(sequences)
    flat = np.concatenate(seqs) if seqs else np.zeros(0, np.int32)
    offsets = np.cumsum([0] + [len(s) for s in seqs])
    starts = np.concatenate(
        [
            np.arange(o, o + len(s) - size, dtype=np.int64)
            for o, s in zip(offsets, seqs)
            if len(s) > size
        ]
        or [np.zeros(0, np.int64)]
    )
    if len(starts) == 0:
        raise MusicnbError(f"No sequence is longer than the window ({size} steps).")
    tokens = tf.constant(flat)
    offsets_in_window = tf.range(size, dtype=tf.int64)

    def gather(batch_starts):
        X = tf.gather(tokens, batch_starts[:, None] + offsets_in_window[None, :])
        return X, tf.gather(tokens, batch_starts + size)

    dataset = tf.data.Dataset.from_tensor_slices(starts)
    if shuffle:
        dataset = dataset.shuffle(min(len(starts), 1_000_000), seed=seed)
    return dataset.batch(int(batch_size)).map(gather).prefetch(tf.data.AUTOTUNE)


# `musicnb.windows` is the function above; its companions are reachable from it too.
windows.sequence_chunks = sequence_chunks  # type: ignore[attr-defined]
windows.split_by_piece = split_by_piece  # type: ignore[attr-defined]
windows.make_dataset = make_dataset  # type: ignore[attr-defined]
windows.window_dataset = window_dataset  # type: ignore[attr-defined]

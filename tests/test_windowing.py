"""Windows, sequence chunks, splits by piece and tf.data pipelines."""

from __future__ import annotations

import numpy as np
import pytest

import musicnb
from musicnb import MusicnbError
from musicnb.windowing import make_dataset, sequence_chunks, split_by_piece, window_dataset, windows


def test_windows_never_cross_from_one_piece_into_the_next():
    a = np.arange(0, 10, dtype=np.int32)
    b = np.arange(100, 106, dtype=np.int32)
    X, y = windows([a, b], 4)
    assert X.shape == (6 + 2, 4) and y.shape == (8,)
    for row, target in zip(X, y):
        same_piece = (row < 100).all() or (row >= 100).all()
        assert same_piece and (target < 100) == (row[0] < 100)
        assert np.array_equal(row + 1, np.r_[row[1:], target])  # consecutive tokens
    ws = windows([a, b], 4)
    assert ws.piece_index.tolist() == [0] * 6 + [1] * 2


def test_single_piece_windows_are_a_strided_view_not_a_copy():
    tokens = np.arange(1000, dtype=np.int32)
    ws = windows([tokens], 20)
    assert np.shares_memory(ws.X, tokens)
    assert ws.X.strides[0] == tokens.strides[0]


def test_window_step_and_errors():
    X, y = windows([np.arange(20)], 5, step=5)
    assert X[:, 0].tolist() == [0, 5, 10] and y.tolist() == [5, 10, 15]
    with pytest.raises(MusicnbError, match="longer than the window"):
        windows([np.arange(5)], 5)
    with pytest.raises(MusicnbError, match="integer tokens"):
        windows([np.zeros((3, 3))], 2)


def test_sequence_chunks_shift_by_one():
    ws = sequence_chunks([np.arange(21), np.arange(50, 55)], 10)
    assert ws.X.shape == (2, 10)
    assert np.array_equal(ws.y, ws.X + 1)
    assert ws.piece_index.tolist() == [0, 0]
    short = sequence_chunks([np.arange(5)], 10, keep_short=True)
    assert short.X.shape == (1, 10) and short.X[0, :5].tolist() == [0, 1, 2, 3, 4]


def test_split_by_piece_is_seeded_and_no_test_window_reaches_training():
    pieces = [np.full(30, i, np.int32) for i in range(20)]  # each piece has its own token
    split = split_by_piece(pieces, seed=3)
    again = split_by_piece(pieces, seed=3)
    assert split.indices == again.indices
    assert split.indices != split_by_piece(pieces, seed=4).indices
    assert (len(split.train), len(split.valid), len(split.test)) == (16, 2, 2)
    train_tokens = set(np.unique(windows(split.train, 8).X).tolist())
    test_tokens = set(np.unique(windows(split.test, 8).X).tolist())
    assert train_tokens.isdisjoint(test_tokens)
    with pytest.raises(MusicnbError, match="adding up to 1"):
        split_by_piece(pieces, fractions=(0.5, 0.5, 0.5))
    with pytest.raises(MusicnbError, match="at least 3"):
        split_by_piece(pieces[:2])


def test_datasets_batch_integers_and_gather_lazily():
    X, y = windows([np.arange(50), np.arange(60, 90)], 5)
    batches = list(make_dataset(X, y, batch_size=16, shuffle=True, seed=1))
    assert sum(len(b[0]) for b in batches) == len(X)
    assert batches[0][0].dtype.name == "int32"
    lazy = list(
        window_dataset([np.arange(50), np.arange(60, 90)], 5, batch_size=1000, shuffle=False)
    )
    assert np.array_equal(lazy[0][0].numpy(), X) and np.array_equal(lazy[0][1].numpy(), y)
    with pytest.raises(MusicnbError, match="must match"):
        make_dataset(X, y[:-1])


def test_package_exposes_the_same_functions():
    assert musicnb.windows is windows and musicnb.split_by_piece is split_by_piece
    assert musicnb.windows.sequence_chunks is sequence_chunks

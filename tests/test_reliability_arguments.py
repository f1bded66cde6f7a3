"""Public arguments of the encoder and windowing give a MusicnbError (issue 11, item 9)."""

import math

import numpy as np
import pytest

from musicnb.encoders.events import EventEncoder
from musicnb.errors import MusicnbError
from musicnb.windowing import windows


@pytest.mark.parametrize(
    "kwargs",
    [{"low": "48"}, {"low": None}, {"low": 48.5}, {"steps_per_quarter": math.nan}],
)
def test_event_encoder_rejects_bad_arguments(kwargs):
    with pytest.raises(MusicnbError, match="give a whole number"):
        EventEncoder(**kwargs)


def test_windows_rejects_none_size():
    with pytest.raises(MusicnbError, match="size=None"):
        windows([np.arange(10)], None)


@pytest.mark.parametrize("tokens", [[2**70], None, ["C4", "hold"], [[2, 1], [3]]])
def test_event_decode_rejects_wrong_types(tokens):
    with pytest.raises(MusicnbError, match="class indices"):
        EventEncoder().decode(tokens)


@pytest.mark.parametrize("tokens", [[math.nan], None, [[2, 1], [3]], [None], [math.inf]])
def test_token_decode_rejects_what_is_not_a_token(tokens):
    from musicnb.encoders.tokens import NoteChordTokenEncoder
    from musicnb.piece import Piece

    encoder = NoteChordTokenEncoder().fit([Piece.from_notes([(60, 0, 1), (62, 1, 1)])])
    with pytest.raises(MusicnbError, match="is not a token"):
        encoder.decode(tokens)
    # real ids still decode, and an id outside the vocabulary is still repaired as before
    piece, repairs = encoder.decode_with_repairs([1, 2, 10**6])
    assert repairs == 1 and len(piece.pitch) >= 1

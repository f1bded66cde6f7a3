"""Public arguments of the encoder and windowing give a MusicnbError (issue 11, item 9)."""

import math

import numpy as np
import pytest

from musicnb.encoders.events import EventEncoder
from musicnb.errors import MusicnbError
from musicnb.windowing import make_dataset, sequence_chunks, window_dataset, windows


@pytest.mark.parametrize(
    "kwargs",
    [{"low": "48"}, {"low": None}, {"low": 48.5}, {"steps_per_quarter": math.nan}],
)
def test_event_encoder_rejects_bad_arguments(kwargs):
    with pytest.raises(MusicnbError, match="give a whole number"):
        EventEncoder(**kwargs)


# What the old encoder crashed on (raw ValueError/TypeError) or silently took (part=True as
# part 1, any truthy transpose); each now gets a MusicnbError saying what is accepted.
@pytest.mark.parametrize(
    "kwargs, accepted",
    [
        ({"part": "x"}, "part='x': give a whole number >= 0 or None"),
        ({"part": True}, "part=True: give a whole number"),
        ({"high": [84]}, r"high=\[84\]: give a whole number between 0 and 127"),
        ({"transpose": "no"}, "transpose='no': give True or False"),
        ({"transpose": None}, "transpose=None: give True or False"),
        ({"transpose": 1}, "transpose=1: give True or False"),
    ],
)
def test_event_encoder_refuses_what_it_crashed_on_or_took_silently(kwargs, accepted):
    with pytest.raises(MusicnbError, match=accepted):
        EventEncoder(**kwargs)


# Values the encoder already refused with its own words: the message is now the validation
# helpers' one (argument, value given, what to give), like every other public argument.
@pytest.mark.parametrize(
    "kwargs, accepted",
    [
        ({"part": -1}, "part=-1: give a whole number >= 0 or None"),
        ({"part": 1.5}, "part=1.5: give a whole number"),
        ({"steps_per_quarter": "4"}, "steps_per_quarter='4': give a whole number >= 1"),
        ({"steps_per_quarter": 0}, "steps_per_quarter=0: give a whole number >= 1"),
        ({"out_of_range": "clip"}, "out_of_range='clip' is not known: use one of 'fold', 'drop'"),
        ({"out_of_range": None}, "out_of_range=None is not known: use one of 'fold', 'drop'"),
        ({"out_of_range": ["fold"]}, "is not known: use one of 'fold', 'drop'"),
    ],
)
def test_event_encoder_messages_come_from_the_validation_helpers(kwargs, accepted):
    with pytest.raises(MusicnbError, match=accepted):
        EventEncoder(**kwargs)


def test_event_encoder_still_takes_numpy_values_and_keeps_python_types():
    encoder = EventEncoder(
        steps_per_quarter=np.int64(4),
        low=np.int32(48),
        high=84.0,
        part=np.int64(1),
        transpose=np.bool_(True),
        out_of_range="drop",
    )
    assert (encoder.steps_per_quarter, encoder.low, encoder.high, encoder.part) == (4, 48, 84, 1)
    assert all(type(v) is int for v in (encoder.low, encoder.high, encoder.part))
    assert encoder.transpose is True and encoder.out_of_range == "drop"
    assert EventEncoder.from_config(encoder.to_config()) == encoder


def test_windows_rejects_none_size():
    with pytest.raises(MusicnbError, match="size=None"):
        windows([np.arange(10)], None)


# What the old sequence_chunks crashed on (TypeError, ValueError, OverflowError) or took
# silently (any truthy keep_short).
@pytest.mark.parametrize(
    "kwargs, accepted",
    [
        ({"length": None}, "length=None: give a whole number >= 1"),
        ({"length": math.nan}, "length=nan: give a whole number >= 1"),
        ({"length": 4, "step": math.inf}, "step=inf: give a whole number >= 1 or None"),
        ({"length": 4, "keep_short": "yes"}, "keep_short='yes': give True or False"),
    ],
)
def test_sequence_chunks_refuses_what_it_crashed_on_or_took_silently(kwargs, accepted):
    with pytest.raises(MusicnbError, match=accepted):
        sequence_chunks([np.arange(10)], **kwargs)


# Values it already refused with its own words: the message now comes from the helpers.
@pytest.mark.parametrize(
    "kwargs, accepted",
    [
        ({"length": "64"}, "length='64': give a whole number >= 1"),
        ({"length": 0}, "length=0: give a whole number >= 1"),
        ({"length": 2.5}, "length=2.5: give a whole number >= 1"),
        ({"length": 4, "step": 0}, "step=0: give a whole number >= 1 or None"),
        ({"length": 4, "step": "2"}, "step='2': give a whole number >= 1 or None"),
    ],
)
def test_sequence_chunks_messages_come_from_the_validation_helpers(kwargs, accepted):
    with pytest.raises(MusicnbError, match=accepted):
        sequence_chunks([np.arange(10)], **kwargs)


def test_sequence_chunks_still_takes_whole_floats_and_numpy_integers():
    chunks = sequence_chunks([np.arange(10)], 4.0, step=np.int64(2))
    assert chunks.X.shape == (3, 4) and chunks.y[0].tolist() == [1, 2, 3, 4]


@pytest.mark.parametrize("batch_size", [None, "64", 0, 8.5])
def test_datasets_say_what_batch_size_accepts(batch_size):
    # window_dataset used to take "64" and 8.5, and fail on None or 0 inside TensorFlow
    with pytest.raises(MusicnbError, match="batch_size=.*: give a whole number >= 1"):
        window_dataset([np.arange(10)], 3, batch_size=batch_size)
    with pytest.raises(MusicnbError, match="batch_size=.*: give a whole number >= 1"):
        make_dataset(np.zeros((4, 3), np.int32), np.zeros(4, np.int32), batch_size=batch_size)


def test_window_dataset_says_what_size_accepts():
    with pytest.raises(MusicnbError, match="size=None: give a whole number >= 1"):
        window_dataset([np.arange(10)], None)


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


def _abc(path, title):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"X:1\nT:{title}\nM:4/4\nL:1/8\nK:G\nGABc dedB|dedB dedB|\n")


def test_an_unreadable_subfolder_is_reported_not_dropped(tmp_path, monkeypatch):
    import os

    from musicnb.corpus import load_corpus

    _abc(tmp_path / "songs" / "open.abc", "Open")
    _abc(tmp_path / "songs" / "locked" / "hidden.abc", "Locked")
    real_scandir = os.scandir
    locked = str(tmp_path / "songs" / "locked")

    def scandir(path="."):
        if os.fspath(path) == locked:
            raise PermissionError(13, "Permission denied", locked)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    pieces, report = load_corpus(str(tmp_path / "songs"), cache=False)
    assert [p.title for p in pieces] == ["Open"]
    reasons = {s.file: s.reason for s in report.skipped}
    assert "locked" in reasons and "could not be read" in reasons["locked"], reasons


def test_a_cache_folder_that_cannot_be_created_says_which_variable_to_set(tmp_path, monkeypatch):
    from musicnb.settings import cache_dir

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MUSICNB_CACHE_DIR", str(blocker / "cache"))
    with pytest.raises(MusicnbError, match="MUSICNB_CACHE_DIR"):
        cache_dir()

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setenv("MUSICNB_CACHE_DIR", str(tmp_path / "read-only" / "cache"))
    monkeypatch.setattr("pathlib.Path.mkdir", refuse)
    with pytest.raises(MusicnbError, match="Permission denied.*MUSICNB_CACHE_DIR"):
        cache_dir()


def _encoders():
    from musicnb import (
        ChordLabel,
        MelodyHarmonyEncoder,
        NoteChordTokenEncoder,
        NoteEventEncoder,
        Piece,
    )
    from musicnb.encoders.midi_rnn import MidiRnnEncoder
    from musicnb.encoders.pianoroll import PianoRollEncoder

    tune = Piece.from_notes(
        [(60, 0, 1), (64, 1, 1), (67, 2, 2)], title="tune", chords=[ChordLabel(0, 4, "C")]
    )
    return [
        EventEncoder(),
        MelodyHarmonyEncoder().fit([tune]),
        NoteEventEncoder(),
        NoteChordTokenEncoder().fit([tune]),
        PianoRollEncoder(),
        MidiRnnEncoder(),
    ], tune


@pytest.mark.parametrize(
    "value, says",
    [
        ("bach/bwv1.mid", r"takes one Piece, got str: read the file first: musicnb.midi.read"),
        (np.arange(5), "takes one Piece, got ndarray: load one with load_corpus"),
        (None, "takes one Piece, got NoneType"),
    ],
)
def test_every_encoder_says_what_encode_takes(value, says):
    encoders, tune = _encoders()
    for encoder in encoders:
        with pytest.raises(MusicnbError, match=f"{type(encoder).__name__}.encode {says}"):
            encoder.encode(value)
        with pytest.raises(MusicnbError, match="for 2 pieces call encode_many"):
            encoder.encode([tune, tune])
        encoder.encode(tune)  # and a Piece still encodes


def test_encode_many_says_it_takes_a_list_of_pieces():
    encoders, tune = _encoders()
    for encoder in encoders:
        if not hasattr(encoder, "encode_many"):
            continue
        name = f"{type(encoder).__name__}.encode_many"
        with pytest.raises(MusicnbError, match=f"{name} takes a list of pieces: for one piece"):
            encoder.encode_many(tune)
        with pytest.raises(MusicnbError, match=f"{name}: item 1 is a LoadReport, not a Piece"):
            from musicnb.corpus.report import LoadReport

            encoder.encode_many([tune, LoadReport(source="x")])

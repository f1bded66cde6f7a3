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

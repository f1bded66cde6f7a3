"""export(): files written atomically in the export folder, safe names, links, Colab download."""

from __future__ import annotations

import base64
import re
import sys
import types

import pytest

import musicnb
from musicnb import MusicnbError, Piece, midi
from musicnb.exporting import ExportResult, export, sanitize_name


def _piece(pitch: int = 60) -> Piece:
    return Piece.from_notes([(pitch, 0, 1), (pitch + 4, 1, 1)], title="export me")


@pytest.mark.parametrize(
    "name,expected",
    [
        ("my tune", "my_tune"),
        ("My tune: take 2!", "My_tune_take_2"),
        ("../../etc/passwd", "etc_passwd"),
        ("song.mid", "song"),
        ("näive", "naive"),
        ("a" * 300, "a" * 100),
    ],
)
def test_names_are_sanitised(name, expected):
    assert sanitize_name(name) == expected


@pytest.mark.parametrize("name", ["", "   ", "!!!", ".mid"])
def test_unusable_names_raise(name):
    with pytest.raises(MusicnbError, match="file name"):
        sanitize_name(name)


def test_export_writes_midi_and_wav_into_the_export_dir(run_folders):
    result = musicnb.export(_piece(), "first try")
    folder = run_folders / "exports"
    assert result.midi_path == folder / "first_try.mid"
    assert result.wav_path == folder / "first_try.wav"
    assert midi.read(result.midi_path).same_notes(_piece())
    assert result.wav_path.read_bytes()[:4] == b"RIFF"
    assert sorted(p.name for p in folder.iterdir()) == ["first_try.mid", "first_try.wav"]


def test_re_export_overwrites_and_leaves_no_temporary_files(run_folders):
    export(_piece(60), "again")
    result = export(_piece(70), "again", wav=False)
    assert midi.read(result.midi_path).pitch.tolist() == [70, 74]
    assert result.wav_path is None
    names = sorted(p.name for p in (run_folders / "exports").iterdir())
    assert names == ["again.mid", "again.wav"]  # the old WAV stays; nothing half-written


def test_html_shows_relative_and_data_links(run_folders, monkeypatch):
    monkeypatch.chdir(run_folders)  # the notebook's folder: exports/ is below it
    result = export(_piece(), "linked")
    page = result._repr_html_()
    assert 'href="exports/linked.mid"' in page and 'download="linked.mid"' in page
    data = re.search(r'href="data:audio/midi;base64,([^"]+)"', page).group(1)
    assert base64.b64decode(data) == result.midi_path.read_bytes()
    assert "data:audio/wav;base64," in page
    assert "linked.mid" in repr(result)


def test_folder_outside_the_notebook_gets_only_the_data_link(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    outside = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    result = export(_piece(), "far", folder=outside, wav=False)
    page = result._repr_html_()
    assert 'href="../' not in page and "data:audio/midi;base64," in page
    assert result.midi_path.parent == outside


def test_colab_download_is_called_for_each_file(run_folders, monkeypatch):
    downloaded = []
    colab = types.ModuleType("google.colab")
    colab.files = types.SimpleNamespace(download=downloaded.append)
    google = types.ModuleType("google")
    google.colab = colab
    monkeypatch.setitem(sys.modules, "google", google)
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    result = export(_piece(), "colab tune")
    assert downloaded == [str(result.midi_path), str(result.wav_path)]


def test_download_outside_colab_explains(run_folders, monkeypatch):
    monkeypatch.setitem(sys.modules, "google.colab", None)
    with pytest.raises(MusicnbError, match="Colab"):
        export(_piece(), "x", download=True)


def test_export_needs_a_piece(run_folders):
    with pytest.raises(MusicnbError, match="Piece"):
        export([60, 62, 64], "tokens")
    assert isinstance(export(_piece(), "ok", wav=False), ExportResult)

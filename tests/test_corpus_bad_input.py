"""Bad input never stops a load: each bad file is skipped with its reason.

Includes a property test: random bytes and truncated MIDI files let nothing but
``MusicnbError`` escape from the single-file reader, and never stop a folder load.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from midi_builders import meta_track, note_track
from midi_builders import midi_bytes as midi_file_bytes

from musicnb import MusicnbError
from musicnb.corpus import load_corpus, read_file


def midi_bytes(
    notes=((60, 0, 480), (64, 480, 480), (67, 960, 960)), channel: int = 0, meta_only: bool = False
) -> bytes:
    """A type-1 file at 480 ticks per beat, 120 BPM; ``notes`` are (pitch, start, length) in
    ticks."""
    tracks = [meta_track(tempo_bpm=120)]
    if not meta_only:
        tracks.append(note_track(notes, ticks_per_unit=1, channel=channel))
    return midi_file_bytes(tracks)


GOOD = midi_bytes()


@pytest.fixture()
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MUSICNB_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


BAD_FILES = {
    "empty.mid": (b"", "empty file"),
    "truncated.mid": (GOOD[: len(GOOD) - 9], "corrupt or truncated MIDI"),
    "text.mid": (b"this is not a MIDI file\n", "not a MIDI file"),
    "drums.mid": (midi_bytes(channel=9), "drum-only"),
    "meta_only.mid": (midi_bytes(meta_only=True), "no notes"),
    "broken.xml": (b"<?xml version='1.0'?><score-partwise><part", "unreadable score"),
    "empty.abc": (b"   \n", "empty file"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_each_kind_of_bad_file_is_skipped_with_its_reason(tmp_path, own_cache, name):
    data, reason = BAD_FILES[name]
    (tmp_path / "good.mid").write_bytes(GOOD)
    (tmp_path / name).write_bytes(data)
    pieces, report = load_corpus(tmp_path)
    assert len(pieces) == 1 and pieces[0].pitch.tolist() == [60, 64, 67]
    assert [file for file, _ in report.skipped] == [name]
    assert report.skipped[0].reason.startswith(reason), report.skipped[0].reason
    with pytest.raises(MusicnbError, match=reason):
        read_file(tmp_path / name)


def test_all_bad_files_at_once_do_not_stop_the_load(tmp_path, own_cache):
    for name, (data, _) in BAD_FILES.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "z_good.mid").write_bytes(GOOD)
    pieces, report = load_corpus(tmp_path)
    assert len(pieces) == 1
    assert sorted(f for f, _ in report.skipped) == sorted(BAD_FILES)
    # the skip reasons are cached too: a second load gives the same report
    _, again = load_corpus(tmp_path)
    assert again.skipped == report.skipped


def test_an_unreadable_abc_tune_is_skipped_and_the_others_load(tmp_path, own_cache):
    (tmp_path / "tunes.abc").write_text(
        "X:1\nT:Good\nL:1/8\nK:D\nDEF GAB|\n\n"
        "X:2\nT:Broken\nL:1/8\nK:D\nAB [[[ CD\n\n"
        "X:3\nT:Silent\nL:1/8\nK:D\nz8|\n\n"
        "X:4\nT:Also good\nK:G\nGAB c2|\n"
    )
    pieces, report = load_corpus(tmp_path)
    assert [p.title for p in pieces] == ["Good", "Also good"]
    reasons = dict(report.skipped)
    assert reasons["tunes.abc #2"].startswith("unreadable ABC tune")
    assert reasons["tunes.abc #3"].startswith("no notes")


def test_a_missing_file_in_read_file_is_a_musicnb_error(tmp_path):
    with pytest.raises(MusicnbError, match="No file"):
        read_file(tmp_path / "missing.mid")


def _assert_only_musicnb_error(path: Path) -> None:
    try:
        pieces = read_file(path)
    except MusicnbError:
        return
    assert pieces and all(p.n_notes > 0 for p in pieces)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=300))
def test_random_bytes_raise_only_musicnb_error(tmp_path, data):
    path = tmp_path / "random.mid"
    path.write_bytes(data)
    _assert_only_musicnb_error(path)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=200))
def test_bytes_after_a_valid_header_raise_only_musicnb_error(tmp_path, data):
    path = tmp_path / "header.mid"
    path.write_bytes(GOOD[:14] + data)  # a real MThd header, then anything
    _assert_only_musicnb_error(path)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cut=st.integers(min_value=0, max_value=len(GOOD)),
    flip=st.integers(0, 255),
    where=st.integers(min_value=0, max_value=len(GOOD) - 1),
)
def test_truncated_or_damaged_midi_raises_only_musicnb_error(tmp_path, cut, flip, where):
    damaged = bytearray(GOOD)
    damaged[where] ^= flip
    path = tmp_path / "cut.mid"
    path.write_bytes(bytes(damaged[:cut]))
    _assert_only_musicnb_error(path)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(blobs=st.lists(st.binary(max_size=120), min_size=1, max_size=3))
def test_random_files_never_stop_a_folder_load(tmp_path_factory, blobs):
    folder = tmp_path_factory.mktemp("random_folder")
    (folder / "a_good.mid").write_bytes(GOOD)
    for i, blob in enumerate(blobs):
        (folder / f"r{i}.mid").write_bytes(GOOD[:14] + blob if i % 2 else blob)
    pieces, report = load_corpus(folder, cache=False)
    assert pieces[0].pitch.tolist() == [60, 64, 67]
    assert report.n_loaded + report.n_skipped == 1 + len(blobs)
    assert all(reason for _, reason in report.skipped)

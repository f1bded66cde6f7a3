"""The Nottingham database in its three forms: 2-track MIDI, 3-track MIDI, ABC with chords."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from midi_builders import meta_track, note_track, save_midi

from musicnb import MusicnbError
from musicnb.corpus import download_nottingham, load_corpus, read_file
from musicnb.corpus.nottingham import chord_labels_from_notes

TPB = 1024  # the cleaned two-track copy's resolution

# melody: one bar of quarter notes per chord; chords: G, D7, Em, G as block chords (4 quarters)
MELODY = [
    (67, 0, 1),
    (71, 1, 1),
    (74, 2, 1),
    (71, 3, 1),
    (69, 4, 1),
    (72, 5, 1),
    (66, 6, 2),
    (64, 8, 2),
    (67, 10, 2),
    (67, 12, 4),
]
CHORDS = [
    (pitch, start, 4)
    for start, tones in (
        (0, (55, 59, 62)),
        (4, (50, 54, 57, 60)),
        (8, (52, 55, 59)),
        (12, (55, 59, 62)),
    )
    for pitch in tones
]


def _track(notes, channel=0, name="", tpb=TPB):
    return note_track(notes, ticks_per_unit=tpb, channel=channel, velocity=100, name=name)


def two_track_file(path: Path) -> Path:
    """The cleaned copy's layout: type 1, 1024 ticks per beat, no tempo event."""
    return save_midi(path, [_track(MELODY), _track(CHORDS, channel=1)], ticks_per_beat=TPB)


def three_track_file(path: Path, tempo_bpm: float = 110.0) -> Path:
    """The 2012 benchmark copy's layout: meta track, melody track, harmony track."""
    meta = meta_track(
        title="ashover_simple_chords_1", tempo_bpm=tempo_bpm, time_signature=(4, 4), key="G"
    )
    tracks = [meta, _track(MELODY, name="melody"), _track(CHORDS, channel=1, name="harmony")]
    return save_midi(path, tracks, ticks_per_beat=TPB)


EXPECTED_CHORDS = [(0.0, 4.0, "G"), (4.0, 4.0, "D7"), (8.0, 4.0, "Em"), (12.0, 4.0, "G")]


def _labels(piece):
    return [(c.start, c.duration, c.label) for c in piece.chords]


def test_two_track_midi_gives_melody_and_chord_labels(tmp_path):
    piece = read_file(two_track_file(tmp_path / "jigs_simple_chords_1.mid"))[0]
    assert piece.metadata["layout"] == "nottingham-2track"
    assert piece.n_parts == 1 and piece.part_names == ("melody",)
    assert piece.pitch.tolist() == [p for p, _, _ in MELODY]
    assert piece.start.tolist() == [s for _, s, _ in MELODY]
    assert piece.duration.tolist() == [d for _, _, d in MELODY]
    assert _labels(piece) == EXPECTED_CHORDS
    assert piece.tempo == 120.0 and piece.metadata["ticks_per_beat"] == TPB
    assert piece.key == "G major"  # estimated from the melody: no key event in the file
    assert piece.title == "jigs_simple_chords_1"


def test_three_track_midi_gives_the_same_music(tmp_path):
    two = read_file(two_track_file(tmp_path / "two.mid"))[0]
    three = read_file(three_track_file(tmp_path / "three.mid"))[0]
    assert three.metadata["layout"] == "nottingham-3track"
    assert three.same_notes(two) and three.chords == two.chords
    assert three.tempo == pytest.approx(110.0) and three.key == "G major"
    assert three.title == "ashover_simple_chords_1"


def test_keep_chord_notes_keeps_the_harmony_as_part_one(tmp_path):
    path = three_track_file(tmp_path / "three.mid")
    piece = read_file(path, keep_chord_notes=True)[0]
    assert piece.n_parts == 2 and piece.part_names == ("melody", "chords")
    assert sorted(piece.pitch[piece.part == 1].tolist()) == sorted(p for p, _, _ in CHORDS)
    assert _labels(piece) == EXPECTED_CHORDS


def test_ordinary_two_track_file_is_not_mistaken_for_nottingham(tmp_path):
    melody = _track([(72, 0, 1), (74, 1, 1)], tpb=480)
    bass = _track([(48, 0, 1), (50, 1, 1)], channel=1, tpb=480)  # a bass line
    save_midi(tmp_path / "duet.mid", [melody, bass], ticks_per_beat=480)
    piece = read_file(tmp_path / "duet.mid")[0]
    assert piece.metadata["layout"] == "general" and piece.n_parts == 2 and not piece.chords
    assert piece.end == 2.0
    # ... unless the user says it is one
    pieces, _ = load_corpus(f"nottingham:{tmp_path}", cache=False)
    assert pieces[0].n_parts == 1 and pieces[0].metadata["layout"] == "nottingham"


def test_nottingham_folder_with_all_three_forms(tmp_path, monkeypatch):
    monkeypatch.setenv("MUSICNB_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "nottingham"
    folder.mkdir()
    two_track_file(folder / "a_two.mid")
    three_track_file(folder / "b_three.mid")
    (folder / "c_reels.abc").write_text(
        "X: 1\nT:Test Reel\n% Nottingham Music Database\nM:4/4\nL:1/4\nK:G\n"
        '"G"GBdB|"D7"AcF2|"Em"E2G2|"G"G4|]\n'
    )
    pieces, report = load_corpus(f"nottingham:{folder}")
    assert report.n_skipped == 0 and len(pieces) == 3
    for piece in pieces:
        assert piece.pitch.tolist() == [p for p, _, _ in MELODY]
        assert _labels(piece) == EXPECTED_CHORDS, piece.title
    # the cache keeps the layout option apart: the same files as plain MIDI are parsed again
    general, general_report = load_corpus(folder, layout="general")
    assert general_report.from_cache == 1  # only the ABC tune
    assert general[0].n_parts == 2 and not general[0].chords


def test_missing_nottingham_folder_says_how_to_get_it(tmp_path):
    with pytest.raises(MusicnbError, match="download_nottingham"):
        load_corpus(f"nottingham:{tmp_path / 'nope'}")


def test_chord_labels_merge_repeats_and_leave_gaps_unlabelled():
    # C major struck twice, a gap, then A minor; times in ticks at 4 ticks per quarter
    pitch = [60, 64, 67, 60, 64, 67, 57, 60, 64]
    begin = [0, 0, 0, 4, 4, 4, 12, 12, 12]
    end = [4, 4, 4, 8, 8, 8, 16, 16, 16]
    labels = chord_labels_from_notes(pitch, begin, end, resolution=4)
    assert [(c.start, c.duration, c.label) for c in labels] == [(0, 2, "C"), (3, 1, "Am")]
    assert chord_labels_from_notes([], [], [], resolution=4) == ()


def _fake_archive(tmp_path: Path) -> tuple[Path, str]:
    root = "nottingham-dataset-0992bb6"
    archive = tmp_path / "served.zip"
    midi = two_track_file(tmp_path / "x.mid").read_bytes()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr(f"{root}/MIDI/jigs_simple_chords_1.mid", midi)
        bundle.writestr(f"{root}/MIDI/melody/jigs_simple_chords_1.mid", midi)
        bundle.writestr(f"{root}/MIDI/chords/jigs_simple_chords_1.mid", midi)
        bundle.writestr(f"{root}/ABC_cleaned/jigs.abc", "X:1\nT:J\nL:1/8\nK:D\nDEF|\n")
        bundle.writestr(f"{root}/README.md", "readme")
    return archive, hashlib.sha256(archive.read_bytes()).hexdigest()


def test_download_checks_the_checksum_and_unpacks_only_full_files(tmp_path):
    archive, sha = _fake_archive(tmp_path)
    dest = tmp_path / "data"
    folder = download_nottingham(dest, url=archive.as_uri(), sha256=sha)
    assert folder == dest / "midi"
    assert sorted(p.name for p in folder.iterdir()) == ["jigs_simple_chords_1.mid"]
    assert sorted(p.name for p in (dest / "abc").iterdir()) == ["jigs.abc"]
    archive.unlink()  # a second call needs no network
    assert download_nottingham(dest, form="abc", url=archive.as_uri(), sha256=sha) == dest / "abc"
    pieces, _ = load_corpus(f"nottingham:{folder}", cache=False)
    assert _labels(pieces[0]) == EXPECTED_CHORDS


def test_download_with_a_wrong_checksum_keeps_nothing(tmp_path):
    archive, _ = _fake_archive(tmp_path)
    dest = tmp_path / "data"
    with pytest.raises(MusicnbError, match="SHA-256"):
        download_nottingham(dest, url=archive.as_uri(), sha256="0" * 64)
    assert not (dest / "midi").exists() and not list(dest.glob("*.zip"))


def test_download_is_pinned_to_one_place():
    from musicnb.corpus import nottingham

    assert nottingham.NOTTINGHAM_URL.startswith("https://")
    assert len(nottingham.NOTTINGHAM_SHA256) == 64
    with pytest.raises(MusicnbError, match="form"):
        download_nottingham(form="wav")


# ---------------------------------------------------------------- the jukedeck folder layout


def one_track_file(path: Path, notes, channel=0) -> Path:
    return save_midi(path, [_track(notes, channel=channel)], ticks_per_beat=TPB)


def jukedeck_folder(root: Path, tunes=("a", "b", "c"), chord_copies=("a", "b")) -> Path:
    """MIDI/*.mid two-track tunes (each a little different) plus MIDI/melody/ and MIDI/chords/
    one-track copies of the same names, as the jukedeck copy ships them."""
    root.mkdir(parents=True, exist_ok=True)
    for shift, name in enumerate(tunes):
        melody = [(p + shift, s, d) for p, s, d in MELODY]
        save_midi(
            root / f"{name}.mid", [_track(melody), _track(CHORDS, channel=1)], ticks_per_beat=TPB
        )
        one_track_file(root / "melody" / f"{name}.mid", melody)
        if name in chord_copies:
            one_track_file(root / "chords" / f"{name}.mid", CHORDS, channel=1)
    return root


def test_jukedeck_layout_loads_each_tune_once_and_counts_the_copies(tmp_path):
    root = jukedeck_folder(tmp_path / "MIDI")
    pieces, report = load_corpus(str(root), cache=False, workers=1)
    assert sorted(p.title for p in pieces) == ["a", "b", "c"]
    assert all(p.chords for p in pieces)  # every tune read from its two-track file
    copies = [s for s in report.skipped if "one-track copy" in s.reason]
    assert len(copies) == 5  # 3 melody copies + 2 chord copies
    assert {s.file.split("/")[0] for s in copies} == {"melody", "chords"}
    assert report.n_loaded == 3


def test_melody_copy_without_two_track_file_is_reported_not_loaded(tmp_path):
    root = jukedeck_folder(tmp_path / "MIDI", tunes=("a",), chord_copies=())
    one_track_file(root / "melody" / "orphan.mid", MELODY)
    one_track_file(root / "chords" / "lonely.mid", CHORDS, channel=1)
    pieces, report = load_corpus(str(root), cache=False, workers=1)
    assert [p.title for p in pieces] == ["a"]
    reasons = {s.file: s.reason for s in report.skipped}
    assert "lacks the chord track" in reasons["melody/orphan.mid"]
    assert "lacks the melody" in reasons["chords/lonely.mid"]


def test_only_one_track_copies_give_a_clear_error(tmp_path):
    root = tmp_path / "MIDI"
    one_track_file(root / "melody" / "x.mid", MELODY)
    one_track_file(root / "chords" / "y.mid", CHORDS, channel=1)
    with pytest.raises(MusicnbError, match="lacks"):
        load_corpus(str(root), cache=False, workers=1)


def test_pointing_at_the_melody_copies_says_to_load_the_folder_above(tmp_path):
    root = jukedeck_folder(tmp_path / "MIDI")
    with pytest.raises(MusicnbError, match="folder above"):
        load_corpus(str(root / "melody"), cache=False, workers=1)
    with pytest.raises(MusicnbError, match="lacks the melody"):
        load_corpus(str(root / "chords"), cache=False, workers=1)


def test_melody_only_pieces_cannot_fit_the_chord_vocabulary(tmp_path):
    from musicnb.encoders import MelodyHarmonyEncoder

    folder = tmp_path / "tunes"
    one_track_file(folder / "x.mid", MELODY)
    pieces, _ = load_corpus(str(folder), cache=False, workers=1)
    with pytest.raises(MusicnbError, match="no chord symbols"):
        MelodyHarmonyEncoder().fit(pieces)

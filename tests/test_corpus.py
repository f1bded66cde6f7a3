"""load_corpus: named collections, folders of MIDI/ABC/MusicXML, the cache, the report."""

from __future__ import annotations

import pickle
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from midi_builders import write_midi

from musicnb import MusicnbError, Piece
from musicnb.corpus import COLLECTIONS, LoadReport, load_corpus, read_file
from musicnb.corpus import load as load_module
from musicnb.corpus.cache import PieceCache

ABC_TWO_TUNES = """%abc-2.1
L:1/8

X:1
T:First Tune
M:4/4
Q:1/4=90
K:Ador
"Am"A2 B2 c2 d2|"G"e4- e4|"C"[CEG]8|]

X:2
T:Second Tune
M:6/8
K:G
{a}g3 f3|e6|]
"""


@pytest.fixture()
def own_cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("MUSICNB_CACHE_DIR", str(folder))
    return folder


# --------------------------------------------------------------------------- named collections
def test_collections_are_named_as_the_interface_says():
    assert {"bach", "ryans_mammoth", "oneill_1850", "essen"} <= set(COLLECTIONS)


def test_bach_chorales_have_four_parts_soprano_first():
    pieces, report = load_corpus("bach", limit=2)
    assert len(pieces) == 2 and report.n_loaded == 2
    for piece in pieces:
        assert isinstance(piece, Piece)
        assert piece.n_parts == 4
        assert [n.lower() for n in piece.part_names] == ["soprano", "alto", "tenor", "bass"]
        soprano = piece.pitch[piece.part == 0].mean()
        bass = piece.pitch[piece.part == 3].mean()
        assert soprano > bass + 12
        assert piece.key and piece.metadata["collection"] == "bach"


def test_first_bach_file_drops_its_horn_part():
    # bwv1.6 has a horn part before the four voices; only the voices are kept
    pieces, _ = load_corpus("bach", limit=1)
    assert pieces[0].metadata.get("parts_dropped") == 1


@pytest.mark.parametrize("name", ["ryans_mammoth", "oneill_1850", "essen"])
def test_folk_collections_give_melodies(name):
    pieces, report = load_corpus(name, limit=3)
    assert len(pieces) == 3
    assert [item.file for item in report.loaded] == [p.metadata["file"] for p in pieces]
    for piece in pieces:
        assert piece.n_parts == 1 and piece.n_notes > 10
        assert piece.title and piece.key and "/" in piece.time_signature
        assert np.all(piece.duration > 0)


def test_multi_tune_files_are_cut_into_tunes_in_order():
    pieces, report = load_corpus("oneill_1850", limit=3)
    assert [p.title for p in pieces] == ["The Enchanted Valley", "Fare You Well", pieces[2].title]
    assert report.loaded[0].file.endswith("0001-0050.abc #1")
    assert report.loaded[1].file.endswith("#2")


def test_collection_names_accept_spelling_variants():
    a, _ = load_corpus("ryansMammoth", limit=1)
    b, _ = load_corpus("ryans_mammoth", limit=1)
    assert a[0].same_notes(b[0]) and a[0].title == b[0].title


def test_limit_takes_the_first_pieces_deterministically():
    two, _ = load_corpus("essen", limit=2)
    three, _ = load_corpus("essen", limit=3)
    assert [p.title for p in two] == [p.title for p in three[:2]]
    assert all(a.same_notes(b) for a, b in zip(two, three))


def test_nottingham_sample_collection_has_chords():
    pieces, _ = load_corpus("nottingham_sample", limit=1)
    assert pieces[0].chords and pieces[0].chords[0].label == "D"


# --------------------------------------------------------------------------- your own files
def test_folder_of_midi_abc_and_musicxml(tmp_path, own_cache):
    from music21 import converter

    folder = tmp_path / "music"
    (folder / "sub").mkdir(parents=True)
    write_midi(folder / "a.mid", [[(60, 0, 1), (62, 1, 1), (64, 2, 2)]])
    (folder / "sub" / "b.abc").write_text(ABC_TWO_TUNES)
    score = converter.parse("tinyNotation: 4/4 c4 d4 e4 f4 g1", format="tinyNotation")
    score.write("musicxml", fp=str(folder / "sub" / "c.musicxml"))
    (folder / "notes.txt").write_text("not music")
    pieces, report = load_corpus(folder)
    assert [item.file for item in report.loaded] == [
        "a.mid",
        "sub/b.abc #1",
        "sub/b.abc #2",
        "sub/c.musicxml",
    ]
    assert report.n_skipped == 0
    assert [p.n_notes for p in pieces] == [3, 8, 3, 5]
    xml = pieces[3]
    assert list(xml.pitch) == [60, 62, 64, 65, 67]
    assert list(xml.duration) == [1, 1, 1, 1, 4]


def test_midi_times_come_from_the_files_own_resolution(tmp_path):
    notes = [[(60, 0, 0.5), (67, 0.5, 0.25), (72, 0.75, 1.5)]]
    coarse = read_file(write_midi(tmp_path / "coarse.mid", notes, ticks_per_beat=96))[0]
    fine = read_file(write_midi(tmp_path / "fine.mid", notes, ticks_per_beat=1024))[0]
    for piece in (coarse, fine):
        assert list(piece.start) == [0, 0.5, 0.75]
        assert list(piece.duration) == [0.5, 0.25, 1.5]
        assert piece.tempo == pytest.approx(100.0)
        assert piece.time_signature == "3/4"


def test_midi_tracks_and_channels_become_parts_and_drums_are_dropped(tmp_path):
    path = write_midi(
        tmp_path / "band.mid",
        [
            [(72, 0, 1, 0), (74, 1, 1, 0)],
            [(48, 0, 2, 1), (36, 0, 1, 9), (38, 1, 1, 9)],  # bass on channel 2, drums on 10
        ],
        tempo_bpm=None,
        time_signature=None,
    )
    piece = read_file(path)[0]
    assert piece.n_parts == 2
    assert sorted(piece.pitch[piece.part == 0].tolist()) == [72, 74]
    assert piece.pitch[piece.part == 1].tolist() == [48]
    assert piece.metadata["drum_notes_dropped"] == 2
    assert piece.tempo == 120.0 and piece.time_signature == "4/4"


def test_abc_ties_grace_notes_chords_key_tempo_and_chord_symbols(tmp_path):
    (tmp_path / "t.abc").write_text(ABC_TWO_TUNES)
    first, second = read_file(tmp_path / "t.abc")
    # e4- e4 is one tied note of 4 quarters; [CEG]8 a chord of three notes
    assert first.n_notes == 4 + 1 + 3
    tied = first.pitch == 76
    assert first.duration[tied].tolist() == [4.0]
    chord = first.start == 8.0
    assert sorted(first.pitch[chord].tolist()) == [60, 64, 67]
    assert first.key == "A minor" and first.metadata["mode"] == "dorian"
    assert first.tempo == pytest.approx(90.0)
    assert first.time_signature == "4/4" and first.title == "First Tune"
    assert [(c.start, c.duration, c.label) for c in first.chords] == [
        (0.0, 4.0, "Am"),
        (4.0, 4.0, "G"),
        (8.0, 4.0, "C"),
    ]
    # the grace note {a} is dropped
    assert second.n_notes == 3 and second.metadata["grace_notes_dropped"] == 1
    assert second.key == "G major" and second.time_signature == "6/8" and not second.chords


def test_list_of_sources_and_min_notes(tmp_path, own_cache):
    write_midi(tmp_path / "short.mid", [[(60, 0, 1)]])
    write_midi(tmp_path / "long.mid", [[(60, 0, 1), (62, 1, 1), (64, 2, 1)]])
    pieces, report = load_corpus([tmp_path / "short.mid", tmp_path / "long.mid"], min_notes=2)
    assert [p.n_notes for p in pieces] == [3]
    assert report.skipped == [("short.mid", "too few notes: 1 < min_notes=2")]


def test_identical_files_are_loaded_once(tmp_path, own_cache):
    write_midi(tmp_path / "a.mid", [[(60, 0, 1), (62, 1, 1)]])
    (tmp_path / "b.mid").write_bytes((tmp_path / "a.mid").read_bytes())
    pieces, report = load_corpus(tmp_path)
    assert len(pieces) == 1
    assert report.skipped[0].file == "b.mid" and "duplicate" in report.skipped[0].reason


# --------------------------------------------------------------------------- cache
def test_second_load_comes_from_the_cache(tmp_path, own_cache):
    write_midi(tmp_path / "a.mid", [[(60, 0, 1), (62, 1, 1)]])
    (tmp_path / "b.abc").write_text(ABC_TWO_TUNES)
    cold, cold_report = load_corpus(tmp_path)
    warm, warm_report = load_corpus(tmp_path)
    assert cold_report.from_cache == 0 and warm_report.from_cache == 3
    assert all(
        a.same_notes(b) and a.title == b.title and a.chords == b.chords and a.source == b.source
        for a, b in zip(cold, warm)
    )
    entries = list(own_cache.rglob("*.pkl"))
    assert len(entries) == 3 and not list(own_cache.rglob("*.tmp"))


def test_changed_file_is_parsed_again(tmp_path, own_cache):
    path = write_midi(tmp_path / "a.mid", [[(60, 0, 1)]])
    load_corpus(tmp_path)
    write_midi(path, [[(61, 0, 1)]])
    pieces, report = load_corpus(tmp_path)
    assert report.from_cache == 0 and pieces[0].pitch.tolist() == [61]


def test_corrupt_cache_entries_are_ignored_and_rewritten(tmp_path, own_cache):
    write_midi(tmp_path / "a.mid", [[(60, 0, 1), (64, 1, 1)]])
    load_corpus(tmp_path)
    (entry,) = own_cache.rglob("*.pkl")
    entry.write_bytes(b"\x80\x05garbage")
    pieces, report = load_corpus(tmp_path)
    assert report.from_cache == 0 and pieces[0].pitch.tolist() == [60, 64]
    assert pickle.loads(entry.read_bytes())["pieces"][0]["pitch"].tolist() == [60, 64]
    _, again = load_corpus(tmp_path)
    assert again.from_cache == 1


def test_cache_false_neither_reads_nor_writes(tmp_path, own_cache):
    write_midi(tmp_path / "a.mid", [[(60, 0, 1)]])
    _, report = load_corpus(tmp_path, cache=False)
    assert report.from_cache == 0 and not list(own_cache.rglob("*.pkl"))


def test_a_cached_piece_moves_with_its_file(tmp_path, own_cache):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    write_midi(tmp_path / "one" / "x.mid", [[(60, 0, 1)]])
    (tmp_path / "two" / "y.mid").write_bytes((tmp_path / "one" / "x.mid").read_bytes())
    load_corpus(tmp_path / "one")
    pieces, report = load_corpus(tmp_path / "two")
    assert report.from_cache == 1
    assert pieces[0].title == "y" and pieces[0].source.endswith("y.mid")


def test_piece_cache_put_get_round_trip(tmp_path):
    store = PieceCache(tmp_path)
    piece = Piece.from_notes([(60, 0, 1)], title="t")
    store.put("ab" + "0" * 62, [piece.to_dict()], None)
    entry = store.get("ab" + "0" * 62)
    assert Piece.from_dict(entry["pieces"][0]).same_notes(piece) and entry["skip"] is None
    assert store.get("cd" + "0" * 62) is None


# --------------------------------------------------------------------------- parallel parsing
def test_parallel_and_serial_loads_agree(tmp_path, own_cache, monkeypatch):
    for i in range(4):
        write_midi(tmp_path / f"{i}.mid", [[(60 + i, 0, 1), (64 + i, 1, 0.5)]])
    (tmp_path / "junk.mid").write_bytes(b"MThd junk")
    serial, serial_report = load_corpus(tmp_path, workers=1, cache=False)
    monkeypatch.setattr(load_module, "PARALLEL_ABOVE_S", 0.0)
    ran_in_pool = []
    original = load_module._Parser._parallel

    def spy(self, units, options):
        results = original(self, units, options)
        ran_in_pool.append(len(units))
        return results

    monkeypatch.setattr(load_module._Parser, "_parallel", spy)
    parallel, parallel_report = load_corpus(tmp_path, workers=2, cache=False)
    assert ran_in_pool == [5]  # every file went through the worker processes
    assert [p.title for p in serial] == [p.title for p in parallel] == ["0", "1", "2", "3"]
    assert all(a.same_notes(b) for a, b in zip(serial, parallel))
    assert serial_report.skipped == parallel_report.skipped
    assert parallel_report.skipped[0].file == "junk.mid"


# --------------------------------------------------------------------------- report
def test_report_renders_as_a_table_and_as_text(tmp_path, own_cache):
    write_midi(tmp_path / "good.mid", [[(60, 0, 1)]], title="Good <tune>")
    (tmp_path / "empty.mid").write_bytes(b"")
    pieces, report = load_corpus(tmp_path)
    assert isinstance(report, LoadReport)
    assert report.n_loaded == 1 and report.n_skipped == 1
    file, reason = report.skipped[0]
    assert file == "empty.mid" and reason.startswith("empty file")
    html = report._repr_html_()
    assert "<table>" in html and "empty.mid" in html and "Good &lt;tune&gt;" in html
    text = str(report)
    assert "1 loaded" in text and "skipped empty.mid: empty file" in text
    rows = report.to_rows()
    assert {r["status"] for r in rows} == {"loaded", "skipped"}
    assert report.reasons() == {"empty file": 1}


# --------------------------------------------------------------------------- errors
def test_missing_path_says_what_to_do(tmp_path):
    with pytest.raises(MusicnbError, match="neither a named collection.*bach"):
        load_corpus(str(tmp_path / "nowhere"))


def test_empty_folder_says_what_to_do(tmp_path):
    (tmp_path / "readme.txt").write_text("nothing here")
    with pytest.raises(MusicnbError, match="holds no music files.*Copy your MIDI"):
        load_corpus(tmp_path)


def test_a_load_that_yields_nothing_is_an_error(tmp_path, own_cache):
    (tmp_path / "a.mid").write_bytes(b"")
    (tmp_path / "b.mid").write_bytes(b"not midi at all")
    with pytest.raises(MusicnbError, match="Nothing could be loaded.*2 file"):
        load_corpus(tmp_path)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"limit": 0}, "limit"),
        ({"limit": 2.5}, "limit"),
        ({"min_notes": 0}, "min_notes"),
        ({"workers": 0}, "workers"),
        ({"layout": "weird"}, "layout"),
    ],
)
def test_bad_options_say_what_to_do(kwargs, message):
    with pytest.raises(MusicnbError, match=message):
        load_corpus("bach", **kwargs)


# --------------------------------------------------------------------------- JSB pickle dispatch
def test_pickle_files_go_to_the_jsb_reader_and_keep_their_split(tmp_path, monkeypatch):
    calls = []

    def fake_reader(path):
        calls.append(Path(path))
        chorale = lambda p: Piece.from_notes([(p, 0, 1), (p - 12, 0, 1, 90, 1)])  # noqa: E731
        return {"train": [chorale(60), chorale(62)], "valid": [chorale(64)], "test": [chorale(65)]}

    fake = types.ModuleType("musicnb.corpus.jsb")
    fake.read_jsb_pickle = fake_reader
    monkeypatch.setitem(sys.modules, "musicnb.corpus.jsb", fake)
    path = tmp_path / "JSB Chorales.pickle"
    path.write_bytes(b"anything")
    pieces, report = load_corpus(path)
    assert calls == [path]
    assert [p.metadata["split"] for p in pieces] == ["train", "train", "valid", "test"]
    assert [p.pitch.max() for p in pieces] == [60, 62, 64, 65]
    assert report.n_loaded == 4
    first_three, _ = load_corpus(str(path), limit=3)
    assert [p.metadata["split"] for p in first_three] == ["train", "train", "valid"]


def test_a_real_jsb_style_pickle_loads_through_the_jsb_reader(tmp_path):
    import pickle as pickle_module

    frames = {
        "train": [[(60, 64, 67), (60, 64, 67), (62, 65, 69)], [(55, 59)]],
        "valid": [[(59, 62, 67)]],
        "test": [[(60, 64)]],
    }
    path = tmp_path / "tiny_jsb.pkl"
    path.write_bytes(pickle_module.dumps(frames))
    pieces, report = load_corpus(path)
    assert [p.metadata["split"] for p in pieces] == ["train", "train", "valid", "test"]
    assert report.n_loaded == 4 and all(isinstance(p, Piece) for p in pieces)
    assert sorted(set(pieces[0].pitch.tolist())) == [60, 62, 64, 65, 67, 69]

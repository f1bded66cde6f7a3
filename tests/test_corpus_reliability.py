"""Issue 11, corpus: absurd meters are refused before parsing, every parse has a time budget,
a pickle cannot run code, implausible lengths are flagged, and fuzzed ABC/MusicXML files let
nothing but MusicnbError out, each test under a wall-clock limit so a hang fails."""

from __future__ import annotations

import os
import pickle
import random
import time
from pathlib import Path

import numpy as np
import pytest
from time_limit import time_limit

from musicnb import MusicnbError
from musicnb.corpus import load as load_module
from musicnb.corpus import load_corpus, read_file

ABC = "X:1\nT:Tune\nM:{meter}\nL:1/8\nK:G\nGABc dedB|cBAG FGAF|G4 z4|]\n"


def musicxml(beats: str = "4", beat_type: str = "4", title: str = "Score") -> str:
    notes = "".join(
        f"<note><pitch><step>{s}</step><octave>4</octave></pitch><duration>1</duration>"
        f"<type>quarter</type></note>"
        for s in "CDEF"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<score-partwise version="3.1">'
        f"<work><work-title>{title}</work-title></work>"
        '<part-list><score-part id="P1"><part-name>Voice</part-name></score-part></part-list>'
        '<part id="P1"><measure number="1"><attributes><divisions>1</divisions>'
        f"<time><beats>{beats}</beats><beat-type>{beat_type}</beat-type></time>"
        "<clef><sign>G</sign><line>2</line></clef></attributes>"
        f"{notes}</measure></part></score-partwise>"
    )


# ---------------------------------------------------------------- item 1: meters and budget
@pytest.mark.parametrize(
    "meter", ["99999/1", "1000/4", "4000/4", "0/4", "4/99999", "(2+2+99999)/8"]
)
def test_an_absurd_abc_meter_is_refused_quickly(tmp_path, meter):
    path = tmp_path / "h.abc"
    path.write_text(ABC.format(meter=meter))
    with time_limit(20):
        with pytest.raises(MusicnbError, match="implausible meter"):
            read_file(path)
        good = tmp_path / "good.abc"
        good.write_text(ABC.format(meter="6/8"))
        pieces, report = load_corpus(str(tmp_path), cache=False, workers=1)
    assert [p.title for p in pieces] == ["Tune"]
    assert [s.file for s in report.skipped] == ["h.abc"]
    assert "implausible meter" in report.skipped[0].reason


def test_an_inline_abc_meter_change_is_checked_too(tmp_path):
    path = tmp_path / "inline.abc"
    path.write_text("X:1\nT:t\nM:4/4\nL:1/8\nK:C\nCDEF [M:5000/4] GABc|\n")
    with time_limit(20), pytest.raises(MusicnbError, match="implausible meter"):
        read_file(path)


@pytest.mark.parametrize("beats,beat_type", [("99999", "4"), ("3+99999", "8"), ("4", "99999")])
def test_an_absurd_musicxml_meter_is_refused_quickly(tmp_path, beats, beat_type):
    path = tmp_path / "h.musicxml"
    path.write_text(musicxml(beats, beat_type))
    with time_limit(20), pytest.raises(MusicnbError, match="implausible meter"):
        read_file(path)
    import zipfile

    mxl = tmp_path / "h.mxl"
    with zipfile.ZipFile(mxl, "w") as archive:
        archive.writestr("score.xml", musicxml(beats, beat_type))
    with time_limit(20), pytest.raises(MusicnbError, match="implausible meter"):
        read_file(mxl)


def test_plausible_meters_still_load(tmp_path):
    for name, meter in (("a", "12/8"), ("b", "(2+2+2+3)/8"), ("c", "C|"), ("d", "33/8")):
        (tmp_path / f"{name}.abc").write_text(ABC.format(meter=meter))
    (tmp_path / "e.musicxml").write_text(musicxml("3+2", "8"))
    with time_limit(60):
        pieces, report = load_corpus(str(tmp_path), cache=False, workers=1)
    assert report.n_skipped == 0 and len(pieces) == 5


def _slow_parse(unit, options):
    while True:  # a pure-Python loop that never ends, like music21 on an absurd meter
        pass


def test_a_parse_past_its_budget_is_skipped_with_the_reason(tmp_path, monkeypatch):
    monkeypatch.setattr(load_module, "_parse", _slow_parse)
    monkeypatch.setattr(load_module, "_start_method", lambda: "fork")  # workers see the patch
    (tmp_path / "slow.abc").write_text(ABC.format(meter="4/4"))
    import music21.converter  # noqa: F401 - imported once, before the timing

    with time_limit(30):
        started = time.perf_counter()
        with pytest.raises(MusicnbError, match="too slow") as info:
            load_corpus(str(tmp_path), cache=False, workers=1, parse_timeout=1.0)
        middle = time.perf_counter()
        with pytest.raises(MusicnbError, match="too slow"):
            read_file(tmp_path / "slow.abc", parse_timeout=0.5)
        ended = time.perf_counter()
    assert middle - started < 1.0 + 1.0 and ended - middle < 0.5 + 1.0
    assert "1 s budget" in str(info.value)


def test_a_timed_out_parse_is_not_cached_as_a_skip(tmp_path, monkeypatch):
    from musicnb.corpus.cache import PieceCache

    monkeypatch.setenv("MUSICNB_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "music"
    folder.mkdir()
    (folder / "t.abc").write_text(ABC.format(meter="4/4"))
    real = load_module._parse
    monkeypatch.setattr(load_module, "_parse", _slow_parse)
    monkeypatch.setattr(load_module, "_start_method", lambda: "fork")
    with time_limit(30), pytest.raises(MusicnbError, match="too slow"):
        load_corpus(str(folder), workers=1, parse_timeout=0.5)
    monkeypatch.setattr(load_module, "_parse", real)
    with time_limit(60):
        pieces, report = load_corpus(str(folder), workers=1)  # parsed now, not read as skipped
    assert len(pieces) == 1 and report.from_cache == 0
    assert isinstance(PieceCache(), PieceCache)


def _stuck_in_c(unit, options):
    import signal

    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})  # the alarm cannot reach it
    if Path(unit.path).name.startswith("stuck"):
        time.sleep(600)
    if Path(unit.path).name.startswith("dies"):
        os._exit(3)  # like a crash in C, or the kernel ending it for memory
    return real_parse(unit, options)


real_parse = load_module._parse


def test_a_parse_stuck_where_the_alarm_cannot_reach_is_stopped_at_its_budget(tmp_path, monkeypatch):
    """The budget holds even for a parse no alarm can stop (music21 stuck in C code): its
    worker is killed about ``parse_timeout`` seconds after it began, not seconds later."""
    monkeypatch.setattr(load_module, "_parse", _stuck_in_c)
    monkeypatch.setattr(load_module, "_start_method", lambda: "fork")  # children see the patch
    (tmp_path / "stuck.abc").write_text(ABC.format(meter="3/4"))
    import music21.converter  # noqa: F401 - imported once, before the timing

    with time_limit(30):
        for budget in (1.0, 2.0):
            started = time.perf_counter()
            with pytest.raises(MusicnbError, match=f"too slow.*the {budget:g} s budget"):
                read_file(tmp_path / "stuck.abc", parse_timeout=budget)
            took = time.perf_counter() - started
            assert budget <= took < budget + 1.0, f"stopped after {took:.2f} s"


def test_a_stuck_or_crashed_worker_costs_only_its_own_file(tmp_path, monkeypatch):
    monkeypatch.setattr(load_module, "_parse", _stuck_in_c)
    monkeypatch.setattr(load_module, "_start_method", lambda: "fork")  # children see the patch
    monkeypatch.setattr(load_module, "PARALLEL_ABOVE_S", 0.0)
    monkeypatch.setenv("MUSICNB_CACHE_DIR", str(tmp_path / "cache"))
    music = tmp_path / "music"
    music.mkdir()
    for i in range(4):
        (music / f"ok{i}.abc").write_text(ABC.format(meter="4/4").replace("Tune", f"T{i}"))
    (music / "stuck.abc").write_text(ABC.format(meter="3/4"))
    (music / "dies.abc").write_text(ABC.format(meter="2/4"))
    import music21.converter  # noqa: F401 - imported before the fork, not in each worker

    started = time.perf_counter()
    with time_limit(90):
        pieces, report = load_corpus(str(music), workers=2, parse_timeout=3.0)
    assert time.perf_counter() - started < 30  # not the 600 s the stuck parse would take
    assert sorted(p.title for p in pieces) == ["T0", "T1", "T2", "T3"]
    reasons = {s.file: s.reason for s in report.skipped}
    assert sorted(reasons) == ["dies.abc", "stuck.abc"]
    assert reasons["stuck.abc"].startswith("too slow")
    assert reasons["dies.abc"].startswith("crashed") and "exit code 3" in reasons["dies.abc"]
    monkeypatch.setattr(load_module, "_parse", real_parse)
    with time_limit(90):
        pieces, report = load_corpus(str(music), workers=2, parse_timeout=3.0)
    assert report.n_skipped == 0 and len(pieces) == 6  # neither skip was cached


def test_parse_timeout_is_checked():
    with pytest.raises(MusicnbError, match="parse_timeout"):
        load_corpus("bach", parse_timeout=0)
    with pytest.raises(MusicnbError, match="parse_timeout"):
        load_corpus("bach", parse_timeout="soon")


# ---------------------------------------------------------------- item 2: no code from a pickle
class _Exploit:
    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_crafted_pickle_runs_no_code(tmp_path):
    marker = tmp_path / "pwned"
    exploit = _Exploit()
    exploit.marker = marker
    path = tmp_path / "x.pkl"
    path.write_bytes(pickle.dumps({"train": [exploit], "valid": [], "test": []}))
    with pytest.raises(MusicnbError, match="posix.system|os.system|refused"):
        load_corpus(str(path))
    assert not marker.exists()
    other = tmp_path / "y.pkl"
    other.write_bytes(pickle.dumps({"train": [[(60,)]], "valid": [], "test": [], "x": Path("a")}))
    with pytest.raises(MusicnbError, match="refused"):
        load_corpus(str(other))


def test_the_benchmark_pickle_format_still_reads(tmp_path):
    frames = [[tuple(np.int64(p) for p in (60, 64, 67)), (np.int64(62),)], [(55,), (57, 59)]]
    path = tmp_path / "jsb.pkl"
    path.write_bytes(
        pickle.dumps({"train": frames, "valid": [frames[0]], "test": [frames[1]]}, protocol=2)
    )
    pieces, report = load_corpus(str(path))
    assert len(pieces) == 4 and pieces[0].metadata["frames"][0] == (60, 64, 67)
    bad = tmp_path / "float.pkl"
    bad.write_bytes(pickle.dumps({"train": [[(np.float64(60.0),)]], "valid": [], "test": []}))
    with pytest.raises(MusicnbError, match="refused"):
        load_corpus(str(bad))


# ---------------------------------------------------------------- item 11: implausible lengths
def test_a_midi_file_with_one_tick_per_beat_is_flagged(tmp_path):
    from midi_builders import note_track, save_midi

    long_note = note_track([(60, 0, 50_000)], ticks_per_unit=1)  # 50,000 beats at 1 tick each
    save_midi(tmp_path / "long.mid", [long_note], ticks_per_beat=1)
    (tmp_path / "short.abc").write_text(ABC.format(meter="4/4"))
    pieces, report = load_corpus(str(tmp_path), cache=False, workers=1)
    assert len(pieces) == 2
    assert [f.file for f in report.flagged] == ["long.mid"]
    assert "hours" in report.flagged[0].note and "1 ticks per beat" in report.flagged[0].note
    assert "flagged long.mid" in str(report) and "1 flagged" in report.summary()


# ---------------------------------------------------------------- fuzzing ABC and MusicXML
def mutate_text(text: str, rng: random.Random) -> str:
    """Delete, duplicate, replace or insert a few characters, or swap in an extreme number."""
    chars = list(text)
    for _ in range(rng.randint(1, 6)):
        where = rng.randrange(len(chars))
        action = rng.random()
        if action < 0.25:
            del chars[where]
        elif action < 0.5:
            chars.insert(where, rng.choice("|:[]()<>/\\^_=,'0123456789ABCabcz%\"!{}&#-+~."))
        elif action < 0.75:
            chars[where] = rng.choice("|:[]/0123456789xyz<>&\n")
        else:
            chars.insert(where, str(rng.choice([0, -1, 9999, 10**9, 2**31, 2**64, 1e308])))
    return "".join(chars)


EXTREME_HEADERS = [
    "M:99999/1",
    "M:1/99999",
    "M:0/0",
    "M:-4/4",
    "L:1/99999",
    "L:0/1",
    "L:99999/1",
    "Q:1/4=0",
    "Q:1/4=99999999",
    "Q:-1",
    "K:H",
    "K:C clef=treble transpose=999",
    "M:18446744073709551617/4",
    "L:1/0",
    "K:none",
    "M:1/1",
]


@pytest.mark.parametrize("header", EXTREME_HEADERS)
def test_extreme_abc_header_values_never_hang_or_crash(tmp_path, header):
    path = tmp_path / "x.abc"
    path.write_text(f"X:1\nT:t\n{header}\nL:1/8\nK:C\nCDEF GABc|c2B2 A4|]\n")
    with time_limit(30):
        try:
            read_file(path, parse_timeout=5)
        except MusicnbError:
            pass


@pytest.mark.parametrize(
    "tag,value",
    [
        ("divisions", "0"),
        ("divisions", "99999999"),
        ("duration", "99999999"),
        ("duration", "-5"),
        ("octave", "99"),
        ("beats", "0"),
        ("beat-type", "0"),
        ("alter", "99"),
        ("fifths", "999"),
    ],
)
def test_extreme_musicxml_values_never_hang_or_crash(tmp_path, tag, value):
    import re

    text = re.sub(f"<{tag}>[^<]*</{tag}>", f"<{tag}>{value}</{tag}>", musicxml(), count=1)
    path = tmp_path / "x.musicxml"
    path.write_text(text)
    with time_limit(30):
        try:
            read_file(path, parse_timeout=5)
        except MusicnbError:
            pass


@pytest.mark.parametrize("kind", ["abc", "musicxml"])
def test_mutated_text_files_let_only_musicnb_errors_out(tmp_path, kind):
    rng = random.Random(11)
    seed_text = ABC.format(meter="6/8") if kind == "abc" else musicxml("3", "4")
    with time_limit(90):
        for i in range(8):
            path = tmp_path / f"m{i}.{kind}"
            path.write_text(mutate_text(seed_text, rng))
            try:
                read_file(path, parse_timeout=3)
            except MusicnbError:
                pass
        # and a folder of them never stops a load
        (tmp_path / f"good.{kind}").write_text(seed_text)
        pieces, report = load_corpus(str(tmp_path), cache=False, workers=1, parse_timeout=3)
    assert any(entry.file == f"good.{kind}" for entry in report.loaded)

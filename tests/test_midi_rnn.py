"""midi-rnn's frames, instrument filter, windows and the Lakh loader, on files written here."""

from __future__ import annotations

from pathlib import Path

import mido
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from midi_builders import midi_bytes, note_events, save_midi, track

from musicnb.corpus.lakh import load_midi_rnn_folder, split_files, split_files_as_published
from musicnb.encoders.midi_rnn import (
    MidiRnnEncoder,
    is_monophonic,
    midi_rnn_windows,
    read_instruments,
)
from musicnb.errors import MusicnbError

TPB = 480


def _notes(notes: list[tuple[int, int, int]], channel: int = 0) -> list:
    """(pitch, begin tick, end tick) -> (tick, message) pairs."""
    notes_in_ticks = [(pitch, begin, end - begin) for pitch, begin, end in notes]
    return note_events(notes_in_ticks, ticks_per_unit=1, channel=channel, velocity=90)


def write_tempo_change_file(path: Path) -> Path:
    """120 BPM for two beats, then 60 BPM; notes at ticks 240-480, 960-1440, 1440-1680."""
    tempo = track(
        [
            (0, mido.MetaMessage("set_tempo", tempo=500000)),
            (960, mido.MetaMessage("set_tempo", tempo=1000000)),
        ]
    )
    notes = track(_notes([(60, 240, 480), (62, 960, 1440), (64, 1440, 1680)]))
    return save_midi(path, [tempo, notes], ticks_per_beat=TPB)


def test_frames_follow_the_tempo_map_in_seconds(tmp_path):
    # seconds: C4 0.25-0.5 (120 BPM), D4 1.0-2.0 (the beat 960-1440 lasts 1 s at 60 BPM),
    # E4 2.0-2.5. Frames of 0.25 s: C4 in frame 1, rest 2-3, D4 4-7, E4 8-9; leading frame
    # 0 (silence) trimmed. Read in beats (tempo ignored) D4 would last 2 frames, not 4.
    (inst,) = read_instruments(write_tempo_change_file(tmp_path / "tempo.mid"))
    assert inst.start == pytest.approx([0.25, 1.0, 2.0])
    assert inst.end == pytest.approx([0.5, 2.0, 2.5])
    assert inst.start_beat == pytest.approx([0.5, 2.0, 3.0])
    frames = MidiRnnEncoder().encode_instrument(inst)
    assert frames.tolist() == [61, 0, 0, 63, 63, 63, 63, 65, 65]


def test_decode_then_encode_round_trips():
    encoder = MidiRnnEncoder()
    rng = np.random.default_rng(1)
    for _ in range(20):
        frames = rng.choice([0, 0, 61, 65, 70, 128], size=40)
        frames[0], frames[-1] = 61, 70
        piece = encoder.decode(frames)
        assert encoder.encode(piece).tolist() == frames.tolist()
    assert encoder.describe([0, 61]) == ["rest", "C4"]
    with pytest.raises(MusicnbError, match="probabilities"):
        encoder.decode(np.full(3, 129))


def test_windows_off_by_one_as_published_and_fixed():
    seq = np.arange(30)
    X, y = midi_rnn_windows([seq], window=20, off_by_one=True)
    assert X.shape == (9, 20) and X[0].tolist() == list(range(20)) and y[0] == 21
    X, y = midi_rnn_windows([seq], window=20, off_by_one=False)
    assert X.shape == (10, 20) and y[0] == 20 and y[-1] == 29
    with pytest.raises(MusicnbError, match="longer than every sequence"):
        midi_rnn_windows([seq, seq[:5]], window=40)


def _write(path: Path, tracks: list[list]) -> Path:
    return save_midi(path, [track(events) for events in tracks], ticks_per_beat=TPB)


def test_filter_keeps_drums_counts_rejections_and_duplicates(tmp_path):
    line = [(60 + i % 5, i * 240, i * 240 + 200) for i in range(30)]
    chords = [(p, i * 480, i * 480 + 400) for i in range(30) for p in (48, 52, 55)]
    drums = [(36 if i % 2 else 42, i * 240, i * 240 + 100) for i in range(30)]
    # a file with a monophonic melody, a monophonic drum track and a polyphonic piano
    _write(tmp_path / "a band.mid", [_notes(line), _notes(drums, channel=9), _notes(chords, 1)])
    (tmp_path / "b copy.mid").write_bytes((tmp_path / "a band.mid").read_bytes())
    _write(tmp_path / "c short.mid", [_notes(line[:10])])
    (tmp_path / "d broken.mid").write_bytes(b"MThd\x00\x00\x00\x06garbage")
    _write(tmp_path / "e chords.mid", [_notes(chords)])
    load = load_midi_rnn_folder(tmp_path, window=20)
    counts = load.counts()
    assert counts["drum_instruments_kept"] == 2  # one per copy of the band file
    assert counts["instruments_kept"] == 4 and counts["rejected_polyphonic"] == 3
    assert counts["rejected_too_short"] == 1
    assert load.duplicates == {"b copy.mid": "a band.mid"}
    reasons = dict(load.report.skipped)
    assert set(reasons) == {"c short.mid", "d broken.mid", "e chords.mid"}
    assert reasons["c short.mid"].startswith("too short")
    assert reasons["d broken.mid"].startswith("unreadable")
    assert reasons["e chords.mid"].startswith("no monophonic instrument")
    assert not load_midi_rnn_folder(tmp_path, window=20, keep_drums=False).drums_kept
    drum = next(k.instrument for k in load.instruments if k.instrument.is_drum)
    assert is_monophonic(drum)


def test_splits_by_file():
    files = [f"f{i:02d}.mid" for i in range(20)]
    train, valid = split_files_as_published(files)
    assert train == files[:4] and valid == files[4:]
    dup = {"f19.mid": "f00.mid", "f18.mid": "f01.mid"}
    tr, va, te = split_files(files, duplicates=dup)
    assert sorted(tr + va + te) == sorted(files)
    for copy, original in dup.items():
        assert any(copy in part and original in part for part in (tr, va, te))
    assert not set(tr) & set(te) and not set(tr) & set(va)


def test_missing_folder_says_where(tmp_path):
    with pytest.raises(MusicnbError, match="midi-rnn"):
        load_midi_rnn_folder(tmp_path / "nowhere")
    _write(tmp_path / "pop" / "a.mid", [_notes([(60, 0, 240)])])
    with pytest.raises(
        MusicnbError, match=r"holds no .mid/.midi files. Its sub-folders .*\['pop'\]"
    ):
        load_midi_rnn_folder(tmp_path)


def test_load_corpus_reads_a_folder_through_the_midi_rnn_filter(tmp_path):
    from musicnb import load_corpus

    line = [(60 + i % 5, i * 240, i * 240 + 200) for i in range(30)]
    chords = [(p, i * 480, i * 480 + 400) for i in range(30) for p in (48, 52, 55)]
    _write(tmp_path / "one.mid", [_notes(line), _notes(chords, 1)])
    _write(tmp_path / "two.mid", [_notes(chords)])
    pieces, report = load_corpus(f"midi-rnn:{tmp_path}")
    assert len(pieces) == 1 and pieces[0].pitch.tolist() == [p for p, _, _ in line]
    assert pieces[0].start[1] == pytest.approx(0.5)  # beats: tick 240 at 480 per beat
    assert [s.file for s in report.skipped] == ["two.mid"]


def _raw(messages: list[tuple[int, mido.Message]]) -> mido.MidiTrack:
    """Messages at absolute ticks, kept in the order given (for same-tick orders)."""
    out, now = mido.MidiTrack(), 0
    for tick, message in messages:
        out.append(message.copy(time=tick - now))
        now = tick
    return out


def _on(note: int, velocity: int = 90, channel: int = 0) -> mido.Message:
    return mido.Message("note_on", note=note, velocity=velocity, channel=channel)


def _off(note: int, channel: int = 0) -> mido.Message:
    return mido.Message("note_off", note=note, velocity=0, channel=channel)


def test_note_off_closes_every_earlier_note_of_its_pitch_as_pretty_midi_does(tmp_path):
    # two C4s sounding at once: one note_off at 960 ends both (pretty_midi), where a
    # first-in first-out reader would end one and leave the other to the next note_off.
    # A note_on and a note_off at the same tick: the note_off leaves that new note open.
    # A note never switched off is dropped, not ended with the track.
    messages = [
        (0, _on(60)),
        (480, _on(60, velocity=70)),
        (960, _off(60)),
        (960, _on(62)),
        (1440, _on(64)),
        (1440, _off(62)),  # ends D4 (began at 960), not the E4 that starts now
        (1440, _off(64)),  # E4 began at this tick: stays open
        (1920, _off(64)),
        (2400, _on(67)),  # never closed
    ]
    path = save_midi(tmp_path / "pairs.mid", [_raw(messages)], ticks_per_beat=TPB)
    (inst,) = read_instruments(path)
    notes = sorted(zip(inst.start_beat, inst.end_beat, inst.pitch, inst.velocity))
    assert notes == [(0.0, 2.0, 60, 90), (1.0, 2.0, 60, 70), (2.0, 3.0, 62, 90), (3.0, 4.0, 64, 90)]


def test_a_program_change_starts_a_new_instrument_and_drums_stay(tmp_path):
    first = [(0, _on(60)), (480, _off(60))]
    change = [(480, mido.Message("program_change", program=40, channel=0))]
    second = [(480, _on(62)), (960, _off(62))]
    drums = [(0, _on(36, channel=9)), (240, _off(36, channel=9))]
    path = save_midi(
        tmp_path / "programs.mid", [_raw(first + change + second), _raw(drums)], ticks_per_beat=TPB
    )
    instruments = read_instruments(path)
    assert [(i.track, i.channel, i.program, i.pitch) for i in instruments] == [
        (0, 0, 0, [60]),
        (0, 0, 40, [62]),
        (1, 9, 0, [36]),
    ]
    assert [i.is_drum for i in instruments] == [False, False, True]


def test_an_absurdly_long_file_is_skipped_with_its_reason_and_the_rest_load(tmp_path):
    # one beat of 16.7 s (the largest tempo a file can state) and a note of 2^28 - 1 ticks
    # at one tick per beat: 140 years; its 100 frames/s piano roll would need 52 TiB
    tempo = _raw([(0, mido.MetaMessage("set_tempo", tempo=0xFFFFFF))])
    long_note = _raw([(0, _on(60)), (0x0FFFFFFF, _off(60))])
    save_midi(tmp_path / "a absurd.mid", [tempo, long_note], ticks_per_beat=1)
    line = [(60 + i % 5, i * 240, i * 240 + 200) for i in range(30)]
    _write(tmp_path / "b line.mid", [_notes(line)])
    with pytest.raises(MusicnbError, match="implausible length"):
        read_instruments(tmp_path / "a absurd.mid")
    load = load_midi_rnn_folder(tmp_path, window=20)
    assert [k.file for k in load.instruments] == ["b line.mid"]
    (reason,) = [s.reason for s in load.report.skipped if s.file == "a absurd.mid"]
    assert "implausible length" in reason and "check the file" in reason
    with pytest.raises(MusicnbError, match="implausible"):
        MidiRnnEncoder().encode_notes([60], [0.0], [1e9])


_GOOD = midi_bytes(
    [track(_notes([(60 + i % 5, i * 240, i * 240 + 200) for i in range(30)]))],
    ticks_per_beat=TPB,
)


@settings(max_examples=80, deadline=None)
@given(
    cut=st.integers(min_value=0, max_value=len(_GOOD)),
    flips=st.lists(
        st.tuples(st.integers(0, len(_GOOD) - 1), st.integers(1, 255)), min_size=1, max_size=6
    ),
)
def test_damaged_files_give_instruments_or_a_musicnb_error_never_a_crash(cut, flips):
    damaged = bytearray(_GOOD)
    for where, flip in flips:
        damaged[where] ^= flip
    try:
        instruments = read_instruments(bytes(damaged[:cut]))
    except MusicnbError as exc:
        assert str(exc)  # a sentence, not an empty error
        return
    encoder = MidiRnnEncoder()
    for inst in instruments:  # what the loader does next must not crash either
        assert len(inst.pitch) == len(inst.start) == len(inst.end) > 0
        assert all(0 <= p <= 127 for p in inst.pitch) and all(1 <= v <= 127 for v in inst.velocity)
        is_monophonic(inst)
        encoder.encode_instrument(inst)

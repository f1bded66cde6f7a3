"""MIDI write/read: round trips keep notes, tempo, metre, key, velocities, programs and chords."""

from __future__ import annotations

import dataclasses

import mido
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from musicnb import ChordLabel, MusicnbError, Piece, midi


def _quartet() -> Piece:
    return Piece.from_notes(
        [
            (72, 0, 1, 100, 0),
            (74, 1, 0.5, 90, 0),
            (76, 1.5, 0.5, 80, 0),
            (76, 2, 2, 70, 0),
            (67, 0, 2, 60, 1),
            (64, 2, 2, 61, 1),
            (55, 0, 4, 50, 2),
            (48, 0, 1, 40, 3),
            (43, 1, 3, 45, 3),
        ],
        title="quartet",
        tempo=93.5,
        time_signature="3/4",
        key="B- major",
        part_names=("Soprano", "Alto", "Tenor", "Bass"),
        programs=(73, 71, 70, 32),
    )


def test_round_trip_keeps_everything(tmp_path):
    piece = _quartet()
    path = midi.write(piece, tmp_path / "quartet.mid")
    back = midi.read(path)
    assert back.same_notes(piece)
    assert np.array_equal(back.velocity, piece.velocity)
    assert back.tempo == pytest.approx(93.5, abs=1e-3)
    assert back.time_signature == "3/4"
    assert back.key == "Bb major"
    assert back.title == "quartet"
    assert back.part_names == piece.part_names
    assert back.programs == (73, 71, 70, 32)
    assert back.chords == ()


def test_file_layout_is_type_1_with_one_track_per_part(tmp_path):
    path = midi.write(_quartet(), tmp_path / "q.mid")
    file = mido.MidiFile(str(path))
    assert file.type == 1 and file.ticks_per_beat == 480
    assert len(file.tracks) == 5  # conductor + 4 parts
    channels = {msg.channel for track in file.tracks[1:] for msg in track if msg.type == "note_on"}
    assert channels == {0, 1, 2, 3}
    tempos = [m.tempo for m in file.tracks[0] if m.type == "set_tempo"]
    assert tempos == [round(60e6 / 93.5)]
    first_note = next(m for m in file.tracks[1] if m.type == "note_on")
    assert (first_note.note, first_note.velocity) == (72, 100)


def test_chords_become_a_block_chord_track_and_come_back_as_labels(tmp_path):
    chords = (ChordLabel(0, 2, "G"), ChordLabel(2, 1, "D7"), ChordLabel(3, 1, "Em"))
    piece = Piece.from_notes(
        [(67, 0, 1), (71, 1, 1), (69, 2, 1), (67, 3, 1)], chords=chords, key="G major"
    )
    path = midi.write(piece, tmp_path / "tune.mid")
    file = mido.MidiFile(str(path))
    assert file.tracks[-1].name == midi.CHORD_TRACK_NAME
    chord_notes = [m.note for m in file.tracks[-1] if m.type == "note_on" and m.velocity > 0]
    # G = G B D, D7 = D F# A C, Em = E G B: pitch classes from harmony.chord_pitch_classes
    assert [n % 12 for n in chord_notes] == [7, 11, 2, 2, 6, 9, 0, 4, 7, 11]
    back = midi.read(path)
    assert back.chords == chords
    assert back.same_notes(piece)  # the chord notes are not read back as a part
    assert back.n_parts == 1

    plain = midi.read(midi.write(piece, tmp_path / "plain.mid", chord_track=False))
    assert plain.chords == () and len(mido.MidiFile(str(tmp_path / "plain.mid")).tracks) == 2


def test_reading_the_bytes_gives_what_reading_the_path_gives(tmp_path):
    chords = (ChordLabel(0, 2, "Bb"), ChordLabel(2, 2, "F7"))
    piece = dataclasses.replace(_quartet(), chords=chords)
    path = midi.write(piece, tmp_path / "quartet.mid")
    from_path, from_bytes = midi.read(path), midi.read(path.read_bytes())
    assert from_bytes.same_notes(from_path) and from_bytes.n_notes == piece.n_notes
    assert np.array_equal(from_bytes.velocity, from_path.velocity)
    for field in ("title", "tempo", "time_signature", "key", "chords", "part_names", "programs"):
        assert getattr(from_bytes, field) == getattr(from_path, field), field
    assert from_bytes.chords == chords and from_bytes.metadata == from_path.metadata
    assert from_path.source == str(path) and from_bytes.source == ""
    assert midi.read(bytearray(path.read_bytes())).same_notes(from_path)
    assert midi.read_content(memoryview(path.read_bytes())) == midi.read_content(path)


def test_bytes_without_a_title_and_bad_bytes(tmp_path):
    file = mido.MidiFile(type=0, ticks_per_beat=96)
    file.tracks.append(
        mido.MidiTrack(
            [
                mido.Message("note_on", note=60, velocity=80, time=0),
                mido.Message("note_off", note=60, time=96),
            ]
        )
    )
    path = tmp_path / "untitled.mid"
    file.save(str(path))
    assert midi.read(path).title == "untitled"  # the file's stem
    assert midi.read(path.read_bytes()).title == ""  # bytes have no name
    with pytest.raises(MusicnbError, match="Cannot read the MIDI data as a MIDI file: not a MIDI"):
        midi.read(b"RIFF, not MIDI")
    with pytest.raises(MusicnbError, match="empty file"):
        midi.read(b"")


def test_the_corpus_loader_reads_through_the_same_parser(tmp_path):
    from musicnb.corpus import midi_files

    path = midi.write(_quartet(), tmp_path / "quartet.mid")
    content = midi_files.read_midi_content(path.read_bytes())
    assert content == midi.read_content(path)
    assert [v.name for v in content.voices] == ["Soprano", "Alto", "Tenor", "Bass"]
    assert midi_files.read_midi_file(path).same_notes(midi.read(path))


def test_repeated_notes_of_the_same_pitch_stay_separate(tmp_path):
    piece = Piece.from_notes([(60, 0, 0.5), (60, 0.5, 0.5), (60, 1, 1)])
    back = midi.read(midi.write(piece, tmp_path / "r.mid"))
    assert back.same_notes(piece)


def test_empty_piece_writes_a_valid_file(tmp_path):
    piece = Piece.from_notes([], title="silence", tempo=60)
    back = midi.read(midi.write(piece, tmp_path / "empty.mid"))
    assert back.n_notes == 0 and back.tempo == 60 and back.title == "silence"


def test_write_is_atomic_and_leaves_old_file_when_saving_fails(tmp_path, monkeypatch):
    path = midi.write(_quartet(), tmp_path / "keep.mid")
    before = path.read_bytes()

    def broken_save(self, filename=None, file=None):
        file.write(b"MThd partial")
        raise OSError("disk full")

    monkeypatch.setattr(mido.MidiFile, "save", broken_save)
    with pytest.raises(OSError):
        midi.write(Piece.from_notes([(60, 0, 1)]), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.mid"]


def test_read_general_midi_type_0_with_drums_and_other_resolution(tmp_path):
    file = mido.MidiFile(type=0, ticks_per_beat=1024)
    track = mido.MidiTrack()
    track.append(mido.Message("program_change", channel=2, program=40, time=0))
    track.append(mido.Message("note_on", channel=2, note=64, velocity=77, time=0))
    track.append(mido.Message("note_on", channel=9, note=36, velocity=100, time=0))
    track.append(mido.Message("note_on", channel=0, note=48, velocity=50, time=512))
    track.append(mido.Message("note_on", channel=2, note=64, velocity=0, time=512))  # off
    track.append(mido.Message("note_off", channel=9, note=36, time=0))
    track.append(mido.Message("note_off", channel=0, note=48, time=1024))
    file.tracks.append(track)
    path = tmp_path / "general.mid"
    file.save(str(path))
    piece = midi.read(path)
    assert piece.tempo == 120.0 and piece.time_signature == "4/4"
    assert [(n.pitch, n.start, n.duration, n.velocity) for n in piece.notes()] == [
        (64, 0.0, 1.0, 77),
        (48, 0.5, 1.5, 50),
    ]
    assert piece.n_parts == 2 and piece.programs == (0, 40)  # channel 0 first, then channel 2
    with_drums = midi.read(path, drums=True)
    assert 36 in with_drums.pitch.tolist()


def test_notes_never_switched_off_end_with_the_track(tmp_path):
    file = mido.MidiFile(type=1, ticks_per_beat=480)
    track = mido.MidiTrack(
        [
            mido.Message("note_on", note=60, velocity=90, time=0),
            mido.Message("note_on", note=62, velocity=90, time=480),
            mido.MetaMessage("end_of_track", time=960),
        ]
    )
    file.tracks.append(track)
    path = tmp_path / "hanging.mid"
    file.save(str(path))
    piece = midi.read(path)
    assert [(n.pitch, n.start, n.duration) for n in piece.notes()] == [
        (60, 0.0, 3.0),
        (62, 1.0, 2.0),
    ]


@pytest.mark.parametrize("content", [b"", b"not a midi file", b"MThd\x00\x00\x00\x06\x00\x01"])
def test_corrupt_file_raises_musicnb_error(tmp_path, content):
    path = tmp_path / "bad.mid"
    path.write_bytes(content)
    with pytest.raises(MusicnbError, match="bad.mid"):
        midi.read(path)


def test_missing_file_and_wrong_input_raise_musicnb_error(tmp_path):
    with pytest.raises(MusicnbError, match="No MIDI file"):
        midi.read(tmp_path / "nowhere.mid")
    with pytest.raises(MusicnbError, match="Piece"):
        midi.write([(60, 0, 1)], tmp_path / "x.mid")


def test_odd_time_signature_and_modal_key_are_left_out_not_crashing(tmp_path):
    piece = Piece.from_notes([(60, 0, 1)], time_signature="5/6", key="D dorian")
    back = midi.read(midi.write(piece, tmp_path / "odd.mid"))
    assert back.time_signature == "4/4" and back.key is None and back.same_notes(piece)


notes = st.lists(
    st.tuples(
        st.integers(0, 127),
        st.integers(0, 4 * 480),
        st.integers(1, 4 * 480),
        st.integers(1, 127),
        st.integers(0, 5),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=30, deadline=None)
@given(notes)
def test_round_trip_property_on_the_tick_grid(tmp_path_factory, rows):
    # notes on the 1/480 grid, no two overlapping notes of one pitch in one part
    seen, kept = set(), []
    for pitch, start, length, velocity, part in rows:
        if (pitch, part) not in seen:
            seen.add((pitch, part))
            kept.append((pitch, start / 480, length / 480, velocity, part))
    piece = Piece.from_notes(kept, tempo=100)
    path = tmp_path_factory.mktemp("prop") / "p.mid"
    back = midi.read(midi.write(piece, path))
    used = sorted(set(piece.part.tolist()))
    renumber = {old: new for new, old in enumerate(used)}  # empty parts are not tracks on read
    expected = piece.with_notes(
        piece.pitch,
        piece.start,
        piece.duration,
        piece.velocity,
        [renumber[p] for p in piece.part.tolist()],
    )
    assert back.same_notes(expected)
    order = np.lexsort((-back.pitch.astype(int), back.part, back.start))
    assert np.array_equal(back.velocity[order], expected.velocity)


def test_with_chord_notes_adds_block_chords_as_a_last_part():
    piece = Piece.from_notes(
        [(72, 0, 2, 100, 0)],
        chords=(ChordLabel(0, 1, "C"), ChordLabel(1, 1, "N.C."), ChordLabel(1.5, 0.5, "Am")),
        part_names=("melody",),
        programs=(73,),
    )
    voiced = midi.with_chord_notes(piece)
    chord_part = voiced.part_piece(1)
    assert [(n.pitch, n.start, n.duration) for n in chord_part.notes()] == [
        (55, 0.0, 1.0),
        (52, 0.0, 1.0),
        (48, 0.0, 1.0),
        (64, 1.5, 0.5),
        (60, 1.5, 0.5),
        (57, 1.5, 0.5),
    ]
    assert set(chord_part.velocity.tolist()) == {midi.CHORD_VELOCITY}
    assert voiced.part_names == ("melody", "chords") and voiced.programs == (73, 0)
    plain = Piece.from_notes([(60, 0, 1)])
    assert midi.with_chord_notes(plain) is plain


def test_a_drum_only_file_is_an_error_that_says_so_unless_drums_are_asked_for(tmp_path):
    from midi_builders import meta_track, note_track, save_midi

    path = save_midi(
        tmp_path / "beat.mid",
        [meta_track(tempo_bpm=120), note_track([(36, i / 2, 0.25) for i in range(16)], channel=9)],
    )
    with pytest.raises(MusicnbError, match=r"beat.mid is drum-only: all 16 notes .*drums=True"):
        midi.read(path)
    with pytest.raises(MusicnbError, match="drum-only"):
        midi.read(path.read_bytes())
    kept = midi.read(path, drums=True)
    assert kept.n_notes == 16 and set(kept.pitch.tolist()) == {36}
    assert "no pitches" in repr(Piece.from_notes([])) and "pitch C" in repr(kept)

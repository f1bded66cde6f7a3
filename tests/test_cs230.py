"""CS230 tokens, the Train/Dev/Test loader, the window splits and the published models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from music21 import chord, note, stream

from musicnb.corpus.cs230 import (
    dataset_folder,
    keras_validation_split,
    load_cs230,
    shared_songs,
    song_windows,
    windows_by_song,
)
from musicnb.encoders.cs230_tokens import CS230TokenEncoder, cs230_tokens
from musicnb.errors import MusicnbError


def small_score(offset_pitch: int = 0) -> stream.Stream:
    part = stream.Part()
    part.append(note.Note(60 + offset_pitch, quarterLength=1.0))
    part.append(chord.Chord(["E4", "G4", "C5"], quarterLength=2.0))
    part.append(note.Note("B-3", quarterLength=0.5))
    part.append(note.Rest(quarterLength=0.5))
    part.append(note.Note("F#4", quarterLength=0.25))
    part.append(chord.Chord(["D4", "F#4", "A4", "C5"], quarterLength=1.5))
    return part


def test_tokens_match_hand_written():
    # notes: str(pitch) + "_" + duration type; chords: normal order + "_" + type; no rests.
    # D7 = {2, 6, 9, 0}: its most compact rotation is 6-9-0-2 (spans 8 semitones); a dotted
    # quarter's type is "quarter" (the dot is not part of the type), as the report's tokens
    assert cs230_tokens(small_score()) == [
        "C4_quarter",
        "0.4.7_half",
        "B-3_eighth",
        "F#4_16th",
        "6.9.0.2_quarter",
    ]


def test_encoder_vocabulary_from_training_only():
    enc = CS230TokenEncoder().fit([["b_x", "a_x", "b_x"]])
    assert enc.vocabulary == ["<unk>", "a_x", "b_x"]
    assert enc.encode(["a_x", "c_x", "b_x"]).tolist() == [1, 0, 2] and enc.unknown == 1
    assert enc.decode([2, 1]) == ["b_x", "a_x"]
    with pytest.raises(MusicnbError, match="Fit"):
        CS230TokenEncoder().encode(["a"])


def _dataset(root: Path) -> Path:
    for split, shifts in (("Train", (0, 2, 4)), ("Dev", (5,)), ("Test", (7,))):
        (root / split).mkdir(parents=True)
        for k in shifts:
            s = stream.Part()
            for _ in range(6):
                for element in small_score(k).notesAndRests:
                    s.append(element)
            s.write("midi", fp=str(root / split / f"song {k}_format0 copy.mid"))
    return root


def test_loader_reads_folders_with_spaces_and_splits_by_song(tmp_path):
    data = load_cs230(_dataset(tmp_path / "Dataset_44_Cmaj"))
    assert [s.name for s in data.train] == [f"song {k}_format0 copy.mid" for k in (0, 2, 4)]
    assert len(data.dev) == 1 and len(data.test) == 1 and data.report.n_skipped == 0
    assert data.train[0].tokens[:2] == ["C4_quarter", "0.4.7_half"]
    enc = CS230TokenEncoder().fit(s.tokens for s in data.train)
    train = song_windows(
        [enc.encode(s.tokens) for s in data.train], [s.name for s in data.train], window=8
    )
    dev = song_windows([enc.encode(s.tokens) for s in data.dev], [s.name for s in data.dev], 8)
    windows_by_song(train, dev)
    assert not shared_songs(train, dev)
    # Keras' validation_split cuts the last windows: the last training song is on both sides
    fit, val = keras_validation_split(train, 0.05)
    assert shared_songs(fit, val) == {"song 4_format0 copy.mid"}
    with pytest.raises(MusicnbError, match="split by song"):
        windows_by_song(fit, val)
    with pytest.raises(MusicnbError, match="longer than every song"):
        song_windows([enc.encode(s.tokens) for s in data.train], ["a", "b", "c"], window=500)


def test_folder_without_train_and_test_says_what_to_do(tmp_path):
    (tmp_path / "Dev").mkdir()
    with pytest.raises(MusicnbError, match="no Train or Test folder.*Train/"):
        dataset_folder(tmp_path)
    parent = tmp_path / "cs230-piano"
    (parent / "Dataset_44_Cmaj" / "Train").mkdir(parents=True)
    with pytest.raises(MusicnbError, match="pass one of them"):
        dataset_folder(parent)
    (parent / "Dataset_44_Cmaj" / "Test").mkdir()
    with pytest.raises(MusicnbError, match=r"Train holds no MIDI files .*Copy them in"):
        load_cs230(parent / "Dataset_44_Cmaj")


def test_published_models_have_the_published_shapes():
    import keras

    from musicnb.models.next_note import cs230_baseline, cs230_model1, cs230_model2, midi_rnn_lstm

    m1 = cs230_model1(50, window=100)
    conv = m1.get_layer("conv1d")
    assert conv.filters == 128 and conv.kernel_size == (3,)
    assert [l.units for l in m1.layers if isinstance(l, keras.layers.LSTM)] == [256, 256]
    assert m1.get_layer("flatten").output.shape[-1] == 98 * 256
    assert m1.output.shape[-1] == 50 and isinstance(m1.optimizer, keras.optimizers.RMSprop)
    assert [l.units for l in cs230_model2(50).layers if isinstance(l, keras.layers.LSTM)] == [256]
    assert len([l for l in cs230_baseline(50).layers if isinstance(l, keras.layers.LSTM)]) == 4
    m = midi_rnn_lstm()
    assert m.input.shape[1:] == (20,) and m.output.shape[-1] == 129
    assert m.get_layer("lstm_1").units == 64 and m.get_layer("dropout_1").rate == 0.2
    assert m.optimizer.clipvalue == 5.0
    X = np.random.default_rng(0).integers(0, 129, size=(4, 20))
    assert np.allclose(m.predict(X, verbose=0).sum(-1), 1.0, atol=1e-4)


def test_bad_files_are_skipped_with_their_reason_and_never_hang_the_load(tmp_path, monkeypatch):
    import time

    import mido
    from midi_builders import save_midi

    monkeypatch.setenv("MUSICNB_CACHE_DIR", str(tmp_path / "cache"))
    root = _dataset(tmp_path / "Dataset_44_Cmaj")
    (root / "Train" / "corrupt.mid").write_bytes(b"MThd\x00\x00\x00\x06garbage")
    # one tick per beat and a note of 2^28 - 1 ticks at the slowest tempo a file can state
    tempo = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=0xFFFFFF)])
    note_on = mido.Message("note_on", note=60, velocity=80, time=0)
    long_note = mido.MidiTrack(
        [note_on, mido.Message("note_off", note=60, velocity=0, time=0x0FFFFFFF)]
    )
    save_midi(root / "Dev" / "absurd.mid", [tempo, long_note], ticks_per_beat=1)
    data = load_cs230(root)
    reasons = dict(data.report.skipped)
    assert set(reasons) == {"Train/corrupt.mid", "Dev/absurd.mid"}
    assert "corrupt" in reasons["Train/corrupt.mid"]
    assert "implausible length" in reasons["Dev/absurd.mid"]
    assert len(data.train) == 3 and len(data.dev) == 1  # the good songs are all there

    # a parse that never ends (music21 stuck in a Python loop) is stopped at its budget
    import music21.converter

    def stuck(*args, **kwargs):
        while True:
            time.sleep(0.01)

    monkeypatch.setattr(music21.converter, "parse", stuck)
    monkeypatch.setenv("MUSICNB_CACHE_DIR", str(tmp_path / "cold cache"))
    began = time.monotonic()
    (root / "Train" / "corrupt.mid").unlink()
    with pytest.raises(
        MusicnbError, match=r"No readable song .*'too slow': 5, 'implausible length': 1"
    ):
        load_cs230(root, parse_timeout=0.3)  # the absurd file is skipped before music21
    assert time.monotonic() - began < 10
    with pytest.raises(MusicnbError, match="parse_timeout"):
        load_cs230(root, parse_timeout=-1)

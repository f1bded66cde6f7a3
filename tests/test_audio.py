"""Audio: the NumPy synthesiser's pitch, loudness, timing and speed; WAV bytes; FluidSynth path."""

from __future__ import annotations

import io
import os
import stat
import sys
import wave

import numpy as np
import pytest

from musicnb import MusicnbError, Piece, audio

SR = 22050


@pytest.fixture(autouse=True)
def no_soundfont(monkeypatch, tmp_path):
    """Tests see the NumPy back end unless they install a fake FluidSynth themselves."""
    monkeypatch.setenv("MUSICNB_SOUNDFONT", str(tmp_path / "no-such-font.sf2"))


def _dominant_frequency(samples: np.ndarray, sample_rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / sample_rate)[np.argmax(spectrum)])


def test_render_is_normalised_float32_of_the_right_length():
    piece = Piece.from_notes([(60, 0, 1), (64, 1, 1), (67, 2, 2)], tempo=120)  # 2 seconds
    samples = audio.render(piece, SR)
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert np.abs(samples).max() == pytest.approx(audio.PEAK, rel=1e-5)
    expected = (2.0 + 0.3 + audio.DEFAULT_ENVELOPE.release) * SR
    assert abs(len(samples) - expected) < 0.01 * SR
    assert audio.backend() == "numpy"


@pytest.mark.parametrize("pitch,hz", [(69, 440.0), (57, 220.0), (81, 880.0), (60, 261.63)])
def test_note_sounds_at_its_equal_tempered_frequency(pitch, hz):
    samples = audio.render(Piece.from_notes([(pitch, 0, 2)], tempo=60), SR)
    middle = samples[int(0.5 * SR) : int(1.5 * SR)]
    assert _dominant_frequency(middle, SR) == pytest.approx(hz, abs=1.5)


def test_silence_before_the_onset_and_after_the_release():
    piece = Piece.from_notes([(69, 1, 1)], tempo=60)  # sounds from 1 s to 2 s
    samples = audio.render(piece, SR)
    assert np.all(samples[: SR - 1] == 0)
    release_end = int((2 + audio.DEFAULT_ENVELOPE.release) * SR) + 2
    assert np.all(samples[release_end:] == 0)
    assert np.abs(samples[int(1.2 * SR) : int(1.8 * SR)]).max() > 0.3


def test_velocity_sets_amplitude_quadratically():
    loud = audio.render_numpy(Piece.from_notes([(69, 0, 1, 127)]), SR)
    soft = audio.render_numpy(Piece.from_notes([(69, 0, 1, 64)]), SR)
    assert np.abs(soft).max() / np.abs(loud).max() == pytest.approx((64 / 127) ** 2, rel=1e-3)
    # normalisation removes the overall level but keeps the ratio between notes
    both = audio.render(Piece.from_notes([(69, 0, 1, 127), (69, 4, 1, 64)], tempo=60), SR)
    first, second = np.abs(both[: 2 * SR]).max(), np.abs(both[4 * SR : 6 * SR]).max()
    assert second / first == pytest.approx((64 / 127) ** 2, rel=1e-3)


def test_attack_ramps_up_from_zero():
    samples = audio.render_numpy(Piece.from_notes([(69, 0, 2)], tempo=60), SR)
    attack = int(audio.DEFAULT_ENVELOPE.attack * SR)
    assert np.abs(samples[: attack // 4]).max() < np.abs(samples[attack : 2 * attack]).max()


def test_empty_piece_renders_silence_without_nan():
    samples = audio.render(Piece.from_notes([]), SR)
    assert samples.size > 0 and np.all(samples == 0)


def test_a_minute_of_four_part_music_renders_whole_and_normalised():
    rng = np.random.default_rng(0)
    notes = []
    for part in range(4):
        t = 0.0
        while t < 120:  # 120 quarter notes at 120 per minute = one minute
            length = float(rng.choice([0.5, 1.0, 1.5, 2.0]))
            notes.append(
                (
                    int(rng.integers(40 + 8 * part, 60 + 8 * part)),
                    t,
                    length,
                    int(rng.integers(40, 120)),
                    part,
                )
            )
            t += length
    piece = Piece.from_notes(notes, tempo=120)
    samples = audio.render(piece, SR)
    assert len(samples) > 60 * SR
    assert np.isfinite(samples).all() and 0.5 < np.abs(samples).max() <= 0.9 + 1e-6


def test_bad_arguments_raise_musicnb_error():
    piece = Piece.from_notes([(60, 0, 1)])
    with pytest.raises(MusicnbError, match="sample_rate"):
        audio.render(piece, 10)
    with pytest.raises(MusicnbError, match="backend"):
        audio.render(piece, backend="mp3")
    with pytest.raises(MusicnbError, match="SoundFont"):
        audio.render(piece, backend="fluidsynth")
    with pytest.raises(MusicnbError, match="Piece"):
        audio.render([60, 62])


def test_wav_bytes_are_16_bit_pcm_that_round_trip():
    samples = np.array([0.0, 0.5, -0.5, 1.0, -1.0, 2.0], np.float32)
    data = audio.to_wav_bytes(samples, 8000)
    with wave.open(io.BytesIO(data)) as stream:
        assert (stream.getnchannels(), stream.getsampwidth(), stream.getframerate()) == (1, 2, 8000)
        values = np.frombuffer(stream.readframes(stream.getnframes()), "<i2")
    assert values.tolist() == [0, 16384, -16384, 32767, -32767, 32767]  # 2.0 is clipped
    stereo = audio.to_wav_bytes(np.zeros((10, 2), np.float32), 8000)
    with wave.open(io.BytesIO(stereo)) as stream:
        assert stream.getnchannels() == 2 and stream.getnframes() == 10
    with pytest.raises(MusicnbError, match="NaN"):
        audio.to_wav_bytes(np.array([np.nan]), 8000)


def test_write_wav_from_piece_and_from_samples(tmp_path):
    piece = Piece.from_notes([(60, 0, 1)], tempo=120)
    path = audio.write_wav(piece, tmp_path / "out" / "tune.wav", SR)
    samples, rate = audio.read_wav(path)
    assert rate == SR and np.allclose(samples, audio.render(piece, SR), atol=1 / 32767)
    audio.write_wav(np.zeros(100, np.float32), path, SR)  # overwrite in place
    assert len(audio.read_wav(path)[0]) == 100
    assert [p.name for p in path.parent.iterdir()] == ["tune.wav"]


def test_play_embeds_a_wav_in_an_audio_element():
    player = audio.play(Piece.from_notes([(60, 0, 1)]))
    assert player.data[:4] == b"RIFF" and player.data[8:12] == b"WAVE"
    html = player._repr_html_()
    assert "<audio" in html and "data:audio/wav;base64," in html


def _fake_fluidsynth(folder, body: str) -> None:
    script = folder / "fluidsynth"
    script.write_text(f"#!{sys.executable}\n{body}")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def test_fluidsynth_program_is_used_when_a_soundfont_is_found(tmp_path, monkeypatch):
    font = tmp_path / "gm.sf2"
    font.write_bytes(b"RIFF fake soundfont")
    _fake_fluidsynth(
        tmp_path,
        """
import sys, wave
args = sys.argv[1:]
out, rate = args[args.index("-F") + 1], int(args[args.index("-r") + 1])
assert args[-2].endswith("gm.sf2") and args[-1].endswith(".mid")
with wave.open(out, "wb") as w:
    w.setnchannels(2); w.setsampwidth(2); w.setframerate(rate)
    w.writeframes(b"\\x00\\x10\\x00\\x10" * 1000)
""",
    )
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("MUSICNB_SOUNDFONT", str(font))
    assert audio.backend() == "fluidsynth"
    samples = audio.render(Piece.from_notes([(60, 0, 1)]), SR)
    assert len(samples) == 1000 and np.allclose(samples, audio.PEAK)
    assert "fluidsynth" in audio.describe_backend()


def test_failing_fluidsynth_falls_back_to_numpy_with_a_warning(tmp_path, monkeypatch):
    font = tmp_path / "gm.sf2"
    font.write_bytes(b"RIFF fake soundfont")
    _fake_fluidsynth(tmp_path, "import sys\nsys.exit(3)\n")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("MUSICNB_SOUNDFONT", str(font))
    piece = Piece.from_notes([(69, 0, 1)], tempo=60)
    with pytest.warns(RuntimeWarning, match="FluidSynth failed"):
        samples = audio.render(piece, SR)
    assert np.array_equal(samples, audio.render(piece, SR, backend="numpy"))
    with pytest.raises(MusicnbError, match="FluidSynth failed"):
        audio.render(piece, SR, backend="fluidsynth")


def test_chord_labels_sound_unless_switched_off():
    from musicnb import ChordLabel

    melody = Piece.from_notes([(81, 0, 2)], tempo=60, chords=(ChordLabel(0, 2, "C"),))
    with_chords = audio.render(melody, SR)
    without = audio.render(melody, SR, chords=False)
    assert np.array_equal(without, audio.render(Piece.from_notes([(81, 0, 2)], tempo=60), SR))
    middle = slice(int(0.5 * SR), int(1.5 * SR))
    spectrum = np.abs(np.fft.rfft(with_chords[middle]))
    freqs = np.fft.rfftfreq(len(with_chords[middle]), 1 / SR)
    c3 = spectrum[np.argmin(np.abs(freqs - 130.81))]
    assert c3 > 10 * np.abs(np.fft.rfft(without[middle]))[np.argmin(np.abs(freqs - 130.81))]


def test_pyfluidsynth_binding_gets_notes_in_time_order(tmp_path, monkeypatch):
    import types

    calls = []

    class FakeSynth:
        def __init__(self, samplerate):
            calls.append(("rate", samplerate))

        def sfload(self, path):
            calls.append(("font", path))
            return 1

        def program_select(self, channel, font, bank, program):
            calls.append(("program", channel, program))

        def get_samples(self, n):
            calls.append(("samples", n))
            return np.full(2 * n, 1000, np.int16)  # interleaved stereo

        def noteon(self, channel, pitch, velocity):
            calls.append(("on", channel, pitch, velocity))

        def noteoff(self, channel, pitch):
            calls.append(("off", channel, pitch))

        def delete(self):
            calls.append(("delete",))

    font = tmp_path / "gm.sf2"
    font.write_bytes(b"RIFF")
    monkeypatch.setenv("MUSICNB_SOUNDFONT", str(font))
    monkeypatch.setenv("PATH", str(tmp_path))  # no fluidsynth program
    monkeypatch.setitem(sys.modules, "fluidsynth", types.SimpleNamespace(Synth=FakeSynth))
    assert audio.backend() == "pyfluidsynth"
    piece = Piece.from_notes([(60, 0, 1, 80, 0), (48, 0.5, 1, 70, 1)], tempo=60, programs=(0, 33))
    samples = audio.render(piece, 1000)
    assert ("program", 1, 33) in calls
    events = [c for c in calls if c[0] in ("on", "off", "samples")]
    assert events == [
        ("on", 0, 60, 80),
        ("samples", 500),
        ("on", 1, 48, 70),
        ("samples", 500),
        ("off", 0, 60),
        ("samples", 500),
        ("off", 1, 48),
        ("samples", 1000),
    ]
    assert calls[-1] == ("delete",)
    assert len(samples) == 2500 and np.allclose(samples, audio.PEAK)

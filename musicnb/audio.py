"""Hear a :class:`~musicnb.piece.Piece`: render it to samples, save WAV, play it in a notebook.

Two back ends:

* ``"fluidsynth"``: when the ``fluidsynth`` program (or the ``pyfluidsynth`` module) and a
  General MIDI SoundFont are found, the piece is written to MIDI and rendered with real
  instrument samples. A SoundFont is looked for in ``$MUSICNB_SOUNDFONT`` and then in the
  places Linux packages, Homebrew and Colab's ``apt-get install fluidsynth`` put one.
* ``"numpy"``: a small additive synthesiser in pure NumPy that works everywhere, with no
  system library. Each note is a sum of harmonics,
  ``x(t) = a · env(t) · Σ_k h_k sin(2π k f t)`` with ``f = 440 · 2^((pitch − 69) / 12)`` Hz,
  read from a one-period wavetable with a fixed-point phase (so a note costs one integer
  multiply, shift and table look-up per sample, not one ``sin`` per harmonic). ``env`` is the classic ADSR envelope
  (attack, decay, sustain, release; Moog's contour generator, described in any synthesis
  text, e.g. Puckette, *The Theory and Technique of Electronic Music*, ch. 4).
  Velocity ``v`` sets the amplitude ``a = (v / 127)²``, the curve the General MIDI
  recommendation (RP-036) gives as gain = 40·log10(v/127) dB. Notes of equal length are
  synthesised together as one 2-D array, so a minute of four-part music renders in tens of
  milliseconds.

``play(piece)`` returns an ``IPython.display.Audio`` holding a 16-bit WAV in base64, which
plays in JupyterLab, Colab and VS Code without any server-side file.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import warnings
import wave
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from .atomic import write_bytes
from .errors import MusicnbError
from .piece import Piece

#: Default sample rate (Hz): enough for melodies, and keeps embedded audio small.
SAMPLE_RATE = 22050
#: Relative amplitudes of the harmonics 1, 2, 3, ... of the default (soft organ-like) tone.
HARMONICS = (1.0, 0.5, 0.28, 0.14, 0.07)
#: Samples synthesised at once (bounds the memory of one block to about 50 MB).
_BLOCK_SAMPLES = 2_000_000
#: Fractional bits of the oscillators' fixed-point phase (table positions · 2**20).
_PHASE_BITS = 20
_PHASE_ONE = 1 << _PHASE_BITS
#: Longest audio rendered (seconds): 30 minutes are about 160 MB of float32 samples at
#: 22,050 Hz; a longer piece raises instead of trying to allocate many gigabytes.
MAX_RENDER_SECONDS = 30 * 60.0
#: Peak level after normalisation (leaves head-room so playback never clips).
PEAK = 0.9

_SOUNDFONT_PLACES = (
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/sounds/sf2/default-GM.sf2",
    "/usr/share/sounds/sf2/TimGM6mb.sf2",
    "/usr/share/soundfonts/FluidR3_GM.sf2",
    "/usr/share/soundfonts/default.sf2",
    "/usr/share/soundfonts/FluidR3_GM2-2.sf2",
    "/usr/local/share/soundfonts/default.sf2",
    "/usr/local/share/fluidsynth/default.sf2",
    "/opt/homebrew/share/soundfonts/default.sf2",
    "/opt/homebrew/share/fluid-synth/sf2/default.sf2",
    "~/.local/share/soundfonts/default.sf2",
    "~/.fluidsynth/default_sound_font.sf2",
)


@dataclass(frozen=True)
class Envelope:
    """ADSR envelope, in seconds (``sustain`` is a level, 0–1).

    Level rises linearly from 0 to 1 in ``attack``, falls linearly to ``sustain`` in ``decay``,
    holds until the note ends, then falls linearly to 0 in ``release`` (which sounds after the
    note's written end).
    """

    attack: float = 0.01
    decay: float = 0.12
    sustain: float = 0.6
    release: float = 0.08

    def curve(self, note_seconds: float, sample_rate: int) -> np.ndarray:
        """The envelope of a note lasting ``note_seconds`` (plus its release), one value per sample."""
        n_note = max(1, int(round(note_seconds * sample_rate)))
        n_release = max(1, int(round(self.release * sample_rate)))
        t = np.arange(n_note, dtype=np.float32) / sample_rate
        attack = max(self.attack, 1.0 / sample_rate)
        times = (0.0, attack, attack + max(self.decay, 1e-6))
        held = np.interp(t, times, (0.0, 1.0, self.sustain)).astype(np.float32)
        level = float(np.interp(note_seconds, times, (0.0, 1.0, self.sustain)))
        fade = np.linspace(level, 0.0, n_release, dtype=np.float32)
        return np.concatenate([held, fade])


DEFAULT_ENVELOPE = Envelope()


# --------------------------------------------------------------------------- back ends
def find_soundfont() -> Path | None:
    """A General MIDI SoundFont (``.sf2``): ``$MUSICNB_SOUNDFONT``, then the usual places."""
    explicit = os.environ.get("MUSICNB_SOUNDFONT", "").strip()
    if explicit:
        path = Path(explicit).expanduser()
        return path if path.is_file() else None
    for place in _SOUNDFONT_PLACES:
        path = Path(place).expanduser()
        if path.is_file():
            return path
    for folder in ("/usr/share/sounds/sf2", "/usr/share/soundfonts", "~/.local/share/soundfonts"):
        found = (
            sorted(Path(folder).expanduser().glob("*.sf2"))
            if Path(folder).expanduser().is_dir()
            else []
        )
        if found:
            return found[0]
    return None


def _pyfluidsynth():
    try:
        import fluidsynth  # pyfluidsynth
    except Exception:  # not installed, or its C library is missing
        return None
    return fluidsynth if hasattr(fluidsynth, "Synth") else None


def backend() -> str:
    """Which back end :func:`render` uses here: ``"fluidsynth"`` (the program),
    ``"pyfluidsynth"`` (the Python binding) or ``"numpy"`` (the built-in synthesiser)."""
    return _available_backend()


def _available_backend() -> str:
    if find_soundfont() is None:
        return "numpy"
    if shutil.which("fluidsynth"):
        return "fluidsynth"
    if _pyfluidsynth() is not None:
        return "pyfluidsynth"
    return "numpy"


def describe_backend() -> str:
    """One line for :func:`musicnb.doctor`: the back end and the SoundFont it uses."""
    name = backend()
    if name == "numpy":
        return (
            "numpy (built-in synthesiser; install fluidsynth and a General MIDI SoundFont, "
            "or set MUSICNB_SOUNDFONT, for real instruments)"
        )
    return f"{name} with {find_soundfont()}"


def _render_fluidsynth_program(piece: Piece, sample_rate: int, soundfont: Path) -> np.ndarray:
    from . import midi

    with tempfile.TemporaryDirectory(prefix="musicnb-audio-") as folder:
        mid, wav = Path(folder) / "piece.mid", Path(folder) / "piece.wav"
        midi.write(piece, mid)
        command = [
            shutil.which("fluidsynth") or "fluidsynth",
            "-ni",
            "-g",
            "0.8",
            "-r",
            str(sample_rate),
            "-F",
            str(wav),
            str(soundfont),
            str(mid),
        ]
        subprocess.run(command, check=True, capture_output=True, timeout=300)
        samples, rate = read_wav(wav)
    if samples.ndim == 2:
        samples = samples.mean(axis=1)
    if rate != sample_rate:
        raise MusicnbError(f"fluidsynth wrote {rate} Hz instead of {sample_rate} Hz.")
    return samples.astype(np.float32)


def _render_pyfluidsynth(piece: Piece, sample_rate: int, soundfont: Path) -> np.ndarray:
    from .midi import channel_of_part

    fluidsynth = _pyfluidsynth()
    synth = fluidsynth.Synth(samplerate=float(sample_rate))
    try:
        font = synth.sfload(str(soundfont))
        for part in range(max(piece.n_parts, 1)):
            program = piece.programs[part] if part < len(piece.programs) else 0
            synth.program_select(channel_of_part(part), font, 0, program)
        seconds = 60.0 / piece.tempo
        events = []
        for note in piece.notes():
            channel = channel_of_part(note.part)
            events.append((note.start * seconds, 1, channel, note.pitch, note.velocity))
            events.append(((note.start + note.duration) * seconds, 0, channel, note.pitch, 0))
        events.sort()
        chunks, now = [], 0
        for time, is_on, channel, pitch, velocity in events:
            target = int(round(time * sample_rate))
            if target > now:
                chunks.append(np.asarray(synth.get_samples(target - now), np.float32))
                now = target
            if is_on:
                synth.noteon(channel, pitch, velocity)
            else:
                synth.noteoff(channel, pitch)
        chunks.append(np.asarray(synth.get_samples(int(sample_rate)), np.float32))
    finally:
        synth.delete()
    stereo = np.concatenate(chunks).reshape(-1, 2)  # interleaved left/right int16 values
    return (stereo.mean(axis=1) / 32768.0).astype(np.float32)


def _wavetable(harmonics: tuple[float, ...], size: int = 4096) -> np.ndarray:
    phase = np.arange(size) * (2 * np.pi / size)
    table = sum(h * np.sin((k + 1) * phase) for k, h in enumerate(harmonics))
    return (table / np.abs(table).max()).astype(np.float32)


def render_numpy(
    piece: Piece,
    sample_rate: int = SAMPLE_RATE,
    envelope: Envelope = DEFAULT_ENVELOPE,
    harmonics: tuple[float, ...] = HARMONICS,
    tail: float = 0.3,
) -> np.ndarray:
    """Additive synthesis of ``piece`` (see the module text), un-normalised, float32 mono."""
    seconds_per_quarter = 60.0 / piece.tempo
    release = int(round(envelope.release * sample_rate))
    total = int(round((piece.end * seconds_per_quarter + tail) * sample_rate)) + release + 1
    out = np.zeros(max(total, 1), np.float32)
    if piece.n_notes == 0:
        return out
    size = 4096
    table = _wavetable(tuple(harmonics), size)
    onsets = np.rint(piece.start * seconds_per_quarter * sample_rate).astype(np.int64)
    lengths = np.maximum(1, np.rint(piece.duration * seconds_per_quarter * sample_rate)).astype(
        np.int64
    )
    frequency = 440.0 * 2.0 ** ((piece.pitch.astype(np.float64) - 69.0) / 12.0)
    amplitude = (piece.velocity.astype(np.float32) / 127.0) ** 2
    for length in np.unique(lengths):
        env = envelope.curve(length / sample_rate, sample_rate)
        n = len(env)
        ramp = np.arange(n, dtype=np.int64)
        same_length = np.flatnonzero(lengths == length)
        rows_per_block = max(1, _BLOCK_SAMPLES // n)  # bounds memory for long, many notes
        for first in range(0, len(same_length), rows_per_block):
            members = same_length[first : first + rows_per_block]
            # Fixed-point phase, as in a direct digital synthesis oscillator: the table advances
            # f·size/sr positions per sample, held with 20 fractional bits; the top bits index it.
            step = np.rint(frequency[members] * (size / sample_rate) * _PHASE_ONE).astype(np.int64)
            step %= size * _PHASE_ONE  # whole turns of the table change nothing; avoids overflow
            positions = (np.outer(step, ramp) >> _PHASE_BITS) & (size - 1)
            waves = table[positions] * env[None, :] * amplitude[members, None]
            for row, index in enumerate(members):
                begin = onsets[index]
                out[begin : begin + n] += waves[row, : len(out) - begin]
    return out


def check_renderable(piece: Piece) -> None:
    """Raise :class:`MusicnbError` when ``piece`` lasts longer than :data:`MAX_RENDER_SECONDS`."""
    seconds = float(piece.end) * 60.0 / max(float(piece.tempo), 1e-6)
    if seconds > MAX_RENDER_SECONDS:
        raise MusicnbError(
            f"The piece lasts {seconds / 3600:.1f} hours; audio is rendered for "
            f"pieces up to {MAX_RENDER_SECONDS / 60:g} minutes. Render a slice "
            "(piece.slice(...)) or write MIDI only (export(..., wav=False))."
        )


def render(
    piece: Piece,
    sample_rate: int = SAMPLE_RATE,
    *,
    backend: str = "auto",
    soundfont: str | os.PathLike | None = None,
    normalize: bool = True,
    chords: bool = True,
    envelope: Envelope = DEFAULT_ENVELOPE,
    harmonics: tuple[float, ...] = HARMONICS,
) -> np.ndarray:
    """Render ``piece`` to mono float32 samples in ``[-1, 1]`` at ``sample_rate`` Hz.

    ``backend="auto"`` uses FluidSynth when a SoundFont and FluidSynth are found (falling back
    to NumPy, with a warning, if it fails) and the NumPy synthesiser otherwise; ``"numpy"`` or
    ``"fluidsynth"`` force one. With ``normalize`` the loudest sample is scaled to
    :data:`PEAK` (silence stays silence). With ``chords`` the piece's chord labels (if any)
    sound as quiet block chords (:func:`musicnb.midi.with_chord_notes`).
    """
    if not isinstance(piece, Piece):
        raise MusicnbError(f"audio.render needs a musicnb.Piece, got {type(piece).__name__}.")
    if piece.chords:
        from .midi import with_chord_notes

        # the labels now sound as notes (or not at all): none left for a MIDI chord track
        piece = replace(with_chord_notes(piece) if chords else piece, chords=())
    sample_rate = int(sample_rate)
    if not 1000 <= sample_rate <= 192000:
        raise MusicnbError(f"sample_rate must be between 1000 and 192000 Hz, got {sample_rate}.")
    check_renderable(piece)
    if backend not in ("auto", "numpy", "fluidsynth"):
        raise MusicnbError(f"backend must be 'auto', 'numpy' or 'fluidsynth', got {backend!r}.")
    samples = None
    if backend != "numpy":
        font = Path(soundfont).expanduser() if soundfont else find_soundfont()
        chosen = _available_backend() if font is not None else "numpy"
        if backend == "fluidsynth" and (font is None or not font.is_file() or chosen == "numpy"):
            raise MusicnbError(
                "FluidSynth rendering needs the fluidsynth program (or pyfluidsynth) "
                "and a General MIDI SoundFont: install them (e.g. `apt-get install "
                "fluidsynth fluid-soundfont-gm`) or set MUSICNB_SOUNDFONT to an .sf2 "
                "file; backend='numpy' always works."
            )
        if chosen != "numpy" and font is not None and piece.n_notes:
            try:
                render_with = (
                    _render_fluidsynth_program if chosen == "fluidsynth" else _render_pyfluidsynth
                )
                samples = render_with(piece, sample_rate, font)
            except Exception as exc:
                if backend == "fluidsynth":
                    raise MusicnbError(f"FluidSynth failed to render the piece: {exc}") from exc
                warnings.warn(
                    f"FluidSynth failed ({exc}); using the built-in NumPy synthesiser.",
                    RuntimeWarning,
                    stacklevel=2,
                )
    if samples is None:
        samples = render_numpy(piece, sample_rate, envelope=envelope, harmonics=harmonics)
    samples = np.asarray(samples, np.float32)
    if normalize:
        peak = float(np.abs(samples).max()) if samples.size else 0.0
        if peak > 0:
            samples = samples * np.float32(PEAK / peak)
    return np.clip(samples, -1.0, 1.0).astype(np.float32)


# --------------------------------------------------------------------------- WAV files
def to_wav_bytes(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> bytes:
    """16-bit PCM WAV bytes of float ``samples`` in ``[-1, 1]`` (mono ``(n,)`` or ``(n, channels)``)."""
    if isinstance(samples, Piece):
        raise MusicnbError(
            "to_wav_bytes takes audio samples, not a Piece: render it first "
            "(to_wav_bytes(render(piece))), or write a file with write_wav(piece, path)."
        )
    from .validation import whole_number

    sample_rate = whole_number("sample_rate", sample_rate, 1, hint="22050 or 44100 are usual.")
    try:
        samples = np.asarray(samples, dtype=np.float32)
    except (TypeError, ValueError):
        raise MusicnbError(
            f"to_wav_bytes takes an array of float samples, got {type(samples).__name__}."
        ) from None
    if samples.ndim not in (1, 2) or (samples.ndim == 2 and not 1 <= samples.shape[1] <= 8):
        raise MusicnbError(
            f"WAV samples must have shape (n,) or (n, channels), got {samples.shape}."
        )
    if not np.all(np.isfinite(samples)):
        raise MusicnbError("WAV samples contain NaN or infinity; render the piece again.")
    channels = 1 if samples.ndim == 1 else samples.shape[1]
    pcm = np.rint(np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as stream:
        stream.setnchannels(channels)
        stream.setsampwidth(2)
        stream.setframerate(int(sample_rate))
        stream.writeframes(pcm.tobytes())
    return buffer.getvalue()


def read_wav(path: str | os.PathLike) -> tuple[np.ndarray, int]:
    """Read a 16-bit PCM WAV file: ``(float32 samples in [-1, 1], sample_rate)``."""
    try:
        with wave.open(str(path), "rb") as stream:
            width, channels = stream.getsampwidth(), stream.getnchannels()
            rate, frames = stream.getframerate(), stream.readframes(stream.getnframes())
    except (wave.Error, EOFError, OSError) as exc:
        raise MusicnbError(f"Cannot read {path} as a WAV file: {exc}.") from exc
    if width != 2:
        raise MusicnbError(f"{path} holds {8 * width}-bit samples; only 16-bit PCM WAV is read.")
    samples = np.maximum(np.frombuffer(frames, "<i2").astype(np.float32) / 32767.0, -1.0)
    return (samples.reshape(-1, channels) if channels > 1 else samples), rate


def write_wav(
    piece_or_samples: Piece | np.ndarray,
    path: str | os.PathLike,
    sample_rate: int = SAMPLE_RATE,
    **render_options: Any,
) -> Path:
    """Write a piece (rendered with :func:`render`) or samples as a WAV file, atomically."""
    if isinstance(piece_or_samples, Piece):
        samples = render(piece_or_samples, sample_rate, **render_options)
    else:
        samples = piece_or_samples
    data = to_wav_bytes(samples, sample_rate)
    return write_bytes(path, data)


def play(
    piece_or_samples: Piece | np.ndarray,
    sample_rate: int = SAMPLE_RATE,
    autoplay: bool = False,
    **render_options: Any,
):
    """An ``IPython.display.Audio`` player for a piece or samples (WAV embedded as base64).

    Display it as the last expression of a cell; it works in JupyterLab, Colab and VS Code.
    """
    from IPython.display import Audio

    if isinstance(piece_or_samples, Piece):
        samples = render(piece_or_samples, sample_rate, **render_options)
    else:
        samples = np.asarray(piece_or_samples, np.float32)
    return Audio(data=to_wav_bytes(samples, sample_rate), autoplay=autoplay)

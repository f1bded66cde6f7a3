"""The models behind the studio: one engine per model family, chosen by what the run folder holds.

Two kinds of engine:

* **token engines** (:class:`SamplerEngine`: next-event and note/chord-token models) have
  ``vocab_size``, ``encoder`` and ``generate_chunk(primers, length, *, temperature, top_k,
  top_p, seed, key)``; the generation function calls them chunk by chunk (the :class:`Engine`
  protocol, unchanged, so a test can swap in a fake).
* **piece engines** (melody-and-harmony, pitch regression, biaxial) write whole pieces:
  ``generate_pieces(primer, settings, *, cancelled, progress)`` returns one
  :class:`PieceStreams`. They call the models' own generation functions by their public names
  and pass the knobs through, so a change of a model's default generation rule reaches the
  studio unchanged.

Every engine says which knobs it has (:attr:`knobs`); the view shows only those.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..encoders.interface import Encoder, RepairingTokenEncoder
from ..errors import CheckpointError, MusicnbError
from ..piece import Piece

__all__ = [
    "Engine",
    "SamplerEngine",
    "MelodyHarmonyEngine",
    "PitchRegressionEngine",
    "BiaxialEngine",
    "PieceStreams",
    "Cancelled",
    "check_run_folder",
    "run_family",
    "engine_for_run",
    "TOKEN_KNOBS",
    "FAMILY_NAMES",
]

TOKEN_KNOBS = ("temperature", "top_k", "top_p", "length", "streams", "key")
FAMILY_NAMES = {
    "next_event": "next-event / token model",
    "melody_harmony": "melody and harmony",
    "pitch_regression": "pitch regression",
    "biaxial": "biaxial RNN (polyphonic)",
}


class Cancelled(Exception):
    """Raised inside a generation when the Cancel flag was set between two steps or chunks."""


class Engine(Protocol):
    """What the studio needs from a token model: its vocabulary, encoder, and a chunk sampler."""

    name: str
    info: dict

    @property
    def vocab_size(self) -> int: ...

    @property
    def encoder(self) -> RepairingTokenEncoder: ...

    def generate_chunk(
        self,
        primers: np.ndarray,
        length: int,
        *,
        temperature: float,
        top_k: int | None,
        top_p: float | None,
        seed: int,
        key: str | None,
    ) -> np.ndarray:
        """``(streams, length)`` tokens continuing each row of ``primers`` ``(streams, T)``."""


@dataclass
class PieceStreams:
    """What a piece engine wrote: per stream the primer then the model's part, and the real
    continuation of the primer (for the A/B) when there is one."""

    pieces: list[Piece]
    primer_quarters: float = 0.0
    continuation: Piece | None = None
    notes: list[int] = field(default_factory=list)  # new notes per stream
    key: str | None = None


def check_run_folder(path: str | Path) -> Path:
    """The folder if it holds a saved training run, else a :class:`MusicnbError` saying why."""
    from ..training import BEST_FILE, LAST_FILE, RUN_FILE

    text = str(path).strip()
    if not text:
        raise MusicnbError(
            "Type the path of a run folder (one that holds run.json and "
            "best.keras, written by musicnb.train) and press 'Use folder'."
        )
    folder = Path(text).expanduser()
    if not folder.exists():
        raise MusicnbError(
            f"There is no folder {folder}. Check the path; runs saved by the course "
            "notebooks are under musicnb.runs_dir()."
        )
    if not folder.is_dir():
        raise MusicnbError(
            f"{folder} is a file, not a run folder. Choose the folder that holds "
            "run.json and best.keras."
        )
    if not (folder / BEST_FILE).exists() and not (folder / LAST_FILE).exists():
        raise MusicnbError(
            f"{folder} is not a training run: it has no {BEST_FILE} or {LAST_FILE}. "
            "Train a model with musicnb.train(..., run_dir=...) and choose that folder."
        )
    if not (folder / RUN_FILE).exists():
        raise MusicnbError(
            f"{folder} has a checkpoint but no {RUN_FILE}; it was not written by "
            "musicnb.train, so the studio does not know how to read it."
        )
    return folder


def _run_record(folder: Path) -> dict:
    from ..training import read_run_record

    return read_run_record(folder, strict=False)


def run_family(folder: str | Path) -> str:
    """The model family of a run folder, from its record and encoder: ``next_event``,
    ``melody_harmony``, ``pitch_regression`` or ``biaxial``; ``"unknown"`` otherwise."""
    folder = Path(folder)
    record = _run_record(folder)
    recorded_info = record.get("info")
    info: dict = recorded_info if isinstance(recorded_info, dict) else {}
    words = " ".join(
        str(x)
        for x in (
            info.get("kind", ""),
            record.get("builder", ""),
            record.get("kind", ""),
            record.get("model_name", ""),
        )
    )
    try:
        encoder = json.loads((folder / "encoder.json").read_text())
    except (OSError, ValueError):
        encoder = {}
    if not isinstance(encoder, dict):
        encoder = {}
    encoder_type = str(encoder.get("type") or encoder.get("class") or encoder.get("name") or "")
    for family, needles in (
        ("melody_harmony", ("melody_harmony", "MelodyHarmony")),
        ("pitch_regression", ("pitch_regression", "NoteEvent")),
        ("biaxial", ("biaxial", "per_note_baseline", "PianoRoll")),
    ):
        if any(n in words or n in encoder_type for n in needles):
            return family
    if any(n in encoder_type for n in ("EventEncoder", "NoteChordToken")) or record.get("builder"):
        return "next_event"
    return "unknown"


def _load_error(folder: Path, exc: BaseException) -> MusicnbError:
    return MusicnbError(
        f"Could not load the model in {folder} ({type(exc).__name__}: "
        f"{str(exc)[:300]}). The checkpoint may be damaged or written by "
        "another version; train the run again."
    )


# ---------------------------------------------------------------- token models
@dataclass
class SamplerEngine:
    """Next-event and note/chord-token models: a :class:`musicnb.Sampler` from a run folder."""

    sampler: Any
    name: str = "model"
    info: dict = field(default_factory=dict)
    family: str = "next_event"
    knobs: tuple[str, ...] = TOKEN_KNOBS

    @classmethod
    def from_run(cls, run_dir: str | Path) -> SamplerEngine:
        from ..sampling import Sampler

        folder = check_run_folder(run_dir)
        try:
            sampler = Sampler.from_run(folder)
        except CheckpointError as exc:
            raise _load_error(folder, exc.__cause__ or exc) from exc
        except MusicnbError:
            raise
        except Exception as exc:  # a damaged or foreign checkpoint: say so in one sentence
            raise _load_error(folder, exc) from exc
        if sampler.encoder is None or not hasattr(sampler.encoder, "decode_with_repairs"):
            raise MusicnbError(
                f"The run {folder.name} has no encoder.json, so its tokens cannot "
                "be turned back into notes. Train it with musicnb.train(..., "
                "encoder=encoder)."
            )
        info = dict(getattr(getattr(sampler, "run", None), "info", {}) or {})
        return cls(sampler=sampler, name=folder.name, info=info)

    @property
    def vocab_size(self) -> int:
        return int(self.sampler.vocab_size)

    @property
    def encoder(self) -> Any:
        return self.sampler.encoder

    def generate_chunk(
        self,
        primers: np.ndarray,
        length: int,
        *,
        temperature: float,
        top_k: int | None,
        top_p: float | None,
        seed: int,
        key: str | None,
    ) -> np.ndarray:
        return self.sampler.generate(
            primers,
            length,
            temperature=temperature,
            top_k=top_k,
            top_p=top_p,
            streams=primers.shape[0],
            seed=seed,
            key=key,
        )


def _accepted(function: Callable[..., Any], knobs: dict[str, Any]) -> dict[str, Any]:
    """The knobs ``function`` takes (so a model's generator can gain or lose one)."""
    parameters = inspect.signature(function).parameters
    if any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
        return dict(knobs)
    return {k: v for k, v in knobs.items() if k in parameters}


def _primer_slice(piece: Piece, quarters: float) -> Piece:
    return piece.slice(0, quarters) if quarters > 0 else piece


def _stream_seed(seed: int, stream: int) -> int:
    return (int(seed) * 7919 + stream) % (2**31 - 1)


# ---------------------------------------------------------------- melody and harmony
CHORDS_GENERATED = "generated by the model"
CHORDS_PRIMER = "held to the primer's chords"
CHORDS_PROGRESSION = "a chosen progression"


@dataclass
class MelodyHarmonyEngine:
    """Zimmerman's melody-and-harmony LSTM: melody and chords generated together, or the
    melody generated over given chords (the primer's, or a chosen progression), as his
    sampler allowed. Calls :class:`musicnb.models.melody_harmony.MelodyHarmonySampler`."""

    sampler: Any
    name: str = "model"
    info: dict = field(default_factory=dict)
    family: str = "melody_harmony"
    knobs: tuple[str, ...] = (
        "temperature",
        "top_k",
        "top_p",
        "length",
        "streams",
        "chords",
        "progression",
        "key",
    )

    @classmethod
    def from_run(cls, run_dir: str | Path) -> MelodyHarmonyEngine:
        from ..models.melody_harmony import MelodyHarmonySampler

        folder = check_run_folder(run_dir)
        try:
            sampler = MelodyHarmonySampler.from_run(folder)
        except CheckpointError as exc:
            raise _load_error(folder, exc.__cause__ or exc) from exc
        except MusicnbError:
            raise
        except Exception as exc:
            raise _load_error(folder, exc) from exc
        return cls(sampler=sampler, name=folder.name, info=_run_record(folder).get("info", {}))

    @property
    def encoder(self) -> Any:
        return self.sampler.encoder

    def generate_pieces(
        self,
        primer: Piece | None,
        settings: dict,
        *,
        cancelled: Callable[[], bool],
        progress: Callable[[int, int], None],
    ) -> PieceStreams:
        encoder = self.encoder
        length, streams = int(settings["length"]), int(settings["streams"])
        steps_per_quarter = int(getattr(encoder, "steps_per_quarter", 4) or 4)
        tempo = float(getattr(primer, "tempo", 100.0) or 100.0) if primer is not None else 100.0
        primer_pair, continuation, quarters = None, None, 0.0
        given: list[str] | None = None
        if primer is not None:
            try:
                melody, chords = encoder.encode(primer)
            except MusicnbError as exc:
                raise MusicnbError(
                    f"The primer {primer.title!r} cannot be encoded for this model: {exc}"
                ) from exc
            if len(melody) < 2:
                raise MusicnbError(
                    f"The primer {primer.title!r} has no melody this model can "
                    "read. Choose another primer."
                )
            steps = min(int(settings["primer_steps"]), len(melody) - 1)
            primer_pair = (melody[:steps], chords[:steps])
            quarters = steps / steps_per_quarter
            rest_m, rest_c = melody[steps : steps + length], chords[steps : steps + length]
            if len(rest_m):
                continuation = encoder.decode(
                    np.concatenate([melody[:steps], rest_m]),
                    np.concatenate([chords[:steps], rest_c]),
                    tempo=tempo,
                    title="real continuation",
                    chord_notes=True,
                )
            if settings.get("chords") == CHORDS_PRIMER:
                held = chords[steps : steps + length] if len(rest_c) else chords[:steps]
                given = [encoder.chord_vocabulary[int(c)] for c in held]
        elif settings.get("chords") == CHORDS_PRIMER:
            raise MusicnbError(
                "'held to the primer's chords' needs a primer: choose a test "
                "piece or upload a MIDI file, or let the model write the chords."
            )
        knobs = {
            "temperature": max(float(settings["temperature"]), 1e-3),
            "top_k": settings.get("top_k"),
            "top_p": settings.get("top_p"),
        }
        if settings.get("chords") == CHORDS_PROGRESSION:
            text = str(settings.get("progression") or "").strip()
            if not text:
                raise MusicnbError(
                    "Type a progression such as I-vi-IV-V or C-Am-F-G, or let the "
                    "model write the chords."
                )
            knobs.update(
                progression=text,
                key=settings.get("key") or "C major",
                bars=max(1, length // (4 * steps_per_quarter)),
                steps_per_bar=4 * steps_per_quarter,
            )
        elif given is not None:
            knobs.update(progression=given, bars=len(given), steps_per_bar=1)
        pieces, notes = [], []
        for stream in range(streams):
            if cancelled():
                raise Cancelled(
                    f"Cancelled after {stream} of {streams} streams; nothing was "
                    "changed. Press Generate to start again."
                )
            try:
                melody, chords = self.sampler.generate(
                    length=length,
                    primer=primer_pair,
                    streams=1,
                    seed=_stream_seed(settings["seed"], stream),
                    **knobs,
                )
            except MusicnbError:
                raise
            except Exception as exc:
                raise MusicnbError(
                    f"The melody-and-harmony model could not generate with these "
                    f"settings ({type(exc).__name__}: {str(exc)[:200]})."
                ) from exc
            full_m = (
                melody[0] if primer_pair is None else np.concatenate([primer_pair[0], melody[0]])
            )
            full_c = (
                chords[0] if primer_pair is None else np.concatenate([primer_pair[1], chords[0]])
            )
            piece = encoder.decode(
                full_m, full_c, tempo=tempo, title=f"stream {stream + 1}", chord_notes=True
            )
            own = encoder.decode(melody[0], chords[0], tempo=tempo)
            pieces.append(piece)
            notes.append(int(np.sum(own.part == 0)) if own.n_notes else 0)
            progress((stream + 1) * length, streams * length)
        return PieceStreams(pieces, quarters, continuation, notes)


# ---------------------------------------------------------------- pitch regression
@dataclass
class PitchRegressionEngine:
    """The (pitch, velocity, Δt) regression LSTM of *Long Short-Tunes Memory*: rolled forward
    by :func:`musicnb.models.pitch_regression.generate_note_events`. Its knobs: the noise
    added to each prediction (× the training standard deviation), the number of notes, and
    whether Δt is rounded to 16ths."""

    model: Any
    encoder: Encoder
    name: str = "model"
    info: dict = field(default_factory=dict)
    family: str = "pitch_regression"
    knobs: tuple[str, ...] = ("noise", "notes", "streams", "dt_grid")

    @classmethod
    def from_run(cls, run_dir: str | Path) -> PitchRegressionEngine:
        from ..training import load_run

        folder = check_run_folder(run_dir)
        try:
            run = load_run(folder)
        except CheckpointError as exc:
            raise _load_error(folder, exc.__cause__ or exc) from exc
        except MusicnbError:
            raise
        except Exception as exc:
            raise _load_error(folder, exc) from exc
        encoder = run.encoder
        if encoder is None:
            from ..encoders import NoteEventEncoder

            encoder = NoteEventEncoder(part=0)
        return cls(
            model=run.model, encoder=encoder, name=folder.name, info=run.info.get("info", {})
        )

    @property
    def lookback(self) -> int:
        return int(self.model.input_shape[1])

    def generate_pieces(
        self,
        primer: Piece | None,
        settings: dict,
        *,
        cancelled: Callable[[], bool],
        progress: Callable[[int, int], None],
    ) -> PieceStreams:
        from ..models.pitch_regression import generate_note_events

        if primer is None:
            raise MusicnbError(
                f"The pitch-regression model continues a melody: choose a primer "
                f"with at least {self.lookback} notes (a test piece or an upload)."
            )
        events = np.asarray(self.encoder.encode(primer), np.float32)
        if len(events) < self.lookback:
            raise MusicnbError(
                f"The primer {primer.title!r} has {len(events)} notes in the melody "
                f"part; this model needs at least {self.lookback}. Choose another."
            )
        n_primer = max(self.lookback, min(int(settings.get("primer_notes", 8)), len(events)))
        head = events[:n_primer]
        n_notes, streams = int(settings["notes"]), int(settings["streams"])
        tempo = float(getattr(primer, "tempo", 100.0) or 100.0)
        quarters = float(np.sum(head[:, 2]))
        rest = events[n_primer : n_primer + n_notes]
        continuation = (
            self.encoder.decode(
                np.concatenate([head, rest]), tempo=tempo, title="real continuation"
            )
            if len(rest)
            else None
        )
        pieces = []
        for stream in range(streams):
            if cancelled():
                raise Cancelled(
                    f"Cancelled after {stream} of {streams} streams; nothing was "
                    "changed. Press Generate to start again."
                )
            knobs = _accepted(
                generate_note_events,
                {
                    "noise": float(settings["noise"]),
                    "seed": _stream_seed(settings["seed"], stream),
                    "dt_grid": 0.25 if settings.get("dt_grid", True) else None,
                },
            )
            generated = generate_note_events(self.model, head, n_notes, **knobs)
            pieces.append(
                self.encoder.decode(
                    np.concatenate([head, generated]), tempo=tempo, title=f"stream {stream + 1}"
                )
            )
            progress(stream + 1, streams)
        return PieceStreams(pieces, quarters, continuation, [n_notes] * streams)


# ---------------------------------------------------------------- biaxial
@dataclass
class BiaxialEngine:
    """Johnson's biaxial RNN: polyphonic piano rolls from
    :class:`musicnb.models.biaxial_rnn.BiaxialGenerator`, every stream in one call. Knobs:
    temperature, conservativity (as Johnson defined it, when the generator takes it), the
    minimum notes per step, and the length in bars."""

    generator: Any
    encoder: Encoder
    name: str = "model"
    info: dict = field(default_factory=dict)
    family: str = "biaxial"

    @classmethod
    def from_run(cls, run_dir: str | Path) -> BiaxialEngine:
        from ..models.biaxial_rnn import BiaxialGenerator
        from ..training import load_run

        folder = check_run_folder(run_dir)
        try:
            run = load_run(folder)
            generator = BiaxialGenerator(run.model)
        except CheckpointError as exc:
            raise _load_error(folder, exc.__cause__ or exc) from exc
        except MusicnbError:
            raise
        except Exception as exc:
            raise _load_error(folder, exc) from exc
        encoder = run.encoder
        if encoder is None:
            from ..encoders import PianoRollEncoder

            encoder = PianoRollEncoder(
                low=generator.low,
                high=generator.low + generator.n_notes - 1,
                steps_per_quarter=generator.steps_per_quarter,
            )
        return cls(
            generator=generator, encoder=encoder, name=folder.name, info=run.info.get("info", {})
        )

    @property
    def knobs(self) -> tuple[str, ...]:
        names = ["temperature", "min_notes", "bars", "streams"]
        if "conservativity" in inspect.signature(self.generator.generate).parameters:
            names.insert(1, "conservativity")
        return tuple(names)

    @property
    def steps_per_bar(self) -> int:
        return 4 * int(self.generator.steps_per_quarter)

    def generate_pieces(
        self,
        primer: Piece | None,
        settings: dict,
        *,
        cancelled: Callable[[], bool],
        progress: Callable[[int, int], None],
    ) -> PieceStreams:
        length = int(settings["bars"]) * self.steps_per_bar
        streams = int(settings["streams"])
        tempo = float(getattr(primer, "tempo", 90.0) or 90.0) if primer is not None else 90.0
        head = np.zeros((0, self.generator.n_notes, 2), np.uint8)
        continuation = None
        if primer is not None:
            roll = np.asarray(self.encoder.encode(primer), np.uint8)
            if roll.ndim != 3 or roll.shape[1:] != (self.generator.n_notes, 2):
                raise MusicnbError(
                    f"The primer {primer.title!r} cannot be encoded in this model's "
                    f"range of {self.generator.n_notes} notes."
                )
            if not roll[..., 0].any():
                raise MusicnbError(
                    f"The primer {primer.title!r} has no notes in this model's "
                    "range. Choose another primer."
                )
            steps = min(int(settings["primer_steps"]), len(roll))
            head = roll[:steps]
            if len(roll) > steps:
                continuation = self.encoder.decode(
                    roll[: steps + length], tempo=tempo, title="real continuation"
                )
        knobs = {
            "temperature": max(float(settings["temperature"]), 1e-3),
            "min_notes": int(settings["min_notes"]),
        }
        if "conservativity" in settings:
            knobs["conservativity"] = float(settings["conservativity"])
        knobs = _accepted(self.generator.generate, knobs)
        if cancelled():
            raise Cancelled("Cancelled before the first step; nothing was changed.")
        progress(0, length)
        # All streams in one call of the generator (the note axis runs once per step for every
        # stream together): twice as fast for 2 streams as stream by stream, at the price of a
        # Cancel that takes effect when the call returns.
        done = np.asarray(
            self.generator.generate(
                length,
                streams=streams,
                primer=head if len(head) else None,
                seed=_stream_seed(settings["seed"], 0),
                **knobs,
            ),
            np.uint8,
        )
        if cancelled():
            raise Cancelled(
                f"Cancelled after {length} steps; nothing was changed. Press "
                "Generate to start again."
            )
        progress(length, length)
        pieces = [
            self.encoder.decode(
                np.concatenate([head, done[i]]), tempo=tempo, title=f"stream {i + 1}"
            )
            for i in range(streams)
        ]
        notes = [int(np.sum(done[i][..., 1])) for i in range(streams)]
        quarters = len(head) / float(self.generator.steps_per_quarter)
        return PieceStreams(pieces, quarters, continuation, notes)


# ---------------------------------------------------------------- choosing the engine
ENGINE_CLASSES: dict[str, Any] = {
    "next_event": SamplerEngine,
    "melody_harmony": MelodyHarmonyEngine,
    "pitch_regression": PitchRegressionEngine,
    "biaxial": BiaxialEngine,
}


def engine_for_run(run_dir: str | Path) -> Any:
    """The engine for a run folder, chosen by its family (:func:`run_family`)."""
    folder = check_run_folder(run_dir)
    family = run_family(folder)
    if family not in ENGINE_CLASSES:
        raise MusicnbError(
            f"The run {folder.name} is of a model family the studio does not know "
            "(its run.json names no builder or kind it can drive); choose a run "
            "written by the course notebooks."
        )
    return ENGINE_CLASSES[family].from_run(folder)


#: The engines that write whole pieces (melody and chords, note events, piano rolls).
PieceEngine = MelodyHarmonyEngine | PitchRegressionEngine | BiaxialEngine
#: Every engine the studio can hold, one per model family.
StudioEngine = SamplerEngine | PieceEngine

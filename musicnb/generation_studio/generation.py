"""One press of Generate, as a pure function: engine + settings + primer -> :class:`GenerationResult`.

:func:`generate` has no widgets in it. It takes a ``cancelled()`` flag, checked between two
chunks (or streams), and a ``progress(done, total, text)`` callback; the studio's view passes
its Cancel event and its progress bar, a test or a bench passes plain functions.

Token engines (:class:`~musicnb.generation_studio.engines.Engine`) are driven here in chunks of ``chunk``
steps: each chunk primes the sampler with the primer plus what each stream has written so far,
seed ``seed + chunk index``, so the same seed still gives the same notes. Piece engines
(melody-and-harmony, pitch regression, biaxial) chunk their own loop and write pieces.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from ..errors import MusicnbError
from ..piece import Piece
from .engines import Cancelled, Engine, PieceEngine, PieceStreams, StudioEngine
from .render import diagnostics_columns, piece_diagnostics

__all__ = [
    "generate",
    "GenerationResult",
    "NO_KEY",
    "PRIMER_KEY",
    "KEY_CHOICES",
    "MAX_SEED",
    "resolve_key",
]

NO_KEY = "none (any note)"
PRIMER_KEY = "the primer's key"
KEY_CHOICES: tuple[str, ...] = (NO_KEY, PRIMER_KEY) + tuple(
    f"{tonic} {mode}"
    for mode in ("major", "minor")
    for tonic in ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
)
MAX_SEED = 2**31 - 2


@dataclass
class GenerationResult:
    """Everything one press of Generate produced (kept on ``Studio.result``)."""

    tokens: np.ndarray | None  # (streams, length) generated tokens (token engines)
    pieces: list[Piece]  # per stream: the primer, then what the model wrote
    repairs: list[int]  # impossible generated tokens repaired, per stream
    primer_tokens: np.ndarray | None  # (T,) the primer (token engines)
    continuation: Piece | None  # the primer, then what the real piece did next
    settings: dict  # the knob values used (key resolved)
    diagnostics: dict[str, dict[str, Any]] = field(default_factory=dict)  # generated part only
    seconds: float = 0.0
    primer_quarters: float = 0.0  # where the primer ends in the pieces
    notes: list[int] = field(default_factory=list)  # new notes per stream
    family: str = "next_event"
    key_note: str = ""  # which key was used and why, for the message
    diagnostics_notes: list[str] = field(default_factory=list)


def _noop_progress(done: int, total: int, text: str = "") -> None:
    return None


def resolve_key(
    choice: str | None, encoder: Any, primer_piece: Piece | None, primer_tokens: np.ndarray | None
) -> tuple[str | None, str]:
    """The key constraint and a sentence saying which key that is.

    ``none`` -> no constraint; a named key -> that key; the primer's key -> its written key
    (moved with the encoder's transposition), else the Krumhansl-Schmuckler estimate."""
    if not choice or choice == NO_KEY:
        return None, ""
    if choice != PRIMER_KEY:
        return choice, f"key {choice}"
    if primer_piece is None:
        raise MusicnbError(
            "'the primer's key' needs a primer: choose a test piece or upload a "
            "MIDI file, or pick a key from the list (or 'none')."
        )
    from ..harmony import estimate_key, semitones_to_c_or_a, transpose_key_name

    if primer_piece.key:
        if getattr(encoder, "transpose", False):
            moved = transpose_key_name(primer_piece.key, semitones_to_c_or_a(primer_piece.key))
            return moved, (
                f"key {moved} (the primer's written key {primer_piece.key}, moved as "
                "the model's training data was)"
            )
        return primer_piece.key, f"key {primer_piece.key} (the primer's written key)"
    decoded = (
        encoder.decode(primer_tokens)
        if primer_tokens is not None and primer_tokens.size > 1
        else primer_piece
    )
    found = estimate_key(decoded.pitch, decoded.duration) if decoded.n_notes else None
    if not found:
        raise MusicnbError(
            "The primer's key is unknown and cannot be estimated (it has too "
            "few notes); choose a key from the list or 'none'."
        )
    return found, f"key {found} (estimated from the primer's notes)"


def _primer_tokens(
    encoder: Any, piece: Piece | None, primer_steps: int, length: int
) -> tuple[np.ndarray, np.ndarray | None, float]:
    if piece is None:
        return np.zeros(1, dtype=np.int32), None, 120.0
    try:
        tokens = np.asarray(encoder.encode(piece), dtype=np.int32)
    except MusicnbError as exc:
        raise MusicnbError(
            f"The primer {piece.title!r} cannot be encoded for this model: {exc}"
        ) from exc
    except Exception as exc:
        raise MusicnbError(
            f"The primer {piece.title!r} cannot be encoded in this run's "
            f"vocabulary ({type(exc).__name__}: {str(exc)[:200]}). Choose another "
            "primer."
        ) from exc
    if tokens.size == 0:
        raise MusicnbError(
            f"The primer {piece.title!r} has no notes this model can read "
            "(outside its range or in another part). Choose another primer."
        )
    steps = min(int(primer_steps), len(tokens))
    rest = tokens[steps : steps + length]
    tempo = float(getattr(piece, "tempo", 120.0) or 120.0)
    return tokens[:steps], (rest if rest.size else None), tempo


def generate(
    engine: StudioEngine,
    settings: dict,
    primer_piece: Piece | None = None,
    *,
    reference_tokens: Sequence[np.ndarray] = (),
    chunk: int = 64,
    cancelled: Callable[[], bool] = lambda: False,
    progress: Callable[..., None] = _noop_progress,
) -> GenerationResult:
    """Run one generation. ``settings`` holds the knob values (see ``Studio.settings``);
    ``reference_tokens``: the training pieces encoded for this engine (token engines' diagnostics).
    Raises :class:`Cancelled` when ``cancelled()`` turns true, :class:`MusicnbError` on bad input."""
    if hasattr(engine, "generate_pieces"):  # the families that write whole pieces
        return _generate_pieces(
            cast(PieceEngine, engine), settings, primer_piece, cancelled, progress
        )
    return _generate_tokens(
        cast(Engine, engine), settings, primer_piece, reference_tokens, chunk, cancelled, progress
    )


def _generate_pieces(
    engine: PieceEngine,
    settings: dict,
    primer_piece: Piece | None,
    cancelled: Callable[[], bool],
    progress: Callable[..., None],
) -> GenerationResult:
    settings = dict(settings)
    key_note = ""
    if "key" in getattr(engine, "knobs", ()) and settings.get("chords") == "a chosen progression":
        key, key_note = resolve_key(settings.get("key"), engine.encoder, primer_piece, None)
        settings["key"] = key or "C major"
    progress(0, 1, "generating…")
    streams: PieceStreams = engine.generate_pieces(
        primer_piece,
        settings,
        cancelled=cancelled,
        progress=lambda done, total: progress(done, total, f"{done}/{total}"),
    )
    if cancelled():
        raise Cancelled("Cancelled at the end; nothing was changed.")
    result = GenerationResult(
        tokens=None,
        pieces=streams.pieces,
        repairs=[0] * len(streams.pieces),
        primer_tokens=None,
        continuation=streams.continuation,
        settings=settings,
        primer_quarters=streams.primer_quarters,
        notes=list(streams.notes),
        family=getattr(engine, "family", ""),
        key_note=key_note,
    )
    result.diagnostics = piece_diagnostics(
        streams.pieces,
        streams.continuation,
        streams.primer_quarters,
        settings.get("key") if key_note else None,
    )
    return result


def _generate_tokens(
    engine: Engine,
    settings: dict,
    primer_piece: Piece | None,
    reference_tokens: Sequence[np.ndarray],
    chunk: int,
    cancelled: Callable[[], bool],
    progress: Callable[..., None],
) -> GenerationResult:
    settings = dict(settings)
    encoder = engine.encoder
    length, streams, seed = int(settings["length"]), int(settings["streams"]), int(settings["seed"])
    primer, continuation_tokens, tempo = _primer_tokens(
        encoder, primer_piece, settings.get("primer_steps", 32), length
    )
    key, key_note = resolve_key(
        settings.get("key"), encoder, primer_piece, primer if primer_piece is not None else None
    )
    if settings.get("top_k") is not None and settings["top_k"] > engine.vocab_size:
        settings["top_k"] = engine.vocab_size
    progress(0, length, "starting…")
    done = np.zeros((streams, 0), dtype=np.int32)
    context = np.tile(primer[None, :], (streams, 1))
    chunk_index = 0
    chunk = max(1, int(chunk))
    while done.shape[1] < length:
        if cancelled():
            raise Cancelled(
                f"Cancelled after {done.shape[1]} of {length} steps; nothing "
                "was changed. Press Generate to start again."
            )
        n = min(chunk, length - done.shape[1])
        tokens = np.asarray(
            engine.generate_chunk(
                np.concatenate([context, done], axis=1),
                n,
                temperature=settings["temperature"],
                top_k=settings.get("top_k"),
                top_p=settings.get("top_p"),
                seed=(seed + chunk_index) % (MAX_SEED + 1),
                key=key,
            ),
            dtype=np.int32,
        )
        if tokens.shape != (streams, n):
            raise MusicnbError(
                f"The model returned tokens of shape {tokens.shape}, expected {(streams, n)}."
            )
        done = np.concatenate([done, tokens], axis=1)
        chunk_index += 1
        progress(done.shape[1], length, f"{done.shape[1]}/{length} steps")
    if cancelled():
        raise Cancelled("Cancelled at the end; nothing was changed.")
    progress(length, length, "decoding…")
    # Decode primer + stream together, so a hold right after the primer continues the
    # primer's last note instead of counting as a repair; the primer's own repairs are subtracted.
    primer_repairs = int(encoder.decode_with_repairs(primer, tempo=tempo)[1])
    pieces, repairs = [], []
    for i, row in enumerate(done):
        piece, n_repairs = encoder.decode_with_repairs(
            np.concatenate([primer, row]), tempo=tempo, title=f"stream {i + 1}"
        )
        pieces.append(piece)
        repairs.append(int(n_repairs) - primer_repairs)
    continuation = None
    if continuation_tokens is not None:
        continuation = encoder.decode_with_repairs(
            np.concatenate([primer, continuation_tokens]), tempo=tempo, title="real continuation"
        )[0]
    steps_per_quarter = getattr(encoder, "steps_per_quarter", None)
    result = GenerationResult(
        tokens=done,
        pieces=pieces,
        repairs=repairs,
        primer_tokens=primer,
        continuation=continuation,
        settings={**settings, "key": key},
        primer_quarters=(
            len(primer) / steps_per_quarter
            if steps_per_quarter and primer_piece is not None
            else 0.0
        ),
        family=getattr(engine, "family", "next_event"),
        key_note=key_note,
    )
    try:
        columns, notes = diagnostics_columns(
            done, continuation_tokens, list(reference_tokens), encoder, key
        )
    except (AttributeError, TypeError, ValueError):
        # token diagnostics need an encoder that names each token's pitch (next-event ones);
        # others (note/chord tokens) get the diagnostics read from the decoded notes
        columns = piece_diagnostics(pieces, continuation, result.primer_quarters, key)
        notes = ["diagnostics read from the decoded notes"]
    result.diagnostics, result.diagnostics_notes = columns, notes
    result.notes = [
        int(columns.get(f"stream {i + 1}", {}).get("notes", p.n_notes))
        for i, p in enumerate(pieces)
    ]
    return result

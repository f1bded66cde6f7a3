"""Diagnostics of generated melodies, and how they compare with the training music.

A low loss does not say whether generated music is *musical*; these numbers catch the usual
failures of sampling (a note repeated forever, a loop the model cannot leave, random notes
from every key) and say how far the output is from the statistics of real tunes. They follow
the objective metrics of the GAN and Transformer music papers:

====================  =====================================================================
metric                meaning (per stream, over the onset notes of the line)
====================  =====================================================================
notes                 number of notes struck
repetition_rate       share of notes with the same pitch as the note before
                      (argmax decoding drives it towards 1)
distinct_pitches      number of different MIDI pitches used
longest_loop          longest stretch of tokens ``s`` that occurs twice back to back
                      (``s s``: a tandem repeat), in grid steps; 0 when none
pitch_class_entropy   Shannon entropy ``H = -Σ p_c log2 p_c`` (bits) of the pitch-class
                      histogram: 0 for one pitch class, log2(12) ≈ 3.58 for all twelve
                      equally (Wu & Yang 2020, "The Jazz Transformer on the Front Line")
scale_consistency     share of notes inside the best-fitting major/natural-minor scale
                      (Mogren 2016, C-RNN-GAN; Dong et al. 2018, MuseGAN "in-scale" rate)
best_scale            that scale, e.g. "G major"
in_key                share of notes inside the scale of ``key=`` (only when given)
rest_share            share of grid steps that are rests
====================  =====================================================================

:func:`compare_to_training` computes the same numbers on excerpts of the training tunes cut
to the generated length (most numbers grow with length, so only equal lengths compare fairly)
and puts them side by side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import MusicnbError

Ints = Sequence[int] | np.ndarray  # a list of token ids / MIDI pitches, or an integer array

METRICS = (
    "notes",
    "repetition_rate",
    "distinct_pitches",
    "longest_loop",
    "pitch_class_entropy",
    "scale_consistency",
    "rest_share",
)


# ---------------------------------------------------------------------- single measures
def longest_tandem_repeat(tokens: Ints) -> int:
    """Length ``L`` of the longest block that occurs twice in a row (``s s`` with ``len(s) = L``).

    For each period ``L`` the positions with ``a[i] == a[i + L]`` are found at once; a run of
    at least ``L`` such positions is a block repeated back to back. ``O(n²)`` comparisons, done
    as ``n/2`` vectorised NumPy operations.

    >>> longest_tandem_repeat([1, 2, 3, 1, 2, 3, 9])
    3
    """
    a = np.asarray(tokens).reshape(-1)
    n = len(a)
    best = 0
    for period in range(1, n // 2 + 1):
        equal = a[:-period] == a[period:]
        if equal.sum() < period:
            continue
        # longest run of True
        padded = np.concatenate([[False], equal, [False]])
        edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
        if len(edges) and (edges[1::2] - edges[::2]).max() >= period:
            best = period
    return int(best)


def pitch_class_entropy(pitches: Ints) -> float:
    """Entropy in bits of the pitch-class histogram (0 when there are no notes)."""
    p = np.asarray(pitches, dtype=np.int64).reshape(-1)
    if p.size == 0:
        return 0.0
    counts = np.bincount(p % 12, minlength=12).astype(np.float64)
    probs = counts[counts > 0] / counts.sum()
    return float(-(probs * np.log2(probs)).sum())


def scale_consistency(pitches: Ints, prefer: str | None = None) -> tuple[float, str | None]:
    """``(share of notes in the best major/minor scale, that scale)``; ``(0, None)`` for no notes.

    Ties go to ``prefer`` (e.g. the key a generation was constrained to) when it is among the
    best, else to the key listed first (major before minor, C upwards), so the relative minor of
    a major key wins only when strictly better (never: they share their notes).
    """
    from .harmony import key_name, scale_pitch_classes

    p = np.asarray(pitches, dtype=np.int64).reshape(-1)
    if p.size == 0:
        return 0.0, None
    counts = np.bincount(p % 12, minlength=12)
    best, best_key = -1.0, None
    for mode in ("major", "minor"):
        for tonic in range(12):
            name = key_name(tonic, mode)
            share = counts[list(scale_pitch_classes(name))].sum() / p.size
            if share > best:
                best, best_key = float(share), name
    if prefer is not None and best_key is not None:
        preferred = counts[list(scale_pitch_classes(prefer))].sum() / p.size
        if np.isclose(preferred, best):
            return best, prefer
    return best, best_key


def tied_scales(pitches: Ints, winner: str) -> list[str]:
    """The major keys (other than ``winner`` and its relative) that fit ``pitches`` exactly as
    well as ``winner``: a melody without F or F♯ fits C major and G major alike."""
    from .harmony import key_name, scale_pitch_classes

    p = np.asarray(pitches, dtype=np.int64).reshape(-1)
    if p.size == 0:
        return []
    counts = np.bincount(p % 12, minlength=12)
    target = counts[list(scale_pitch_classes(winner))].sum()
    own = set(scale_pitch_classes(winner))
    return [
        key_name(t, "major")
        for t in range(12)
        if set(scale_pitch_classes(key_name(t, "major"))) != own
        and counts[list(scale_pitch_classes(key_name(t, "major")))].sum() == target
    ]


def in_key_share(pitches: Ints, key: str) -> float:
    """Share of notes whose pitch class lies in ``key``'s scale (0 for no notes)."""
    from .harmony import scale_pitch_classes

    p = np.asarray(pitches, dtype=np.int64).reshape(-1)
    if p.size == 0:
        return 0.0
    return float(np.isin(p % 12, scale_pitch_classes(key)).mean())


# ---------------------------------------------------------------------- inputs
def _default_encoder(encoder: Any) -> Any:
    if encoder is not None:
        return encoder
    from .encoders.events import EventEncoder

    return EventEncoder()


def _to_token_rows(items: Any, encoder: Any) -> list[np.ndarray]:
    """Token rows from a Piece, a list of Pieces, a 1-D/2-D token array or a list of arrays."""
    from .piece import Piece

    if isinstance(items, Piece):
        items = [items]
    if isinstance(items, np.ndarray):
        if items.ndim == 1:
            return [items.astype(np.int64)]
        if items.ndim == 2:
            return [row.astype(np.int64) for row in items]
        raise MusicnbError(
            f"Token arrays must be 1-D or (streams, length), got shape {items.shape}."
        )
    if not isinstance(items, (list, tuple)) or len(items) == 0:
        raise MusicnbError(
            "Give generated music as tokens (an array), a Piece, or a non-empty list "
            f"of either; got {type(items).__name__}."
        )
    rows = []
    for item in items:
        if isinstance(item, Piece):
            rows.append(np.asarray(encoder.encode(item), dtype=np.int64))
        else:
            array = np.asarray(item)
            if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
                raise MusicnbError(
                    "Each item must be a Piece or a 1-D array of integer tokens; got "
                    f"shape {array.shape} dtype {array.dtype}."
                )
            rows.append(array.astype(np.int64))
    return rows


def _onset_pitches(tokens: np.ndarray, encoder: Any) -> np.ndarray:
    lookup = getattr(encoder, "token_pitches", None)
    if lookup is not None:
        table = np.asarray(lookup)
        valid = (tokens >= 0) & (tokens < len(table))
        pitches = table[tokens[valid]]
        return pitches[pitches >= 0]
    pitches = [encoder.token_pitch(int(t)) for t in tokens]
    return np.asarray([p for p in pitches if p is not None], dtype=np.int64)


def _row_metrics(tokens: np.ndarray, encoder: Any, key: str | None) -> dict[str, Any]:
    pitches = _onset_pitches(tokens, encoder)
    consistency, best = scale_consistency(pitches, prefer=key)
    ties = tied_scales(pitches, best) if best else []
    if ties:
        best = f"{best} (tie: {', '.join(ties)})"
    rest_token = 0
    row: dict[str, Any] = {
        "notes": int(len(pitches)),
        "repetition_rate": float((pitches[1:] == pitches[:-1]).mean()) if len(pitches) > 1 else 0.0,
        "distinct_pitches": int(len(np.unique(pitches))),
        "longest_loop": longest_tandem_repeat(tokens),
        "pitch_class_entropy": pitch_class_entropy(pitches),
        "scale_consistency": consistency,
        "best_scale": best,
        "rest_share": float((tokens == rest_token).mean()) if len(tokens) else 0.0,
    }
    if key is not None:
        row["in_key"] = in_key_share(pitches, key)
    return row


# ---------------------------------------------------------------------- results
def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return "—" if value is None else str(value)


def _heading(name: Any) -> str:
    """A column name as readers read it: ``pitch_class_entropy`` -> ``pitch class entropy``."""
    return str(name).replace("_", " ")


def _html_table(header: Sequence[str], rows: Sequence[Sequence[Any]], caption: str = "") -> str:
    """Headings may wrap between words (never cut), so a wide table fits its cell's width."""
    head = "".join(
        f"<th style='white-space:normal;max-width:9em;text-align:center'>{_heading(h)}</th>"
        for h in header
    )
    body = "".join("<tr>" + "".join(f"<td>{_fmt(v)}</td>" for v in row) + "</tr>" for row in rows)
    cap = f"<caption>{caption}</caption>" if caption else ""
    return (
        f"<div style='overflow-x:auto;max-width:100%'><table>{cap}<thead><tr>{head}</tr>"
        f"</thead><tbody>{body}</tbody></table></div>"
    )


def _text_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [list(map(str, header))] + [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


@dataclass
class Diagnostics:
    """Per-stream diagnostics (:attr:`rows`) and their mean over streams (:attr:`summary`).

    ``diagnostics["repetition_rate"]`` is the mean; ``as_dict()`` gives the summary; in a
    notebook it shows as a table with one row per stream.
    """

    rows: list[dict[str, Any]]
    key: str | None = None
    summary: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        names = [m for m in METRICS] + (["in_key"] if self.key is not None else [])
        self.summary = {m: float(np.mean([row[m] for row in self.rows])) for m in names}
        scales = [row["best_scale"] for row in self.rows if row["best_scale"]]
        self.summary["best_scale"] = max(set(scales), key=scales.count) if scales else None

    @property
    def columns(self) -> list[str]:
        return list(self.rows[0].keys())

    def __getitem__(self, name: str) -> Any:
        if name not in self.summary:
            raise KeyError(f"{name!r}; known: {sorted(self.summary)}")
        return self.summary[name]

    def as_dict(self) -> dict[str, Any]:
        return dict(self.summary)

    def _table(self) -> tuple[list[str], list[list[Any]]]:
        header = ["stream", *self.columns]
        rows = [[i + 1, *[row[c] for c in self.columns]] for i, row in enumerate(self.rows)]
        if len(self.rows) > 1:
            rows.append(["mean", *[self.summary.get(c) for c in self.columns]])
        return header, rows

    def _repr_html_(self) -> str:
        return _html_table(*self._table(), caption="Generation diagnostics")

    def __str__(self) -> str:
        return _text_table(*self._table())


def generation_diagnostics(
    tokens_or_pieces: Any, encoder: Any = None, key: str | None = None
) -> Diagnostics:
    """Diagnostics of generated music (see the module docstring for each number).

    ``tokens_or_pieces``: tokens ``(length,)`` or ``(streams, length)``, a list of token
    arrays, a :class:`~musicnb.Piece` or a list of pieces. ``encoder`` maps tokens to pitches
    (and encodes pieces); default: ``EventEncoder()`` with its standard range. ``key`` adds the
    ``in_key`` share for that key.
    """
    encoder = _default_encoder(encoder)
    rows = _to_token_rows(tokens_or_pieces, encoder)
    return Diagnostics([_row_metrics(row, encoder, key) for row in rows], key=key)


@dataclass
class Comparison:
    """Generated vs training diagnostics, one row per metric (mean, and the training spread)."""

    generated: Diagnostics
    training: Diagnostics
    length: int

    def rows(self) -> list[list[Any]]:
        out = []
        for metric in self.generated.summary:
            if metric == "best_scale":
                continue
            values = np.array([row[metric] for row in self.training.rows], dtype=np.float64)
            low, high = np.percentile(values, [10, 90])
            gen = self.generated.summary[metric]
            verdict = (
                "typical" if low - 1e-9 <= gen <= high + 1e-9 else ("low" if gen < low else "high")
            )
            out.append([metric, gen, float(values.mean()), f"{low:.3f} – {high:.3f}", verdict])
        return out

    def as_dict(self) -> dict[str, dict[str, float]]:
        return {r[0]: {"generated": r[1], "training": r[2]} for r in self.rows()}

    _HEADER = ["metric", "generated", "training", "training 10–90%", "generated is"]

    def _repr_html_(self) -> str:
        caption = f"Generated vs {len(self.training.rows)} training excerpts of {self.length} steps"
        return _html_table(self._HEADER, self.rows(), caption=caption)

    def __str__(self) -> str:
        return _text_table(self._HEADER, self.rows())


def compare_to_training(
    generated: Any,
    training: Any,
    encoder: Any = None,
    key: str | None = None,
    max_excerpts: int = 200,
    seed: int = 0,
) -> Comparison:
    """Diagnostics of ``generated`` beside those of the training music, at equal length.

    The training tunes (pieces or token arrays) are cut into non-overlapping excerpts as long
    as the generated streams (a tune shorter than that counts whole); at most ``max_excerpts``
    are drawn at random (seeded). A generated number outside the training's 10–90 percentile
    range is marked "low" or "high".
    """
    encoder = _default_encoder(encoder)
    gen_rows = _to_token_rows(generated, encoder)
    length = max(len(r) for r in gen_rows)
    excerpts = []
    for row in _to_token_rows(training, encoder):
        if len(row) <= length:
            excerpts.append(row)
        else:
            excerpts.extend(row[i : i + length] for i in range(0, len(row) - length + 1, length))
    if not excerpts:
        raise MusicnbError(
            "The training music is empty; pass the pieces or token arrays the model was trained on."
        )
    if len(excerpts) > max_excerpts:
        pick = np.random.default_rng(seed).choice(len(excerpts), max_excerpts, replace=False)
        excerpts = [excerpts[i] for i in sorted(pick)]
    return Comparison(
        generation_diagnostics(gen_rows, encoder, key),
        generation_diagnostics(excerpts, encoder, key),
        length,
    )


__all__ = [
    "generation_diagnostics",
    "compare_to_training",
    "Diagnostics",
    "Comparison",
    "longest_tandem_repeat",
    "pitch_class_entropy",
    "scale_consistency",
    "in_key_share",
    "METRICS",
]


# ---------------------------------------------------------------------- note events
def note_event_profile(events: Sequence[np.ndarray]) -> dict[str, float]:
    """Dynamics, rhythm and key of note events ``(pitch, velocity, dt)`` (one ``(n, 3)`` array
    per piece, ``dt`` the time since the previous onset in quarter notes; notebook 06).

    * ``accent``: mean velocity of notes on a beat minus that of notes off it (onset time, the
      running sum of ``dt``, taken in a 4/4 bar; NaN when either group is empty);
    * ``mean_dt`` and ``commonest_dt``: the rhythm;
    * ``scale_consistency``: the mean over pieces of the share of notes in each piece's
      best-fitting major/minor scale (:func:`scale_consistency`).
    """
    pieces = [np.asarray(e, dtype=np.float64).reshape(-1, 3) for e in events]
    pieces = [e for e in pieces if len(e)]
    if not pieces:
        raise MusicnbError("note_event_profile needs at least one non-empty (n, 3) event array.")
    rows = np.concatenate(pieces)
    onset = np.concatenate([np.mod(np.cumsum(e[:, 2]), 4.0) for e in pieces])
    on_beat = np.isclose(onset % 1, 0) | np.isclose(onset % 1, 1)
    accent = (
        float(rows[on_beat, 1].mean() - rows[~on_beat, 1].mean())
        if on_beat.any() and (~on_beat).any()
        else float("nan")
    )
    values, counts = np.unique(rows[:, 2], return_counts=True)
    share = float(np.mean([scale_consistency(e[:, 0].astype(int))[0] for e in pieces]))
    return {
        "accent": accent,
        "mean_dt": float(rows[:, 2].mean()),
        "commonest_dt": float(values[counts.argmax()]),
        "scale_consistency": share,
    }

"""What the studio shows: piano-roll PNGs, WAV bytes, download links, messages, tables.

Everything here is a pure function of its arguments (no widgets), thread-safe, so the
generation worker and the tests can call it.
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..piece import Piece

__all__ = [
    "png_of_piece",
    "wav_of_piece",
    "download_link",
    "message_html",
    "diagnostics_table",
    "piece_diagnostics",
    "safe_name",
    "STUDIO_CSS",
    "REPAIRS_EXPLAINED",
]

# Styles of the studio (JupyterLab's theme makes plain links black and not underlined).
STUDIO_CSS = """<style>
.musicnb-studio a.musicnb-download { color: #1565c0 !important; text-decoration: underline !important;
  font-weight: 600; margin-right: 1em; }
.musicnb-studio .musicnb-export-button { width: auto !important; min-width: 14em; }
.musicnb-studio .musicnb-diagnostics-box { overflow-x: auto; max-width: 100%; }
.musicnb-studio .musicnb-diagnostics td, .musicnb-studio .musicnb-diagnostics th { white-space: nowrap; }
.musicnb-studio .musicnb-diagnostics td:first-child { text-align: left; }
</style>"""

REPAIRS_EXPLAINED = (
    "A repaired token is one the model wrote that cannot be played where it "
    "stands (a 'hold' with no note sounding, an '<unk>' token, a chord outside "
    "the vocabulary); decoding skips it or turns it into a rest. Many repairs "
    "mean the model has not learnt the grammar of its tokens yet."
)


def png_of_piece(
    piece: Piece, title: str = "", width: float = 7.5, height: float = 2.4, primer_end: float = 0.0
) -> bytes:
    """PNG bytes of the piece's piano roll (``musicnb.plots.piano_roll``), thread-safe.

    Uses a bare :class:`matplotlib.figure.Figure` (no pyplot), so nothing is shown inline and
    it can be drawn from the studio's worker thread.
    """
    from matplotlib.figure import Figure

    from .. import plots

    figure = Figure(figsize=(width, height), dpi=80)
    ax = figure.add_subplot(1, 1, 1)
    plots.piano_roll(piece, ax=ax, title=title or None)
    if primer_end > 0:
        ax.axvspan(0, primer_end, color="0.85", alpha=0.5, zorder=0, lw=0)
        ax.axvline(primer_end, color="tab:red", ls="--", lw=1)
        ax.text(
            primer_end,
            1.0,
            " model →",
            transform=ax.get_xaxis_transform(),
            va="bottom",
            ha="left",
            fontsize=8,
            color="tab:red",
        )
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def wav_of_piece(piece: Piece, sample_rate: int | None = None) -> bytes:
    """16-bit WAV bytes of the piece, rendered by ``musicnb.audio`` (at ``sample_rate``,
    default the course's 22,050 Hz)."""
    from .. import audio

    rate = int(sample_rate or audio.SAMPLE_RATE)
    return audio.to_wav_bytes(audio.render(piece, rate), rate)


def download_link(data: bytes, filename: str, mime: str, text: str | None = None) -> str:
    """An ``<a download>`` whose ``href`` is a base64 ``data:`` URI: works in any browser,
    with no server route (JupyterLab, Colab, VS Code, an exported HTML page)."""
    encoded = base64.b64encode(data).decode("ascii")
    label = html.escape(text or f"Download {filename}")
    return (
        f'<a download="{html.escape(filename)}" href="data:{mime};base64,{encoded}" '
        f'class="musicnb-download" target="_blank">{label}</a>'
    )


def safe_name(text: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_.")
    return name or "generated"


def message_html(text: str, kind: str) -> str:
    colours = {
        "error": ("#fdecea", "#b71c1c"),
        "info": ("#e8f4fd", "#0d47a1"),
        "ok": ("#edf7ed", "#1b5e20"),
    }
    background, colour = colours.get(kind, colours["info"])
    return (
        f'<div class="musicnb-message musicnb-{kind}" style="background:{background};'
        f'color:{colour};padding:6px 10px;border-radius:4px;white-space:pre-wrap">'
        f"{html.escape(text)}</div>"
    )


def diagnostics_columns(
    tokens: np.ndarray,
    continuation: np.ndarray | None,
    reference: Sequence[np.ndarray],
    encoder: Any,
    key: str | None,
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Columns of the studio's diagnostics table (``musicnb.diagnostics``).

    One column per stream, one for the primer's real continuation, and the training set cut
    into excerpts of the generated length (``compare_to_training``: most numbers grow with
    length, so only equal lengths compare fairly), with its 10-90 % range and a verdict.
    """
    from .. import diagnostics

    columns: dict[str, dict[str, Any]] = {}
    per_stream = diagnostics.generation_diagnostics(tokens, encoder=encoder, key=key)
    for i, row in enumerate(per_stream.rows):
        columns[f"stream {i + 1}"] = dict(row)
    if continuation is not None and continuation.size > 1:
        real = diagnostics.generation_diagnostics([continuation], encoder=encoder, key=key)
        columns["real continuation"] = dict(real.rows[0])
    notes: list[str] = []
    if reference:
        comparison = diagnostics.compare_to_training(
            tokens, list(reference), encoder=encoder, key=key
        )
        columns["training set (mean)"] = dict(comparison.training.summary)
        spread, verdict = {}, {}
        for metric, _generated, _, low_high, word in comparison.rows():
            spread[metric] = low_high
            verdict[metric] = word
        columns["training 10–90 %"] = spread
        columns["streams' mean is"] = verdict
        notes.append(
            f"training set: {len(comparison.training.rows)} excerpts of {comparison.length} steps"
        )
    return columns, notes


def diagnostics_table(columns: dict[str, dict[str, Any]]) -> str:
    names: list[str] = []
    for values in columns.values():
        names += [n for n in values if n not in names]
    if not names:
        return "<i>No diagnostics.</i>"
    head = "".join(f"<th style='padding:2px 8px'>{html.escape(c)}</th>" for c in columns)
    rows = []
    for name in names:
        cells = "".join(
            f"<td style='padding:2px 8px;text-align:right'>"
            f"{'' if name not in v else html.escape(_format_value(v[name]))}</td>"
            for v in columns.values()
        )
        rows.append(
            f"<tr><td style='padding:2px 8px'>{html.escape(name.replace('_', ' '))}</td>"
            f"{cells}</tr>"
        )
    return (
        f"<table class='musicnb-diagnostics' style='border-collapse:collapse'>"
        f"<tr><th></th>{head}</tr>{''.join(rows)}</table>"
    )


def _format_value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return _format_number(float(value))
    return str(value)


def _format_number(value: float) -> str:
    return f"{int(value)}" if float(value).is_integer() else f"{value:.3f}"


def piece_diagnostics(
    pieces: Sequence[Piece],
    continuation: Piece | None,
    primer_quarters: float,
    key: str | None = None,
) -> dict[str, dict[str, Any]]:
    """Diagnostics of what a piece engine wrote (melody-and-harmony, regression, biaxial), read
    from the notes after the primer: how many, how varied (distinct pitches, pitch-class
    entropy), how tonal (share in the best-fitting scale, or in ``key``), how polyphonic
    (notes sounding per onset). The real continuation gets the same column."""
    from .. import diagnostics

    def column(piece: Piece) -> dict[str, Any]:
        keep = piece.start >= primer_quarters - 1e-9
        pitch = np.asarray(piece.pitch)[keep].astype(int)
        start = np.asarray(piece.start)[keep]
        if pitch.size == 0:
            return {"notes": 0}
        share, scale = diagnostics.scale_consistency(pitch)
        values = {
            "notes": int(pitch.size),
            "distinct_pitches": int(len(set(pitch.tolist()))),
            "pitch_class_entropy": float(diagnostics.pitch_class_entropy(pitch)),
            "scale_consistency": float(share),
            "best_scale": scale or "—",
            "notes_per_onset": float(pitch.size / max(1, len(np.unique(start)))),
        }
        if key:
            values["in_key"] = float(diagnostics.in_key_share(pitch, key))
        return values

    columns = {f"stream {i + 1}": column(p) for i, p in enumerate(pieces)}
    if continuation is not None:
        columns["real continuation"] = column(continuation)
    return columns

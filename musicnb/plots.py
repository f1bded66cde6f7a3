"""Pictures of music and of training: piano rolls, learning curves, probability heat maps.

Every function draws with matplotlib and returns the ``Figure`` (or the ``Axes`` it drew on);
none calls ``plt.show()``, so notebooks show the figure as the cell's result and tests can run
headless (``Agg`` back end). The piano roll is the picture every music-generation tutorial
uses (time left to right, pitch bottom to top, one bar per note; e.g. the figures of Magenta's
note-seq and of MusPy's ``show_pianoroll``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .errors import MusicnbError
from .piece import Piece, pitch_label

#: Colours of parts 0, 1, 2, ... (matplotlib's colour-blind-friendly "tab10" order).
PART_COLORS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)


def _pyplot():
    import matplotlib.pyplot as plt

    return plt


def _bar_length(time_signature: str) -> float | None:
    try:
        numerator, denominator = (int(x) for x in str(time_signature).split("/"))
    except ValueError:
        return None
    return numerator * 4.0 / denominator if numerator > 0 and denominator > 0 else None


def _check_piece(piece: Any, who: str) -> Piece:
    if not isinstance(piece, Piece):
        raise MusicnbError(
            f"{who} needs a musicnb.Piece, got {type(piece).__name__}; decode "
            "tokens first (encoder.decode(tokens)) or load one with load_corpus."
        )
    return piece


def piano_roll(
    piece: Piece,
    ax: Any = None,
    title: str | None = None,
    show_chords: bool = True,
    pitch_range: tuple[int, int] | None = None,
    legend: bool = True,
    bar_lines: bool = True,
) -> Any:
    """Draw ``piece`` as a piano roll and return the ``Axes``.

    One horizontal bar per note (x: quarter notes, y: MIDI pitch with C's labelled), coloured
    by part, more opaque for louder notes; faint bar lines from the time signature; chord
    labels along the top when the piece has them and ``show_chords``.
    """
    piece = _check_piece(piece, "piano_roll")
    plt = _pyplot()
    if ax is None:
        width = min(16.0, max(6.0, piece.end / 4.0))
        _, ax = plt.subplots(figsize=(width, 3.6), layout="constrained")
    if piece.n_notes:
        for part in range(piece.n_parts):
            mask = piece.part == part
            if not mask.any():
                continue
            alpha = 0.45 + 0.55 * piece.velocity[mask] / 127.0
            colors = [(*_rgb(PART_COLORS[part % len(PART_COLORS)]), a) for a in alpha]
            label = (
                piece.part_names[part] if part < len(piece.part_names) else ""
            ) or f"part {part}"
            ax.barh(
                piece.pitch[mask],
                piece.duration[mask],
                left=piece.start[mask],
                height=0.85,
                color=colors,
                edgecolor="black",
                linewidth=0.3,
                label=label,
            )
        if legend and piece.n_parts > 1:
            ax.legend(
                loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize="small", frameon=False
            )
    else:
        ax.text(
            0.5, 0.5, "no notes", transform=ax.transAxes, ha="center", va="center", color="gray"
        )
    low, high = pitch_range or piece.pitch_range
    if not piece.n_notes and pitch_range is None:
        low, high = 60, 72
    ax.set_ylim(low - 1.5, high + 1.5)
    end = max(piece.end, 1.0)
    ax.set_xlim(0, end)
    ticks = _pitch_ticks(low, high)
    ax.set_yticks(ticks, [pitch_label(p) for p in ticks])
    ax.set_xlabel("time (quarter notes)")
    ax.set_ylabel("pitch")
    bar = _bar_length(piece.time_signature)
    if bar_lines and bar and end / bar <= 200:
        for x in np.arange(bar, end, bar):
            ax.axvline(x, color="gray", linewidth=0.4, alpha=0.5, zorder=0)
    if show_chords and piece.chords:
        transform = ax.get_xaxis_transform()  # x in data units, y in axes fraction
        for chord in piece.chords:
            if chord.start >= end:
                continue
            ax.axvline(chord.start, color="purple", linewidth=0.6, linestyle=":", alpha=0.6)
            ax.text(
                chord.start + 0.05,
                1.01,
                chord.label,
                transform=transform,
                fontsize=8,
                color="purple",
                ha="left",
                va="bottom",
                clip_on=False,
            )
    if title is None:
        title = piece.title
    if title:
        ax.set_title(title, pad=14 if (show_chords and piece.chords) else 6)
    return ax


def _pitch_ticks(low: int, high: int) -> list[int]:
    """Pitches to label on a pitch axis: every C, plus E and G when fewer than three Cs show."""
    ticks = [p for p in range(128) if p % 12 == 0 and low - 1 <= p <= high + 1]
    if len(ticks) < 3:
        ticks = [p for p in range(128) if p % 12 in (0, 4, 7) and low - 1 <= p <= high + 1]
    return ticks


def _rgb(hex_color: str) -> tuple[float, float, float]:
    hex_color = hex_color.lstrip("#")
    return tuple(int(hex_color[i : i + 2], 16) / 255.0 for i in (0, 2, 4))  # type: ignore[return-value]


def compare_piano_rolls(
    pieces: Sequence[Piece],
    titles: Sequence[str] | None = None,
    layout: str = "rows",
    show_chords: bool = True,
) -> Any:
    """Piano rolls of several pieces with one shared pitch axis; returns the ``Figure``.

    ``layout="rows"`` stacks them (same time axis too), ``"columns"`` puts them side by side.
    Use it to set a primer beside its continuation, or the training data beside the samples.
    """
    pieces = list(pieces)
    if not pieces:
        raise MusicnbError("compare_piano_rolls needs at least one piece.")
    for piece in pieces:
        _check_piece(piece, "compare_piano_rolls")
    if titles is not None and len(titles) != len(pieces):
        raise MusicnbError(
            f"Got {len(titles)} titles for {len(pieces)} pieces; give one title "
            "per piece (or none)."
        )
    if layout not in ("rows", "columns"):
        raise MusicnbError(f"layout must be 'rows' or 'columns', got {layout!r}.")
    plt = _pyplot()
    lows = [p.pitch_range[0] for p in pieces if p.n_notes]
    highs = [p.pitch_range[1] for p in pieces if p.n_notes]
    shared = (min(lows), max(highs)) if lows else (60, 72)
    n = len(pieces)
    if layout == "rows":
        fig, axes = plt.subplots(
            n,
            1,
            figsize=(12, 2.8 * n),
            sharex=True,
            sharey=True,
            layout="constrained",
            squeeze=False,
        )
    else:
        fig, axes = plt.subplots(
            1, n, figsize=(5 * n, 3.6), sharey=True, layout="constrained", squeeze=False
        )
    end = max(max(p.end for p in pieces), 1.0)
    for i, (piece, ax) in enumerate(zip(pieces, axes.ravel())):
        title = titles[i] if titles is not None else (piece.title or f"piece {i + 1}")
        piano_roll(piece, ax=ax, title=title, show_chords=show_chords, pitch_range=shared)
        if layout == "rows":
            ax.set_xlim(0, end)
            if i < n - 1:
                ax.set_xlabel("")
        elif i:
            ax.set_ylabel("")
    return fig


def _history_dict(history: Any) -> dict[str, list[float]]:
    """Accept a dict of lists, a Keras ``History``, a ``TrainResult`` or a ``history.csv`` path."""
    import os

    if isinstance(history, (str, os.PathLike)):
        import csv

        with open(history, newline="") as stream:
            rows = list(csv.DictReader(stream))
        keys = rows[0].keys() if rows else []
        return {k: [float(r[k]) for r in rows if r.get(k) not in (None, "")] for k in keys}
    if hasattr(history, "history") and isinstance(history.history, Mapping):
        history = history.history
    if hasattr(history, "to_dict") and not isinstance(history, Mapping):  # pandas DataFrame
        history = {k: list(v.values()) for k, v in history.to_dict().items()}
    if not isinstance(history, Mapping):
        raise MusicnbError(
            "training_curves needs a history: a dict of lists such as "
            "{'loss': [...], 'val_loss': [...]}, a Keras History, a TrainResult "
            f"or a history.csv path; got {type(history).__name__}."
        )
    return {str(k): [float(x) for x in v] for k, v in history.items()}


def training_curves(
    history: Any, metrics: Sequence[str] | None = None, title: str | None = None
) -> Any:
    """Loss and metrics per epoch, training (solid) against validation (dashed); the ``Figure``.

    One panel per metric (``loss``, ``accuracy``, ...); the best validation epoch is marked,
    since that is the checkpoint ``train`` keeps as ``best.keras``. A validation loss that
    rises while the training loss falls is over-fitting.
    """
    data = _history_dict(history)
    names = [
        k for k in data if not k.startswith("val_") and k not in ("epoch", "lr", "learning_rate")
    ]
    if metrics is not None:
        names = [m for m in metrics if m in data or f"val_{m}" in data]
    names += [
        k[4:]
        for k in data
        if k.startswith("val_") and k[4:] not in names and (metrics is None or k[4:] in metrics)
    ]
    if not names:
        raise MusicnbError(
            f"No metric to plot in the history (keys: {sorted(data)}); train for "
            "at least one epoch first."
        )
    plt = _pyplot()
    fig, axes = plt.subplots(
        1, len(names), figsize=(4.6 * len(names), 3.4), layout="constrained", squeeze=False
    )
    for name, ax in zip(names, axes.ravel()):
        for key, style, label in ((name, "-", "train"), (f"val_{name}", "--", "valid")):
            values = data.get(key)
            if not values:
                continue
            epochs = np.arange(1, len(values) + 1)
            ax.plot(epochs, values, style, marker="o", markersize=3, label=label)
        valid = data.get(f"val_{name}")
        if valid:
            lower_is_better = "loss" in name or "error" in name or "perplexity" in name
            best = int(np.nanargmin(valid) if lower_is_better else np.nanargmax(valid))
            ax.plot(
                best + 1,
                valid[best],
                "*",
                color="crimson",
                markersize=12,
                label=f"best valid (epoch {best + 1})",
            )
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    if title:
        fig.suptitle(title)
    return fig


def probability_bars(
    probs: Any,
    labels: Sequence[str],
    top: int = 12,
    ax: Any = None,
    title: str | None = None,
    order: Sequence[int] | None = None,
) -> Any:
    """The ``top`` most likely tokens of one distribution as horizontal bars, most likely at
    the top: token names stay horizontal and at the axes' normal font size however many
    panels share a figure (rotated size-6 tick labels are what a bar chart of 12 tokens
    otherwise needs). ``order``: the tokens to show, in order (to compare several
    distributions on the same rows)."""
    probs = np.asarray(probs, dtype=float).reshape(-1)
    rows = list(order) if order is not None else list(np.argsort(probs)[::-1][: int(top)])
    if ax is None:
        _, ax = _pyplot().subplots(figsize=(4, 0.3 * len(rows) + 1), layout="constrained")
    y = np.arange(len(rows))
    ax.barh(y, probs[rows], color="tab:blue")
    ax.set_yticks(y, [str(labels[r]) for r in rows])
    ax.invert_yaxis()
    ax.set_xlabel("probability")
    if title:
        ax.set_title(title)
    return ax


def alpha_sweep(sweep: Mapping[float, Mapping[str, float]], ax: Any = None) -> Any:
    """Melody against harmony accuracy of the two-head model for each melody coefficient α
    (notebook 05): ``sweep`` maps α to the figures of ``evaluate_melody_harmony``; one line
    of sampled and one of argmax accuracies, each point labelled with its α."""
    if not sweep:
        raise MusicnbError(
            "alpha_sweep needs at least one α: {alpha: evaluate_melody_harmony(...)}."
        )
    alphas = sorted(sweep)
    if ax is None:
        _, ax = _pyplot().subplots(figsize=(5, 4), layout="constrained")
    for kind, marker in (("sampled", "o"), ("argmax", "s")):
        xs = [100 * sweep[a][f"melody_{kind}"] for a in alphas]
        ys = [100 * sweep[a][f"harmony_{kind}"] for a in alphas]
        ax.plot(xs, ys, marker=marker, label=kind)
        for a, x, y in zip(alphas, xs, ys):
            ax.annotate(f"α={a}", (x, y), textcoords="offset points", xytext=(5, 5))
    ax.set_xlabel("melody accuracy (%)")
    ax.set_ylabel("harmony accuracy (%)")
    ax.set_title("the melody coefficient α trades one head against the other")
    ax.legend()
    return ax


def probability_heatmap(
    probs: Any,
    labels: Sequence[str] | None = None,
    ax: Any = None,
    chosen: Sequence[int] | None = None,
    title: str | None = None,
    hide_unused: bool = False,
    threshold: float = 1e-3,
) -> Any:
    """Heat map of next-token probabilities: one column per step, one row per class.

    ``probs`` is ``(steps, classes)`` (rows sum to 1); ``labels`` names the classes (for
    example ``encoder.vocabulary``); ``chosen`` marks the token sampled at each step.
    ``hide_unused`` keeps only classes that reach ``threshold`` somewhere. Returns the ``Axes``.
    """
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim == 1:
        probs = probs[None, :]
    if probs.ndim != 2 or probs.size == 0:
        raise MusicnbError(f"probs must be a (steps, classes) array, got shape {probs.shape}.")
    if labels is not None and len(labels) != probs.shape[1]:
        raise MusicnbError(
            f"{len(labels)} labels for {probs.shape[1]} classes: give one label "
            "per class (e.g. encoder.vocabulary)."
        )
    rows = np.arange(probs.shape[1])
    if hide_unused:
        rows = np.flatnonzero(probs.max(axis=0) >= threshold)
        if chosen is not None:
            rows = np.union1d(rows, np.asarray(chosen, int))
        if rows.size == 0:
            rows = np.arange(probs.shape[1])
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(
            figsize=(min(14, 3 + 0.25 * probs.shape[0]), min(10, 1.5 + 0.18 * len(rows))),
            layout="constrained",
        )
    image = ax.imshow(
        probs[:, rows].T,
        aspect="auto",
        origin="lower",
        cmap="magma",
        vmin=0.0,
        vmax=1.0,
        interpolation="nearest",
    )
    ax.figure.colorbar(image, ax=ax, label="probability")
    names = list(labels) if labels is not None else [str(i) for i in range(probs.shape[1])]
    every = max(1, len(rows) // 40)
    ax.set_yticks(np.arange(0, len(rows), every), [names[r] for r in rows[::every]], fontsize=7)
    if chosen is not None:
        chosen_ids = np.asarray(chosen, int)
        position = {int(r): i for i, r in enumerate(rows)}
        xs = [t for t, c in enumerate(chosen_ids[: probs.shape[0]]) if int(c) in position]
        ys = [position[int(chosen_ids[t])] for t in xs]
        ax.scatter(xs, ys, marker="o", s=14, facecolors="none", edgecolors="cyan", label="sampled")
        ax.legend(loc="upper right", fontsize="small")
    ax.set_xlabel("step")
    ax.set_ylabel("class")
    if title:
        ax.set_title(title)
    return ax


#: Note lengths (quarter notes) named in the corpus-statistics plot.
_LENGTH_NAMES = {
    0.25: "16th",
    1 / 3: "triplet 8th",
    0.5: "8th",
    0.75: "dotted 8th",
    1.0: "quarter",
    1.5: "dotted quarter",
    2.0: "half",
    3.0: "dotted half",
    4.0: "whole",
}


def corpus_statistics(pieces: Sequence[Piece], title: str | None = None) -> Any:
    """Four panels describing a collection; returns the ``Figure``.

    Pitch histogram (with the lowest and highest note), keys, time signatures and note lengths
    (named note values; everything else as "other"). Look at it before choosing an encoder's
    pitch range or a window size.
    """
    pieces = [_check_piece(p, "corpus_statistics") for p in pieces]
    if not pieces:
        raise MusicnbError(
            "corpus_statistics needs at least one piece; load some with musicnb.load_corpus first."
        )
    plt = _pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(11, 7), layout="constrained")
    pitches = np.concatenate([p.pitch for p in pieces]).astype(int) if pieces else np.array([], int)
    ax = axes[0, 0]
    if pitches.size:
        ax.hist(pitches, bins=np.arange(pitches.min(), pitches.max() + 2) - 0.5, color="#1f77b4")
        ax.set_title(f"pitches: {pitch_label(pitches.min())} to {pitch_label(pitches.max())}")
        ticks = _pitch_ticks(int(pitches.min()), int(pitches.max()))
        if ticks:
            ax.set_xticks(ticks, [pitch_label(p) for p in ticks])
    else:
        ax.set_title("pitches: no notes")
    ax.set_ylabel("notes")

    def bars(ax: Any, counts: Counter, what: str, top: int = 12) -> None:
        items = counts.most_common(top)
        if not items:
            ax.text(0.5, 0.5, f"no {what}", transform=ax.transAxes, ha="center")
        else:
            names, values = zip(*items)
            ax.barh(range(len(names)), values, color="#2ca02c")
            ax.set_yticks(range(len(names)), names)
            ax.invert_yaxis()
            from matplotlib.ticker import MaxNLocator

            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(what)
        ax.set_xlabel("pieces" if what != "note lengths" else "notes")

    bars(axes[0, 1], Counter(p.key or "unknown" for p in pieces), "keys")
    bars(axes[1, 0], Counter(p.time_signature or "unknown" for p in pieces), "time signatures")
    lengths: Counter = Counter()
    durations = np.concatenate([p.duration for p in pieces]) if pieces else np.array([])
    for value, count in zip(*np.unique(np.round(durations, 3), return_counts=True)):
        name = next((n for q, n in _LENGTH_NAMES.items() if abs(q - value) < 1e-2), "other")
        lengths[name] += int(count)
    ax = axes[1, 1]
    order = [n for n in _LENGTH_NAMES.values() if n in lengths] + (
        ["other"] if "other" in lengths else []
    )
    ax.bar(range(len(order)), [lengths[n] for n in order], color="#ff7f0e")
    ax.set_xticks(range(len(order)), order, rotation=35, ha="right")
    ax.set_title("note lengths")
    ax.set_ylabel("notes")
    fig.suptitle(title or f"{len(pieces)} pieces, {int(pitches.size)} notes")
    return fig

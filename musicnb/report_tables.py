"""Result tables of notebooks 05 and 06, formatted as Markdown.

Formatting only: the figures come from the functions that measure them
(``models.melody_harmony.evaluate_melody_harmony``, :func:`musicnb.diagnostics.note_event_profile`,
:func:`musicnb.onset_bias.use_b_figures`). Each function returns a :class:`MarkdownTable`, a
``str`` that Jupyter shows as a rendered table when it is the last expression of a cell.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .errors import MusicnbError

#: The two heads, their mean ("overall", Zimmerman's definition) and both right at once.
MELODY_HARMONY_COLUMNS = ("melody", "harmony", "overall", "joint")

#: Yoav Zimmerman's published Nottingham figures (``music_rnn``), *sampled* accuracies; his
#: "overall" is the mean of the two heads, 77.84 ≈ (64.15 + 91.57) / 2; no joint figure.
PUBLISHED_NOTTINGHAM = {"melody": 0.6415, "harmony": 0.9157, "overall": 0.7784, "joint": math.nan}


class MarkdownTable(str):
    """A Markdown table: prints as its source, renders as a table in Jupyter."""

    def _repr_markdown_(self) -> str:
        return str(self)


def percent(value: float | None, digits: int = 1) -> str:
    """``0.6415`` → ``"64.2 %"``; ``"–"`` for a missing or NaN figure."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{100 * float(value):.{digits}f} %"


def markdown_table(
    header: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None = None
) -> MarkdownTable:
    """A Markdown table of already-formatted cells; the first column is left-aligned, the
    others right-aligned (numbers). Every row must have one cell per header."""
    for row in rows:
        if len(row) != len(header):
            raise MusicnbError(
                f"A table row has {len(row)} cells for {len(header)} columns: {list(row)!r}; "
                "give one cell per column (an empty string for none)."
            )
    lines = [f"**{title}**", ""] if title else []
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|---|" + "---:|" * (len(header) - 1))
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return MarkdownTable("\n".join(lines))


def melody_harmony_table(figures: Mapping[str, float], title: str) -> MarkdownTable:
    """The two-head model against its baselines and the published figures (notebook 05).

    ``figures``: the dict of ``evaluate_melody_harmony`` — ``{head}_argmax`` and
    ``{head}_sampled`` for the model, ``bigram_{head}_argmax`` / ``_sampled`` and
    ``repeat_{head}`` for the baselines, ``head`` in :data:`MELODY_HARMONY_COLUMNS`.
    Argmax accuracy is ``mean[argmax p = y]``, sampled accuracy ``mean p[y]``.
    """
    sources = [
        ("model, argmax", "{}_argmax"),
        ("model, sampled", "{}_sampled"),
        ("bigram, argmax", "bigram_{}_argmax"),
        ("bigram, sampled", "bigram_{}_sampled"),
        ("repeat previous step", "repeat_{}"),
    ]
    missing = sorted(
        pattern.format(h)
        for _, pattern in sources
        for h in MELODY_HARMONY_COLUMNS
        if pattern.format(h) not in figures
    )
    if missing:
        raise MusicnbError(
            f"The figures lack {missing[:4]}; pass the dict that evaluate_melody_harmony returns."
        )
    rows = [
        [name] + [percent(figures[pattern.format(h)]) for h in MELODY_HARMONY_COLUMNS]
        for name, pattern in sources
    ]
    rows.append(
        ["published, Nottingham (Zimmerman, sampled)"]
        + [percent(PUBLISHED_NOTTINGHAM[h]) for h in MELODY_HARMONY_COLUMNS]
    )
    return markdown_table(
        [""] + list(MELODY_HARMONY_COLUMNS),
        rows,
        f"{title} (overall = mean of the two heads; joint = both right at once)",
    )


def note_event_table(lines: Mapping[str, Sequence[np.ndarray]]) -> MarkdownTable:
    """Dynamics, rhythm and key of (pitch, velocity, dt) note events (notebook 06), one row per
    entry of ``lines`` (a name → a list of ``(n, 3)`` arrays), from
    :func:`musicnb.diagnostics.note_event_profile`."""
    from .diagnostics import note_event_profile

    rows = []
    for name, events in lines.items():
        profile = note_event_profile(events)
        accent = profile["accent"]
        rows.append(
            [
                name,
                "–" if math.isnan(accent) else f"{accent:+.1f}",
                f"{profile['mean_dt']:.2f}",
                f"{profile['commonest_dt']:g}",
                f"{profile['scale_consistency']:.0%}",
            ]
        )
    return markdown_table(
        [
            "",
            "velocity on-beat − off-beat",
            "mean dt (quarters)",
            "commonest dt",
            "notes in the best-fitting scale",
        ],
        rows,
    )


def use_b_table(
    comparison: Mapping[str, Mapping[str, float]], data: Mapping[str, float]
) -> MarkdownTable:
    """Use (b) of the theory loss (notebook 06): one row per loss, from
    :func:`musicnb.onset_bias.use_b_figures`, and the data's row from
    :func:`musicnb.onset_bias.data_figures`."""
    rows = [
        [
            name,
            percent(f["test_accuracy"]),
            percent(f["predicted_onsets"]),
            percent(f["sampled_onsets"]),
            percent(f["p_rest_or_hold_at_onsets"]),
            percent(f["p_rest_or_hold"]),
            percent(f["scale_consistency"]),
        ]
        for name, f in comparison.items()
    ]
    rows.append(
        [
            "(data)",
            "",
            f"{percent(data['predicted_onsets'])} (test targets)",
            f"{percent(data['sampled_onsets'])} (test targets)",
            "",
            f"{percent(data['p_rest_or_hold'])} (test targets)",
            f"{percent(data['scale_consistency'])} (training)",
        ]
    )
    return markdown_table(
        [
            "loss",
            "test accuracy",
            "argmax is an onset",
            "onsets in samples",
            "p(rest or hold) where an onset is due",
            "mean p(rest or hold)",
            "scale consistency of samples",
        ],
        rows,
    )

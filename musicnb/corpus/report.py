"""``LoadReport``: what a load read, what it skipped and why.

A notebook cell that ends with ``report`` shows it as a table (``_repr_html_``); ``print(report)``
gives the same in plain text; ``report.to_rows()`` gives one dict per file for a DataFrame.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..printed import WIDTH, wrap


class LoadedFile(NamedTuple):
    """One file (or ABC tune) that gave pieces."""

    file: str
    title: str
    n_notes: int
    cached: bool


class SkippedFile(NamedTuple):
    """One file (or ABC tune) left out, with the reason; unpacks as ``(file, reason)``."""

    file: str
    reason: str


class FlaggedFile(NamedTuple):
    """One loaded file that looks wrong (kept, but worth a look), with the note why."""

    file: str
    note: str


@dataclass
class LoadReport:
    """The outcome of one :func:`~musicnb.corpus.load_corpus` call.

    ``loaded`` lists what was read (file, title, number of notes, whether it came from the
    cache), ``skipped`` what was left out as ``(file, reason)`` pairs, ``flagged`` loaded files
    that look wrong (an implausible length) as ``(file, note)`` pairs; ``seconds`` is the wall
    time of the load.
    """

    source: str
    loaded: list[LoadedFile] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    seconds: float = 0.0
    flagged: list[FlaggedFile] = field(default_factory=list)
    limit: int | None = None

    #: Rows shown in a notebook before the table says "... and N more".
    max_rows: int = 40

    @property
    def n_loaded(self) -> int:
        """How many files/tunes gave pieces."""
        return len(self.loaded)

    @property
    def n_skipped(self) -> int:
        """How many files/tunes were left out."""
        return len(self.skipped)

    @property
    def from_cache(self) -> int:
        """How many of the loaded files came from the on-disk cache."""
        return sum(1 for item in self.loaded if item.cached)

    def reasons(self) -> dict[str, int]:
        """How often each kind of reason occurs (the text before the first colon)."""
        counts: dict[str, int] = {}
        for item in self.skipped:
            kind = item.reason.split(":")[0].strip()
            counts[kind] = counts.get(kind, 0) + 1
        return counts

    def to_rows(self) -> list[dict[str, Any]]:
        """One dict per file: ``file``, ``status`` (loaded/skipped), ``title``, ``notes``,
        ``reason``."""
        rows: list[dict[str, Any]] = []
        for item in self.loaded:
            rows.append(
                {
                    "file": item.file,
                    "status": "loaded",
                    "title": item.title,
                    "notes": item.n_notes,
                    "reason": "from cache" if item.cached else "",
                }
            )
        for skip in self.skipped:
            rows.append(
                {
                    "file": skip.file,
                    "status": "skipped",
                    "title": "",
                    "notes": 0,
                    "reason": skip.reason,
                }
            )
        notes = {item.file: item.note for item in self.flagged}
        for row in rows:
            if row["file"] in notes and row["status"] == "loaded":
                row["reason"] = "; ".join(r for r in (row["reason"], notes[row["file"]]) if r)
        return rows

    def summary(self) -> str:
        """One line: how many loaded, skipped, from the cache, and how long it took."""
        limit = f" (limit {self.limit})" if self.limit is not None else ""
        flagged = f", {len(self.flagged)} flagged" if self.flagged else ""
        return (
            f"{self.source}: {self.n_loaded} loaded{limit}, {self.n_skipped} skipped"
            f"{flagged}, {self.from_cache} from cache, {self.seconds:.2f} s"
        )

    def __str__(self) -> str:
        """The summary, then every flagged and skipped file with its reason, wrapped at word
        boundaries for a notebook's output (``print(report)``)."""
        lines = [self.summary()]
        if len(lines[0]) > WIDTH:  # a long source on its own line, the counts under it
            lines[0] = f"{self.source}:\n  {lines[0][len(self.source) + 2 :]}"
        for item in self.flagged[: self.max_rows]:
            lines.append(f"  flagged {item.file}: {item.note}")
        for skip in self.skipped[: self.max_rows]:
            lines.append(f"  skipped {skip.file}: {skip.reason}")
        if self.n_skipped > self.max_rows:
            lines.append(f"  ... and {self.n_skipped - self.max_rows} more skipped")
        return wrap("\n".join(lines))

    def __repr__(self) -> str:
        return f"LoadReport({self.summary()})"

    def _repr_html_(self) -> str:
        esc = html.escape
        head = (
            "<tr><th style='text-align:left'>file</th><th style='text-align:left'>status</th>"
            "<th style='text-align:left'>title</th><th>notes</th>"
            "<th style='text-align:left'>reason</th></tr>"
        )
        rows = self.to_rows()
        # skipped files first: they are what a student needs to look at
        flagged = {item.file for item in self.flagged}
        rows.sort(key=lambda r: (r["status"] != "skipped", r["file"] not in flagged))
        body = []
        for row in rows[: self.max_rows]:
            colour = "#b00020" if row["status"] == "skipped" else "inherit"
            body.append(
                f"<tr><td style='text-align:left'>{esc(row['file'])}</td>"
                f"<td style='text-align:left;color:{colour}'>{row['status']}</td>"
                f"<td style='text-align:left'>{esc(row['title'])}</td><td>{row['notes']}</td>"
                f"<td style='text-align:left'>{esc(row['reason'])}</td></tr>"
            )
        if len(rows) > self.max_rows:
            body.append(
                f"<tr><td colspan='5' style='text-align:left'>... and "
                f"{len(rows) - self.max_rows} more rows (report.to_rows() has them all)"
                "</td></tr>"
            )
        return f"<div><p><b>{esc(self.summary())}</b></p><table>{head}{''.join(body)}</table></div>"

"""The syllabus names every notebook with a measured quick-mode time, and every corpus."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SYLLABUS = ROOT / "lessons" / "README.md"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_syllabus_has_a_row_with_a_quick_mode_time_for_every_topic():
    text = SYLLABUS.read_text()
    rows = [line for line in text.splitlines() if re.match(r"^\| \d\d \|", line)]
    assert len(rows) >= len({n.name[:2] for n in NOTEBOOKS})
    for row in rows:
        quick = row.split("|")[5]
        assert re.search(r"\d+ s", quick), f"no measured quick-mode time in: {row}"
    for heading in (
        "Prerequisites",
        "Capstone project",
        "provenance and licences",
        "Who owns generated music",
        "How to evaluate generated music",
    ):
        assert heading in text, heading


def test_syllabus_gives_provenance_and_licence_of_every_corpus():
    text = SYLLABUS.read_text()
    for corpus in (
        "Bach",
        "O'Neill",
        "Ryan's",
        "Essen",
        "Nottingham",
        "JSB",
        "Lakh",
        "piano-midi.de",
        "own MIDI",
    ):
        assert corpus in text, corpus
    for licence in ("public domain", "GPL v3", "CC BY 4.0", "CC BY-SA 3.0 DE", "non-commercial"):
        assert licence in text, licence

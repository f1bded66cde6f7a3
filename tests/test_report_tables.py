"""The result tables of notebooks 05 and 06: formatting of figures measured elsewhere."""

from __future__ import annotations

import math

import numpy as np
import pytest

from musicnb import MusicnbError, plots, report_tables
from musicnb.diagnostics import note_event_profile

HEADS = report_tables.MELODY_HARMONY_COLUMNS


def _figures(value: float = 0.5) -> dict[str, float]:
    figures = {}
    for h in HEADS:
        figures[f"{h}_argmax"] = value
        figures[f"{h}_sampled"] = value / 2
        figures[f"bigram_{h}_argmax"] = 0.25
        figures[f"bigram_{h}_sampled"] = 0.125
        figures[f"repeat_{h}"] = 0.75
    return figures


def test_percent_formats_and_marks_missing_figures():
    assert report_tables.percent(0.125) == "12.5 %"
    assert report_tables.percent(0.5, digits=0) == "50 %"
    assert report_tables.percent(float("nan")) == "–"
    assert report_tables.percent(None) == "–"


def test_melody_harmony_table_has_every_row_and_the_published_figures():
    figures = _figures()
    figures["joint_argmax"] = 0.123
    table = report_tables.melody_harmony_table(figures, "Test split")
    assert table._repr_markdown_() == str(table)
    lines = str(table).splitlines()
    assert lines[0].startswith("**Test split (overall = mean of the two heads")
    assert lines[2] == "|  | melody | harmony | overall | joint |"
    rows = {line.split(" | ")[0].lstrip("| "): line for line in lines[4:]}
    assert rows["model, argmax"] == "| model, argmax | 50.0 % | 50.0 % | 50.0 % | 12.3 % |"
    assert "25.0 %" in rows["model, sampled"] and "75.0 %" in rows["repeat previous step"]
    published = rows["published, Nottingham (Zimmerman, sampled)"]
    assert (
        published == "| published, Nottingham (Zimmerman, sampled) | 64.1 % | 91.6 % | 77.8 % | – |"
    )


def test_melody_harmony_table_names_missing_figures():
    figures = _figures()
    del figures["repeat_joint"]
    with pytest.raises(MusicnbError, match="repeat_joint"):
        report_tables.melody_harmony_table(figures, "x")


def test_markdown_table_refuses_a_ragged_row():
    with pytest.raises(MusicnbError, match="2 cells for 3 columns"):
        report_tables.markdown_table(["a", "b", "c"], [["1", "2"]])


def test_note_event_profile_measures_accent_rhythm_and_key():
    # four quarter notes of C major, loud on the beat, then an off-beat eighth, softer
    events = np.array(
        [[60, 100, 0], [62, 100, 1], [64, 100, 1], [65, 100, 1], [67, 60, 0.5], [69, 60, 1]],
        dtype=float,
    )
    profile = note_event_profile([events])
    assert profile["accent"] == pytest.approx(40.0)
    assert profile["mean_dt"] == pytest.approx(4.5 / 6)
    assert profile["commonest_dt"] == 1.0
    assert profile["scale_consistency"] == pytest.approx(1.0)
    flat = events.copy()
    flat[:, 2] = 1.0  # every onset on a beat: no off-beat notes to compare with
    assert math.isnan(note_event_profile([flat])["accent"])
    with pytest.raises(MusicnbError, match="non-empty"):
        note_event_profile([np.zeros((0, 3))])


def test_note_event_table_has_one_row_per_line():
    events = np.array([[60, 100, 0], [64, 80, 0.5], [67, 100, 0.5]], dtype=float)
    table = str(report_tables.note_event_table({"training": [events], "generated": [events]}))
    assert table.count("\n") == 3 and "| training | +20.0 | 0.33 | 0.5 | 100% |" in table


def test_use_b_table_rows_and_the_data_row():
    figures = {
        "test_accuracy": 0.5,
        "predicted_onsets": 0.2,
        "sampled_onsets": 0.3,
        "p_rest_or_hold_at_onsets": 0.6,
        "p_rest_or_hold": 0.7,
        "scale_consistency": 0.9,
    }
    data = {
        "scale_consistency": 0.98,
        "p_rest_or_hold": 0.77,
        "predicted_onsets": 0.23,
        "sampled_onsets": 0.23,
    }
    table = str(report_tables.use_b_table({"cross-entropy": figures}, data))
    assert "| cross-entropy | 50.0 % | 20.0 % | 30.0 % | 60.0 % | 70.0 % | 90.0 % |" in table
    assert (
        "| (data) |  | 23.0 % (test targets) | 23.0 % (test targets) |  | 77.0 % (test targets) "
        "| 98.0 % (training) |" in table
    )


def test_alpha_sweep_plots_one_point_per_alpha_and_kind():
    import matplotlib

    matplotlib.use("Agg")
    sweep = {0.8: _figures(0.6), 0.2: _figures(0.4)}
    sweep[0.2]["harmony_argmax"] = 0.9
    ax = plots.alpha_sweep(sweep)
    sampled, argmax = ax.get_lines()
    assert list(sampled.get_xdata()) == [20.0, 30.0]  # α sorted: 0.2, then 0.8
    assert list(argmax.get_ydata()) == [90.0, 60.0]
    assert [t.get_text() for t in ax.texts][:2] == ["α=0.2", "α=0.8"]
    with pytest.raises(MusicnbError, match="at least one"):
        plots.alpha_sweep({})

"""doctor(): every row present, each check isolated, missing/old libraries explained."""

from __future__ import annotations

import importlib
import sys
import types

import musicnb
from musicnb.environment_check import Check, DoctorReport, doctor

doctor_module = importlib.import_module("musicnb.environment_check")


def test_report_has_the_rows_a_student_needs(run_folders):
    report = musicnb.doctor()
    names = [c.name for c in report.checks]
    for wanted in (
        "Python",
        "TensorFlow",
        "Keras",
        "music21",
        "GPUs",
        "trains on",
        "corpus",
        "audio",
        "cache folder",
        "quick mode",
    ):
        assert wanted in names
    assert report["Keras"].status == "ok" and "backend tensorflow" in report["Keras"].found
    assert report["corpus"].status == "ok" and "Bach" in report["corpus"].found
    assert report["quick mode"].found.startswith("on")  # the tests run in quick mode
    assert report.ok
    html = report._repr_html_()
    assert "<table>" in html and "TensorFlow" in html
    assert "TensorFlow" in str(report)


def test_a_crashing_check_becomes_an_error_row_and_the_rest_still_run():
    def check_boom():
        raise RuntimeError("kaboom")

    report = doctor([doctor_module.check_python, check_boom, doctor_module.check_quick_mode])
    assert [c.name for c in report.checks] == ["Python", "boom", "quick mode"]
    assert report["boom"].status == "error" and "kaboom" in report["boom"].found
    assert not report.ok and report.problems == [report["boom"]]


def test_missing_tensorflow_and_keras_are_explained(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow", None)  # import now raises ImportError
    monkeypatch.setitem(sys.modules, "keras", None)
    report = doctor([doctor_module.check_tensorflow, doctor_module.check_keras])
    assert report["TensorFlow"].status == "error" and "not installed" in report["TensorFlow"].found
    assert "make lab" in report["TensorFlow"].advice
    assert report["Keras"].status == "error" and "keras >= 3" in report["Keras"].advice


def test_old_keras_and_music21_are_known_breakages(monkeypatch):
    monkeypatch.setitem(sys.modules, "keras", types.SimpleNamespace(__version__="2.15.0"))
    old21 = types.ModuleType("music21")
    old21.__version__ = "8.1.0"
    monkeypatch.setitem(sys.modules, "music21", old21)
    report = doctor([doctor_module.check_keras, doctor_module.check_music21])
    assert report["Keras"].status == "error" and "Keras 3" in report["Keras"].advice
    assert report["music21"].status == "error" and "music21 >= 9" in report["music21"].advice


def test_unwritable_cache_folder_is_an_error(monkeypatch, tmp_path, run_folders):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MUSICNB_CACHE_DIR", str(blocker / "cache"))
    report = doctor([doctor_module.check_folders])
    assert report["cache folder"].status == "error"
    assert "MUSICNB_CACHE_DIR" in report["cache folder"].advice


def test_text_report_lists_advice_under_problems():
    report = DoctorReport([Check("thing", "warn", "old", "upgrade it")])
    text = str(report)
    assert "WARN" in text and "-> upgrade it" in text and report.ok

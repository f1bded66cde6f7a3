"""What the package prints wraps at word boundaries (JupyterLab breaks a too-long printed line
in the middle of a word)."""

from __future__ import annotations

from musicnb import Piece
from musicnb.corpus.report import LoadedFile, LoadReport, SkippedFile
from musicnb.environment_check import Check, DoctorReport
from musicnb.printed import WIDTH, wrap

SENTENCE = (
    "ryans_mammoth (Ryan's Mammoth Collection (1883): American fiddle tunes, melody only): "
    "5 loaded (limit 5), 0 skipped, 0 from cache, 6.61 s"
)


def _fits(text: str, width: int = WIDTH) -> bool:
    """Every line fits, or is one word (a path) too long to break."""
    return all(len(line) <= width or len(line.split()) == 1 for line in text.splitlines())


def test_wrap_breaks_long_lines_at_spaces_only_and_keeps_short_ones():
    wrapped = wrap(SENTENCE, width=40)
    lines = wrapped.splitlines()
    assert len(lines) > 2 and all(len(line) <= 40 for line in lines)
    assert all(line.startswith("  ") for line in lines[1:])  # continuation indented
    assert wrapped.split() == SENTENCE.split()  # no word cut or lost
    assert wrap("short\n  kept as is") == "short\n  kept as is"


def test_wrap_keeps_paths_and_hyphenated_words_whole():
    path = "/very/long/site-packages/path/" + "x" * 60 + "/music21/corpus"
    wrapped = wrap(f"corpus in {path} (413 Bach files), pitch F2-F5 to B♭5", width=30)
    assert path in wrapped.splitlines()[1] and "F2-F5" in wrapped.split()


def test_a_load_report_prints_in_lines_that_fit():
    reason = "not a MIDI file: " + "the header is wrong " * 8
    report = LoadReport(
        SENTENCE.split(":")[0],
        loaded=[LoadedFile("a.mid", "a", 10, False)],
        skipped=[SkippedFile("broken.mid", reason)],
    )
    text = str(report)
    assert len(report.summary()) > WIDTH and "\n" not in report.summary()  # the line, unwrapped
    assert _fits(text) and len(text.splitlines()) > 3
    assert text.splitlines()[:2] == [
        report.source + ":",
        "  1 loaded, 1 skipped, 0 from cache, 0.00 s",
    ]
    assert text.split() == f"{report.summary()} skipped broken.mid: {reason}".split()


def test_doctor_text_wraps_each_column_under_itself():
    report = DoctorReport(
        [
            Check("audio", "info", "numpy " * 30, "install fluidsynth and a SoundFont " * 5),
            Check("Python", "ok", "3.11"),
        ]
    )
    lines = str(report).splitlines()
    assert _fits(str(report)) and len(lines) > 5
    column = len("INFO   audio   ")
    found = [line for line in lines if "numpy" in line]
    assert len(found) > 1 and all(line.index("numpy") == column for line in found)
    advice = [line for line in lines if "SoundFont" in line or "install" in line]
    assert advice[0].startswith(" " * column + "-> ")
    assert all(line.startswith(" " * (column + 3)) for line in advice[1:])


def test_a_printed_piece_fits_and_names_flats_as_musicians_do():
    piece = Piece.from_notes(
        [(70, 0, 1), (82, 1, 1)],
        title="a rather long title of a tune from the Essen folk-song collection",
    )
    assert "B♭4-B♭5" in repr(piece) and len(repr(piece)) > WIDTH
    assert _fits(str(piece)) and str(piece).split() == repr(piece).split()

"""The command line: train a tiny run, generate MIDI from it, list runs, explain mistakes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from musicnb import Piece
from musicnb import __main__ as cli


def tiny_pieces(n: int = 6, notes: int = 40) -> list[Piece]:
    """Seeded random-walk melodies in C major (eighth and quarter notes)."""
    rng = np.random.default_rng(0)
    scale = [60, 62, 64, 65, 67, 69, 71, 72]
    pieces = []
    for k in range(n):
        degree, start, rows = 3, 0.0, []
        for _ in range(notes):
            degree = int(np.clip(degree + rng.integers(-2, 3), 0, 7))
            duration = float(rng.choice([0.5, 1.0]))
            rows.append((scale[degree], start, duration))
            start += duration
        pieces.append(Piece.from_notes(rows, title=f"tune {k}", key="C major"))
    return pieces


@pytest.fixture()
def midi_corpus(tmp_path):
    """A folder of six small MIDI tunes: a corpus as a student would bring their own."""
    from musicnb import midi

    folder = tmp_path / "tunes"
    for k, piece in enumerate(tiny_pieces()):
        midi.write(piece, folder / f"tune_{k}.mid")
    return folder


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("train", "generate", "runs", "doctor"):
        assert command in out
    assert cli.main([]) == 2  # no command: help, and a non-zero exit


def test_train_then_generate_writes_midi(run_folders, midi_corpus, capsys):
    from musicnb import midi

    run_dir = run_folders / "runs" / "cli_lstm"
    code = cli.main(
        [
            "train",
            "--model",
            "onehot_lstm",
            "--corpus",
            str(midi_corpus),
            "--limit",
            "6",
            "--units",
            "8",
            "--epochs",
            "1",
            "--batch-size",
            "8",
            "--chunk-length",
            "16",
            "--low",
            "55",
            "--high",
            "79",
            "--run-dir",
            str(run_dir),
        ]
    )
    assert code == 0
    assert "6 pieces loaded" in capsys.readouterr().out
    assert {
        "best.keras",
        "last.keras",
        "run.json",
        "encoder.json",
        "history.csv",
        "test_scores.json",
    } <= {p.name for p in run_dir.iterdir()}
    record = json.loads((run_dir / "run.json").read_text())
    assert record["params"]["sequence"] is True and record["params"]["units"] == 8
    assert record["info"]["corpus"] == str(midi_corpus) and record["info"]["chunk_length"] == 16
    assert record["info"]["pieces"] == {"train": 4, "valid": 1, "test": 1}
    scores = json.loads((run_dir / "test_scores.json").read_text())
    assert "bigram (previous event)" in scores and "onehot_lstm" in scores

    out = run_folders / "midi"
    args = [
        "generate",
        "--run",
        str(run_dir),
        "--length",
        "48",
        "--streams",
        "2",
        "--seed",
        "1",
        "--top-p",
        "0.95",
        "--key",
        "C major",
        "--out",
        str(out),
    ]
    assert cli.main(args) == 0
    files = sorted(out.glob("*.mid"))
    assert [f.name for f in files] == ["cli_lstm_01.mid", "cli_lstm_02.mid"]
    first = [midi.read(f) for f in files]
    printed = capsys.readouterr().out
    assert "repetition_rate" in printed and "cli_lstm_01.mid" in printed
    for piece in first:
        assert piece.n_notes > 0 and piece.end <= 48 / 4 + 1e-9
        assert set(int(p) % 12 for p in piece.pitch) <= {0, 2, 4, 5, 7, 9, 11}
    assert cli.main(args) == 0  # same seed -> the same notes
    again = [midi.read(f) for f in files]
    assert all(a.same_notes(b) for a, b in zip(first, again))

    # the opening of the run's first test piece as primer: the file starts with it
    assert (
        cli.main(
            [
                "generate",
                "--run",
                "cli_lstm",
                "--primer",
                "test",
                "--primer-steps",
                "16",
                "--length",
                "16",
                "--seed",
                "2",
                "--out",
                str(out),
                "--name",
                "primed",
                "--jit",
                "on",
            ]
        )
        == 0
    )
    primed = midi.read(out / "primed_01.mid")
    assert primed.end <= 32 / 4 + 1e-9

    # a drum-only primer: one sentence, exit code 2, no file written
    from midi_builders import meta_track, note_track, save_midi

    beat = save_midi(
        run_folders / "beat.mid",
        [meta_track(tempo_bpm=120), note_track([(36, i / 2, 0.25) for i in range(8)], channel=9)],
    )
    capsys.readouterr()
    drum_args = ["generate", "--run", "cli_lstm", "--primer", str(beat), "--out", str(out)]
    assert cli.main(drum_args + ["--name", "drums"]) == 2
    err = capsys.readouterr().err
    assert "no pitched notes (only 8 drum notes on channel 10" in err and not list(
        out.glob("drums_*")
    )

    assert cli.main(["runs"]) == 0
    assert "cli_lstm" in capsys.readouterr().out


def test_doctor_exit_code_follows_the_report(monkeypatch, capsys):
    import importlib

    doctor_module = importlib.import_module(
        "musicnb.environment_check"
    )  # the module, not the function

    class Report:
        def __init__(self, ok):
            self.ok = ok

        def __str__(self):
            return "musicnb doctor: fake"

    monkeypatch.setattr(doctor_module, "doctor", lambda: Report(True))
    assert cli.main(["doctor"]) == 0 and "fake" in capsys.readouterr().out
    monkeypatch.setattr(doctor_module, "doctor", lambda: Report(False))
    assert cli.main(["doctor"]) == 1


def test_mistakes_are_explained_without_a_traceback(run_folders, capsys):
    assert cli.main(["generate", "--run", str(run_folders / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "No trained model" in err
    assert cli.main(["train", "--epochs", "0"]) == 2
    assert "--epochs must be at least 1" in capsys.readouterr().err
    assert cli.main(["train", "--window", "0"]) == 2
    assert "--window must be at least 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["train", "--model", "transformer"])  # argparse rejects unknown models

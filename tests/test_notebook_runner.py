"""The headless notebook runner: parameter overrides (papermill's convention) and bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from musicnb import MusicnbError
from musicnb.notebooks import inject_parameters, parse_assignments, write_notebook


def _notebook(tmp_path):
    return write_notebook(
        tmp_path / "demo.ipynb",
        [
            ("md", "# demo"),
            ("params", "EPOCHS = 40\nNAME = 'full'"),
            ("code", "print(f'epochs={EPOCHS} name={NAME}')"),
        ],
    )


def test_assignments_are_checked_before_any_kernel_starts():
    assert parse_assignments(["EPOCHS=1", "SIZES=(8, 8)", "LIMIT=None"]) == {
        "EPOCHS": "1",
        "SIZES": "(8, 8)",
        "LIMIT": "None",
    }
    with pytest.raises(MusicnbError, match="NAME=VALUE"):
        parse_assignments(["EPOCHS"])
    with pytest.raises(MusicnbError, match="not a Python literal; quote strings"):
        parse_assignments(["NAME=full"])


def test_the_override_cell_goes_right_after_the_parameters_cell(tmp_path):
    import nbformat

    notebook = nbformat.read(str(_notebook(tmp_path)), as_version=4)
    inject_parameters(notebook, {"EPOCHS": "1"})
    tags = [cell.metadata.get("tags", []) for cell in notebook.cells]
    at = tags.index(["parameters"])
    assert tags[at + 1] == ["injected-parameters"]
    assert notebook.cells[at + 1].source.endswith("EPOCHS = 1")
    bare = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    with pytest.raises(MusicnbError, match="no cell tagged 'parameters'"):
        inject_parameters(bare, {"EPOCHS": "1"})


def test_the_command_line_runs_with_overrides_and_keeps_the_executed_copy(tmp_path):
    path = _notebook(tmp_path)
    out = tmp_path / "out"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "musicnb.notebooks",
            "run",
            str(path),
            "--out",
            str(out),
            "--set",
            "EPOCHS=1",
            "--set",
            "NAME='smoke'",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    executed = json.loads((out / "demo.ipynb").read_text())
    printed = "".join(
        "".join(o.get("text", ""))
        for c in executed["cells"]
        if c["cell_type"] == "code"
        for o in c.get("outputs", [])
    )
    assert "epochs=1 name=smoke" in printed
    stored = json.loads(path.read_text())  # the source notebook is left as it was
    assert not any(
        "injected-parameters" in c.get("metadata", {}).get("tags", []) for c in stored["cells"]
    )
    bad = subprocess.run(
        [sys.executable, "-m", "musicnb.notebooks", "run", str(path), "--set", "EPOCHS"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "NAME=VALUE" in bad.stderr


def test_papermill_injects_every_kind_of_literal_and_replaces_an_earlier_injection(tmp_path):
    import ast

    import nbformat

    notebook = nbformat.read(str(_notebook(tmp_path)), as_version=4)
    literals = {
        "EPOCHS": "1",
        "RATE": "-1e-3",
        "NAME": "'it\\'s \"quoted\" é'",
        "LIMIT": "None",
        "SIZES": "(8, 8)",
        "ONE": "(3,)",
        "FLAGS": "[True, False]",
        "TABLE": "{'a': 1.5}",
        "KINDS": "{'x', 'y'}",
        "Z": "1+2j",
    }
    inject_parameters(notebook, literals)
    inject_parameters(notebook, literals)  # an executed copy run again: one injected cell
    injected = [c for c in notebook.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    namespace: dict = {}
    exec(injected[0].source, namespace)
    for name, source in literals.items():
        assert namespace[name] == ast.literal_eval(source), name
        assert type(namespace[name]) is type(ast.literal_eval(source)), name
    assert notebook.metadata.papermill["parameters"]["EPOCHS"] == 1
    nbformat.validate(notebook)
    nbformat.writes(notebook)  # the metadata stays JSON (a complex number is kept as source)

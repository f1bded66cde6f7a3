"""The project's own shape: dependencies agree, notebooks are stored clean and tagged."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import tomllib

import musicnb

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_names_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    wanted |= {_name(r) for r in project["optional-dependencies"]["dev"]}
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "- pip:")
    conda_pip = {
        _name(line.strip()[2:])
        for line in lines[start + 1 :]
        if line.strip().startswith("- ") and not line.strip().startswith("- -e")
    }
    assert conda_pip == wanted


def test_dependencies_have_lower_bounds_and_no_exact_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"] + project["optional-dependencies"]["dev"]:
        assert ">=" in requirement and "==" not in requirement, requirement


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_notebook_is_stored_clean_with_setup_and_parameters(notebook: Path):
    data = json.loads(notebook.read_text())
    code = [c for c in data["cells"] if c["cell_type"] == "code"]
    for cell in code:
        assert cell.get("outputs", []) == [], f"{notebook.name} has stored outputs"
        assert cell.get("execution_count") is None, f"{notebook.name} has execution counts"
    first = "".join(code[0]["source"])
    assert f'musicnb.require_version("{musicnb.__version__}")' in first
    assert "google.colab" in first
    tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{notebook.name} needs exactly one cell tagged 'parameters'"
    assert "QUICK = musicnb.quick_mode()" in "".join(tagged[0]["source"])


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_every_notebook_has_a_lesson(notebook: Path):
    number = notebook.name[:2]
    lessons = list((ROOT / "lessons").glob(f"{number}-*.md"))
    assert lessons, f"lessons/{number}-....md is missing for {notebook.name}"
    text = lessons[0].read_text()
    for heading in ("Learning goals", "Exercises", "Answer key"):
        assert heading.lower() in text.lower(), f"{lessons[0].name} lacks a '{heading}' section"


def test_require_version_names_the_fix_on_mismatch():
    assert musicnb.require_version(musicnb.__version__) == musicnb.__version__
    with pytest.raises(musicnb.MusicnbError, match="make lab"):
        musicnb.require_version("0.0.0-other")

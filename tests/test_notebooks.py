"""Every course notebook runs top to bottom in a fresh kernel, in quick mode.

Notebooks run in course order and share one runs folder, as they do for a student (notebook
09 (the studio) finds the models notebooks 02-07 trained). Each runs in its own process and kernel.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
OUT = ROOT / "build" / "test-notebooks"


def test_the_course_has_notebooks():
    assert len(NOTEBOOKS) >= 2, "notebooks/ should hold the course notebooks 00_... 01_..."


@pytest.mark.notebook
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_notebook_runs_in_quick_mode(notebook: Path):
    env = dict(
        os.environ,
        MUSICNB_QUICK="1",
        MPLBACKEND="Agg",
        MUSICNB_RUNS_DIR=str(OUT / "runs"),
        MUSICNB_EXPORT_DIR=str(OUT / "exports"),
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "musicnb.notebooks",
            "run",
            str(notebook),
            "--quick",
            "--out",
            str(OUT),
            "--timeout",
            "1200",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, (
        f"{notebook.name} failed in quick mode; executed copy in {OUT / notebook.name}\n"
        f"{result.stdout[-4000:]}\n{result.stderr[-8000:]}"
    )

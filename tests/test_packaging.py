"""The wheel (`make wheel`, what a Colab student uploads) carries the ready-trained runs, and
``musicnb.pretrained`` finds them both in a checkout and in an installed wheel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRETRAINED = ROOT / "data" / "pretrained"
RUN_FILES = ("*/*.keras", "*/*.json", "*/*.csv")  # what pyproject.toml's package-data names


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Build the wheel as `make wheel` does, from a copy of what the build reads (so the
    repository gets no build/ or egg-info), with this environment's setuptools (offline)."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.tmp")
    shutil.copytree(ROOT / "musicnb", source / "musicnb", ignore=ignore)
    shutil.copytree(PRETRAINED, source / "data" / "pretrained", ignore=ignore)
    dist = tmp / "dist"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + ["--wheel-dir", str(dist), str(source)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (built,) = dist.glob("musicnb-*-py3-none-any.whl")
    return built


def test_a_checkout_finds_the_runs_in_data_pretrained(monkeypatch):
    from musicnb.pretrained import list_pretrained, pretrained_dir

    monkeypatch.delenv("MUSICNB_PRETRAINED", raising=False)
    assert pretrained_dir() == PRETRAINED
    assert [p.name for p in list_pretrained()] == sorted(
        p.name for p in PRETRAINED.iterdir() if (p / "run.json").exists()
    )


def test_the_wheel_holds_every_ready_trained_run_file_and_every_module(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    run_files = sorted({p for pattern in RUN_FILES for p in PRETRAINED.glob(pattern)})
    assert len(run_files) >= 6 * 3  # run.json, best.keras, encoder.json for each of six runs
    missing = [
        str(p.relative_to(PRETRAINED))
        for p in run_files
        if "musicnb/pretrained_runs/" + p.relative_to(PRETRAINED).as_posix() not in names
    ]
    assert not missing, f"ready-trained run files missing from {wheel.name}: {missing}"
    # pyproject.toml lists the packages by name: a sub-package left out would be missing here
    modules = [
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "musicnb").rglob("*.py")
        if "__pycache__" not in p.parts
    ]
    assert [m for m in modules if m not in names] == []
    assert wheel.stat().st_size < 20e6, f"{wheel.name} is {wheel.stat().st_size / 1e6:.1f} MB"


def test_an_installed_wheel_finds_its_ready_trained_runs(wheel, tmp_path):
    site = tmp_path / "site-packages"
    zipfile.ZipFile(wheel).extractall(site)  # a pure-Python wheel installs by unpacking
    probe = (
        "import json, musicnb, musicnb.pretrained as p\n"
        "model, encoder = p.for_listening('02_logistic_regression', None, None, quick=True)\n"
        "print(json.dumps({'module': musicnb.__file__, 'dir': str(p.pretrained_dir()),\n"
        "    'runs': [r.name for r in p.list_pretrained()],\n"
        "    'vocab': encoder.vocab_size, 'outputs': int(model.output_shape[-1])}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("MUSICNB_PRETRAINED", "PYTHONPATH")}
    env |= {"PYTHONPATH": str(site), "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout.strip().splitlines()
    assert "ready-trained 02_logistic_regression" in out[0]
    found = json.loads(out[-1])
    assert Path(found["module"]).is_relative_to(site)
    assert Path(found["dir"]) == site / "musicnb" / "pretrained_runs"
    assert found["runs"] == sorted(p.name for p in PRETRAINED.iterdir() if p.is_dir())
    assert found["vocab"] == found["outputs"] > 0

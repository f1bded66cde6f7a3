"""Shared test set-up: every test runs offline, in quick mode, with its own folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

os.environ.setdefault("MUSICNB_QUICK", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The parsed-piece cache lives in the ignored build/ folder so a fresh clone starts cold.
os.environ.setdefault("MUSICNB_CACHE_DIR", str(ROOT / "build" / "test-cache"))


@pytest.fixture()
def run_folders(tmp_path, monkeypatch):
    """Point runs and exports at a temporary folder for one test."""
    monkeypatch.setenv("MUSICNB_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("MUSICNB_EXPORT_DIR", str(tmp_path / "exports"))
    return tmp_path

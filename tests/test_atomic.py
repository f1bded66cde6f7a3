"""Atomic writes: the target is the old file or the complete new one, and no temporary is left."""

from __future__ import annotations

import json

import numpy as np
import pytest

from musicnb.atomic import atomic_path, write_bytes, write_json, write_text


def test_writes_create_folders_and_replace_the_old_content(tmp_path):
    target = tmp_path / "deep" / "folder" / "a.txt"
    write_text(target, "first")
    write_text(target, "second")
    assert target.read_text() == "second"
    write_bytes(tmp_path / "b.bin", b"\x00\x01")
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.txt"]


def test_new_files_get_ordinary_permissions_and_replaced_ones_keep_theirs(tmp_path):
    import os

    umask = os.umask(0)
    os.umask(umask)
    fresh = write_text(tmp_path / "export.mid", "x")
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask  # as open() would, not mkstemp's 0o600
    kept = tmp_path / "shared.json"
    kept.write_text("{}")
    kept.chmod(0o640)
    write_json(kept, {"a": 1})
    assert kept.stat().st_mode & 0o777 == 0o640


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary(tmp_path):
    target = tmp_path / "model.keras"
    target.write_text("the good checkpoint")
    with pytest.raises(RuntimeError, match="interrupted"):
        with atomic_path(target, suffix=".keras") as tmp:
            assert tmp.parent == target.parent and tmp.name.endswith(".keras")
            tmp.write_text("half a check")
            raise RuntimeError("interrupted while saving")
    assert target.read_text() == "the good checkpoint"
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]


def test_json_converts_numpy_values(tmp_path):
    path = write_json(
        tmp_path / "r.json", {"acc": np.float32(0.5), "n": np.int64(3), "rows": np.arange(3)}
    )
    assert json.loads(path.read_text()) == {"acc": 0.5, "n": 3, "rows": [0, 1, 2]}
    with pytest.raises(TypeError, match="not JSON serialisable"):
        write_json(tmp_path / "bad.json", {"x": object()})
    assert not (tmp_path / "bad.json").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]

"""TensorFlow's C++ start-up lines are filtered in notebooks; anything else on stderr stays."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from musicnb.tensorflow_startup import is_startup_noise

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_known_startup_lines_are_recognised_and_others_are_not():
    noise = [
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
        "I0000 00:00:1795556044.047095   20076 port.cc:153] oneDNN custom operations are on.",
        "E0000 00:00:1795556046.207462   20076 cuda_platform.cc:52] failed call to cuInit: X",
        "I0000 00:00:1795556044.112229   20076 cpu_feature_guard.cc:227] This TensorFlow binary",
        "To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow "
        "with the appropriate compiler flags.",
        "I0000 00:00:1795556089.544656   20349 service.cc:153] XLA service 0x55e2f1b29d00 initialized",
        "I0000 00:00:1795556090.371184   20349 device_compiler.h:208] Compiled cluster using XLA!  "
        "This line is logged at most once for the lifetime of the process.",
    ]
    kept = [
        "Traceback (most recent call last):",
        "ImportError: libcudnn.so.9: cannot open",
        "E0000 00:00:1.0   1 some_kernel.cc:10] Out of memory while allocating",
    ]
    assert all(is_startup_noise(line) for line in noise)
    assert not any(is_startup_noise(line) for line in kept)


def test_start_quietly_keeps_what_is_not_startup_noise(tmp_path):
    fake = tmp_path / "tensorflow"
    fake.mkdir()
    (fake / "__init__.py").write_text(
        textwrap.dedent("""
        import os
        os.write(2, b"I0000 00:00:1.5   7 port.cc:153] oneDNN custom operations are on.\\n")
        os.write(2, b"a real problem the student must see\\n")
        class config:
            @staticmethod
            def list_physical_devices():
                os.write(2, b"E0000 00:00:2.5   7 cuda_platform.cc:52] failed call to cuInit\\n")
                return []
        def constant(value):
            return value
        def function(fn, jit_compile=False):
            return fn
        """)
    )
    code = (
        f"import sys; sys.path.insert(0, {str(tmp_path)!r})\n"
        "from musicnb.tensorflow_startup import start_quietly\n"
        "print(start_quietly(), start_quietly())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False"]  # the second call does nothing
    assert "a real problem the student must see" in result.stderr
    assert "oneDNN" not in result.stderr and "cuInit" not in result.stderr


def test_real_tensorflow_starts_without_its_startup_lines():
    code = (
        "from musicnb.tensorflow_startup import start_quietly\n"
        "assert start_quietly()\n"
        "import tensorflow as tf\n"
        "print(int(tf.function(lambda x: x + 1, jit_compile=True)(tf.constant(2))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "3"
    assert "absl::InitializeLog" not in result.stderr and "oneDNN" not in result.stderr
    assert "Compiled cluster using XLA" not in result.stderr


def test_import_musicnb_does_not_start_tensorflow_even_in_a_kernel():
    code = (
        "import sys, types\n"
        "sys.modules.setdefault('ipykernel', types.ModuleType('ipykernel'))  # as in Jupyter\n"
        "import musicnb\n"
        "musicnb.__version__, musicnb.Piece, musicnb.MusicnbError\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'music21', 'matplotlib') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"  # no heavy library imported
    assert result.stderr == ""  # and stderr left alone


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_each_notebook_starts_tensorflow_quietly_in_its_set_up_cell(notebook):
    import nbformat

    cells = [c for c in nbformat.read(str(notebook), as_version=4).cells if c.cell_type == "code"]
    assert "musicnb.quiet_tensorflow()" in cells[0].source
    assert not any("quiet_tensorflow" in c.source for c in cells[1:])


def test_quiet_tensorflow_can_be_switched_off_to_read_the_log(monkeypatch):
    import musicnb

    monkeypatch.setenv("MUSICNB_TF_STARTUP_LOG", "1")
    assert musicnb.quiet_tensorflow() is False

"""Write and run the course notebooks (authoring, ``make test`` and ``make course``).

Students never need this module: it is the plumbing that keeps every notebook in the same
shape (a set-up cell that works in Colab, a ``parameters`` cell, no stored outputs) and runs
them headless in a fresh kernel.

Run the whole course from a terminal::

    python -m musicnb.notebooks run notebooks/*.ipynb --out build/course          # full mode
    python -m musicnb.notebooks run notebooks/03_onehot_lstm.ipynb --quick --out build/quick
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Sequence

from ._version import __version__
from .atomic import atomic_path
from .errors import MusicnbError

#: Where Colab installs the course from (the one pinned place; change it in a fork).
COLAB_INSTALL_SOURCE = "git+https://github.com/musicnb/musicnb"


def setup_cell_source(version: str = __version__) -> str:
    """The first code cell of every notebook: installs musicnb in Colab, checks the version."""
    return f'''# Set-up: in Colab this installs musicnb; everywhere it checks the version this notebook expects.
import importlib.util, subprocess, sys

if importlib.util.find_spec("musicnb") is None:
    if "google.colab" in sys.modules:
        subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "{COLAB_INSTALL_SOURCE}"])
    else:
        raise ModuleNotFoundError(
            "musicnb is not installed in this kernel. From the repository root run `make lab`: "
            "it installs the course into .venv and opens JupyterLab with it.")
import musicnb

musicnb.require_version("{version}")'''


def write_notebook(path: str | Path, cells: Sequence[tuple[str, str]]) -> Path:
    """Write a course notebook from ``(kind, source)`` pairs, with no outputs.

    ``kind`` is ``"md"`` (markdown), ``"code"`` or ``"params"`` (a code cell tagged
    ``parameters``, for papermill-style runners). The set-up cell is inserted before the
    first code cell automatically.
    """
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    setup_done = False
    for kind, source in cells:
        source = source.strip("\n")
        if kind == "md":
            notebook.cells.append(nbformat.v4.new_markdown_cell(source))
            continue
        if kind not in ("code", "params"):
            raise MusicnbError(f"Cell kind must be 'md', 'code' or 'params', got {kind!r}.")
        if not setup_done:
            notebook.cells.append(nbformat.v4.new_code_cell(setup_cell_source()))
            setup_done = True
        cell = nbformat.v4.new_code_cell(source)
        if kind == "params":
            cell.metadata["tags"] = ["parameters"]
        notebook.cells.append(cell)
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index:03d}"
    with atomic_path(path, suffix=".ipynb") as tmp:
        nbformat.write(notebook, str(tmp))
    return Path(path)


def execute_notebook(path: str | Path, out_path: str | Path | None = None, *,
                     timeout: int = 1800, cwd: str | Path | None = None) -> float:
    """Run a notebook top to bottom in a fresh kernel; returns the seconds it took.

    The kernel inherits this process's environment (set ``MUSICNB_QUICK=1`` for quick mode).
    The executed copy, with outputs, is written to ``out_path`` when given. A failing cell
    raises ``nbclient.exceptions.CellExecutionError`` naming the cell and the error.
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    notebook = nbformat.read(str(path), as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd or path.parent)}})
    began = time.perf_counter()
    try:
        client.execute()
    finally:
        if out_path is not None:
            out_path = Path(out_path)
            out_path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, str(out_path))
    return time.perf_counter() - began


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m musicnb.notebooks",
                                     description="Run course notebooks headless, in order.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="execute notebooks and keep the executed copies")
    run.add_argument("notebooks", nargs="+", type=Path)
    run.add_argument("--out", type=Path, default=Path("build/course"))
    run.add_argument("--quick", action="store_true", help="tiny data and few epochs")
    run.add_argument("--timeout", type=int, default=6 * 3600, help="seconds per cell")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    os.environ["MUSICNB_QUICK"] = "1" if args.quick else "0"
    out = args.out.resolve()
    os.environ.setdefault("MUSICNB_RUNS_DIR", str(out / "runs"))
    os.environ.setdefault("MUSICNB_EXPORT_DIR", str(out / "exports"))
    failures = 0
    for notebook in sorted(args.notebooks):
        target = out / notebook.name
        print(f"running {notebook} -> {target}", flush=True)
        try:
            seconds = execute_notebook(notebook, target, timeout=args.timeout)
        except Exception as exc:  # report and go on to the next notebook
            failures += 1
            print(f"FAILED {notebook}: {exc}", file=sys.stderr, flush=True)
        else:
            print(f"ok {notebook} in {seconds:.0f} s", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())

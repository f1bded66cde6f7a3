"""Write and run the course notebooks (authoring, ``make test`` and ``make course``).

Students never need this module: it is the plumbing that keeps every notebook in the same
shape (a set-up cell that works in Colab, a ``parameters`` cell, no stored outputs) and runs
them headless in a fresh kernel.

Run the whole course from a terminal::

    python -m musicnb.notebooks run notebooks/*.ipynb --out build/course          # full mode
    python -m musicnb.notebooks run notebooks/03_onehot_lstm.ipynb --quick --out build/quick
    python -m musicnb.notebooks run notebooks/*.ipynb --set EPOCHS=1 --out build/course-smoke

``--set NAME=VALUE`` overrides a name of a notebook's ``parameters`` cell with papermill's own
parameter injection (an ``injected-parameters`` cell after it); nbclient runs the kernel.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._version import __version__
from .atomic import atomic_path
from .errors import MusicnbError

#: Where Colab installs the course from: the one place that names it (README, "Colab").
#: A fork or a course mirror changes this line and puts :func:`setup_cell_source` into every
#: notebook's first code cell again.
COLAB_INSTALL_SOURCE = "git+https://github.com/musicnb/musicnb"


def setup_cell_source(version: str = __version__) -> str:
    """The first code cell of every notebook: installs musicnb in Colab, checks the version,
    starts TensorFlow quietly (:func:`musicnb.quiet_tensorflow`).

    In Colab it installs, in this order, a wheel or repository zip the student uploaded to
    ``/content`` (``make wheel`` builds ``dist/musicnb-<version>-py3-none-any.whl``), else
    :data:`COLAB_INSTALL_SOURCE`; when neither works it says what to upload instead."""
    return f'''# Set-up: in Colab this installs musicnb; everywhere it checks the version this notebook expects.
import glob, importlib.util, subprocess, sys

INSTALL_SOURCE = "{COLAB_INSTALL_SOURCE}"   # where the course is installed from (README: Colab)
if importlib.util.find_spec("musicnb") is None:
    if "google.colab" in sys.modules:
        uploaded = sorted(glob.glob("/content/musicnb-*.whl") + glob.glob("/content/musicnb*.zip"))
        source = uploaded[-1] if uploaded else INSTALL_SOURCE
        if subprocess.call([sys.executable, "-m", "pip", "install", "-q", source]) != 0:
            raise SystemExit(
                f"Could not install musicnb from {{source}}. Upload the course instead: build a "
                "wheel on any computer with `make wheel` (it writes dist/musicnb-*.whl) or download "
                "the repository as a zip, drag the file into Colab's Files panel (/content), and "
                "run this cell again.")
    else:
        raise ModuleNotFoundError(
            "musicnb is not installed in this kernel. From the repository root run `make lab`: "
            "it installs the course into .venv and opens JupyterLab with it.")
import musicnb

musicnb.require_version("{version}")
musicnb.quiet_tensorflow()   # start TensorFlow now, without its C++ start-up log lines'''


def write_notebook(path: str | Path, cells: Sequence[tuple[str, str]]) -> Path:
    """Write a course notebook from ``(kind, source)`` pairs, with no outputs.

    ``kind`` is ``"md"`` (markdown), ``"code"`` or ``"params"`` (a code cell tagged
    ``parameters``, for papermill-style runners). The set-up cell is inserted before the
    first code cell automatically.
    """
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
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


def parse_assignments(items: Sequence[str]) -> dict[str, str]:
    """``["EPOCHS=1", "N_PIECES=None"]`` -> ``{"EPOCHS": "1", "N_PIECES": "None"}``.

    Each value must be a Python literal (number, string in quotes, ``None``, tuple...), checked
    here so that a typo fails before a kernel starts."""
    import ast

    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name.isidentifier():
            raise MusicnbError(
                f"--set takes NAME=VALUE with a Python name, got {item!r}; e.g. --set EPOCHS=1."
            )
        try:
            ast.literal_eval(value)
        except (ValueError, SyntaxError):
            raise MusicnbError(
                f"--set {name}: {value!r} is not a Python literal; quote strings "
                f"(--set {name}='\"text\"') and write numbers, None or tuples "
                "as in Python."
            ) from None
        out[name] = value
    return out


#: The kernel name under which :func:`inject_parameters` registers its papermill translator
#: (a name of its own, so papermill's translator for ordinary Python kernels stays as it is).
_TRANSLATOR_NAME = "musicnb-python-literals"


def _literal_translator() -> type:
    """Papermill's Python translator, also writing the tuples, sets, complex numbers and bytes
    that ``--set`` accepts as literals (papermill would turn them into strings)."""
    from papermill.translators import PythonTranslator

    class LiteralTranslator(PythonTranslator):
        @classmethod
        def translate(cls, val: Any) -> str:
            if isinstance(val, tuple):
                items = [cls.translate(v) for v in val]
                return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
            if isinstance(val, (set, frozenset)):
                items = sorted(cls.translate(v) for v in val)
                inner = "{" + ", ".join(items) + "}" if items else "set()"
                return inner if isinstance(val, set) else f"frozenset({inner})"
            if isinstance(val, (complex, bytes)):
                return repr(val)
            return str(super().translate(val))

    return LiteralTranslator


def inject_parameters(notebook: Any, parameters: dict[str, str]) -> Any:
    """Insert a cell tagged ``injected-parameters`` right after the cell tagged ``parameters``,
    assigning each name its literal, with papermill's own
    :func:`papermill.parameterize.parameterize_notebook` (an earlier injected cell is
    replaced); the notebook's own defaults stay visible above it in the executed copy.
    ``notebook`` is changed in place and returned.

    ``parameters`` map names to Python literal source (:func:`parse_assignments`); papermill
    writes the values back as Python, so ``"1"``, ``"'text'"``, ``"None"`` and ``"(8, 8)"``
    arrive in the kernel as ``1``, ``'text'``, ``None`` and ``(8, 8)``.
    """
    import ast
    import json

    from papermill.parameterize import parameterize_notebook
    from papermill.translators import papermill_translators

    if not parameters:
        return notebook
    has_parameters_cell = any(
        "parameters" in cell.get("metadata", {}).get("tags", []) for cell in notebook.cells
    )
    if not has_parameters_cell:  # papermill would inject at the top (with a warning only)
        raise MusicnbError(
            "This notebook has no cell tagged 'parameters' to override; tag the "
            "cell that holds its settings (View > Cell metadata in JupyterLab)."
        )
    values = {name: ast.literal_eval(source) for name, source in parameters.items()}
    papermill_translators.register(_TRANSLATOR_NAME, _literal_translator())
    # what papermill's own loader (papermill.iorw.load_notebook_node) adds before injecting
    notebook.metadata.setdefault("papermill", {})
    untagged = [cell for cell in notebook.cells if "tags" not in cell.metadata]
    for cell in untagged:
        cell.metadata["tags"] = []
    result = parameterize_notebook(
        notebook,
        values,
        comment="Parameters set by the runner (--set)",
        kernel_name=_TRANSLATOR_NAME,
        language="python",
    )
    for cell in untagged:  # the other cells' metadata stays as it was
        if not cell.metadata.get("tags"):
            del cell.metadata["tags"]
    for name, value in values.items():  # the notebook's metadata must stay JSON
        try:
            json.dumps(value)
        except TypeError:
            result.metadata.papermill["parameters"][name] = parameters[name]
    for cell in result.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.source = cell.source.rstrip("\n")
            cell["id"] = "injected-parameters"
    if result is not notebook:  # nbformat.v4.upgrade returns the same notebook for v4
        notebook.cells, notebook.metadata = result.cells, result.metadata
    return notebook


def execute_notebook(
    path: str | Path,
    out_path: str | Path | None = None,
    *,
    timeout: int = 1800,
    cwd: str | Path | None = None,
    parameters: dict[str, str] | None = None,
) -> float:
    """Run a notebook top to bottom in a fresh kernel; returns the seconds it took.

    ``parameters`` (name -> Python literal source) override the parameters cell with
    papermill's injection (:func:`inject_parameters`): e.g. ``{"EPOCHS": "1"}`` runs full-size
    data and models for one epoch. nbclient runs the kernel (papermill's own executor runs on
    nbclient too; called directly it keeps this module's timeout and working-folder handling).

    The kernel inherits this process's environment (set ``MUSICNB_QUICK=1`` for quick mode).
    The executed copy, with outputs, is written to ``out_path`` when given. A failing cell
    raises ``nbclient.exceptions.CellExecutionError`` naming the cell and the error.
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    notebook = nbformat.read(str(path), as_version=4)
    inject_parameters(notebook, parameters or {})
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(cwd or path.parent)}},
    )
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
    parser = argparse.ArgumentParser(
        prog="python -m musicnb.notebooks", description="Run course notebooks headless, in order."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="execute notebooks and keep the executed copies")
    run.add_argument("notebooks", nargs="+", type=Path)
    run.add_argument("--out", type=Path, default=Path("build/course"))
    run.add_argument("--quick", action="store_true", help="tiny data and few epochs")
    run.add_argument("--timeout", type=int, default=6 * 3600, help="seconds per cell")
    run.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a name of the parameters cell, e.g. --set EPOCHS=1 "
        "(repeatable; a name a notebook does not use is harmless)",
    )
    args = parser.parse_args(argv)
    try:
        parameters = parse_assignments(args.set)
    except MusicnbError as exc:
        parser.error(str(exc))
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
            seconds = execute_notebook(
                notebook, target, timeout=args.timeout, parameters=parameters
            )
        except Exception as exc:  # report and go on to the next notebook
            failures += 1
            print(f"FAILED {notebook}: {exc}", file=sys.stderr, flush=True)
        else:
            print(f"ok {notebook} in {seconds:.0f} s", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Instructor and student versions of the course notebooks, with nbgrader's conventions.

The notebooks in ``notebooks/`` are the **instructor** versions: every exercise's answer sits
between two marker lines, as nbgrader writes them::

    def notes_per_part(piece):
        ### BEGIN SOLUTION
        return np.bincount(piece.part, minlength=piece.n_parts).tolist()
        ### END SOLUTION

    check_notes_per_part(notes_per_part)

The **student** version is built from it by nbgrader's own ``ClearSolutions`` preprocessor (the
step of ``nbgrader generate_assignment`` that removes answers) and ``ClearOutput``: each region
becomes :data:`CODE_STUB`, indented like the markers, and the checker below it reports the stub
as one sentence (:mod:`musicnb.exercises`). Cells holding a region carry nbgrader's cell
metadata (``solution: true`` and a ``grade_id``), so the same notebooks also work in a full
nbgrader course (``nbgrader generate_assignment`` / ``autograde``).

From a terminal::

    python -m musicnb.assignments student notebooks/*.ipynb --out build/student   # make student
    python -m musicnb.assignments mark notebooks/03_onehot_lstm.ipynb   # add nbgrader metadata
    python -m musicnb.assignments verify notebooks/00_setup_and_data.ipynb   # every stub caught

``verify`` runs :func:`checking_notebook`: the notebook top to bottom, where each exercise cell
runs first as the student sees it (it must fail with :class:`~musicnb.exercises.ExerciseFailed`)
and then as the instructor wrote it, so the cells after it still have what they need.

Converting a notebook's exercises (the same steps for every notebook):

1. In each exercise code cell, put the answer's lines (the function body, never the ``def``
   line or the checker call) between ``### BEGIN SOLUTION`` and ``### END SOLUTION``, indented
   like the body. Keep the checker call in the same cell, after the function.
2. Make the checker report in the one shape: call the student's function through
   :func:`musicnb.exercises.call_student` and fail with :func:`musicnb.exercises.fail` (or wrap
   an existing checker with :func:`musicnb.exercises.exercise_checker`).
3. ``python -m musicnb.assignments mark notebooks/NN_x.ipynb`` (nbgrader metadata), then
   ``MUSICNB_QUICK=1 python -m musicnb.assignments verify notebooks/NN_x.ipynb``: one ``ok``
   line per stub. ``tests/test_assignments.py`` picks the notebook up by itself.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .atomic import atomic_path
from .errors import MusicnbError
from .exercises import STUB_MESSAGE

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
#: What a solution region becomes in the student notebook (nbgrader's ``code_stub``).
CODE_STUB = (
    f'# YOUR CODE HERE (see the exercise above)\nraise NotImplementedError("{STUB_MESSAGE}")'
)
#: Tag of the student copy of an exercise cell in :func:`checking_notebook` (nbclient lets a
#: cell tagged ``raises-exception`` fail without stopping the run).
STUDENT_TAG = "student-stub"
#: One sentence, the shape every checker reports in.
MESSAGE_SHAPE = re.compile(
    r"^(?P<case>.+?) — got (?P<got>.+), expected (?P<expected>.+) — "
    r"(?P<hint>.+)$",
    re.DOTALL,
)


@dataclass(frozen=True)
class SolutionRegion:
    """One ``### BEGIN SOLUTION`` … ``### END SOLUTION`` region of a notebook."""

    cell_index: int
    cell_id: str
    lines: tuple[str, ...]  # the answer's lines, between the markers


def _read(path: str | Path) -> Any:
    import nbformat

    return nbformat.read(str(path), as_version=4)


def _as_notebook(notebook: Any) -> Any:
    return _read(notebook) if isinstance(notebook, (str, Path)) else notebook


def solution_regions(notebook: Any) -> list[SolutionRegion]:
    """Every solution region of a notebook (a path or a notebook object), in order.

    Raises :class:`MusicnbError` for a region that is not closed, a nested ``BEGIN``, an
    ``END`` without ``BEGIN``, or a region in a markdown cell (the course keeps answers in code
    cells; written answers live in the lessons' answer keys)."""
    notebook = _as_notebook(notebook)
    regions = []
    for index, cell in enumerate(notebook.cells):
        lines = cell.source.split("\n")
        start = None
        for number, line in enumerate(lines):
            where = f"cell {index} (id {cell.get('id', '?')}), line {number + 1}"
            if BEGIN in line:
                if cell.cell_type != "code":
                    raise MusicnbError(
                        f"{where}: a solution region in a {cell.cell_type} cell; "
                        "keep answers in code cells."
                    )
                if start is not None:
                    raise MusicnbError(
                        f"{where}: a second {BEGIN!r} before {END!r}; close the first region first."
                    )
                start = number
            elif END in line:
                if start is None:
                    raise MusicnbError(f"{where}: {END!r} without a {BEGIN!r} above it.")
                regions.append(
                    SolutionRegion(
                        index, str(cell.get("id", index)), tuple(lines[start + 1 : number])
                    )
                )
                start = None
        if start is not None:
            raise MusicnbError(
                f"cell {index} (id {cell.get('id', '?')}): {BEGIN!r} is never "
                f"closed; add {END!r} after the answer."
            )
    return regions


def exercise_cell_indices(notebook: Any) -> list[int]:
    """Indices of the cells holding at least one solution region."""
    return sorted({region.cell_index for region in solution_regions(notebook)})


def mark_solution_cells(notebook: Any) -> int:
    """Give every cell with a solution region nbgrader's metadata (``solution: true``, a
    ``grade_id`` from the cell id), in place; returns how many cells changed."""
    changed = 0
    for index in exercise_cell_indices(notebook):
        cell = notebook.cells[index]
        wanted = {
            "grade": False,
            "grade_id": f"exercise-{cell.get('id', index)}",
            "locked": False,
            "schema_version": 3,
            "solution": True,
            "task": False,
        }
        if cell.metadata.get("nbgrader") != wanted:
            cell.metadata["nbgrader"] = wanted
            changed += 1
    return changed


def unmarked_solution_cells(notebook: Any) -> list[int]:
    """Indices of cells with a solution region but without nbgrader's ``solution: true``."""
    notebook = _as_notebook(notebook)
    return [
        i
        for i in exercise_cell_indices(notebook)
        if not notebook.cells[i].metadata.get("nbgrader", {}).get("solution")
    ]


def student_version(notebook: Any) -> Any:
    """The student notebook: solution regions replaced by :data:`CODE_STUB` with nbgrader's
    ``ClearSolutions``, outputs cleared with its ``ClearOutput``; the instructor notebook (path
    or object) is not changed."""
    from nbgrader.preprocessors import ClearOutput, ClearSolutions

    notebook = copy.deepcopy(_as_notebook(notebook))
    solution_regions(notebook)  # fail early, with a cell number, on a broken region
    mark_solution_cells(notebook)
    resources: dict[str, Any] = {}
    clear = ClearSolutions(
        code_stub={"python": CODE_STUB}, begin_solution_delimeter=BEGIN, end_solution_delimeter=END
    )
    notebook, resources = clear.preprocess(notebook, resources)
    notebook, resources = ClearOutput().preprocess(notebook, resources)
    notebook.metadata.setdefault("musicnb", {})["version"] = "student"
    return notebook


def solution_only_lines(instructor: Any) -> set[str]:
    """Stripped lines that occur inside solution regions and nowhere else in the instructor
    notebook: none of them may survive in the student version."""
    instructor = _as_notebook(instructor)
    inside = {line.strip() for region in solution_regions(instructor) for line in region.lines}
    outside: set[str] = set()
    for _index, cell in enumerate(instructor.cells):
        in_region = False
        for line in cell.source.split("\n"):
            if BEGIN in line:
                in_region = True
            elif END in line:
                in_region = False
            elif not in_region:
                outside.add(line.strip())
    return {line for line in inside - outside if line and not line.startswith("#")}


def write_student_notebooks(paths: Sequence[str | Path], out_dir: str | Path) -> list[Path]:
    """Write the student version of each notebook into ``out_dir`` (same file names); a
    notebook without solution regions is copied with its outputs cleared."""
    import nbformat

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        target = out_dir / Path(path).name
        with atomic_path(target, suffix=".ipynb") as tmp:
            nbformat.write(student_version(path), str(tmp))
        written.append(target)
    return written


def checking_notebook(instructor: Any) -> Any:
    """A notebook that checks every stub: each exercise cell appears twice, first as the
    student version (tagged ``raises-exception`` and :data:`STUDENT_TAG`) and then as the
    instructor wrote it. Cells after the last exercise are left out (they cannot change
    whether a stub is caught)."""
    instructor = _as_notebook(instructor)
    student = student_version(instructor)
    exercises = exercise_cell_indices(instructor)
    if not exercises:
        raise MusicnbError(
            "This notebook has no solution regions to check; mark each "
            f"exercise's answer with {BEGIN!r} and {END!r}."
        )
    out = copy.deepcopy(instructor)
    cells = []
    for index, cell in enumerate(instructor.cells[: exercises[-1] + 1]):
        if index in exercises:
            stub = copy.deepcopy(student.cells[index])
            stub.metadata["tags"] = list(stub.metadata.get("tags", [])) + [
                "raises-exception",
                STUDENT_TAG,
            ]
            stub["id"] = f"{cell.get('id', index)}-student"
            cells.append(stub)
        cells.append(copy.deepcopy(cell))
    out.cells = cells
    return out


@dataclass(frozen=True)
class StubReport:
    """What one stub cell of an executed :func:`checking_notebook` said."""

    cell_id: str
    error_name: str | None  # None: the cell did not fail (the stub was not caught)
    message: str

    @property
    def readable(self) -> bool:
        """Caught as :class:`ExerciseFailed` with a one-sentence ``case — got …, expected …
        — hint`` message that names the stub."""
        return (
            self.error_name == "ExerciseFailed"
            and "\n" not in self.message.strip()
            and MESSAGE_SHAPE.match(self.message.strip()) is not None
            and "stub" in self.message
        )


def stub_reports(executed: Any) -> list[StubReport]:
    """Read the error of each student-stub cell of an executed checking notebook."""
    reports = []
    for cell in executed.cells:
        if STUDENT_TAG not in cell.metadata.get("tags", []):
            continue
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errors:
            reports.append(StubReport(cell["id"], errors[0]["ename"], errors[0]["evalue"]))
        else:
            reports.append(StubReport(cell["id"], None, "the cell ran without an error"))
    return reports


def verify(
    path: str | Path, out_path: str | Path | None = None, timeout: int = 1200
) -> list[StubReport]:
    """Run :func:`checking_notebook` of ``path`` in a fresh kernel (the environment decides
    quick mode) and return one :class:`StubReport` per stub. Raises when a cell outside the
    stubs fails (the student notebook would not run up to its exercise)."""
    import nbformat

    from .notebooks import execute_notebook

    path = Path(path)
    build = Path(out_path) if out_path else Path("build") / "student-check" / path.name
    build.parent.mkdir(parents=True, exist_ok=True)
    source = build.with_suffix(".source.ipynb")
    nbformat.write(checking_notebook(path), str(source))
    # run from the instructor notebook's folder, as a student would
    execute_notebook(source, build, timeout=timeout, cwd=path.resolve().parent)
    return stub_reports(_read(build))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m musicnb.assignments",
        description="Student versions of the course notebooks.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    student = sub.add_parser("student", help="write student notebooks (solutions removed)")
    student.add_argument("notebooks", nargs="+", type=Path)
    student.add_argument("--out", type=Path, default=Path("build/student"))
    mark = sub.add_parser("mark", help="add nbgrader metadata to cells with solution regions")
    mark.add_argument("notebooks", nargs="+", type=Path)
    check = sub.add_parser("verify", help="run a notebook checking that every stub is caught")
    check.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "student":
            for source, target in zip(
                args.notebooks, write_student_notebooks(args.notebooks, args.out)
            ):
                print(
                    f"wrote {target} ({len(solution_regions(source))} solution region(s) "
                    "replaced by stubs)"
                )
        elif args.command == "mark":
            import nbformat

            for path in args.notebooks:
                notebook = _read(path)
                changed = mark_solution_cells(notebook)
                if changed:
                    with atomic_path(path, suffix=".ipynb") as tmp:
                        nbformat.write(notebook, str(tmp))
                print(
                    f"{path}: {changed} cell(s) marked, "
                    f"{len(exercise_cell_indices(notebook))} exercise cell(s) in all"
                )
        else:
            bad = 0
            for path in args.notebooks:
                for report in verify(path):
                    ok = report.readable
                    bad += not ok
                    print(
                        f"{'ok ' if ok else 'BAD'} {path.name} {report.cell_id}: "
                        f"{report.error_name}: {report.message}"
                    )
            return 1 if bad else 0
    except MusicnbError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``doctor()``: one call that says whether this machine is ready for the course, and what to fix.

Each check runs on its own (a crash in one becomes that row's error, never the report's), so
``doctor()`` is the first thing to run when something does not work, and what to paste into a
question to the instructor. Statuses: ``ok``, ``info``, ``warn`` (works, but read the advice)
and ``error`` (the course will fail until it is fixed).

Called as ``musicnb.doctor()``; the module is named ``environment_check`` so that the name
``musicnb.doctor`` always means the function, never this module.
"""

from __future__ import annotations

import html
import importlib
import os
import platform
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import MusicnbError
from .printed import wrap

STATUSES = ("ok", "info", "warn", "error")
_ICONS = {"ok": "✅", "info": "ℹ️", "warn": "⚠️", "error": "❌"}
_INSTALL = "run `make lab` from the repository root (or `pip install -e .` in your environment)"


@dataclass(frozen=True)
class Check:
    """One row of the report: what was checked, what was found, and what to do."""

    name: str
    status: str
    found: str
    advice: str = ""


@dataclass
class DoctorReport:
    """The rows of :func:`doctor`; displays as a table in a notebook and as text in a terminal."""

    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no check is an ``error``."""
        return not any(c.status == "error" for c in self.checks)

    @property
    def problems(self) -> list[Check]:
        """The ``warn`` and ``error`` rows."""
        return [c for c in self.checks if c.status in ("warn", "error")]

    def __getitem__(self, name: str) -> Check:
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(f"No check named {name!r}; checks: {[c.name for c in self.checks]}")

    def __str__(self) -> str:
        width = max((len(c.name) for c in self.checks), default=5)
        column = " " * (width + 9)  # where "found" starts: status (5), name (width), 2 + 2 spaces
        lines = []
        for c in self.checks:  # wrapped at word boundaries, continued under their own column
            lines.append(wrap(f"{c.status.upper():5}  {c.name:<{width}}  {c.found}", indent=column))
            if c.advice:
                lines.append(wrap(f"{column}-> {c.advice}", indent="   "))
        verdict = (
            "ready" if self.ok else f"{sum(c.status == 'error' for c in self.checks)} error(s)"
        )
        return "musicnb doctor: " + verdict + "\n" + "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        # JupyterLab right-aligns table cells by default; sentences read left-aligned.
        td = '<td style="text-align:left;vertical-align:top">'
        rows = "".join(
            f"<tr>{td}{_ICONS.get(c.status, '')} {html.escape(c.status)}</td>"
            f"{td}<b>{html.escape(c.name)}</b></td>{td}{html.escape(c.found)}</td>"
            f"{td}{html.escape(c.advice)}</td></tr>"
            for c in self.checks
        )
        verdict = "Ready for the course." if self.ok else "Fix the rows marked ❌ before going on."
        return (
            "<div><b>musicnb doctor</b>: "
            + html.escape(verdict)
            + '<table><thead><tr style="text-align:left"><th>status</th><th>check</th><th>found</th>'
            f"<th>what to do</th></tr></thead><tbody>{rows}</tbody></table></div>"
        )


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in str(text).split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def _module(name: str):
    """Import ``name``; ``None`` when it is not installed (``sys.modules[name] = None`` too)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


# ----------------------------------------------------------------------------- the checks
def check_python() -> list[Check]:
    version = platform.python_version()
    return [Check("Python", "ok", f"{version} ({sys.executable})")]


def check_musicnb() -> list[Check]:
    from ._version import __version__

    return [Check("musicnb", "ok", f"{__version__} at {Path(__file__).parent}")]


def check_tensorflow() -> list[Check]:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up log quiet
    tf = _module("tensorflow")
    if tf is None:
        return [
            Check(
                "TensorFlow",
                "error",
                "not installed",
                f"the models train with TensorFlow: {_INSTALL}.",
            )
        ]
    checks = [Check("TensorFlow", "ok", tf.__version__)]
    if _version_tuple(tf.__version__) < (2, 16):
        checks[0] = Check(
            "TensorFlow",
            "error",
            tf.__version__,
            "TensorFlow < 2.16 ships Keras 2; the course needs Keras 3: "
            "`pip install -U 'tensorflow>=2.16' 'keras>=3'`.",
        )
    if os.environ.get("TF_USE_LEGACY_KERAS", "").strip() in ("1", "true", "True"):
        checks.append(
            Check(
                "TF_USE_LEGACY_KERAS",
                "error",
                "set",
                "this makes tf.keras use Keras 2; unset it and restart the kernel.",
            )
        )
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        names = ", ".join(g.name for g in gpus)
        checks.append(Check("GPUs", "ok", f"{len(gpus)}: {names}"))
        checks.append(Check("trains on", "ok", "GPU:0 (the first GPU)"))
    else:
        checks.append(
            Check(
                "GPUs",
                "info",
                "none found",
                "fine for quick mode; for full mode use a GPU (Colab: Runtime > "
                "Change runtime type > GPU).",
            )
        )
        checks.append(Check("trains on", "info", "CPU"))
    return checks


def check_keras() -> list[Check]:
    keras = _module("keras")
    if keras is None:
        return [Check("Keras", "error", "not installed", f"{_INSTALL} (needs keras >= 3).")]
    version = getattr(keras, "__version__", "unknown")
    if _version_tuple(version) < (3,):
        return [
            Check(
                "Keras",
                "error",
                version,
                "the course uses Keras 3 (`keras.ops`, `.keras` "
                "files): `pip install -U 'keras>=3'` and restart the kernel.",
            )
        ]
    backend = keras.backend.backend()
    if backend != "tensorflow":
        return [
            Check(
                "Keras",
                "warn",
                f"{version}, backend {backend}",
                "the course is tested with the TensorFlow backend: set "
                "KERAS_BACKEND=tensorflow before importing keras and restart the kernel.",
            )
        ]
    return [Check("Keras", "ok", f"{version}, backend {backend}")]


def check_music21() -> list[Check]:
    music21 = _module("music21")
    if music21 is None:
        return [Check("music21", "error", "not installed", f"{_INSTALL} (needs music21 >= 9).")]
    version = music21.__version__
    if _version_tuple(version) < (9,):
        return [
            Check(
                "music21",
                "error",
                version,
                "the course needs music21 >= 9 (`pip install -U 'music21>=9'`).",
            )
        ]
    checks = [Check("music21", "ok", version)]
    from music21 import stream

    if not hasattr(stream.Stream, "flat"):
        checks.append(
            Check(
                "music21 .flat",
                "info",
                "removed in this version",
                "old tutorials write `score.flat.notes`; write `score.flatten().notes`.",
            )
        )
    elif _version_tuple(version) >= (7,):
        checks.append(
            Check(
                "music21 .flat",
                "info",
                "deprecated",
                "use `.flatten()` instead of `.flat` in your own code.",
            )
        )
    return checks


def check_corpus() -> list[Check]:
    music21 = _module("music21")
    if music21 is None:
        return [Check("corpus", "error", "music21 missing", "install music21 first (see above).")]
    from music21 import common

    root = Path(common.getCorpusFilePath())
    wanted = {
        "bach": "Bach chorales",
        "ryansMammoth": "Ryan's Mammoth",
        "oneills1850": "O'Neill's 1850",
        "essenFolksong": "Essen folk songs",
    }
    present = [label for folder, label in wanted.items() if (root / folder).is_dir()]
    missing = [label for folder, label in wanted.items() if not (root / folder).is_dir()]
    bach = len(list((root / "bach").rglob("bwv*"))) if (root / "bach").is_dir() else 0
    found = f"{', '.join(present) or 'none'} ({bach} Bach files) in {root}"
    if missing:
        return [
            Check(
                "corpus",
                "error" if not present else "warn",
                found,
                f"missing {', '.join(missing)}: the embedded corpus comes with music21's "
                "wheel; reinstall it with `pip install --force-reinstall music21`.",
            )
        ]
    return [Check("corpus", "ok", found)]


def _writable(label: str, folder_of: Callable[[], Path], advice: str) -> list[Check]:
    try:
        folder = folder_of()
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-", delete=True) as stream:
            stream.write(b"ok")
    except Exception as exc:
        return [Check(label, "error", f"not writable ({exc})", advice)]
    return [Check(label, "ok", f"{folder} (writable)")]


def check_folders() -> list[Check]:
    from . import settings

    return (
        _writable(
            "cache folder",
            settings.cache_dir,
            "set MUSICNB_CACHE_DIR to a folder you can write to.",
        )
        + _writable(
            "runs folder", settings.runs_dir, "set MUSICNB_RUNS_DIR to a folder you can write to."
        )
        + _writable(
            "export folder",
            settings.export_dir,
            "set MUSICNB_EXPORT_DIR to a folder you can write to.",
        )
    )


def check_quick_mode() -> list[Check]:
    from .settings import quick_mode

    if quick_mode():
        return [
            Check(
                "quick mode",
                "info",
                "on (MUSICNB_QUICK=1): tiny data, 1-2 epochs",
                "unset MUSICNB_QUICK for the full course (results in the lessons are "
                "full-mode results).",
            )
        ]
    return [Check("quick mode", "ok", "off (full course)")]


def check_audio() -> list[Check]:
    from . import audio

    name = audio.backend()
    status = "ok" if name != "numpy" else "info"
    advice = (
        ""
        if name != "numpy"
        else (
            "playback works with the built-in synthesiser; for real instruments install fluidsynth "
            "and a General MIDI SoundFont (Colab: `!apt-get install -y fluidsynth fluid-soundfont-gm`) "
            "or set MUSICNB_SOUNDFONT."
        )
    )
    found = name if name == "numpy" else f"{name}, SoundFont {audio.find_soundfont()}"
    return [Check("audio", status, found, advice)]


def check_libraries() -> list[Check]:
    checks = []
    for name, minimum, why in (
        ("numpy", (1, 24), "arrays"),
        ("matplotlib", (3, 7), "plots"),
        ("mido", (1, 3), "MIDI files"),
        ("ipywidgets", (8,), "the studio"),
    ):
        module = _module(name)
        if module is None:
            checks.append(Check(name, "error", "not installed", f"needed for {why}: {_INSTALL}."))
            continue
        version = getattr(module, "__version__", None)
        if version is None:
            from importlib.metadata import PackageNotFoundError
            from importlib.metadata import version as dist_version

            try:
                version = dist_version(name)
            except PackageNotFoundError:
                version = "unknown"
        if version != "unknown" and _version_tuple(version) < minimum:
            wanted = ".".join(map(str, minimum))
            checks.append(
                Check(
                    name,
                    "warn",
                    version,
                    f"the course is tested with {name} >= {wanted}: "
                    f"`pip install -U '{name}>={wanted}'`.",
                )
            )
        else:
            checks.append(Check(name, "ok", version))
    return checks


def check_environment() -> list[Check]:
    if "google.colab" in sys.modules:
        where = "Google Colab"
    elif "VSCODE_PID" in os.environ or "VSCODE_CWD" in os.environ:
        where = "VS Code"
    elif "ipykernel" in sys.modules:
        where = "Jupyter kernel"
    else:
        where = "terminal / script"
    return [Check("running in", "info", f"{where} on {platform.system()} {platform.machine()}")]


#: The checks :func:`doctor` runs, in order (each returns one or more rows).
CHECKS: list[Callable[[], list[Check]]] = [
    check_python,
    check_musicnb,
    check_environment,
    check_tensorflow,
    check_keras,
    check_music21,
    check_corpus,
    check_libraries,
    check_audio,
    check_folders,
    check_quick_mode,
]


def doctor(checks: list[Callable[[], list[Check]]] | None = None) -> DoctorReport:
    """Run every check (isolated from the others) and return the :class:`DoctorReport`.

    Show it as a cell's result for a table. A check that crashes is reported as an ``error``
    row naming the exception, and the remaining checks still run.
    """
    report = DoctorReport()
    for check in checks if checks is not None else CHECKS:
        name = check.__name__.removeprefix("check_").replace("_", " ")
        try:
            rows = check()
        except MusicnbError as exc:
            rows = [Check(name, "error", str(exc), "see the message.")]
        except Exception as exc:  # isolate every check: the report must always come back
            rows = [
                Check(
                    name,
                    "error",
                    f"the check crashed: {type(exc).__name__}: {exc}",
                    "reinstall with `make lab`; if it persists, report this row.",
                )
            ]
        report.checks.extend(rows)
    return report

"""The generation studio: pick a trained run, drag the sampling knobs, listen, compare, export.

``musicnb.widgets.studio()`` builds one ipywidgets 8 panel (notebook 07 ends in it)::

    ┌ model   [run ▾] [↻]   or a run folder [........] [Use folder]
    ├ primer  [test piece ▾] [Upload MIDI] primer length ──●──
    ├ knobs   temperature ──●──  top-k ──●──  top-p ──●──
    │         length ──●──  streams ──●──  key [none ▾]  seed [123] [New seed]
    ├ [Generate] [Cancel]  ▓▓▓▓▓░░░░ 320/512 steps
    ├ message (errors appear here as plain sentences, never as a traceback)
    ├ stream 1: piano roll | player | repairs  … one row per stream
    ├ diagnostics: each stream beside the primer's real continuation and the training set
    ├ A/B: a generated stream against the real continuation (optionally blind)
    └ export: [stream ▾] [Export MIDI + WAV] → download links

How it works, and why:

* **Generation runs in a background thread** in chunks of ``chunk`` steps (the
  :class:`musicnb.Sampler` is called once per chunk, primed with the primer plus what each stream
  has written so far, seed ``seed + chunk index`` so the same seed still gives the same notes).
  Between chunks the thread updates the progress bar and checks the Cancel flag. Because the
  click handler returns at once, the kernel keeps handling widget messages — that is what lets
  the Cancel button be clicked at all (a handler that blocked the kernel would queue the click
  until the generation had finished).
* Results are put into widgets directly (``Image`` for the piano roll, ``Audio`` for the WAV,
  ``HTML`` for tables and links), never through ``Output`` capture, which does not work from a
  thread.
* Every control is bounded (sliders, ``BoundedIntText``), so out-of-range input cannot be
  entered; every error is caught and shown as a sentence in the studio
  (:attr:`Studio.last_error` keeps the exception for whoever wants the details).
* ``Studio(..., background=False)`` does the same work synchronously, so tests can construct a
  studio, set values, call ``button.click()`` and assert what the outputs hold, with no browser.
* The model is behind a small interface (:class:`Engine`: ``vocab_size``, ``encoder``,
  ``generate_chunk``), so a test can swap in a fake; the real one wraps :class:`musicnb.Sampler`.

The A/B comparison follows the listening tests of the music-generation literature (e.g. the
"Turing test" sections of Huang et al. 2019, *Music Transformer*, and Hadjeres et al. 2017,
*DeepBach*): the fairest comparison is against what the real piece did after the same primer.
Both sides of the A/B player start with that primer (grey in the piano rolls), so the ear hears
the same opening and then the two continuations.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import io
import re
import tempfile
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence

import numpy as np

from .errors import MusicnbError
from .piece import Piece

__all__ = ["studio", "Studio", "Engine", "SamplerEngine", "GenerationResult", "KEY_CHOICES",
           "check_run_folder", "png_of_piece", "wav_of_piece", "download_link"]

NO_KEY = "none (any note)"
PRIMER_KEY = "the primer's key"
KEY_CHOICES: tuple[str, ...] = (NO_KEY, PRIMER_KEY) + tuple(
    f"{tonic} {mode}" for mode in ("major", "minor")
    for tonic in ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"))
NO_PRIMER = "(no primer: start from a rest)"
MAX_SEED = 2**31 - 2
UPLOAD_LIMIT_BYTES = 5_000_000


class Cancelled(Exception):
    """Raised inside the worker when the Cancel button was pressed between two chunks."""


# ====================================================================== the model behind the studio
class Engine(Protocol):
    """What the studio needs from a trained model: its vocabulary, encoder, and a chunk sampler."""

    name: str
    vocab_size: int
    encoder: Any
    info: dict

    def generate_chunk(self, primers: np.ndarray, length: int, *, temperature: float,
                       top_k: int | None, top_p: float | None, seed: int,
                       key: str | None) -> np.ndarray:
        """``(streams, length)`` tokens continuing each row of ``primers`` ``(streams, T)``."""


def check_run_folder(path: str | Path) -> Path:
    """The folder if it holds a saved training run, else a :class:`MusicnbError` saying why."""
    from .training import BEST_FILE, LAST_FILE, RUN_FILE

    text = str(path).strip()
    if not text:
        raise MusicnbError("Type the path of a run folder (one that holds run.json and "
                           "best.keras, written by musicnb.train) and press 'Use folder'.")
    folder = Path(text).expanduser()
    if not folder.exists():
        raise MusicnbError(f"There is no folder {folder}. Check the path; runs saved by the course "
                           "notebooks are under musicnb.runs_dir().")
    if not folder.is_dir():
        raise MusicnbError(f"{folder} is a file, not a run folder. Choose the folder that holds "
                           "run.json and best.keras.")
    if not (folder / BEST_FILE).exists() and not (folder / LAST_FILE).exists():
        raise MusicnbError(f"{folder} is not a training run: it has no {BEST_FILE} or {LAST_FILE}. "
                           "Train a model with musicnb.train(..., run_dir=...) and choose that folder.")
    if not (folder / RUN_FILE).exists():
        raise MusicnbError(f"{folder} has a checkpoint but no {RUN_FILE}; it was not written by "
                           "musicnb.train, so the studio does not know how to read it.")
    return folder


@dataclass
class SamplerEngine:
    """The real engine: a :class:`musicnb.Sampler` loaded from a run folder."""

    sampler: Any
    name: str = "model"
    info: dict = field(default_factory=dict)

    @classmethod
    def from_run(cls, run_dir: str | Path) -> "SamplerEngine":
        from .sampling import Sampler

        folder = check_run_folder(run_dir)
        try:
            sampler = Sampler.from_run(folder)
        except MusicnbError:
            raise
        except Exception as exc:  # a damaged or foreign checkpoint: say so in one sentence
            raise MusicnbError(f"Could not load the model in {folder} ({type(exc).__name__}: "
                               f"{str(exc)[:300]}). The checkpoint may be damaged or written by "
                               "another version; train the run again.") from exc
        if sampler.encoder is None or not hasattr(sampler.encoder, "decode_with_repairs"):
            raise MusicnbError(f"The run {folder.name} has no encoder.json, so its tokens cannot "
                               "be turned back into notes. Train it with musicnb.train(..., "
                               "encoder=encoder).")
        info = dict(getattr(getattr(sampler, "run", None), "info", {}) or {})
        return cls(sampler=sampler, name=folder.name, info=info)

    @property
    def vocab_size(self) -> int:
        return int(self.sampler.vocab_size)

    @property
    def encoder(self) -> Any:
        return self.sampler.encoder

    def generate_chunk(self, primers: np.ndarray, length: int, *, temperature: float,
                       top_k: int | None, top_p: float | None, seed: int,
                       key: str | None) -> np.ndarray:
        return self.sampler.generate(primers, length, temperature=temperature, top_k=top_k,
                                     top_p=top_p, streams=primers.shape[0], seed=seed, key=key)


# ====================================================================== rendering helpers
def png_of_piece(piece: Piece, title: str = "", width: float = 7.5, height: float = 2.4,
                 primer_end: float = 0.0) -> bytes:
    """PNG bytes of the piece's piano roll (``musicnb.plots.piano_roll``), thread-safe.

    Uses a bare :class:`matplotlib.figure.Figure` (no pyplot), so nothing is shown inline and
    it can be drawn from the studio's worker thread.
    """
    from matplotlib.figure import Figure

    from . import plots

    figure = Figure(figsize=(width, height), dpi=80)
    ax = figure.add_subplot(1, 1, 1)
    plots.piano_roll(piece, ax=ax, title=title or None)
    if primer_end > 0:
        ax.axvspan(0, primer_end, color="0.85", alpha=0.5, zorder=0, lw=0)
        ax.axvline(primer_end, color="tab:red", ls="--", lw=1)
        ax.text(primer_end, 1.0, " model →", transform=ax.get_xaxis_transform(),
                va="bottom", ha="left", fontsize=8, color="tab:red")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def wav_of_piece(piece: Piece) -> bytes:
    """16-bit WAV bytes of the piece, rendered by ``musicnb.audio``."""
    from . import audio

    return audio.to_wav_bytes(audio.render(piece), audio.SAMPLE_RATE)


def download_link(data: bytes, filename: str, mime: str, text: str | None = None) -> str:
    """An ``<a download>`` whose ``href`` is a base64 ``data:`` URI: works in any browser,
    with no server route (JupyterLab, Colab, VS Code, an exported HTML page)."""
    encoded = base64.b64encode(data).decode("ascii")
    label = html.escape(text or f"Download {filename}")
    return (f'<a download="{html.escape(filename)}" href="data:{mime};base64,{encoded}" '
            f'class="musicnb-download" target="_blank">{label}</a>')


def _safe_name(text: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_.")
    return name or "generated"


def _message_html(text: str, kind: str) -> str:
    colours = {"error": ("#fdecea", "#b71c1c"), "info": ("#e8f4fd", "#0d47a1"),
               "ok": ("#edf7ed", "#1b5e20")}
    background, colour = colours.get(kind, colours["info"])
    return (f'<div class="musicnb-message musicnb-{kind}" style="background:{background};'
            f'color:{colour};padding:6px 10px;border-radius:4px;white-space:pre-wrap">'
            f"{html.escape(text)}</div>")


def _diagnostics_columns(tokens: np.ndarray, continuation: np.ndarray | None,
                        reference: Sequence[np.ndarray], encoder: Any,
                        key: str | None) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Columns of the studio's diagnostics table (``musicnb.diagnostics``).

    One column per stream, one for the primer's real continuation, and the training set cut
    into excerpts of the generated length (``compare_to_training``: most numbers grow with
    length, so only equal lengths compare fairly), with its 10-90 % range and a verdict.
    """
    from . import diagnostics

    columns: dict[str, dict[str, Any]] = {}
    per_stream = diagnostics.generation_diagnostics(tokens, encoder=encoder, key=key)
    for i, row in enumerate(per_stream.rows):
        columns[f"stream {i + 1}"] = dict(row)
    if continuation is not None and continuation.size > 1:
        real = diagnostics.generation_diagnostics([continuation], encoder=encoder, key=key)
        columns["real continuation"] = dict(real.rows[0])
    notes: list[str] = []
    if reference:
        comparison = diagnostics.compare_to_training(tokens, list(reference), encoder=encoder,
                                                     key=key)
        columns["training set (mean)"] = dict(comparison.training.summary)
        spread, verdict = {}, {}
        for metric, generated, _, low_high, word in comparison.rows():
            spread[metric] = low_high
            verdict[metric] = word
        columns["training 10–90 %"] = spread
        columns["streams' mean is"] = verdict
        notes.append(f"training set: {len(comparison.training.rows)} excerpts of "
                     f"{comparison.length} steps")
    return columns, notes


def _diagnostics_table(columns: dict[str, dict[str, Any]]) -> str:
    names: list[str] = []
    for values in columns.values():
        names += [n for n in values if n not in names]
    if not names:
        return "<i>No diagnostics.</i>"
    head = "".join(f"<th style='padding:2px 8px'>{html.escape(c)}</th>" for c in columns)
    rows = []
    for name in names:
        cells = "".join(
            f"<td style='padding:2px 8px;text-align:right'>"
            f"{'' if name not in v else html.escape(_format_value(v[name]))}</td>"
            for v in columns.values())
        rows.append(f"<tr><td style='padding:2px 8px'>{html.escape(name.replace('_', ' '))}</td>"
                    f"{cells}</tr>")
    return (f"<table class='musicnb-diagnostics' style='border-collapse:collapse'>"
            f"<tr><th></th>{head}</tr>{''.join(rows)}</table>")


def _format_value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return _format_number(float(value))
    return str(value)


def _format_number(value: float) -> str:
    return f"{int(value)}" if float(value).is_integer() else f"{value:.3f}"


# ====================================================================== result record
@dataclass
class GenerationResult:
    """Everything one press of Generate produced (kept on :attr:`Studio.result`)."""

    tokens: np.ndarray                      # (streams, length) generated tokens, primer excluded
    pieces: list[Piece]                     # per stream: the primer, then what the model wrote
    repairs: list[int]                      # impossible generated tokens repaired, per stream
    primer_tokens: np.ndarray               # (T,) the primer
    continuation: Piece | None              # the primer, then what the real piece did next
    settings: dict                          # the knob values used
    diagnostics: dict[str, dict[str, Any]] = field(default_factory=dict)  # generated part only
    seconds: float = 0.0
    primer_quarters: float = 0.0            # where the primer ends in the pieces


# ====================================================================== the studio
class Studio:
    """The generation studio (see the module docstring). Display it as a cell's last line.

    Parameters
    ----------
    runs_root:
        Folder whose run sub-folders fill the model picker (default ``musicnb.runs_dir()``).
    pieces:
        Pieces offered as primers (e.g. the test split); their openings prime the model and
        their true continuations are the B side of the A/B player.
    reference:
        Pieces (e.g. the training split) whose diagnostics appear beside the generated ones.
    run:
        A run folder to select at start (default: the first run found).
    engine_factory:
        ``run_dir -> Engine``; default :meth:`SamplerEngine.from_run`. Tests pass a fake.
    background:
        Generate in a worker thread (True, for the browser) or synchronously (tests).
    chunk:
        Steps per generation chunk (progress and Cancel are handled between chunks).
    """

    def __init__(self, runs_root: str | Path | None = None, *, pieces: Sequence[Piece] = (),
                 reference: Sequence[Piece] = (), run: str | Path | None = None,
                 engine_factory: Callable[[Path], Any] | None = None,
                 background: bool = True, chunk: int = 64, length: int = 128, streams: int = 2,
                 temperature: float = 1.0, seed: int = 0, primer_steps: int = 32,
                 max_length: int = 2048, max_streams: int = 8) -> None:
        import ipywidgets as W

        self.runs_root = None if runs_root is None else Path(runs_root)
        self.pieces: list[Piece] = list(pieces)
        self.reference: list[Piece] = list(reference)
        self.engine_factory = engine_factory or SamplerEngine.from_run
        self.background = bool(background)
        self.chunk = max(1, int(chunk))
        self.uploads: list[Piece] = []
        self.engine: Any = None
        self.result: GenerationResult | None = None
        self.last_error: BaseException | None = None
        self.last_traceback: str = ""
        self._engines: dict[str, Any] = {}
        self._reference_tokens: dict[str, list[np.ndarray]] = {}
        self._diagnostics_notes: list[str] = []
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._ab_order = (0, 1)
        wide = W.Layout(width="420px")
        style = {"description_width": "110px"}

        # ---------------------------------------------------------------- model picker
        self.run_picker = W.Dropdown(description="Model run", options=[], layout=wide, style=style)
        self.refresh_button = W.Button(description="↻", tooltip="Look for new runs",
                                       layout=W.Layout(width="40px"))
        self.run_folder = W.Text(description="or a folder", placeholder="path/to/a/run/folder",
                                 layout=wide, style=style)
        self.use_folder_button = W.Button(description="Use folder", icon="folder-open")
        self.model_info = W.HTML()

        # ---------------------------------------------------------------- primer
        self.primer_picker = W.Dropdown(description="Primer", options=[], layout=wide, style=style)
        self.upload = W.FileUpload(accept=".mid,.midi", multiple=False,
                                   description="Upload MIDI")
        self.primer_steps = W.IntSlider(description="primer steps", value=primer_steps, min=1,
                                        max=256, step=1, style=style, layout=wide,
                                        tooltip="How many 16th steps of the primer the model reads")

        # ---------------------------------------------------------------- knobs
        self.temperature = W.FloatSlider(description="temperature", value=temperature, min=0.0,
                                         max=2.0, step=0.05, readout_format=".2f", style=style,
                                         layout=wide, continuous_update=False)
        self.top_k = W.IntSlider(description="top-k (0 = off)", value=0, min=0, max=64,
                                 style=style, layout=wide, continuous_update=False)
        self.top_p = W.FloatSlider(description="top-p (1 = off)", value=1.0, min=0.05, max=1.0,
                                   step=0.05, readout_format=".2f", style=style, layout=wide,
                                   continuous_update=False)
        self.length = W.IntSlider(description="length (16ths)", value=length, min=16,
                                  max=max_length, step=16, style=style, layout=wide,
                                  continuous_update=False)
        self.streams = W.IntSlider(description="streams", value=streams, min=1, max=max_streams,
                                   style=style, layout=wide, continuous_update=False)
        self.key = W.Dropdown(description="key", options=list(KEY_CHOICES), value=NO_KEY,
                              style=style, layout=wide)
        self.seed = W.BoundedIntText(description="seed", value=seed, min=0, max=MAX_SEED,
                                     style=style, layout=W.Layout(width="250px"))
        self.new_seed_button = W.Button(description="New seed", icon="random")

        # ---------------------------------------------------------------- actions
        self.generate_button = W.Button(description="Generate", button_style="primary",
                                        icon="music")
        self.cancel_button = W.Button(description="Cancel", button_style="warning", icon="stop",
                                      disabled=True)
        self.progress = W.IntProgress(value=0, min=0, max=1, description="",
                                      layout=W.Layout(width="300px"))
        self.status = W.Label(value="")
        self.message = W.HTML(value="")

        # ---------------------------------------------------------------- results
        self.stream_rows = W.VBox([])
        self.diagnostics = W.HTML(value="")
        self.ab_stream = W.Dropdown(description="model stream", options=[1], style=style,
                                    layout=W.Layout(width="250px"))
        self.ab_blind = W.Checkbox(description="blind (random order)", value=False)
        self.ab_reveal_button = W.Button(description="Reveal", disabled=True)
        self.ab_label_a = W.HTML("<b>A</b>")
        self.ab_label_b = W.HTML("<b>B</b>")
        self.ab_audio_a = W.Audio(value=b"", format="wav", autoplay=False, loop=False)
        self.ab_audio_b = W.Audio(value=b"", format="wav", autoplay=False, loop=False)
        self.ab_box = W.VBox([
            W.HBox([self.ab_stream, self.ab_blind, self.ab_reveal_button]),
            W.HBox([W.VBox([self.ab_label_a, self.ab_audio_a]),
                    W.VBox([self.ab_label_b, self.ab_audio_b])])],
            layout=W.Layout(display="none"))
        self.export_stream = W.Dropdown(description="export stream", options=[1], style=style,
                                        layout=W.Layout(width="250px"))
        self.export_button = W.Button(description="Export MIDI + WAV", icon="download",
                                      disabled=True)
        self.export_links = W.HTML(value="")

        self._controls = [self.run_picker, self.refresh_button, self.run_folder,
                          self.use_folder_button, self.primer_picker, self.upload,
                          self.primer_steps, self.temperature, self.top_k, self.top_p,
                          self.length, self.streams, self.key, self.seed, self.new_seed_button,
                          self.generate_button, self.export_button, self.export_stream,
                          self.ab_stream]

        def heading(text: str) -> Any:
            return W.HTML(f"<h4 style='margin:8px 0 2px 0'>{text}</h4>")

        self.widget = W.VBox([
            W.HTML("<h3 style='margin:0'>musicnb generation studio</h3>"),
            heading("Model"),
            W.HBox([self.run_picker, self.refresh_button]),
            W.HBox([self.run_folder, self.use_folder_button]),
            self.model_info,
            heading("Primer"),
            W.HBox([self.primer_picker, self.upload]),
            self.primer_steps,
            heading("Sampling"),
            W.HBox([W.VBox([self.temperature, self.top_k, self.top_p]),
                    W.VBox([self.length, self.streams, self.key])]),
            W.HBox([self.seed, self.new_seed_button]),
            W.HBox([self.generate_button, self.cancel_button, self.progress, self.status]),
            self.message,
            self.stream_rows,
            heading("Diagnostics"),
            self.diagnostics,
            heading("A/B: model against the real continuation"),
            self.ab_box,
            heading("Export"),
            W.HBox([self.export_stream, self.export_button]),
            self.export_links,
        ], layout=W.Layout(border="1px solid #ddd", padding="8px"))
        self.widget.add_class("musicnb-studio")

        # ---------------------------------------------------------------- wiring
        self.refresh_button.on_click(lambda _: self._guard(self.refresh_runs))
        self.use_folder_button.on_click(lambda _: self._guard(self._use_folder))
        self.run_picker.observe(lambda _: self._guard(self._on_run_change), names="value")
        self.upload.observe(lambda change: self._guard(self._on_upload, change), names="value")
        self.new_seed_button.on_click(lambda _: self.new_seed())
        self.generate_button.on_click(lambda _: self.generate())
        self.cancel_button.on_click(lambda _: self.cancel())
        self.export_button.on_click(lambda _: self._guard(self.export))
        self.ab_stream.observe(lambda _: self._guard(self._update_ab), names="value")
        self.ab_blind.observe(lambda _: self._guard(self._update_ab), names="value")
        self.ab_reveal_button.on_click(lambda _: self._reveal_ab())

        self._fill_primers()
        self.refresh_runs(select=run)

    # ------------------------------------------------------------------ display
    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    # ------------------------------------------------------------------ messages and errors
    def show_message(self, text: str, kind: str = "info") -> None:
        self.message.value = _message_html(text, kind) if text else ""

    def show_error(self, exc: BaseException) -> None:
        """Show an exception as one readable paragraph; the traceback stays in
        :attr:`last_traceback` (never on screen)."""
        self.last_error = exc
        self.last_traceback = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        if isinstance(exc, MusicnbError):
            text = str(exc)
        else:
            text = (f"Something went wrong: {type(exc).__name__}: {exc}. "
                    "(studio.last_traceback has the details for a bug report.)")
        self.show_message(text, "error")

    def _guard(self, action: Callable[..., Any], *args: Any) -> Any:
        try:
            return action(*args)
        except Exception as exc:  # every error goes to the message area, never a traceback
            self.show_error(exc)
            return None

    # ------------------------------------------------------------------ runs
    def refresh_runs(self, select: str | Path | None = None) -> list[Path]:
        """Fill the model picker with the runs under ``runs_root`` (keeps the selection)."""
        from .training import list_runs

        runs = list_runs(self.runs_root)
        previous = self.run_picker.value
        options = [(self._run_label(p), str(p)) for p in runs]
        if select is not None:
            folder = Path(select)
            if not folder.exists() and self.runs_root is not None:
                folder = self.runs_root / folder
            if str(folder) not in [v for _, v in options]:
                options.append((self._run_label(folder), str(folder)))
            previous = str(folder)
        for _, value in list(self.run_picker.options or []):
            if value not in [v for _, v in options] and Path(value).exists():
                options.append((self._run_label(Path(value)), value))
        self.run_picker.options = options
        if options:
            values = [v for _, v in options]
            self.run_picker.value = previous if previous in values else values[0]
        if not options:
            self.model_info.value = ("<i>No trained runs yet. Run the earlier notebooks (or the "
                                     "training cell above) first, or type a run folder.</i>")
        return runs

    @staticmethod
    def _run_label(folder: Path) -> str:
        import json

        try:
            info = json.loads((folder / "run.json").read_text())
        except (OSError, ValueError):
            return folder.name
        builder = info.get("builder") or info.get("kind") or ""
        epochs = info.get("epochs_done", info.get("epochs"))
        extra = ", ".join(str(x) for x in (builder, f"{epochs} epochs" if epochs else "") if x)
        return f"{folder.name} ({extra})" if extra else folder.name

    def _on_run_change(self) -> None:
        value = self.run_picker.value
        if value:
            self.show_message("")
            self.model_info.value = f"<small>{html.escape(str(value))}</small>"

    def _use_folder(self) -> None:
        folder = check_run_folder(self.run_folder.value)
        self.refresh_runs(select=folder)
        self.show_message(f"Using the run in {folder}.", "ok")

    def _engine(self) -> Any:
        value = self.run_picker.value
        if not value:
            raise MusicnbError("No model is chosen. Train one in the earlier notebooks (they "
                               "save runs under musicnb.runs_dir()), or type a run folder and "
                               "press 'Use folder'.")
        if value not in self._engines:
            self._set_status("loading the model…")
            self._engines[value] = self.engine_factory(Path(value))
        self.engine = self._engines[value]
        return self.engine

    # ------------------------------------------------------------------ primers
    def _fill_primers(self, select: str | None = None) -> None:
        options = [(NO_PRIMER, "none")]
        options += [(f"test piece: {p.title or f'piece {i + 1}'}", f"piece:{i}")
                    for i, p in enumerate(self.pieces)]
        options += [(f"upload: {p.title}", f"upload:{i}") for i, p in enumerate(self.uploads)]
        self.primer_picker.options = options
        values = [v for _, v in options]
        if select in values:
            self.primer_picker.value = select
        elif self.primer_picker.value not in values:
            self.primer_picker.value = values[1] if len(values) > 1 else values[0]

    def _on_upload(self, change: dict) -> None:
        files = change.get("new") or ()
        if not files:
            return
        try:
            self.add_upload(files[-1]["name"], bytes(files[-1]["content"]))
        finally:
            self.upload.value = ()  # so the same file can be uploaded again after a fix

    def add_upload(self, name: str, content: bytes) -> Piece:
        """Parse an uploaded MIDI file and make it the primer (what the upload button calls)."""
        from . import midi

        if not content:
            raise MusicnbError(f"{name} is empty. Upload a standard MIDI file (.mid).")
        if len(content) > UPLOAD_LIMIT_BYTES:
            raise MusicnbError(f"{name} is {len(content) / 1e6:.1f} MB; a primer only needs the "
                               "opening bars. Upload a MIDI file under 5 MB.")
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / _safe_name(Path(name).name or "upload.mid")
            if path.suffix.lower() not in (".mid", ".midi"):
                path = path.with_suffix(".mid")
            path.write_bytes(content)
            try:
                piece = midi.read(path)
            except MusicnbError as exc:
                raise MusicnbError(f"Could not read {name} as MIDI: {exc}") from exc
            except Exception as exc:
                raise MusicnbError(f"Could not read {name} as a MIDI file ({type(exc).__name__}: "
                                   f"{exc}). Export it again as a standard MIDI file (.mid) and "
                                   "upload that.") from exc
        if piece.n_notes == 0:
            raise MusicnbError(f"{name} holds no notes. Upload a MIDI file with a melody in it.")
        if not piece.title:
            piece = dataclasses.replace(piece, title=Path(name).stem)
        self.uploads.append(piece)
        self._fill_primers(select=f"upload:{len(self.uploads) - 1}")
        self.show_message(f"Loaded {name}: {piece.n_notes} notes. It is now the primer.", "ok")
        return piece

    def primer_piece(self) -> Piece | None:
        value = self.primer_picker.value or "none"
        kind, _, index = value.partition(":")
        if kind == "piece":
            return self.pieces[int(index)]
        if kind == "upload":
            return self.uploads[int(index)]
        return None

    def _primer_and_continuation(self, encoder: Any, length: int) -> tuple[np.ndarray, np.ndarray | None, float]:
        piece = self.primer_piece()
        if piece is None:
            return np.zeros(1, dtype=np.int32), None, 120.0
        try:
            tokens = np.asarray(encoder.encode(piece), dtype=np.int32)
        except MusicnbError as exc:
            raise MusicnbError(f"The primer {piece.title!r} cannot be encoded for this model: {exc}") from exc
        if tokens.size == 0:
            raise MusicnbError(f"The primer {piece.title!r} has no notes this model can read "
                               "(outside its range or in another part). Choose another primer.")
        steps = min(int(self.primer_steps.value), len(tokens))
        rest = tokens[steps:steps + length]
        tempo = float(getattr(piece, "tempo", 120.0) or 120.0)
        return tokens[:steps], (rest if rest.size else None), tempo

    # ------------------------------------------------------------------ seed
    def new_seed(self) -> int:
        """Pick a fresh random seed (the 'New seed' button)."""
        self.seed.value = int(np.random.default_rng().integers(0, MAX_SEED))
        return self.seed.value

    # ------------------------------------------------------------------ generation
    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def settings(self) -> dict:
        """The knob values a press of Generate will use."""
        return {"run": self.run_picker.value, "temperature": float(self.temperature.value),
                "top_k": int(self.top_k.value) or None,
                "top_p": None if self.top_p.value >= 1.0 else float(self.top_p.value),
                "length": int(self.length.value), "streams": int(self.streams.value),
                "key": self.key.value, "seed": int(self.seed.value),
                "primer": self.primer_picker.value, "primer_steps": int(self.primer_steps.value)}

    def generate(self) -> None:
        """What the Generate button does: start (or, synchronously, run) one generation."""
        if self.running:
            self.show_message("A generation is already running; wait or press Cancel.", "info")
            return
        self._cancel.clear()
        self._set_busy(True)
        self.show_message("")
        settings = self.settings()
        if self.background:
            self._thread = threading.Thread(target=self._work, args=(settings,), daemon=True,
                                            name="musicnb-studio")
            self._thread.start()
        else:
            self._work(settings)

    def cancel(self) -> None:
        """Ask the running generation to stop after the current chunk."""
        self._cancel.set()
        self._set_status("cancelling…")

    def wait(self, timeout: float | None = 120.0) -> bool:
        """Wait for a background generation to finish; True when it has."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running

    def _set_status(self, text: str) -> None:
        self.status.value = text

    def _set_busy(self, busy: bool) -> None:
        for control in self._controls:
            control.disabled = busy
        if not busy and self.result is None:
            self.export_button.disabled = True
        self.cancel_button.disabled = not busy

    def _work(self, settings: dict) -> None:
        import time

        began = time.perf_counter()
        try:
            engine = self._engine()
            result = self._generate(engine, settings)
            result.seconds = time.perf_counter() - began
            self._show_result(result, engine)
            self.result = result
            n = result.tokens.shape[0]
            self.show_message(f"Generated {n} stream{'s' * (n > 1)} of {result.tokens.shape[1]} "
                              f"steps at temperature {settings['temperature']:.2f} (seed "
                              f"{settings['seed']}) in {result.seconds:.1f} s.", "ok")
            self._set_status("done")
        except Cancelled as exc:
            self._set_status("cancelled")
            self.show_message(str(exc), "info")
        except Exception as exc:
            self._set_status("failed")
            self.show_error(exc)
        finally:
            self._set_busy(False)

    def _key_for(self, settings: dict, encoder: Any, primer: np.ndarray) -> str | None:
        """The key constraint: none, a chosen key, or the primer's key (its written key,
        moved with the encoder's transposition; else the Krumhansl-Schmuckler estimate)."""
        key = settings["key"]
        if key == NO_KEY:
            return None
        if key != PRIMER_KEY:
            return key
        from .harmony import estimate_key, semitones_to_c_or_a, transpose_key_name

        piece = self.primer_piece()
        if piece is not None and piece.key:
            if getattr(encoder, "transpose", False):
                return transpose_key_name(piece.key, semitones_to_c_or_a(piece.key))
            return piece.key
        decoded = encoder.decode(primer) if primer.size > 1 else None
        found = (estimate_key(decoded.pitch, decoded.duration)
                 if decoded is not None and decoded.n_notes else None)
        if not found:
            raise MusicnbError("The primer's key is unknown and cannot be estimated (it has too "
                               "few notes); choose a key from the list or 'none'.")
        return found

    def _generate(self, engine: Any, settings: dict) -> GenerationResult:
        encoder = engine.encoder
        length, streams, seed = settings["length"], settings["streams"], settings["seed"]
        primer, continuation_tokens, tempo = self._primer_and_continuation(encoder, length)
        key = self._key_for(settings, encoder, primer)
        if settings["top_k"] is not None and settings["top_k"] > engine.vocab_size:
            settings["top_k"] = engine.vocab_size
        self.progress.max = length
        self.progress.value = 0
        done = np.zeros((streams, 0), dtype=np.int32)
        context = np.tile(primer[None, :], (streams, 1))
        chunk_index = 0
        while done.shape[1] < length:
            if self._cancel.is_set():
                raise Cancelled(f"Cancelled after {done.shape[1]} of {length} steps; nothing "
                                "was changed. Press Generate to start again.")
            n = min(self.chunk, length - done.shape[1])
            tokens = np.asarray(engine.generate_chunk(
                np.concatenate([context, done], axis=1), n, temperature=settings["temperature"],
                top_k=settings["top_k"], top_p=settings["top_p"],
                seed=(seed + chunk_index) % (MAX_SEED + 1), key=key), dtype=np.int32)
            if tokens.shape != (streams, n):
                raise MusicnbError(f"The model returned tokens of shape {tokens.shape}, expected "
                                   f"{(streams, n)}.")
            done = np.concatenate([done, tokens], axis=1)
            chunk_index += 1
            self.progress.value = done.shape[1]
            self._set_status(f"{done.shape[1]}/{length} steps")
        if self._cancel.is_set():
            raise Cancelled("Cancelled at the end; nothing was changed.")
        self._set_status("decoding and rendering…")
        # Decode primer + stream together, so a hold right after the primer continues the
        # primer's last note instead of counting as a repair; the repairs inside the primer
        # itself are subtracted.
        primer_repairs = int(encoder.decode_with_repairs(primer, tempo=tempo)[1])
        pieces, repairs = [], []
        for i, row in enumerate(done):
            piece, n_repairs = encoder.decode_with_repairs(np.concatenate([primer, row]),
                                                           tempo=tempo, title=f"stream {i + 1}")
            pieces.append(piece)
            repairs.append(int(n_repairs) - primer_repairs)
        continuation = None
        if continuation_tokens is not None:
            continuation = encoder.decode_with_repairs(
                np.concatenate([primer, continuation_tokens]), tempo=tempo,
                title="real continuation")[0]
        steps_per_quarter = getattr(encoder, "steps_per_quarter", None)
        result = GenerationResult(tokens=done, pieces=pieces, repairs=repairs,
                                  primer_tokens=primer, continuation=continuation,
                                  settings={**settings, "key": key},
                                  primer_quarters=(len(primer) / steps_per_quarter
                                                   if steps_per_quarter and self.primer_piece()
                                                   is not None else 0.0))
        result.diagnostics = self._all_diagnostics(result, encoder, continuation_tokens)
        return result

    def _all_diagnostics(self, result: GenerationResult, encoder: Any,
                         continuation_tokens: np.ndarray | None) -> dict[str, dict[str, Any]]:
        cache_key = repr(encoder.to_config() if hasattr(encoder, "to_config") else id(encoder))
        if cache_key not in self._reference_tokens:
            sequences = [np.asarray(encoder.encode(p), dtype=np.int32) for p in self.reference]
            self._reference_tokens[cache_key] = [s for s in sequences if s.size > 1]
        columns, self._diagnostics_notes = _diagnostics_columns(
            result.tokens, continuation_tokens, self._reference_tokens[cache_key], encoder,
            result.settings.get("key"))
        return columns

    # ------------------------------------------------------------------ showing results
    def _show_result(self, result: GenerationResult, engine: Any) -> None:
        import ipywidgets as W

        rows = []
        for i, piece in enumerate(result.pieces):
            if self._cancel.is_set():
                raise Cancelled("Cancelled while drawing the results; nothing was changed. "
                                "Press Generate to start again.")
            self._set_status(f"rendering stream {i + 1}…")
            image = W.Image(value=png_of_piece(piece, f"stream {i + 1}",
                                               primer_end=result.primer_quarters), format="png",
                            layout=W.Layout(max_width="640px"))
            image.add_class("musicnb-piano-roll")
            player = W.Audio(value=wav_of_piece(piece), format="wav", autoplay=False, loop=False)
            player.add_class("musicnb-audio")
            notes = int(result.diagnostics.get(f"stream {i + 1}", {}).get("notes", piece.n_notes))
            label = W.HTML(f"<b>stream {i + 1}</b><br>{notes} new notes<br>"
                           f"{result.repairs[i]} repaired token{'s' * (result.repairs[i] != 1)}")
            rows.append(W.HBox([image, W.VBox([label, player])]))
        self.stream_rows.children = tuple(rows)
        notes = "; ".join(self._diagnostics_notes)
        self.diagnostics.value = _diagnostics_table(result.diagnostics) + (
            f"<p><small>{html.escape(notes)}{'. ' if notes else ''}repetition rate and longest loop: how much the stream repeats itself; "
            "distinct pitches and pitch-class entropy: how varied it is; scale consistency: how "
            "much of it fits one key. Compare each stream with the real music beside it.</small></p>")
        choices = list(range(1, len(result.pieces) + 1))
        self.ab_stream.options = choices
        self.export_stream.options = choices
        self.ab_stream.value = 1
        self.export_stream.value = 1
        self.export_links.value = ""
        self._ab_continuation_wav = (wav_of_piece(result.continuation)
                                     if result.continuation is not None else b"")
        self._ab_stream_wavs = {i + 1: row.children[1].children[1].value
                                for i, row in enumerate(rows)}
        self.result = result
        self._update_ab()
        self.export_button.disabled = False

    def _update_ab(self) -> None:
        result = self.result
        if result is None:
            return
        if result.continuation is None:
            self.ab_box.layout.display = "none"
            return
        self.ab_box.layout.display = ""
        generated = self._ab_stream_wavs[int(self.ab_stream.value)]
        real = self._ab_continuation_wav
        self._ab_order = (0, 1)
        if self.ab_blind.value:
            rng = np.random.default_rng()
            self._ab_order = (0, 1) if rng.random() < 0.5 else (1, 0)
        sides = [(f"stream {self.ab_stream.value}", generated), ("real continuation", real)]
        first, second = sides[self._ab_order[0]], sides[self._ab_order[1]]
        self.ab_audio_a.value, self.ab_audio_b.value = first[1], second[1]
        if self.ab_blind.value:
            self.ab_label_a.value, self.ab_label_b.value = "<b>A</b> (?)", "<b>B</b> (?)"
            self.ab_reveal_button.disabled = False
        else:
            self.ab_label_a.value = f"<b>A</b>: {first[0]}"
            self.ab_label_b.value = f"<b>B</b>: {second[0]}"
            self.ab_reveal_button.disabled = True

    def _reveal_ab(self) -> None:
        if self.result is None:
            return
        names = [f"stream {self.ab_stream.value}", "real continuation"]
        self.ab_label_a.value = f"<b>A</b>: {names[self._ab_order[0]]}"
        self.ab_label_b.value = f"<b>B</b>: {names[self._ab_order[1]]}"
        self.ab_reveal_button.disabled = True

    # ------------------------------------------------------------------ export
    def export(self) -> list[Path]:
        """Write MIDI and WAV of the chosen stream with ``musicnb.export``; show download links
        (and, in Colab, start the browser download)."""
        import importlib

        export_module = importlib.import_module("musicnb.export")

        if self.result is None:
            raise MusicnbError("Nothing to export yet: press Generate first.")
        index = int(self.export_stream.value) - 1
        piece = self.result.pieces[index]
        run = Path(str(self.result.settings.get("run") or "model")).name
        name = _safe_name(f"{run}_seed{self.result.settings['seed']}_stream{index + 1}")
        exported = export_module.export(piece, name)  # also starts the download in Colab
        midi_path = Path(exported.midi_path)
        wav_path = Path(exported.wav_path) if exported.wav_path is not None else None
        links = [download_link(midi_path.read_bytes(), midi_path.name, "audio/midi",
                               f"⬇ {midi_path.name}")]
        if wav_path is not None:
            links.append(download_link(wav_path.read_bytes(), wav_path.name, "audio/wav",
                                       f"⬇ {wav_path.name}"))
        where = ", ".join(str(p) for p in exported.paths)
        self.export_links.value = (" &nbsp; ".join(links) +
                                   f"<br><small>saved to {html.escape(where)}</small>")
        self.show_message(f"Exported stream {index + 1}: {where}", "ok")
        return list(exported.paths)


def studio(runs_root: str | Path | None = None, **options: Any) -> Studio:
    """Build the generation studio over the runs in ``runs_root`` (default ``runs_dir()``).

    Display the result as the last line of a cell. ``options`` go to :class:`Studio`
    (``pieces=`` primers, ``reference=`` training pieces, ``run=`` the run to select, …).
    """
    return Studio(runs_root, **options)

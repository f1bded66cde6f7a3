"""The studio's view: the ipywidgets panel, its wiring, and the background worker.

::

    ┌ model   [run ▾] [↻]   or a run folder [........] [Use folder]     (yours and ready-trained)
    ├ primer  [test piece ▾] [Upload MIDI] primer length ──●──
    ├ knobs   only those of the chosen run's family (token models: temperature, top-k, top-p,
    │         length, streams, key; melody and harmony: + chords; pitch regression: noise,
    │         notes, 16th grid; biaxial: temperature, conservativity, min notes per step, bars)
    ├ [Generate] [Cancel]  ▓▓▓▓▓░░░░ 320/512 steps
    ├ message (errors appear here as plain sentences, never as a traceback)
    ├ stream rows: piano roll | player | notes and repairs
    ├ diagnostics, A/B (shown only with a primer), export

The work itself is :func:`musicnb.generation_studio.generation.generate`, run in a thread (the click
handler returns at once, so the kernel keeps handling widget messages — that is what lets
Cancel be clicked at all). Results are put into widgets directly (``Image``, ``Audio``,
``HTML``), never through ``Output`` capture, which does not work from a thread. When the
streams together would be more than :attr:`Studio.eager_audio_seconds` of audio, each row gets
a "Load audio" button instead of its player: the browser then receives a few hundred kB of
images at "done" instead of tens of MB of WAV (what kept a large result from appearing).

The A/B comparison follows the listening tests of the music-generation literature (e.g. the
"Turing test" sections of Huang et al. 2019, *Music Transformer*, and Hadjeres et al. 2017,
*DeepBach*): the fairest comparison is against what the real piece did after the same primer.
Both sides start with that primer and are cut to the same length, so neither the opening nor
the duration tells them apart.
"""

from __future__ import annotations

import dataclasses
import html
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np

from ..errors import DrumOnlyError, MusicnbError
from ..piece import Piece
from .engines import (
    CHORDS_GENERATED,
    CHORDS_PRIMER,
    CHORDS_PROGRESSION,
    FAMILY_NAMES,
    Cancelled,
    Engine,
    check_run_folder,
    engine_for_run,
    run_family,
)
from .generation import KEY_CHOICES, MAX_SEED, NO_KEY, GenerationResult, generate
from .render import (
    REPAIRS_EXPLAINED,
    STUDIO_CSS,
    diagnostics_table,
    download_link,
    message_html,
    png_of_piece,
    safe_name,
    wav_of_piece,
)

__all__ = ["Studio", "studio", "NO_PRIMER", "UPLOAD_LIMIT_BYTES"]

NO_PRIMER = "(no primer: start from a rest)"
UPLOAD_LIMIT_BYTES = 5_000_000
PRETRAINED_MARK = "ready-trained"


def _seconds(piece: Piece) -> float:
    return float(piece.end) * 60.0 / max(float(piece.tempo), 1.0)


class Studio:
    """The generation studio (see the module docstring). Display it as a cell's last line.

    Parameters
    ----------
    runs_root:
        Folder whose run sub-folders fill the model picker (default ``musicnb.runs_dir()``).
        The ready-trained runs of ``data/pretrained`` are listed after them
        (``pretrained=False`` leaves them out).
    pieces, reference:
        Primers (e.g. the test split) and pieces (e.g. the training split) whose diagnostics
        appear beside the generated ones.
    run:
        A run folder to select at start (default: the first run found).
    engine_factory:
        ``run_dir -> engine``; default :func:`musicnb.generation_studio.engines.engine_for_run`.
    background:
        Generate in a worker thread (True, for the browser) or synchronously (tests).
    chunk:
        Steps per generation chunk of a token model (progress and Cancel between chunks).
    """

    def __init__(
        self,
        runs_root: str | Path | None = None,
        *,
        pieces: Sequence[Piece] = (),
        reference: Sequence[Piece] = (),
        run: str | Path | None = None,
        engine_factory: Callable[[Path], Any] | None = None,
        background: bool = True,
        chunk: int = 64,
        length: int = 128,
        streams: int = 2,
        temperature: float = 1.0,
        seed: int = 0,
        primer_steps: int = 32,
        max_length: int = 2048,
        max_streams: int = 8,
        pretrained: bool = True,
        eager_audio_seconds: float = 240.0,
    ) -> None:
        import ipywidgets as W

        self.runs_root = None if runs_root is None else Path(runs_root)
        self.pieces: list[Piece] = list(pieces)
        self.reference: list[Piece] = list(reference)
        self.engine_factory = engine_factory or engine_for_run
        self.background = bool(background)
        self.chunk = max(1, int(chunk))
        self.pretrained = bool(pretrained)
        self.eager_audio_seconds = float(eager_audio_seconds)
        self.uploads: list[Piece] = []
        self.engine: Engine | None = None
        self.result: GenerationResult | None = None
        self.last_error: BaseException | None = None
        self.last_traceback: str = ""
        self.timings: dict[str, float] = {}
        self._engines: dict[str, Engine] = {}
        self._reference_tokens: dict[str, list[np.ndarray]] = {}
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._ab_order = (0, 1)
        self._ab_stream_wavs: dict[int, bytes] = {}
        self._ab_continuation_wav = b""

        def wide() -> Any:  # one Layout per widget: the knobs are shown and hidden one by one
            return W.Layout(width="420px")

        style = {"description_width": "130px"}

        # ---------------------------------------------------------------- model picker
        self.run_picker = W.Dropdown(
            description="Model run", options=[], layout=W.Layout(width="560px"), style=style
        )
        self.refresh_button = W.Button(
            description="↻", tooltip="Look for new runs", layout=W.Layout(width="40px")
        )
        self.run_folder = W.Text(
            description="or a folder",
            placeholder="path/to/a/run/folder",
            layout=wide(),
            style=style,
        )
        self.use_folder_button = W.Button(description="Use folder", icon="folder-open")
        self.model_info = W.HTML()

        # ---------------------------------------------------------------- primer
        self.primer_picker = W.Dropdown(
            description="Primer", options=[], layout=wide(), style=style
        )
        self.upload = W.FileUpload(accept=".mid,.midi", multiple=False, description="Upload MIDI")
        self.primer_steps = W.IntSlider(
            description="primer steps",
            value=primer_steps,
            min=1,
            max=256,
            step=1,
            style=style,
            layout=wide(),
            tooltip="How many grid steps (notes, for the pitch-"
            "regression model) of the primer the model reads",
        )

        # ---------------------------------------------------------------- knobs
        def slider(kind: Any, **kwargs: Any) -> Any:
            return kind(style=style, layout=wide(), continuous_update=False, **kwargs)

        self.temperature = slider(
            W.FloatSlider,
            description="temperature",
            value=temperature,
            min=0.0,
            max=2.0,
            step=0.05,
            readout_format=".2f",
        )
        self.top_k = slider(W.IntSlider, description="top-k (0 = off)", value=0, min=0, max=64)
        self.top_p = slider(
            W.FloatSlider,
            description="top-p (1 = off)",
            value=1.0,
            min=0.05,
            max=1.0,
            step=0.05,
            readout_format=".2f",
        )
        self.length = slider(
            W.IntSlider, description="length (16ths)", value=length, min=16, max=max_length, step=16
        )
        self.streams = slider(
            W.IntSlider, description="streams", value=streams, min=1, max=max_streams
        )
        self.key = W.Dropdown(
            description="key", options=list(KEY_CHOICES), value=NO_KEY, style=style, layout=wide()
        )
        self.chords = W.Dropdown(
            description="chords",
            options=[CHORDS_GENERATED, CHORDS_PRIMER, CHORDS_PROGRESSION],
            value=CHORDS_GENERATED,
            style=style,
            layout=wide(),
        )
        self.progression = W.Text(
            description="progression",
            value="I-vi-IV-V",
            placeholder="I-vi-IV-V or C-Am-F-G",
            style=style,
            layout=wide(),
        )
        self.noise = slider(
            W.FloatSlider,
            description="noise (× std)",
            value=0.4,
            min=0.0,
            max=2.0,
            step=0.05,
            readout_format=".2f",
        )
        self.notes = slider(W.IntSlider, description="notes", value=64, min=8, max=512, step=8)
        self.dt_grid = W.Checkbox(description="round Δt to 16ths", value=True)
        self.conservativity = slider(
            W.FloatSlider,
            description="conservativity",
            value=0.5,
            min=0.0,
            max=1.0,
            step=0.05,
            readout_format=".2f",
        )
        self.min_notes = slider(
            W.IntSlider, description="min notes per step", value=1, min=0, max=6
        )
        self.bars = slider(W.IntSlider, description="length (bars)", value=8, min=1, max=64)
        self.seed = W.BoundedIntText(
            description="seed",
            value=seed,
            min=0,
            max=MAX_SEED,
            style=style,
            layout=W.Layout(width="260px"),
        )
        self.new_seed_button = W.Button(description="New seed", icon="random")
        self.knob_widgets: dict[str, Any] = {
            "temperature": self.temperature,
            "top_k": self.top_k,
            "top_p": self.top_p,
            "length": self.length,
            "streams": self.streams,
            "key": self.key,
            "chords": self.chords,
            "progression": self.progression,
            "noise": self.noise,
            "notes": self.notes,
            "dt_grid": self.dt_grid,
            "conservativity": self.conservativity,
            "min_notes": self.min_notes,
            "bars": self.bars,
        }

        # ---------------------------------------------------------------- actions
        self.generate_button = W.Button(
            description="Generate", button_style="primary", icon="music"
        )
        self.cancel_button = W.Button(
            description="Cancel", button_style="", icon="stop", disabled=True
        )
        self.cancel_button.add_class("musicnb-cancel")
        self.progress = W.IntProgress(
            value=0,
            min=0,
            max=1,
            description="",
            layout=W.Layout(width="300px", visibility="hidden"),
        )
        self.status = W.Label(value="")
        self.status.add_class("musicnb-status")
        self.message = W.HTML(value="")

        # ---------------------------------------------------------------- results
        self.stream_rows = W.VBox([])
        self.diagnostics = W.HTML(value="", layout=W.Layout(overflow_x="auto", max_width="100%"))
        self.diagnostics.add_class("musicnb-diagnostics-box")
        self.ab_stream = W.Dropdown(
            description="model stream", options=[1], style=style, layout=W.Layout(width="260px")
        )
        self.ab_blind = W.Checkbox(description="blind (random order)", value=False)
        self.ab_reveal_button = W.Button(description="Reveal", disabled=True)
        self.ab_label_a = W.HTML("<b>A</b>")
        self.ab_label_b = W.HTML("<b>B</b>")
        self.ab_audio_a = W.Audio(value=b"", format="wav", autoplay=False, loop=False)
        self.ab_audio_b = W.Audio(value=b"", format="wav", autoplay=False, loop=False)
        for player in (self.ab_audio_a, self.ab_audio_b):
            player.add_class("musicnb-ab-audio")
        self.ab_note = W.HTML("")
        self.ab_box = W.VBox(
            [
                W.HTML(
                    "<h4 style='margin:8px 0 2px 0'>A/B: model against the real continuation</h4>"
                ),
                W.HBox([self.ab_stream, self.ab_blind, self.ab_reveal_button]),
                W.HBox(
                    [
                        W.VBox([self.ab_label_a, self.ab_audio_a]),
                        W.VBox([self.ab_label_b, self.ab_audio_b]),
                    ]
                ),
                self.ab_note,
            ],
            layout=W.Layout(display="none"),
        )
        self.export_stream = W.Dropdown(
            description="export stream", options=[1], style=style, layout=W.Layout(width="260px")
        )
        self.export_button = W.Button(
            description="Export MIDI + WAV",
            icon="download",
            disabled=True,
            layout=W.Layout(width="auto"),
        )
        self.export_button.add_class("musicnb-export-button")
        self.export_links = W.HTML(value="")

        self._controls = [
            self.run_picker,
            self.refresh_button,
            self.run_folder,
            self.use_folder_button,
            self.primer_picker,
            self.upload,
            self.primer_steps,
            *self.knob_widgets.values(),
            self.seed,
            self.new_seed_button,
            self.generate_button,
            self.export_button,
            self.export_stream,
            self.ab_stream,
        ]

        def heading(text: str) -> Any:
            return W.HTML(f"<h4 style='margin:8px 0 2px 0'>{text}</h4>")

        self.results_box = W.VBox(
            [
                self.stream_rows,
                heading("Diagnostics"),
                self.diagnostics,
                self.ab_box,
                heading("Export"),
                W.HBox([self.export_stream, self.export_button]),
                self.export_links,
            ],
            layout=W.Layout(display="none"),
        )
        self.widget = W.VBox(
            [
                W.HTML(STUDIO_CSS + "<h3 style='margin:0'>musicnb generation studio</h3>"),
                heading("Model"),
                W.HBox([self.run_picker, self.refresh_button]),
                W.HBox([self.run_folder, self.use_folder_button]),
                self.model_info,
                heading("Primer"),
                W.HBox([self.primer_picker, self.upload]),
                self.primer_steps,
                heading("Sampling"),
                W.HBox(
                    [
                        W.VBox(
                            [
                                self.temperature,
                                self.top_k,
                                self.top_p,
                                self.noise,
                                self.conservativity,
                                self.min_notes,
                            ]
                        ),
                        W.VBox(
                            [
                                self.length,
                                self.bars,
                                self.notes,
                                self.streams,
                                self.key,
                                self.chords,
                                self.progression,
                                self.dt_grid,
                            ]
                        ),
                    ]
                ),
                W.HBox([self.seed, self.new_seed_button]),
                W.HBox([self.generate_button, self.cancel_button, self.progress, self.status]),
                self.message,
                self.results_box,
            ],
            layout=W.Layout(border="1px solid #ddd", padding="8px"),
        )
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
        self.chords.observe(lambda _: self._show_knobs(), names="value")

        self._fill_primers()
        self.refresh_runs(select=run)
        self._show_knobs()

    # ------------------------------------------------------------------ display
    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    # ------------------------------------------------------------------ messages and errors
    def show_message(self, text: str, kind: str = "info") -> None:
        self.message.value = message_html(text, kind) if text else ""

    def show_error(self, exc: BaseException) -> None:
        """Show an exception as one readable paragraph; the traceback stays in
        :attr:`last_traceback` (never on screen)."""
        self.last_error = exc
        self.last_traceback = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        if isinstance(exc, MusicnbError):
            text = str(exc)
        else:
            text = (
                f"Something went wrong: {type(exc).__name__}: {exc}. "
                "(studio.last_traceback has the details for a bug report.)"
            )
        self.show_message(text, "error")

    def _guard(self, action: Callable[..., Any], *args: Any) -> Any:
        try:
            return action(*args)
        except Exception as exc:  # every error goes to the message area, never a traceback
            self.show_error(exc)
            return None

    # ------------------------------------------------------------------ runs
    def _all_runs(self) -> list[Path]:
        from ..training import list_runs

        runs = list(list_runs(self.runs_root, pretrained=False))
        if self.pretrained:
            from ..pretrained import list_pretrained

            known = {p.resolve() for p in runs}
            runs += [p for p in list_pretrained() if p.resolve() not in known]
        return runs

    def refresh_runs(self, select: str | Path | None = None) -> list[Path]:
        """Fill the model picker with the student's runs, then the ready-trained ones."""
        runs = self._all_runs()
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
            self.model_info.value = (
                "<i>No trained runs yet. Run the earlier notebooks (or the "
                "training cell above) first, or type a run folder.</i>"
            )
        return runs

    @staticmethod
    def _run_label(folder: Path) -> str:
        from ..training import read_run_record

        info = read_run_record(folder, strict=False)
        if not info:
            return folder.name
        builder = info.get("builder") or info.get("kind") or ""
        epochs = info.get("epochs_done", info.get("epochs"))
        inner = info.get("info")
        ready = PRETRAINED_MARK if isinstance(inner, dict) and inner.get("pretrained") else ""
        extra = ", ".join(
            str(x) for x in (ready, builder, f"{epochs} epochs" if epochs else "") if x
        )
        return f"{folder.name} ({extra})" if extra else folder.name

    def _on_run_change(self) -> None:
        value = self.run_picker.value
        self._show_knobs()
        if value:
            self.show_message("")
            family = run_family(value)
            self.model_info.value = (
                f"<small>{html.escape(str(value))} — "
                f"{html.escape(FAMILY_NAMES.get(family, 'unknown family'))}"
                "</small>"
            )

    def family(self) -> str:
        """The family of the chosen run (from its folder; the loaded engine when there is one)."""
        value = self.run_picker.value
        if value and value in self._engines:
            return getattr(self._engines[value], "family", "next_event")
        return run_family(value) if value else "next_event"

    def knobs(self) -> tuple[str, ...]:
        """The knobs the chosen run's family has (the ones shown)."""
        from .engines import TOKEN_KNOBS, MelodyHarmonyEngine, PitchRegressionEngine

        value = self.run_picker.value
        if value and value in self._engines:
            return tuple(getattr(self._engines[value], "knobs", TOKEN_KNOBS))
        family = self.family()
        defaults = {
            "melody_harmony": MelodyHarmonyEngine.knobs,
            "pitch_regression": PitchRegressionEngine.knobs,
            "biaxial": ("temperature", "conservativity", "min_notes", "bars", "streams"),
        }
        return (
            tuple(defaults.get(family, TOKEN_KNOBS)) if family != "biaxial" else defaults["biaxial"]
        )

    def _show_knobs(self) -> None:
        shown = set(self.knobs())
        if "chords" in shown and self.chords.value != CHORDS_PROGRESSION:
            shown -= {"progression", "key"}
        for name, control in self.knob_widgets.items():
            control.layout.display = "" if name in shown else "none"
        self.primer_steps.description = (
            "primer notes" if self.family() == "pitch_regression" else "primer steps"
        )

    def _use_folder(self) -> None:
        folder = check_run_folder(self.run_folder.value)
        self.refresh_runs(select=folder)
        self.show_message(f"Using the run in {folder}.", "ok")

    def _engine(self) -> Any:
        value = self.run_picker.value
        if not value:
            raise MusicnbError(
                "No model is chosen. Train one in the earlier notebooks (they "
                "save runs under musicnb.runs_dir()), or type a run folder and "
                "press 'Use folder'."
            )
        if value not in self._engines:
            self._set_status("loading the model…")
            began = time.perf_counter()
            self._engines[value] = self.engine_factory(Path(value))
            self.timings["load"] = time.perf_counter() - began
        self.engine = self._engines[value]
        return self.engine

    def load_engine(self) -> Any:
        """Load (or reuse) the chosen run's engine and show its knobs (what switching runs costs)."""
        engine = self._engine()
        self._show_knobs()
        return engine

    # ------------------------------------------------------------------ primers
    def _fill_primers(self, select: str | None = None) -> None:
        options = [(NO_PRIMER, "none")]
        options += [
            (f"test piece: {p.title or f'piece {i + 1}'}", f"piece:{i}")
            for i, p in enumerate(self.pieces)
        ]
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
        from .. import midi

        if not content:
            raise MusicnbError(f"{name} is empty. Upload a standard MIDI file (.mid).")
        if len(content) > UPLOAD_LIMIT_BYTES:
            raise MusicnbError(
                f"{name} is {len(content) / 1e6:.1f} MB; a primer only needs the "
                "opening bars. Upload a MIDI file under 5 MB."
            )
        try:
            piece = midi.read(content)
        except DrumOnlyError as exc:
            raise MusicnbError(
                f"{name} holds only drums ({exc.drum_notes} notes on MIDI channel 10), "
                "nothing a model of pitches can continue. Upload a MIDI file "
                "with a melody in it."
            ) from None
        except MusicnbError as exc:
            raise MusicnbError(f"Could not read {name} as MIDI: {exc}") from exc
        except Exception as exc:
            raise MusicnbError(
                f"Could not read {name} as a MIDI file ({type(exc).__name__}: "
                f"{exc}). Export it again as a standard MIDI file (.mid) and "
                "upload that."
            ) from exc
        if piece.n_notes == 0:
            raise MusicnbError(f"{name} holds no notes. Upload a MIDI file with a melody in it.")
        piece = dataclasses.replace(piece, title=piece.title or Path(name).stem, source=name)
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
        return {
            "run": self.run_picker.value,
            "temperature": float(self.temperature.value),
            "top_k": int(self.top_k.value) or None,
            "top_p": None if self.top_p.value >= 1.0 else float(self.top_p.value),
            "length": int(self.length.value),
            "streams": int(self.streams.value),
            "key": self.key.value,
            "seed": int(self.seed.value),
            "primer": self.primer_picker.value,
            "primer_steps": int(self.primer_steps.value),
            "primer_notes": int(self.primer_steps.value),
            "chords": self.chords.value,
            "progression": self.progression.value,
            "noise": float(self.noise.value),
            "notes": int(self.notes.value),
            "dt_grid": bool(self.dt_grid.value),
            "conservativity": float(self.conservativity.value),
            "min_notes": int(self.min_notes.value),
            "bars": int(self.bars.value),
        }

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
            self._thread = threading.Thread(
                target=self._work, args=(settings,), daemon=True, name="musicnb-studio"
            )
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
        self.cancel_button.button_style = "warning" if busy else ""

    def _progress(self, done: int, total: int, text: str = "") -> None:
        self.progress.layout.visibility = "visible"
        self.progress.max = max(1, int(total))
        self.progress.value = int(done)
        if text:
            self._set_status(text)

    def _reference_for(self, engine: Any) -> list[np.ndarray]:
        encoder = getattr(engine, "encoder", None)
        if not hasattr(engine, "generate_chunk") or encoder is None:
            return []
        cache_key = repr(encoder.to_config() if hasattr(encoder, "to_config") else id(encoder))
        if cache_key not in self._reference_tokens:
            sequences = []
            for piece in self.reference:  # a piece outside the vocabulary is left out
                try:
                    sequences.append(np.asarray(encoder.encode(piece), dtype=np.int32))
                except Exception:
                    continue
            self._reference_tokens[cache_key] = [s for s in sequences if s.size > 1]
        return self._reference_tokens[cache_key]

    def _work(self, settings: dict) -> None:
        began = time.perf_counter()
        try:
            engine = self._engine()
            self._show_knobs()
            result = generate(
                engine,
                settings,
                self.primer_piece(),
                reference_tokens=self._reference_for(engine),
                chunk=self.chunk,
                cancelled=self._cancel.is_set,
                progress=self._progress,
            )
            result.seconds = time.perf_counter() - began
            self._set_status("rendering…")
            self._show_result(result)
            self.result = result
            self.show_message(self._done_sentence(result), "ok")
            self._set_status("done")
            self.timings["generate"] = time.perf_counter() - began
        except Cancelled as exc:
            self._set_status("cancelled")
            self.show_message(str(exc), "info")
        except Exception as exc:
            # the previous result stays on screen; the bar and status say nothing was made
            self.progress.layout.visibility = "hidden"
            self._set_status("")
            self.show_error(exc)
        finally:
            self._set_busy(False)

    def _done_sentence(self, result: GenerationResult) -> str:
        n = len(result.pieces)
        s = result.settings
        if result.family == "pitch_regression":
            what = f"{s['notes']} notes each with noise {s['noise']:.2f}"
        elif result.family == "biaxial":
            what = f"{s['bars']} bars each at temperature {s['temperature']:.2f}"
        else:
            steps = result.tokens.shape[1] if result.tokens is not None else s["length"]
            what = f"{steps} steps at temperature {s['temperature']:.2f}"
        text = f"Generated {n} stream{'s' * (n > 1)} of {what} (seed {s['seed']}) in {result.seconds:.1f} s."
        if result.key_note:
            text += f" Notes were kept in {result.key_note}."
        return text

    # ------------------------------------------------------------------ showing results
    def _show_result(self, result: GenerationResult) -> None:
        import ipywidgets as W

        eager = sum(_seconds(p) for p in result.pieces) <= self.eager_audio_seconds
        rows, wavs = [], {}
        for i, piece in enumerate(result.pieces):
            if self._cancel.is_set():
                raise Cancelled(
                    "Cancelled while drawing the results; nothing was changed. "
                    "Press Generate to start again."
                )
            self._set_status(f"rendering stream {i + 1}…")
            image = W.Image(
                value=png_of_piece(piece, f"stream {i + 1}", primer_end=result.primer_quarters),
                format="png",
                layout=W.Layout(max_width="640px"),
            )
            image.add_class("musicnb-piano-roll")
            player = W.Audio(value=b"", format="wav", autoplay=False, loop=False)
            player.add_class("musicnb-audio")
            if eager:
                player.value = wavs[i + 1] = wav_of_piece(piece)
                listen: Any = player
            else:
                load = W.Button(
                    description="Load audio",
                    icon="volume-up",
                    tooltip="Render this stream's audio (long results are not sent "
                    "to the browser until asked for)",
                )
                load.add_class("musicnb-load-audio")
                listen = W.VBox([load])

                def fill(
                    _: Any,
                    piece: Piece = piece,
                    player: Any = player,
                    box: Any = listen,
                    index: int = i + 1,
                ) -> None:
                    player.value = self._ab_stream_wavs[index] = wav_of_piece(piece)
                    box.children = (player,)

                load.on_click(lambda b, f=fill: self._guard(f, b))
            notes = result.notes[i] if i < len(result.notes) else piece.n_notes
            repairs = result.repairs[i]
            repair_text = (
                f"<br><span title='{html.escape(REPAIRS_EXPLAINED)}' "
                f"style='border-bottom:1px dotted'>{repairs} repaired "
                f"token{'s' * (repairs != 1)}</span>"
                if result.tokens is not None
                else ""
            )
            label = W.HTML(f"<b>stream {i + 1}</b><br>{notes} new notes{repair_text}")
            rows.append(W.HBox([image, W.VBox([label, listen])]))
        self.stream_rows.children = tuple(rows)
        diag_notes = "; ".join(result.diagnostics_notes)
        repairs_note = f" {html.escape(REPAIRS_EXPLAINED)}" if result.tokens is not None else ""
        self.diagnostics.value = diagnostics_table(result.diagnostics) + (
            f"<p><small>{html.escape(diag_notes)}{'. ' if diag_notes else ''}repetition rate and longest "
            "loop: how much the stream repeats itself; distinct pitches and pitch-class entropy: "
            "how varied it is; scale consistency: how much of it fits one key. Compare each "
            f"stream with the real music beside it.{repairs_note}</small></p>"
        )
        choices = list(range(1, len(result.pieces) + 1))
        self.ab_stream.options = choices
        self.export_stream.options = choices
        self.ab_stream.value = 1
        self.export_stream.value = 1
        self.export_links.value = ""
        self._ab_stream_wavs = wavs
        self._ab_pieces: dict[int, tuple[Piece, Piece]] = {}
        self.result = result
        self._update_ab()
        self.results_box.layout.display = ""
        self.export_button.disabled = False
        self.progress.layout.visibility = "visible"

    def ab_pair(self, stream: int) -> tuple[Piece, Piece]:
        """The A/B pair for a stream: the generated piece and the real continuation, both cut
        to the shorter one's end (the blind test must not give itself away by its length)."""
        result = cast(GenerationResult, self.result)  # only called once a result is shown
        real = cast(Piece, result.continuation)  # a studio result always has its continuation
        generated = result.pieces[stream - 1]
        end = min(generated.end, real.end)
        return generated.slice(0, end), real.slice(0, end)

    def _update_ab(self) -> None:
        result = self.result
        if result is None:
            return
        if result.continuation is None:
            self.ab_box.layout.display = "none"
            return
        self.ab_box.layout.display = ""
        if self.ab_blind.value:  # hide the names at once, before the audio is rendered
            self.ab_label_a.value, self.ab_label_b.value = "<b>A</b> (?)", "<b>B</b> (?)"
        stream = int(self.ab_stream.value)
        generated_piece, real_piece = self.ab_pair(stream)
        generated, real = wav_of_piece(generated_piece), wav_of_piece(real_piece)
        self._ab_order = (0, 1)
        if self.ab_blind.value:
            rng = np.random.default_rng()
            self._ab_order = (0, 1) if rng.random() < 0.5 else (1, 0)
        sides = [(f"stream {stream}", generated), ("real continuation", real)]
        first, second = sides[self._ab_order[0]], sides[self._ab_order[1]]
        self.ab_audio_a.value, self.ab_audio_b.value = first[1], second[1]
        self.ab_note.value = (
            f"<small>Both sides start with the primer and are cut to the same "
            f"{generated_piece.end:g} quarter notes.</small>"
        )
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
        """Write MIDI and WAV of the chosen stream with ``musicnb.export`` under a name that is
        not taken yet (never overwriting an earlier export; the message says when the name
        was changed); show download links (and, in Colab, start the browser download)."""
        from ..exporting import export as export_piece
        from ..settings import export_dir

        if self.result is None:
            raise MusicnbError("Nothing to export yet: press Generate first.")
        index = int(self.export_stream.value) - 1
        piece = self.result.pieces[index]
        run = Path(str(self.result.settings.get("run") or "model")).name
        wanted = safe_name(f"{run}_seed{self.result.settings['seed']}_stream{index + 1}")
        folder = export_dir()
        name, n = wanted, 1
        while any((folder / f"{name}{suffix}").exists() for suffix in (".mid", ".wav")):
            n += 1
            name = f"{wanted}_{n}"
        exported = export_piece(piece, name)  # also starts the download in Colab
        midi_path = Path(exported.midi_path)
        wav_path = Path(exported.wav_path) if exported.wav_path is not None else None
        links = [
            download_link(
                midi_path.read_bytes(), midi_path.name, "audio/midi", f"⬇ {midi_path.name}"
            )
        ]
        if wav_path is not None:
            links.append(
                download_link(
                    wav_path.read_bytes(), wav_path.name, "audio/wav", f"⬇ {wav_path.name}"
                )
            )
        where = ", ".join(str(p) for p in exported.paths)
        self.export_links.value = (
            " ".join(links) + f"<br><small>saved to {html.escape(where)}</small>"
        )
        renamed = (
            f" ({wanted}.mid was already there from an earlier export, so this one is "
            f"{name}; nothing was overwritten.)"
            if name != wanted
            else ""
        )
        self.show_message(f"Exported stream {index + 1}: {where}{renamed}", "ok")
        return list(exported.paths)


def studio(runs_root: str | Path | None = None, **options: Any) -> Studio:
    """Build the generation studio over the runs in ``runs_root`` (default ``runs_dir()``) and
    the ready-trained runs. Display the result as the last line of a cell. ``options`` go to
    :class:`Studio` (``pieces=`` primers, ``reference=`` training pieces, ``run=`` the run to
    select, …)."""
    return Studio(runs_root, **options)

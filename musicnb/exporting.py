"""``export(piece, name)``: save what a model wrote as MIDI (and WAV) and offer it for download.

Called as ``musicnb.export(...)``; the module is named ``exporting`` so that the name
``musicnb.export`` always means the function, never this module.

The files go to :func:`musicnb.settings.export_dir` (``./exports`` beside the notebook, or
``$MUSICNB_EXPORT_DIR``), written atomically, so exporting again under the same name replaces
the old files in one step. In a notebook the result shows download links: a link relative to
the notebook (JupyterLab opens/downloads it from its file browser) and a self-contained
``data:`` link that works even when the notebook is opened offline or elsewhere. In Colab the
browser download starts at once through ``google.colab.files.download``.
"""

from __future__ import annotations

import base64
import html
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import MusicnbError
from .names import safe_stem
from .piece import Piece

#: Files up to this size also get a self-contained ``data:`` download link.
EMBED_LIMIT_BYTES = 4_000_000

_MIME = {".mid": "audio/midi", ".wav": "audio/wav"}


def sanitize_name(name: str) -> str:
    """A safe file stem (see :func:`musicnb.names.safe_stem`, the one sanitiser every writer
    uses): ``"My tune: take 2!"`` becomes ``"My_tune_take_2"``; a trailing ``.mid``/``.wav``
    is dropped; folders in the name are not allowed to escape the export folder."""
    return safe_stem(name)


@dataclass(frozen=True)
class ExportResult:
    """The files written by :func:`export`; shows as download links in a notebook."""

    name: str
    midi_path: Path
    wav_path: Path | None = None

    @property
    def paths(self) -> list[Path]:
        return [p for p in (self.midi_path, self.wav_path) if p is not None]

    def __repr__(self) -> str:
        return "Exported " + ", ".join(str(p) for p in self.paths)

    def _relative_href(self, path: Path) -> str | None:
        try:
            relative = os.path.relpath(path.resolve(), Path.cwd().resolve())
        except ValueError:  # another drive on Windows
            return None
        if relative.startswith(".."):
            return None  # the Jupyter server only serves files below the notebook's root
        return Path(relative).as_posix()

    def _repr_html_(self) -> str:
        items = []
        for path in self.paths:
            label = html.escape(path.name)
            links = []
            href = self._relative_href(path)
            if href is not None:
                links.append(
                    f'<a href="{html.escape(href)}" download="{label}" target="_blank">{label}</a>'
                )
            size = path.stat().st_size if path.exists() else 0
            if path.exists() and size <= EMBED_LIMIT_BYTES:
                data = base64.b64encode(path.read_bytes()).decode("ascii")
                mime = _MIME.get(path.suffix, "application/octet-stream")
                text = "offline copy" if href is not None else label
                links.append(f'<a href="data:{mime};base64,{data}" download="{label}">{text}</a>')
            if not links:
                links.append(label)
            items.append(
                f"<li>{' · '.join(links)} <small>({size / 1024:.1f} KB, "
                f"<code>{html.escape(str(path))}</code>)</small></li>"
            )
        return f"<div><b>Exported {html.escape(self.name)}</b><ul>{''.join(items)}</ul></div>"


def _in_colab() -> bool:
    return "google.colab" in sys.modules


def export(
    piece: Piece,
    name: str,
    folder: str | os.PathLike | None = None,
    wav: bool = True,
    download: bool | None = None,
    sample_rate: int = 22050,
) -> ExportResult:
    """Write ``piece`` as ``name.mid`` (and ``name.wav``) and return an :class:`ExportResult`.

    ``folder`` defaults to :func:`musicnb.export_dir`. ``download`` (default: only in Colab)
    starts the browser download through ``google.colab.files.download``.
    """
    from . import audio, midi
    from .settings import export_dir

    if not isinstance(piece, Piece):
        raise MusicnbError(
            f"export needs a musicnb.Piece, got {type(piece).__name__}; decode "
            "generated tokens first (e.g. sampler.to_pieces(tokens)[0])."
        )
    from .atomic import clean_stale_temporaries, report_cleaned
    from .validation import writable_folder

    stem = sanitize_name(name)
    if wav:
        audio.check_renderable(piece)  # before any file is written
    target = writable_folder(folder if folder is not None else export_dir(), "export folder")
    report_cleaned(clean_stale_temporaries(target), target)
    midi_path = midi.write(piece, target / f"{stem}.mid")
    wav_path = audio.write_wav(piece, target / f"{stem}.wav", sample_rate) if wav else None
    result = ExportResult(stem, midi_path, wav_path)
    if download is None:
        download = _in_colab()
    if download:
        try:
            from google.colab import files
        except ImportError as exc:
            raise MusicnbError(
                "download=True works in Google Colab only; elsewhere use the "
                "links shown under the cell."
            ) from exc
        for path in result.paths:
            files.download(str(path))
    return result

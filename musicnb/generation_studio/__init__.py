"""The generation studio: pick a trained run (yours or a ready-trained one), drag the knobs of
its model family, listen, compare with the real continuation, export.

Three parts, one job each:

* :mod:`musicnb.generation_studio.engines` — one engine per model family (next-event and token models,
  melody and harmony, pitch regression, biaxial), chosen by what the run folder holds;
* :mod:`musicnb.generation_studio.generation` — :func:`generate`, a pure function of engine, settings and
  primer, with a cancel flag and a progress callback;
* :mod:`musicnb.generation_studio.view` — the ipywidgets panel (:class:`Studio`) that runs it in a thread.

``musicnb.studio(...)`` and ``musicnb.widgets.studio(...)`` build it: both are :func:`studio` of
this package, which is named apart from that function so that neither shadows the other.
"""

from __future__ import annotations

from .engines import (
    BiaxialEngine,
    Cancelled,
    Engine,
    MelodyHarmonyEngine,
    PieceStreams,
    PitchRegressionEngine,
    SamplerEngine,
    check_run_folder,
    engine_for_run,
    run_family,
)
from .generation import (
    KEY_CHOICES,
    MAX_SEED,
    NO_KEY,
    PRIMER_KEY,
    GenerationResult,
    generate,
    resolve_key,
)
from .render import download_link, png_of_piece, wav_of_piece
from .view import NO_PRIMER, UPLOAD_LIMIT_BYTES, Studio, studio

__all__ = [
    "studio",
    "Studio",
    "Engine",
    "SamplerEngine",
    "MelodyHarmonyEngine",
    "PitchRegressionEngine",
    "BiaxialEngine",
    "PieceStreams",
    "GenerationResult",
    "generate",
    "resolve_key",
    "engine_for_run",
    "run_family",
    "check_run_folder",
    "KEY_CHOICES",
    "NO_KEY",
    "PRIMER_KEY",
    "NO_PRIMER",
    "MAX_SEED",
    "Cancelled",
    "png_of_piece",
    "wav_of_piece",
    "download_link",
    "UPLOAD_LIMIT_BYTES",
]

"""The generation studio under its first name: ``musicnb.widgets.studio()`` builds the same
panel as ``musicnb.studio()``. The code lives in :mod:`musicnb.generation_studio` (engines per model
family, a pure generation function, the view)."""

from __future__ import annotations

from .generation_studio import (
    KEY_CHOICES,
    MAX_SEED,
    NO_KEY,
    NO_PRIMER,
    PRIMER_KEY,
    UPLOAD_LIMIT_BYTES,
    BiaxialEngine,
    Cancelled,
    Engine,
    GenerationResult,
    MelodyHarmonyEngine,
    PitchRegressionEngine,
    SamplerEngine,
    Studio,
    check_run_folder,
    download_link,
    engine_for_run,
    generate,
    png_of_piece,
    run_family,
    studio,
    wav_of_piece,
)

__all__ = [
    "studio",
    "Studio",
    "Engine",
    "SamplerEngine",
    "MelodyHarmonyEngine",
    "PitchRegressionEngine",
    "BiaxialEngine",
    "GenerationResult",
    "generate",
    "engine_for_run",
    "run_family",
    "KEY_CHOICES",
    "NO_KEY",
    "PRIMER_KEY",
    "NO_PRIMER",
    "MAX_SEED",
    "Cancelled",
    "check_run_folder",
    "png_of_piece",
    "wav_of_piece",
    "download_link",
    "UPLOAD_LIMIT_BYTES",
]

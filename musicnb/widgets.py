"""The generation studio under its first name: ``musicnb.widgets.studio()`` builds the same
panel as ``musicnb.studio()``. The code lives in :mod:`musicnb.generation_studio` (engines per model
family, a pure generation function, the view); this module re-exports its public names, so the
two lists cannot drift apart."""

from __future__ import annotations

from .generation_studio import *  # noqa: F403 - this module is the studio under its first name
from .generation_studio import __all__ as __all__

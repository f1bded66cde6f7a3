"""Evaluation: accuracies, perplexity and the honest baselines every model is compared with.

Sections: next-event metrics and baselines (notebooks 02-04); melody/harmony sampled accuracy
(notebook 05); polyphonic frame metrics (notebook 06).
"""

from __future__ import annotations

import numpy as np

# ---------------------------------------------------------------- notebooks 02-04: next event

# ---------------------------------------------------------------- notebook 05: melody and harmony

# ---------------------------------------------------------------- notebook 06: polyphony

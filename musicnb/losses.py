"""Losses of the course, written with ``keras.ops`` and registered for ``.keras`` saving.

Sections: the melody-and-harmony weighted loss and the music-theory pitch loss (notebook 05);
the biaxial model's Bernoulli negative log-likelihood (notebook 06).
"""

from __future__ import annotations

import keras
from keras import ops

# ---------------------------------------------------------------- notebook 05: custom losses

# ---------------------------------------------------------------- notebook 06: biaxial RNN

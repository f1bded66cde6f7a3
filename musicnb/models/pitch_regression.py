"""The (pitch, velocity, time) regression LSTM trained with the music-theory pitch loss.

System 5 of the course, after *Long Short-Tunes Memory* (Peter Schaldenbrand, Yizhou He,
Husni Almoubayyed; CMU): instead of a softmax over pitch classes, the network *regresses*
the next note's MIDI pitch, velocity and time since the previous note (dt, in beats; 0 for
the next note of a chord) from the previous ``lookback`` notes (3, as published)::

    (3, 3) ─► Normalization ─► LSTM(48) ─► Dense(24, relu) ─► Dense(3) ─► Normalization⁻¹ ─► (3,)

The first ``Normalization`` layer standardises each feature, ``z = (x − μ) / σ``, with the
training data's mean and variance; the last one (``invert=True``, same μ and σ) maps the
output back, ``x = μ + σ·z``, so the model speaks MIDI pitches, velocities and quarter notes
on both ends. The loss (:class:`musicnb.losses.PitchRegressionLoss`) is the theory cost of the
pitch interval (the paper's by default) plus 0.2 × its amplitude × the mean squared
*standardised* error of velocity and time. (The Normalization layers are the course's: they
hold the data's mean and variance and train nothing, so the trainable sizes are the paper's.)

What to expect: velocity and rhythm are learnt well (smooth, local quantities a regression
fits), the key badly — a real-valued pitch that is "a fifth off" is cheap under the theory
loss, so nothing ties the melody to one scale, and rounding a real number to a pitch lands
on chromatic notes freely.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from keras import layers as L

from ..errors import MusicnbError
from .build_records import register_build

__all__ = [
    "pitch_regression_lstm",
    "note_event_windows",
    "generate_note_events",
    "PAPER_PARAMETERS",
]


#: Table 2 of *Long Short-Tunes Memory*: trainable parameters of LSTM(48), Dense(24), Dense(3)
#: on (note, velocity, dt) rows with a look-back of 3.
PAPER_PARAMETERS = {"lstm": 9_984, "dense": 1_176, "standardised_next": 75}


def pitch_regression_lstm(
    lookback: int = 3,
    units: int = 48,
    dense_units: int = 24,
    normalization_data: Any = None,
    mse_weight: float = 0.2,
    learning_rate: float = 1e-3,
    compile: bool = True,
    name: str = "pitch_regression_lstm",
    loss: Any = "paper",
) -> keras.Model:
    """``(batch, lookback, 3)`` note events → the next ``(pitch, velocity, dt)``.

    Sizes as published (Schaldenbrand, He & Almoubayyed, *Long Short-Tunes Memory*, Table 2):
    look-back 3, LSTM(48) → Dense(24) → Dense(3), i.e. 9,984 / 1,176 / 75 parameters
    (:data:`PAPER_PARAMETERS`). ``loss``: ``"paper"`` (the paper's theory cost on pitch, MSE on
    velocity and dt at 20 % of its amplitude), ``"course"`` (the course's folded variant),
    ``"mse"`` (plain mean squared error on all three, the comparison), or a Keras loss.

    ``normalization_data``: an array ``(n, 3)`` (or ``(n, lookback, 3)``) of training events
    whose per-feature mean and variance set both Normalization layers (default: mean 0,
    variance 1, i.e. no scaling — pass the training data).
    """
    from ..losses import PitchRegressionLoss, PlainPitchMSE

    for label, value in (("lookback", lookback), ("units", units), ("dense_units", dense_units)):
        if isinstance(value, bool) or int(value) != value or value < 1:
            raise MusicnbError(f"{label} must be a whole number >= 1, got {value!r}.")
    if normalization_data is None:
        mean, variance = np.zeros(3), np.ones(3)
    else:
        data = (
            np.asarray(normalization_data, np.float64).reshape(-1, 3)
            if np.size(normalization_data)
            else np.zeros((0, 3))
        )
        if len(data) < 2:
            raise MusicnbError(
                "normalization_data needs at least two (pitch, velocity, dt) rows; "
                "pass the training events (e.g. np.concatenate(train_arrays))."
            )
        mean, variance = data.mean(0), data.var(0)
    variance = np.where(variance > 1e-6, variance, 1.0)  # a constant feature is left unscaled
    inputs = keras.Input(shape=(int(lookback), 3), name="note_events")
    x = L.Normalization(
        axis=-1, mean=mean.tolist(), variance=variance.tolist(), name="standardise"
    )(inputs)
    x = L.LSTM(int(units), name="lstm")(x)
    x = L.Dense(int(dense_units), activation="relu", name="dense")(x)
    x = L.Dense(3, name="standardised_next")(x)
    outputs = L.Normalization(
        axis=-1, mean=mean.tolist(), variance=variance.tolist(), invert=True, name="next_event"
    )(x)
    model = keras.Model(inputs, outputs, name=name)
    if compile:
        scales = np.sqrt(variance[1:])
        if loss in ("paper", "course"):
            chosen = PitchRegressionLoss(scales=scales.tolist(), mse_weight=mse_weight, cost=loss)
        elif loss == "mse":
            chosen = PlainPitchMSE(scales=np.sqrt(variance).tolist(), mse_weight=mse_weight)
        else:
            chosen = loss
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate),
            loss=chosen,
            metrics=[keras.metrics.MeanAbsoluteError(name="mae")],
        )
    params = {
        "lookback": int(lookback),
        "units": int(units),
        "dense_units": int(dense_units),
        "mse_weight": float(mse_weight),
        "learning_rate": float(learning_rate),
        "loss": loss if isinstance(loss, str) else type(loss).__name__,
        "mean": mean.tolist(),
        "variance": variance.tolist(),
    }
    return register_build(model, "pitch_regression_lstm", params)


def note_event_windows(
    arrays: Sequence[np.ndarray], lookback: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """``X (N, lookback, 3)`` of consecutive note events and ``y (N, 3)`` the event after each,
    never crossing from one piece into the next."""
    if int(lookback) != lookback or lookback < 1:
        raise MusicnbError(f"lookback must be a whole number >= 1, got {lookback!r}.")
    xs, ys = [], []
    for array in arrays:
        array = np.asarray(array, np.float32)
        if array.ndim != 2 or array.shape[1] != 3:
            raise MusicnbError(
                f"Each piece must be an (n_notes, 3) array from NoteEventEncoder, "
                f"got shape {array.shape}."
            )
        if len(array) <= lookback:
            continue
        view = np.lib.stride_tricks.sliding_window_view(array, (lookback + 1, 3))[:, 0]
        xs.append(view[:, :lookback])
        ys.append(view[:, lookback])
    if not xs:
        raise MusicnbError(f"No piece has more than {lookback} notes; use a shorter lookback.")
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.float32)


def generate_note_events(
    model: keras.Model,
    primer: Any,
    n_notes: int,
    noise: float = 0.0,
    seed: int | None = None,
    dt_grid: float | None = None,
) -> np.ndarray:
    """Roll the model forward ``n_notes`` notes from ``primer`` (``(≥ lookback, 3)`` events).

    The whole loop runs in one compiled ``tf.function``: predict the next event, add Gaussian
    noise (``noise`` × the training standard deviation of each feature, read from the model's
    Normalization layer; 0 = deterministic), round the pitch to a MIDI number, clip velocity
    to 1..127 and dt to ≥ 0 (rounded to a multiple of ``dt_grid`` quarter notes when given,
    e.g. 0.25 for 16ths, as the pitch is rounded to a semitone), slide the look-back window.
    Returns ``(n_notes, 3)`` float32.
    """
    import tensorflow as tf

    from ..validation import generation_size, real_number, whole_number

    lookback = int(model.input_shape[1])
    needed = f"primer must be at least {lookback} (pitch, velocity, dt) rows of numbers"
    try:
        primer = np.asarray(primer, np.float32)
    except (TypeError, ValueError):
        raise MusicnbError(f"{needed}, got {type(primer).__name__} {primer!r:.40}.") from None
    if primer.ndim != 2 or primer.shape[1] != 3 or len(primer) < lookback:
        raise MusicnbError(f"{needed}, got shape {primer.shape}.")
    if not np.all(np.isfinite(primer)):
        raise MusicnbError("primer holds NaN or infinity: encode a piece with NoteEventEncoder.")
    dt_grid = real_number(
        "dt_grid", dt_grid, 0.0, above=True, allow_none=True, hint="0.25 is a 16th-note grid."
    )
    n_notes, _ = generation_size(n_notes, length_name="n_notes", unit="notes")
    noise = real_number("noise", noise, 0.0, hint="0 is deterministic, 1 the training spread.")
    seed = whole_number("seed", seed, allow_none=True)
    try:
        std = np.sqrt(np.asarray(model.get_layer("next_event").variance).reshape(-1))
    except ValueError:
        std = np.ones(3)
    eps = np.random.default_rng(seed).standard_normal((int(n_notes), 3)) * float(noise) * std
    roll = _ROLLS.get(model)
    if roll is None:
        roll = _ROLLS[model] = _roll_function(model)
    return roll(
        tf.constant(primer[-lookback:]),
        tf.constant(eps, tf.float32),
        tf.constant(float(dt_grid or 0.0)),
    ).numpy()


_ROLLS: weakref.WeakKeyDictionary[keras.Model, Any] = weakref.WeakKeyDictionary()


def _roll_function(model: keras.Model) -> Any:
    """The compiled generation loop of one model (traced once, reused across calls)."""
    import tensorflow as tf

    low = tf.constant([0.0, 1.0, 0.0])
    high = tf.constant([127.0, 127.0, 1e6])

    @tf.function(reduce_retracing=True)
    def roll(window, eps, grid):
        out = tf.TensorArray(tf.float32, size=tf.shape(eps)[0])
        for i in tf.range(tf.shape(eps)[0]):
            nxt = model(window[None], training=False)[0] + eps[i]
            nxt = tf.clip_by_value(nxt, low, high)
            dt = tf.cond(grid > 0, lambda: tf.round(nxt[2:] / grid) * grid, lambda: nxt[2:])  # noqa: B023 (tf.cond calls both now)
            nxt = tf.concat([tf.round(nxt[:1]), tf.round(nxt[1:2]), dt], 0)
            out = out.write(i, nxt)
            window = tf.concat([window[1:], nxt[None]], 0)
        return out.stack()

    return roll

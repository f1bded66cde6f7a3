"""The biaxial RNN: LSTMs along time shared by every note, then LSTMs along the notes of each step.

After Daniel D. Johnson, "Composing Music With Recurrent Neural Networks" (hexahedria blog,
2015; github.com/hexahedria/biaxial-rnn-music-composition) and "Generating Polyphonic Music
Using Tied Parallel Networks" (EvoMUSART 2017). The model reads a play/articulate piano roll
``(B, T, N, 2)`` (see :class:`~musicnb.encoders.PianoRollEncoder`) and outputs, for every step
``t`` and note ``n``, the probabilities that the note plays and that it is struck::

    x[t, n]  = note_features(roll[t − 1])[n]              79 features (position, pitch class,
                                                          neighbourhood, pitch-class counts, beat)
    h[t, n]  = TimeLSTMs(x[1..t, n])                      the SAME weights for every note n
                (B, T, N, F) -> (B·N, T, F): the notes go into the batch
    z[t, n]  = NoteLSTMs(h[t, 1..n] ⊕ roll[t, 1..n−1])    the SAME weights for every step t
                (B, T, N, H + 2) -> (B·T, N, H + 2): the steps go into the batch; each note sees
                the play/articulate of the note below (teacher forced: the true ones in training,
                the sampled ones in generation)
    P(play), P(articulate | play) = sigmoid(W z[t, n] + b)

Because both stacks are shared, the network is invariant along time and (apart from the position
feature) along pitch: it learns "what a note does given its neighbours", not "what C4 does".

Generation (:class:`BiaxialGenerator`) alternates one time step of the time-axis LSTMs (their
state carried from step to step) with a note-axis scan from the lowest note upwards, sampling
each note and feeding it to the next (two compiled functions). A temperature and Johnson's
"conservativity" idea keep it from falling silent.

:func:`per_note_baseline` is the comparison: the same time-axis stack, then each note's play
and articulate predicted independently of the other notes at the same step (no note axis).

The builder is :func:`biaxial` (``musicnb.models.biaxial``); this module is named ``biaxial_rnn``
so that name always means the builder. Its layers keep their registered names (``musicnb>...``),
so ``.keras`` files saved before the rename still load.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from keras import layers, ops

from ..encoders.pianoroll import N_FEATURES, note_features_ops
from ..errors import MusicnbError

#: The most (stream, step) pairs one ``generate`` call makes: 1,000,000 rolls of 88 notes
#: with their probabilities take about 900 MB.
MAX_ROLL_STEPS = 1_000_000

__all__ = [
    "biaxial",
    "per_note_baseline",
    "BiaxialGenerator",
    "play_probabilities",
    "draw_biaxial",
    "RollFeatures",
    "NotesToBatch",
    "BatchToNotes",
    "NoteBelow",
    "StepsToBatch",
    "BatchToSteps",
    "JOHNSON",
    "COURSE",
    "johnson_conservativity",
    "halve_double_conservativity",
    "CONSERVATIVITY_RULES",
]


# ---------------------------------------------------------------- reshaping layers


@keras.saving.register_keras_serializable(package="musicnb")
class RollFeatures(layers.Layer):
    """``(B, T, N, 2)`` roll -> ``(B, T, N, 79)`` note features for predicting each step:
    row ``t`` describes step ``t − 1`` (silence before the first) and the beat of step ``t``."""

    def __init__(self, low: int = 24, steps_per_quarter: int = 4, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.low, self.steps_per_quarter = int(low), int(steps_per_quarter)

    def call(self, roll):
        roll = ops.cast(roll, "float32")
        previous = ops.pad(roll, [[0, 0], [1, 0], [0, 0], [0, 0]])[:, :-1]
        shape = ops.shape(roll)
        steps = ops.broadcast_to(
            ops.expand_dims(ops.arange(shape[1], dtype="int32"), 0), (shape[0], shape[1])
        )
        return note_features_ops(previous, steps, self.low, self.steps_per_quarter)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:3], N_FEATURES)

    def get_config(self):
        return {
            **super().get_config(),
            "low": self.low,
            "steps_per_quarter": self.steps_per_quarter,
        }


@keras.saving.register_keras_serializable(package="musicnb")
class NotesToBatch(layers.Layer):
    """``(B, T, N, F)`` -> ``(B·N, T, F)``: every note becomes its own sequence in time."""

    def call(self, x):
        shape = ops.shape(x)
        return ops.reshape(ops.transpose(x, (0, 2, 1, 3)), (-1, shape[1], x.shape[-1]))

    def compute_output_shape(self, input_shape):
        return (None, input_shape[1], input_shape[3])


@keras.saving.register_keras_serializable(package="musicnb")
class BatchToNotes(layers.Layer):
    """``(B·N, T, H)`` -> ``(B, T, N, H)``, the inverse of :class:`NotesToBatch`."""

    def __init__(self, n_notes: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.n_notes = int(n_notes)

    def call(self, x):
        shape = ops.shape(x)
        x = ops.reshape(x, (-1, self.n_notes, shape[1], x.shape[-1]))
        return ops.transpose(x, (0, 2, 1, 3))

    def compute_output_shape(self, input_shape):
        return (None, input_shape[1], self.n_notes, input_shape[2])

    def get_config(self):
        return {**super().get_config(), "n_notes": self.n_notes}


@keras.saving.register_keras_serializable(package="musicnb")
class NoteBelow(layers.Layer):
    """``(B, T, N, 2)`` -> the play/articulate of the note one semitone below (zeros under the
    lowest note): what the note-axis LSTM is told was chosen just before it."""

    def call(self, roll):
        roll = ops.cast(roll, "float32")
        return ops.pad(roll, [[0, 0], [0, 0], [1, 0], [0, 0]])[:, :, :-1]

    def compute_output_shape(self, input_shape):
        return input_shape


@keras.saving.register_keras_serializable(package="musicnb")
class StepsToBatch(layers.Layer):
    """``(B, T, N, F)`` -> ``(B·T, N, F)``: every time step becomes its own sequence of notes."""

    def call(self, x):
        return ops.reshape(x, (-1, x.shape[2], x.shape[3]))

    def compute_output_shape(self, input_shape):
        return (None, input_shape[2], input_shape[3])


@keras.saving.register_keras_serializable(package="musicnb")
class BatchToSteps(layers.Layer):
    """``(B·T, N, C)`` and the ``(B, T, N, ·)`` reference -> ``(B, T, N, C)``."""

    def call(self, x, reference):
        shape = ops.shape(reference)
        return ops.reshape(x, (shape[0], shape[1], x.shape[1], x.shape[2]))

    def compute_output_shape(self, x_shape, reference_shape):
        return (reference_shape[0], reference_shape[1], x_shape[1], x_shape[2])


# ---------------------------------------------------------------- builders


def _check_sizes(
    n_notes: int, time_units: Sequence[int], note_units: Sequence[int] | None, dropout: float
) -> None:
    if int(n_notes) != n_notes or n_notes < 2:
        raise MusicnbError(
            f"n_notes must be a whole number >= 2 (the roll's range), got {n_notes!r}."
        )
    for name, units in (("time_units", time_units), ("note_units", note_units)):
        if units is None:
            continue
        if not units or any(int(u) != u or u < 1 for u in units):
            raise MusicnbError(
                f"{name} must be a non-empty list of positive layer sizes, got {units!r}."
            )
    if not 0.0 <= dropout < 1.0:
        raise MusicnbError(f"dropout must lie in [0, 1), got {dropout!r}.")


def _time_axis(
    roll, n_notes: int, low: int, steps_per_quarter: int, time_units: Sequence[int], dropout: float
):
    x = RollFeatures(low, steps_per_quarter, name="roll_features")(roll)
    x = NotesToBatch(name="notes_to_batch")(x)
    for i, units in enumerate(time_units):
        x = layers.LSTM(int(units), return_sequences=True, name=f"time_lstm_{i}")(x)
        if dropout:
            x = layers.Dropout(dropout, name=f"time_dropout_{i}")(x)
    return BatchToNotes(n_notes, name="batch_to_notes")(x)


#: Daniel Johnson's configuration (biaxial-rnn-music-composition: ``main.py``, ``model.py``,
#: ``multi_training.py``): time axis 2 × 300, note axis 100 + 50, dropout 0.5, AdaDelta
#: (theano_lstm's ``create_optimization_updates(method="adadelta")``: rho 0.95, eps 1e-6,
#: step 1), batches of 10 segments of 128 steps starting on a bar (every 16 steps), and his
#: conservativity rule in generation.
JOHNSON = {
    "time_units": (300, 300),
    "note_units": (100, 50),
    "dropout": 0.5,
    "optimizer": "adadelta",
    "learning_rate": 1.0,
    "chunk_length": 128,
    "batch_size": 10,
    "chunk_step": 16,
    "conservativity": "johnson",
}
#: The course's defaults where they differ: Adam 1e-3, 64-step chunks, the halve/double rule.
COURSE = {
    "optimizer": "adam",
    "learning_rate": 1e-3,
    "chunk_length": 64,
    "conservativity": "halve_double",
}


def _compile(model: keras.Model, learning_rate: float, optimizer: str = "adam") -> keras.Model:
    from ..losses import BiaxialNLL, play_nll

    if optimizer == "adam":
        chosen = keras.optimizers.Adam(learning_rate)
    elif optimizer == "adadelta":
        chosen = keras.optimizers.Adadelta(learning_rate, rho=0.95, epsilon=1e-6)
    else:
        raise MusicnbError(
            f"optimizer must be 'adam' (the course's) or 'adadelta' (Johnson's), got {optimizer!r}."
        )
    model.compile(optimizer=chosen, loss=BiaxialNLL(), metrics=[play_nll])
    return model


def biaxial(
    n_notes: int = 78,
    time_units: Sequence[int] = (300, 300),
    note_units: Sequence[int] = (100, 50),
    dropout: float = 0.5,
    *,
    low: int = 24,
    steps_per_quarter: int = 4,
    learning_rate: float = 1e-3,
    optimizer: str = "adam",
) -> keras.Model:
    """The biaxial RNN on rolls of ``n_notes`` notes from MIDI ``low`` (compiled).

    ``optimizer="adadelta", learning_rate=1.0`` is Johnson's training (see :data:`JOHNSON`);
    Adam 1e-3 is the course's (it converges in fewer steps on a CPU budget).

    Input: a roll ``(B, T, n_notes, 2)``; output: ``(B, T, n_notes, 2)`` probabilities of play
    and articulate at each step, teacher forced (``y`` is the input roll itself). Defaults are
    Johnson's (2×300 time-axis, 100 + 50 note-axis units, dropout 0.5, notes 24..101).
    Loss: :class:`musicnb.losses.BiaxialNLL` (nats per step, summed over the notes).
    """
    _check_sizes(n_notes, time_units, note_units, dropout)
    roll = keras.Input((None, int(n_notes), 2), name="roll")
    h = _time_axis(roll, int(n_notes), low, steps_per_quarter, time_units, dropout)
    z = layers.Concatenate(axis=-1, name="with_note_below")([h, NoteBelow(name="note_below")(roll)])
    z = StepsToBatch(name="steps_to_batch")(z)
    for i, units in enumerate(note_units):
        z = layers.LSTM(int(units), return_sequences=True, name=f"note_lstm_{i}")(z)
        if dropout:
            z = layers.Dropout(dropout, name=f"note_dropout_{i}")(z)
    z = layers.Dense(2, activation="sigmoid", name="play_articulate")(z)
    out = BatchToSteps(name="batch_to_steps")(z, roll)
    return _compile(keras.Model(roll, out, name="biaxial"), learning_rate, optimizer)


def per_note_baseline(
    n_notes: int = 78,
    time_units: Sequence[int] = (300, 300),
    dropout: float = 0.5,
    *,
    low: int = 24,
    steps_per_quarter: int = 4,
    learning_rate: float = 1e-3,
    optimizer: str = "adam",
) -> keras.Model:
    """The comparison model: the time axis only; each note's play and articulate are predicted
    independently of what the other notes do at the same step (no note axis)."""
    _check_sizes(n_notes, time_units, None, dropout)
    roll = keras.Input((None, int(n_notes), 2), name="roll")
    h = _time_axis(roll, int(n_notes), low, steps_per_quarter, time_units, dropout)
    out = layers.Dense(2, activation="sigmoid", name="play_articulate")(h)
    return _compile(keras.Model(roll, out, name="per_note_baseline"), learning_rate, optimizer)


def play_probabilities(model: keras.Model, roll: Any, batch_size: int = 8) -> np.ndarray:
    """Teacher-forced probabilities ``(T, N, 2)`` of a roll ``(T, N, 2)`` (or a batch
    ``(B, T, N, 2)`` -> ``(B, T, N, 2)``): what the model expected at each step."""
    roll = np.asarray(roll, np.float32)
    single = roll.ndim == 3
    probs = model.predict(roll[None] if single else roll, batch_size=batch_size, verbose=0)
    return probs[0] if single else probs


# ---------------------------------------------------------------- generation


def _roll_settings(model: keras.Model) -> tuple[int, int, int]:
    try:
        features = model.get_layer("roll_features")
        model.get_layer("play_articulate")
    except ValueError:
        raise MusicnbError(
            f"Model {model.name!r} is not a biaxial/per-note model of "
            "musicnb.models.biaxial_rnn (no 'roll_features' layer)."
        ) from None
    n_notes = int(model.input_shape[2])
    return n_notes, features.low, features.steps_per_quarter


class BiaxialGenerator:
    """Samples new piano rolls from a trained :func:`biaxial` (or :func:`per_note_baseline`).

    One generation step = one step of the time-axis LSTMs for every note (state carried),
    then the note-axis scan from the lowest note up: note ``n`` reads the time-axis output and
    the play/articulate just sampled for note ``n − 1``; its play is sampled, and its
    articulate is sampled only where it plays. Both are compiled functions
    (``tf.function``), called once per step for all streams together.

    Knobs (:meth:`generate`): ``temperature`` T sharpens or flattens each Bernoulli,
    ``p' = sigmoid(logit(p) / T)`` (the course's; Johnson has none, T = 1 is his). Johnson's
    "conservativity" c raises the play probabilities to a power, ``p'' = p'^c`` (``c = 1``:
    as trained; c < 1 makes every note likelier, ranks unchanged). How c moves after each
    step, per stream, is the ``rule``:

    * ``"johnson"`` (default; his ``main.py`` ``gen_adaptive``, exactly): if fewer than
      ``min_notes`` = 2 notes play, first cap c at 1, then lower it by 0.02; otherwise relax
      it 30 % of the way back to 1, ``c += 0.3·(1 − c)``. No floor: after 50 near-silent steps
      c < 0 and every note plays, which ends the silence.
    * ``"halve_double"`` (the course's earlier rule, kept as an option): fewer than
      ``min_notes`` = 1 notes → c halves (down to 1/256); otherwise it doubles back to 1. It
      reacts within a step or two, where Johnson's drifts over tens of steps.

    ``min_notes=0`` switches the control off (c stays 1).
    """

    def __init__(self, model: keras.Model) -> None:
        self.model = model
        self.n_notes, self.low, self.steps_per_quarter = _roll_settings(model)
        self.time_cells = _layers_named(model, "time_lstm_")
        self.note_cells = _layers_named(model, "note_lstm_")
        if not self.time_cells:
            raise MusicnbError(f"Model {model.name!r} has no time_lstm_* layers to generate with.")
        self.out = model.get_layer("play_articulate")
        self._time_fn = None
        self._note_fn = None

    @classmethod
    def from_run(cls, run_dir: Any) -> BiaxialGenerator:
        from ..training import load_run

        return cls(load_run(run_dir).model)

    @property
    def has_note_axis(self) -> bool:
        return bool(self.note_cells)

    def initial_state(self, streams: int) -> list:
        n = streams * self.n_notes
        return [
            [ops.zeros((n, layer.cell.units)), ops.zeros((n, layer.cell.units))]
            for layer in self.time_cells
        ]

    def _time_step(self, previous, steps, states):
        """previous (S, N, 2), steps (S,) -> time-axis output (S, N, H) and new states."""
        x = note_features_ops(previous, steps, self.low, self.steps_per_quarter)
        x = ops.reshape(x, (-1, N_FEATURES))
        new_states = []
        for layer, state in zip(self.time_cells, states):
            x, state = layer.cell(x, state, training=False)
            new_states.append(list(state))
        return ops.reshape(x, (-1, self.n_notes, x.shape[-1])), new_states

    def _sample_notes(self, h, uniforms, temperature, conservativity):
        """h (S, N, H), uniforms (S, N, 2), temperature (), c (S,) ->
        chosen (S, N, 2) and the adjusted play/articulate probabilities (S, N, 2)."""

        def adjust(p, play: bool):
            p = ops.clip(p, 1e-7, 1 - 1e-7)
            p = ops.sigmoid((ops.log(p) - ops.log(1 - p)) / temperature)
            if play:
                c = conservativity
                p = ops.power(p, ops.expand_dims(c, -1) if len(p.shape) > 1 else c)
            return p

        if not self.has_note_axis:
            p = self.out(h)
            play_p, art_p = adjust(p[..., 0], True), adjust(p[..., 1], False)
            play = ops.cast(uniforms[..., 0] < play_p, "float32")
            art = play * ops.cast(uniforms[..., 1] < art_p, "float32")
            return ops.stack([play, art], -1), ops.stack([play_p, art_p], -1)
        S = ops.shape(h)[0]
        states = [
            [ops.zeros((S, layer.cell.units)), ops.zeros((S, layer.cell.units))]
            for layer in self.note_cells
        ]
        below = ops.zeros((S, 2))
        chosen, probs = [], []
        for n in range(self.n_notes):
            z = ops.concatenate([h[:, n], below], axis=-1)
            for i, layer in enumerate(self.note_cells):
                z, state = layer.cell(z, states[i], training=False)
                states[i] = list(state)
            p = self.out(z)
            play_p, art_p = adjust(p[:, 0], True), adjust(p[:, 1], False)
            play = ops.cast(uniforms[:, n, 0] < play_p, "float32")
            art = play * ops.cast(uniforms[:, n, 1] < art_p, "float32")
            below = ops.stack([play, art], -1)
            chosen.append(below)
            probs.append(ops.stack([play_p, art_p], -1))
        return ops.stack(chosen, 1), ops.stack(probs, 1)

    def _compiled(self):
        if self._time_fn is None:
            import tensorflow as tf

            self._time_fn = tf.function(self._time_step, reduce_retracing=True)
            self._note_fn = tf.function(self._sample_notes, reduce_retracing=True)
        return self._time_fn, self._note_fn

    def generate(
        self,
        length: int = 64,
        streams: int = 1,
        primer: Any = None,
        temperature: float = 1.0,
        min_notes: int | None = None,
        seed: int | None = None,
        return_probabilities: bool = False,
        rule: str = "johnson",
    ) -> Any:
        """Sample ``length`` steps for each of ``streams`` streams -> rolls
        ``(streams, length, N, 2)`` uint8 (and the sampled-from probabilities with
        ``return_probabilities=True``). ``primer``: a ``(T0, N, 2)`` roll whose steps are fed
        first (the output continues it; the primer is not repeated in the output)."""
        from ..validation import generation_size, real_number, whole_number

        length, streams = generation_size(length, streams)
        if length * streams > MAX_ROLL_STEPS:
            raise MusicnbError(
                f"{streams} streams x {length} steps is more than the {MAX_ROLL_STEPS:,} "
                "roll steps one call generates (each step of each stream keeps a roll of every "
                "note and its probabilities): ask for fewer streams or fewer steps."
            )
        temperature = real_number(
            "temperature", temperature, 0.0, above=True, hint="1 samples as trained."
        )
        seed = whole_number("seed", seed, allow_none=True)
        if min_notes is not None:
            min_notes = whole_number("min_notes", min_notes, 0, self.n_notes)
        if rule not in CONSERVATIVITY_RULES:
            raise MusicnbError(
                f"rule must be one of {sorted(CONSERVATIVITY_RULES)} ('johnson': "
                f"his published rule; 'halve_double': the course's), got {rule!r}."
            )
        if min_notes is None:
            min_notes = 2 if rule == "johnson" else 1
        time_fn, note_fn = self._compiled()
        rng = np.random.default_rng(seed)
        states = self.initial_state(streams)
        previous = np.zeros((streams, self.n_notes, 2), np.float32)
        t0 = 0
        if primer is not None:
            primer = np.asarray(primer, np.float32)
            if primer.ndim != 3 or primer.shape[1:] != (self.n_notes, 2):
                raise MusicnbError(
                    f"primer must be a roll (steps, {self.n_notes}, 2) from a "
                    f"PianoRollEncoder with this model's range, got {primer.shape}."
                )
            for t in range(len(primer)):
                _, states = time_fn(previous, np.full(streams, t, np.int32), states)
                previous = np.repeat(primer[t][None], streams, axis=0)
            t0 = len(primer)
        conservativity = np.ones(streams, np.float32)
        temperature = np.float32(temperature)
        rolls, probs = [], []
        for t in range(t0, t0 + int(length)):
            h, states = time_fn(previous, np.full(streams, t, np.int32), states)
            uniforms = rng.random((streams, self.n_notes, 2), dtype=np.float32)
            chosen, p = note_fn(h, uniforms, temperature, conservativity)
            previous = np.asarray(chosen, np.float32)
            playing = previous[..., 0].sum(-1)
            conservativity = CONSERVATIVITY_RULES[rule](conservativity, playing, min_notes)
            rolls.append(previous.astype(np.uint8))
            probs.append(np.asarray(p))
        stacked = np.stack(rolls, 1)
        return (stacked, np.stack(probs, 1)) if return_probabilities else stacked


def johnson_conservativity(c: np.ndarray, playing: np.ndarray, min_notes: int = 2) -> np.ndarray:
    """Johnson's update of the conservativity after one step (``main.py``, ``gen_adaptive``):
    fewer than ``min_notes`` notes → ``min(c, 1) − 0.02``; otherwise ``c + 0.3·(1 − c)``."""
    c = np.asarray(c, np.float64)
    if min_notes <= 0:
        return np.ones_like(c, dtype=np.float32)
    quiet = np.asarray(playing) < min_notes
    return np.where(quiet, np.minimum(c, 1.0) - 0.02, c + (1.0 - c) * 0.3).astype(np.float32)


def halve_double_conservativity(
    c: np.ndarray, playing: np.ndarray, min_notes: int = 1
) -> np.ndarray:
    """The course's rule: fewer than ``min_notes`` notes → c/2 (≥ 1/256); otherwise 2c (≤ 1)."""
    c = np.asarray(c, np.float64)
    if min_notes <= 0:
        return np.ones_like(c, dtype=np.float32)
    quiet = np.asarray(playing) < min_notes
    return np.where(quiet, np.maximum(c / 2, 1 / 256), np.minimum(c * 2, 1.0)).astype(np.float32)


CONSERVATIVITY_RULES = {
    "johnson": johnson_conservativity,
    "halve_double": halve_double_conservativity,
}


def _layers_named(model: keras.Model, prefix: str) -> list:
    found = [layer for layer in model.layers if layer.name.startswith(prefix)]
    return sorted(found, key=lambda layer: int(layer.name.rsplit("_", 1)[-1]))


def draw_biaxial(n_steps: int = 5, n_notes: int = 6, ax: Any = None) -> Any:
    """A diagram of the two axes: a grid of (step, note) cells; the time-axis LSTM runs along
    each note's row (left to right, the same weights on every row), then the note-axis LSTM runs
    up each step's column (bottom to top, the same weights on every column), each cell passing
    up the note it chose. Returns the matplotlib ``Axes``."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, Rectangle

    if ax is None:
        _, ax = plt.subplots(figsize=(1.3 * n_steps + 3, 0.8 * n_notes + 1.5))
    for t in range(n_steps):
        for n in range(n_notes):
            ax.add_patch(
                Rectangle((t - 0.3, n - 0.3), 0.6, 0.6, facecolor="#eef3fb", edgecolor="#5b7db1")
            )
            if t + 1 < n_steps:
                ax.add_patch(
                    FancyArrowPatch(
                        (t + 0.3, n),
                        (t + 0.7, n),
                        arrowstyle="-|>",
                        mutation_scale=10,
                        color="#c0392b",
                    )
                )
            if n + 1 < n_notes:
                ax.add_patch(
                    FancyArrowPatch(
                        (t + 0.08, n + 0.3),
                        (t + 0.08, n + 0.7),
                        arrowstyle="-|>",
                        mutation_scale=10,
                        color="#1e8449",
                    )
                )
    ax.text(
        n_steps - 0.4,
        -0.85,
        "time-axis LSTM: along each note's row, shared by all notes",
        color="#c0392b",
        ha="right",
        fontsize=9,
    )
    ax.text(
        -0.75,
        n_notes - 0.5,
        "note-axis LSTM:\nup each step's column,\nshared by all steps\n"
        "(reads the note\nchosen below)",
        color="#1e8449",
        ha="right",
        va="top",
        fontsize=9,
    )
    ax.set_xlim(-2.9, n_steps - 0.4)
    ax.set_ylim(-1.1, n_notes - 0.4)
    ax.set_xticks(range(n_steps), [f"t{t}" for t in range(n_steps)])
    ax.set_yticks(range(n_notes), [f"note {n}" for n in range(n_notes)])
    ax.set_xlabel("time step")
    ax.set_title("The biaxial RNN: two LSTM stacks on two axes of the piano roll")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax

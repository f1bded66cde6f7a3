"""Losses of the course, written with ``keras.ops`` and registered for ``.keras`` saving.

Sections: the melody-and-harmony weighted loss and the music-theory pitch loss (notebook 05);
the biaxial model's Bernoulli negative log-likelihood (notebook 06).
"""

from __future__ import annotations

import keras
from keras import ops

# ---------------------------------------------------------------- notebook 05: custom losses
#
# 1. The weighted two-head loss of the melody-and-harmony LSTM (after Yoav Zimmerman's
#    Nottingham "music_rnn": one network, a melody softmax and a harmony softmax):
#        L = α · CE(melody) + (1 − α) · CE(chord),   CE(p, y) = −log p[y]   (mean over steps)
#    α is the melody coefficient. Keras computes exactly this with per-output losses and
#    ``loss_weights={"melody": α, "chord": 1 − α}`` (saved in the .keras compile config).
#
# 2. The music-theory pitch loss: a cost c(d) of the interval d = predicted − true pitch
#    (semitones), small for consonant intervals and large for dissonant ones, periodic every
#    12 semitones, plus a charge for leaps beyond an octave:
#        c(d) = Σ_{k=1..K} w_k · (1 − cos(2πk·d/12))  +  λ · softplus(s·(|d| − 12.5)) / s
#    Each term is 0 at d = 0 and 12-periodic, so c(0) = c(±12) ≈ 0 (plus the small leap
#    charge at the octave). The weights w_k are the least-squares fit of the target points
#    INTERVAL_COST_TARGETS (interval class = d mod 12 folded into 0..6; the fit reproduces them
#    within 0.01). Being a smooth function of d, it can be used as a regression loss on a
#    real-valued pitch (use a), and as an expected cost under a predicted distribution over
#    pitch tokens, added to cross-entropy (use b):
#        L_b = CE(p, y) + β · Σ_j p_j · c(pitch_j − pitch_y)    (0 for tokens without a pitch)

#: Target cost of each interval class (semitones mod 12 folded into 0..6): 0 unison/octave,
#: 1 minor 2nd/major 7th, 2 major 2nd/minor 7th, 3 minor 3rd/major 6th, 4 major 3rd/minor 6th,
#: 5 perfect 4th/5th, 6 tritone. Low for consonances, high off the scale and for the tritone.
INTERVAL_COST_TARGETS: dict[int, float] = {0: 0.0, 1: 1.0, 2: 0.6, 3: 0.2, 4: 0.2, 5: 0.15,
                                           6: 1.0}

#: w_1..w_5 of the cosine series, ``fit_interval_cost(INTERVAL_COST_TARGETS, 5)`` rounded.
THEORY_HARMONICS: tuple[float, ...] = (-0.143859, -0.156818, 0.301515, 0.093182, 0.346889)

#: The leap charge λ·softplus(s·(|d| − start))/s beyond an octave.
LEAP_WEIGHT, LEAP_SHARPNESS, LEAP_START = 0.25, 2.0, 12.5


def fit_interval_cost(targets: dict[int, float] | None = None, n_harmonics: int = 5):
    """Least-squares weights ``w_1..w_K`` of ``Σ w_k (1 − cos(2πk·d/12))`` through the targets.

    ``targets`` maps interval classes 0..6 to costs (default :data:`INTERVAL_COST_TARGETS`);
    the series is fitted at d = 0..11 (class = min(d, 12 − d)). Returns a NumPy array.
    """
    import numpy as np

    from .errors import MusicnbError

    targets = INTERVAL_COST_TARGETS if targets is None else targets
    if set(targets) != set(range(7)):
        raise MusicnbError("targets must give a cost for each interval class 0..6 "
                           f"(semitones mod 12 folded), got keys {sorted(targets)}.")
    if not 1 <= int(n_harmonics) <= 6:
        raise MusicnbError(f"n_harmonics must be 1..6 (12 points fix at most 6), got {n_harmonics}.")
    d = np.arange(12)
    y = np.array([float(targets[int(min(x, 12 - x))]) for x in d])
    basis = np.stack([1 - np.cos(2 * np.pi * k * d / 12) for k in range(1, int(n_harmonics) + 1)], 1)
    weights, *_ = np.linalg.lstsq(basis, y, rcond=None)
    return weights


def interval_cost_numpy(d, harmonics=THEORY_HARMONICS, leap_weight: float = LEAP_WEIGHT):
    """The theory cost c(d) in NumPy (for plots and checks); same formula as :func:`interval_cost`."""
    import numpy as np

    d = np.asarray(d, dtype=np.float64)
    cost = np.zeros_like(d)
    for k, w in enumerate(harmonics, start=1):
        cost += w * (1 - np.cos(2 * np.pi * k * d / 12))
    x = LEAP_SHARPNESS * (np.abs(d) - LEAP_START)
    return cost + leap_weight * np.logaddexp(0.0, x) / LEAP_SHARPNESS


def interval_cost(d, harmonics=THEORY_HARMONICS, leap_weight: float = LEAP_WEIGHT):
    """The theory cost c(d) of intervals ``d`` (a tensor of semitones), with ``keras.ops``."""
    d = ops.cast(d, "float32")
    cost = ops.zeros_like(d)
    for k, w in enumerate(harmonics, start=1):
        cost = cost + float(w) * (1.0 - ops.cos((2.0 * 3.141592653589793 * k / 12.0) * d))
    magnitude = ops.sqrt(ops.square(d) + 1e-6)  # |d|, smooth at 0
    return cost + leap_weight * ops.softplus(LEAP_SHARPNESS * (magnitude - LEAP_START)) / LEAP_SHARPNESS


@keras.saving.register_keras_serializable(package="musicnb")
class TheoryPitchLoss(keras.losses.Loss):
    """Mean theory cost ``c(ŷ − y)`` of real-valued pitch predictions (MIDI numbers)."""

    def __init__(self, harmonics=THEORY_HARMONICS, leap_weight: float = LEAP_WEIGHT,
                 name: str = "theory_pitch_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        self.harmonics = tuple(float(w) for w in harmonics)
        self.leap_weight = float(leap_weight)

    def call(self, y_true, y_pred):
        return interval_cost(ops.cast(y_pred, "float32") - ops.cast(y_true, "float32"),
                             self.harmonics, self.leap_weight)

    def get_config(self):
        return {**super().get_config(), "harmonics": list(self.harmonics),
                "leap_weight": self.leap_weight}


@keras.saving.register_keras_serializable(package="musicnb")
class PitchRegressionLoss(keras.losses.Loss):
    """Loss of the (pitch, velocity, dt) regression LSTM, on outputs in their own units:

        L = c(p̂ − p) + γ · ½ [ ((v̂ − v)/σ_v)² + ((t̂ − t)/σ_t)² ]

    c is the theory cost on pitch; velocity and time errors are divided by their standard
    deviations in the training data (σ_v, σ_t = ``scales``) so 0.2 × MSE means the same on
    velocities (0-127) and on quarter notes; γ = ``mse_weight`` = 0.2 by default.
    """

    def __init__(self, scales=(1.0, 1.0), mse_weight: float = 0.2,
                 harmonics=THEORY_HARMONICS, leap_weight: float = LEAP_WEIGHT,
                 name: str = "pitch_regression_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        self.scales = tuple(max(float(s), 1e-6) for s in scales)
        self.mse_weight = float(mse_weight)
        self.harmonics = tuple(float(w) for w in harmonics)
        self.leap_weight = float(leap_weight)

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, "float32")
        y_pred = ops.cast(y_pred, "float32")
        theory = interval_cost(y_pred[..., 0] - y_true[..., 0], self.harmonics, self.leap_weight)
        scaled = (y_pred[..., 1:3] - y_true[..., 1:3]) / ops.convert_to_tensor(
            [self.scales[0], self.scales[1]], "float32")
        return theory + self.mse_weight * ops.mean(ops.square(scaled), axis=-1)

    def get_config(self):
        return {**super().get_config(), "scales": list(self.scales), "mse_weight": self.mse_weight,
                "harmonics": list(self.harmonics), "leap_weight": self.leap_weight}


def theory_cost_matrix(token_pitches, harmonics=THEORY_HARMONICS, leap_weight: float = LEAP_WEIGHT):
    """``C[i, j] = c(pitch_j − pitch_i)`` for every pair of tokens; 0 where either has no pitch
    (pitch < 0: rest, hold, unknown). NumPy float32 ``(V, V)``."""
    import numpy as np

    pitches = np.asarray(token_pitches, dtype=np.int64).reshape(-1)
    cost = interval_cost_numpy(pitches[None, :] - pitches[:, None], harmonics, leap_weight)
    cost[(pitches < 0)[:, None] | (pitches < 0)[None, :]] = 0.0
    return cost.astype(np.float32)


@keras.saving.register_keras_serializable(package="musicnb")
class TheoryAwareCrossEntropy(keras.losses.Loss):
    """Cross-entropy plus β × the expected theory cost under the predicted distribution:

        L = −log p[y] + β · Σ_j p_j · c(pitch_j − pitch_y)

    for sparse integer targets ``y`` and probabilities ``p`` (softmax outputs, any leading
    shape). Tokens without a pitch (``token_pitches[j] < 0``: rest, hold) cost nothing, so the
    extra term only reshapes *which wrong pitch* the model prefers: a wrong fifth is cheaper
    than a wrong semitone.
    """

    def __init__(self, token_pitches, weight: float = 0.5, harmonics=THEORY_HARMONICS,
                 leap_weight: float = LEAP_WEIGHT, name: str = "theory_aware_crossentropy",
                 **kwargs):
        super().__init__(name=name, **kwargs)
        self.token_pitches = [int(p) for p in token_pitches]
        self.weight = float(weight)
        self.harmonics = tuple(float(w) for w in harmonics)
        self.leap_weight = float(leap_weight)
        self._cost = theory_cost_matrix(self.token_pitches, self.harmonics, self.leap_weight)

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, "int32")
        if len(y_true.shape) == len(y_pred.shape):  # (..., 1) sparse labels
            y_true = ops.squeeze(y_true, axis=-1)
        y_pred = ops.cast(y_pred, "float32")
        ce = keras.losses.sparse_categorical_crossentropy(y_true, y_pred)
        rows = ops.take(ops.convert_to_tensor(self._cost), y_true, axis=0)
        probs = y_pred / ops.sum(y_pred, axis=-1, keepdims=True)
        return ce + self.weight * ops.sum(probs * rows, axis=-1)

    def get_config(self):
        return {**super().get_config(), "token_pitches": self.token_pitches, "weight": self.weight,
                "harmonics": list(self.harmonics), "leap_weight": self.leap_weight}


def weighted_two_head_loss(melody_true, melody_probs, chord_true, chord_probs, alpha: float = 0.5):
    """Reference α·CE(melody) + (1 − α)·CE(chord) on sparse targets and softmax outputs
    (mean over all steps), with ``keras.ops`` — what the two-head model minimises and what the
    notebook exercise checks a student's version against."""
    ce_melody = ops.mean(keras.losses.sparse_categorical_crossentropy(melody_true, melody_probs))
    ce_chord = ops.mean(keras.losses.sparse_categorical_crossentropy(chord_true, chord_probs))
    return alpha * ce_melody + (1.0 - alpha) * ce_chord


@keras.saving.register_keras_serializable(package="musicnb", name="sampled_accuracy")
def sampled_accuracy_metric(y_true, y_pred):
    """Keras metric: probability given to the true class, ``p[y]`` per step (its mean over a
    data set is the "sampled accuracy" of ``musicnb.metrics.sampled_accuracy``). Lives here
    with the losses because it is a ``keras.ops`` function saved in ``.keras`` files."""
    y_true = ops.cast(y_true, "int32")
    if len(y_true.shape) == len(y_pred.shape):
        y_true = ops.squeeze(y_true, axis=-1)
    one_hot = ops.one_hot(y_true, ops.shape(y_pred)[-1], dtype=y_pred.dtype)
    return ops.sum(one_hot * y_pred, axis=-1)


def check_weighted_two_head_loss(student_loss) -> str:
    """Notebook 05 exercise checker: ``student_loss(melody_true, melody_probs, chord_true,
    chord_probs, alpha)`` must equal :func:`weighted_two_head_loss` on fixed tensors — plain
    cases, α at both ends, a (batch, time) shape and a near-zero probability."""
    import numpy as np

    from .errors import MusicnbError

    rng = np.random.default_rng(5)

    def probs(*shape):
        p = rng.random(shape).astype("float32") + 0.05
        return p / p.sum(-1, keepdims=True)

    cases = [
        ("two steps, alpha=0.5", np.array([0, 1]), probs(2, 3), np.array([2, 0]), probs(2, 4), 0.5),
        ("alpha=1: melody only", np.array([1, 2]), probs(2, 3), np.array([3, 3]), probs(2, 4), 1.0),
        ("alpha=0: chords only", np.array([1, 2]), probs(2, 3), np.array([3, 3]), probs(2, 4), 0.0),
        ("(batch, time) targets", rng.integers(0, 5, (2, 6)), probs(2, 6, 5),
         rng.integers(0, 3, (2, 6)), probs(2, 6, 3), 0.3),
        ("a nearly impossible true class", np.array([0]), np.array([[1e-6, 1 - 1e-6]], "float32"),
         np.array([0]), np.array([[0.5, 0.5]], "float32"), 0.8),
    ]
    for name, ym, pm, yc, pc, alpha in cases:
        expected = float(weighted_two_head_loss(ym, pm, yc, pc, alpha))
        try:
            got = float(student_loss(ym, pm, yc, pc, alpha))
        except Exception as exc:  # noqa: BLE001 - shown to the student
            raise MusicnbError(f"Case '{name}': your loss raised {type(exc).__name__}: {exc}") from exc
        if not abs(got - expected) <= 1e-4 * max(1.0, abs(expected)):
            raise MusicnbError(f"Case '{name}': got {got:.6f}, expected {expected:.6f}. Remember "
                               "CE = -log p[true class], averaged over every step, and the chord "
                               "weight is 1 - alpha.")
    return f"All {len(cases)} cases agree with the reference weighted two-head loss."


def two_head_compile_args(alpha: float = 0.5) -> dict:
    """``loss`` and ``loss_weights`` for ``model.compile`` of a model with outputs named
    ``"melody"`` and ``"chord"``: Keras then minimises exactly :func:`weighted_two_head_loss`."""
    from .errors import MusicnbError

    if not 0.0 <= float(alpha) <= 1.0:
        raise MusicnbError(f"alpha is the melody's share of the loss and must lie in [0, 1], "
                           f"got {alpha!r}.")
    return {"loss": {"melody": keras.losses.SparseCategoricalCrossentropy(),
                     "chord": keras.losses.SparseCategoricalCrossentropy()},
            "loss_weights": {"melody": float(alpha), "chord": 1.0 - float(alpha)}}


# ---------------------------------------------------------------- notebook 06: biaxial RNN
#
# The biaxial model outputs, per step t and note n, p = P(play) and q = P(articulate | play).
# With the true bits y (play) and a (articulate), the Bernoulli negative log-likelihood is
#     L[t, n] = −[y log p + (1 − y) log(1 − p)]  −  w · y · [a log q + (1 − a) log(1 − q)]
# (the articulate term counts only where the note plays: a silent note has no articulation to
# predict; w = articulate_weight, 1 by default). Summed over the notes, averaged over the
# steps: nats per step, the unit of the polyphonic benchmarks (Boulanger-Lewandowski et al.
# 2012; Bai, Kolter & Koltun 2018). Probabilities are clipped to [ε, 1 − ε] before the log.


def _bernoulli_terms(y_true, y_pred, epsilon: float):
    y = ops.cast(y_true, "float32")
    p = ops.clip(ops.cast(y_pred, "float32"), epsilon, 1.0 - epsilon)
    play, art = y[..., 0], y[..., 1]
    nll_play = -(play * ops.log(p[..., 0]) + (1.0 - play) * ops.log(1.0 - p[..., 0]))
    nll_art = -play * (art * ops.log(p[..., 1]) + (1.0 - art) * ops.log(1.0 - p[..., 1]))
    return nll_play, nll_art


def biaxial_nll(y_true, y_pred, articulate_weight: float = 1.0, epsilon: float = 1e-7):
    """Nats per step ``(B, T)`` of a ``(B, T, N, 2)`` roll under ``(B, T, N, 2)`` probabilities."""
    nll_play, nll_art = _bernoulli_terms(y_true, y_pred, epsilon)
    return ops.sum(nll_play + articulate_weight * nll_art, axis=-1)


@keras.saving.register_keras_serializable(package="musicnb")
class BiaxialNLL(keras.losses.Loss):
    """Bernoulli NLL of play and articulate (articulate only where the note plays), summed
    over the notes of each step; Keras averages it over batch and steps (nats per step)."""

    def __init__(self, articulate_weight: float = 1.0, epsilon: float = 1e-7,
                 name: str = "biaxial_nll", **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.articulate_weight, self.epsilon = float(articulate_weight), float(epsilon)

    def call(self, y_true, y_pred):
        return biaxial_nll(y_true, y_pred, self.articulate_weight, self.epsilon)

    def get_config(self):
        return {**super().get_config(), "articulate_weight": self.articulate_weight,
                "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="musicnb")
def play_nll(y_true, y_pred):
    """Training metric: the play term only, nats per step summed over the model's notes (the
    benchmark's quantity, before padding to 88 notes — see ``metrics.frame_nll``)."""
    return ops.sum(_bernoulli_terms(y_true, y_pred, 1e-7)[0], axis=-1)

"""Losses of the course, written with ``keras.ops`` and registered for ``.keras`` saving.

Sections: the melody-and-harmony weighted loss (notebook 05) and the music-theory pitch loss
(notebook 06); the biaxial model's Bernoulli negative log-likelihood (notebook 07).
"""

from __future__ import annotations

# ---------------------------------------------------------------- notebooks 05 and 06: custom losses
#
# 1. The weighted two-head loss of the melody-and-harmony LSTM (after Yoav Zimmerman's
#    Nottingham "music_rnn": one network, a melody softmax and a harmony softmax):
#        L = α · CE(melody) + (1 − α) · CE(chord),   CE(p, y) = −log p[y]   (mean over steps)
#    α is the melody coefficient. Keras computes exactly this with per-output losses and
#    ``loss_weights={"melody": α, "chord": 1 − α}`` (saved in the .keras compile config).
#
# 2. The music-theory pitch loss: a cost c(d) of the interval d = predicted − true pitch
#    (semitones), plus a charge for leaps beyond an octave. Two variants, one construction.
#
#    * PAPER_THEORY_COST — the loss of *Long Short-Tunes Memory* (Peter Schaldenbrand, Yizhou He,
#      Husni Almoubayyed; Carnegie Mellon University): a prediction that lands on the true note,
#      or a major third or a perfect fifth ABOVE it (d ≡ 0, +4, +7 mod 12: the notes of the
#      major triad built on the true note), is cheap; everything else is expensive. It is NOT
#      symmetric: d = −5 ≡ +7 and d = −8 ≡ +4 are cheap, d = −4 and d = −7 are not.
#    * COURSE_THEORY_COST — the course's own variant, not the paper's: intervals folded
#      (d and −d cost the same) and graded by consonance (thirds, fourths, fifths, sixths cheap,
#      seconds, sevenths and the tritone dear). Used as the extra term beside cross-entropy.
#
#    The paper fits its target points with a smooth high-order curve. A free polynomial or
#    Fourier fit through such points overshoots below zero next to the cheap points, so a
#    regression would be pulled AWAY from the true note. Here the periodic part is written so
#    that it cannot go below zero and vanishes only at d ≡ 0 (mod 12):
#        p(d) = sin²(π d / 12) · exp(g(d)),   g(d) = a_0 + Σ_{k=1..K} a_k cos(2πk d/12) + b_k sin(2πk d/12)
#    (sin² has period 12 and its only zeros are the octaves; exp(·) > 0). g is fitted by least
#    squares to log(target / sin²(π d/12)) at d = 1..11 (K = 5: 11 coefficients through 11
#    points, so the curve passes through every target; the symmetric course variant uses
#    cosines only, fitted on the interval classes 1..6). Then, with |d|_ε = √(d² + ε) − √ε,
#        leap(d) = (λ/s) · [softplus(s(|d|_ε − 12)) − softplus(−12 s)]
#        c(d)    = A · p(d) + leap(d)
#    leap(0) = 0 and leap grows by ≈ λ per semitone beyond an octave (and is already
#    λ·ln2/s > 0 AT the octave), so c ≥ 0 everywhere, c(0) = 0, and d = 0 is the only
#    minimum; c is 12-periodic up to the leap charge. A is the pitch-loss amplitude (the largest
#    target, 1.0): the paper weighs velocity and Δt mean squared errors at 20 % of it.
#
#    Uses: (a) the loss of a regression on a real-valued pitch (PitchRegressionLoss,
#    TheoryPitchLoss); (b) an expected cost under a predicted distribution over pitch tokens,
#    added to cross-entropy (TheoryAwareCrossEntropy):
#        L_b = CE(p, y) + β · Σ_j p_j · c(pitch_j − pitch_y) / Σ_j p_j   (j: the pitched tokens;
#    0 for rest and hold targets). Rest and hold have no pitch: charging them 0 like the true
#    note moves probability onto them at every onset target (a bias against onsets), so by
#    default they are left out of the expectation; see the class docstring.
import math
from dataclasses import dataclass, field

import keras
from keras import ops

from .checkers import (  # the old import path
    check_weighted_two_head_loss as check_weighted_two_head_loss,
)

#: The paper's target points, by d mod 12 (predicted − true): cheap on the true note's major
#: triad above it (0, +4, +7), expensive elsewhere.
PAPER_INTERVAL_TARGETS: dict[int, float] = {r: 1.0 for r in range(12)} | {0: 0.0, 4: 0.15, 7: 0.15}

#: The course variant's targets by interval class (semitones mod 12 folded into 0..6):
#: 0 unison/octave, 1 minor 2nd/major 7th, 2 major 2nd/minor 7th, 3 minor 3rd/major 6th,
#: 4 major 3rd/minor 6th, 5 perfect 4th/5th, 6 tritone.
COURSE_INTERVAL_TARGETS: dict[int, float] = {
    0: 0.0,
    1: 1.0,
    2: 0.6,
    3: 0.2,
    4: 0.2,
    5: 0.15,
    6: 1.0,
}
INTERVAL_COST_TARGETS = COURSE_INTERVAL_TARGETS  # the name older notebooks used

#: The leap charge (λ, s, start) beyond an octave.
LEAP_WEIGHT, LEAP_SHARPNESS, LEAP_START = 0.25, 4.0, 12.0


@dataclass(frozen=True)
class IntervalCost:
    """A theory cost ``c(d) = A·sin²(πd/12)·exp(g(d)) + leap(d)`` (see the section comment).

    ``cos = (a_0, a_1, .., a_K)``, ``sin = (b_1, .., b_K)`` (empty: symmetric). Build one with
    :meth:`fit`; :data:`PAPER_THEORY_COST` and :data:`COURSE_THEORY_COST` are the two of the
    course. ``amplitude`` A is the largest target (the pitch-loss amplitude).
    """

    name: str
    cos: tuple[float, ...]
    sin: tuple[float, ...] = ()
    amplitude: float = 1.0
    leap_weight: float = LEAP_WEIGHT
    leap_sharpness: float = LEAP_SHARPNESS
    leap_start: float = LEAP_START
    targets: dict = field(default_factory=dict, compare=False)

    @classmethod
    def fit(
        cls,
        targets: dict[int, float],
        harmonics: int = 5,
        symmetric: bool = False,
        name: str = "custom",
        **leap: float,
    ) -> IntervalCost:
        """Fit g through ``targets``: keys 0..11 (d mod 12; ``symmetric=False``) or interval
        classes 0..6 (``symmetric=True``), target 0 at key 0 and > 0 elsewhere."""
        import numpy as np

        from .errors import MusicnbError

        keys = set(range(7)) if symmetric else set(range(12))
        if set(targets) != keys:
            raise MusicnbError(
                f"targets must give a cost for each of {sorted(keys)} "
                f"({'interval classes' if symmetric else 'd mod 12'}), got keys "
                f"{sorted(targets)}."
            )
        if float(targets[0]) != 0.0 or min(float(targets[k]) for k in keys - {0}) <= 0:
            raise MusicnbError(
                "The target at 0 (the true note) must be 0 and every other "
                "target > 0: the cost is 0 only on the true note."
            )
        limit = 5
        if not 1 <= int(harmonics) <= limit:
            raise MusicnbError(
                f"harmonics must be 1..{limit} here (the points fix at most that many)."
            )
        d = np.arange(1, 7 if symmetric else 12, dtype=np.float64)
        y = np.log([float(targets[int(x)]) for x in d]) - np.log(np.sin(np.pi * d / 12) ** 2)
        basis = _g_basis(d, int(harmonics), symmetric)
        w, *_ = np.linalg.lstsq(basis, y, rcond=None)
        k = int(harmonics)
        cos = (float(w[0]),) + tuple(float(v) for v in w[1 : 1 + k])
        sin = () if symmetric else tuple(float(v) for v in w[1 + k :])
        return cls(
            name,
            cos,
            sin,
            amplitude=max(float(v) for v in targets.values()),
            targets=dict(targets),
            **leap,
        )

    # ---------------------------------------------------------------- evaluation
    def periodic_numpy(self, d):
        """``A·sin²(πd/12)·exp(g(d))`` in NumPy (no leap charge)."""
        import numpy as np

        d = np.asarray(d, dtype=np.float64)
        g = np.full_like(d, self.cos[0])
        for k, a in enumerate(self.cos[1:], start=1):
            g += a * np.cos(2 * np.pi * k * d / 12)
        for k, b in enumerate(self.sin, start=1):
            g += b * np.sin(2 * np.pi * k * d / 12)
        return self.amplitude * np.sin(np.pi * d / 12) ** 2 * np.exp(g)

    def leap_numpy(self, d):
        import numpy as np

        d = np.asarray(d, dtype=np.float64)
        s = self.leap_sharpness
        magnitude = np.sqrt(d * d + 1e-6) - 1e-3
        return (
            self.leap_weight
            / s
            * (
                np.logaddexp(0.0, s * (magnitude - self.leap_start))
                - np.logaddexp(0.0, -s * self.leap_start)
            )
        )

    def numpy(self, d):
        """c(d) in NumPy (plots, checks)."""
        return self.periodic_numpy(d) + self.leap_numpy(d)

    def __call__(self, d):
        """c(d) of a tensor of intervals, with ``keras.ops`` (differentiable)."""
        d = ops.cast(d, "float32")
        g = ops.full_like(d, self.cos[0])
        for k, a in enumerate(self.cos[1:], start=1):
            g = g + a * ops.cos((2.0 * math.pi * k / 12.0) * d)
        for k, b in enumerate(self.sin, start=1):
            g = g + b * ops.sin((2.0 * math.pi * k / 12.0) * d)
        periodic = self.amplitude * ops.square(ops.sin((math.pi / 12.0) * d)) * ops.exp(g)
        s = self.leap_sharpness
        magnitude = ops.sqrt(ops.square(d) + 1e-6) - 1e-3  # |d|, smooth at 0, 0 at 0
        leap = (
            self.leap_weight
            / s
            * (
                ops.softplus(s * (magnitude - self.leap_start))
                - math.log1p(math.exp(-s * self.leap_start))
            )
        )
        return periodic + leap

    # ---------------------------------------------------------------- saving
    def to_config(self) -> dict:
        return {
            "name": self.name,
            "cos": list(self.cos),
            "sin": list(self.sin),
            "amplitude": self.amplitude,
            "leap_weight": self.leap_weight,
            "leap_sharpness": self.leap_sharpness,
            "leap_start": self.leap_start,
        }

    @classmethod
    def from_config(cls, config: dict) -> IntervalCost:
        config = dict(config)
        return cls(
            config.pop("name"), tuple(config.pop("cos")), tuple(config.pop("sin", ())), **config
        )


def _g_basis(d, harmonics: int, symmetric: bool):
    import numpy as np

    cols = [np.ones_like(d)]
    cols += [np.cos(2 * np.pi * k * d / 12) for k in range(1, harmonics + 1)]
    if not symmetric:
        cols += [np.sin(2 * np.pi * k * d / 12) for k in range(1, harmonics + 1)]
    return np.stack(cols, axis=1)


#: The paper's theory cost (asymmetric; cheap at d ≡ 0, +4, +7).
PAPER_THEORY_COST = IntervalCost.fit(PAPER_INTERVAL_TARGETS, 5, symmetric=False, name="paper")
#: The course's variant (folded intervals graded by consonance); not the paper's.
COURSE_THEORY_COST = IntervalCost.fit(COURSE_INTERVAL_TARGETS, 5, symmetric=True, name="course")
THEORY_COSTS = {"paper": PAPER_THEORY_COST, "course": COURSE_THEORY_COST}


def theory_cost(cost: str | dict | IntervalCost = "paper") -> IntervalCost:
    """An :class:`IntervalCost` from its name (``"paper"``, ``"course"``), config or itself."""
    from .errors import MusicnbError

    if isinstance(cost, IntervalCost):
        return cost
    if isinstance(cost, dict):
        return IntervalCost.from_config(cost)
    if cost in THEORY_COSTS:
        return THEORY_COSTS[cost]
    raise MusicnbError(
        f"Unknown theory cost {cost!r}: use 'paper' (Schaldenbrand, He & "
        "Almoubayyed), 'course' (the course's folded variant) or an IntervalCost."
    )


def interval_cost_numpy(d, cost: str | dict | IntervalCost = "paper"):
    """The theory cost c(d) in NumPy (for plots and checks); same formula as :func:`interval_cost`."""
    return theory_cost(cost).numpy(d)


def interval_cost(d, cost: str | dict | IntervalCost = "paper"):
    """The theory cost c(d) of intervals ``d`` (a tensor of semitones), with ``keras.ops``."""
    return theory_cost(cost)(d)


class _ReadsOlderTheoryConfigs:
    """Loads ``.keras`` files saved before the theory cost took a ``cost`` argument.

    Those stored the old folded cosine series as ``harmonics`` (+ ``leap_weight``); its curve
    dipped below zero beside ±4.6 semitones. A saved run still loads: the old keys are
    replaced by ``cost="course"``, the corrected form of the same folded variant (the loss
    only matters when training goes on; the weights are unchanged).
    """

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "harmonics" in config or "leap_weight" in config:
            config.pop("harmonics", None)
            config.pop("leap_weight", None)
            config.setdefault("cost", "course")
        return cls(**config)


@keras.saving.register_keras_serializable(package="musicnb")
class TheoryPitchLoss(_ReadsOlderTheoryConfigs, keras.losses.Loss):
    """Mean theory cost ``c(ŷ − y)`` of real-valued pitch predictions (MIDI numbers);
    ``cost="paper"`` (default) or ``"course"``."""

    def __init__(self, cost="paper", name: str = "theory_pitch_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        self.cost = theory_cost(cost)

    def call(self, y_true, y_pred):
        return self.cost(ops.cast(y_pred, "float32") - ops.cast(y_true, "float32"))

    def get_config(self):
        return {**super().get_config(), "cost": self.cost.to_config()}


@keras.saving.register_keras_serializable(package="musicnb")
class PitchRegressionLoss(_ReadsOlderTheoryConfigs, keras.losses.Loss):
    """Loss of the (pitch, velocity, Δt) regression LSTM, on outputs in their own units:

        L = c(p̂ − p) + γ·A · ½ [ ((v̂ − v)/σ_v)² + ((t̂ − t)/σ_t)² ]

    c is the theory cost on pitch (the paper's by default), A its amplitude; velocity and time
    errors are divided by their standard deviations in the training data (σ_v, σ_t =
    ``scales``) so the mean squared error means the same on velocities (1-127) and on beats;
    γ = ``mse_weight`` = 0.2: the paper's "20 % of the pitch-loss amplitude".
    """

    def __init__(
        self,
        scales=(1.0, 1.0),
        mse_weight: float = 0.2,
        cost="paper",
        name: str = "pitch_regression_loss",
        **kwargs,
    ):
        super().__init__(name=name, **kwargs)
        self.scales = tuple(max(float(s), 1e-6) for s in scales)
        self.mse_weight = float(mse_weight)
        self.cost = theory_cost(cost)

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, "float32")
        y_pred = ops.cast(y_pred, "float32")
        theory = self.cost(y_pred[..., 0] - y_true[..., 0])
        scaled = (y_pred[..., 1:3] - y_true[..., 1:3]) / ops.convert_to_tensor(
            [self.scales[0], self.scales[1]], "float32"
        )
        return theory + self.mse_weight * self.cost.amplitude * ops.mean(
            ops.square(scaled), axis=-1
        )

    def get_config(self):
        return {
            **super().get_config(),
            "scales": list(self.scales),
            "mse_weight": self.mse_weight,
            "cost": self.cost.to_config(),
        }


@keras.saving.register_keras_serializable(package="musicnb")
class PlainPitchMSE(keras.losses.Loss):
    """The comparison loss: ½·[(p̂ − p)²/σ_p² ] + γ·½·[velocity and Δt as above] — plain
    mean squared error on pitch instead of the theory cost (same scales, same γ)."""

    def __init__(
        self,
        scales=(1.0, 1.0, 1.0),
        mse_weight: float = 0.2,
        name: str = "plain_pitch_mse",
        **kwargs,
    ):
        super().__init__(name=name, **kwargs)
        self.scales = tuple(max(float(s), 1e-6) for s in scales)
        self.mse_weight = float(mse_weight)

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, "float32")
        y_pred = ops.cast(y_pred, "float32")
        scaled = (y_pred - y_true) / ops.convert_to_tensor(list(self.scales), "float32")
        return ops.square(scaled[..., 0]) + self.mse_weight * ops.mean(
            ops.square(scaled[..., 1:3]), axis=-1
        )

    def get_config(self):
        return {**super().get_config(), "scales": list(self.scales), "mse_weight": self.mse_weight}


#: How use (b) treats tokens without a pitch (rest, hold), see TheoryAwareCrossEntropy.
NO_PITCH_MODES = ("excluded", "charged", "free")


def theory_cost_matrix(token_pitches, cost="course", no_pitch: str = "free"):
    """``C[i, j] = c(pitch_j − pitch_i)`` (row: the true token, column: the predicted one) for
    every pair of tokens, NumPy float32 ``(V, V)``. Where a token has no pitch (pitch < 0:
    rest, hold, unknown) there is no interval; ``no_pitch`` says what it costs:

    * ``"free"`` (and ``"excluded"``, which renormalises in the loss instead): 0;
    * ``"charged"``: the cost's amplitude A (the price of a wrong, dissonant note) for every
      wrong answer that involves a token without a pitch, 0 on the diagonal.
    """
    import numpy as np

    from .errors import MusicnbError

    if no_pitch not in NO_PITCH_MODES:
        raise MusicnbError(
            f"no_pitch must be one of {', '.join(NO_PITCH_MODES)}, got {no_pitch!r}."
        )
    pitches = np.asarray(token_pitches, dtype=np.int64).reshape(-1)
    matrix = interval_cost_numpy(pitches[None, :] - pitches[:, None], cost)
    unpitched = (pitches < 0)[:, None] | (pitches < 0)[None, :]
    matrix[unpitched] = theory_cost(cost).amplitude if no_pitch == "charged" else 0.0
    if no_pitch == "charged":
        np.fill_diagonal(matrix, 0.0)
    return matrix.astype(np.float32)


@keras.saving.register_keras_serializable(package="musicnb")
class TheoryAwareCrossEntropy(_ReadsOlderTheoryConfigs, keras.losses.Loss):
    """Cross-entropy plus β × the expected theory cost under the predicted distribution:

        L = −log p[y] + β · E_p[c(pitch_j − pitch_y)]

    for sparse integer targets ``y`` and probabilities ``p`` (softmax outputs, any leading
    shape); ``cost="course"`` (default, the course's folded variant) or ``"paper"``.

    Rest and hold have no pitch, so the interval cost says nothing about them. Charging them 0,
    like the true note (``no_pitch="free"``, the course's first version), makes the term
    *lower* whenever probability moves from any pitch onto rest or hold: its gradient on the
    logit of token k is ``β·p_k·(c_k − Σ_j p_j c_j)``, negative for rest and hold whenever a
    wrong pitch has probability, so every onset target pushes the model towards rest and
    hold, a bias against onsets (measured in notebook 06 and ``bench/theory_onset_bias.py``).
    ``no_pitch`` chooses:

    * ``"excluded"`` (default): the expected cost *among the pitches*, for onset targets,
          E_p[c] = Σ_{j pitched} p_j c(pitch_j − pitch_y) / Σ_{j pitched} p_j,
      and 0 for rest and hold targets. Moving probability between rest/hold and the pitches
      scales numerator and denominator alike, so the term's gradient on the rest and hold
      logits is 0: it only reshapes *which pitch* the model prefers (a wrong fifth is cheaper
      than a wrong semitone), as intended;
    * ``"charged"``: rest/hold cost the amplitude A (1.0) when the target is an onset and any
      pitch costs A when the target is rest or hold, as the paper's cost charges any note off
      the true note's triad; the term then also pulls towards the true class, and still
      towards rest and hold wherever the expected cost of the predicted pitches exceeds A
      (leaps beyond an octave);
    * ``"free"``: rest and hold cost 0 (the biased version, kept to measure the bias).
    """

    def __init__(
        self,
        token_pitches,
        weight: float = 0.5,
        cost="course",
        no_pitch: str = "excluded",
        name: str = "theory_aware_crossentropy",
        **kwargs,
    ):
        super().__init__(name=name, **kwargs)
        from .errors import MusicnbError

        if no_pitch not in NO_PITCH_MODES:
            raise MusicnbError(
                f"no_pitch must be one of {', '.join(NO_PITCH_MODES)}, got {no_pitch!r}: "
                '"excluded" (the default) keeps rest and hold out of the theory term.'
            )
        self.token_pitches = [int(p) for p in token_pitches]
        self.weight = float(weight)
        self.cost = theory_cost(cost)
        self.no_pitch = no_pitch
        self._cost = theory_cost_matrix(self.token_pitches, self.cost, no_pitch)
        self._pitched = [1.0 if p >= 0 else 0.0 for p in self.token_pitches]

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.setdefault("no_pitch", "free")  # saved before the choice existed: as trained
        return super().from_config(config)

    def expected_cost(self, y_true, y_pred):
        """``E_p[c]`` per step (the term before β), as ``no_pitch`` defines it."""
        y_true = ops.cast(y_true, "int32")
        if len(y_true.shape) == len(y_pred.shape):  # (..., 1) sparse labels
            y_true = ops.squeeze(y_true, axis=-1)
        y_pred = ops.cast(y_pred, "float32")
        probs = y_pred / ops.sum(y_pred, axis=-1, keepdims=True)
        rows = ops.take(ops.convert_to_tensor(self._cost), y_true, axis=0)
        cost = ops.sum(probs * rows, axis=-1)
        if self.no_pitch == "excluded":
            pitched = ops.sum(probs * ops.convert_to_tensor(self._pitched, "float32"), axis=-1)
            cost = cost / (pitched + keras.config.epsilon())
        return cost

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, "int32")
        if len(y_true.shape) == len(y_pred.shape):  # (..., 1) sparse labels
            y_true = ops.squeeze(y_true, axis=-1)
        y_pred = ops.cast(y_pred, "float32")
        ce = keras.losses.sparse_categorical_crossentropy(y_true, y_pred)
        return ce + self.weight * self.expected_cost(y_true, y_pred)

    def get_config(self):
        return {
            **super().get_config(),
            "token_pitches": self.token_pitches,
            "weight": self.weight,
            "cost": self.cost.to_config(),
            "no_pitch": self.no_pitch,
        }


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


def two_head_compile_args(alpha: float = 0.5) -> dict:
    """``loss`` and ``loss_weights`` for ``model.compile`` of a model with outputs named
    ``"melody"`` and ``"chord"``: Keras then minimises exactly :func:`weighted_two_head_loss`."""
    from .errors import MusicnbError

    if not 0.0 <= float(alpha) <= 1.0:
        raise MusicnbError(
            f"alpha is the melody's share of the loss and must lie in [0, 1], got {alpha!r}."
        )
    return {
        "loss": {
            "melody": keras.losses.SparseCategoricalCrossentropy(),
            "chord": keras.losses.SparseCategoricalCrossentropy(),
        },
        "loss_weights": {"melody": float(alpha), "chord": 1.0 - float(alpha)},
    }


# ---------------------------------------------------------------- notebook 07: biaxial RNN
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

    def __init__(
        self,
        articulate_weight: float = 1.0,
        epsilon: float = 1e-7,
        name: str = "biaxial_nll",
        **kwargs,
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.articulate_weight, self.epsilon = float(articulate_weight), float(epsilon)

    def call(self, y_true, y_pred):
        return biaxial_nll(y_true, y_pred, self.articulate_weight, self.epsilon)

    def get_config(self):
        return {
            **super().get_config(),
            "articulate_weight": self.articulate_weight,
            "epsilon": self.epsilon,
        }


@keras.saving.register_keras_serializable(package="musicnb")
def play_nll(y_true, y_pred):
    """Training metric: the play term only, nats per step summed over the model's notes (the
    benchmark's quantity, before padding to 88 notes — see ``metrics.frame_nll``)."""
    return ops.sum(_bernoulli_terms(y_true, y_pred, 1e-7)[0], axis=-1)

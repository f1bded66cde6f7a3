"""The melody-and-harmony LSTM: one network, two softmax heads (melody, chord) per 16th step.

After Yoav Zimmerman's Nottingham "music_rnn" (2016): at every step the network reads the
current melody class and chord class (one-hot, concatenated), runs two stacked LSTMs and
predicts the *next* melody class and the next chord class with two softmax heads. The loss
weighs the two cross-entropies with the melody coefficient α:

    L = α · CE(melody) + (1 − α) · CE(chord)

(Keras ``loss_weights``; α is saved in the model's compile config and in ``run.json``).
It is trained as a sequence model — every step predicts the next — on 128-step chunks.

Generation (:class:`MelodyHarmonySampler`) carries the LSTM state one step at a time in a
compiled function (the cells of the trained layers, same weights), for any number of
streams; it samples melody and chord together, or takes a chord progression typed as
``"I-vi-IV-V"`` (or ``"C-Am-F-G"``) in a key and samples only the melody over it.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import keras
import numpy as np
from keras import layers as L

from ..errors import MusicnbError
from ..harmony import NO_CHORD, chord_name, parse_key_name
from ..validation import MAX_GENERATED_STEPS
from .build_records import build_record, register_build
from .next_note import OneHot

__all__ = [
    "melody_harmony_lstm",
    "melody_harmony_chunks",
    "melody_harmony_dataset",
    "zimmerman_config",
    "CarriedChunk",
    "carried_state_lanes",
    "train_carrying_state",
    "melody_harmony_loss",
    "predict_melody_harmony",
    "evaluate_melody_harmony",
    "progression_labels",
    "MelodyHarmonySampler",
]


def melody_harmony_lstm(
    n_melody: int,
    n_chords: int,
    units: int = 200,
    layers: int = 2,
    input_dropout: float = 0.2,
    dropout: float = 0.5,
    alpha: float = 0.5,
    learning_rate: float = 1e-3,
    compile: bool = True,
    name: str = "melody_harmony_lstm",
    optimizer: str = "adam",
    rho: float = 0.9,
    stateful_batch_size: int | None = None,
) -> keras.Model:
    """Two int inputs ``melody_in`` and ``chord_in`` ``(batch, time)`` → softmax heads ``melody``
    ``(batch, time, n_melody)`` and ``chord`` ``(batch, time, n_chords)``.

    one-hot(melody) ⊕ one-hot(chord) → Dropout(input_dropout) → ``layers`` × [LSTM(units,
    return_sequences) → Dropout(dropout)] → two Dense softmax heads. Dropout sits between
    layers (not ``recurrent_dropout``) so a GPU keeps the fused cuDNN kernel. Compiled with
    α·CE(melody) + (1 − α)·CE(chord), argmax and sampled accuracy per head.

    ``optimizer``: ``"adam"`` (the course's default, ``learning_rate`` 1e-3) or ``"rmsprop"``
    (Zimmerman's: ``RMSPropOptimizer(5e-3, decay=0.9)`` in TensorFlow 1, i.e. Keras
    ``RMSprop(learning_rate, rho=0.9)``). ``stateful_batch_size``: build the LSTMs with
    ``stateful=True`` for a fixed batch, so the state is carried from one chunk to the next
    (truncated back-propagation through time, as Zimmerman trained); see
    :func:`train_carrying_state`. :func:`zimmerman_config` gives his whole configuration.
    """
    from ..losses import two_head_compile_args

    for label, value in (
        ("n_melody", n_melody),
        ("n_chords", n_chords),
        ("units", units),
        ("layers", layers),
    ):
        if isinstance(value, bool) or int(value) != value or value < 1:
            raise MusicnbError(f"{label} must be a whole number >= 1, got {value!r}.")
    for label, rate in (("input_dropout", input_dropout), ("dropout", dropout)):
        if not 0.0 <= float(rate) < 1.0:
            raise MusicnbError(f"{label} must be in [0, 1), got {rate!r}.")
    compile_args = two_head_compile_args(alpha)  # checks alpha
    if optimizer not in ("adam", "rmsprop"):
        raise MusicnbError(f"optimizer must be 'adam' or 'rmsprop', got {optimizer!r}.")
    stateful = stateful_batch_size is not None
    shape = (
        {"batch_shape": (int(stateful_batch_size), None)}
        if stateful_batch_size is not None
        else {"shape": (None,)}
    )
    melody_in = keras.Input(**shape, dtype="int32", name="melody_in")
    chord_in = keras.Input(**shape, dtype="int32", name="chord_in")
    x = L.Concatenate(name="melody_chord")(
        [
            OneHot(int(n_melody), name="melody_onehot")(melody_in),
            OneHot(int(n_chords), name="chord_onehot")(chord_in),
        ]
    )
    x = L.Dropout(float(input_dropout), name="input_dropout")(x)
    for i in range(int(layers)):
        x = L.LSTM(int(units), return_sequences=True, stateful=stateful, name=f"lstm_{i + 1}")(x)
        x = L.Dropout(float(dropout), name=f"dropout_{i + 1}")(x)
    melody_out = L.Dense(int(n_melody), activation="softmax", dtype="float32", name="melody")(x)
    chord_out = L.Dense(int(n_chords), activation="softmax", dtype="float32", name="chord")(x)
    model = keras.Model(
        {"melody_in": melody_in, "chord_in": chord_in},
        {"melody": melody_out, "chord": chord_out},
        name=name,
    )
    if compile:
        from ..losses import sampled_accuracy_metric

        def sampled() -> keras.metrics.Metric:
            return keras.metrics.MeanMetricWrapper(sampled_accuracy_metric, name="sampled_accuracy")

        chosen = (
            keras.optimizers.Adam(learning_rate)
            if optimizer == "adam"
            else keras.optimizers.RMSprop(learning_rate, rho=float(rho))
        )
        model.compile(
            optimizer=chosen,
            **compile_args,
            metrics={"melody": ["accuracy", sampled()], "chord": ["accuracy", sampled()]},
        )
    params = {
        "n_melody": int(n_melody),
        "n_chords": int(n_chords),
        "units": int(units),
        "layers": int(layers),
        "input_dropout": float(input_dropout),
        "dropout": float(dropout),
        "alpha": float(alpha),
        "learning_rate": float(learning_rate),
        "optimizer": optimizer,
        "rho": float(rho),
    }
    return register_build(model, "melody_harmony_lstm", params)


#: Yoav Zimmerman's training configuration (``music_rnn``, ``rnn.py`` DefaultConfig and
#: ``model.py``): 2 × LSTM(200), melody coefficient 0.5, keep-probabilities 0.5 between layers
#: and 0.8 on the input (dropout rates 0.5 / 0.2), RMSProp 5e-3 with decay 0.9, state carried
#: across 128-step chunks of each tune.
ZIMMERMAN = {
    "units": 200,
    "layers": 2,
    "alpha": 0.5,
    "dropout": 0.5,
    "input_dropout": 0.2,
    "optimizer": "rmsprop",
    "learning_rate": 5e-3,
    "rho": 0.9,
}
ZIMMERMAN_CHUNK = 128


def zimmerman_config(**overrides: Any) -> dict[str, Any]:
    """:data:`ZIMMERMAN` with ``overrides``: keyword arguments for :func:`melody_harmony_lstm`
    (train it with :func:`train_carrying_state` on :data:`ZIMMERMAN_CHUNK`-step chunks)."""
    config = dict(ZIMMERMAN)
    unknown = set(overrides) - set(config)
    if unknown:
        raise MusicnbError(
            f"zimmerman_config has no setting {sorted(unknown)}; known: {sorted(config)}."
        )
    config.update(overrides)
    return config


# ---------------------------------------------------------------- data


def melody_harmony_chunks(
    melodies: Sequence[np.ndarray],
    chords: Sequence[np.ndarray],
    length: int = 128,
    step: int | None = None,
    keep_short: bool = True,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Sequence-training chunks of both streams, aligned: ``X = {"melody_in", "chord_in"}`` of shape
    ``(N, length)`` and ``Y`` the same streams one step later (``musicnb.windowing.sequence_chunks``
    applied to each stream with the same cut points)."""
    from ..windowing import sequence_chunks

    if len(melodies) != len(chords):
        raise MusicnbError(f"{len(melodies)} melody arrays but {len(chords)} chord arrays.")
    for i, (m, c) in enumerate(zip(melodies, chords)):
        if len(m) != len(c):
            raise MusicnbError(
                f"Piece {i}: melody has {len(m)} steps, chords {len(c)}; encode "
                "both with the same MelodyHarmonyEncoder."
            )
    mw = sequence_chunks(melodies, length, step=step, keep_short=keep_short)
    cw = sequence_chunks(chords, length, step=step, keep_short=keep_short)
    return {"melody_in": mw.X, "chord_in": cw.X}, {"melody": mw.y, "chord": cw.y}


def melody_harmony_dataset(
    X: dict[str, np.ndarray],
    Y: dict[str, np.ndarray],
    batch_size: int = 32,
    shuffle: bool = True,
    seed: int = 0,
) -> Any:
    """A batched ``tf.data.Dataset`` of ``({"melody_in", "chord_in"}, {"melody", "chord"})``."""
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices((dict(X), dict(Y)))
    if shuffle:
        dataset = dataset.shuffle(len(X["melody_in"]), seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(int(batch_size)).prefetch(tf.data.AUTOTUNE)


@dataclass(frozen=True)
class CarriedChunk:
    """One ``length``-step chunk of every lane of :func:`carried_state_lanes`.

    ``inputs`` and ``targets`` are the model's dicts of ``(lanes, length)`` class arrays,
    ``weight`` is 1 on real steps and 0 on padding, and ``starts`` is True for each lane whose
    chunk begins a new tune (its carried state must be set to zero before this chunk)."""

    inputs: dict[str, np.ndarray]
    targets: dict[str, np.ndarray]
    weight: np.ndarray
    starts: np.ndarray


def carried_state_lanes(
    melodies: Sequence[np.ndarray],
    chords: Sequence[np.ndarray],
    lanes: int = 32,
    length: int = 128,
    seed: int | None = None,
) -> list[CarriedChunk]:
    """Whole tunes packed one after another into ``lanes`` parallel streams of chunks.

    Each tune is cut into consecutive ``length``-step chunks (inputs steps 0..n−2, targets
    1..n−1, its last chunk padded with weight 0); the tunes are dealt longest first, each to
    the lane with the fewest chunks so far, and each lane plays its tunes in a shuffled order
    (``seed``; ``None`` keeps the dealt order). Chunk
    ``k`` of lane ``r`` continues chunk ``k − 1`` of lane ``r``: a stateful model that reads the
    chunks in order carries each tune's state through all its chunks, and the trainer sets a
    lane's state to zero where ``starts`` says a new tune begins — so no state leaks from one
    tune into the next. This is Zimmerman's truncated back-propagation through time (state
    carried across 128-step chunks of a tune, gradients cut at chunk borders) with less padding
    than his grouping of tunes by their number of chunks (he also cut each tune's tail to a
    whole chunk and left out tunes of more than 9 chunks; here every step is trained): on
    Nottingham's 823 training tunes with 32 lanes about 1.1 computed steps per real step,
    against about 1.5 for groups of 32 tunes side by side sorted by length.
    """
    if len(melodies) != len(chords) or not len(melodies):
        raise MusicnbError(
            "carried_state_lanes needs the same (non-zero) number of melody and chord arrays."
        )
    lanes, length = int(lanes), int(length)
    if lanes < 1 or length < 1:
        raise MusicnbError(f"lanes and length must be positive, got {lanes} and {length}.")
    sizes = []
    for i in range(len(melodies)):
        if len(chords[i]) != len(melodies[i]):
            raise MusicnbError(
                f"tune {i} has {len(melodies[i])} melody steps but {len(chords[i])} chord "
                "steps; encode melody and chords with the same encoder."
            )
        sizes.append(-(-(len(melodies[i]) - 1) // length) if len(melodies[i]) > 1 else 0)
    # Longest tune first, each to the lane with the fewest chunks so far (the "longest
    # processing time" rule: lanes end within one tune of each other), then each lane's tunes in
    # a shuffled order.
    dealt: list[list[int]] = [[] for _ in range(lanes)]
    load = [0] * lanes
    for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        if sizes[i]:
            r = min(range(lanes), key=load.__getitem__)
            dealt[r].append(i)
            load[r] += sizes[i]
    rng = None if seed is None else np.random.default_rng(seed)
    queues: list[list[tuple[int, int]]] = []  # per lane: (tune, chunk index)
    for tunes in dealt:
        if rng is not None:
            tunes = [tunes[j] for j in rng.permutation(len(tunes))]
        queues.append([(i, k) for i in tunes for k in range(sizes[i])])
    chunks = []
    for k in range(max(len(q) for q in queues)):
        xm, xc, ym, yc = (np.zeros((lanes, length), np.int32) for _ in range(4))
        weight = np.zeros((lanes, length), np.float32)
        starts = np.ones(lanes, bool)
        for r, queue in enumerate(queues):
            if k >= len(queue):
                continue  # this lane has run out of tunes: padding, state reset
            i, c = queue[k]
            starts[r] = c == 0
            m, h = np.asarray(melodies[i]), np.asarray(chords[i])
            lo, hi = c * length, min((c + 1) * length, len(m) - 1)
            w = hi - lo
            xm[r, :w], xc[r, :w] = m[lo:hi], h[lo:hi]
            ym[r, :w], yc[r, :w] = m[lo + 1 : hi + 1], h[lo + 1 : hi + 1]
            weight[r, :w] = 1.0
        chunks.append(
            CarriedChunk(
                {"melody_in": xm, "chord_in": xc}, {"melody": ym, "chord": yc}, weight, starts
            )
        )
    return chunks


def train_carrying_state(
    model: keras.Model,
    train: tuple[Sequence, Sequence],
    valid: tuple[Sequence, Sequence],
    epochs: int = 20,
    batch_size: int = 32,
    length: int = 128,
    patience: int | None = 3,
    seed: int = 0,
    minutes: float | None = None,
    verbose: bool = True,
) -> dict[str, Any]:
    """Train a :func:`melody_harmony_lstm` with the LSTM state carried across chunks.

    A stateful twin of ``model`` (same builder settings, ``stateful_batch_size=batch_size``
    lanes) reads the chunks of :func:`carried_state_lanes` in order; before each chunk the
    state rows of the lanes where a new tune begins are set to zero (the tune order is shuffled
    every epoch, as Zimmerman shuffled his batches). After each epoch the weights go back into
    ``model`` and the validation loss is measured on whole tunes (one pass per tune: the same
    as carrying the state through all its chunks). The best epoch's weights are kept; training
    stops after ``patience`` epochs without a better validation loss, or once ``minutes`` of
    wall time are spent. ``model.fit`` (and so ``musicnb.train``) treats batches as
    independent, hence this small loop. Returns ``{"history": [{epoch, loss, val_loss,
    seconds}, ...], "epochs_done", "best_epoch", "seconds"}``.
    """
    import time

    build = build_record(model)
    if build.get("builder") != "melody_harmony_lstm":
        raise MusicnbError("train_carrying_state needs a model built by melody_harmony_lstm.")
    params = dict(build["params"])
    twin = melody_harmony_lstm(
        **params, stateful_batch_size=int(batch_size), name=model.name + "_stateful"
    )
    twin.set_weights(model.get_weights())
    states = [v for layer in twin.layers if isinstance(layer, L.LSTM) for v in layer.states]
    history: list[dict[str, float]] = []
    best, best_weights, stale = np.inf, model.get_weights(), 0
    started = time.perf_counter()
    for epoch in range(int(epochs)):
        began = time.perf_counter()
        total = steps = 0.0
        chunks = carried_state_lanes(*train, lanes=batch_size, length=length, seed=seed + epoch)
        for chunk in chunks:
            keep = (~chunk.starts).astype(np.float32)[:, None]
            for state in states:
                state.assign(state * keep)
            n = float(chunk.weight.sum())
            if n == 0:
                continue
            w = chunk.weight
            logs = twin.train_on_batch(
                chunk.inputs,
                chunk.targets,
                sample_weight={"melody": w, "chord": w},
                return_dict=True,
            )
            total += float(logs["loss"]) * w.size  # Keras divides by every element
            steps += n
        model.set_weights(twin.get_weights())
        val = melody_harmony_loss(model, *valid, alpha=params["alpha"])
        history.append(
            {
                "epoch": epoch + 1,
                "loss": total / max(steps, 1.0),
                "val_loss": val,
                "seconds": round(time.perf_counter() - began, 1),
            }
        )
        if verbose:
            print(
                f"epoch {epoch + 1}: loss {history[-1]['loss']:.4f}, val_loss {val:.4f} "
                f"({history[-1]['seconds']:.0f} s)",
                flush=True,
            )
        if val < best - 1e-6:
            best, best_weights, stale = val, model.get_weights(), 0
        else:
            stale += 1
        if patience is not None and stale >= patience:
            break
        if minutes is not None and time.perf_counter() - started > 60 * minutes:
            break
    model.set_weights(best_weights)
    return {
        "history": history,
        "epochs_done": len(history),
        "best_epoch": int(np.argmin([h["val_loss"] for h in history]) + 1),
        "seconds": round(time.perf_counter() - started, 1),
    }


def melody_harmony_loss(
    model: keras.Model,
    melodies: Sequence[np.ndarray],
    chords: Sequence[np.ndarray],
    alpha: float = 0.5,
) -> float:
    """α·CE(melody) + (1 − α)·CE(chord), nats per step over whole tunes (no dropout)."""
    predictions = predict_melody_harmony(model, melodies, chords)
    pm = np.concatenate([p[0] for p in predictions])
    pc = np.concatenate([p[1] for p in predictions])
    ym = np.concatenate([np.asarray(m)[1:] for m in melodies]).astype(np.int64)
    yc = np.concatenate([np.asarray(c)[1:] for c in chords]).astype(np.int64)
    rows = np.arange(len(ym))
    ce_m = -np.mean(np.log(np.clip(pm[rows, ym], 1e-7, 1.0)))
    ce_c = -np.mean(np.log(np.clip(pc[rows, yc], 1e-7, 1.0)))
    return float(alpha * ce_m + (1 - alpha) * ce_c)


# ---------------------------------------------------------------- evaluation


#: One compiled whole-tune forward pass per model, kept while the model lives, so the
#: validation pass of every epoch reuses the trace instead of tracing again.
_FORWARD: weakref.WeakKeyDictionary[keras.Model, Any] = weakref.WeakKeyDictionary()


def _whole_tune_forward(model: keras.Model) -> Any:
    """``forward(melody_ids, chord_ids) -> (melody_probs, chord_probs)`` for ``(batch, steps)``
    int32 arrays of any batch and length: one ``tf.function`` with a dynamic signature (traced
    once; it reads the model's current weights at every call)."""
    forward = _FORWARD.get(model)
    if forward is None:
        import tensorflow as tf

        spec = tf.TensorSpec([None, None], tf.int32)
        held: Callable[[], Any] = weakref.ref(model)  # the function must not keep its key alive

        @tf.function(input_signature=[spec, spec])
        def forward(xm: Any, xc: Any) -> Any:
            probs = held()({"melody_in": xm, "chord_in": xc}, training=False)
            return probs["melody"], probs["chord"]

        _FORWARD[model] = forward
    return forward


def predict_melody_harmony(
    model: keras.Model,
    melodies: Sequence[np.ndarray],
    chords: Sequence[np.ndarray],
    batch_size: int = 64,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each whole piece, the model's ``(melody_probs, chord_probs)`` for steps 1..n−1
    (the model reads steps 0..n−2). Pieces are sorted by length and padded at the end in
    batches; a left-to-right LSTM never sees the padding before the real steps, so the figures
    are exact. The forward pass is one compiled function with a dynamic batch and length
    (traced once per model, :func:`_whole_tune_forward`), not an eager loop over time steps:
    on Nottingham's 103 validation tunes that is the difference between about 40 s and a few
    seconds on a 2-core CPU."""
    forward = _whole_tune_forward(model)
    order = np.argsort([len(m) for m in melodies])
    out: list[Any] = [None] * len(melodies)
    for begin in range(0, len(order), batch_size):
        batch = order[begin : begin + batch_size]
        width = max(len(melodies[i]) - 1 for i in batch)
        if width < 1:
            for i in batch:
                out[i] = (
                    np.zeros((0, model.output["melody"].shape[-1])),
                    np.zeros((0, model.output["chord"].shape[-1])),
                )
            continue
        xm = np.zeros((len(batch), width), np.int32)
        xc = np.zeros((len(batch), width), np.int32)
        for row, i in enumerate(batch):
            n = len(melodies[i]) - 1
            xm[row, :n] = melodies[i][:-1]
            xc[row, :n] = chords[i][:-1]
        pm, pc = (np.asarray(p) for p in forward(xm, xc))
        for row, i in enumerate(batch):
            n = len(melodies[i]) - 1
            out[i] = (pm[row, :n], pc[row, :n])
    return out


def evaluate_melody_harmony(
    model: keras.Model,
    test_melodies: Sequence[np.ndarray],
    test_chords: Sequence[np.ndarray],
    train_melodies: Sequence[np.ndarray],
    train_chords: Sequence[np.ndarray],
) -> dict[str, float]:
    """Model accuracies (melody / harmony / overall × argmax / sampled) on whole test pieces,
    with the "repeat the previous step" and bigram baselines on the same steps."""
    from ..metrics import melody_harmony_accuracies, melody_harmony_baselines

    predictions = predict_melody_harmony(model, test_melodies, test_chords)
    pm = np.concatenate([p[0] for p in predictions])
    pc = np.concatenate([p[1] for p in predictions])
    ym = np.concatenate([np.asarray(m)[1:] for m in test_melodies])
    yc = np.concatenate([np.asarray(c)[1:] for c in test_chords])
    figures = melody_harmony_accuracies(ym, pm, yc, pc)
    figures.update(
        melody_harmony_baselines(
            train_melodies, train_chords, test_melodies, test_chords, pm.shape[-1], pc.shape[-1]
        )
    )
    figures["test_steps"] = int(len(ym))
    return figures


# ---------------------------------------------------------------- chord progressions

_ROMAN = re.compile(r"^([b#♭♯]?)(VII|VI|IV|V|III|II|I|vii|vi|iv|v|iii|ii|i)(.*)$")
_DEGREE = {"i": 0, "ii": 1, "iii": 2, "iv": 3, "v": 4, "vi": 5, "vii": 6}
_MAJOR_STEPS = (0, 2, 4, 5, 7, 9, 11)
_MINOR_STEPS = (0, 2, 3, 5, 7, 8, 10)


def roman_to_chord(numeral: str, key: str = "C major") -> str:
    """A Roman numeral in a key as a chord symbol: ``('vi', 'C major') -> 'Am'``,
    ``('V7', 'a minor') -> 'E7'``, ``('bVII', 'C major') -> 'Bb'``. Upper case = major,
    lower case = minor; suffixes ``°``/``o``/``dim``, ``+``/``aug``, ``7``, ``maj7``, ``ø7``."""
    match = _ROMAN.match(numeral.strip())
    if not match:
        raise MusicnbError(f"{numeral!r} is not a Roman numeral such as I, ii, IV, V7 or vii°.")
    accidental, roman, suffix = match.groups()
    tonic, mode = parse_key_name(key)
    steps = _MAJOR_STEPS if mode == "major" else _MINOR_STEPS
    root = (
        tonic
        + steps[_DEGREE[roman.lower()]]
        + (1 if accidental in "#♯" and accidental else 0)
        - (1 if accidental in "b♭" and accidental else 0)
    )
    upper = roman.isupper()
    suffix = suffix.strip()
    if suffix in ("°", "o", "dim"):
        quality = "dim"
    elif suffix in ("°7", "o7", "dim7"):
        quality = "dim7"
    elif suffix in ("ø", "ø7", "m7b5"):
        quality = "hdim7"
    elif suffix in ("+", "aug"):
        quality = "aug"
    elif suffix in ("maj7", "M7", "Δ7"):
        quality = "maj7"
    elif suffix == "7":
        quality = "7" if upper else "min7"
    elif suffix == "":
        quality = "maj" if upper else "min"
    else:
        raise MusicnbError(f"Unknown suffix {suffix!r} in {numeral!r}; use °, +, 7, maj7 or ø7.")
    return chord_name(root % 12, quality)


def progression_labels(
    progression: str | Sequence[str], key: str = "C major", bars: int = 8, steps_per_bar: int = 16
) -> list[str]:
    """Chord symbol at every step of ``bars`` bars, one chord per bar, the progression repeated.

    ``progression`` is Roman numerals in ``key`` (``"I-vi-IV-V"``) or chord symbols
    (``"C-Am-F-G"``), separated by ``-``, ``–``, ``|``, ``,`` or spaces; ``N.C.`` for silence.
    """
    if isinstance(progression, str):
        items = [t for t in re.split(r"[\s,|\-–]+", progression.strip()) if t]
    else:
        items = [str(t) for t in progression]
    if not items:
        raise MusicnbError(
            "The chord progression is empty; type one like 'I-vi-IV-V' or 'C-Am-F-G'."
        )
    if int(bars) != bars or bars < 1 or int(steps_per_bar) != steps_per_bar or steps_per_bar < 1:
        raise MusicnbError(
            f"bars and steps_per_bar must be whole numbers >= 1, got {bars}, {steps_per_bar}."
        )
    chords = []
    for item in items:
        if item.upper() in ("N.C.", "NC"):
            chords.append(NO_CHORD)
        elif _ROMAN.match(item):
            chords.append(roman_to_chord(item, key))
        else:
            from ..harmony import simplify_chord_label

            chords.append(simplify_chord_label(item, sevenths=True))
    return [
        chords[(step // int(steps_per_bar)) % len(chords)]
        for step in range(int(bars) * int(steps_per_bar))
    ]


# ---------------------------------------------------------------- sampling


def _sample_rows(
    probs: np.ndarray,
    temperature: float,
    top_k: int | None,
    top_p: float | None,
    rng: np.random.Generator,
) -> np.ndarray:
    """One class per row of ``probs`` (temperature, top-k, top-p; temperature 0 = argmax),
    with the course sampler's :func:`musicnb.sampling.sample_from_probs`."""
    from ..sampling import sample_from_probs

    return np.asarray(sample_from_probs(np.atleast_2d(probs), temperature, top_k, top_p, rng))


class MelodyHarmonySampler:
    """Generate melody + chords from a trained :func:`melody_harmony_lstm`, one step at a time.

    The trained LSTM layers' *cells* are called inside one compiled ``tf.function`` that takes
    the current melody and chord classes and the carried ``(h, c)`` states of every layer and
    returns both heads' probabilities and the new states — each new step costs one step of
    computation, never a pass over the whole history, for any number of streams at once.
    """

    def __init__(self, model: keras.Model, encoder: Any) -> None:
        import tensorflow as tf

        self.model, self.encoder = model, encoder
        self.lstms = [layer for layer in model.layers if isinstance(layer, L.LSTM)]
        try:
            self.melody_head = model.get_layer("melody")
            self.chord_head = model.get_layer("chord")
        except ValueError:
            raise MusicnbError(
                "MelodyHarmonySampler needs a model from melody_harmony_lstm "
                "(output layers named 'melody' and 'chord')."
            ) from None
        if not self.lstms:
            raise MusicnbError(
                "The model has no LSTM layer; MelodyHarmonySampler needs melody_harmony_lstm."
            )
        self.n_melody = int(self.melody_head.units)
        self.n_chords = int(self.chord_head.units)
        if (
            encoder is not None
            and encoder.is_fitted
            and (encoder.n_melody != self.n_melody or encoder.n_chords != self.n_chords)
        ):
            raise MusicnbError(
                f"The encoder has {encoder.n_melody} melody / {encoder.n_chords} chord "
                f"classes but the model {self.n_melody} / {self.n_chords}: load the "
                "encoder saved with this model's run."
            )
        n_m, n_c = self.n_melody, self.n_chords
        cells, melody_head, chord_head = (
            [l.cell for l in self.lstms],
            self.melody_head,
            self.chord_head,
        )

        @tf.function(reduce_retracing=True)
        def step(melody, chord, states):
            x = tf.concat([tf.one_hot(melody, n_m), tf.one_hot(chord, n_c)], axis=-1)
            new_states = []
            for cell, (h, c) in zip(cells, states):
                x, (h, c) = cell(x, [h, c], training=False)
                new_states.append((h, c))
            return melody_head(x), chord_head(x), new_states

        self._step = step

    @classmethod
    def from_run(cls, run_dir: str | Path) -> MelodyHarmonySampler:
        """A sampler for a run folder written by ``musicnb.train`` (model + encoder.json)."""
        from ..training import load_run

        run = load_run(run_dir)
        if run.encoder is None:
            raise MusicnbError(
                f"{run_dir} has no encoder.json; train with encoder=... so the "
                "chord vocabulary is saved beside the model."
            )
        return cls(run.model, run.encoder)

    def _zero_states(self, streams: int) -> list[tuple[Any, Any]]:
        import tensorflow as tf

        return [(tf.zeros((streams, l.units)), tf.zeros((streams, l.units))) for l in self.lstms]

    def generate(
        self,
        length: int | None = None,
        primer: tuple[Any, Any] | None = None,
        temperature: float = 1.0,
        chord_temperature: float | None = None,
        top_k: int | None = None,
        top_p: float | None = None,
        streams: int = 1,
        seed: int | None = None,
        progression: str | Sequence[str] | None = None,
        key: str = "C major",
        bars: int | None = None,
        steps_per_bar: int = 16,
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(melody, chords)`` int arrays of shape ``(streams, length)``.

        Without ``progression`` both heads are sampled (chords with ``chord_temperature``,
        default = ``temperature``). With ``progression`` (``"I-vi-IV-V"`` in ``key``, one
        chord per bar, ``bars`` bars) the chords are given and only the melody is sampled;
        ``length`` defaults to ``bars * steps_per_bar``. ``primer = (melody, chords)`` arrays
        are fed first to set the state (default: one rest step on the first chord).
        """
        import tensorflow as tf

        from ..validation import generation_size, real_number, whole_number

        temperature = real_number(
            "temperature", temperature, 0.0, above=True, hint="1 samples as trained."
        )
        if chord_temperature is not None:
            chord_temperature = real_number("chord_temperature", chord_temperature, 0.0, above=True)
        seed = whole_number("seed", seed, allow_none=True)
        steps_per_bar = cast(int, whole_number("steps_per_bar", steps_per_bar, 1, 256))
        given = None
        if progression is not None:
            bars = bars if bars is not None else 8
            bars = whole_number("bars", bars, 1, MAX_GENERATED_STEPS // steps_per_bar)
            labels = progression_labels(progression, key, bars, steps_per_bar)
            given = np.array([self.encoder.chord_class(label) for label in labels], np.int32)
            length = len(given) if length is None else length
        if length is None:
            raise MusicnbError(
                "Say how many steps to generate: length=... (or bars=... with a progression)."
            )
        length, streams = generation_size(length, streams)
        if given is not None and length > len(given):
            given = np.resize(given, length)  # the progression repeats
        rng = np.random.default_rng(seed)
        chord_temperature = temperature if chord_temperature is None else chord_temperature
        states = self._zero_states(streams)
        if primer is not None:
            pm = np.asarray(primer[0], np.int32).reshape(-1)
            pc = np.asarray(primer[1], np.int32).reshape(-1)
            if len(pm) != len(pc) or len(pm) == 0:
                raise MusicnbError(
                    "primer must be (melody, chords) arrays of the same, non-zero length."
                )
            if (
                pm.max() >= self.n_melody
                or pc.max() >= self.n_chords
                or min(pm.min(), pc.min()) < 0
            ):
                raise MusicnbError("primer classes are outside the model's vocabularies.")
            for t in range(len(pm) - 1):
                _, _, states = self._step(
                    tf.fill([streams], pm[t]), tf.fill([streams], pc[t]), states
                )
            melody_now = np.full(streams, pm[-1], np.int32)
            chord_now = np.full(streams, pc[-1], np.int32)
        else:
            melody_now = np.zeros(streams, np.int32)
            chord_now = np.full(streams, given[0] if given is not None else 0, np.int32)
        melody_out = np.zeros((streams, length), np.int32)
        chord_out = np.zeros((streams, length), np.int32)
        for t in range(length):
            pm_t, pc_t, states = self._step(tf.constant(melody_now), tf.constant(chord_now), states)
            melody_now = _sample_rows(pm_t.numpy(), temperature, top_k, top_p, rng).astype(np.int32)
            if given is not None:
                chord_now = np.full(streams, given[t], np.int32)
            else:
                chord_now = _sample_rows(pc_t.numpy(), chord_temperature, top_k, top_p, rng).astype(
                    np.int32
                )
            melody_out[:, t] = melody_now
            chord_out[:, t] = chord_now
        return melody_out, chord_out

    def to_pieces(
        self,
        melody: np.ndarray,
        chords: np.ndarray,
        tempo: float = 120.0,
        title: str = "melody and harmony",
    ) -> list[Any]:
        """Decode every stream into a Piece (melody part 0, chords as chord labels)."""
        melody, chords = np.atleast_2d(melody), np.atleast_2d(chords)
        return [
            self.encoder.decode(m, c, tempo=tempo, title=f"{title} {i + 1}")
            for i, (m, c) in enumerate(zip(melody, chords))
        ]

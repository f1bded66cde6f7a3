"""Sampling music from a trained next-token model: fast, seeded, many streams at once.

The classic scripts generate one note by calling ``model.predict`` on the whole window of the
last ``W`` notes, appending the sampled note and sliding the window: every note costs a full
pass over ``W`` steps *plus* the fixed overhead of ``predict`` (tens of milliseconds), so they
write about a dozen notes per second. A recurrent network does not need the window again: its
state ``(h, c)`` already summarises everything it has read. So :class:`Sampler` does what
Magenta's MelodyRNN and Karpathy's ``char-rnn`` sampling loops do:

* **recurrent models** (a stack of per-step layers and LSTM/GRU layers, trained as sequence
  models) get a *one-step* copy that shares the trained weights: every layer is called on one
  time step, and every RNN layer's ``cell`` is called with the state carried explicitly
  (:func:`step_function`). The primer goes through once to set the state; after that each new
  note costs one step;
* **window models** (many-to-one: logistic regression, Conv1D, an LSTM over a window) keep
  their rolling window *inside* a compiled function;
* in both cases many steps run inside one compiled ``tf.while_loop`` (XLA, ``jit_compile``), so
  Python is not involved per note, and all streams advance together as one batch.

Choosing the next token
-----------------------
From the model's probabilities ``p`` (or logits ``z = log p``), in this order (the order of
the Hugging Face ``generate`` logits processors):

1. **mask** — tokens not allowed (e.g. outside a key) get ``z = -inf``;
2. **temperature** ``T`` — ``z / T``: ``T < 1`` sharpens, ``T > 1`` flattens; ``T = 0`` means
   argmax (greedy decoding);
3. **top-k** — keep the ``k`` most likely tokens (Fan, Lewis & Dauphin 2018, "Hierarchical
   Neural Story Generation");
4. **top-p / nucleus** — keep the smallest set of most likely tokens whose probability adds up
   to at least ``p`` (Holtzman et al. 2020, "The Curious Case of Neural Text Degeneration");
5. draw from ``softmax`` of what is left. In TensorFlow this uses the Gumbel-max trick
   (``argmax(z + g)``, ``g = -log(-log u)``, ``u ~ U(0, 1)``) with random numbers hashed
   from ``(seed, step, stream, token)`` in integer arithmetic, so the same seed gives the same
   notes, with or without XLA compilation.

:func:`sample_from_probs` and :func:`adjust_probs` are the same rule in NumPy (vectorised over
streams), for loops written by hand and for looking at what each knob does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from .checkers import check_apply_temperature, check_top_k_filter  # the old import path
from .errors import MusicnbError
from .keras_internals import functional_graph_runner, layer_takes_training, rnn_sequence_loop

if TYPE_CHECKING:
    from .training import Run

#: Steps generated per call of the compiled loop (one compile serves every length).
DEFAULT_CHUNK = 64
_LOG_FLOOR = 1e-30  # probabilities below this count as impossible when turned into logits


# ====================================================================== NumPy sampling rule
def _check_knobs(
    temperature: Any, top_k: Any, top_p: Any
) -> tuple[float, int | None, float | None]:
    """The sampling knobs checked and converted: ``(temperature, top_k, top_p)``."""
    from .validation import real_number, whole_number

    temperature = real_number(
        "temperature", temperature, 0.0, hint="0 = argmax, 1 = the model's own probabilities."
    )
    top_k = whole_number(
        "top_k",
        top_k,
        1,
        allow_none=True,
        hint="None switches top-k off; k above the vocabulary keeps every token.",
    )
    top_p = real_number(
        "top_p",
        top_p,
        0.0,
        1.0,
        above=True,
        allow_none=True,
        hint="None switches nucleus sampling off.",
    )
    return temperature, top_k, top_p


def _as_logits(probs: Any) -> tuple[np.ndarray, bool]:
    """Rows of log-probabilities (float64) from probabilities; also whether the input was 1-D."""
    array = np.asarray(probs, dtype=np.float64)
    single = array.ndim == 1
    if single:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] == 0:
        raise MusicnbError(
            f"probs must be a vector (V,) or a matrix (streams, V), got shape {array.shape}."
        )
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise MusicnbError(
            "probs must be finite and >= 0 (the model's softmax output); got "
            "negative or non-finite values. Pass probabilities, not logits."
        )
    sums = array.sum(axis=1, keepdims=True)
    if np.any(sums <= 0):
        raise MusicnbError("A row of probs sums to 0; there is nothing to sample from.")
    return np.log(np.maximum(array / sums, _LOG_FLOOR)), single


def _mask_array(allowed: Any, vocab_size: int) -> np.ndarray | None:
    """A boolean mask (V,) from a boolean mask or a list of allowed token ids."""
    if allowed is None:
        return None
    array = np.asarray(allowed)
    if array.dtype == bool:
        if array.shape != (vocab_size,):
            raise MusicnbError(
                f"A boolean allowed-token mask needs one entry per token "
                f"({vocab_size}), got shape {array.shape}."
            )
        mask = array.copy()
    else:
        ids = array.reshape(-1)
        if ids.size and (ids.dtype.kind not in "iu" or ids.min() < 0 or ids.max() >= vocab_size):
            raise MusicnbError(
                f"allowed_tokens must be token ids in 0..{vocab_size - 1} (or a "
                f"boolean mask), got {list(ids[:8])}..."
            )
        mask = np.zeros(vocab_size, dtype=bool)
        mask[ids.astype(np.int64)] = True
    if not mask.any():
        raise MusicnbError("allowed_tokens allows no token at all; allow at least one.")
    return mask


def _filter_logits(
    logits: np.ndarray,
    temperature: float,
    top_k: int | None,
    top_p: float | None,
    mask: np.ndarray | None,
) -> np.ndarray:
    """Mask, temperature, top-k and top-p on rows of logits (the rule of the module docstring).

    Returns the tempered logits with removed tokens at ``-inf``. With ``temperature == 0``
    only the argmax of each row survives.
    """
    z = logits.copy()
    if mask is not None:
        z[:, ~mask] = -np.inf
    if temperature == 0:
        best = np.argmax(z, axis=1)
        out = np.full_like(z, -np.inf)
        out[np.arange(len(z)), best] = 0.0
        return out
    z = z / temperature
    ordered = -np.sort(-z, axis=1)  # descending
    threshold = np.full(len(z), -np.inf)
    if top_k is not None and top_k < z.shape[1]:
        threshold = np.maximum(threshold, ordered[:, int(top_k) - 1])
    if top_p is not None and top_p < 1.0:
        p_sorted = np.exp(ordered - ordered[:, :1])
        p_sorted /= p_sorted.sum(axis=1, keepdims=True)
        before = np.cumsum(p_sorted, axis=1) - p_sorted  # mass of the more likely tokens
        n_keep = np.maximum((before < top_p).sum(axis=1), 1)
        threshold = np.maximum(threshold, ordered[np.arange(len(z)), n_keep - 1])
    return np.where(z >= threshold[:, None], z, -np.inf)


def adjust_probs(
    probs: Any,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    allowed: Any = None,
) -> np.ndarray:
    """The distribution the sampler actually draws from, after mask, temperature, top-k, top-p.

    ``probs`` is ``(V,)`` or ``(streams, V)``; the result has the same shape and rows that sum
    to 1. ``temperature=0`` gives a one-hot row at the most likely (allowed) token.

    >>> adjust_probs([0.5, 0.3, 0.2], top_k=2).round(3).tolist()
    [0.625, 0.375, 0.0]
    """
    temperature, top_k, top_p = _check_knobs(temperature, top_k, top_p)
    logits, single = _as_logits(probs)
    mask = _mask_array(allowed, logits.shape[1])
    z = _filter_logits(logits, temperature, top_k, top_p, mask)
    z = z - z.max(axis=1, keepdims=True)
    out = np.exp(z)
    out /= out.sum(axis=1, keepdims=True)
    return out[0] if single else out


def sample_from_probs(
    probs: Any,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    rng: np.random.Generator | int | None = None,
    allowed: Any = None,
) -> np.ndarray | int:
    """Draw one token per row of ``probs`` with temperature, top-k, top-p and a mask.

    ``probs``: ``(V,)`` (returns an ``int``) or ``(streams, V)`` (returns ``int64`` array
    ``(streams,)``). ``rng``: a :class:`numpy.random.Generator`, or a seed, or ``None`` (fresh
    randomness). One uniform number per row is compared with the cumulative distribution
    (inverse-CDF sampling), so the draw for all streams is one vectorised operation.
    """
    adjusted = np.atleast_2d(adjust_probs(probs, temperature, top_k, top_p, allowed))
    generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    if temperature == 0:
        tokens = np.argmax(adjusted, axis=1)
    else:
        cdf = np.cumsum(adjusted, axis=1)
        u = generator.random((len(adjusted), 1)) * cdf[:, -1:]
        tokens = np.minimum((cdf <= u).sum(axis=1), adjusted.shape[1] - 1)
        # never land on a removed token through rounding at the top of the cdf
        bad = adjusted[np.arange(len(tokens)), tokens] == 0
        if bad.any():
            tokens[bad] = np.argmax(adjusted[bad], axis=1)
    tokens = tokens.astype(np.int64)
    return int(tokens[0]) if np.ndim(probs) == 1 else tokens


def key_mask(encoder: Any, key: str, vocab_size: int | None = None) -> np.ndarray:
    """Boolean mask of the tokens allowed in ``key``: rest, hold and onsets of scale pitches.

    Uses ``encoder.token_pitch(t)`` (``None`` for tokens that strike no pitch, which stay
    allowed) and :func:`musicnb.harmony.scale_pitch_classes` (natural minor for minor keys).
    """
    from .harmony import scale_pitch_classes

    if encoder is None or not hasattr(encoder, "token_pitch"):
        raise MusicnbError(
            "key= needs an encoder that knows the pitch of each token (like "
            "EventEncoder); pass encoder= to the Sampler, or use allowed_tokens=."
        )
    scale = set(scale_pitch_classes(key))
    size = int(vocab_size if vocab_size is not None else encoder.vocab_size)
    mask = np.ones(size, dtype=bool)
    for token in range(size):
        pitch = encoder.token_pitch(token)
        if pitch is not None and int(pitch) % 12 not in scale:
            mask[token] = False
    return mask


# ====================================================================== TensorFlow sampling rule
def _tf():
    import tensorflow as tf

    return tf


def _filter_logits_tf(logits, temperature, top_k, top_p, mask):
    """:func:`_filter_logits` in TensorFlow, with the knobs as tensors (no retracing, XLA-safe).

    ``top_k == 0`` and ``top_p >= 1`` mean off; ``temperature == 0`` is handled by the caller.
    """
    tf = _tf()
    neg_inf = tf.constant(-np.inf, logits.dtype)
    z = tf.where(mask[None, :], logits, neg_inf)
    z = z / tf.maximum(temperature, 1e-6)
    vocab = tf.shape(z)[1]
    ordered = tf.sort(z, axis=1, direction="DESCENDING")
    k = tf.where(top_k > 0, tf.minimum(top_k, vocab), vocab)
    kth = tf.gather(ordered, k - 1, axis=1)
    p_sorted = tf.nn.softmax(ordered, axis=1)
    before = tf.cumsum(p_sorted, axis=1, exclusive=True)
    n_p = tf.maximum(tf.reduce_sum(tf.cast(before < top_p, tf.int32), axis=1), 1)
    n_p = tf.where(top_p >= 1.0, vocab, n_p)
    pth = tf.gather(ordered, n_p - 1, axis=1, batch_dims=1)
    threshold = tf.maximum(kth, pth)
    return tf.where(z >= threshold[:, None], z, neg_inf)


def _mix32(x):
    """The MurmurHash3 32-bit finaliser ("fmix32", Appleby 2011) on int64 tensors holding
    unsigned 32-bit values: a bijection of 0..2**32-1 whose output bits each depend on every
    input bit. Products are split into 16-bit halves so no int64 product overflows."""
    tf = _tf()
    mask = tf.constant(0xFFFFFFFF, tf.int64)

    def mul32(a, c):
        low, high = tf.bitwise.bitwise_and(a, 0xFFFF), tf.bitwise.right_shift(a, 16)
        high_part = tf.bitwise.left_shift(tf.bitwise.bitwise_and(high * c, 0xFFFF), 16)
        return tf.bitwise.bitwise_and(high_part + low * c, mask)

    x = tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, 16))
    x = mul32(x, tf.constant(0x85EBCA6B, tf.int64))
    x = tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, 13))
    x = mul32(x, tf.constant(0xC2B2AE35, tf.int64))
    return tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, 16))


def _uniform_tf(shape, seed, step):
    """Uniform numbers in (0, 1), one per entry of a ``(streams, V)`` shape, from
    ``(seed, step, stream, token)`` by integer hashing only.

    ``tf.random.stateless_uniform`` gives *different* numbers for the same seed with and without
    XLA, so the same seed wrote different music with ``jit_compile`` on or off. Integer
    arithmetic is exact under any compiler, so these are bit-identical everywhere: the draw
    ``u = (h >> 8 + 0.5) / 2**24`` uses 24 bits, exactly representable in float32.
    """
    tf = _tf()
    rows = tf.cast(tf.range(shape[0])[:, None], tf.int64)
    cols = tf.cast(tf.range(shape[1])[None, :], tf.int64)
    key = _mix32(
        tf.bitwise.bitwise_xor(
            _mix32(tf.cast(seed, tf.int64) + 0x9E3779B9), tf.cast(step, tf.int64)
        )
    )
    h = _mix32(tf.bitwise.bitwise_xor(_mix32(key + rows), cols))
    bits = tf.cast(tf.bitwise.right_shift(h, 8), tf.float32)
    return (bits + 0.5) * (1.0 / 16777216.0)


def _draw_tf(probs_or_logits, is_probs: bool, temperature, top_k, top_p, mask, seed, step):
    """One token per row: Gumbel-max over the filtered logits, stateless random ``(seed, step)``."""
    tf = _tf()
    x = tf.cast(probs_or_logits, tf.float32)
    logits = tf.math.log(tf.maximum(x, _LOG_FLOOR)) if is_probs else x
    masked = tf.where(mask[None, :], logits, tf.constant(-np.inf, tf.float32))
    greedy = tf.argmax(masked, axis=1, output_type=tf.int32)
    z = _filter_logits_tf(logits, temperature, top_k, top_p, mask)
    u = _uniform_tf(tf.shape(z), seed, step)
    gumbel = -tf.math.log(-tf.math.log(u))
    drawn = tf.argmax(z + gumbel, axis=1, output_type=tf.int32)
    return tf.where(temperature > 0, drawn, greedy)


# ====================================================================== model graph walking
_TIME_MIXING = (
    "Conv",
    "Pool",
    "Flatten",
    "Attention",
    "Bidirectional",
    "Reshape",
    "Cropping",
    "ZeroPadding",
    "UpSampling",
    "RepeatVector",
    "Permute",
    "Transformer",
)


def _is_rnn(layer: Any) -> bool:
    import keras

    return isinstance(layer, keras.layers.RNN)


def _layer_list(model: Any) -> list[Any]:
    """Every layer of a model, nested models opened up."""
    out = []
    for layer in model.layers:
        if hasattr(layer, "layers") and not _is_rnn(layer):
            out.extend(_layer_list(layer))
        else:
            out.append(layer)
    return out


def _run_graph(model: Any, inputs: Any, rnn_fn: Callable[[Any, Any], Any]) -> Any:
    """Run ``model`` on ``inputs`` calling every layer normally (``training=False``) except RNN
    layers, which are replaced by ``rnn_fn(layer, x)``.

    Sequential models are a chain of layers; functional models are walked node by node with
    Keras' own graph runner (:func:`musicnb.keras_internals.functional_graph_runner`), so
    branches, several inputs and several heads work too.
    """
    import keras

    def call_layer(layer):
        if _is_rnn(layer):
            return lambda x, *args, **kwargs: rnn_fn(layer, x)
        if isinstance(layer, keras.Model):
            return lambda x, *args, **kwargs: _run_graph(layer, x, rnn_fn)
        accepts_training = layer_takes_training(layer)

        def call(*args, **kwargs):
            kwargs.pop("training", None)
            if accepts_training:
                kwargs["training"] = False
            return layer(*args, **kwargs)

        return call

    if isinstance(model, keras.Sequential):
        x = inputs
        for layer in model.layers:
            x = call_layer(layer)(x)
        return x
    runner = functional_graph_runner(model)
    if runner is None:
        raise MusicnbError(
            f"Cannot open up {type(model).__name__} layer by layer; build it with "
            "keras.Sequential or the functional API."
        )
    outputs = runner(
        inputs if isinstance(inputs, (list, tuple)) else [inputs], operation_fn=call_layer
    )
    if isinstance(outputs, (list, tuple)) and len(outputs) == 1:
        return outputs[0]
    return outputs


def _output_is_probabilities(model: Any) -> bool:
    """True when the model ends in a softmax (its outputs are probabilities, not logits)."""
    import keras

    layer = model.layers[-1]
    while isinstance(layer, (keras.layers.Wrapper, keras.Model)):
        layer = layer.layer if isinstance(layer, keras.layers.Wrapper) else layer.layers[-1]
    if isinstance(layer, keras.layers.Softmax):
        return True
    activation = getattr(layer, "activation", None)
    name = getattr(activation, "__name__", "") if activation is not None else ""
    return name == "softmax"


@dataclass
class StepFunction:
    """A one-step, explicitly stateful view of a recurrent sequence model (same weights).

    ``step(inputs, state) -> (outputs, state)`` advances every stream by one time step:
    ``inputs`` is one token per stream, shape ``(B,)`` (a list of such, one per model input,
    for models with several inputs); ``outputs`` is the model's output for that step without
    the time axis, ``(B, V)`` (a list for several heads). ``prime(sequence, state=None)`` feeds
    a whole ``(B, T)`` sequence through in one pass (each RNN layer's own fused loop) and
    returns the outputs of its last step and the state after it. ``state`` is a tuple with one
    tuple of tensors per RNN layer (``(h, c)`` for an LSTM, ``(h,)`` for a GRU).

    Both are ``tf.function``\\s, so they can be called inside another compiled loop (the
    :class:`Sampler` does) or from Python.
    """

    model: Any
    rnn_layers: list[Any]
    jit_compile: bool = True
    _step: Any = field(default=None, repr=False)
    _prime: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        tf = _tf()
        self._step = tf.function(
            self.step_eager, jit_compile=self.jit_compile, reduce_retracing=True
        )
        self._prime = tf.function(self.prime_eager, reduce_retracing=True)

    @property
    def n_inputs(self) -> int:
        return len(self.model.inputs)

    def initial_state(self, batch_size: int) -> tuple:
        """Zero state for ``batch_size`` streams (the state a freshly called model starts in)."""
        tf = _tf()
        state = []
        for layer in self.rnn_layers:
            sizes = layer.cell.state_size
            sizes = list(sizes) if isinstance(sizes, (list, tuple)) else [sizes]
            dtype = layer.cell.compute_dtype or "float32"
            state.append(tuple(tf.zeros((batch_size, int(s)), dtype) for s in sizes))
        return tuple(state)

    def _time_major_inputs(self, inputs: Any, add_time_axis: bool) -> Any:
        tf = _tf()
        items = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(items) != self.n_inputs:
            raise MusicnbError(f"The model has {self.n_inputs} input(s); got {len(items)}.")
        out = []
        for item, spec in zip(items, self.model.inputs):
            x = tf.convert_to_tensor(item)
            dtype = spec.dtype if isinstance(spec.dtype, str) else getattr(spec.dtype, "name", None)
            if dtype:
                x = tf.cast(x, dtype)
            out.append(x[:, None] if add_time_axis else x)
        return out if len(out) > 1 else out[0]

    def step_eager(self, inputs: Any, state: tuple) -> tuple[Any, tuple]:
        """One time step (uncompiled; use :meth:`step`)."""
        tf = _tf()
        carried = {id(layer): list(s) for layer, s in zip(self.rnn_layers, state)}
        new_state: dict[int, list] = {}

        def rnn_step(layer, x):
            out, states = layer.cell(x[:, 0, :], carried[id(layer)], training=False)
            new_state[id(layer)] = list(states) if isinstance(states, (list, tuple)) else [states]
            out = out[:, None, :]
            return [out, *new_state[id(layer)]] if layer.return_state else out

        outputs = _run_graph(self.model, self._time_major_inputs(inputs, True), rnn_step)
        outputs = tf.nest.map_structure(lambda t: t[:, 0], outputs)
        return outputs, tuple(tuple(new_state[id(layer)]) for layer in self.rnn_layers)

    def prime_eager(self, sequence: Any, state: tuple) -> tuple[Any, tuple]:
        """A whole sequence in one pass (uncompiled; use :meth:`prime`)."""
        tf = _tf()
        carried = {id(layer): list(s) for layer, s in zip(self.rnn_layers, state)}
        new_state: dict[int, list] = {}

        def rnn_sequence(layer, x):
            _, outputs, states = rnn_sequence_loop(layer, x, carried[id(layer)])
            new_state[id(layer)] = list(states) if isinstance(states, (list, tuple)) else [states]
            return [outputs, *new_state[id(layer)]] if layer.return_state else outputs

        outputs = _run_graph(self.model, self._time_major_inputs(sequence, False), rnn_sequence)
        outputs = tf.nest.map_structure(lambda t: t[:, -1], outputs)
        return outputs, tuple(tuple(new_state[id(layer)]) for layer in self.rnn_layers)

    def step(self, inputs: Any, state: tuple) -> tuple[Any, tuple]:
        """One compiled time step for every stream."""
        return self._step(inputs, state)

    def prime(self, sequence: Any, state: tuple | None = None) -> tuple[Any, tuple]:
        """Feed ``(B, T)`` tokens (``T >= 1``) in one pass; returns (last outputs, state)."""
        tf = _tf()
        first = sequence[0] if isinstance(sequence, (list, tuple)) else sequence
        if state is None:
            state = self.initial_state(int(tf.shape(first)[0]))
        return self._prime(sequence, state)


def step_function(model: Any, jit_compile: bool = True) -> StepFunction:
    """The one-step stateful copy of a recurrent *sequence* model (shares its weights).

    Works for models whose layers act on each time step separately (one-hot, Embedding,
    Dense, Dropout, normalisation, concatenation) around LSTM/GRU/SimpleRNN layers with
    ``return_sequences=True``: the ``onehot_lstm`` sequence model of notebook 03, stacked
    LSTMs, two-headed melody-and-harmony models. Each RNN layer's ``cell`` is called with the
    carried state ``(h, c)`` — the same arithmetic the layer does inside its own loop.

    Raises :class:`MusicnbError` for layers that mix time steps (Conv1D, Flatten, attention,
    Bidirectional, an RNN returning only its last output): sample those as window models.
    """
    layers = _layer_list(model)
    rnn_layers = []
    for layer in layers:
        kind = type(layer).__name__
        if _is_rnn(layer):
            if layer.go_backwards:
                raise MusicnbError(
                    f"Layer {layer.name!r} reads time backwards; a model that "
                    "looks at the future cannot generate one step at a time."
                )
            if not layer.return_sequences:
                raise MusicnbError(
                    f"Layer {layer.name!r} returns only its last output, so the "
                    "model is many-to-one: sample it as a window model "
                    "(Sampler does this when the output has no time axis)."
                )
            rnn_layers.append(layer)
        elif any(word in kind for word in _TIME_MIXING):
            raise MusicnbError(
                f"Layer {layer.name!r} ({kind}) mixes time steps, so the model "
                "cannot run one step at a time; sample it as a window model "
                "(a many-to-one model whose output has no time axis)."
            )
    return StepFunction(model=model, rnn_layers=rnn_layers, jit_compile=jit_compile)


# ====================================================================== the Sampler
def _decode_key(key: Any) -> str | None:
    return None if key in (None, "") else str(key)


class Sampler:
    """Generate token sequences from a trained next-token model.

    Parameters
    ----------
    model:
        A Keras model with one int input and one output. Output ``(B, T, V)`` (a sequence
        model, e.g. ``onehot_lstm`` trained with ``return_sequences``) is sampled through its
        one-step stateful copy (:func:`step_function`); output ``(B, V)`` (a window model) with a
        rolling window of ``window`` tokens (default: the model's input length). A sequence
        model that cannot run step by step (a causal Conv1D), or any model given ``window=``,
        also uses the rolling window and reads the prediction of its last step.
    encoder:
        The encoder the model was trained with; needed for ``key=`` and :meth:`to_pieces`.
    outputs:
        ``"auto"`` (softmax at the end → probabilities, otherwise logits), ``"probabilities"``
        or ``"logits"``.
    pad_token:
        Fills a window model's window when the primer is shorter than it (0 = rest).
    jit_compile:
        Compile the generation loop with XLA (fastest; the first call compiles for a few
        seconds). ``False`` uses a plain ``tf.function``.
    chunk:
        Steps per compiled call; lengths are generated in whole chunks and cut.

    Examples
    --------
    >>> sampler = Sampler(model, encoder)                                  # doctest: +SKIP
    >>> tokens = sampler.generate(primer, 256, temperature=0.9, top_p=0.95,
    ...                           streams=4, seed=1, key="G major")        # doctest: +SKIP
    >>> pieces = sampler.to_pieces(tokens)                                 # doctest: +SKIP
    """

    run: Run  # set by from_run only (no class attribute: a plain Sampler has no .run)

    def __init__(
        self,
        model: Any,
        encoder: Any = None,
        *,
        window: int | None = None,
        outputs: str = "auto",
        pad_token: int = 0,
        jit_compile: bool = True,
        chunk: int = DEFAULT_CHUNK,
    ) -> None:
        import keras

        if not isinstance(model, keras.Model):
            raise MusicnbError(
                f"Sampler needs a Keras model, got {type(model).__name__}. Load a "
                "trained run with Sampler.from_run(run_dir)."
            )
        try:
            model.inputs, model.outputs  # noqa: B018 (touching them raises on a model never called)
        except (AttributeError, ValueError):
            raise MusicnbError(
                "The model has no defined inputs yet; start it with keras.Input("
                "shape=(None,), dtype='int32') (the course's builders do)."
            ) from None
        if len(model.inputs) != 1 or len(model.outputs) != 1:
            raise MusicnbError(
                f"Sampler handles models with one input and one output; this one "
                f"has {len(model.inputs)} input(s) and {len(model.outputs)} "
                "output(s). Build a custom loop on musicnb.sampling.step_function."
            )
        if outputs not in ("auto", "probabilities", "logits"):
            raise MusicnbError(
                f"outputs must be 'auto', 'probabilities' or 'logits', got {outputs!r}."
            )
        from .validation import whole_number

        # without allow_none whole_number never returns None
        chunk = cast(int, whole_number("chunk", chunk, 1))
        window = whole_number(
            "window",
            window,
            1,
            allow_none=True,
            hint="window is how many past tokens a window model sees; None "
            "uses the model's own input length.",
        )
        pad_token = cast(int, whole_number("pad_token", pad_token, 0))
        self.model = model
        self.encoder = encoder
        self.jit_compile = bool(jit_compile)
        self.chunk = int(chunk)
        self.pad_token = int(pad_token)
        self.is_probs = (
            _output_is_probabilities(model) if outputs == "auto" else outputs == "probabilities"
        )
        out_shape = tuple(model.outputs[0].shape)
        in_shape = tuple(model.inputs[0].shape)
        self.vocab_size = int(out_shape[-1])
        self.steps: StepFunction | None = None
        self.window: int | None = None
        why_not_steps = ""
        if len(out_shape) == 3 and window is None:
            try:
                self.steps = step_function(model, jit_compile=self.jit_compile)
            except MusicnbError as exc:  # e.g. a causal Conv1D: fall back to a rolling window
                why_not_steps = f" ({exc})"
        if self.steps is not None:
            self.mode = "recurrent"
        elif len(out_shape) in (2, 3):
            self.mode = "window"
            size = window if window is not None else (in_shape[1] if len(in_shape) > 1 else None)
            if size is None or int(size) != size or int(size) < 1:
                raise MusicnbError(
                    "This model accepts any input length and cannot run one step at "
                    f"a time{why_not_steps}; say how many tokens it should see with "
                    "Sampler(model, window=...)."
                )
            self.window = int(size)
        else:
            raise MusicnbError(
                f"The model's output has shape {out_shape}; a next-token model "
                "ends in (batch, vocab) or (batch, time, vocab) probabilities."
            )
        if (
            encoder is not None
            and getattr(encoder, "vocab_size", self.vocab_size) != self.vocab_size
        ):
            raise MusicnbError(
                f"The encoder has {encoder.vocab_size} tokens but the model outputs "
                f"{self.vocab_size}; use the encoder saved with this model's run."
            )
        self.last_repairs: list[int] = []
        self._chunk_fn: Callable[..., Any] | None = None

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_run(cls, run_dir: str | Path, **kwargs: Any) -> Sampler:
        """The sampler of a saved training run (``best.keras`` + ``encoder.json``).

        ``run_dir`` is a folder, or the name of a run under :func:`musicnb.runs_dir`.
        """
        from .settings import runs_dir
        from .training import load_run

        path = Path(run_dir)
        if not path.exists() and (runs_dir() / path).exists():
            path = runs_dir() / path
        run = load_run(path)
        sampler = cls(run.model, run.encoder, **kwargs)
        sampler.run = run
        return sampler

    def __repr__(self) -> str:
        extra = f", window={self.window}" if self.mode == "window" else ""
        return (
            f"Sampler(mode={self.mode!r}, vocab_size={self.vocab_size}{extra}, "
            f"encoder={type(self.encoder).__name__ if self.encoder is not None else None})"
        )

    # ------------------------------------------------------------------ compiled loop
    def _build_chunk_fn(self):
        tf = _tf()
        n = self.chunk
        is_probs = self.is_probs
        model = self.model
        steps = self.steps
        sequence_output = len(self.model.outputs[0].shape) == 3

        def chunk_fn(carry, seed, step0, temperature, top_k, top_p, mask):
            def body(i, carry, tokens):
                if steps is not None:
                    last, state = carry
                    out, state = steps.step_eager(last, state)
                else:
                    window = carry
                    out = model(window, training=False)
                    if sequence_output:
                        out = out[:, -1]
                token = _draw_tf(out, is_probs, temperature, top_k, top_p, mask, seed, step0 + i)
                tokens = tokens.write(i, token)
                if steps is not None:
                    carry = (token, state)
                else:
                    carry = tf.concat([window[:, 1:], tf.cast(token[:, None], window.dtype)], 1)
                return i + 1, carry, tokens

            tokens = tf.TensorArray(tf.int32, size=n, element_shape=tf.TensorShape([None]))
            _, carry, tokens = tf.while_loop(
                lambda i, *_: i < n, body, (tf.constant(0), carry, tokens), maximum_iterations=n
            )
            return tf.transpose(tokens.stack()), carry

        return tf.function(chunk_fn, jit_compile=self.jit_compile, reduce_retracing=True)

    def _primer_array(self, primer: Any, streams: int) -> np.ndarray:
        if primer is None:
            primer = [self.pad_token]
        if isinstance(primer, (str, bytes)):
            raise MusicnbError(
                f"primer={primer!r} is text; the primer must be token ids. Encode "
                "notes first: primer = encoder.encode(piece), or read a MIDI file "
                "with musicnb.midi.read and encode that."
            )
        try:
            array = np.asarray(primer)
        except (ValueError, TypeError):
            raise MusicnbError(
                "The primer must be a 1-D list of tokens or a rectangular 2-D "
                "(streams, tokens) array; rows of different lengths cannot be "
                "stacked."
            ) from None
        if array.dtype.kind not in "iufb":
            raise MusicnbError(
                f"The primer must be integer tokens (encode a piece first), got "
                f"values of type {array.dtype}."
            )
        if array.size == 0:
            raise MusicnbError(
                "The primer is empty; give at least one token (e.g. [0] for a rest) or primer=None."
            )
        if array.dtype.kind not in "iu":
            if not np.all(np.equal(np.mod(array, 1), 0)):
                raise MusicnbError("The primer must be integer tokens (encode a piece first).")
            array = array.astype(np.int64)
        if array.ndim == 1:
            array = np.tile(array[None, :], (streams, 1))
        elif array.ndim == 2:
            if streams not in (1, array.shape[0]):
                raise MusicnbError(
                    f"A 2-D primer gives one row per stream ({array.shape[0]}), "
                    f"but streams={streams}; pass a 1-D primer to share it."
                )
        else:
            raise MusicnbError(
                f"The primer must be 1-D tokens or 2-D (streams, tokens), got shape {array.shape}."
            )
        if array.min() < 0 or array.max() >= self.vocab_size:
            raise MusicnbError(
                f"Primer tokens must lie in 0..{self.vocab_size - 1}; got "
                f"{int(array.min())}..{int(array.max())}. Encode the primer with the "
                "model's own encoder."
            )
        return array.astype(np.int32)

    def allowed_mask(self, allowed_tokens: Any = None, key: str | None = None) -> np.ndarray:
        """The boolean mask of tokens the sampler may draw (``allowed_tokens`` ∩ ``key``)."""
        mask = np.ones(self.vocab_size, dtype=bool)
        if allowed_tokens is not None:
            mask &= _mask_array(allowed_tokens, self.vocab_size)
        key = _decode_key(key)
        if key is not None:
            mask &= key_mask(self.encoder, key, self.vocab_size)
        if not mask.any():
            raise MusicnbError("allowed_tokens and key together allow no token; loosen one.")
        return mask

    def _initial_carry(self, primer: np.ndarray):
        tf = _tf()
        if self.mode == "recurrent":
            steps = cast(StepFunction, self.steps)  # recurrent mode always has steps
            state = steps.initial_state(primer.shape[0])
            if primer.shape[1] > 1:
                _, state = steps.prime(tf.constant(primer[:, :-1]), state)
            return (tf.constant(primer[:, -1]), state)
        size = cast(int, self.window)  # window mode always has a window
        window = primer[:, -size:]
        if window.shape[1] < size:
            pad = np.full((primer.shape[0], size - window.shape[1]), self.pad_token, np.int32)
            window = np.concatenate([pad, window], axis=1)
        dtype = self.model.inputs[0].dtype
        return tf.cast(tf.constant(window), dtype if isinstance(dtype, str) else "int32")

    def generate(
        self,
        primer: Any = None,
        length: int = 256,
        temperature: float = 1.0,
        top_k: int | None = None,
        top_p: float | None = None,
        streams: int = 1,
        seed: int | None = None,
        allowed_tokens: Any = None,
        key: str | None = None,
    ) -> np.ndarray:
        """Generate ``length`` tokens after ``primer`` for each of ``streams`` streams.

        ``primer``: 1-D tokens shared by all streams, or 2-D ``(streams, T)`` one per stream;
        ``None`` starts from a single ``pad_token`` (a rest). ``temperature=0`` is argmax.
        ``allowed_tokens`` (ids or a boolean mask) and ``key`` (e.g. ``"G major"``: rest, hold
        and onsets of the scale's pitches) restrict what may be drawn (the primer is not
        checked). Same ``seed`` and arguments → same tokens. Returns int32 ``(streams, length)``
        without the primer.
        """
        from .validation import generation_size, whole_number

        tf = _tf()
        length, streams = generation_size(length, streams, unit="tokens")
        seed = whole_number(
            "seed",
            seed,
            allow_none=True,
            hint="The same whole number gives the same music; None a new one.",
        )
        temperature, top_k, top_p = _check_knobs(temperature, top_k, top_p)
        if top_k is not None:
            top_k = min(top_k, self.vocab_size)  # keeps every token, as a larger k does
        primer_array = self._primer_array(primer, int(streams))
        mask = tf.constant(self.allowed_mask(allowed_tokens, key))
        if seed is None:
            seed = int(np.random.default_rng().integers(2**31 - 1))
        if self._chunk_fn is None:
            self._chunk_fn = self._build_chunk_fn()
        carry = self._initial_carry(primer_array)
        knobs = (tf.constant(int(seed) % (2**31 - 1), tf.int32),)
        params = (
            tf.constant(float(temperature), tf.float32),
            tf.constant(int(top_k or 0), tf.int32),
            tf.constant(float(top_p) if top_p is not None else 1.0, tf.float32),
            mask,
        )
        pieces = []
        done = 0
        while done < length:
            tokens, carry = self._chunk_fn(carry, knobs[0], tf.constant(done, tf.int32), *params)
            pieces.append(tokens.numpy())
            done += self.chunk
        return np.concatenate(pieces, axis=1)[:, : int(length)].astype(np.int32)

    def next_probabilities(self, primer: Any) -> np.ndarray:
        """The model's distribution over the token after ``primer`` (``(V,)`` or ``(B, V)``)."""
        tf = _tf()
        array = self._primer_array(primer, 1)
        if self.mode == "recurrent":
            out, _ = cast(StepFunction, self.steps).prime(tf.constant(array))
        else:
            out = self.model(self._initial_carry(array), training=False)
            if len(out.shape) == 3:
                out = out[:, -1]
        out = np.asarray(out, dtype=np.float64)
        if not self.is_probs:
            out = np.exp(out - out.max(axis=1, keepdims=True))
            out /= out.sum(axis=1, keepdims=True)
        return out[0] if np.ndim(primer) == 1 or primer is None else out

    # ------------------------------------------------------------------ decoding
    def to_pieces(
        self, tokens: Any, tempo: float = 120.0, title: str = "generated", primer: Any = None
    ) -> list[Any]:
        """Decode generated tokens (``(streams, length)`` or 1-D) to pieces, one per stream.

        Impossible sequences never crash: the encoder repairs them (e.g. a hold after a rest
        becomes a rest) and the number of repairs per stream is kept in :attr:`last_repairs`.
        With ``primer`` given, each piece starts with it.
        """
        if self.encoder is None or not hasattr(self.encoder, "decode_with_repairs"):
            raise MusicnbError(
                "to_pieces needs the encoder the model was trained with: "
                "Sampler(model, encoder) or Sampler.from_run(run_dir)."
            )
        array = np.atleast_2d(np.asarray(tokens))
        if primer is not None:
            array = np.concatenate([self._primer_array(primer, len(array)), array], axis=1)
        pieces, repairs = [], []
        for i, row in enumerate(array):
            name = title if len(array) == 1 else f"{title} {i + 1}"
            piece, n = self.encoder.decode_with_repairs(row, tempo=tempo, title=name)
            pieces.append(piece)
            repairs.append(int(n))
        self.last_repairs = repairs
        return pieces


__all__ = [
    "Sampler",
    "StepFunction",
    "step_function",
    "sample_from_probs",
    "adjust_probs",
    "key_mask",
    "check_apply_temperature",
    "check_top_k_filter",
    "DEFAULT_CHUNK",
]

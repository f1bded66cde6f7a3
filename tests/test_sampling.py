"""Sampler: the sampling rule, the one-step stateful copy, window models, seeds, masks, decoding."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")
from keras import ops  # noqa: E402

from musicnb import MusicnbError  # noqa: E402
from musicnb.encoders.events import EventEncoder  # noqa: E402
from musicnb.sampling import (
    Sampler,
    _filter_logits_tf,
    adjust_probs,  # noqa: E402
    check_apply_temperature,
    check_top_k_filter,
    key_mask,
    sample_from_probs,
    step_function,
)

V = 11


@keras.saving.register_keras_serializable(package="musicnb_tests")
class OneHot(keras.layers.Layer):
    """Int tokens -> one-hot vectors (the models of the course do this inside the graph)."""

    def __init__(self, depth: int, **kwargs):
        super().__init__(**kwargs)
        self.depth = depth

    def call(self, x):
        return ops.one_hot(ops.cast(x, "int32"), self.depth)

    def get_config(self):
        return {**super().get_config(), "depth": self.depth}


def sequence_model(vocab=V, units=(8, 8), cell=keras.layers.LSTM, seed=0):
    keras.utils.set_random_seed(seed)
    inp = keras.Input((None,), dtype="int32")
    x = OneHot(vocab)(inp)
    for n in units:
        x = cell(n, return_sequences=True)(x)
    x = keras.layers.Dropout(0.2)(x)
    out = keras.layers.Dense(vocab, activation="softmax")(x)
    return keras.Model(inp, out)


def window_model(vocab=V, window=5, seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((window,), dtype="int32"),
            OneHot(vocab),
            keras.layers.LSTM(8),
            keras.layers.Dense(vocab, activation="softmax"),
        ]
    )


def constant_model(probs):
    """A sequence model whose every output is ``probs`` (zero kernel, bias = log probs)."""
    probs = np.asarray(probs, dtype=np.float32)
    inp = keras.Input((None,), dtype="int32")
    x = OneHot(len(probs))(inp)
    dense = keras.layers.Dense(len(probs), activation="softmax")
    out = dense(x)
    dense.set_weights([np.zeros((len(probs), len(probs)), np.float32), np.log(probs)])
    return keras.Model(inp, out)


# ---------------------------------------------------------------- the rule in NumPy
P = np.array([0.05, 0.5, 0.3, 0.15])


def test_adjust_probs_temperature_one_is_identity_and_zero_is_argmax():
    assert np.allclose(adjust_probs(P), P)
    assert adjust_probs(P, temperature=0).tolist() == [0, 1, 0, 0]
    sharp, flat = adjust_probs(P, temperature=0.5), adjust_probs(P, temperature=5.0)
    assert sharp[1] > P[1] > flat[1] and flat[1] - flat[0] < P[1] - P[0]
    expected = P**2 / (P**2).sum()  # T = 1/2 squares the probabilities
    assert np.allclose(sharp, expected)


def test_adjust_probs_top_k_top_p_and_mask():
    assert np.allclose(adjust_probs(P, top_k=2), [0, 0.625, 0.375, 0])
    assert np.allclose(adjust_probs(P, top_k=10), P)
    # nucleus: 0.5 < 0.7 so add 0.3 -> 0.8 >= 0.7: keep two
    assert np.allclose(adjust_probs(P, top_p=0.7), [0, 0.625, 0.375, 0])
    assert np.allclose(adjust_probs(P, top_p=0.5), [0, 1, 0, 0])  # 0.5 alone reaches 0.5
    assert np.allclose(adjust_probs(P, top_p=1e-6), [0, 1, 0, 0])
    assert np.allclose(adjust_probs(P, top_p=1.0), P)
    masked = adjust_probs(P, allowed=[0, 2])
    assert np.allclose(masked, [0.05 / 0.35, 0, 0.3 / 0.35, 0])
    assert adjust_probs(P, temperature=0, allowed=[0, 3]).tolist() == [0, 0, 0, 1]
    rows = adjust_probs(np.stack([P, P[::-1]]), top_k=1)
    assert rows.tolist() == [[0, 1, 0, 0], [0, 0, 1, 0]]


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(temperature=-1),
        dict(temperature=float("nan")),
        dict(top_k=0),
        dict(top_k=1.5),
        dict(top_p=0),
        dict(top_p=1.5),
        dict(allowed=[]),
        dict(allowed=[7]),
    ],
)
def test_adjust_probs_rejects_bad_knobs(kwargs):
    with pytest.raises(MusicnbError):
        adjust_probs(P, **kwargs)


def test_adjust_probs_rejects_logits():
    with pytest.raises(MusicnbError, match="probabilities"):
        adjust_probs([-1.0, 2.0])


def test_sample_from_probs_is_seeded_vectorised_and_follows_the_distribution():
    rows = np.tile(P, (20000, 1))
    a = sample_from_probs(rows, rng=np.random.default_rng(3))
    b = sample_from_probs(rows, rng=3)
    assert a.shape == (20000,) and np.array_equal(a, b)
    freq = np.bincount(a, minlength=4) / len(a)
    assert np.allclose(freq, P, atol=0.015)
    k2 = sample_from_probs(rows, top_k=2, rng=1)
    assert set(np.unique(k2)) == {1, 2}
    assert abs((k2 == 1).mean() - 0.625) < 0.015
    assert isinstance(sample_from_probs(P, rng=0), int)
    assert sample_from_probs(P, temperature=0) == 1
    assert set(np.unique(sample_from_probs(rows[:2000], allowed=[0, 3], rng=2))) == {0, 3}


@pytest.mark.parametrize(
    "temperature,top_k,top_p",
    [(1.0, 0, 1.0), (0.7, 3, 1.0), (1.3, 0, 0.8), (0.9, 5, 0.9), (2.0, 1, 1.0)],
)
def test_tensorflow_filter_matches_numpy(temperature, top_k, top_p):
    import tensorflow as tf

    probs = np.random.default_rng(0).dirichlet(np.ones(V), size=6)
    mask = np.ones(V, bool)
    mask[[2, 5]] = False
    z = _filter_logits_tf(
        tf.constant(np.log(probs), tf.float32),
        tf.constant(temperature),
        tf.constant(top_k),
        tf.constant(top_p),
        tf.constant(mask),
    )
    got = tf.nn.softmax(z, axis=1).numpy()
    expected = adjust_probs(probs, temperature, top_k or None, top_p if top_p < 1 else None, mask)
    assert np.allclose(got, expected, atol=1e-5)


def test_key_mask_keeps_rest_hold_and_scale_onsets():
    encoder = EventEncoder(low=60, high=72)
    mask = key_mask(encoder, "G major")
    allowed = {encoder.token_pitch(t) for t in np.flatnonzero(mask)}
    assert mask[0] and mask[1]
    assert allowed - {None} == {60, 62, 64, 66, 67, 69, 71, 72}
    with pytest.raises(MusicnbError, match="encoder"):
        key_mask(None, "G major")


# ---------------------------------------------------------------- one-step stateful copy
@pytest.mark.parametrize("cell", [keras.layers.LSTM, keras.layers.GRU])
def test_step_function_matches_the_full_model(cell):
    model = sequence_model(cell=cell)
    steps = step_function(model, jit_compile=False)
    tokens = np.random.default_rng(1).integers(0, V, (3, 9)).astype(np.int32)
    full = model(tokens).numpy()
    state = steps.initial_state(3)
    outs = []
    for t in range(tokens.shape[1]):
        out, state = steps.step(tokens[:, t], state)
        outs.append(out.numpy())
    assert np.allclose(np.stack(outs, axis=1), full, atol=1e-5)
    last, primed = steps.prime(tokens)
    assert np.allclose(last.numpy(), full[:, -1], atol=1e-5)
    for a, b in zip(primed, state):
        for x, y in zip(a, b):
            assert np.allclose(x.numpy(), y.numpy(), atol=1e-5)


def test_step_function_refuses_models_that_mix_time():
    keras.utils.set_random_seed(0)
    conv = keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            OneHot(V),
            keras.layers.Conv1D(4, 3, padding="same"),
            keras.layers.Dense(V, activation="softmax"),
        ]
    )
    with pytest.raises(MusicnbError, match="window model"):
        step_function(conv)
    with pytest.raises(MusicnbError, match="many-to-one"):
        step_function(window_model())


# ---------------------------------------------------------------- the Sampler
def naive_greedy(model, primer, length, window=None):
    """The classic loop: the whole history (or window) through the model for every note."""
    seq = list(primer)
    for _ in range(length):
        x = np.array([seq if window is None else seq[-window:]], dtype=np.int32)
        probs = model(x).numpy()
        seq.append(int(np.argmax(probs[0, -1] if window is None else probs[0])))
    return seq[len(primer) :]


def test_recurrent_argmax_equals_the_naive_loop_and_seeds_repeat():
    model = sequence_model(seed=4)
    sampler = Sampler(model)  # XLA-compiled loop
    assert sampler.mode == "recurrent"
    primer = [3, 1, 1, 7, 0]
    greedy = sampler.generate(primer, 12, temperature=0, streams=3)  # one XLA compile: 3 streams
    assert greedy.shape == (3, 12) and greedy.dtype == np.int32
    assert greedy[0].tolist() == naive_greedy(model, primer, 12)
    assert (greedy == greedy[0]).all()  # argmax: every stream the same
    a = sampler.generate(primer, 70, streams=3, seed=5)
    b = sampler.generate(primer, 70, streams=3, seed=5)
    c = sampler.generate(primer, 70, streams=3, seed=6)
    assert a.shape == (3, 70) and np.array_equal(a, b) and not np.array_equal(a, c)
    assert not np.array_equal(a[0], a[1])  # streams differ from one another
    # randomness is keyed by (seed, step): a shorter run is a prefix of a longer one
    assert np.array_equal(sampler.generate(primer, 30, streams=3, seed=5), a[:, :30])
    assert a.min() >= 0 and a.max() < V


def test_window_model_argmax_equals_the_naive_loop_with_padding():
    model = window_model(window=5, seed=2)
    sampler = Sampler(model, jit_compile=False)
    assert sampler.mode == "window" and sampler.window == 5
    primer = [4, 9, 2]  # shorter than the window: padded with rests on the left
    out = sampler.generate(primer, 10, temperature=0)
    assert out[0].tolist() == naive_greedy(model, [0, 0, *primer], 10, window=5)
    rows = sampler.generate(np.array([[1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1]]), 8, seed=0)
    assert rows.shape == (2, 8)


def test_sampler_draws_follow_the_model_distribution_and_the_knobs():
    p = np.array([0.4, 0.3, 0.2, 0.05, 0.05])
    model = constant_model(p)

    def no_predict(*args, **kwargs):
        raise AssertionError("the sampler must never call model.predict per note")

    model.predict = no_predict
    sampler = Sampler(model, jit_compile=False)
    tokens = sampler.generate([0], 512, streams=16, seed=0)
    freq = np.bincount(tokens.ravel(), minlength=5) / tokens.size
    assert np.allclose(freq, p, atol=0.025)
    top2 = sampler.generate([0], 256, streams=16, seed=1, top_k=2)
    assert set(np.unique(top2)) == {0, 1}
    assert abs((top2 == 0).mean() - 4 / 7) < 0.03
    nucleus = sampler.generate([0], 256, streams=8, seed=1, top_p=0.65)  # 0.4 + 0.3 >= 0.65
    assert set(np.unique(nucleus)) == {0, 1}
    only = sampler.generate([0], 64, streams=4, seed=2, allowed_tokens=[3, 4])
    assert set(np.unique(only)) <= {3, 4}
    assert (sampler.generate([0], 64, temperature=0, allowed_tokens=[2, 3]) == 2).all()
    hot = sampler.generate([0], 256, streams=16, seed=3, temperature=3.0)
    assert (hot == 4).mean() > 0.1  # flattened: the rare token is drawn far more than 5%


def test_key_constraint_and_decoding_with_repairs():
    encoder = EventEncoder(low=60, high=68, out_of_range="drop")  # 11 tokens
    sampler = Sampler(sequence_model(vocab=encoder.vocab_size), encoder, jit_compile=False)
    tokens = sampler.generate([0], 200, streams=2, seed=0, key="C major")
    pitches = [encoder.token_pitch(t) for t in tokens.ravel()]
    assert {p % 12 for p in pitches if p is not None} <= {0, 2, 4, 5, 7}
    pieces = sampler.to_pieces(np.array([[1, 1, 4, 1, 0, 1]]))
    assert sampler.last_repairs == [3] and len(pieces) == 1
    assert pieces[0].pitch.tolist() == [62] and pieces[0].duration.tolist() == [0.5]
    with_primer = sampler.to_pieces(np.array([[1, 0]]), primer=[2, 1])
    assert with_primer[0].pitch.tolist() == [60] and sampler.last_repairs == [0]


def test_sampler_rejects_bad_input_with_clear_messages():
    sampler = Sampler(sequence_model(), jit_compile=False)
    with pytest.raises(MusicnbError, match="0..10"):
        sampler.generate([3, 99], 4)
    with pytest.raises(MusicnbError, match="length"):
        sampler.generate([3], 0)
    with pytest.raises(MusicnbError, match="streams"):
        sampler.generate(np.zeros((2, 3), int), 4, streams=3)
    with pytest.raises(MusicnbError, match="encoder"):
        sampler.generate([3], 4, key="C major")
    with pytest.raises(MusicnbError, match="encoder"):
        sampler.to_pieces(np.zeros((1, 4), int))
    with pytest.raises(MusicnbError, match="encoder has"):
        Sampler(sequence_model(), EventEncoder())
    base = sequence_model()
    two = keras.Model(base.inputs, [base.outputs[0], base.outputs[0]])
    with pytest.raises(MusicnbError, match="one input and one output"):
        Sampler(two)
    with pytest.raises(MusicnbError, match="keras.Input"):
        Sampler(keras.Sequential([keras.layers.Dense(3)]))  # never built: no inputs


def test_next_probabilities_matches_the_model():
    model = sequence_model()
    sampler = Sampler(model, jit_compile=False)
    primer = [1, 5, 6]
    assert np.allclose(
        sampler.next_probabilities(primer), model(np.array([primer])).numpy()[0, -1], atol=1e-5
    )


# ---------------------------------------------------------------- exercise checkers
def test_checkers_accept_the_reference_and_reject_common_mistakes():
    def temperature_ok(logits, t):
        return adjust_probs(np.exp(logits - logits.max()), temperature=t)

    def temperature_unstable(logits, t):  # no max subtraction, no t = 0 case
        e = np.exp(logits / t)
        return e / e.sum()

    assert "passed" in check_apply_temperature(temperature_ok)
    with pytest.raises(AssertionError, match="huge logits|t = 0"), np.errstate(all="ignore"):
        check_apply_temperature(temperature_unstable)

    def top_k_ok(probs, k):
        return adjust_probs(probs, top_k=k)

    def top_k_unnormalised(probs, k):
        out = np.zeros_like(probs)
        keep = np.argsort(probs)[::-1][:k]
        out[keep] = probs[keep]
        return out

    assert "passed" in check_top_k_filter(top_k_ok)
    with pytest.raises(AssertionError, match="k = 2"):
        check_top_k_filter(top_k_unnormalised)


# ---------------------------------------------------------------- the course's own models
def test_every_next_note_model_of_the_course_samples():
    from musicnb import models

    vocab = 12
    built = {
        "recurrent": models.onehot_lstm(vocab, window=None, units=8, layers=2),
        "window": models.onehot_lstm(vocab, window=6, units=8, sequence=False),
    }
    assert Sampler(built["recurrent"], jit_compile=False).mode == "recurrent"
    for model in [
        built["window"],
        models.logistic_regression(vocab, window=4),
        models.conv1d_lstm(vocab, window=8, filters=4, units=8),
    ]:
        sampler = Sampler(model, jit_compile=False)
        assert sampler.mode == "window"
        assert sampler.generate([1, 2, 3], 5, seed=0).shape == (1, 5)
    causal = models.conv1d_lstm(vocab, window=None, filters=4, units=8, sequence=True)
    with pytest.raises(MusicnbError, match="window="):
        Sampler(causal)
    sampler = Sampler(causal, window=8, jit_compile=False)
    greedy = sampler.generate([1, 2, 3], 6, temperature=0)
    seq = [0] * 5 + [1, 2, 3]
    for _ in range(6):
        seq.append(int(np.argmax(causal(np.array([seq[-8:]])).numpy()[0, -1])))
    assert greedy[0].tolist() == seq[8:]


def test_from_run_loads_a_trained_run(run_folders):
    import musicnb
    from musicnb import models

    encoder = EventEncoder(low=60, high=71)
    rng = np.random.default_rng(0)
    X = rng.integers(0, encoder.vocab_size, (16, 8)).astype(np.int32)
    result = musicnb.train(
        models.onehot_lstm(encoder.vocab_size, window=None, units=8),
        (X[:, :-1], X[:, 1:]),
        run_dir=run_folders / "runs" / "tiny",
        epochs=1,
        batch_size=8,
        encoder=encoder,
        live_plot=False,
        verbose=0,
    )
    sampler = Sampler.from_run(result.run_dir, jit_compile=False)
    assert sampler.mode == "recurrent" and sampler.encoder == encoder
    again = Sampler.from_run("tiny", jit_compile=False)  # a name inside runs_dir()
    tokens = again.generate([0], 16, seed=3, key="C major")
    assert np.array_equal(tokens, sampler.generate([0], 16, seed=3, key="C major"))
    assert len(again.to_pieces(tokens)) == 1


def test_step_function_runs_a_two_input_two_head_model():
    """The melody-and-harmony shape: two token inputs, one LSTM, two softmax heads."""
    keras.utils.set_random_seed(0)
    melody = keras.Input((None,), dtype="int32")
    chord = keras.Input((None,), dtype="int32")
    x = keras.layers.Concatenate()([OneHot(V)(melody), OneHot(5)(chord)])
    x = keras.layers.LSTM(8, return_sequences=True)(x)
    model = keras.Model(
        [melody, chord],
        [
            keras.layers.Dense(V, activation="softmax")(x),
            keras.layers.Dense(5, activation="softmax")(x),
        ],
    )
    steps = step_function(model, jit_compile=False)
    rng = np.random.default_rng(0)
    m, c = rng.integers(0, V, (2, 6)).astype(np.int32), rng.integers(0, 5, (2, 6)).astype(np.int32)
    full = [o.numpy() for o in model([m, c])]
    state = steps.initial_state(2)
    for t in range(6):
        (p_melody, p_chord), state = steps.step([m[:, t], c[:, t]], state)
        assert np.allclose(p_melody.numpy(), full[0][:, t], atol=1e-5)
        assert np.allclose(p_chord.numpy(), full[1][:, t], atol=1e-5)
    (last_melody, _), _ = steps.prime([m, c])
    assert np.allclose(last_melody.numpy(), full[0][:, -1], atol=1e-5)


def test_a_model_that_outputs_logits_is_sampled_as_logits():
    p = np.array([0.6, 0.3, 0.1])
    model = constant_model(p)
    model.layers[-1].activation = keras.activations.linear  # now it outputs log p (logits)
    sampler = Sampler(model, jit_compile=False)
    assert not sampler.is_probs
    assert np.allclose(sampler.next_probabilities([0]), p, atol=1e-5)
    tokens = sampler.generate([0], 256, streams=8, seed=0)
    assert np.allclose(np.bincount(tokens.ravel(), minlength=3) / tokens.size, p, atol=0.04)
    with pytest.raises(MusicnbError, match="outputs"):
        Sampler(model, outputs="scores")

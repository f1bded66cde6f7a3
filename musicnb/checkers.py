"""Every exercise checker of the course, notebook by notebook, in one failure shape.

A checker calls the student's function on small edge cases, compares with the reference
behaviour and stops at the first difference with one sentence (:class:`ExerciseFailed`,
``case — got …, expected … — hint``; see :mod:`musicnb.exercises`). It tests what the function
*does*, never how it is written. In a student notebook the function is still the stub
(``raise NotImplementedError``); the checker says so in the same sentence, and an answer that
crashes is reported the same way (:func:`~musicnb.exercises.call_student`).

By notebook:

* 00: ``check_notes_per_part``, ``check_part_ranges`` (notes and pitch range per part);
* 01: ``check_to_events`` (notes to rest/hold/onset tokens), ``check_make_windows``;
* 02–05: ``check_model_like`` (a Keras model, by behaviour: shapes, parameters, outputs);
* 02: ``check_top_k_accuracy``, ``check_perplexity``;
* 03: ``check_apply_temperature``, ``check_top_k_filter``;
* 04: ``check_event_token`` (a note name or a chord's normal order);
* 05: ``check_weighted_two_head_loss`` (α·CE(melody) + (1 − α)·CE(chord));
* 06: ``check_theory_aware_loss`` (cross-entropy plus β × the expected theory cost among the
  pitches);
* 07: ``check_articulate_from_play``, ``check_neighbourhood``, ``check_notes_to_batch``;
* 08: ``check_ngram_overlap``, ``check_binomial_p_value``;
* 09: ``check_top_p_filter`` (the nucleus filter of the sampler).

The reference behaviour comes from the package itself (``EventEncoder``, ``windowing.windows``,
``sampling.adjust_probs``, ``losses.weighted_two_head_loss``, ``evaluation``), imported only
when a checker runs, so importing this module stays light.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .encoders.events import HOLD, REST, EventEncoder
from .exercises import ExerciseFailed, call_student, fail
from .piece import Piece

Notes = list[tuple[int, float, float]]


def _number(case: str, got: Any, expected: Any, hint: str) -> float:
    """``got`` as a float, or the one sentence saying that one number was wanted."""
    try:
        return float(got)
    except (TypeError, ValueError):
        fail(case, got, expected, hint)


def _array(case: str, got: Any, expected: Any, hint: str, dtype: Any = np.float64) -> np.ndarray:
    """``got`` as a NumPy array, or the one sentence saying that an array was wanted."""
    try:
        return np.asarray(got, dtype=dtype)
    except (TypeError, ValueError):
        fail(case, got, expected, hint)


def _copies(args: tuple) -> list:
    return [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]


# ---------------------------------------------------------------------------- notebook 00
def _part_cases() -> dict[str, tuple[Piece, str]]:
    return {
        "an empty piece": (Piece.from_notes([]), "no notes means no parts: return []"),
        "one note": (Piece.from_notes([(60, 0, 1)]), "one part with one note"),
        "a chord": (
            Piece.from_notes([(60, 0, 1), (64, 0, 1), (67, 0, 1)]),
            "notes sounding together still count one by one, in one part",
        ),
        "two parts": (
            Piece.from_notes([(72, 0, 1, 90, 0), (79, 1, 1, 90, 0), (48, 0, 2, 90, 1)]),
            "element i is part i (piece.part holds each note's part number)",
        ),
        "a silent middle part": (
            Piece.from_notes([(72, 0, 1, 90, 0), (40, 0, 1, 90, 2)]),
            "a part number with no notes still gets its place in the list",
        ),
    }


def check_notes_per_part(notes_per_part: Callable[[Piece], list[int]]) -> str:
    """Check ``notes_per_part(piece)``: element ``i`` counts the notes of part ``i`` for every
    part from 0 to the highest part number (0 for a silent part); ``[]`` for an empty piece."""
    cases = _part_cases()
    for name, (piece, hint) in cases.items():
        expected = (
            np.bincount(piece.part, minlength=piece.n_parts).tolist() if piece.n_notes else []
        )
        got = call_student(name, notes_per_part, piece, expected=expected)
        try:
            got = [int(x) for x in got]
        except TypeError:
            fail(name, got, expected, "return a list of whole numbers, one per part")
        if got != expected:
            fail(name, got, expected, hint)
    return f"All {len(cases)} checks passed."


def check_part_ranges(part_ranges: Callable[[Piece], list[tuple[int, int] | None]]) -> str:
    """Check ``part_ranges(piece)``: ``(lowest, highest)`` MIDI pitch of each part, ``None``
    for a part with no notes, ``[]`` for an empty piece."""
    cases = _part_cases()
    cases["an empty piece"] = (cases["an empty piece"][0], "no notes means no parts: return []")
    cases["a silent middle part"] = (
        cases["a silent middle part"][0],
        "a part with no notes is None, not (0, 0) and not skipped",
    )
    for name, (piece, hint) in cases.items():
        expected = []
        for part in range(piece.n_parts if piece.n_notes else 0):
            pitches = piece.pitch[piece.part == part]
            expected.append((int(pitches.min()), int(pitches.max())) if len(pitches) else None)
        got = call_student(name, part_ranges, piece, expected=expected)
        try:
            got = [None if r is None else (int(r[0]), int(r[1])) for r in got]
        except (TypeError, IndexError, ValueError):
            fail(name, got, expected, "return a list holding (lowest, highest) or None per part")
        if got != expected:
            fail(name, got, expected, hint)
    return f"All {len(cases)} checks passed."


# ---------------------------------------------------------------------------- notebook 01
def check_to_events(to_events: Callable[[Notes, int], list[int]]) -> str:
    """Check a student's ``to_events(notes, steps_per_quarter)`` against :class:`EventEncoder`.

    ``notes`` are monophonic ``(pitch, start, duration)`` in quarter notes; the function returns
    one token per step with ``0`` = rest, ``1`` = hold and ``pitch - 48 + 2`` = onset
    (the encoder's range 48-84).
    """
    encoder = EventEncoder(low=48, high=84)
    cases: dict[str, tuple[Notes, str]] = {
        "one quarter note": ([(60, 0, 1)], "an onset then three holds"),
        "a rest before the first note": (
            [(62, 0.5, 0.5)],
            "steps before the first onset are rests",
        ),
        "the same pitch twice": (
            [(64, 0, 0.5), (64, 0.5, 0.5)],
            "a repeated note is a new onset, not a hold",
        ),
        "a gap between notes": ([(60, 0, 0.25), (67, 1, 0.25)], "silence between notes is rest"),
        "a long note": ([(48, 0, 4)], "a whole note holds for 15 steps"),
    }
    for name, (notes, hint) in cases.items():
        expected = encoder.encode(Piece.from_notes(notes)).tolist()
        got = call_student(name, to_events, notes, 4, expected=expected)
        try:
            got = [int(t) for t in got]
        except TypeError:
            fail(name, got, expected, "return a list of integer tokens, one per 16th step")
        if got != expected:
            fail(name, got, expected, hint)
    return f"All {len(cases)} checks passed."


def check_make_windows(
    make_windows: Callable[[list[np.ndarray], int], tuple[np.ndarray, np.ndarray]],
) -> str:
    """Check a student's ``make_windows(sequences, size) -> (X, y)``: many-to-one windows that
    never cross from one sequence into the next."""
    cases = {
        "one sequence": ([np.arange(6)], 3, "X rows are seq[t:t+3], y is seq[t+3]"),
        "two sequences": (
            [np.arange(5), np.arange(10, 15)],
            3,
            "a window must not start in one piece and end in the next",
        ),
        "a sequence too short": (
            [np.arange(3), np.arange(20, 25)],
            3,
            "a piece with no more than `size` tokens gives no window",
        ),
        "exactly one window": ([np.arange(4)], 3, "size + 1 tokens make exactly one window"),
    }
    from .windowing import windows

    for name, (seqs, size, hint) in cases.items():
        expected_X, expected_y = windows(seqs, size)
        result = call_student(
            name,
            make_windows,
            [np.asarray(s) for s in seqs],
            size,
            expected=(expected_X.tolist(), expected_y.tolist()),
        )
        try:
            X, y = result
        except (TypeError, ValueError):
            fail(name, result, "a pair (X, y)", "return two arrays: the windows and their targets")
        X, y = np.asarray(X), np.asarray(y)
        if X.shape != expected_X.shape or not np.array_equal(X, expected_X):
            fail(name + " (X)", X.tolist(), expected_X.tolist(), hint)
        if not np.array_equal(y.reshape(-1), expected_y):
            fail(name + " (y)", y.tolist(), expected_y.tolist(), hint)
    return f"All {len(cases)} checks passed."


# ---------------------------------------------------------------------------- notebook 02
def _shapes(outputs: Any) -> Any:
    if isinstance(outputs, dict):
        return {key: tuple(np.shape(value)) for key, value in sorted(outputs.items())}
    return tuple(np.shape(outputs))


def _arrays(outputs: Any) -> list[np.ndarray]:
    if isinstance(outputs, dict):
        return [np.asarray(outputs[key]) for key in sorted(outputs)]
    return [np.asarray(outputs)]


def check_model_like(
    build: Callable[..., Any],
    args: tuple,
    reference: Any,
    inputs: Any,
    atol: float = 1e-5,
) -> str:
    """Check that ``build(*args)`` returns a Keras model that behaves like ``reference``.

    Cases, in order: ``build()`` returns a ``keras.Model``; its outputs on ``inputs`` have the
    reference's shapes; it has as many parameters as the reference; its weights have the
    reference's shapes in the same order; with the reference's weights copied in, its output
    on ``inputs`` equals the reference's (within ``atol``; dropout is off at inference).
    """
    import keras

    model = call_student("building the model", build, *args, expected="a keras.Model")
    if not isinstance(model, keras.Model):
        fail(
            "building the model",
            type(model).__name__,
            "a keras.Model",
            "return the model (keras.Model(inputs, outputs) or keras.Sequential([...]))",
        )
    expected_out = reference(inputs, training=False)
    try:
        got_out = model(inputs, training=False)
    except Exception as exc:  # noqa: BLE001 - a wrong input shape or dtype: say so as a sentence
        fail(
            "calling the model on a fixed input",
            f"{type(exc).__name__}: {exc}",
            f"outputs of shape {_shapes(expected_out)}",
            "check the Input's shape and dtype (integer tokens) and how the layers connect",
        )
    if _shapes(got_out) != _shapes(expected_out):
        fail(
            "the output shape on a fixed input",
            _shapes(got_out),
            _shapes(expected_out),
            "the last layer needs one unit per class (softmax), per step only for a sequence model",
        )
    if model.count_params() != reference.count_params():
        fail(
            "the number of parameters",
            f"{model.count_params():,}",
            f"{reference.count_params():,}",
            "compare layer sizes with the exercise (units, filters, kernel size, bias)",
        )
    got_w = [tuple(w.shape) for w in model.get_weights()]
    ref_w = [tuple(w.shape) for w in reference.get_weights()]
    if got_w != ref_w:
        fail(
            "the weight shapes, layer by layer",
            got_w,
            ref_w,
            "the same layers in the same order as the exercise asks",
        )
    model.set_weights(reference.get_weights())
    got_out = model(inputs, training=False)
    for got, expected in zip(_arrays(got_out), _arrays(expected_out)):
        if not np.allclose(got, expected, atol=atol):
            worst = float(np.max(np.abs(got - expected)))
            fail(
                "the output on a fixed input, with the reference weights copied in",
                f"a largest difference of {worst:.3g}",
                f"at most {atol:g}",
                "an activation, the padding or the order of the layers differs",
            )
    return (
        f"All checks passed: same output shapes, {model.count_params():,} parameters, "
        "same output with the same weights."
    )


def check_top_k_accuracy(top_k_accuracy: Callable[[np.ndarray, np.ndarray, int], float]) -> str:
    """Check ``top_k_accuracy(probs, y, k)``: the share of rows whose target is among the ``k``
    most likely classes. Edge cases: k = 1, a target ranked second, k larger than the
    vocabulary, a single example."""
    probs = np.array([[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
    cases = [
        ("top-1 on four examples", (probs, np.array([0, 2, 2, 0]), 1), 0.5),
        ("top-2: a target ranked second counts", (probs, np.array([0, 2, 2, 0]), 2), 1.0),
        ("top-2: a third-ranked target does not", (probs, np.array([2, 0, 0, 1]), 2), 0.0),
        ("k larger than the vocabulary", (probs, np.array([2, 0, 0, 1]), 10), 1.0),
        ("one example", (probs[:1], np.array([1]), 1), 0.0),
    ]
    hint = (
        "rank the classes of each row (np.argsort) and ask whether the target is among the "
        "last k; average over rows"
    )
    for case, args, expected in cases:
        got = call_student(case, top_k_accuracy, *_copies(args), expected=expected)
        if not np.isclose(_number(case, got, expected, "return one number"), expected):
            fail(case, got, expected, hint)
    return "All top-k cases pass."


def check_perplexity(perplexity: Callable[[np.ndarray, np.ndarray], float]) -> str:
    """Check ``perplexity(probs, y)``: ``exp(mean(-log p[target]))``."""
    cases = [
        ("a uniform guess over 8 classes", (np.full((3, 8), 1 / 8), np.array([0, 3, 7])), 8.0),
        ("a certain, correct model", (np.eye(4), np.arange(4)), 1.0),
        (
            "two examples",
            (np.array([[0.5, 0.5], [0.25, 0.75]]), np.array([0, 0])),
            float(np.exp(-(np.log(0.5) + np.log(0.25)) / 2)),
        ),
    ]
    hint = (
        "take the probability of each target, average the negative logs (natural log), "
        "then exponentiate"
    )
    for case, args, expected in cases:
        got = call_student(case, perplexity, *_copies(args), expected=expected)
        if not np.isclose(_number(case, got, expected, "return one number"), expected, rtol=1e-6):
            fail(case, got, expected, hint)
    return "All perplexity cases pass."


# ---------------------------------------------------------------------------- notebook 03
def _same_probabilities(
    name: str,
    student: Callable[..., Any],
    args: tuple[Any, ...],
    expected: np.ndarray,
    hint: str,
    per: str,
) -> None:
    """Call ``student(*args)`` and fail the case unless it returns ``expected``, an array of
    probabilities (one per ``per``), to within 1e-6; the failure shows both to 4 decimals."""
    shown = np.round(expected, 4).tolist()
    got = call_student(name, student, *args, expected=shown)
    got = _array(name, got, shown, f"return an array of probabilities, one per {per}")
    if got.shape != expected.shape or not np.allclose(got, expected, atol=1e-6):
        fail(name, np.round(got, 4).tolist(), shown, hint)


def check_apply_temperature(apply_temperature: Callable[[np.ndarray, float], np.ndarray]) -> str:
    """Check ``apply_temperature(logits, t) -> probabilities``: ``softmax(logits / t)``;
    ``t == 0`` gives a one-hot vector at the argmax; stable for huge logits."""
    from .sampling import adjust_probs

    cases = [
        (
            "t = 1 is plain softmax",
            np.array([1.0, 2.0, 3.0]),
            1.0,
            "divide the logits by t, then softmax",
        ),
        ("t = 0.5 sharpens", np.array([1.0, 2.0, 3.0]), 0.5, "smaller t → larger gaps"),
        ("t = 10 flattens", np.array([1.0, 2.0, 3.0]), 10.0, "large t → nearly uniform"),
        (
            "huge logits",
            np.array([1000.0, 1001.0, 999.0]),
            1.0,
            "subtract the maximum before exp, or exp overflows to inf/nan",
        ),
        (
            "t = 0 is argmax",
            np.array([0.2, 3.0, -1.0]),
            0.0,
            "t = 0 cannot divide; return a one-hot vector at the largest logit",
        ),
    ]
    for name, logits, t, hint in cases:
        z = logits - logits.max()
        expected = adjust_probs(np.exp(z) / np.exp(z).sum(), temperature=t)
        _same_probabilities(name, apply_temperature, (logits.copy(), t), expected, hint, "logit")
    return f"All {len(cases)} checks passed."


def check_top_k_filter(top_k_filter: Callable[[np.ndarray, int], np.ndarray]) -> str:
    """Check ``top_k_filter(probs, k) -> probabilities``: the k best, renormalised."""
    from .sampling import adjust_probs

    cases = [
        ("k = 2", np.array([0.1, 0.5, 0.3, 0.1]), 2, "keep the two largest, rescale to sum 1"),
        ("k = 1 is argmax", np.array([0.2, 0.3, 0.5]), 1, "only the largest survives"),
        ("k larger than the vocabulary", np.array([0.6, 0.4]), 5, "k > V keeps everything"),
        ("k = V keeps everything", np.array([0.25, 0.25, 0.5]), 3, "nothing to remove"),
        (
            "unnormalised input",
            np.array([2.0, 6.0, 2.0]),
            1,
            "normalise before or after, the result must sum to 1",
        ),
    ]
    for name, probs, k, hint in cases:
        expected = adjust_probs(probs, top_k=k)
        _same_probabilities(name, top_k_filter, (probs.copy(), k), expected, hint, "token")
    return f"All {len(cases)} checks passed."


# ---------------------------------------------------------------------------- notebook 04
def check_event_token(event_token: Callable[[list[int]], str]) -> str:
    """Check ``event_token(midi_pitches) -> str``: a group of notes that start together named
    as the tutorial does (a note name, or the chord's normal order)."""
    cases = [
        ("one note", [61], "C#4"),
        ("one flat note", [70], "B-4"),
        ("an octave doubling is one note (the higher)", [48, 60], "C4"),
        ("C major, root position", [60, 64, 67], "0.4.7"),
        ("C major, first inversion", [64, 67, 72], "0.4.7"),
        ("G major: the normal order starts on G", [55, 62, 71], "7.11.2"),
        ("a fifth with a doubled root: normal order is the fourth A-D", [62, 69, 74], "9.2"),
    ]
    hint = (
        "one pitch class: name the highest note with musicnb.piece.pitch_name; several: "
        "'.'.join of normal_order(set of pitch classes)"
    )
    for case, pitches, expected in cases:
        got = call_student(case, event_token, list(pitches), expected=expected)
        if got != expected:
            fail(f"{case}: event_token({pitches})", got, expected, hint)
    return "All event-token cases pass."


# ---------------------------------------------------------------------------- notebook 05
def check_weighted_two_head_loss(student_loss: Callable[..., Any]) -> str:
    """Check ``student_loss(melody_true, melody_probs, chord_true, chord_probs, alpha)`` against
    :func:`musicnb.losses.weighted_two_head_loss` on fixed tensors: plain cases, α at both
    ends, a (batch, time) shape and a near-zero probability."""
    from .losses import weighted_two_head_loss

    rng = np.random.default_rng(5)

    def probs(*shape: int) -> np.ndarray:
        p = rng.random(shape).astype("float32") + 0.05
        return p / p.sum(-1, keepdims=True)

    cases = [
        ("two steps, alpha=0.5", np.array([0, 1]), probs(2, 3), np.array([2, 0]), probs(2, 4), 0.5),
        ("alpha=1: melody only", np.array([1, 2]), probs(2, 3), np.array([3, 3]), probs(2, 4), 1.0),
        ("alpha=0: chords only", np.array([1, 2]), probs(2, 3), np.array([3, 3]), probs(2, 4), 0.0),
        (
            "(batch, time) targets",
            rng.integers(0, 5, (2, 6)),
            probs(2, 6, 5),
            rng.integers(0, 3, (2, 6)),
            probs(2, 6, 3),
            0.3,
        ),
        (
            "a nearly impossible true class",
            np.array([0]),
            np.array([[1e-6, 1 - 1e-6]], "float32"),
            np.array([0]),
            np.array([[0.5, 0.5]], "float32"),
            0.8,
        ),
    ]
    hint = "CE = -log p[true class], averaged over every step, and the chord weight is 1 - alpha"
    for name, ym, pm, yc, pc, alpha in cases:
        expected = float(weighted_two_head_loss(ym, pm, yc, pc, alpha))
        got = call_student(name, student_loss, ym, pm, yc, pc, alpha, expected=round(expected, 6))
        value = _number(name, got, round(expected, 6), "return one number (a scalar tensor)")
        if not abs(value - expected) <= 1e-4 * max(1.0, abs(expected)):
            fail(name, round(value, 6), round(expected, 6), hint)
    return f"All {len(cases)} cases agree with the reference weighted two-head loss."


# ---------------------------------------------------------------------------- notebook 06
def check_theory_aware_loss(student_loss: Callable[..., Any]) -> str:
    """Check ``student_loss(y_true, probs, cost, pitched, beta)`` against
    :class:`musicnb.losses.TheoryAwareCrossEntropy` (``no_pitch="excluded"``): the mean over
    every step of

        −log p[y] + β · Σ_j p_j C[y, j] / Σ_j pitched_j p_j

    with ``C = losses.theory_cost_matrix(pitches, "paper")`` (0 wherever a token has no pitch)
    and ``pitched`` 1 for the onset tokens, 0 for rest and hold.

    Cases, in order: one step with a pitch target and no probability on rest or hold; the
    same target with probability on rest and hold (the expectation is among the pitches);
    a rest target (the cost row is 0: plain cross-entropy); β = 0; a ``(batch, time)`` batch
    of mixed targets."""
    from keras import ops

    from .losses import TheoryAwareCrossEntropy, theory_cost_matrix

    pitches = [-1, -1, 60, 62, 64, 67]  # rest, hold, C, D, E, G
    cost = theory_cost_matrix(pitches, "paper")  # asymmetric: a column for a row shows
    pitched = np.array([p >= 0 for p in pitches], dtype="float32")
    rng = np.random.default_rng(6)

    def probs(*shape: int) -> np.ndarray:
        p = rng.random(shape).astype("float32") + 0.05
        return p / p.sum(-1, keepdims=True)

    only_pitches = probs(1, 6)
    only_pitches[:, :2] = 0.0
    only_pitches /= only_pitches.sum(-1, keepdims=True)
    cases = [
        ("one step, true pitch C, nothing on rest or hold", np.array([2]), only_pitches, 0.5),
        ("true pitch C with probability on rest and hold", np.array([2]), probs(1, 6), 0.5),
        ("a rest target (no pitch: cost row 0)", np.array([0]), probs(1, 6), 0.5),
        ("beta=0: plain cross-entropy", np.array([3, 4]), probs(2, 6), 0.0),
        ("(batch, time) targets", rng.integers(0, 6, (2, 5)), probs(2, 5, 6), 1.0),
    ]
    for case, y, p, beta in cases:
        reference = TheoryAwareCrossEntropy(
            pitches, weight=beta, cost="paper", no_pitch="excluded", reduction=None
        )
        want = float(ops.convert_to_numpy(ops.mean(reference(y, p))))
        got = call_student(case, student_loss, y, p, cost, pitched, beta, expected=f"{want:.5f}")
        try:
            value = float(np.asarray(ops.convert_to_numpy(got)).reshape(()))
        except (TypeError, ValueError):
            fail(case, got, f"one number near {want:.5f}", "return the mean over every step")
        if not np.isclose(value, want, rtol=1e-4, atol=1e-5):
            fail(
                case,
                f"{value:.5f}",
                f"{want:.5f}",
                "cross-entropy −log p[y] plus beta × Σ_j p_j C[y, j] (the row of the target) "
                "divided by the probability of the pitched tokens, averaged over every step",
            )
    return f"All {len(cases)} checks passed."


# ---------------------------------------------------------------------------- notebook 07
def check_articulate_from_play(articulate_from_play: Callable[[np.ndarray], np.ndarray]) -> str:
    """Check ``articulate_from_play(play)``: the articulate matrix of a ``(T, N)`` play matrix
    when nothing else says where notes were struck (a note is struck where it starts to
    sound)."""
    cases = [
        ("a note held for three steps", [[1], [1], [1]], [[1], [0], [0]]),
        ("a note that stops and starts again", [[1], [0], [1]], [[1], [0], [1]]),
        ("a note sounding at the very first step", [[1, 0]], [[1, 0]]),
        ("two notes overlapping", [[1, 0], [1, 1], [0, 1]], [[1, 0], [0, 1], [0, 0]]),
        ("silence", [[0, 0], [0, 0]], [[0, 0], [0, 0]]),
    ]
    hint = "articulate[t] = play[t] AND NOT play[t-1], with play[-1] taken as silence"
    for case, play, expected in cases:
        got = call_student(case, articulate_from_play, np.array(play, np.uint8), expected=expected)
        if got is None:
            fail(case, got, expected, "return the articulate matrix (the same shape as play)")
        array = _array(case, got, expected, "return a matrix of 0 and 1", dtype=float)
        if array.shape != np.shape(expected) or not np.array_equal(
            array.astype(int), np.array(expected)
        ):
            fail(case, array.tolist(), expected, hint)
    return "All articulate cases pass."


def check_neighbourhood(neighbourhood: Callable[[np.ndarray, int], np.ndarray]) -> str:
    """Check ``neighbourhood(previous_play, n)``: the 25 play bits of notes ``n−12..n+12`` in a
    ``(N,)`` vector, ZERO past either edge (no wrapping round)."""
    rng = np.random.default_rng(0)
    cases = []
    for N, n in ((30, 15), (30, 0), (30, 29), (5, 2), (40, 11)):
        play = (rng.random(N) < 0.5).astype(np.uint8)
        expected = np.array([play[n + k] if 0 <= n + k < N else 0 for k in range(-12, 13)])
        cases.append((f"{N} notes, note {n}", play, n, expected))
    hint = (
        "take notes n-12..n+12 in order; a note index below 0 or above N-1 is 0 "
        "(Python's play[-1] would wrap round to the top note: that is the bug)"
    )
    for case, play, n, expected in cases:
        got = call_student(case, neighbourhood, play.copy(), n, expected=expected.tolist())
        if got is None:
            fail(case, got, expected.tolist(), "return the 25 play bits as a vector")
        array = _array(case, got, expected.tolist(), "return a vector of 25 bits", dtype=float)
        if array.shape != (25,) or not np.array_equal(array.astype(int), expected):
            fail(case, array.tolist(), expected.tolist(), hint)
    return "All neighbourhood cases pass (no wrapping)."


def check_notes_to_batch(notes_to_batch: Callable[[Any], Any]) -> str:
    """Check ``notes_to_batch(x)``: ``(B, T, N, H)`` → ``(B·N, T, H)``, row ``b·N + n`` being
    note ``n`` of example ``b`` over time (the reshape between the biaxial model's axes)."""
    x = np.arange(2 * 3 * 4 * 5, dtype="float32").reshape(2, 3, 4, 5)
    cases = {"one example, one note": x[:1, :, :1], "two examples of four notes": x}
    for name, case in cases.items():
        want = case.transpose(0, 2, 1, 3).reshape(-1, case.shape[1], case.shape[3])
        got = np.asarray(call_student(name, notes_to_batch, case, expected=f"shape {want.shape}"))
        if got.shape != want.shape:
            fail(
                name,
                f"shape {got.shape}",
                f"shape {want.shape}",
                "move the notes axis next to the batch (transpose) before merging them (reshape)",
            )
        if not np.array_equal(got, want):
            fail(
                name,
                "the right shape with the values in another order",
                want.tolist()[:1],
                "transpose (0, 2, 1, 3) first: a plain reshape mixes time steps and notes",
            )
    return f"All {len(cases)} checks passed."


# ---------------------------------------------------------------------------- notebook 08
def check_ngram_overlap(ngram_overlap: Callable[[np.ndarray, list[np.ndarray], int], float]) -> str:
    """Check ``ngram_overlap(generated, training, n)``: the share of the n-grams of
    ``generated`` found in one of the ``training`` sequences (never across two), ``nan`` when
    ``generated`` is shorter than ``n``; compared with :func:`musicnb.evaluation.ngram_overlap`."""
    import math

    from .evaluation import ngram_overlap as reference

    training = [np.array([5, 6, 7, 8, 9]), np.array([20, 21, 22])]
    cases = {
        "a verbatim copy": (np.array([6, 7, 8, 9]), 3, "every 3-gram of it is in training: 1.0"),
        "nothing shared": (np.array([1, 2, 3, 4]), 2, "no 2-gram of it is in training: 0.0"),
        "a repeated n-gram": (
            np.array([5, 6, 5, 6]),
            2,
            "count every n-gram of the generated tokens, repeats too (2 of 3)",
        ),
        "an n-gram across two training tunes": (
            np.array([8, 9, 20, 21]),
            2,
            "(9, 20) only appears where one tune ends and the next begins: it is not in training",
        ),
        "shorter than n": (np.array([5, 6]), 3, "a sequence shorter than n has no n-gram: nan"),
    }
    for name, (generated, n, hint) in cases.items():
        expected = reference(generated, training, n)
        got = call_student(
            name,
            ngram_overlap,
            generated.copy(),
            [t.copy() for t in training],
            n,
            expected=expected,
        )
        try:
            value = float(got)
        except (TypeError, ValueError):
            fail(name, got, expected, "return one number between 0 and 1")
        same = (math.isnan(value) and math.isnan(expected)) or abs(value - expected) < 1e-9
        if not same:
            fail(name, got, expected, hint)
    return f"All {len(cases)} checks passed."


def check_binomial_p_value(binomial_p_value: Callable[[int, int], float]) -> str:
    """Check ``binomial_p_value(correct, trials)``: the probability that a listener who guesses
    (p = 1/2 per trial) gets at least ``correct`` of ``trials`` right."""
    from .evaluation import binomial_tail

    cases = {
        "all of 10 right": (10, 10, "only one way to get all ten: 1/2**10"),
        "none right": (0, 10, "at least 0 right always happens: 1.0"),
        "15 of 20": (15, 20, "add P(X = k) = C(20, k) / 2**20 for k = 15 … 20"),
        "half right": (5, 10, "P(X >= 5), not P(X = 5): add every count from 5 up"),
        "one trial": (1, 1, "one guess is right half the time"),
    }
    for name, (correct, trials, hint) in cases.items():
        expected = binomial_tail(correct, trials)
        got = call_student(name, binomial_p_value, correct, trials, expected=round(expected, 6))
        try:
            value = float(got)
        except (TypeError, ValueError):
            fail(name, got, round(expected, 6), "return one probability")
        if abs(value - expected) > 1e-9:
            fail(name, round(value, 6), round(expected, 6), hint)
    return f"All {len(cases)} checks passed."


# ---------------------------------------------------------------------------- notebook 09
def check_top_p_filter(top_p_filter: Callable[[np.ndarray, float], np.ndarray]) -> str:
    """Check ``top_p_filter(probs, p)``: keep the smallest set of most likely tokens whose
    probabilities reach ``p``, zero the others, renormalise; compared with
    :func:`musicnb.sampling.adjust_probs` (``top_p``), the sampler's own filter."""
    from .sampling import adjust_probs

    cases: list[tuple[str, list[float], float, list[float]]] = [
        ("p = 1 keeps every token", [0.5, 0.3, 0.2], 1.0, [0.5, 0.3, 0.2]),
        ("a tiny p keeps only the favourite", [0.2, 0.7, 0.1], 0.01, [0, 1, 0]),
        ("the token that crosses p is kept", [0.5, 0.3, 0.2], 0.6, [0.625, 0.375, 0]),
        ("reaching p exactly stops there", [0.5, 0.3, 0.2], 0.8, [0.625, 0.375, 0]),
        ("order does not matter", [0.1, 0.3, 0.6], 0.7, [0, 1 / 3, 2 / 3]),
    ]
    for name, probs, p, expected in cases:
        got = call_student(name, top_p_filter, np.array(probs), p, expected=expected)
        got = _array(name, got, expected, "return an array of probabilities, one per token")
        if got.shape != (len(probs),) or not np.allclose(got, expected, atol=1e-6):
            fail(
                f"{name}: top_p_filter({probs}, {p})",
                np.round(got, 3).tolist(),
                np.round(expected, 3).tolist(),
                "sort most likely first, keep tokens until their sum reaches p, renormalise",
            )
        reference = adjust_probs(np.array(probs), top_p=p)
        if not np.allclose(got, reference, atol=1e-6):
            fail(
                name,
                np.round(got, 3).tolist(),
                np.round(reference, 3).tolist(),
                "your answer disagrees with musicnb's sampler",
            )
    return f"All {len(cases)} checks passed."


__all__ = [
    "check_notes_per_part",
    "check_part_ranges",
    "check_to_events",
    "check_make_windows",
    "check_model_like",
    "check_top_k_accuracy",
    "check_perplexity",
    "check_apply_temperature",
    "check_top_k_filter",
    "check_event_token",
    "check_weighted_two_head_loss",
    "check_articulate_from_play",
    "check_neighbourhood",
    "check_notes_to_batch",
    "check_ngram_overlap",
    "check_binomial_p_value",
    "check_top_p_filter",
    "ExerciseFailed",
    "REST",
    "HOLD",
]

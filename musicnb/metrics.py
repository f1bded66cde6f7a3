"""Evaluation: accuracies, perplexity and the honest baselines every model is compared with.

Sections: next-event metrics and baselines (notebooks 02-04); melody/harmony sampled accuracy
(notebook 05); polyphonic frame metrics (notebook 07).
"""

from __future__ import annotations

from collections.abc import Sequence  # noqa: E402

# ---------------------------------------------------------------- notebooks 02-04: next event
#
# A next-event model gives probabilities p(x_t = k | x_<t). On N test targets y_i:
#   top-k accuracy = (1/N) sum_i [y_i is among the k most probable classes]
#   cross-entropy  H = -(1/N) sum_i log p(y_i)      (nats; what training minimises)
#   perplexity     = exp(H): the model is "as unsure as a fair die with that many faces".
# A number means little alone, so every model sits beside three baselines fitted on the
# TRAINING split only: the most frequent event (a unigram model), "repeat the previous event"
# (strong on note-per-event data with repeated notes; weak on a 16th grid, where an onset is
# almost never followed by itself) and a bigram model p(x_t | x_{t-1}) —
# the n-gram yardstick of language modelling (Jurafsky & Martin, ch. 3).
from typing import Any

import numpy as np

from .checkers import check_perplexity as check_perplexity  # the old import path
from .checkers import check_top_k_accuracy as check_top_k_accuracy


def _next_event_arrays(probs: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Flatten probabilities ``(..., V)`` and integer targets ``(...)`` to ``(N, V)``, ``(N,)``.

    A sequence model's ``(N, T, V)`` output against many-to-one targets ``(N,)`` is scored at
    its last step (the step that predicts the token after the window)."""
    from .errors import MusicnbError

    probs = np.asarray(probs, dtype=np.float64)
    y = np.asarray(y)
    if y.dtype.kind not in "iu":
        raise MusicnbError(
            f"Targets must be integer tokens, got dtype {y.dtype}; pass the y of "
            "musicnb.windows(...), not one-hot vectors."
        )
    if probs.ndim == y.ndim + 2:
        probs = probs[:, -1]
    if probs.shape[:-1] != y.shape:
        raise MusicnbError(
            f"Probabilities of shape {probs.shape} do not match targets of shape "
            f"{y.shape}; expected probs.shape == y.shape + (vocab_size,)."
        )
    vocab = probs.shape[-1]
    y = y.reshape(-1).astype(np.int64)
    if y.size and (y.min() < 0 or y.max() >= vocab):
        raise MusicnbError(f"Targets must lie in 0..{vocab - 1} (the model's vocabulary).")
    return probs.reshape(-1, vocab), y


def top_k_accuracy(probs: Any, y: Any, k: int = 1) -> float:
    """Share of targets among the ``k`` most probable classes (ties count against the model:
    a class must beat the target strictly to push it out)."""
    probs, y = _next_event_arrays(probs, y)
    if len(y) == 0:
        return float("nan")
    target = probs[np.arange(len(y)), y]
    better = (probs > target[:, None]).sum(axis=1)
    return float(np.mean(better < k))


def cross_entropy(probs: Any, y: Any, eps: float = 1e-12) -> float:
    """Mean negative log-probability of the targets, in nats."""
    probs, y = _next_event_arrays(probs, y)
    if len(y) == 0:
        return float("nan")
    return float(-np.mean(np.log(np.clip(probs[np.arange(len(y)), y], eps, 1.0))))


def perplexity(probs: Any, y: Any) -> float:
    """``exp(cross-entropy)``: 1 is certainty, ``vocab_size`` is a uniform guess."""
    return float(np.exp(cross_entropy(probs, y)))


def next_event_scores(probs: Any, y: Any) -> dict[str, float]:
    """Top-1, top-5, cross-entropy and perplexity of one set of predictions."""
    h = cross_entropy(probs, y)
    return {
        "top1": top_k_accuracy(probs, y, 1),
        "top5": top_k_accuracy(probs, y, 5),
        "cross_entropy": h,
        "perplexity": float(np.exp(h)),
        "n": int(np.asarray(y).size),
    }


def evaluate_next_event(model: Any, X: Any, y: Any, batch_size: int = 512) -> dict[str, float]:
    """Score a Keras next-event model on test windows/chunks ``(X, y)`` (split by piece!)."""
    probs = model.predict(np.asarray(X), batch_size=batch_size, verbose=0)
    return next_event_scores(probs, y)


def _previous_tokens(X: Any, y: Any) -> np.ndarray:
    """The event just before each target: the window's last token (many-to-one) or the input
    token at the same step (sequence chunks, where ``Y`` is ``X`` shifted by one)."""
    X, y = np.asarray(X), np.asarray(y)
    return X[:, -1] if y.ndim == 1 else X


class NextEventBaseline:
    """A baseline fitted on training token sequences, predicting probabilities like a model.

    ``kind`` is ``"most_frequent"`` (unigram frequencies), ``"repeat_previous"`` (the previous
    event with the probability it repeats in training, the rest by frequency) or ``"bigram"``
    (``p(k | j) = (count(j, k) + alpha) / (count(j) + alpha V)``, additive smoothing).
    """

    NAMES = {
        "most_frequent": "most frequent event",
        "repeat_previous": "repeat the previous event",
        "bigram": "bigram (previous event)",
    }

    def __init__(self, kind: str, vocab_size: int, alpha: float = 0.1) -> None:
        from .errors import MusicnbError

        if kind not in self.NAMES:
            raise MusicnbError(f"Unknown baseline {kind!r}; choose one of {sorted(self.NAMES)}.")
        if int(vocab_size) != vocab_size or vocab_size < 2:
            raise MusicnbError(f"vocab_size must be a whole number >= 2, got {vocab_size!r}.")
        self.kind, self.vocab_size, self.alpha = kind, int(vocab_size), float(alpha)
        self.name = self.NAMES[kind]

    def fit(self, sequences: Sequence[Any]) -> NextEventBaseline:
        from .errors import MusicnbError

        V = self.vocab_size
        seqs = [np.asarray(s, dtype=np.int64).reshape(-1) for s in sequences]
        if isinstance(sequences, np.ndarray) and sequences.ndim == 1:
            seqs = [np.asarray(sequences, dtype=np.int64)]
        if not seqs or sum(len(s) for s in seqs) < 2:
            raise MusicnbError(
                "Baselines need training sequences with at least two tokens; pass "
                "the encoded TRAINING pieces (a list of token arrays)."
            )
        flat = np.concatenate(seqs)
        if flat.min() < 0 or flat.max() >= V:
            raise MusicnbError(f"Training tokens must lie in 0..{V - 1}.")
        self.unigram = (np.bincount(flat, minlength=V) + self.alpha) / (len(flat) + self.alpha * V)
        pairs = np.zeros((V, V))
        for s in seqs:
            np.add.at(pairs, (s[:-1], s[1:]), 1)
        self.bigram = (pairs + self.alpha) / (pairs.sum(1, keepdims=True) + self.alpha * V)
        n_pairs = pairs.sum()
        self.repeat_rate = float(np.trace(pairs) / n_pairs) if n_pairs else 0.5
        return self

    def predict_proba(self, X: Any, y: Any) -> np.ndarray:
        """Probabilities ``y.shape + (V,)`` for the targets of windows/chunks ``X``."""
        prev = np.clip(_previous_tokens(X, y).astype(np.int64), 0, self.vocab_size - 1)
        if self.kind == "most_frequent":
            return np.broadcast_to(self.unigram, prev.shape + (self.vocab_size,))
        if self.kind == "bigram":
            return self.bigram[prev]
        # repeat_previous: the previous event gets the training repeat rate (at least the
        # largest other share, so it always ranks first); others share the rest by frequency.
        rate = max(self.repeat_rate, 0.5)
        probs = np.broadcast_to(self.unigram, prev.shape + (self.vocab_size,)).copy()
        np.put_along_axis(probs, prev[..., None], 0.0, axis=-1)
        probs *= (1 - rate) / probs.sum(-1, keepdims=True)
        np.put_along_axis(probs, prev[..., None], rate, axis=-1)
        return probs

    def __repr__(self) -> str:
        return f"NextEventBaseline({self.kind!r}, vocab_size={self.vocab_size})"


def next_event_baselines(
    train_sequences: Sequence[Any], vocab_size: int, alpha: float = 0.1
) -> list[NextEventBaseline]:
    """The three baselines, fitted on the training split's token sequences."""
    return [
        NextEventBaseline(kind, vocab_size, alpha).fit(train_sequences)
        for kind in ("most_frequent", "repeat_previous", "bigram")
    ]


class NextEventTable:
    """Rows of scores (one per model or baseline) that render as a table in a notebook."""

    COLUMNS = (
        ("top1", "top-1 accuracy", "{:.1%}"),
        ("top5", "top-5 accuracy", "{:.1%}"),
        ("perplexity", "perplexity", "{:.2f}"),
        ("cross_entropy", "cross-entropy", "{:.3f}"),
    )

    def __init__(
        self, rows: list[dict[str, Any]], title: str = "Next-event scores on the test split"
    ) -> None:
        self.rows = rows
        self.title = title

    def __getitem__(self, name: str) -> dict[str, Any]:
        for row in self.rows:
            if row["name"] == name:
                return row
        raise KeyError(f"No row named {name!r}; rows: {[r['name'] for r in self.rows]}")

    @property
    def names(self) -> list[str]:
        return [row["name"] for row in self.rows]

    def best(self, column: str = "top1") -> dict[str, Any]:
        """The row with the highest ``column`` (the lowest for perplexity / cross-entropy)."""
        sign = -1 if column in ("perplexity", "cross_entropy") else 1
        scored = [row for row in self.rows if np.isfinite(row.get(column, np.nan))]
        return max(scored or self.rows, key=lambda row: sign * row[column])

    def to_dict(self) -> list[dict[str, Any]]:
        return [dict(row) for row in self.rows]

    @staticmethod
    def _cell(fmt: str, value: Any) -> str:
        return "—" if value is None or not np.isfinite(value) else fmt.format(value)

    def __repr__(self) -> str:
        width = max(len(r["name"]) for r in self.rows) if self.rows else 4
        lines = [self.title, f"{'':<{width}}  " + "  ".join(f"{h:>14}" for _, h, _ in self.COLUMNS)]
        for row in self.rows:
            cells = "  ".join(f"{self._cell(fmt, row[key]):>14}" for key, _, fmt in self.COLUMNS)
            lines.append(f"{row['name']:<{width}}  {cells}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        best = {key: self.best(key)["name"] for key, _, _ in self.COLUMNS} if self.rows else {}
        head = "".join(f"<th>{html.escape(h)}</th>" for _, h, _ in self.COLUMNS)
        body = []
        for row in self.rows:
            cells = "".join(
                f"<td>{'<b>' if best.get(key) == row['name'] else ''}{self._cell(fmt, row[key])}"
                f"{'</b>' if best.get(key) == row['name'] else ''}</td>"
                for key, _, fmt in self.COLUMNS
            )
            kind = "baseline" if row.get("baseline") else "model"
            body.append(
                f"<tr><td style='text-align:left'>{html.escape(row['name'])}</td>"
                f"<td>{kind}</td>{cells}</tr>"
            )
        return (
            f"<table><caption>{html.escape(self.title)} ({self.rows[0]['n'] if self.rows else 0:,} "
            f"targets; best in bold)</caption><tr><th>model</th><th></th>{head}</tr>"
            + "".join(body)
            + "</table>"
        )


def compare_next_event(
    models: dict[str, Any],
    X: Any,
    y: Any,
    train_sequences: Sequence[Any],
    vocab_size: int | None = None,
    batch_size: int = 512,
    extra: dict[str, dict[str, float]] | None = None,
) -> NextEventTable:
    """Score every model and the three baselines on the same test examples ``(X, y)``.

    ``models`` maps a display name to a Keras model (or to ready probabilities).
    ``extra`` adds rows that were measured elsewhere (e.g. a published figure)."""
    rows: list[dict[str, Any]] = []
    if vocab_size is None:
        first: Any = next(iter(models.values()), None)  # a Keras model (untyped) or an array
        vocab_size = int(first.output_shape[-1]) if hasattr(first, "output_shape") else None
    if vocab_size is None:
        from .errors import MusicnbError

        raise MusicnbError("Pass vocab_size (the encoder's vocab_size) to compare_next_event.")
    for baseline in next_event_baselines(train_sequences, vocab_size):
        rows.append(
            {
                "name": baseline.name,
                "baseline": True,
                **next_event_scores(baseline.predict_proba(X, y), y),
            }
        )
    for name, model in models.items():
        scores = (
            evaluate_next_event(model, X, y, batch_size)
            if hasattr(model, "predict")
            else next_event_scores(model, y)
        )
        rows.append({"name": name, "baseline": False, **scores})
    for name, scores in (extra or {}).items():
        rows.append(
            {
                "name": name,
                "baseline": False,
                "n": 0,
                **{k: float("nan") for k, _, _ in NextEventTable.COLUMNS},
                **scores,
            }
        )
    return NextEventTable(rows)


# ---------------------------------------------------------------- notebook 05: melody and harmony
#
# Two ways to score a softmax p against the true class y at each step:
#   argmax accuracy   mean[ argmax p == y ]
#   sampled accuracy  mean[ p[y] ]  — the chance that a class *sampled* from p is right.
# Sampled accuracy is how Yoav Zimmerman's Nottingham "music_rnn" reported 64.15 % melody and
# 91.57 % harmony. It is neither always below nor always above argmax accuracy: a step with
# p[y] = 0.4 and 0.6 on one other class scores argmax 0 but sampled 0.4; a step with p[y] = 0.6
# scores argmax 1 but sampled 0.6. On average sampling loses where the model is right but
# unsure and wins back where it is wrong but gives the truth some probability.
# "Overall" is Zimmerman's: the MEAN of the melody and harmony accuracies (his 77.84 % ≈
# (64.15 + 91.57) / 2). The stricter "both heads right at the same step" figure is reported
# under its own name, "joint": argmax = both right; sampled = mean[p_melody[y]·p_chord[y']].


def _flat_pairs(y_true, probs, mask=None):
    y = np.asarray(y_true).reshape(-1).astype(np.int64)
    p = np.asarray(probs, dtype=np.float64)
    p = p.reshape(-1, p.shape[-1])
    if len(y) != len(p):
        raise ValueError(f"{len(y)} targets but {len(p)} probability rows; shapes must match.")
    if mask is not None:
        keep = np.asarray(mask, bool).reshape(-1)
        y, p = y[keep], p[keep]
    return y, p


def argmax_accuracy(y_true, probs, mask=None) -> float:
    """Fraction of steps where the most probable class is the true one."""
    y, p = _flat_pairs(y_true, probs, mask)
    return float(np.mean(np.argmax(p, axis=-1) == y)) if len(y) else float("nan")


def sampled_accuracy(y_true, probs, mask=None) -> float:
    """Mean probability given to the true class (expected accuracy of sampling from ``probs``)."""
    y, p = _flat_pairs(y_true, probs, mask)
    return float(np.mean(p[np.arange(len(y)), y])) if len(y) else float("nan")


def melody_harmony_accuracies(
    melody_true, melody_probs, chord_true, chord_probs, mask=None
) -> dict[str, float]:
    """Melody / harmony / overall / joint × argmax / sampled.

    ``overall_*`` is the mean of the melody and harmony figures (Zimmerman's definition);
    ``joint_*`` asks for both heads at the same step (argmax: both right; sampled: the product
    of the two true-class probabilities). ``*_true`` are class arrays (any shape), ``*_probs``
    the matching softmax outputs with a last class axis; ``mask`` leaves padding out.
    """
    ym, pm = _flat_pairs(melody_true, melody_probs, mask)
    yc, pc = _flat_pairs(chord_true, chord_probs, mask)
    rows = np.arange(len(ym))
    right_m = np.argmax(pm, -1) == ym
    right_c = np.argmax(pc, -1) == yc
    out = {
        "melody_argmax": float(right_m.mean()),
        "harmony_argmax": float(right_c.mean()),
        "joint_argmax": float((right_m & right_c).mean()),
        "melody_sampled": float(pm[rows, ym].mean()),
        "harmony_sampled": float(pc[rows, yc].mean()),
        "joint_sampled": float((pm[rows, ym] * pc[rows, yc]).mean()),
    }
    for kind in ("argmax", "sampled"):
        out[f"overall_{kind}"] = (out[f"melody_{kind}"] + out[f"harmony_{kind}"]) / 2
    return out


def repeat_previous_accuracy(sequences) -> float:
    """Baseline: predict that each step repeats the one before (over all pieces' steps 1..n−1)."""
    hits = total = 0
    for seq in sequences:
        seq = np.asarray(seq).reshape(-1)
        hits += int(np.count_nonzero(seq[1:] == seq[:-1]))
        total += max(len(seq) - 1, 0)
    return hits / total if total else float("nan")


def bigram_table(sequences, n_classes: int, smoothing: float = 0.1) -> np.ndarray:
    """``P[a, b]`` = probability that class ``b`` follows ``a``, counted on ``sequences``
    (the training split) with add-``smoothing`` counts so no transition has probability 0."""
    counts = np.full((n_classes, n_classes), float(smoothing))
    for seq in sequences:
        seq = np.asarray(seq).reshape(-1).astype(np.int64)
        np.add.at(counts, (seq[:-1], seq[1:]), 1.0)
    return counts / counts.sum(axis=1, keepdims=True)


def bigram_predictions(table: np.ndarray, sequences) -> tuple[np.ndarray, np.ndarray]:
    """``(targets, probs)`` of the bigram model over steps 1..n−1 of every sequence."""
    ys, ps = [], []
    for seq in sequences:
        seq = np.asarray(seq).reshape(-1).astype(np.int64)
        if len(seq) > 1:
            ys.append(seq[1:])
            ps.append(table[seq[:-1]])
    if not ys:
        return np.zeros(0, np.int64), np.zeros((0, table.shape[1]))
    return np.concatenate(ys), np.concatenate(ps)


def melody_harmony_baselines(
    train_melody, train_chords, test_melody, test_chords, n_melody: int, n_chords: int
) -> dict[str, float]:
    """ "Repeat the previous step" and bigram figures per head, overall (mean of the heads) and
    joint (both heads right), on the test split.

    The bigram tables are counted on the training split. Repeating is deterministic, so its
    argmax and sampled figures are the same number (reported once as ``repeat_*``).
    """
    out: dict[str, float] = {
        "repeat_melody": repeat_previous_accuracy(test_melody),
        "repeat_harmony": repeat_previous_accuracy(test_chords),
    }
    both = total = 0
    for m, c in zip(test_melody, test_chords):
        m, c = np.asarray(m), np.asarray(c)
        both += int(np.count_nonzero((m[1:] == m[:-1]) & (c[1:] == c[:-1])))
        total += max(len(m) - 1, 0)
    out["repeat_joint"] = both / total if total else float("nan")
    out["repeat_overall"] = (out["repeat_melody"] + out["repeat_harmony"]) / 2
    ym, pm = bigram_predictions(bigram_table(train_melody, n_melody), test_melody)
    yc, pc = bigram_predictions(bigram_table(train_chords, n_chords), test_chords)
    figures = melody_harmony_accuracies(ym, pm, yc, pc)
    out.update({f"bigram_{k}": v for k, v in figures.items()})
    return out


# ---------------------------------------------------------------- notebook 07: polyphony
#
# The polyphonic benchmark convention (Boulanger-Lewandowski, Bengio & Vincent 2012, as used by
# Bai, Kolter & Koltun 2018, "An Empirical Evaluation of Generic Convolutional and Recurrent
# Networks for Sequence Modeling"): each frame is 88 bits, one per piano key (MIDI 21..108);
# the model gives P(key k sounds in frame t | frames < t). The score is the negative
# log-likelihood in nats per frame, summed over the 88 keys, the first frame of each piece not
# scored, pooled over all scored test frames (total NLL / number of scored frames):
#     NLL = −(1/F) Σ_pieces Σ_{t≥1} Σ_{k=21..108} [y log p + (1 − y) log(1 − p)]
# Frame accuracy (Bay, Ehmann & Downie 2009): with the model's guesses (p > 0.5) pooled over
# the same frames, ACC = TP / (TP + FP + FN).

PIANO_LOW, PIANO_HIGH = 21, 108


def piano_probabilities(probs: Any, low: int, floor: float = 1e-7) -> np.ndarray:
    """Place ``(T, N)`` play probabilities of notes ``low..low+N−1`` on the 88 piano keys.

    Keys outside the model's range get probability ``floor`` of sounding — the model cannot
    play them, so it predicts them off with certainty, clipped like every probability so that
    a note it cannot play costs −log(floor) nats (≈ 16.1) instead of infinity, and each silent
    key costs −log(1 − floor) ≈ 1e-7. Model notes outside the piano are dropped."""
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 2:
        from .errors import MusicnbError

        raise MusicnbError(f"play probabilities must be (frames, notes), got {probs.shape}.")
    out = np.full((len(probs), PIANO_HIGH - PIANO_LOW + 1), float(floor))
    for n in range(probs.shape[1]):
        key = int(low) + n - PIANO_LOW
        if 0 <= key < out.shape[1]:
            out[:, key] = probs[:, n]
    return out


def frames_to_piano(frames: Sequence[Sequence[int]]) -> np.ndarray:
    """``(T, 88)`` 0/1 matrix of frames given as tuples of MIDI pitches (the JSB pickle form)."""
    from .errors import MusicnbError

    out = np.zeros((len(frames), PIANO_HIGH - PIANO_LOW + 1), np.uint8)
    for t, frame in enumerate(frames):
        for pitch in frame:
            if not PIANO_LOW <= int(pitch) <= PIANO_HIGH:
                raise MusicnbError(
                    f"Frame {t} holds MIDI pitch {pitch}, outside the piano "
                    f"({PIANO_LOW}..{PIANO_HIGH})."
                )
            out[t, int(pitch) - PIANO_LOW] = 1
    return out


def _scored_pairs(probs_per_piece: Sequence[Any], truth_per_piece: Sequence[Any], skip_first: bool):
    from .errors import MusicnbError

    if len(probs_per_piece) != len(truth_per_piece):
        raise MusicnbError(
            f"{len(probs_per_piece)} probability arrays but "
            f"{len(truth_per_piece)} pieces; give one (frames, 88) pair per piece."
        )
    for p, y in zip(probs_per_piece, truth_per_piece):
        p, y = np.asarray(p, np.float64), np.asarray(y) > 0
        if p.shape != y.shape or p.ndim != 2:
            raise MusicnbError(
                f"probabilities {p.shape} and truth {y.shape} must both be "
                "(frames, keys) of the same shape."
            )
        start = 1 if skip_first else 0
        yield p[start:], y[start:]


def frame_nll(
    probs_per_piece: Sequence[Any],
    truth_per_piece: Sequence[Any],
    skip_first: bool = True,
    epsilon: float = 1e-7,
) -> dict[str, float]:
    """Pooled NLL in nats per frame (see the section comment): ``{"nll", "frames"}``.

    Pass ``(T, 88)`` arrays (use :func:`piano_probabilities` for a model with a narrower range)."""
    total, frames = 0.0, 0
    for p, y in _scored_pairs(probs_per_piece, truth_per_piece, skip_first):
        p = np.clip(p, epsilon, 1 - epsilon)
        total -= float(np.sum(np.where(y, np.log(p), np.log1p(-p))))
        frames += len(y)
    return {"nll": total / frames if frames else float("nan"), "frames": frames}


def frame_accuracy(
    probs_per_piece: Sequence[Any],
    truth_per_piece: Sequence[Any],
    threshold: float = 0.5,
    skip_first: bool = True,
) -> float:
    """TP / (TP + FP + FN) of ``p > threshold`` against the truth, pooled over all frames."""
    tp = fp = fn = 0
    for p, y in _scored_pairs(probs_per_piece, truth_per_piece, skip_first):
        guess = p > threshold
        tp += int(np.count_nonzero(guess & y))
        fp += int(np.count_nonzero(guess & ~y))
        fn += int(np.count_nonzero(~guess & y))
    return tp / (tp + fp + fn) if tp + fp + fn else float("nan")

"""Evaluating generated music: copying, spread over seeds, and blind listening tests.

Three questions a loss curve cannot answer (notebook 08):

1. **Is the model copying its training tunes?** :func:`ngram_overlap` is the share of the
   generated n-grams (runs of ``n`` consecutive tokens) that occur anywhere in the training
   sequences,

   .. math:: \\mathrm{overlap}_n = \\frac{|\\{i : g_{i..i+n-1} \\in \\mathcal{N}_n(\\text{train})\\}|}
             {\\#\\text{n-grams of } g},

   and :func:`longest_copy` the longest run of generated tokens found verbatim in one training
   tune (exact, with a suffix automaton of the training sequences: Blumer et al. 1985). Short
   n-grams are shared by any two tunes of a style (stock figures, scales); only long shared
   runs mean copying, so every figure is read beside the same figure for **held-out real
   tunes** of the same length (:func:`overlap_table`). This follows the copying checks of the
   symbolic-music literature (e.g. Huang et al. 2019, *Music Transformer*, and Yang & Lerch
   2020, *On the evaluation of generative models in music*).
2. **Is a difference between two models more than luck?** :func:`seed_spread` summarises one
   figure per training seed (mean, standard deviation, range); two models whose ranges over
   seeds overlap have not been told apart.
3. **Can a listener tell it from real music?** :class:`ListeningTest` builds a blind
   two-alternative forced-choice test: each trial plays a generated continuation and the real
   one, cut to the same length and in random order; :meth:`ListeningTest.score` counts how
   often listeners picked the real one, with the exact one-sided binomial p-value against
   guessing (p = 1/2).

:class:`NgramModel` is a reference generator for these checks: an order-``k`` Markov chain
over tokens that, for large ``k``, can only recombine (and mostly copies) the training tunes.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import MusicnbError

Tokens = Sequence[int] | np.ndarray


def _rows(sequences: Any) -> list[np.ndarray]:
    """A 1-D token array, a 2-D ``(streams, length)`` array or a list of arrays -> rows."""
    if isinstance(sequences, np.ndarray):
        if sequences.ndim == 1:
            return [sequences.astype(np.int64)]
        if sequences.ndim == 2:
            return [row.astype(np.int64) for row in sequences]
        raise MusicnbError(f"Token arrays must be 1-D or 2-D, got shape {sequences.shape}.")
    rows = [np.asarray(s, dtype=np.int64).reshape(-1) for s in sequences]
    if (
        rows
        and all(r.ndim == 1 and r.size == 1 for r in rows)
        and not isinstance(sequences[0], (list, tuple, np.ndarray))
    ):
        return [np.concatenate(rows)]  # a flat list of ints is one sequence
    return rows


def _check_n(n: int) -> int:
    if int(n) != n or n < 1:
        raise MusicnbError(f"n must be a whole number >= 1, got {n!r}.")
    return int(n)


# ---------------------------------------------------------------------------- copying
def ngram_set(sequences: Any, n: int) -> set[bytes]:
    """Every n-gram of ``sequences`` (no n-gram crosses from one sequence into the next), as
    the bytes of its int64 tokens (hashable and fast)."""
    n = _check_n(n)
    grams: set[bytes] = set()
    for row in _rows(sequences):
        if len(row) >= n:
            view = np.lib.stride_tricks.sliding_window_view(np.ascontiguousarray(row), n)
            grams.update(r.tobytes() for r in view)
    return grams


def ngram_overlap(
    generated: Any, training: Any, n: int, training_grams: set[bytes] | None = None
) -> float:
    """Share of the n-grams of ``generated`` found anywhere in ``training`` (0 to 1).

    ``nan`` when ``generated`` is shorter than ``n``. Pass ``training_grams`` (from
    :func:`ngram_set`) to reuse the training index across calls."""
    n = _check_n(n)
    grams = ngram_set(training, n) if training_grams is None else training_grams
    found = total = 0
    for row in _rows(generated):
        if len(row) < n:
            continue
        view = np.lib.stride_tricks.sliding_window_view(np.ascontiguousarray(row), n)
        total += len(view)
        found += sum(r.tobytes() in grams for r in view)
    return found / total if total else float("nan")


class _SuffixAutomaton:
    """Suffix automaton of a token sequence (Blumer et al. 1985): every substring of the text
    is a path from the root; built in O(len) states. Used for the longest common run."""

    def __init__(self, text: Sequence[int]) -> None:
        self.next: list[dict[int, int]] = [{}]
        self.link = [-1]
        self.length = [0]
        self.end = [-1]  # an end position (in text) of the state's strings
        last = 0
        for position, token in enumerate(text):
            token = int(token)
            current = len(self.length)
            self.next.append({})
            self.link.append(-1)
            self.length.append(self.length[last] + 1)
            self.end.append(position)
            p = last
            while p != -1 and token not in self.next[p]:
                self.next[p][token] = current
                p = self.link[p]
            if p == -1:
                self.link[current] = 0
            else:
                q = self.next[p][token]
                if self.length[p] + 1 == self.length[q]:
                    self.link[current] = q
                else:
                    clone = len(self.length)
                    self.next.append(dict(self.next[q]))
                    self.link.append(self.link[q])
                    self.length.append(self.length[p] + 1)
                    self.end.append(self.end[q])
                    while p != -1 and self.next[p].get(token) == q:
                        self.next[p][token] = clone
                        p = self.link[p]
                    self.link[q] = self.link[current] = clone
            last = current

    def longest_common(self, pattern: Tokens) -> tuple[int, int, int]:
        """``(length, start in pattern, end position in text)`` of the longest run of
        ``pattern`` that occurs in the text."""
        state, length, best = 0, 0, (0, 0, -1)
        for i, token in enumerate(pattern):
            token = int(token)
            while state and token not in self.next[state]:
                state = self.link[state]
                length = self.length[state]
            if token in self.next[state]:
                state = self.next[state][token]
                length += 1
            if length > best[0]:
                best = (length, i - length + 1, self.end[state])
        return best


@dataclass(frozen=True)
class Copy:
    """The longest run of a generated sequence found verbatim in a training sequence."""

    length: int  # tokens (grid steps)
    generated_start: int  # where the run starts in the generated sequence
    training_index: int  # which training sequence (-1 when length is 0)
    training_start: int  # where the run starts in it

    def __str__(self) -> str:
        if not self.length:
            return "no token of it occurs in training"
        return (
            f"{self.length} steps copied from training sequence {self.training_index} "
            f"(its steps {self.training_start}-{self.training_start + self.length - 1})"
        )


class TrainingIndex:
    """The training sequences, indexed once for :meth:`longest_copy` and n-gram overlap."""

    SEPARATOR = -1  # between sequences: never a token, so no run crosses two tunes

    def __init__(self, training: Any) -> None:
        self.sequences = _rows(training)
        if not self.sequences or not any(len(s) for s in self.sequences):
            raise MusicnbError(
                "The training set is empty; pass the token sequences the model "
                "was trained on (e.g. encoder.encode_many(split.train)[0])."
            )
        text: list[int] = []
        self._starts: list[int] = []
        for row in self.sequences:
            self._starts.append(len(text))
            text.extend(int(t) for t in row)
            text.append(self.SEPARATOR)
        self._automaton = _SuffixAutomaton(text)
        self._grams: dict[int, set[bytes]] = {}

    def grams(self, n: int) -> set[bytes]:
        if n not in self._grams:
            self._grams[n] = ngram_set(self.sequences, n)
        return self._grams[n]

    def overlap(self, generated: Any, n: int) -> float:
        """:func:`ngram_overlap` against this index."""
        return ngram_overlap(generated, None, n, training_grams=self.grams(_check_n(n)))

    def longest_copy(self, generated: Tokens) -> Copy:
        """The longest run of ``generated`` (one sequence) that occurs in one training tune."""
        row = np.asarray(generated, dtype=np.int64).reshape(-1)
        length, start, end = self._automaton.longest_common(row)
        if not length:
            return Copy(0, 0, -1, 0)
        first = end - length + 1
        index = int(np.searchsorted(self._starts, first, side="right") - 1)
        return Copy(int(length), int(start), index, int(first - self._starts[index]))


def longest_copy(generated: Tokens, training: Any) -> Copy:
    """The longest run of ``generated`` found verbatim in one of the ``training`` sequences
    (builds a :class:`TrainingIndex`; keep one to check many sequences)."""
    return TrainingIndex(training).longest_copy(generated)


@dataclass
class OverlapTable:
    """N-gram overlap and longest copy of several sets of sequences against one training set."""

    ns: tuple[int, ...]
    rows: dict[str, dict[str, float]]  # name -> {"overlap n": share, "longest copy": steps}
    steps_per_bar: int = 16

    def columns(self) -> list[str]:
        return [f"{n}-gram overlap" for n in self.ns] + ["longest copy (steps)", "(bars)"]

    def _cells(self, name: str) -> list[str]:
        row = self.rows[name]
        cells = [
            ("–" if math.isnan(row[f"{n}-gram overlap"]) else f"{row[f'{n}-gram overlap']:.0%}")
            for n in self.ns
        ]
        cells.append(f"{row['longest copy']:.0f}")
        cells.append(f"{row['longest copy'] / self.steps_per_bar:.1f}")
        return cells

    def __str__(self) -> str:
        width = max(len(k) for k in self.rows) + 2
        header = " " * width + "  ".join(f"{c:>14}" for c in self.columns())
        lines = [header] + [
            f"{name:<{width}}" + "  ".join(f"{c:>14}" for c in self._cells(name))
            for name in self.rows
        ]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{c}</th>" for c in ["", *self.columns()])
        body = "".join(
            "<tr><th style='text-align:left'>"
            + name
            + "</th>"
            + "".join(f"<td>{c}</td>" for c in self._cells(name))
            + "</tr>"
            for name in self.rows
        )
        return (
            f"<table><caption>Share of n-grams found in the training set, and the longest "
            f"run copied from one training tune (a bar = {self.steps_per_bar} steps)"
            f"</caption><tr>{head}</tr>{body}</table>"
        )


def overlap_table(
    candidates: Mapping[str, Any],
    training: Any | TrainingIndex,
    ns: Sequence[int] = (4, 8, 16, 32),
    steps_per_bar: int = 16,
) -> OverlapTable:
    """One row per named set of sequences (generated streams, held-out real tunes, …):
    overlap for each ``n`` and the mean longest copy per sequence, in steps.

    Always include held-out real tunes cut to the generated length as a row: they show how much
    overlap *new* music of the same style has without any copying."""
    index = training if isinstance(training, TrainingIndex) else TrainingIndex(training)
    ns = tuple(_check_n(n) for n in ns)
    rows = {}
    for name, sequences in candidates.items():
        seqs = _rows(sequences)
        row = {f"{n}-gram overlap": index.overlap(seqs, n) for n in ns}
        row["longest copy"] = float(np.mean([index.longest_copy(s).length for s in seqs]))
        rows[name] = row
    return OverlapTable(ns, rows, steps_per_bar)


def excerpts(sequences: Any, length: int, count: int, seed: int = 0) -> list[np.ndarray]:
    """``count`` excerpts of ``length`` tokens, each from a random place of a random sequence
    long enough (seeded): the real-music reference rows of :func:`overlap_table`."""
    rows = [r for r in _rows(sequences) if len(r) >= length]
    if not rows:
        raise MusicnbError(f"No sequence has {length} tokens; use a shorter length.")
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        row = rows[rng.integers(len(rows))]
        start = int(rng.integers(len(row) - length + 1))
        out.append(row[start : start + length])
    return out


# ---------------------------------------------------------------------------- a copying reference
class NgramModel:
    """An order-``k`` Markov chain over tokens: the next token is drawn from what followed the
    last ``k`` tokens in the training sequences, backing off to a shorter context (``k/2``,
    ``k/4``, …, 1, then none) when a context was never seen. The larger ``k``, the more it
    replays training tunes verbatim. Only those halving orders are counted, so memory stays
    about ``log2(k) + 2`` entries per training token."""

    def __init__(self, training: Any, order: int) -> None:
        self.order = _check_n(order)
        orders = {0}
        k = self.order
        while k >= 1:
            orders.add(k)
            k //= 2
        self.orders = sorted(orders, reverse=True)
        self.counts: dict[int, dict[tuple[int, ...], Counter]] = {
            k: defaultdict(Counter) for k in self.orders
        }
        for row in _rows(training):
            tokens = [int(t) for t in row]
            for i, token in enumerate(tokens):
                for k in self.orders:
                    if i - k >= 0:
                        self.counts[k][tuple(tokens[i - k : i])][token] += 1
        if not self.counts[0][()]:
            raise MusicnbError("The training set is empty.")

    def generate(self, primer: Tokens, length: int, seed: int = 0) -> np.ndarray:
        """``length`` tokens after ``primer`` (not included), seeded."""
        rng = np.random.default_rng(seed)
        history = [int(t) for t in np.asarray(primer).reshape(-1)]
        out = []
        for _ in range(int(length)):
            followers = None
            for k in self.orders:
                if k <= len(history):
                    followers = self.counts[k].get(tuple(history[len(history) - k :]))
                    if followers:
                        break
            assert followers is not None  # order 0 (the empty context) always has followers
            tokens, weights = zip(*followers.items())
            p = np.asarray(weights, dtype=np.float64)
            token = int(tokens[rng.choice(len(tokens), p=p / p.sum())])
            history.append(token)
            out.append(token)
        return np.asarray(out, dtype=np.int32)


# ---------------------------------------------------------------------------- seeds
@dataclass
class SeedSpread:
    """One row per (model, figure): mean, standard deviation and range over the seeds."""

    values: dict[str, dict[str, list[float]]]  # model -> figure -> one value per seed
    seeds: dict[str, list[Any]]

    def summary(self, model: str, figure: str) -> dict[str, float]:
        v = np.asarray(self.values[model][figure], dtype=np.float64)
        return {
            "mean": float(v.mean()),
            "sd": float(v.std(ddof=1)) if len(v) > 1 else 0.0,
            "min": float(v.min()),
            "max": float(v.max()),
            "seeds": len(v),
        }

    def figures(self) -> list[str]:
        out: list[str] = []
        for per_model in self.values.values():
            out += [f for f in per_model if f not in out]
        return out

    def separated(self, figure: str, a: str, b: str) -> bool:
        """True when the ranges over seeds of models ``a`` and ``b`` do not overlap."""
        x, y = self.summary(a, figure), self.summary(b, figure)
        return x["max"] < y["min"] or y["max"] < x["min"]

    def _rows(self) -> list[list[str]]:
        rows = []
        for figure in self.figures():
            for model in self.values:
                if figure in self.values[model]:
                    s = self.summary(model, figure)
                    rows.append(
                        [
                            figure,
                            model,
                            f"{s['mean']:.3f}",
                            f"{s['sd']:.3f}",
                            f"{s['min']:.3f} – {s['max']:.3f}",
                            str(s["seeds"]),
                        ]
                    )
        return rows

    _HEADER = ["figure", "model", "mean", "sd", "range over seeds", "seeds"]

    def __str__(self) -> str:
        rows = [self._HEADER] + self._rows()
        widths = [max(len(r[i]) for r in rows) for i in range(len(self._HEADER))]
        return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{c}</th>" for c in self._HEADER)
        body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in self._rows())
        return (
            f"<table><caption>Spread over seeds (sd: sample standard deviation)</caption>"
            f"<tr>{head}</tr>{body}</table>"
        )


def seed_spread(results: Mapping[str, Mapping[Any, Mapping[str, float]]]) -> SeedSpread:
    """``{model: {seed: {figure: value}}}`` -> :class:`SeedSpread`. Every seed of a model must
    report the same figures."""
    values: dict[str, dict[str, list[float]]] = {}
    seeds: dict[str, list[Any]] = {}
    for model, per_seed in results.items():
        if not per_seed:
            raise MusicnbError(f"Model {model!r} has no seeds; run it with at least one.")
        figures = None
        values[model], seeds[model] = {}, list(per_seed)
        for seed, figures_of_seed in per_seed.items():
            if figures is None:
                figures = list(figures_of_seed)
            elif set(figures_of_seed) != set(figures):
                raise MusicnbError(
                    f"Model {model!r}: seed {seed!r} reports "
                    f"{sorted(figures_of_seed)}, the first seed {sorted(figures)}; "
                    "report the same figures for every seed."
                )
            for figure, value in figures_of_seed.items():
                values[model].setdefault(figure, []).append(float(value))
    return SeedSpread(values, seeds)


# ---------------------------------------------------------------------------- listening test
def binomial_tail(correct: int, trials: int, p: float = 0.5) -> float:
    """``P(X >= correct)`` for ``X ~ Binomial(trials, p)``: the one-sided p-value of getting at
    least ``correct`` right by guessing."""
    if not 0 <= correct <= trials:
        raise MusicnbError(f"correct must be between 0 and trials ({trials}), got {correct}.")
    return float(
        sum(
            math.comb(trials, k) * p**k * (1 - p) ** (trials - k)
            for k in range(correct, trials + 1)
        )
    )


def critical_count(trials: int, alpha: float = 0.05) -> int:
    """The fewest correct answers out of ``trials`` that guessing reaches with probability at
    most ``alpha`` (``trials + 1`` when no count is enough)."""
    for k in range(trials + 1):
        if binomial_tail(k, trials) <= alpha:
            return k
    return trials + 1


@dataclass
class Trial:
    number: int
    a: Any  # what plays as A (a Piece)
    b: Any
    real_is: str = field(repr=False, default="A")  # the answer key: "A" or "B"


@dataclass
class ListeningResult:
    trials: int
    correct: int
    p_value: float

    @property
    def share(self) -> float:
        return self.correct / self.trials if self.trials else float("nan")

    def __str__(self) -> str:
        return (
            f"{self.correct} of {self.trials} trials picked the real continuation "
            f"({self.share:.0%}); guessing does at least as well with probability "
            f"{self.p_value:.3f}"
        )


class ListeningTest:
    """A blind two-alternative forced-choice test: in each trial, which is the real music?

    ``generated`` and ``real`` are lists of pieces, paired in order (trial ``i`` plays
    ``generated[i]`` against ``real[i]``), e.g. a model's continuation of a test tune's
    opening and that tune's own continuation. Both are cut to ``quarters`` quarter notes (the
    shorter of the two when not given) so that length never gives the answer away; which side
    is A is drawn at random per trial (seeded). The answer key stays in the object; show the
    trials with :meth:`players` and score the listeners' sheet with :meth:`score`.
    """

    def __init__(
        self,
        generated: Sequence[Any],
        real: Sequence[Any],
        quarters: float | None = None,
        seed: int = 0,
    ) -> None:
        if len(generated) != len(real) or not generated:
            raise MusicnbError(
                f"Give as many generated pieces as real ones (got "
                f"{len(generated)} and {len(real)}), at least one of each."
            )
        rng = np.random.default_rng(seed)
        self.trials: list[Trial] = []
        for number, (g, r) in enumerate(zip(generated, real), start=1):
            length = quarters if quarters is not None else min(g.end, r.end)
            g, r = g.slice(0, length), r.slice(0, length)
            real_first = bool(rng.random() < 0.5)
            a, b = (r, g) if real_first else (g, r)
            self.trials.append(Trial(number, a, b, "A" if real_first else "B"))

    def answer_key(self) -> dict[int, str]:
        """Trial number -> "A" or "B", the side that is real (reveal after the test)."""
        return {t.number: t.real_is for t in self.trials}

    def players(self) -> Any:
        """An HTML block with an A and a B audio player per trial (needs IPython). Both sides
        of a trial are rendered with the same synthesiser and padded with silence to the same
        number of samples, so the players' durations are equal."""
        import base64

        from IPython.display import HTML

        rows = []
        for trial in self.trials:
            a, b = self.audio(trial)
            cells = []
            for side, samples in (("A", a), ("B", b)):
                data = base64.b64encode(self._wav(samples)).decode("ascii")
                cells.append(
                    f"<td>{side} <audio controls src='data:audio/wav;base64,{data}'></audio></td>"
                )
            rows.append(f"<tr><th>trial {trial.number}</th>{''.join(cells)}</tr>")
        return HTML(f"<table>{''.join(rows)}</table>")

    @staticmethod
    def audio(trial: Trial) -> tuple[np.ndarray, np.ndarray]:
        """The samples of sides A and B of a trial, padded to the same length."""
        from . import audio

        a, b = audio.render(trial.a), audio.render(trial.b)
        size = max(len(a), len(b))

        def pad(x):
            return np.concatenate([x, np.zeros((size - len(x),) + x.shape[1:], x.dtype)])

        return pad(a), pad(b)

    @staticmethod
    def _wav(samples: np.ndarray) -> bytes:
        from . import audio

        return audio.to_wav_bytes(samples, audio.SAMPLE_RATE)

    def score(self, answers: Mapping[int, str]) -> ListeningResult:
        """Score a sheet ``{trial number: "A" or "B"}`` (the side the listener thinks is
        real); every trial must be answered."""
        key = self.answer_key()
        missing = sorted(set(key) - set(answers))
        if missing:
            raise MusicnbError(
                f"Trials {missing} have no answer; a forced-choice test scores "
                "every trial (a listener who cannot tell guesses)."
            )
        bad = {n: a for n, a in answers.items() if str(a).upper() not in ("A", "B")}
        if bad:
            raise MusicnbError(f"Answers must be 'A' or 'B', got {bad}.")
        correct = sum(str(answers[n]).upper() == key[n] for n in key)
        return ListeningResult(len(key), correct, binomial_tail(correct, len(key)))


__all__ = [
    "ngram_set",
    "ngram_overlap",
    "longest_copy",
    "TrainingIndex",
    "Copy",
    "overlap_table",
    "OverlapTable",
    "excerpts",
    "NgramModel",
    "seed_spread",
    "SeedSpread",
    "binomial_tail",
    "critical_count",
    "ListeningTest",
    "ListeningResult",
    "Trial",
]

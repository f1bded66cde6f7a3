"""What the reproductions share: the study record, a timed ``fit`` and the baseline rows."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..metrics import next_event_baselines, next_event_scores


@dataclass
class Study:
    """One reproduction's result: its table ``rows`` (models and baselines), ``counts`` of the
    data (files kept, rejected, duplicates, the leak figures), the ``settings`` it ran with, the
    ``minutes`` it took and ``notes`` printed under the table."""

    rows: list[dict[str, Any]]
    counts: Mapping[str, Any]
    settings: dict[str, Any]
    minutes: float = 0.0
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join([format_rows(self.rows), *self.notes])

    def to_json(self) -> dict[str, Any]:
        """What ``bench/`` writes: rows, counts, settings and minutes."""
        return {
            "rows": self.rows,
            "counts": dict(self.counts),
            "settings": self.settings,
            "minutes": self.minutes,
        }

    def report(self, out: str | Path) -> None:
        """Print the table and the time, and write :meth:`to_json` to ``out`` atomically."""
        from ..atomic import write_json

        print(self)
        print(f"total {self.minutes:.1f} min (2-core CPU shared with other jobs)")
        write_json(out, self.to_json())


def timed_fit(
    model: Any,
    X: np.ndarray,
    y: np.ndarray,
    epochs: int,
    batch_size: int,
    seed: int = 0,
    **fit_kwargs: Any,
) -> dict[str, Any]:
    """``model.fit`` for ``epochs`` epochs (shuffled, seeded); returns epochs, minutes and the
    last training loss / accuracy (and the Keras history)."""
    import keras

    keras.utils.set_random_seed(seed)
    began = time.perf_counter()
    history = model.fit(
        X, y, epochs=epochs, batch_size=batch_size, shuffle=True, verbose=0, **fit_kwargs
    )
    minutes = (time.perf_counter() - began) / 60
    hist = {k: [float(v) for v in vals] for k, vals in history.history.items()}
    return {"epochs": epochs, "minutes": round(minutes, 2), "history": hist}


def model_row(name: str, model: Any, X: np.ndarray, y: np.ndarray, **info: Any) -> dict[str, Any]:
    probs = model.predict(X, batch_size=1024, verbose=0)
    return {"name": name, "baseline": False, **next_event_scores(probs, y), **info}


def baseline_rows(
    train_sequences: Sequence[Any], vocab_size: int, X: np.ndarray, y: np.ndarray, suffix: str = ""
) -> list[dict[str, Any]]:
    return [
        {"name": b.name + suffix, "baseline": True, **next_event_scores(b.predict_proba(X, y), y)}
        for b in next_event_baselines(train_sequences, vocab_size)
    ]


def format_rows(rows: Sequence[dict[str, Any]]) -> str:
    """A plain-text table: name, top-1, top-5, perplexity, targets, epochs, minutes."""
    width = max(len(r["name"]) for r in rows)
    lines = [
        f"{'':<{width}}  {'top-1':>7} {'top-5':>7} {'perpl.':>8} {'targets':>8} "
        f"{'epochs':>6} {'min':>5}"
    ]
    for r in rows:
        epochs = r.get("epochs", "")
        minutes = r.get("minutes", "")
        lines.append(
            f"{r['name']:<{width}}  {r['top1']:>7.1%} {r['top5']:>7.1%} "
            f"{r['perplexity']:>8.2f} {r['n']:>8} {epochs!s:>6} {minutes!s:>5}"
        )
    return "\n".join(lines)

"""The old import path of the checkers of notebooks 02–07 and 09: they all live in
:mod:`musicnb.checkers` now, with every other exercise checker of the course, and report in the
one failure shape (:class:`~musicnb.exercises.ExerciseFailed`). ``from musicnb.model_exercises
import check_model_like`` keeps working for notebooks saved before the move."""

from __future__ import annotations

from .checkers import (
    check_apply_temperature,
    check_articulate_from_play,
    check_event_token,
    check_model_like,
    check_neighbourhood,
    check_notes_to_batch,
    check_perplexity,
    check_theory_aware_loss,
    check_top_k_accuracy,
    check_top_k_filter,
    check_weighted_two_head_loss,
)

__all__ = [
    "check_apply_temperature",
    "check_articulate_from_play",
    "check_event_token",
    "check_model_like",
    "check_neighbourhood",
    "check_notes_to_batch",
    "check_perplexity",
    "check_theory_aware_loss",
    "check_top_k_accuracy",
    "check_top_k_filter",
    "check_weighted_two_head_loss",
]

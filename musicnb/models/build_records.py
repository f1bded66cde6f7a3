"""How each model of the course was built: the builder's name and its parameters.

:func:`musicnb.train` writes this record into ``run.json`` (``"builder"`` and ``"params"``), and
:func:`musicnb.models.melody_harmony.train_carrying_state` rebuilds a stateful twin from it.

The records live in a module-level :class:`weakref.WeakKeyDictionary` keyed by the model
object, not in an attribute of the Keras model: nothing is set on Keras objects (Keras tracks
the attributes of a model, and an unknown one could change what it saves or how it compares),
and a record goes away with its model. A model loaded from a ``.keras`` file has no record (its
run folder's ``run.json`` has it), exactly as before.
"""

from __future__ import annotations

import weakref
from typing import Any

__all__ = ["register_build", "build_record", "rename_build"]

#: model -> {"builder": name, "params": {...}}; an entry disappears with its model.
_RECORDS: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


def register_build(model: Any, builder: str, params: dict[str, Any]) -> Any:
    """Remember that ``model`` came from ``builder(**params)``; returns ``model``."""
    _RECORDS[model] = {"builder": str(builder), "params": dict(params)}
    return model


def rename_build(model: Any, builder: str, **extra_params: Any) -> Any:
    """Record ``model`` under another builder name (a builder that wraps another one, such as
    ``stacked_lstm`` over ``onehot_lstm``), adding ``extra_params``; returns ``model``."""
    record = build_record(model)
    return register_build(model, builder, {**record.get("params", {}), **extra_params})


def build_record(model: Any) -> dict[str, Any]:
    """How ``model`` was built: ``{"builder": name, "params": {...}}``, or an empty dict for a
    model no builder of the course made (or one loaded from a file)."""
    try:
        record = _RECORDS.get(model)
    except TypeError:  # not weak-referenceable: no builder of ours made it
        return {}
    return {} if record is None else dict(record)

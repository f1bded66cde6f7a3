"""What every encoder shares: saving beside a model, loading back, comparing.

An encoder is fully described by its ``to_config()`` dict (settings plus any vocabulary learnt
from the training split); ``from_config`` rebuilds it. :class:`SavedAsConfig` turns that pair
into ``save(path)`` (JSON, written atomically), ``Encoder.load(path)`` (which refuses a file
that holds another kind of encoder) and ``==`` (same kind, same config).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from ..errors import MusicnbError

E = TypeVar("E", bound="SavedAsConfig")


class SavedAsConfig:
    """Mixin for encoders with ``to_config()`` / ``from_config()``."""

    type_name: str = ""

    def to_config(self) -> dict[str, Any]:  # pragma: no cover - every encoder overrides it
        raise NotImplementedError

    def _check_savable(self) -> None:
        """Raise a :class:`MusicnbError` when the encoder cannot be saved yet (not fitted)."""

    def save(self, path: str | Path) -> Path:
        """Write the settings (and any vocabulary) as JSON, atomically; returns the path."""
        from . import save_config

        self._check_savable()
        return save_config(self.to_config(), path)

    @classmethod
    def load(cls: type[E], path: str | Path) -> E:
        """Read an encoder written by :meth:`save` (any kind, via :func:`load_encoder`) and check
        that it is one of this class."""
        from . import load_encoder

        encoder = load_encoder(path)
        if not isinstance(encoder, cls):
            raise MusicnbError(
                f"{path} holds a {type(encoder).__name__}, not the {cls.__name__} asked for; "
                f"load it with musicnb.encoders.load_encoder({str(path)!r})."
            )
        return encoder

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.to_config() == other.to_config()

    __hash__ = None  # type: ignore[assignment]  # mutable settings: not hashable

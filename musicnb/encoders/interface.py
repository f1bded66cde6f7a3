"""What the rest of the package needs of an encoder, as typing Protocols.

Training saves the encoder beside the model, the studio and the samplers decode what a model
writes, and diagnostics read tokens back as notes; none of them cares which representation it
is. :class:`Encoder` is that common shape (every class of :mod:`musicnb.encoders` has it), and
:class:`TokenEncoder` adds the ``vocab_size`` of the encoders whose output is one class per
step, and :class:`RepairingTokenEncoder` the repair count the studio shows. All are
``runtime_checkable``, so ``isinstance(x, Encoder)`` is a cheap duck-type check
of the method names (not of their signatures).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Encoder(Protocol):
    """A representation: ``encode(piece)`` to arrays, ``decode(arrays, **options)`` back to music
    (options such as ``tempo`` and ``title`` where the representation takes them), and a JSON
    config saved beside a model (:func:`musicnb.encoders.load_encoder` reads it back)."""

    def encode(self, piece: Any, /) -> Any: ...

    def decode(self, *encoded: Any, **options: Any) -> Any: ...

    def to_config(self) -> dict[str, Any]: ...

    def save(self, path: str | Path) -> Path: ...


@runtime_checkable
class TokenEncoder(Encoder, Protocol):
    """An :class:`Encoder` whose arrays hold one class id per step, ``0 .. vocab_size - 1``."""

    @property
    def vocab_size(self) -> int: ...


@runtime_checkable
class RepairingTokenEncoder(TokenEncoder, Protocol):
    """A :class:`TokenEncoder` that also says how many tokens it had to repair when decoding
    (a hold with no note to hold, an id outside the vocabulary): what the studio reports as
    "N repaired tokens"."""

    def decode_with_repairs(self, *tokens: Any, **options: Any) -> tuple[Any, int]: ...

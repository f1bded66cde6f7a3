"""Every encoder of the package has the shape training, the studio and diagnostics rely on."""

from __future__ import annotations

import pytest

from musicnb import encoders
from musicnb.encoders import Encoder, TokenEncoder

TOKEN_ENCODERS = ("EventEncoder", "NoteChordTokenEncoder", "MidiRnnEncoder", "CS230TokenEncoder")
OTHER_ENCODERS = ("MelodyHarmonyEncoder", "NoteEventEncoder", "PianoRollEncoder")


@pytest.mark.parametrize("name", TOKEN_ENCODERS + OTHER_ENCODERS)
def test_every_encoder_class_has_the_encoder_shape(name):
    cls = getattr(encoders, name)
    for method in ("encode", "decode", "to_config", "save"):
        assert callable(getattr(cls, method, None)), f"{name} has no {method}()"
    assert issubclass(cls, Encoder)


@pytest.mark.parametrize("name", TOKEN_ENCODERS)
def test_token_encoders_say_how_many_classes(name):
    assert isinstance(getattr(getattr(encoders, name), "vocab_size", None), property)


def test_the_protocol_refuses_what_is_not_an_encoder():
    class OnlyEncodes:
        def encode(self, piece):
            return piece

    assert not isinstance(OnlyEncodes(), Encoder)
    assert isinstance(encoders.EventEncoder(), TokenEncoder)
    assert not isinstance(encoders.NoteEventEncoder(), TokenEncoder)

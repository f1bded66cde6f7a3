"""The one exception type the course raises on purpose.

Every error a student can cause (a missing folder, a corrupt MIDI file, a wrong parameter)
is a :class:`MusicnbError` whose message says what was wrong *and what to do about it*.
It subclasses :class:`ValueError` so code that already catches ``ValueError`` keeps working.
"""

from __future__ import annotations


class MusicnbError(ValueError):
    """A problem with the student's input or environment, explained in plain words."""


class CheckpointError(MusicnbError):
    """A saved model (a ``.keras`` checkpoint) that exists but cannot be loaded: damaged,
    truncated, or not written by Keras 3. ``__cause__`` holds what Keras raised."""


class DrumOnlyError(MusicnbError):
    """A MIDI file whose only notes are on the drum channel (10): :func:`musicnb.midi.read`
    raises it unless ``drums=True``. ``drum_notes`` is how many there are, so a caller can say
    it in its own words without reading the file again."""

    def __init__(self, message: str, drum_notes: int) -> None:
        super().__init__(message)
        self.drum_notes = int(drum_notes)

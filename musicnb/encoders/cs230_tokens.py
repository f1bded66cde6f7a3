"""The tokens of the Stanford CS230 report *Music Generation Using Recurrent Neural Networks*
(Mokobi, May, Voorhis-Allen; code: cademay/cs230-music-generation).

Its ``create_model.py`` (facts read at commit 2dcf810; no code taken) parses each MIDI file with
music21 and walks ``score.flatten().notes`` (``.flat.notes`` in the music21 of 2018):

* a ``Note`` becomes ``str(note.pitch) + "_" + note.duration.type``: ``"E-4_eighth"``;
* a ``Chord`` becomes its normal order joined by dots, ``_``, its duration type:
  ``"0.4.7_quarter"`` (pitch classes only: the octave and the voicing are lost);
* rests are not tokens; music21's duration types include ``"complex"`` and ``"zero"`` for
  lengths it cannot name, and they are kept as they come.

The vocabulary is the sorted set of tokens (``note_to_int``), windows are 100 tokens, the target
is the next token. The report's model input is the token id divided by the vocabulary size, one
float per step; :mod:`musicnb.models.next_note` builds its models. The course's own token form
(bar-separated, rests optional, decodable) is :class:`~musicnb.encoders.tokens.NoteChordTokenEncoder`,
after Sigurður Skúli's tutorial, which the CS230 code itself cites.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ..errors import MusicnbError
from .saving import SavedAsConfig

UNK = "<unk>"


def cs230_tokens(score: Any) -> list[str]:
    """The ``pitch-or-chord_durationtype`` tokens of a music21 stream, in ``flatten().notes``
    order."""
    from music21 import chord, note

    tokens = []
    for element in score.flatten().notes:
        if isinstance(element, note.Note):
            tokens.append(f"{element.pitch}_{element.duration.type}")
        elif isinstance(element, chord.Chord):
            tokens.append(
                ".".join(str(pc) for pc in element.normalOrder) + f"_{element.duration.type}"
            )
    return tokens


class CS230TokenEncoder(SavedAsConfig):
    """Token strings ↔ ids with a vocabulary fitted on the training songs only.

    ``fit(token_lists)`` sorts the training tokens as the report does (``sorted(set(...))``)
    after ``"<unk>"`` at id 0, so a Dev/Test token never seen in training is counted as
    unknown instead of silently getting an id the model was never trained on (the report
    built its vocabulary on the songs it trained on).
    """

    type_name = "CS230TokenEncoder"

    def __init__(self, vocabulary: Sequence[str] | None = None) -> None:
        self._vocabulary = list(vocabulary) if vocabulary is not None else None
        self._index = {t: i for i, t in enumerate(self._vocabulary or [])}
        self.unknown = 0

    def fit(self, token_lists: Iterable[Sequence[str]]) -> CS230TokenEncoder:
        seen = sorted({t for tokens in token_lists for t in tokens})
        if not seen:
            raise MusicnbError(
                "No tokens to fit the CS230 vocabulary on: the training songs "
                "gave no notes or chords."
            )
        self._vocabulary = [UNK] + seen
        self._index = {t: i for i, t in enumerate(self._vocabulary)}
        return self

    def _check_savable(self) -> None:
        if self._vocabulary is None:
            raise MusicnbError(
                "Fit the CS230 encoder on the training songs first "
                "(encoder.fit(train_token_lists))."
            )

    @property
    def vocabulary(self) -> list[str]:
        self._check_savable()
        return list(self._vocabulary or [])

    @property
    def vocab_size(self) -> int:
        return len(self.vocabulary)

    def encode(self, tokens: Sequence[str]) -> np.ndarray:
        """Ids of ``tokens`` (0 for a token not in the vocabulary; ``self.unknown`` counts them)."""
        self._check_savable()
        ids = np.array([self._index.get(t, 0) for t in tokens], dtype=np.int32)
        self.unknown = int(np.count_nonzero(ids == 0))
        return ids

    def decode(self, ids: Any) -> list[str]:
        vocabulary = self.vocabulary
        return [vocabulary[int(i)] for i in np.asarray(ids).reshape(-1)]

    def to_config(self) -> dict[str, Any]:
        return {"type": self.type_name, "vocabulary": self._vocabulary}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> CS230TokenEncoder:
        return cls(vocabulary=config.get("vocabulary"))

    def __repr__(self) -> str:
        size = "unfitted" if self._vocabulary is None else f"{len(self._vocabulary)} tokens"
        return f"CS230TokenEncoder({size})"

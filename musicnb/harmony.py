"""Small, dependency-free helpers for keys and chord symbols.

Chord symbols arrive in many spellings (``"G"``, ``"Em"``, ``"D7"``, ``"F#m7"``, ``"Bb"``,
``"B-maj7"``, ``"N.C."``). :func:`parse_chord_label` reduces them to a root pitch class and a
quality, the form the melody-and-harmony model learns (Nottingham-style chord classes).
Keys are named as music21 names them: ``"G major"``, ``"e minor"`` (lower-case tonic for minor
is accepted but not required).
"""

from __future__ import annotations

import re

from .errors import MusicnbError

#: Chord qualities the course knows, with the intervals (semitones above the root) they hold.
QUALITY_INTERVALS: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7),
    "min": (0, 3, 7),
    "dim": (0, 3, 6),
    "aug": (0, 4, 8),
    "sus4": (0, 5, 7),
    "sus2": (0, 2, 7),
    "7": (0, 4, 7, 10),
    "maj7": (0, 4, 7, 11),
    "min7": (0, 3, 7, 10),
    "dim7": (0, 3, 6, 9),
    "hdim7": (0, 3, 6, 10),
}

#: How each quality is written after the root in a chord symbol.
QUALITY_SUFFIX = {
    "maj": "",
    "min": "m",
    "dim": "dim",
    "aug": "aug",
    "sus4": "sus4",
    "sus2": "sus2",
    "7": "7",
    "maj7": "maj7",
    "min7": "m7",
    "dim7": "dim7",
    "hdim7": "m7b5",
}

#: Qualities folded onto triads when sevenths are not wanted.
TRIAD_OF = {
    "7": "maj",
    "maj7": "maj",
    "min7": "min",
    "dim7": "dim",
    "hdim7": "dim",
    "sus4": "maj",
    "sus2": "maj",
}

NO_CHORD = "N.C."

_SHARP_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_ROOT_RE = re.compile(r"^\s*([A-Ga-g])((?:#|b|-|♯|♭)*)(.*)$")
_NO_CHORD_WORDS = {"", "n.c.", "nc", "n.c", "none", "n", "x", "tacet"}

# suffix patterns, longest first; each maps to a quality
_SUFFIXES: list[tuple[str, str]] = [
    ("m7b5", "hdim7"),
    ("min7b5", "hdim7"),
    ("ø7", "hdim7"),
    ("ø", "hdim7"),
    ("maj7", "maj7"),
    ("ma7", "maj7"),
    ("M7", "maj7"),
    ("Δ7", "maj7"),
    ("Δ", "maj7"),
    ("dim7", "dim7"),
    ("o7", "dim7"),
    ("°7", "dim7"),
    ("min7", "min7"),
    ("mi7", "min7"),
    ("m7", "min7"),
    ("-7", "min7"),
    ("sus4", "sus4"),
    ("sus2", "sus2"),
    ("sus", "sus4"),
    ("dim", "dim"),
    ("o", "dim"),
    ("°", "dim"),
    ("aug", "aug"),
    ("+", "aug"),
    ("min", "min"),
    ("mi", "min"),
    ("m", "min"),
    ("-", "min"),
    ("maj", "maj"),
    ("M", "maj"),
    ("dom7", "7"),
    ("13", "7"),
    ("11", "7"),
    ("9", "7"),
    ("7", "7"),
    ("6", "maj"),
    ("add9", "maj"),
    ("5", "maj"),
]


def pitch_class_of(name: str) -> int:
    """Pitch class of a note name: ``'C' -> 0``, ``'F#' -> 6``, ``'B-' -> 10``, ``'Bb' -> 10``."""
    match = _ROOT_RE.match(name)
    if not match:
        raise MusicnbError(f"{name!r} is not a note name such as C, F#, Bb or B-.")
    letter, accidentals, rest = match.groups()
    if rest.strip() and not rest.strip().lstrip("-").isdigit():
        raise MusicnbError(f"{name!r} is not a note name such as C, F#, Bb or B-.")
    shift = sum(1 if a in "#♯" else -1 for a in accidentals)
    return (_LETTER_PC[letter.upper()] + shift) % 12


def parse_chord_label(label: str) -> tuple[int, str] | None:
    """``(root pitch class, quality)`` of a chord symbol, or ``None`` for "no chord".

    The bass after a slash is ignored (``"G/B"`` is G major). Unknown suffixes keep the
    triad their third implies: anything that starts like a minor chord is minor.

    >>> parse_chord_label("F#m7")
    (6, 'min7')
    >>> parse_chord_label("N.C.") is None
    True
    """
    text = str(label).strip()
    if text.lower() in _NO_CHORD_WORDS:
        return None
    text = text.split("/")[0]
    match = _ROOT_RE.match(text)
    if not match:
        raise MusicnbError(
            f"Cannot read the chord symbol {label!r}: expected a root such as "
            "C, F# or Bb followed by a quality (m, 7, m7, dim, ...)."
        )
    letter, accidentals, suffix = match.groups()
    if letter.islower() and not suffix:  # ABC-style lower-case root means minor in some sources
        suffix = "m"
    root = (_LETTER_PC[letter.upper()] + sum(1 if a in "#♯" else -1 for a in accidentals)) % 12
    suffix = suffix.strip().strip("()")
    for pattern, quality in _SUFFIXES:
        if suffix.startswith(pattern):
            return root, quality
    return root, "maj"


def chord_name(root: int, quality: str) -> str:
    """Chord symbol from a root pitch class and a quality: ``(7, 'min') -> 'Gm'``."""
    if quality not in QUALITY_SUFFIX:
        raise MusicnbError(f"Unknown chord quality {quality!r}; known: {sorted(QUALITY_SUFFIX)}.")
    return _SHARP_NAMES[int(root) % 12] + QUALITY_SUFFIX[quality]


def simplify_chord_label(label: str, sevenths: bool = False) -> str:
    """Root and quality only, in one spelling: ``'G7/B' -> 'G7'`` (or ``'G'`` without sevenths)."""
    parsed = parse_chord_label(label)
    if parsed is None:
        return NO_CHORD
    root, quality = parsed
    if not sevenths:
        quality = TRIAD_OF.get(quality, quality)
    return chord_name(root, quality)


def chord_pitch_classes(label: str) -> tuple[int, ...]:
    """Pitch classes a chord symbol sounds: ``'D7' -> (2, 6, 9, 0)``; ``()`` for no chord."""
    parsed = parse_chord_label(label)
    if parsed is None:
        return ()
    root, quality = parsed
    return tuple((root + i) % 12 for i in QUALITY_INTERVALS[quality])


def detect_chord(pitch_classes: set[int] | list[int], sevenths: bool = False) -> str:
    """Name the chord best matching a set of sounding pitch classes (template matching).

    Each candidate (root, quality) scores ``|tones ∩ sounding| - 0.5·|tones \\ sounding|
    - 0.5·|sounding \\ tones|``; ties prefer triads and lower-numbered roots. Fewer than two
    distinct pitch classes give :data:`NO_CHORD` unless the one note is read as a bare root.
    """
    sounding = {int(p) % 12 for p in pitch_classes}
    if len(sounding) < 2:
        return NO_CHORD
    qualities = ["maj", "min", "dim", "aug"] + (
        ["7", "maj7", "min7", "dim7", "hdim7"] if sevenths else []
    )
    best, best_score = NO_CHORD, -1e9
    for quality in qualities:
        for root in range(12):
            tones = {(root + i) % 12 for i in QUALITY_INTERVALS[quality]}
            score = (
                len(tones & sounding)
                - 0.5 * len(tones - sounding)
                - 0.5 * len(sounding - tones)
                - (0.01 if len(tones) > 3 else 0.0)
                + (0.02 if root in sounding else 0.0)
            )
            if score > best_score + 1e-9:
                best, best_score = chord_name(root, quality), score
    return best


def transpose_chord_label(label: str, semitones: int) -> str:
    """The chord symbol moved by ``semitones`` (quality kept, bass dropped)."""
    parsed = parse_chord_label(label)
    if parsed is None:
        return label
    root, quality = parsed
    return chord_name(root + int(semitones), quality)


#: Mode words a key name may use, and the mode each one means.
MODE_WORDS = {
    "major": "major",
    "maj": "major",
    "ionian": "ionian",
    "minor": "minor",
    "min": "minor",
    "m": "minor",
    "aeolian": "aeolian",
    "dorian": "dorian",
    "phrygian": "phrygian",
    "lydian": "lydian",
    "mixolydian": "mixolydian",
    "locrian": "locrian",
}
#: Scale steps (semitones above the tonic) of each mode; minor is the natural minor.
MODE_STEPS = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "ionian": (0, 2, 4, 5, 7, 9, 11),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "aeolian": (0, 2, 3, 5, 7, 8, 10),
    "locrian": (0, 1, 3, 5, 6, 8, 10),
}
#: The major/minor key each mode is folded onto (by its third, as music21_convert does).
MODE_FAMILY = {
    "major": "major",
    "ionian": "major",
    "lydian": "major",
    "mixolydian": "major",
    "minor": "minor",
    "aeolian": "minor",
    "dorian": "minor",
    "phrygian": "minor",
    "locrian": "minor",
}
_KEY_HINT = (
    "write a key as a tonic (C, F#, Bb, B-; lower case means minor) and optionally a "
    "mode: major, minor, maj, min, m, ionian, dorian, phrygian, lydian, mixolydian, "
    "aeolian or locrian, e.g. 'G major', 'e minor', 'Bbm', 'D dorian'."
)


def parse_key_mode(key: str) -> tuple[int, str]:
    """``(tonic pitch class, mode)`` with the mode as written: ``'D dorian' -> (2, 'dorian')``.

    A bare tonic is major (``'G'``), or minor when lower case (``'e'``); ``'Bbm'`` is B-flat
    minor. Any other word (``'G majr'``, ``'G blues'``) raises :class:`MusicnbError` listing
    the accepted names.
    """
    text = str(key).strip()
    if not text:
        raise MusicnbError(f"An empty key name; {_KEY_HINT}")
    words = text.split()
    if len(words) > 2:
        raise MusicnbError(f"{key!r} is not a key name; {_KEY_HINT}")
    tonic = words[0]
    if len(words) == 2:
        mode = MODE_WORDS.get(words[1].lower())
        if mode is None:
            raise MusicnbError(f"{key!r}: {words[1]!r} is not a mode I know; {_KEY_HINT}")
    elif len(tonic) > 1 and tonic.endswith("m"):
        tonic, mode = tonic[:-1], "minor"
    else:
        mode = "minor" if tonic[:1].islower() else "major"
    if not (
        tonic[:1].isalpha()
        and tonic[:1].upper() in "ABCDEFG"
        and all(c in "#b-♯♭" for c in tonic[1:])
    ):
        raise MusicnbError(f"{key!r}: {tonic!r} is not a tonic; {_KEY_HINT}")
    return pitch_class_of(tonic[:1].upper() + tonic[1:]), mode


def parse_key_name(key: str) -> tuple[int, str]:
    """``(tonic pitch class, 'major'|'minor')`` from names like ``'G major'``, ``'e minor'``,
    ``'Bbm'``; a mode is folded onto the major or minor key of its third (``'D dorian'`` →
    ``(2, 'minor')``). Unknown words raise (see :func:`parse_key_mode`)."""
    tonic, mode = parse_key_mode(key)
    return tonic, MODE_FAMILY[mode]


def key_name(tonic: int, mode: str) -> str:
    """``(7, 'major') -> 'G major'``, ``(4, 'minor') -> 'E minor'``."""
    return f"{_SHARP_NAMES[int(tonic) % 12]} {mode}"


def transpose_key_name(key: str, semitones: int) -> str:
    """The key moved by ``semitones``: ``('G major', -7) -> 'C major'``."""
    tonic, mode = parse_key_name(key)
    return key_name(tonic + int(semitones), mode)


def semitones_to_c_or_a(key: str) -> int:
    """The shift in ``-5..6`` that moves a major key to C major or a minor key to A minor."""
    tonic, mode = parse_key_name(key)
    target = 0 if mode == "major" else 9
    shift = (target - tonic) % 12
    return shift - 12 if shift > 6 else shift


def shift_to_c_or_a(piece) -> int:
    """The semitones that move ``piece`` (a :class:`~musicnb.Piece`) to C major / A minor.

    The key is the piece's own, else :func:`estimate_key`'s; 0 when neither gives one. The shift
    from :func:`semitones_to_c_or_a` (``-5..6``) moves an octave the other way when it would push
    a note outside MIDI 0..127.
    """
    if not piece.n_notes:
        return 0
    key = piece.key or estimate_key(piece.pitch, piece.duration)
    shift = semitones_to_c_or_a(key) if key else 0
    if shift:
        pitch = piece.pitch.astype("int32") + shift
        if pitch.min() < 0 or pitch.max() > 127:
            shift = shift - 12 if shift > 0 else shift + 12
    return shift


def scale_pitch_classes(key: str) -> tuple[int, ...]:
    """Pitch classes of the key's scale: its mode's own (``'D dorian'`` has B natural), natural
    minor for minor keys."""
    tonic, mode = parse_key_mode(key)
    steps = MODE_STEPS[mode]
    return tuple((tonic + s) % 12 for s in steps)


# Krumhansl & Kessler (1982) key profiles, as used by the Krumhansl-Schmuckler key-finding algorithm.
_MAJOR_PROFILE = (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88)
_MINOR_PROFILE = (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)


def estimate_key(pitches, durations=None) -> str | None:
    """Estimate the key of a passage with the Krumhansl-Schmuckler algorithm.

    Builds the duration-weighted pitch-class histogram ``h`` and returns the key whose rotated
    Krumhansl-Kessler profile ``p`` has the highest Pearson correlation ``corr(h, p)``.
    ``None`` when there are no notes.
    """
    import numpy as np

    pitches = np.asarray(pitches, dtype=np.int64).reshape(-1)
    if pitches.size == 0:
        return None
    weights = (
        np.ones(len(pitches)) if durations is None else np.asarray(durations, float).reshape(-1)
    )
    histogram = np.bincount(pitches % 12, weights=weights, minlength=12)
    if not np.any(histogram):
        return None
    best, best_r = None, -2.0
    for mode, profile in (("major", _MAJOR_PROFILE), ("minor", _MINOR_PROFILE)):
        for tonic in range(12):
            rotated = np.roll(np.asarray(profile), tonic)
            r = float(np.corrcoef(histogram, rotated)[0, 1]) if histogram.std() > 0 else 0.0
            if r > best_r:
                best, best_r = key_name(tonic, mode), r
    return best

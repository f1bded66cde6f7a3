"""music21 score -> :class:`~musicnb.piece.Piece` (music21 objects never leave the loader).

What is kept, and how:

* notes of every part, with the part index (part 0 is the first part of the score: the
  soprano of a chorale, the melody of a lead sheet); ties are merged first
  (``stripTies``), so a note tied over a bar line is one long note;
* grace notes (duration 0) are dropped, chords are expanded into their notes, unpitched
  (percussion) notes and rests are ignored;
* the key comes from the first key in the score (ABC ``K:`` fields and MusicXML keys carry a
  mode). Modal keys are folded onto major/minor (dorian, phrygian, aeolian, locrian ->
  minor; ionian, lydian, mixolydian -> major) and the mode is kept in
  ``metadata["mode"]``. A bare key signature (sharps/flats, no mode) is read as the major key
  or its relative minor, whichever the Krumhansl-Schmuckler profiles prefer; with no key at
  all the key is estimated from the notes (:func:`musicnb.harmony.estimate_key`);
* time signature and tempo are the first ones (``MetronomeMark``; 120 when absent);
* chord symbols (``ChordSymbol``, e.g. quoted ``"G"`` in ABC) become ``Piece.chords``; each
  lasts until the next one or the end of the piece; "no chord" symbols end the previous
  chord and are not stored.

Repeats are not expanded: the piece is the notation as written.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ..errors import MusicnbError
from ..harmony import estimate_key, key_name, parse_chord_label, pitch_class_of
from ..piece import ChordLabel, Piece

_MINOR_MODES = {"minor", "dorian", "phrygian", "aeolian", "locrian"}
_MAJOR_MODES = {"major", "ionian", "lydian", "mixolydian"}

DEFAULT_VELOCITY = 90


def _key_of(score, pitches: np.ndarray, durations: np.ndarray) -> tuple[str | None, str | None]:
    """(key name, original mode) from the score's first key, else estimated from the notes."""
    from music21 import key as m21key

    found = score.recurse().getElementsByClass(m21key.KeySignature).first()
    if isinstance(found, m21key.Key):
        mode = str(found.mode or "major").lower()
        folded = "minor" if mode in _MINOR_MODES else "major"
        try:
            tonic = pitch_class_of(found.tonic.name)
        except MusicnbError:
            return estimate_key(pitches, durations), None
        return key_name(tonic, folded), mode
    if found is not None:
        major = found.asKey("major")
        major_name = key_name(pitch_class_of(major.tonic.name), "major")
        minor_name = key_name((pitch_class_of(major.tonic.name) + 9) % 12, "minor")
        if len(pitches) == 0:
            return major_name, None
        estimated = estimate_key(pitches, durations)
        return (minor_name if estimated == minor_name else major_name), None
    return estimate_key(pitches, durations), None


def _chord_labels(flat_parts: list, end: float) -> tuple[ChordLabel, ...]:
    """Chord symbols of the score (first part that has any) as labels lasting to the next one."""
    from music21 import harmony as m21harmony

    for flat in flat_parts:
        symbols = list(flat.getElementsByClass(m21harmony.Harmony))
        if symbols:
            break
    else:
        return ()
    events: list[tuple[float, str | None]] = []
    for symbol in symbols:
        offset = float(symbol.offset)
        if isinstance(symbol, m21harmony.NoChord):
            events.append((offset, None))
            continue
        figure = str(getattr(symbol, "figure", "") or "").strip()
        try:
            parsed = parse_chord_label(figure) if figure else None
        except MusicnbError:
            continue  # an annotation that is not a chord (fingering, dynamics written as text)
        events.append((offset, figure if parsed is not None else None))
    events.sort(key=lambda e: e[0])
    labels = []
    for i, (offset, label) in enumerate(events):
        following = events[i + 1][0] if i + 1 < len(events) else max(end, offset)
        if label is not None and following > offset:
            labels.append(ChordLabel(offset, following - offset, label))
    return tuple(labels)


def score_to_piece(
    score, title: str = "", source: str = "", metadata: dict[str, Any] | None = None
) -> Piece:
    """Convert one music21 ``Score`` (or ``Part``) into a :class:`Piece`.

    Raises :class:`MusicnbError` when the score holds no pitched notes.
    """
    from music21 import harmony as m21harmony
    from music21 import meter as m21meter
    from music21 import stream as m21stream
    from music21 import tempo as m21tempo

    parts = list(score.parts) if isinstance(score, m21stream.Score) else [score]
    if not parts:
        parts = [score]
    pitch: list[int] = []
    start: list[float] = []
    duration: list[float] = []
    velocity: list[int] = []
    part_index: list[int] = []
    flat_parts = []
    part_names: list[str] = []
    programs: list[int] = []
    n_grace = 0
    for index, part in enumerate(parts):
        flat = part.stripTies(inPlace=False).flatten()
        flat_parts.append(flat)
        part_names.append(str(part.partName or ""))
        instrument = (
            part.getInstrument(returnDefault=False) if hasattr(part, "getInstrument") else None
        )
        program = getattr(instrument, "midiProgram", None) if instrument is not None else None
        programs.append(int(program) if program is not None else 0)
        for element in flat.notes:
            if isinstance(element, m21harmony.Harmony):
                continue
            length = float(element.duration.quarterLength)
            if length <= 0 or element.duration.isGrace:
                n_grace += 1
                continue
            offset = float(element.offset)
            volume = element.volume.velocity if element.hasVolumeInformation() else None
            vel = int(volume) if volume else DEFAULT_VELOCITY
            for p in getattr(element, "pitches", ()):
                midi = p.midi
                if 0 <= midi <= 127:
                    pitch.append(midi)
                    start.append(offset)
                    duration.append(length)
                    velocity.append(max(1, min(127, vel)))
                    part_index.append(index)
    if not pitch:
        raise MusicnbError(
            "no notes: the score holds no pitched notes (only rests, text or "
            "percussion). Leave it out or check that it is the right file."
        )
    pitches = np.asarray(pitch, np.int16)
    durations = np.asarray(duration, np.float64)
    starts = np.asarray(start, np.float64)
    shift = float(starts.min()) if starts.min() < 0 else 0.0
    starts = starts - shift
    end = float((starts + durations).max())

    key, mode = _key_of(score, pitches, durations)
    signature = score.recurse().getElementsByClass(m21meter.TimeSignature).first()
    mark = score.recurse().getElementsByClass(m21tempo.MetronomeMark).first()
    bpm = None
    if mark is not None:
        try:
            bpm = mark.getQuarterBPM()
        except Exception:
            bpm = None
    info = dict(metadata or {})
    if mode and mode not in ("major", "minor"):
        info["mode"] = mode
    if n_grace:
        info["grace_notes_dropped"] = n_grace
    if score.metadata is not None:
        composer = score.metadata.composer
        if composer:
            info.setdefault("composer", str(composer))
        if not title:
            title = str(score.metadata.title or score.metadata.movementName or "")
    return Piece(
        pitches,
        starts,
        durations,
        np.asarray(velocity, np.int16),
        np.asarray(part_index, np.int16),
        title=title,
        source=source,
        key=key,
        time_signature=signature.ratioString if signature is not None else "4/4",
        tempo=float(bpm) if bpm and bpm > 0 and np.isfinite(bpm) else 120.0,
        chords=_chord_labels(flat_parts, end),
        part_names=tuple(part_names),
        programs=tuple(programs),
        metadata=info,
    )


def scores_of(parsed) -> list:
    """The scores inside what ``converter.parse`` returned (an Opus holds several)."""
    from music21 import stream as m21stream

    if isinstance(parsed, m21stream.Opus):
        return list(parsed.scores)
    return [parsed]


def with_default_note_length(text: str) -> str:
    """Add the ABC standard's default ``L:`` field when a tune has none.

    ABC 2.1 (section 3.1.7): without ``L:`` the unit note length is 1/16 when the meter is
    below 3/4 and 1/8 otherwise; music21 refuses such tunes, so the field is written in.
    """
    if re.search(r"^L:", text, re.MULTILINE):
        return text
    length = "1/8"
    meter = re.search(r"^M:\s*(\d+)\s*/\s*(\d+)", text, re.MULTILINE)
    if meter and int(meter.group(2)) and int(meter.group(1)) / int(meter.group(2)) < 0.75:
        length = "1/16"
    first, _, rest = text.partition("\n")
    if not first.startswith("X:"):
        return f"L:{length}\n" + text
    return f"{first}\nL:{length}\n{rest}"


def parse_abc_tune(
    text: str, title: str = "", source: str = "", metadata: dict[str, Any] | None = None
) -> Piece:
    """Parse the text of one ABC tune with music21 and convert it."""
    from music21 import converter

    check_abc_meters(text)
    text = sum_additive_meters(text)
    try:
        parsed = converter.parse(with_default_note_length(text), format="abc")
    except Exception as exc:
        raise MusicnbError(
            f"unreadable ABC tune: music21 could not parse it "
            f"({type(exc).__name__}: {str(exc)[:120]}). Fix the tune's ABC or "
            "leave it out."
        ) from exc
    scores = scores_of(parsed)
    if not scores:
        raise MusicnbError("unreadable ABC tune: music21 found no tune in it.")
    return score_to_piece(scores[0], title=title, source=source, metadata=metadata)


def parse_score_file(
    path: str,
    source: str = "",
    metadata: dict[str, Any] | None = None,
    fallback_title: str | None = None,
) -> list[Piece]:
    """Parse a MusicXML (or other music21-readable) file; an Opus gives several pieces.

    A score without a title is named ``fallback_title`` (default: the file's stem)."""
    from pathlib import Path

    from music21 import converter

    for xml in score_file_xml(path):
        check_musicxml_meters(xml)
    try:
        parsed = converter.parse(path, forceSource=True, storePickle=False)
    except Exception as exc:
        raise MusicnbError(
            f"unreadable score: music21 could not parse {Path(path).name} "
            f"({type(exc).__name__}: {str(exc)[:120]}). Re-export it from your "
            "notation program, or leave it out."
        ) from exc
    pieces = []
    for index, score in enumerate(scores_of(parsed)):
        info = dict(metadata or {})
        if index:
            info["score_index"] = index
        pieces.append(
            score_to_piece(
                score,
                source=source,
                metadata=info,
                title=""
                if score.metadata and score.metadata.title
                else (Path(path).stem if fallback_title is None else fallback_title),
            )
        )
    return pieces


# --------------------------------------------------------------------------- meters checked first
#: Largest meter numerator (beats per bar, additive parts summed) and denominator accepted.
#: music21 builds a beat hierarchy for each meter, and its time grows steeply with the number
#: of beats (``M:1000/4`` takes about 20 s, ``M:99999/1`` never returns), while real music
#: stays far below these (the Balkan ``M:(2+2+2+3)/8`` or Ligeti's 33/8 included).
MAX_METER_BEATS = 64
MAX_METER_UNIT = 128

_ABC_METER = re.compile(r"^M:([^\n%]*)|\[M:([^\]\n]*)\]", re.MULTILINE)
_XML_BEATS = re.compile(rb"<beats>\s*([^<]*?)\s*</beats>")
_XML_BEAT_TYPE = re.compile(rb"<beat-type>\s*([^<]*?)\s*</beat-type>")


def _meter_problem(numerator: str, denominator: str | None) -> str | None:
    parts = re.findall(r"\d+", numerator)
    if not parts:
        return None
    beats = sum(int(p) for p in parts)
    if beats < 1 or beats > MAX_METER_BEATS:
        return (
            f"implausible meter {numerator.strip()}{'/' + denominator if denominator else ''}"
            f": a bar of {beats} beats (musicnb reads 1 to {MAX_METER_BEATS})"
        )
    if denominator is not None:
        unit = int(denominator) if denominator.isdigit() else None
        if unit is not None and not 1 <= unit <= MAX_METER_UNIT:
            return (
                f"implausible meter {numerator.strip()}/{denominator}: a beat unit of 1/{unit}"
                f" (musicnb reads 1/1 to 1/{MAX_METER_UNIT})"
            )
    return None


def check_abc_meters(text: str) -> None:
    """Raise :class:`MusicnbError` when an ``M:`` field (header or inline ``[M:...]``) of the
    ABC text is implausible, before music21 spends minutes on it."""
    for match in _ABC_METER.finditer(text):
        value = (match.group(1) if match.group(1) is not None else match.group(2)).strip()
        if not value or value.lower() in ("c", "c|", "none"):
            continue
        numerator, _, denominator = value.partition("/")
        problem = _meter_problem(numerator, denominator.strip() or None)
        if problem:
            raise MusicnbError(f"{problem}. Fix the tune's M: field or leave it out.")


_ADDITIVE = re.compile(r"(^M:|\[M:)\s*\(?\s*(\d+(?:\s*\+\s*\d+)+)\s*\)?\s*/", re.MULTILINE)


def sum_additive_meters(text: str) -> str:
    """``M:(2+2+2+3)/8`` → ``M:9/8`` (header and inline fields).

    music21's ABC reader loops without end on an additive meter (measured: still parsing
    after 60 s); the bar length is the same, only the grouping of its beats is lost.
    """
    return _ADDITIVE.sub(
        lambda m: f"{m.group(1)}{sum(int(n) for n in re.findall(r'[0-9]+', m.group(2)))}/", text
    )


def check_musicxml_meters(data: bytes) -> None:
    """The same check on MusicXML ``<beats>``/``<beat-type>`` values (raw bytes of the XML)."""
    for match in _XML_BEATS.finditer(data):
        problem = _meter_problem(match.group(1).decode("latin-1"), None)
        if problem:
            raise MusicnbError(
                f"{problem} in <beats>. Fix the time signature in your notation "
                "program, or leave the file out."
            )
    for match in _XML_BEAT_TYPE.finditer(data):
        value = match.group(1).decode("latin-1").strip()
        problem = _meter_problem("1", value) if value.isdigit() else None
        if problem:
            raise MusicnbError(
                f"{problem} in <beat-type>. Fix the time signature in your "
                "notation program, or leave the file out."
            )


def score_file_xml(path: str) -> list[bytes]:
    """The XML texts of a score file: the file itself, or every XML member of a ``.mxl`` zip."""
    import zipfile
    from pathlib import Path

    if Path(path).suffix.lower() != ".mxl":
        return [Path(path).read_bytes()]
    try:
        with zipfile.ZipFile(path) as archive:
            return [
                archive.read(info)
                for info in archive.infolist()
                if info.filename.lower().endswith((".xml", ".musicxml"))
                and not info.filename.upper().startswith("META-INF")
                and info.file_size < 200_000_000
            ]
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError) as exc:
        raise MusicnbError(
            f"unreadable score: {Path(path).name} is not a complete .mxl archive "
            f"({type(exc).__name__}: {exc}). Re-export it, or leave it out."
        ) from None

"""Named collections of the corpus that ships inside music21's wheel (no network needed).

* ``bach`` (``bach/*.mxl``): J. S. Bach's four-part chorales; soprano, alto, tenor and bass
  become parts 0-3 and instrumental parts are left out;
* ``ryans_mammoth`` (``ryansMammoth/*.abc``): *Ryan's Mammoth Collection* (1883), 1,000+
  American fiddle tunes, one file per tune;
* ``oneill_1850`` (``oneills1850/*.abc``): O'Neill's *Music of Ireland* (1903), 1,850 Irish
  melodies, many per file;
* ``essen`` (``essenFolksong/*.abc``): the Essen folk-song collection (Schaffrath, 1995),
  German and other European songs, many per file (music21's ``test*.abc`` files left out);
* ``nottingham_sample`` (``nottingham-dataset/*.abc``): two Nottingham reels with chord
  symbols (load the whole database with ``"nottingham:FOLDER"``).

Files are listed from the folder inside the installed music21 package (found without
importing music21, so a warm, cached load never pays for it), sorted by name.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import MusicnbError


@dataclass(frozen=True)
class Collection:
    """A named set of files of music21's bundled corpus."""

    name: str
    folder: str
    suffixes: tuple[str, ...]
    description: str
    exclude: tuple[str, ...] = ()
    satb: bool = False  # keep soprano/alto/tenor/bass (in that order), skip other scores

    def files(self) -> list[Path]:
        """The collection's files, sorted by name."""
        root = music21_corpus_root() / self.folder
        if not root.is_dir():
            raise MusicnbError(
                f"music21's corpus has no folder {self.folder!r} at {root}: this "
                "music21 install lacks its bundled corpus. Reinstall it with "
                "`pip install --force-reinstall music21` (or run `make lab`)."
            )
        return sorted(
            p
            for p in root.iterdir()
            if p.suffix.lower() in self.suffixes
            and p.is_file()
            and not any(re.fullmatch(pattern, p.name) for pattern in self.exclude)
        )


#: The named collections :func:`~musicnb.corpus.load_corpus` accepts.
COLLECTIONS: dict[str, Collection] = {
    c.name: c
    for c in (
        Collection(
            "bach",
            "bach",
            (".mxl", ".xml", ".musicxml"),
            "J. S. Bach chorales, four parts, soprano = part 0",
            satb=True,
        ),
        Collection(
            "ryans_mammoth",
            "ryansMammoth",
            (".abc",),
            "Ryan's Mammoth Collection (1883): American fiddle tunes, melody only",
        ),
        Collection(
            "oneill_1850",
            "oneills1850",
            (".abc",),
            "O'Neill's Music of Ireland (1903): 1,850 Irish melodies",
        ),
        Collection(
            "essen",
            "essenFolksong",
            (".abc",),
            "Essen folk-song collection: European folk songs, melody only",
            exclude=(r"test.*\.abc",),
        ),
        Collection(
            "nottingham_sample",
            "nottingham-dataset",
            (".abc",),
            "Two Nottingham reels with chord symbols (melody + chords)",
        ),
    )
}

_ALIASES = {
    "bachchorales": "bach",
    "chorales": "bach",
    "jsbach": "bach",
    "ryansmammoth": "ryans_mammoth",
    "ryans": "ryans_mammoth",
    "ryan": "ryans_mammoth",
    "oneill1850": "oneill_1850",
    "oneills1850": "oneill_1850",
    "oneill": "oneill_1850",
    "oneills": "oneill_1850",
    "oneillsmusic1850": "oneill_1850",
    "essen": "essen",
    "essenfolksong": "essen",
    "essenfolksongs": "essen",
    "nottinghamsample": "nottingham_sample",
}


def collection_named(name: str) -> Collection | None:
    """The collection called ``name`` (spelling variants accepted), or ``None``."""
    if name in COLLECTIONS:
        return COLLECTIONS[name]
    folded = re.sub(r"[^a-z0-9]", "", name.lower())
    for key in COLLECTIONS:
        if re.sub(r"[^a-z0-9]", "", key) == folded:
            return COLLECTIONS[key]
    return COLLECTIONS.get(_ALIASES.get(folded, ""))


def music21_corpus_root() -> Path:
    """Folder of music21's bundled corpus (``site-packages/music21/corpus``)."""
    spec = importlib.util.find_spec("music21")
    if spec is None or not spec.submodule_search_locations:
        raise MusicnbError("music21 is not installed: run `pip install music21` (or `make lab`).")
    return Path(list(spec.submodule_search_locations)[0]) / "corpus"

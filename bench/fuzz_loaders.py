"""Fuzz the single-file reader with mutated MIDI, ABC and MusicXML files (issue 11).

Every file must give pieces or a MusicnbError (nothing else), within its parse budget (a parse
past it is stopped, even one stuck in C code: its worker is killed ``workers.GRACE_S`` after the
budget). Prints the count, how many were stopped as too slow, the exceptions other than
MusicnbError (should be none) and the slowest files' times. The mutated MIDI files then go
through midi-rnn's reader, its monophony filter and its frames (``musicnb.encoders.midi_rnn``,
what ``load_corpus("midi-rnn:...")`` does to each file), with the same count.
Usage: python bench/fuzz_loaders.py [N_PER_KIND] [BUDGET_S]
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_corpus_bad_input import midi_bytes  # noqa: E402
from test_corpus_reliability import ABC, musicxml, mutate_text  # noqa: E402

from musicnb import MusicnbError  # noqa: E402
from musicnb.corpus import read_file  # noqa: E402
from musicnb.encoders.midi_rnn import (  # noqa: E402
    MidiRnnEncoder,
    is_monophonic,
    read_instruments,
)


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        where = rng.randrange(len(data))
        action = rng.random()
        if action < 0.5:
            data[where] = rng.randrange(256)
        elif action < 0.7:
            del data[where]
        elif action < 0.9:
            data.insert(where, rng.randrange(256))
        else:
            data = data[: rng.randrange(1, len(data) + 1)]
    return bytes(data)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 170
    budget = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
    rng = random.Random(2026)
    seeds = {
        "mid": midi_bytes(),
        "abc": ABC.format(meter="6/8").encode(),
        "musicxml": musicxml("3", "4").encode(),
    }
    import music21  # noqa: F401 - the one-time import (about 1 s) is not any file's parse time

    times, other, results = [], [], {"loaded": 0, "MusicnbError": 0, "too slow": 0}
    midi_rnn = {"read": 0, "MusicnbError": 0, "other": [], "slowest": (0.0, "")}
    with tempfile.TemporaryDirectory() as folder:
        for kind, seed in seeds.items():
            for i in range(n):
                data = (
                    mutate_bytes(seed, rng)
                    if kind == "mid"
                    else mutate_text(seed.decode(), rng).encode()
                )
                path = Path(folder) / f"{kind}{i}.{kind}"
                path.write_bytes(data)
                began = time.perf_counter()
                try:
                    read_file(path, parse_timeout=budget)
                    results["loaded"] += 1
                except MusicnbError as exc:
                    results["MusicnbError"] += 1
                    results["too slow"] += "too slow" in str(exc)
                except BaseException as exc:  # noqa: BLE001 - what the fuzz looks for
                    other.append((path.name, f"{type(exc).__name__}: {exc}"))
                times.append((time.perf_counter() - began, path.name))
                if kind == "mid":
                    _midi_rnn_pass(data, path.name, midi_rnn)
    slowest = sorted(times, reverse=True)[:5]
    print(
        f"{len(times)} mutated files ({n} each of MIDI, ABC, MusicXML), budget {budget:g} s: "
        f"{results['loaded']} loaded, {results['MusicnbError']} MusicnbError (of which "
        f"{results['too slow']} stopped as too slow), {len(other)} other exceptions "
        f"{other[:5]}; slowest {slowest[0][0]:.2f} s ({slowest[0][1]}); next: "
        + ", ".join(f"{t:.2f} s ({name})" for t, name in slowest[1:])
    )
    print(
        f"midi-rnn reader, filter and frames on the {n} mutated MIDI files: {midi_rnn['read']} "
        f"read, {midi_rnn['MusicnbError']} MusicnbError, {len(midi_rnn['other'])} other "
        f"exceptions {midi_rnn['other'][:5]}; slowest {midi_rnn['slowest'][0]:.2f} s "
        f"({midi_rnn['slowest'][1]})"
    )


def _midi_rnn_pass(data: bytes, name: str, tally: dict) -> None:
    began = time.perf_counter()
    try:
        for instrument in read_instruments(data):
            is_monophonic(instrument)
            MidiRnnEncoder().encode_instrument(instrument)
        tally["read"] += 1
    except MusicnbError:
        tally["MusicnbError"] += 1
    except BaseException as exc:  # noqa: BLE001 - what the fuzz looks for
        tally["other"].append((name, f"{type(exc).__name__}: {exc}"))
    seconds = time.perf_counter() - began
    if seconds > tally["slowest"][0]:
        tally["slowest"] = (seconds, name)


if __name__ == "__main__":
    main()

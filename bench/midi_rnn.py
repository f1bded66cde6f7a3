"""midi-rnn (Branger_Briz) as published on its 183 Lakh files, beside the course's grid.

    python bench/midi_rnn.py [--data ../shared/data/midi-rnn-lakh] [--epochs 3] [--quick]

Prints one table (top-1, top-5, perplexity on the same test files, baselines beside) and
writes it to build/bench/midi_rnn.json. See musicnb/reproduce/midi_rnn.py for the rows.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from musicnb.reproduce import midi_rnn  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT / "../shared/data/midi-rnn-lakh"))
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--window", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="30 files, 1 epoch (smoke test)")
    parser.add_argument("--out", default=str(ROOT / "build/bench/midi_rnn.json"))
    args = parser.parse_args()
    study = midi_rnn.run(
        midi_rnn.check_folder(args.data), epochs=args.epochs, window=args.window, quick=args.quick
    )
    study.report(args.out)


if __name__ == "__main__":
    main()

"""Logistic regression on the previous 10 notes (Schaldenbrand, He, Almoubayyed, *Long
Short-Tunes Memory*) on midi-rnn's Lakh files, beside the published 6.21 %.

    python bench/lakh_logreg.py [--data ../shared/data/midi-rnn-lakh] [--epochs 20] [--quick]

Writes build/bench/lakh_logreg.json. See musicnb/reproduce/lakh_logreg.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from musicnb.reproduce import lakh_logreg  # noqa: E402
from musicnb.reproduce.midi_rnn import check_folder  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT / "../shared/data/midi-rnn-lakh"))
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "build/bench/lakh_logreg.json"))
    args = parser.parse_args()
    study = lakh_logreg.run(check_folder(args.data), epochs=args.epochs, quick=args.quick)
    study.report(args.out)


if __name__ == "__main__":
    main()

"""The CS230 Conv1D + LSTM hybrid (Mokobi, May, Voorhis-Allen) on its own data and song split.

    python bench/cs230.py [--data ../shared/data/cs230-piano/Dataset_44_Cmaj] [--epochs 4]
                          [--depth-epochs 2] [--no-depth] [--no-train] [--quick]

Prints Model 1's leaky validation_split figure, the same model on the Dev/Test songs, the
depth study, the course's hybrid and the baselines, beside the published 0.7092; writes
build/bench/cs230.json. See musicnb/reproduce/cs230.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from musicnb.reproduce import cs230  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT / "../shared/data/cs230-piano/Dataset_44_Cmaj"))
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--depth-epochs", type=int, default=None)
    parser.add_argument("--course-epochs", type=int, default=None)
    parser.add_argument("--no-depth", action="store_true", help="Model 1 and the course's only")
    parser.add_argument(
        "--no-train",
        action="store_true",
        help="only the baselines and the memorisation look-up (seconds)",
    )
    parser.add_argument("--quick", action="store_true", help="2 songs per split, 1 epoch")
    parser.add_argument("--out", default=str(ROOT / "build/bench/cs230.json"))
    args = parser.parse_args()
    study = cs230.run(
        cs230.check_folder(args.data),
        epochs=args.epochs,
        depth_epochs=args.depth_epochs,
        course_epochs=args.course_epochs,
        depth_study=not args.no_depth,
        quick=args.quick,
        train_models=not args.no_train,
    )
    study.report(args.out)


if __name__ == "__main__":
    main()

"""Studio latency: switching runs, a biaxial generation, and a large result in the browser.

Measured in one run, with the ready-trained runs of ``data/pretrained``:

* **switching runs (warm)** — ``Studio.load_engine()`` after the picker moves to a run whose
  engine was loaded once before (what a student does going back and forth), and the first,
  cold load beside it. Goal: ≤ 2 s warm.
* **biaxial, 8 bars × 2 streams** — one press of Generate on the ready-trained biaxial run
  (model loaded and traced by a first, short generation). Goal: ≤ 10 s on the 2-core CPU.
* **browser time-to-visible, 8 streams × 2,048 steps** — with ``--browser``: runs the
  headless-Chromium test (``tests/test_browser.py``), which measures, in the page, the time
  from the status "done" to all eight piano rolls decoded and visible. Goal: ≤ 3 s.

Results go to stdout and, atomically, to ``build/bench/studio.json``.

    python bench/studio.py
    python bench/studio.py --browser
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MUSICNB_QUICK", "1")

ROOT = Path(__file__).resolve().parents[1]
GOALS = {"switch_warm_s": 2.0, "biaxial_8_bars_2_streams_s": 10.0, "browser_visible_s": 3.0}


def measure(repeats: int = 3) -> dict:
    import musicnb
    from musicnb.pretrained import pretrained_dir

    pieces, _ = musicnb.load_corpus("bach", limit=4)
    studio = musicnb.studio(pieces=pieces, background=False, streams=2)
    names = ["03_onehot_lstm", "05_melody_harmony", "07_biaxial"]
    cold = {}
    for name in names:
        studio.run_picker.value = str(pretrained_dir() / name)
        began = time.perf_counter()
        studio.load_engine()
        cold[name] = time.perf_counter() - began
    warm = []
    for _ in range(repeats):
        for name in names:
            studio.run_picker.value = str(pretrained_dir() / name)
            began = time.perf_counter()
            studio.load_engine()
            warm.append(time.perf_counter() - began)
    studio.run_picker.value = str(pretrained_dir() / "07_biaxial")
    studio.bars.value, studio.streams.value = 1, 2
    studio.generate_button.click()  # traces the compiled step functions
    studio.bars.value = 8
    runs = []
    for seed in range(repeats):
        studio.seed.value = seed
        began = time.perf_counter()
        studio.generate_button.click()
        runs.append(time.perf_counter() - began)
        assert studio.result is not None and "musicnb-ok" in studio.message.value, (
            studio.message.value
        )
    return {
        "switch_cold_s": cold,
        "switch_warm_s": max(warm),
        "biaxial_8_bars_2_streams_s": sorted(runs)[len(runs) // 2],
        "biaxial_runs_s": runs,
    }


def browser() -> float | None:
    out = ROOT / "build" / "browser" / "latency.json"
    out.unlink(missing_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-m",
            "browser",
            str(ROOT / "tests" / "test_browser.py"),
        ],
        cwd=ROOT,
        check=False,
    )
    if not out.exists():
        return None
    return float(json.loads(out.read_text())["visible_after_done_s"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--browser", action="store_true", help="also run the Chromium test")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    results = measure(args.repeats)
    if args.browser:
        results["browser_visible_s"] = browser()
    results["goals"] = GOALS
    results["machine"] = {"cpus": os.cpu_count(), "platform": platform.platform()}
    for name, goal in GOALS.items():
        value = results.get(name)
        if value is None:
            print(f"{name:32} not measured")
        else:
            print(
                f"{name:32} {value:7.2f} s   goal <= {goal:g} s   {'ok' if value <= goal else 'MISSED'}"
            )
    print("cold loads:", {k: round(v, 2) for k, v in results["switch_cold_s"].items()})
    from musicnb.atomic import write_json

    target = ROOT / "build" / "bench" / "studio.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    write_json(target, results, sort_keys=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

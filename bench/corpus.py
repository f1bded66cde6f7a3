"""Parsed-piece cache: loading 300 tunes of Ryan's Mammoth cold, then warm.

* **cold**: an empty cache folder (a fresh temporary directory): every tune is parsed by
  music21 (in worker processes when there are several cores) and written to the cache;
* **warm**: the same call again: every tune is hashed and read back from the cache, music21
  is not touched.

Both runs happen side by side in this one process, against the same temporary cache, and the
warm pieces are checked to hold exactly the cold pieces' notes.

    python bench/corpus.py                 # 300 tunes, all cores
    python bench/corpus.py --tunes 100 --workers 1
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tunes", type=int, default=300)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--collection", default="ryans_mammoth")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="musicnb-bench-cache-") as folder:
        os.environ["MUSICNB_CACHE_DIR"] = folder
        from musicnb.corpus import load_corpus
        from musicnb.corpus.load import _default_workers

        workers = args.workers or _default_workers()
        began = time.perf_counter()
        cold, cold_report = load_corpus(args.collection, limit=args.tunes, workers=workers)
        cold_s = time.perf_counter() - began

        began = time.perf_counter()
        warm, warm_report = load_corpus(args.collection, limit=args.tunes, workers=workers)
        warm_s = time.perf_counter() - began

        same = len(cold) == len(warm) and all(
            a.same_notes(b) and a.title == b.title for a, b in zip(cold, warm)
        )
        notes = sum(p.n_notes for p in cold)
        print(
            f"collection: {args.collection}, {len(cold)} tunes ({notes:,} notes), "
            f"{workers} worker process(es), cpu count {os.cpu_count()}"
        )
        print(
            f"cold (empty cache, music21 parses): {cold_s:8.3f} s   "
            f"({cold_report.n_skipped} skipped {cold_report.reasons()}, "
            f"{cold_report.from_cache} from cache)"
        )
        print(
            f"warm (every tune from the cache):   {warm_s:8.3f} s   "
            f"({warm_report.from_cache} of {warm_report.n_loaded} from cache)"
        )
        print(
            f"ratio cold / warm: {cold_s / warm_s:.0f}x   (goal >= 50x); "
            f"warm pieces identical to cold: {same}"
        )
        if not same:
            raise SystemExit("warm load differs from the cold load")


if __name__ == "__main__":
    main()

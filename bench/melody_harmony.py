"""The melody-and-harmony LSTM on a corpus, with fixed settings, beside its baselines.

    python bench/melody_harmony.py bach                     # embedded Bach chorales
    python bench/melody_harmony.py /data/nottingham_midi    # a Nottingham folder (MIDI or ABC)
    python bench/melody_harmony.py bach --epochs 3 --limit 60   # a smoke run

Pieces are split 80/10/10 *by piece* (seed 0); the chord vocabulary is fitted on the training
pieces only; the model (2 × LSTM, α = 0.5) trains as a sequence model on 128-step chunks with
early stopping on the validation split. On the whole test pieces it prints the six figures —
melody / harmony / overall × argmax / sampled (sampled = mean probability of the true class,
how the published Nottingham figures 64.15 % melody and 91.57 % harmony were computed) — and
the "repeat the previous step" and bigram baselines, and writes them to
``build/bench/melody_harmony.json`` (atomically).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "bench" / "melody_harmony.json"
PUBLISHED = {"melody_sampled": 0.6415, "harmony_sampled": 0.9157}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", help="a named collection (bach, ryans_mammoth, ...) or a folder path")
    parser.add_argument("--limit", type=int, default=None, help="load at most this many pieces")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--length", type=int, default=128, help="training chunk length (steps)")
    parser.add_argument("--alpha", type=float, default=0.5)
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--patience", type=int, default=8,
                        help="early stopping: epochs without a better validation loss")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    import tempfile

    import musicnb
    from musicnb.encoders import MelodyHarmonyEncoder
    from musicnb.models import melody_harmony_lstm
    from musicnb.models.melody_harmony import (evaluate_melody_harmony, melody_harmony_chunks,
                                               melody_harmony_dataset)
    from musicnb.windowing import split_by_piece

    began = time.perf_counter()
    pieces, report = musicnb.load_corpus(args.dataset, limit=args.limit)
    loaded = time.perf_counter() - began
    split = split_by_piece(pieces, (0.8, 0.1, 0.1), seed=0)
    encoder = MelodyHarmonyEncoder(transpose=True, min_count=args.min_count).fit(split.train)
    train_m, train_c = encoder.encode_many(split.train)
    valid_m, valid_c = encoder.encode_many(split.valid)
    test_m, test_c = encoder.encode_many(split.test)
    X, Y = melody_harmony_chunks(train_m, train_c, args.length)
    Xv, Yv = melody_harmony_chunks(valid_m, valid_c, args.length)
    model = melody_harmony_lstm(encoder.n_melody, encoder.n_chords, units=args.units, layers=2,
                                input_dropout=0.2, dropout=0.5, alpha=args.alpha)
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as run_dir:
        result = musicnb.train(model, melody_harmony_dataset(X, Y, args.batch_size),
                               melody_harmony_dataset(Xv, Yv, args.batch_size, shuffle=False),
                               run_dir=run_dir, epochs=args.epochs, batch_size=args.batch_size,
                               patience=args.patience, resume=False, live_plot=False, verbose=0,
                               encoder=encoder, seed=0)
        trained = time.perf_counter() - began
        figures = evaluate_melody_harmony(result.model, test_m, test_c, train_m, train_c)
    record = {
        "dataset": args.dataset, "pieces": {"train": len(split.train), "valid": len(split.valid),
                                            "test": len(split.test)},
        "skipped_files": len(getattr(report, "skipped", [])),
        "settings": {"units": args.units, "layers": 2, "input_dropout": 0.2, "dropout": 0.5,
                     "alpha": args.alpha, "chunk_length": args.length, "batch_size": args.batch_size,
                     "epochs_max": args.epochs, "epochs_done": result.epochs_done,
                     "patience": args.patience,
                     "min_count": args.min_count, "transpose": True, "hold": True, "sevenths": False},
        "classes": {"melody": encoder.n_melody, "chords": encoder.n_chords,
                    "chord_vocabulary": encoder.chord_vocabulary},
        "seconds": {"load": round(loaded, 1), "train": round(trained, 1)},
        "published_nottingham": PUBLISHED,
        "figures": figures,
    }
    print(render(record))
    from musicnb.atomic import write_json

    write_json(args.out, record)
    print(f"\nwritten to {args.out}")
    return record


def render(record: dict) -> str:
    f = record["figures"]
    s = record["settings"]
    lines = [
        f"melody-and-harmony LSTM on {record['dataset']}: {record['pieces']} pieces, "
        f"{record['classes']['melody']} melody / {record['classes']['chords']} chord classes",
        f"settings: 2 x LSTM({s['units']}), alpha={s['alpha']}, chunks of {s['chunk_length']}, "
        f"batch {s['batch_size']}, {s['epochs_done']} epochs (max {s['epochs_max']}); "
        f"train {record['seconds']['train']} s, {f['test_steps']} test steps",
        "",
        f"{'':24}{'melody':>9}{'harmony':>9}{'overall':>9}",
    ]
    rows = [("model, argmax", "argmax"), ("model, sampled", "sampled"),
            ("bigram, argmax", "bigram_argmax"), ("bigram, sampled", "bigram_sampled")]
    for label, suffix in rows:
        if suffix.startswith("bigram"):
            kind = suffix.split("_")[1]
            values = [f[f"bigram_{h}_{kind}"] for h in ("melody", "harmony", "overall")]
        else:
            values = [f[f"{h}_{suffix}"] for h in ("melody", "harmony", "overall")]
        lines.append(f"{label:24}" + "".join(f"{100 * v:8.2f}%" for v in values))
    lines.append(f"{'repeat previous step':24}" + "".join(
        f"{100 * f[f'repeat_{h}']:8.2f}%" for h in ("melody", "harmony", "overall")))
    lines.append(f"{'published (Nottingham)':24}{100 * PUBLISHED['melody_sampled']:8.2f}%"
                 f"{100 * PUBLISHED['harmony_sampled']:8.2f}%   (sampled)")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()

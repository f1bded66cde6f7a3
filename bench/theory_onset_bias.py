"""Use (b) of the theory loss: the bias against onsets when rest and hold cost 0, and its fix.

    nice -n 5 python bench/theory_onset_bias.py                 # notebook 06 in full mode
    python bench/theory_onset_bias.py --limit 40 --units 16 --epochs 2 --learning-rate 0.01
                                                                # notebook 06's quick mode

Notebook 06's use-(b) cell at the notebook's full-mode settings: the embedded Bach chorales
(soprano, transposed to C major / A minor, split by piece with seed 0), the one-hot sequence
LSTM of notebook 03 (``units``), Adam, 128-step chunks, ``musicnb.train`` for ``epochs``.
Four losses, each from the same initial weights and batches (same seed): plain cross-entropy,
and cross-entropy + 0.5 × the course's theory cost with rest and hold free (``no_pitch="free"``,
the biased version), excluded (``"excluded"``, the fix) and charged (``"charged"``). Printed:
the pull of each theory term onto rest and hold where an onset is due, at the plain model's
test predictions (``onset_bias.no_pitch_pull``), and the table of ``onset_bias.use_b_figures``
for every model on the test chunks; written to ``build/bench/theory_onset_bias.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "bench" / "theory_onset_bias.json"
MODES = ("free", "excluded", "charged")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", nargs="?", default="bach")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--units", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--learning-rate", type=float, default=0.001)
    parser.add_argument("--weight", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    import musicnb
    from musicnb import losses, models
    from musicnb.encoders import EventEncoder
    from musicnb.onset_bias import data_figures, no_pitch_pull, use_b_figures
    from musicnb.report_tables import use_b_table
    from musicnb.windowing import sequence_chunks

    began = time.perf_counter()
    pieces, _ = musicnb.load_corpus(args.dataset, limit=args.limit)
    split = musicnb.split_by_piece(pieces, seed=0)
    encoder = EventEncoder(part=0, transpose=True)
    tokens = {n: encoder.encode_many(getattr(split, n))[0] for n in ("train", "valid", "test")}
    X, Y = sequence_chunks(tokens["train"], 128, keep_short=True)
    Xv, Yv = sequence_chunks(tokens["valid"], 128, keep_short=True)
    Xt, Yt = sequence_chunks(tokens["test"], 128, keep_short=True)

    def theory(mode: str):
        return losses.TheoryAwareCrossEntropy(
            encoder.token_pitches, weight=args.weight, no_pitch=mode
        )

    runs_root = args.out.parent / "theory_onset_bias_runs"
    figures, seconds, trained = {}, {}, {}
    for label, loss in [("cross-entropy", "sparse_categorical_crossentropy")] + [
        (f"CE + {args.weight} × theory, rest/hold {mode}", theory(mode)) for mode in MODES
    ]:
        start = time.perf_counter()
        keras.utils.set_random_seed(args.seed)
        net = models.onehot_lstm(encoder.vocab_size, window=None, units=args.units, compile=False)
        net.compile(
            optimizer=keras.optimizers.Adam(args.learning_rate), loss=loss, metrics=["accuracy"]
        )
        trained[label] = musicnb.train(
            net,
            (X, Y),
            (Xv, Yv),
            run_dir=runs_root / label.split(",")[-1].strip().replace(" ", "_").replace("/", "-"),
            epochs=args.epochs,
            encoder=encoder,
            resume=False,
            seed=args.seed,
            live_plot=False,
            verbose=0,
        ).model
        figures[label] = use_b_figures(
            trained[label], encoder, Xt, Yt, tokens["test"][0][:16], seed=args.seed
        )
        seconds[label] = round(time.perf_counter() - start, 1)
        print(f"{label}: {figures[label]} ({seconds[label]} s)", flush=True)

    plain = trained["cross-entropy"].predict(Xt, verbose=0)
    pulls = {mode: no_pitch_pull(theory(mode), plain, Yt) for mode in MODES}
    data = data_figures(tokens["train"], Yt, encoder)
    record = {
        "command": "python bench/theory_onset_bias.py "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "dataset": args.dataset,
        "pieces": {n: len(getattr(split, n)) for n in ("train", "valid", "test")},
        "training_chunks": int(len(X)),
        "test_steps": int(Yt.size),
        "units": args.units,
        "epochs": args.epochs,
        "learning_rate": args.learning_rate,
        "weight": args.weight,
        "seed": args.seed,
        "pull_at_plain_predictions": pulls,
        "figures": figures,
        "data": data,
        "seconds": seconds,
        "minutes": round((time.perf_counter() - began) / 60, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=1))
    print(
        f"\n{args.dataset}: {len(X)} training chunks, {Yt.size} test steps, {args.units} units, "
        f"{args.epochs} epochs, seed {args.seed}, {record['minutes']} min"
    )
    print("pull onto rest + hold where an onset is due, at the plain model's predictions:")
    print("  " + ", ".join(f"{mode} {value:+.4f}" for mode, value in pulls.items()))
    print(use_b_table(figures, data))
    print(f"written to {args.out}")
    return record


if __name__ == "__main__":
    main()

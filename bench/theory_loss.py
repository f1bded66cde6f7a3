"""The paper's theory loss against plain mean squared error, same data, same seeds.

    python bench/theory_loss.py                       # embedded Bach chorales (every note)
    python bench/theory_loss.py /work/shared/data/midi-rnn-lakh --limit 60 --epochs 10
    python bench/theory_loss.py bach --seeds 0 1 --epochs 2 --limit 40   # a smoke run

System 5 of the course (*Long Short-Tunes Memory*, Schaldenbrand, He & Almoubayyed): the
(pitch, velocity, dt) regression LSTM, LSTM 48 → Dense 24 → Dense 3, look-back 3, every note
of every part. Two losses on pitch: the paper's theory cost (``loss="paper"``) and plain MSE
(``loss="mse"``); velocity and dt are MSE terms at 20 % in both. For each seed both models are
trained on the same windows with the same initial weights' seed, then each generates 64 notes
from the first 3 notes of each of the first 8 test pieces (noise 0.4 σ, seed fixed). Scored:
the share of generated notes in the best-fitting major/minor scale (scale consistency), and
the share in the key of the piece the primer came from (in-key rate); and, to check that the
generated music has the chords and dynamics the representation carries, the share of generated
notes that start together with the previous one (dt = 0: a chord note) and the standard
deviation of the generated velocities. Printed: mean ± standard deviation over the seeds,
beside the test pieces' own figures.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "bench" / "theory_loss.json"


def in_key_share(pitches, key: str | None) -> float:
    from musicnb.harmony import scale_pitch_classes

    if key is None or not len(pitches):
        return float("nan")
    try:
        classes = set(scale_pitch_classes(key))
    except Exception:  # noqa: BLE001 - an unreadable key: not scored
        return float("nan")
    return float(np.mean([int(p) % 12 in classes for p in pitches]))


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", nargs="?", default="bach")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    import musicnb
    from musicnb.diagnostics import scale_consistency
    from musicnb.encoders import NoteEventEncoder
    from musicnb.harmony import estimate_key
    from musicnb.models import pitch_regression_lstm
    from musicnb.models.pitch_regression import generate_note_events, note_event_windows

    pieces, _ = musicnb.load_corpus(args.dataset, limit=args.limit)
    split = musicnb.split_by_piece(pieces, seed=0)
    encoder = NoteEventEncoder(part="all")
    events = {
        name: [e for e in (encoder.encode(p) for p in getattr(split, name)) if len(e) > 4]
        for name in ("train", "valid", "test")
    }
    X, y = note_event_windows(events["train"], 3)
    Xv, yv = note_event_windows(events["valid"] or events["train"][:1], 3)
    primers = [(e[:3], p) for e, p in zip(events["test"], split.test)][:8]

    def key_of(piece):
        return piece.key or estimate_key(piece.pitch, piece.duration)

    def chord_share(notes) -> float:
        return float(np.mean(np.asarray(notes)[1:, 2] <= 1e-6)) if len(notes) > 1 else float("nan")

    def velocity_spread(notes) -> float:
        return float(np.std(np.asarray(notes)[:, 1]))

    truth = {
        "chords": float(np.mean([chord_share(e) for e in events["test"]])),
        "velocity_sd": float(np.mean([velocity_spread(e) for e in events["test"]])),
        "scale": float(
            np.mean([scale_consistency(e[:, 0].astype(int))[0] for e in events["test"]])
        ),
        "in_key": float(
            np.nanmean(
                [in_key_share(e[:, 0], key_of(p)) for e, p in zip(events["test"], split.test)]
            )
        ),
    }
    results: dict[str, list] = {"paper": [], "mse": []}
    began = time.perf_counter()
    for seed in args.seeds:
        for loss in ("paper", "mse"):
            keras.utils.set_random_seed(seed)
            model = pitch_regression_lstm(
                normalization_data=np.concatenate(events["train"]), loss=loss
            )
            model.fit(
                X,
                y,
                validation_data=(Xv, yv),
                epochs=args.epochs,
                batch_size=64,
                verbose=0,
                callbacks=[keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True)],
            )
            scale, in_key, chords, spread = [], [], [], []
            for i, (primer, piece) in enumerate(primers):
                notes = generate_note_events(
                    model, primer, 64, noise=0.4, seed=1000 + i, dt_grid=0.25
                )
                scale.append(scale_consistency(notes[:, 0].astype(int))[0])
                in_key.append(in_key_share(notes[:, 0], key_of(piece)))
                chords.append(chord_share(notes))
                spread.append(velocity_spread(notes))
            results[loss].append(
                {
                    "seed": seed,
                    "scale": float(np.mean(scale)),
                    "in_key": float(np.nanmean(in_key)),
                    "chords": float(np.nanmean(chords)),
                    "velocity_sd": float(np.mean(spread)),
                }
            )
            print(
                f"seed {seed}, {loss}: scale consistency {results[loss][-1]['scale']:.3f}, "
                f"in key {results[loss][-1]['in_key']:.3f}, chord notes "
                f"{results[loss][-1]['chords']:.3f}, velocity sd {results[loss][-1]['velocity_sd']:.1f}",
                flush=True,
            )
    record = {
        "dataset": args.dataset,
        "pieces": len(pieces),
        "windows": int(len(X)),
        "epochs": args.epochs,
        "seeds": args.seeds,
        "test_pieces": truth,
        "runs": results,
        "minutes": round((time.perf_counter() - began) / 60, 1),
    }
    print(
        f"\n{args.dataset}: {len(X)} training windows, {args.epochs} epochs max, seeds {args.seeds}, "
        f"{record['minutes']} min"
    )
    print(
        f"{'':28}{'scale consistency':>22}{'in-key rate':>18}{'chord notes':>18}{'velocity sd':>16}"
    )
    for loss, label in (("paper", "theory loss (paper)"), ("mse", "plain MSE")):
        row = f"{label:28}"
        for name, width in (("scale", 12), ("in_key", 10), ("chords", 10)):
            v = np.array([r[name] for r in results[loss]])
            row += f"{100 * v.mean():{width}.1f} ± {100 * v.std():4.1f} %"
        v = np.array([r["velocity_sd"] for r in results[loss]])
        row += f"{v.mean():10.1f} ± {v.std():4.1f}"
        print(row)
    print(
        f"{'test pieces themselves':28}{100 * truth['scale']:12.1f} %{'':8}"
        f"{100 * truth['in_key']:8.1f} %{'':8}{100 * truth['chords']:8.1f} %{'':8}"
        f"{truth['velocity_sd']:8.1f}"
    )
    from musicnb.atomic import write_json

    write_json(args.out, record)
    return record


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()

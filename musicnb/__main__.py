"""The command line, for long runs outside Jupyter: the same options as the notebooks.

::

    python -m musicnb train --model onehot_lstm --corpus oneill_1850 --epochs 20 \\
        --units 256 --layers 2 --run-dir runs/oneill_lstm
    python -m musicnb generate --run runs/oneill_lstm --length 256 --temperature 0.9 \\
        --top-p 0.95 --streams 4 --seed 1 --key "G major" --out out/
    python -m musicnb runs        # the trained runs under musicnb.runs_dir()
    python -m musicnb doctor      # is this machine ready for the course?

``train`` loads the corpus, splits it *by piece* (seeded), encodes the pieces with an
:class:`~musicnb.encoders.EventEncoder`, trains with :func:`musicnb.train` (checkpoints, history
and the encoder in the run folder; running it again resumes), then scores the model on the test
split beside the three baselines. ``generate`` samples with :class:`~musicnb.Sampler` and writes
one MIDI file per stream. A second ``train`` with the same ``--run-dir`` resumes.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .atomic import write_json
from .errors import MusicnbError

MODELS = ("onehot_lstm", "stacked_lstm", "conv1d_lstm", "logistic_regression")


# ---------------------------------------------------------------------- argument parsing
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m musicnb",
        description="musicnb: train next-note models on real music and generate MIDI.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = commands.add_parser(
        "train",
        help="train a next-note model on a corpus",
        description="Train a next-note model (resumes an existing run).",
    )
    train.add_argument("--model", choices=MODELS, default="onehot_lstm")
    train.add_argument(
        "--corpus",
        default="oneill_1850",
        help="a named collection (bach, ryans_mammoth, oneill_1850, essen) or a "
        "folder/file of MIDI/ABC/MusicXML (default: oneill_1850)",
    )
    train.add_argument("--limit", type=int, default=None, help="load at most this many pieces")
    data = train.add_argument_group("encoding (EventEncoder)")
    data.add_argument("--steps-per-quarter", type=int, default=4)
    data.add_argument("--low", type=int, default=48, help="lowest MIDI pitch (default 48)")
    data.add_argument("--high", type=int, default=84, help="highest MIDI pitch (default 84)")
    data.add_argument("--part", type=int, default=None, help="part to read (default: top line)")
    data.add_argument("--transpose", action="store_true", help="move every piece to C/A minor")
    shape = train.add_argument_group("model")
    shape.add_argument(
        "--window",
        type=int,
        default=None,
        help="window length for many-to-one models (builder default if unset)",
    )
    shape.add_argument(
        "--many-to-one",
        action="store_true",
        help="train the recurrent model on windows, as the classic scripts do "
        "(default: a sequence model predicting every next step)",
    )
    shape.add_argument(
        "--chunk-length",
        type=int,
        default=64,
        help="steps per training chunk of a sequence model (default 64)",
    )
    shape.add_argument("--units", type=int, default=None)
    shape.add_argument("--layers", type=int, default=None)
    shape.add_argument("--filters", type=int, default=None)
    shape.add_argument("--dropout", type=float, default=None)
    shape.add_argument("--learning-rate", type=float, default=1e-3)
    fit = train.add_argument_group("training")
    fit.add_argument("--epochs", type=int, default=20)
    fit.add_argument("--batch-size", type=int, default=64)
    fit.add_argument("--patience", type=int, default=5, help="early-stopping patience (epochs)")
    fit.add_argument("--seed", type=int, default=0, help="seeds the split, the weights, the order")
    fit.add_argument(
        "--run-dir", type=Path, default=None, help="run folder (default: runs_dir()/<model>)"
    )
    fit.add_argument(
        "--restart", action="store_true", help="start the run over instead of resuming"
    )

    gen = commands.add_parser(
        "generate",
        help="sample MIDI files from a trained run",
        description="Sample from a trained run and write MIDI files.",
    )
    gen.add_argument(
        "--run", required=True, help="run folder, or the name of a run under runs_dir()"
    )
    gen.add_argument("--which", choices=("best", "last"), default="best")
    gen.add_argument("--length", type=int, default=256, help="steps to generate (16ths)")
    gen.add_argument("--temperature", type=float, default=1.0, help="0 = argmax")
    gen.add_argument("--top-k", type=int, default=None)
    gen.add_argument("--top-p", type=float, default=None)
    gen.add_argument("--streams", type=int, default=1)
    gen.add_argument("--seed", type=int, default=None)
    gen.add_argument("--key", default=None, help='only pitches of this scale, e.g. "G major"')
    gen.add_argument(
        "--primer",
        default=None,
        help="a MIDI file whose opening primes the model, or 'test' for the "
        "opening of the first test piece of the run's corpus (default: a rest)",
    )
    gen.add_argument("--primer-steps", type=int, default=32, help="steps of the primer to use")
    gen.add_argument(
        "--window",
        type=int,
        default=None,
        help="tokens a window model sees (default: the model's input length)",
    )
    gen.add_argument(
        "--jit",
        choices=("auto", "on", "off"),
        default="auto",
        help="compile the sampling loop with XLA: a few seconds once, then several "
        "times faster (auto: on from 10,000 notes in total)",
    )
    gen.add_argument("--tempo", type=float, default=120.0, help="quarter notes per minute")
    gen.add_argument(
        "--out", type=Path, default=None, help="folder for the MIDI files (default: export_dir())"
    )
    gen.add_argument("--name", default=None, help="file name stem (default: the run's name)")

    commands.add_parser("runs", help="list the trained runs")
    commands.add_parser("doctor", help="check this machine for the course")
    return parser


# ---------------------------------------------------------------------- train
def _load_pieces(corpus: str, limit: int | None) -> list[Any]:
    from . import load_corpus

    pieces, report = load_corpus(corpus, limit=limit)
    skipped = getattr(report, "skipped", [])
    print(
        f"corpus {corpus}: {len(pieces)} pieces loaded"
        + (f", {len(skipped)} skipped" if skipped else "")
    )
    return list(pieces)


def _split_and_encode(pieces: list[Any], encoder: Any, seed: int) -> dict[str, list[Any]]:
    from .windowing import split_by_piece

    split = split_by_piece(pieces, seed=seed)
    encoded = {}
    for name, part in (("train", split.train), ("valid", split.valid), ("test", split.test)):
        encoded[name] = encoder.encode_many(part)[0] if part else []
    return encoded


def _examples(
    sequences: list[Any], sequence_model: bool, window: int, chunk: int, training: bool
) -> Any:
    from .windowing import sequence_chunks, windows

    if not sequences:
        return None
    try:
        if sequence_model:
            return sequence_chunks(sequences, chunk, keep_short=not training)
        return windows(sequences, window)
    except MusicnbError:
        if training:
            raise
        return None


def _build_model(args: argparse.Namespace, vocab_size: int) -> tuple[Any, dict[str, Any]]:
    from . import models

    builder = getattr(models, args.model)
    accepted = inspect.signature(builder).parameters
    wanted = {
        "window": args.window,
        "units": args.units,
        "layers": args.layers,
        "filters": args.filters,
        "dropout": args.dropout,
        "learning_rate": args.learning_rate,
    }
    if "sequence" in accepted:
        wanted["sequence"] = not args.many_to_one
        if not args.many_to_one:
            if args.window is not None:
                print(
                    f"note: --window {args.window} is for --many-to-one training; this sequence "
                    f"model learns from chunks of --chunk-length {args.chunk_length} steps."
                )
            wanted["window"] = None  # a sequence model takes chunks of any length
    kwargs = {
        k: v
        for k, v in wanted.items()
        if k in accepted and (v is not None or k == "window" and wanted.get("sequence"))
    }
    model = builder(vocab_size, **kwargs)
    sequence_model = len(model.outputs[0].shape) == 3
    window = None if sequence_model else int(model.inputs[0].shape[1])
    return model, {"sequence_model": sequence_model, "window": window, "builder_kwargs": kwargs}


def command_train(args: argparse.Namespace) -> int:
    from .encoders.events import EventEncoder
    from .training import train

    for name in ("epochs", "batch_size", "chunk_length", "patience"):
        if getattr(args, name) < 1:
            raise MusicnbError(f"--{name.replace('_', '-')} must be at least 1.")
    if not args.learning_rate > 0:
        raise MusicnbError(f"--learning-rate must be above 0, got {args.learning_rate}.")
    if args.window is not None and args.window < 1:
        raise MusicnbError(f"--window must be at least 1 (steps of context), got {args.window}.")
    encoder = EventEncoder(
        steps_per_quarter=args.steps_per_quarter,
        low=args.low,
        high=args.high,
        part=args.part,
        transpose=args.transpose,
    )
    pieces = _load_pieces(args.corpus, args.limit)
    encoded = _split_and_encode(pieces, encoder, args.seed)
    model, shape = _build_model(args, encoder.vocab_size)
    window = shape["window"]
    train_data = _examples(
        encoded["train"], shape["sequence_model"], window, args.chunk_length, True
    )
    valid_data = _examples(
        encoded["valid"], shape["sequence_model"], window, args.chunk_length, False
    )
    run_dir = args.run_dir
    info = {
        "corpus": args.corpus,
        "limit": args.limit,
        "split_seed": args.seed,
        "chunk_length": args.chunk_length if shape["sequence_model"] else None,
        "window": None if shape["sequence_model"] else window,
        "pieces": {k: len(v) for k, v in encoded.items()},
        "command": "python -m musicnb " + " ".join(sys.argv[1:]),
    }
    print(
        f"{args.model}: {model.count_params():,} parameters; "
        f"{len(train_data)} training examples ({'sequence chunks' if shape['sequence_model'] else 'windows'})"
    )
    result = train(
        model,
        tuple(train_data),
        None if valid_data is None else tuple(valid_data),
        run_dir=run_dir,
        epochs=args.epochs,
        batch_size=args.batch_size,
        name=None if run_dir else args.model,
        patience=args.patience,
        encoder=encoder,
        info=info,
        seed=args.seed,
        resume=not args.restart,
        live_plot=False,
    )
    print(f"run folder: {result.run_dir}")
    test_data = _examples(
        encoded["test"], shape["sequence_model"], window, args.chunk_length, False
    )
    if test_data is not None:
        from .metrics import compare_next_event

        table = compare_next_event(
            {args.model: result.model},
            test_data.X,
            test_data.y,
            encoded["train"],
            vocab_size=encoder.vocab_size,
        )
        print(repr(table))
        scores = {row["name"]: {k: v for k, v in row.items() if k != "name"} for row in table.rows}
        _write_json_atomic(result.run_dir / "test_scores.json", scores)
    return 0


def _write_json_atomic(path: Path, data: Any) -> None:
    write_json(path, data, default=float)


# ---------------------------------------------------------------------- generate
def _primer_tokens(args: argparse.Namespace, run: Any) -> Any:
    import numpy as np

    if args.primer is None:
        return None
    encoder = run.encoder
    if args.primer == "test":
        info = run.info.get("info", {})
        if "corpus" not in info:
            raise MusicnbError(
                "--primer test needs a run trained with `python -m musicnb train` "
                "(its run.json names the corpus); give a MIDI file instead."
            )
        pieces = _load_pieces(info["corpus"], info.get("limit"))
        tokens = _split_and_encode(pieces, encoder, int(info.get("split_seed", 0)))["test"][0]
    else:
        from .errors import DrumOnlyError
        from .midi import read

        drums = 0
        try:
            piece = read(args.primer)
        except DrumOnlyError as exc:
            piece, drums = None, exc.drum_notes
        if piece is None or piece.n_notes == 0:
            raise MusicnbError(
                f"The primer {args.primer} has no pitched notes"
                + (
                    f" (only {drums} drum notes on channel 10, which the model does not play)"
                    if drums
                    else ""
                )
                + "; give a MIDI file with a melody, or leave --primer out."
            )
        tokens = encoder.encode(piece)
    tokens = np.asarray(tokens)[: args.primer_steps]
    if tokens.size == 0:
        raise MusicnbError(f"The primer {args.primer} has no notes on the encoder's line.")
    return tokens


def command_generate(args: argparse.Namespace) -> int:
    from .diagnostics import generation_diagnostics
    from .midi import write
    from .sampling import Sampler
    from .settings import export_dir
    from .training import load_run

    run = load_run(args.run, which=args.which)
    if run.encoder is None:
        raise MusicnbError(
            f"{run.run_dir} has no encoder.json, so its tokens cannot become MIDI; "
            "train with `encoder=` (the command line always saves it)."
        )
    jit = args.jit == "on" or (args.jit == "auto" and args.length * args.streams >= 10_000)
    sampler = Sampler(run.model, run.encoder, window=args.window, jit_compile=jit)
    primer = _primer_tokens(args, run)
    tokens = sampler.generate(
        primer,
        args.length,
        temperature=args.temperature,
        top_k=args.top_k,
        top_p=args.top_p,
        streams=args.streams,
        seed=args.seed,
        key=args.key,
    )
    from .names import safe_stem
    from .validation import writable_folder

    title = args.name or run.run_dir.name
    stem = safe_stem(title)  # the one sanitiser: a name never leaves --out
    pieces = sampler.to_pieces(tokens, tempo=args.tempo, title=title, primer=primer)
    out = writable_folder(args.out if args.out is not None else export_dir(), "--out folder")
    for i, (piece, repairs) in enumerate(zip(pieces, sampler.last_repairs)):
        path = write(piece, Path(out) / f"{stem}_{i + 1:02d}.mid")
        note = f" ({repairs} repairs)" if repairs else ""
        print(f"{path}: {piece.n_notes} notes{note}")
    print(generation_diagnostics(tokens, run.encoder, key=args.key))
    return 0


# ---------------------------------------------------------------------- small commands
def command_runs(args: argparse.Namespace) -> int:
    from .settings import runs_dir
    from .training import list_runs

    runs = list_runs()
    if not runs:
        print(f"No trained runs in {runs_dir()} yet; train one with `python -m musicnb train`.")
        return 0
    for path in runs:
        info = json.loads((path / "run.json").read_text())
        print(
            f"{path.name:30} {info.get('builder') or info.get('kind', ''):20} "
            f"{info.get('epochs_done', 0):>4} epochs"
        )
    return 0


def command_doctor(args: argparse.Namespace) -> int:
    from .environment_check import doctor

    report = doctor()
    print(report)
    return 0 if report.ok else 1


COMMANDS = {
    "train": command_train,
    "generate": command_generate,
    "runs": command_runs,
    "doctor": command_doctor,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); returns the exit code.

    A :class:`MusicnbError` (a mistake in the input, explained) prints its message and
    returns 2 instead of a traceback.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    parser = _parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return COMMANDS[args.command](args)
    except MusicnbError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

"""Issue 11, training: one commit point per epoch (a kill at any moment neither loses nor
repeats an epoch; the optimizer's step count proves it), stale temporaries cleaned and
reported, and train()'s arguments checked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from musicnb import MusicnbError  # noqa: E402
from musicnb.training import PENDING_DIR, train  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
N, BATCH, EPOCHS, V = 40, 8, 5, 6
STEPS = N // BATCH  # optimizer steps per epoch


def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(N, 4)).astype("float32"), rng.integers(0, V, N)


def model():
    keras.utils.set_random_seed(0)
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(V, activation="softmax")])
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


def options(run_dir):
    return dict(
        run_dir=run_dir,
        epochs=EPOCHS,
        batch_size=BATCH,
        patience=None,
        reduce_lr_patience=None,
        live_plot=False,
        verbose=0,
    )


KILLER = textwrap.dedent("""
    import os, signal, sys
    sys.path.insert(0, {tests!r})
    from musicnb import atomic, training
    import test_reliability_training as t

    point, epoch = sys.argv[1], int(sys.argv[2])

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    real_write_text = training.write_text

    def write_text(path, text):  # history.csv: killed half-way through its temporary file
        if point == "history" and text.count("\\n") - 1 == epoch:
            with atomic.atomic_path(path) as tmp:
                tmp.write_text(text[: len(text) // 2])
                die()
        return real_write_text(path, text)

    training.write_text = write_text
    real_apply = getattr(training, "_apply_pending", None)

    def apply_pending(run_dir, pending):  # killed right after run.json committed the epoch
        if point == "commit" and pending and json_epoch(run_dir) == epoch:
            die()
        return real_apply(run_dir, pending)

    def json_epoch(run_dir):
        import json
        return json.loads((run_dir / "run.json").read_text())["epochs_done"]

    if real_apply is not None:
        training._apply_pending = apply_pending
    training.train(t.model(), t.data(), **t.options(sys.argv[3]))
""")


@pytest.mark.parametrize("point", ["history", "commit"])
def test_a_kill_during_an_epoch_neither_loses_nor_repeats_it(tmp_path, point, capsys):
    run_dir = tmp_path / "run"
    script = tmp_path / "killer.py"
    script.write_text(KILLER.format(tests=str(ROOT / "tests")))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run(
        [sys.executable, str(script), point, "3", str(run_dir)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == -9, done.stderr[-2000:]  # killed, as planned
    record = json.loads((run_dir / "run.json").read_text())
    assert record["epochs_done"] == (2 if point == "history" else 3)
    result = train(model(), data(), **options(run_dir))  # resume
    assert int(result.model.optimizer.iterations) == EPOCHS * STEPS  # 25, not 30
    record = json.loads((run_dir / "run.json").read_text())
    assert record["epochs_done"] == EPOCHS and record["iterations"] == EPOCHS * STEPS
    assert len(result.history["loss"]) == EPOCHS
    rows = (run_dir / "history.csv").read_text().splitlines()
    assert [r.split(",")[0] for r in rows[1:]] == ["1", "2", "3", "4", "5"]
    leftovers = [p.name for p in run_dir.iterdir() if p.name.startswith(".") and p.is_file()]
    assert leftovers == []  # item 6: the killed write's temporary is gone
    assert not (run_dir / PENDING_DIR).exists()
    if point == "history":
        assert "Removed" in capsys.readouterr().err


def test_resume_refuses_a_checkpoint_that_disagrees_with_the_record(tmp_path):
    run_dir = tmp_path / "run"
    train(model(), data(), **{**options(run_dir), "epochs": 2})
    record = json.loads((run_dir / "run.json").read_text())
    record["iterations"] = 3 * STEPS  # as if last.keras were one epoch behind
    (run_dir / "run.json").write_text(json.dumps(record))
    with pytest.raises(MusicnbError, match="optimizer steps"):
        train(model(), data(), **{**options(run_dir), "epochs": 3})


def test_stale_temporaries_are_removed_and_reported(tmp_path, capsys):
    from musicnb.atomic import clean_stale_temporaries

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    dead = run_dir / ".last.keras.p999999.ab12cd34.keras"  # a process id that does not run
    dead.write_bytes(b"x" * 1000)
    old_style = run_dir / ".history.csv.ab12cd34.tmp"  # written before the pid was in the name
    old_style.write_text("x")
    os.utime(old_style, (1, 1))
    mine = run_dir / f".x.wav.p{os.getppid()}.ab12cd34.tmp"  # the parent process: alive
    mine.write_text("x")
    train(model(), data(), **{**options(run_dir), "epochs": 1})
    assert not dead.exists() and not old_style.exists() and mine.exists()
    assert "Removed 2 temporary file(s)" in capsys.readouterr().err
    assert clean_stale_temporaries(run_dir) == []


# What train() used to crash on (raw TypeError) or accept silently.
@pytest.mark.parametrize(
    "kwargs,word",
    [
        ({"epochs": None}, "epochs"),
        ({"patience": -1}, "patience"),
        ({"monitor": "val_loss"}, "validation data"),
        ({"monitor": "nonsense"}, "nonsense"),
    ],
)
def test_train_checks_its_arguments(tmp_path, kwargs, word):
    with pytest.raises(MusicnbError, match=word):
        train(model(), data(), **{**options(tmp_path / "run"), "epochs": 1, **kwargs})


# Control, not a defect: arguments train() refused before the fix and must still refuse.
@pytest.mark.parametrize(
    "kwargs,word", [({"epochs": 2.5}, "epochs"), ({"batch_size": "8"}, "batch_size")]
)
def test_train_still_refuses_what_it_refused_before(tmp_path, kwargs, word):
    with pytest.raises(MusicnbError, match=word):
        train(model(), data(), **{**options(tmp_path / "run"), "epochs": 1, **kwargs})


def test_train_refuses_targets_outside_the_vocabulary_and_empty_data(tmp_path):
    X, y = data()
    with pytest.raises(MusicnbError, match="classes"):
        train(model(), (X, y + V), **options(tmp_path / "a"))
    with pytest.raises(MusicnbError, match="no examples"):
        train(model(), (X[:0], y[:0]), **options(tmp_path / "b"))


def test_a_run_folder_that_is_a_file_or_unwritable_says_so(tmp_path):
    file = tmp_path / "file"
    file.write_text("x")
    with pytest.raises(MusicnbError, match="existing file"):
        train(model(), data(), **options(file))
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(MusicnbError, match="writable|create"):
            train(model(), data(), **options(locked / "run"))


def test_a_damaged_run_folder_is_a_sentence_and_never_stops_a_listing(tmp_path):
    from musicnb.encoders import load_encoder
    from musicnb.generation_studio.engines import run_family
    from musicnb.training import list_runs, load_run, read_run_record, recover_run

    run_dir = tmp_path / "runs" / "good"
    opts = {**options(run_dir), "epochs": 1}
    train(model(), data(), **opts)
    assert load_run(run_dir).info["epochs_done"] == 1

    (run_dir / "run.json").write_text("[1, 2]")  # JSON, but not a record
    with pytest.raises(MusicnbError, match=r"run.json holds a list, not the run's record"):
        load_run(run_dir)
    (run_dir / "run.json").write_text("{not json")
    with pytest.raises(MusicnbError, match=r"run.json cannot be read .*damaged"):
        load_run(run_dir)
    assert read_run_record(run_dir, strict=False) == {}
    recover_run(run_dir)  # what every load and train does first: no crash on a bad record
    assert run_family(run_dir) in ("next_event", "unknown")
    assert list_runs(tmp_path / "runs") == [run_dir]

    (run_dir / "run.json").write_text("{}")
    (run_dir / "best.keras").write_bytes(b"garbage, not a zip")
    with pytest.raises(MusicnbError, match=r"best.keras cannot be loaded .*which='last'"):
        load_run(run_dir)
    assert load_run(run_dir, which="last").model is not None  # the other checkpoint still loads

    (run_dir / "encoder.json").write_text('["EventEncoder"]')
    with pytest.raises(MusicnbError, match="holds a list, not an encoder's settings"):
        load_encoder(run_dir / "encoder.json")


def test_inputs_that_do_not_fit_the_model_are_refused_before_training(tmp_path):
    X, y = data()
    for bad, says in [
        (X[:, :3], r"X has shape \(40, 3\), but the model takes \(examples, 4\)"),
        (np.where(np.arange(4) == 2, np.nan, X).astype("float32"), "40 NaN or infinite"),
        (np.full((N, 4), "a"), "not numbers; encode the pieces first"),
    ]:
        with pytest.raises(MusicnbError, match=says):
            train(model(), (bad, y), **options(tmp_path / "bad"))
        with pytest.raises(MusicnbError, match=says.replace("X has", "X has")):
            train(model(), (X, y), (bad, y), **options(tmp_path / "bad_valid"))
    assert not (tmp_path / "bad" / "best.keras").exists()  # nothing was trained or written

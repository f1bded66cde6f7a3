"""train(): run folder, atomic checkpoints, resume after a real interruption, strategies."""

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
from musicnb.models.next_note import logistic_regression, onehot_lstm  # noqa: E402
from musicnb.training import list_runs, load_run, read_history, train  # noqa: E402

V = 8
ROOT = Path(__file__).resolve().parents[1]


def _data(n: int = 192, window: int = 6, seed: int = 0):
    """A learnable toy task: the next token is the last one plus one (mod V)."""
    X = np.random.default_rng(seed).integers(0, V, (n, window)).astype("int32")
    return X, ((X[:, -1] + 1) % V).astype("int32")


class _Encoder:
    """The smallest thing train() can save as encoder.json (load_encoder needs a real type)."""

    def save(self, path):
        from musicnb.encoders import EventEncoder

        return EventEncoder(low=60, high=72).save(path)


def test_run_folder_holds_checkpoints_history_and_run_record(tmp_path):
    X, y = _data()
    result = train(
        logistic_regression(V, window=6, learning_rate=0.05),
        (X, y),
        (X[:64], y[:64]),
        run_dir=tmp_path / "lr",
        epochs=4,
        batch_size=32,
        encoder=_Encoder(),
        info={"notebook": "02"},
    )
    files = sorted(p.name for p in (tmp_path / "lr").iterdir())
    assert files == ["best.keras", "encoder.json", "history.csv", "last.keras", "run.json"]
    record = json.loads((tmp_path / "lr" / "run.json").read_text())
    assert record["builder"] == "logistic_regression" and record["params"]["window"] == 6
    assert record["epochs_done"] == 4 and record["info"] == {"notebook": "02"}
    assert record["monitor"] == "val_loss" and 1 <= record["best_epoch"] <= 4
    assert record["device"].split()[0] in ("CPU", "GPU")
    history = read_history(tmp_path / "lr" / "history.csv")
    assert len(history["loss"]) == len(history["val_loss"]) == 4 == len(result.history["loss"])
    assert history["loss"][-1] < history["loss"][0]  # it learns
    assert min(history["val_loss"]) == pytest.approx(record["best_value"], rel=1e-6)
    run = load_run(tmp_path / "lr")
    assert run.encoder.low == 60 and run.info["builder"] == "logistic_regression"
    np.testing.assert_allclose(
        run.model.predict(X[:5], verbose=0), result.model.predict(X[:5], verbose=0), atol=1e-6
    )
    assert list_runs(tmp_path) == [tmp_path / "lr"]
    assert not list(tmp_path.glob("lr/.*tmp*"))  # no temporary files left behind


def test_same_seed_gives_the_same_training(tmp_path):
    X, y = _data()
    build = lambda: logistic_regression(V, window=6)  # noqa: E731
    losses = [
        train(build, (X, y), run_dir=tmp_path / str(i), epochs=2, seed=seed).history["loss"]
        for i, seed in enumerate((3, 3, 4))
    ]
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-5)
    assert not np.allclose(losses[0], losses[2], rtol=1e-5)


class _StopAfter(keras.callbacks.Callback):
    def __init__(self, epochs: int):
        super().__init__()
        self.epochs = epochs

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.epochs:
            raise KeyboardInterrupt


class _RecordStart(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.first_epoch = None

    def on_epoch_begin(self, epoch, logs=None):
        if self.first_epoch is None:
            self.first_epoch = epoch


@pytest.mark.slow
def test_interrupted_run_resumes_at_the_next_epoch_with_history_intact(tmp_path):
    X, y = _data()
    run_dir = tmp_path / "lstm"
    build = lambda: onehot_lstm(V, window=6, units=8, sequence=False)  # noqa: E731
    with pytest.raises(KeyboardInterrupt):
        train(
            build(), (X, y), (X[:64], y[:64]), run_dir=run_dir, epochs=5, callbacks=[_StopAfter(2)]
        )
    assert json.loads((run_dir / "run.json").read_text())["epochs_done"] == 2
    before = read_history(run_dir / "history.csv")
    assert len(before["loss"]) == 2
    start = _RecordStart()
    result = train(build(), (X, y), (X[:64], y[:64]), run_dir=run_dir, epochs=5, callbacks=[start])
    assert start.first_epoch == 2 and result.initial_epoch == 2
    assert len(result.history["loss"]) == 5 == len(read_history(run_dir / "history.csv")["loss"])
    assert result.history["loss"][:2] == pytest.approx(before["loss"])
    assert json.loads((run_dir / "run.json").read_text())["epochs_done"] == 5
    # asking again for the same number of epochs trains nothing and returns the best model
    again = train(build(), (X, y), run_dir=run_dir, epochs=5, callbacks=[_StopAfter(1)])
    assert again.initial_epoch == 5 and len(again.history["loss"]) == 5
    # resume=False starts over
    fresh = train(build(), (X, y), run_dir=run_dir, epochs=1, resume=False)
    assert fresh.initial_epoch == 0 and len(read_history(run_dir / "history.csv")["loss"]) == 1


def test_a_run_of_another_model_or_other_data_is_started_over(tmp_path, capsys):
    X, y = _data()
    run_dir = tmp_path / "run"
    train(logistic_regression(V, window=6), (X, y), run_dir=run_dir, epochs=2)
    same = train(logistic_regression(V, window=6), (X, y), run_dir=run_dir, epochs=3)
    assert same.initial_epoch == 2
    wider = train(logistic_regression(V + 1, window=6), (X, y), run_dir=run_dir, epochs=2)
    assert wider.initial_epoch == 0 and "parameters" in capsys.readouterr().out
    X2, y2 = _data(seed=1)
    other = train(logistic_regression(V + 1, window=6), (X2, y2), run_dir=run_dir, epochs=2)
    assert other.initial_epoch == 0 and "other data" in capsys.readouterr().out
    assert len(read_history(run_dir / "history.csv")["loss"]) == 2


def test_early_stopping_stops_and_is_recorded(tmp_path):
    X, y = _data()
    result = train(
        logistic_regression(V, window=6, learning_rate=0.0),
        (X, y),
        run_dir=tmp_path / "flat",
        epochs=20,
        patience=2,
        min_delta=1.0,
        reduce_lr_patience=None,
    )
    assert result.info["stopped_early"] and len(result.history["loss"]) == 3


def test_default_run_dir_uses_the_model_name(run_folders):
    X, y = _data(64)
    result = train(logistic_regression(V, window=6), (X, y), epochs=1)
    assert result.run_dir == run_folders / "runs" / "logistic_regression"
    assert list_runs(pretrained=False) == [result.run_dir]


def test_bad_inputs_are_explained(tmp_path):
    X, y = _data(64)
    with pytest.raises(MusicnbError, match="epochs"):
        train(logistic_regression(V, window=6), (X, y), run_dir=tmp_path / "a", epochs=0)
    with pytest.raises(MusicnbError, match="tuple"):
        train(logistic_regression(V, window=6), X, run_dir=tmp_path / "b", epochs=1)
    with pytest.raises(MusicnbError, match="No trained model"):
        load_run(tmp_path / "nothing")


@pytest.mark.slow
def test_mirrored_strategy_over_two_logical_cpus(tmp_path):
    """Logical devices must be configured before TensorFlow starts, hence a subprocess."""
    script = textwrap.dedent(f"""
        import json, numpy as np, tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        from musicnb import MusicnbError
        from musicnb.models.next_note import onehot_lstm
        from musicnb.training import train, load_run
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
        X = np.random.default_rng(0).integers(0, {V}, (128, 6)).astype("int32")
        y = ((X[:, -1] + 1) % {V}).astype("int32")
        try:
            train(onehot_lstm({V}, window=6, units=8, sequence=False), (X, y), run_dir=r"{tmp_path}/x",
                  strategy=strategy, epochs=1)
            outside = "accepted"
        except MusicnbError as exc:
            outside = str(exc)
        result = train(lambda: onehot_lstm({V}, window=6, units=8, sequence=False), (X, y),
                       run_dir=r"{tmp_path}/m", strategy=strategy, epochs=2, batch_size=32)
        run = load_run(r"{tmp_path}/m")
        print(json.dumps({{"replicas": strategy.num_replicas_in_sync, "outside": outside,
                          "epochs": len(result.history["loss"]), "builder": run.info["builder"],
                          "finite": bool(np.isfinite(result.history["loss"]).all())}}))
    """)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["replicas"] == 2 and report["epochs"] == 2 and report["finite"]
    assert report["builder"] == "onehot_lstm"
    assert "strategy.scope()" in report["outside"]


def test_live_plot_draws_every_epoch(tmp_path, monkeypatch):
    import IPython.display

    shown = []

    class Handle:
        def update(self, figure):
            shown.append([line.get_label() for line in figure.axes[0].lines])

    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: Handle())
    X, y = _data(64)
    train(
        logistic_regression(V, window=6),
        (X, y),
        (X[:32], y[:32]),
        run_dir=tmp_path / "plot",
        epochs=2,
        live_plot=True,
    )
    assert shown[0] == [] and shown[-1] == ["loss", "val_loss"] and len(shown) == 3


def test_sequence_model_trains_on_chunks_given_as_a_window_set(tmp_path):
    from musicnb.windowing import sequence_chunks

    seqs = [np.arange(40) % V, (np.arange(50) * 3) % V]
    chunks = sequence_chunks(seqs, 8)
    result = train(
        onehot_lstm(V, window=None, units=8),
        chunks,
        chunks,
        run_dir=tmp_path / "seq",
        epochs=1,
        batch_size=4,
    )
    assert result.model.output_shape == (None, None, V) and len(result.history["val_loss"]) == 1
    assert load_run(tmp_path / "seq").info["params"]["sequence"] is True


def test_run_record_writes_the_keys_run_folders_have_always_held(tmp_path):
    """Every ready-trained run.json (written before RunRecord existed) reads into a RunRecord
    and back unchanged; a new run.json holds the same keys as the old ones."""
    from musicnb.training import RunRecord

    old_files = sorted((ROOT / "data" / "pretrained").glob("*/run.json"))
    assert len(old_files) == 6
    for path in old_files:
        old = json.loads(path.read_text())
        record = RunRecord.from_json(old)
        assert record.to_json() == {**old, "iterations": old.get("iterations")}, path
    X, y = _data()
    result = train(logistic_regression(V, window=6), (X, y), run_dir=tmp_path / "r", epochs=1)
    new = json.loads((tmp_path / "r" / "run.json").read_text())
    assert set(new) == set(json.loads(old_files[0].read_text())) | {"iterations", "pending"}
    assert result.record is not None and result.record.to_json() == result.info
    assert RunRecord.from_json(new) == result.record
    with pytest.raises(MusicnbError, match="lacks"):
        RunRecord.from_json({"kind": "next_event"})

"""The (pitch, velocity, dt) regression LSTM with the theory loss, and its generation loop."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from musicnb import MusicnbError
from musicnb.models import pitch_regression_lstm
from musicnb.models.pitch_regression import generate_note_events, note_event_windows


def toy_arrays():
    rng = np.random.default_rng(0)
    arrays = []
    for _ in range(4):
        n = 40
        pitch = 60 + np.array([0, 4, 7, 12])[np.arange(n) % 4]
        velocity = np.where(np.arange(n) % 4 == 0, 100, 60) + rng.integers(-3, 4, n)
        dt = np.where(np.arange(n) % 2 == 0, 1.0, 0.5)
        arrays.append(np.stack([pitch, velocity, dt], 1).astype(np.float32))
    return arrays


def test_windows_never_cross_pieces():
    X, y = note_event_windows(
        [
            np.arange(15, dtype=np.float32).reshape(5, 3),
            100 + np.arange(12, dtype=np.float32).reshape(4, 3),
        ],
        lookback=3,
    )
    assert X.shape == (3, 3, 3) and y.shape == (3, 3)
    assert y[0].tolist() == [9, 10, 11] and y[2].tolist() == [109, 110, 111]
    with pytest.raises(MusicnbError, match="lookback"):
        note_event_windows([np.zeros((2, 3))], lookback=3)


def test_model_standardises_inputs_and_maps_outputs_back(tmp_path):
    keras.utils.set_random_seed(0)
    arrays = toy_arrays()
    X, y = note_event_windows(arrays, 3)
    model = pitch_regression_lstm(
        lookback=3,
        units=16,
        dense_units=16,
        normalization_data=np.concatenate(arrays),
        learning_rate=1e-2,
    )
    standardised = model.get_layer("standardise")(X[:50]).numpy()
    assert abs(standardised[..., 1].mean()) < 0.5 and 0.5 < standardised[..., 1].std() < 1.5
    history = model.fit(X, y, epochs=6, batch_size=32, verbose=0).history
    assert history["loss"][-1] < history["loss"][0]
    prediction = model.predict(X[:8], verbose=0)
    assert np.all(prediction[:, 1] > 30) and np.all(prediction[:, 1] < 130)  # velocity units
    model.save(tmp_path / "r.keras")
    again = keras.models.load_model(tmp_path / "r.keras")
    assert np.allclose(again.predict(X[:8], verbose=0), prediction, atol=1e-4)
    assert type(again.loss).__name__ == "PitchRegressionLoss" and again.loss.mse_weight == 0.2


def test_generation_is_seeded_and_valid():
    arrays = toy_arrays()
    model = pitch_regression_lstm(units=8, dense_units=8, normalization_data=np.concatenate(arrays))
    a = generate_note_events(model, arrays[0][:5], 12, noise=0.5, seed=3)
    b = generate_note_events(model, arrays[0][:5], 12, noise=0.5, seed=3)
    assert a.shape == (12, 3) and np.array_equal(a, b)
    assert np.all(a[:, 0] == np.round(a[:, 0])) and np.all(a[:, 2] >= 0)
    assert np.all((a[:, 1] >= 1) & (a[:, 1] <= 127))
    gridded = generate_note_events(model, arrays[0][:5], 12, noise=0.5, seed=3, dt_grid=0.25)
    assert np.allclose(gridded[:, 2] * 4, np.round(gridded[:, 2] * 4))
    with pytest.raises(MusicnbError, match="primer"):
        generate_note_events(model, arrays[0][:2], 5)
    # what crashed with a raw ValueError, or would have asked for 24 GB of noise at once
    primer = arrays[0][:5]
    for args, kwargs, says in [
        ((10**9,), {}, "n_notes=1000000000: give a whole number between 1 and 100000"),
        (("many",), {}, "n_notes='many'"),
        ((4,), {"noise": "some"}, "noise='some'"),
        ((4,), {"noise": -1}, "noise=-1"),
        ((4,), {"dt_grid": 0}, "dt_grid=0"),
        ((4,), {"seed": 1.5}, "seed=1.5"),
    ]:
        with pytest.raises(MusicnbError, match=says):
            generate_note_events(model, primer, *args, **kwargs)
    with pytest.raises(MusicnbError, match="NaN"):
        generate_note_events(model, np.full((5, 3), np.nan), 4)
    with pytest.raises(MusicnbError, match="primer must be"):
        generate_note_events(model, "C D E", 4)


def test_paper_sizes_give_table_2_parameter_counts():
    from musicnb.models.pitch_regression import PAPER_PARAMETERS

    model = pitch_regression_lstm(normalization_data=np.concatenate(toy_arrays()))
    counts = {name: model.get_layer(name).count_params() for name in PAPER_PARAMETERS}
    assert counts == {"lstm": 9_984, "dense": 1_176, "standardised_next": 75}
    assert model.input_shape == (None, 3, 3)
    assert type(model.loss).__name__ == "PitchRegressionLoss" and model.loss.cost.name == "paper"
    plain = pitch_regression_lstm(normalization_data=np.concatenate(toy_arrays()), loss="mse")
    assert type(plain.loss).__name__ == "PlainPitchMSE"


def _midi(path, notes, channels=(0,)):
    """notes: (pitch, start, length, velocity, channel), one track per channel of ``channels``."""
    from midi_builders import note_track, save_midi

    tracks = [
        note_track([(p, s, n, ch, v) for p, s, n, v, ch in notes if ch == channel])
        for channel in channels
    ]
    return save_midi(path, tracks)


def test_all_notes_across_channels_with_real_velocities_and_chords_as_dt_zero(tmp_path):
    from musicnb.corpus import read_file
    from musicnb.encoders import NoteEventEncoder

    notes = [
        (48, 0.0, 2.0, 50, 1),
        (52, 0.0, 2.0, 55, 1),
        (55, 0.0, 2.0, 60, 1),  # a C chord, ch 1
        (72, 0.0, 1.0, 100, 0),
        (74, 1.0, 0.5, 90, 0),
        (76, 1.5, 0.5, 80, 0),
    ]  # melody, ch 0
    piece = read_file(_midi(tmp_path / "two.mid", notes, channels=(0, 1)), layout="general")[0]
    events = NoteEventEncoder(part="all").encode(piece)
    assert events[:, 0].tolist() == [48, 52, 55, 72, 74, 76]
    assert events[:, 1].tolist() == [50, 55, 60, 100, 90, 80]  # the file's own velocities
    assert events[:, 2].tolist() == [0.0, 0.0, 0.0, 0.0, 1.0, 0.5]  # ticks / ticks per beat
    decoded = NoteEventEncoder(part="all").decode(events)
    assert int(np.sum(np.isclose(decoded.start, 0.0))) == 4  # the chord comes back as a chord
    # one channel, one velocity everywhere: still encodes (a constant velocity column)
    flat = [(p, s, d, 64, 0) for p, s, d, _, _ in notes]
    one = read_file(_midi(tmp_path / "one.mid", flat))[0]
    rows = NoteEventEncoder(part="all").encode(one)
    assert rows.shape == (6, 3) and set(rows[:, 1].tolist()) == {64.0}
    X, y = note_event_windows([rows], 3)
    assert X.shape == (3, 3, 3)
    with pytest.raises(MusicnbError, match="'all'"):
        NoteEventEncoder(part="everything")

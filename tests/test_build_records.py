"""Build records: each builder's name and params, kept beside the model, never on it."""

from __future__ import annotations

import gc

import pytest

keras = pytest.importorskip("keras")

from musicnb.models import build_records  # noqa: E402
from musicnb.models.build_records import build_record, register_build, rename_build  # noqa: E402
from musicnb.models.melody_harmony import melody_harmony_lstm  # noqa: E402
from musicnb.models.next_note import midi_rnn_lstm, onehot_lstm, stacked_lstm  # noqa: E402
from musicnb.models.pitch_regression import pitch_regression_lstm  # noqa: E402


def test_builders_record_their_name_and_params_without_touching_the_keras_model():
    for model, builder in (
        (onehot_lstm(8, window=5, units=4), "onehot_lstm"),
        (stacked_lstm(8, window=5, units=4, layers=2), "stacked_lstm"),
        (midi_rnn_lstm(window=5, units=4, layers=1), "midi_rnn_lstm"),
        (pitch_regression_lstm(lookback=3, units=4, dense_units=4), "pitch_regression_lstm"),
        (melody_harmony_lstm(6, 5, units=4, layers=1), "melody_harmony_lstm"),
    ):
        record = build_record(model)
        assert record["builder"] == builder, (builder, record)
        assert not [name for name in vars(model) if "musicnb" in name], vars(model).keys()
    assert build_record(midi_rnn_lstm(window=5, units=4, layers=1))["params"]["clip_value"] == 5.0


def test_a_record_is_a_copy_and_goes_away_with_its_model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    assert build_record(model) == {} and build_record(object()) == {} and build_record(1) == {}
    register_build(model, "tiny", {"units": 2})
    build_record(model)["builder"] = "changed"
    assert build_record(model) == {"builder": "tiny", "params": {"units": 2}}
    rename_build(model, "tinier", extra=1)
    assert build_record(model) == {"builder": "tinier", "params": {"units": 2, "extra": 1}}

    def tinier() -> int:
        return sum(r["builder"] == "tinier" for r in build_records._RECORDS.values())

    assert tinier() == 1
    del model
    gc.collect()
    assert tinier() == 0

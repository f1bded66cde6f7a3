"""MelodyHarmonyEncoder, the two-head LSTM, its metrics, baselines and sampler."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from musicnb import ChordLabel, MusicnbError, Piece
from musicnb.encoders import MelodyHarmonyEncoder, load_encoder
from musicnb.encoders.events import HOLD, REST


def chorale() -> Piece:
    """Soprano C5 D5 E5(half) over C major then D minor in three lower voices."""
    soprano = [(72, 0, 1, 90, 0), (74, 1, 1, 90, 0), (76, 2, 2, 90, 0)]
    lower = [
        (67, 0, 2, 90, 1),
        (64, 0, 2, 90, 2),
        (48, 0, 2, 90, 3),
        (69, 2, 2, 90, 1),
        (65, 2, 2, 90, 2),
        (50, 2, 2, 90, 3),
    ]
    return Piece.from_notes(soprano + lower, title="chorale")


def lead_sheet() -> Piece:
    """A tune with chord symbols (as Nottingham/ABC pieces carry them)."""
    return Piece.from_notes(
        [(67, 0, 1), (67, 1, 1), (69, 2, 2), (71, 4, 2)],
        title="lead",
        chords=[ChordLabel(0, 2, "G7"), ChordLabel(2, 2, "D/F#"), ChordLabel(4, 2, "Em")],
    )


def test_chords_detected_from_lower_voices_and_melody_from_soprano():
    encoder = MelodyHarmonyEncoder(min_count=1).fit([chorale()])
    assert encoder.chord_vocabulary[:2] == ["N.C.", "other"]
    assert set(encoder.chord_vocabulary[2:]) == {"C", "Dm"}
    melody, chords = encoder.encode(chorale())
    c5 = encoder.melody_class(72)
    assert melody[:5].tolist() == [c5, HOLD, HOLD, HOLD, encoder.melody_class(74)]
    names = [encoder.chord_vocabulary[c] for c in chords]
    assert names == ["C"] * 8 + ["Dm"] * 8


def test_detected_chords_are_read_once_per_beat_unless_asked_per_step():
    # C-E-G on the beat, then alto and tenor move to F and A (an F chord) for three 16ths
    piece = Piece.from_notes(
        [
            (72, 0, 4, 90, 0),
            (64, 0, 0.25, 90, 1),
            (65, 0.25, 0.75, 90, 1),
            (67, 0, 0.25, 90, 2),
            (69, 0.25, 0.75, 90, 2),
            (48, 0, 1, 90, 3),
        ]
    )
    per_beat = MelodyHarmonyEncoder(min_count=1).fit([piece])
    _, chords = per_beat.encode(piece)
    assert [per_beat.chord_vocabulary[c] for c in chords[:4]] == ["C"] * 4
    per_step = MelodyHarmonyEncoder(min_count=1, chord_every=1).fit([piece])
    _, chords = per_step.encode(piece)
    assert (
        per_step.chord_vocabulary[chords[0]] == "C" and per_step.chord_vocabulary[chords[1]] == "F"
    )


def test_chord_symbols_are_simplified_and_sevenths_configurable():
    triads = MelodyHarmonyEncoder(min_count=1).fit([lead_sheet()])
    assert set(triads.chord_vocabulary[2:]) == {"G", "D", "Em"}
    sevenths = MelodyHarmonyEncoder(min_count=1, sevenths=True).fit([lead_sheet()])
    assert "G7" in sevenths.chord_vocabulary and "G" not in sevenths.chord_vocabulary
    _, chords = sevenths.encode(lead_sheet())
    assert sevenths.chord_vocabulary[chords[0]] == "G7"


def test_vocabulary_from_training_only_with_rare_chords_as_other():
    common = lead_sheet()
    rare = Piece.from_notes([(60, 0, 4)], chords=[ChordLabel(0, 4, "Bbm")])
    encoder = MelodyHarmonyEncoder(min_count=2).fit([common, common, rare])
    assert "Bbm" not in encoder.chord_vocabulary and "G" in encoder.chord_vocabulary
    assert encoder.chord_counts["Bbm"] == 1
    _, chords = encoder.encode(rare)
    assert set(chords.tolist()) == {1}  # other
    unseen = Piece.from_notes([(60, 0, 2)], chords=[ChordLabel(0, 1, "F#")])
    _, chords = encoder.encode(unseen)
    assert chords.tolist() == [1, 1, 1, 1, 0, 0, 0, 0]  # other, then no chord


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 3)), min_size=1, max_size=30))
def test_round_trip_tokens_to_piece_to_tokens(steps):
    encoder = MelodyHarmonyEncoder(min_count=1).fit([lead_sheet()])
    melody = np.array([s[0] % encoder.n_melody for s in steps], np.int32)
    melody[0] = REST if melody[0] == HOLD else melody[0]
    # a hold after a rest is impossible: make every hold follow a note or hold
    for i in range(1, len(melody)):
        if melody[i] == HOLD and melody[i - 1] == REST:
            melody[i] = REST
    chords = np.array([s[1] for s in steps], np.int32)
    chords[chords == 1] = 0  # "other" is not a chord that can be written back
    chords = np.where(chords >= encoder.n_chords, 2, chords)
    piece = encoder.decode(melody, chords)
    again_m, again_c = encoder.encode(piece)
    assert again_m.tolist() == melody.tolist()
    assert again_c.tolist() == chords.tolist()


def test_piece_round_trip_melody_part_0_and_chords_as_labels():
    encoder = MelodyHarmonyEncoder(min_count=1).fit([lead_sheet()])
    piece = encoder.decode(*encoder.encode(lead_sheet()))
    assert piece.same_notes(lead_sheet())
    assert [c.label for c in piece.chords] == ["G", "D", "Em"]
    assert [(c.start, c.duration) for c in piece.chords] == [(0, 2), (2, 2), (4, 2)]
    voiced = encoder.decode(*encoder.encode(lead_sheet()), chord_notes=True)
    harmony = voiced.select(voiced.part == 1)
    assert harmony.pitch[harmony.start == 0].tolist() == sorted([55, 59, 62], reverse=True)  # G B D
    assert voiced.select(voiced.part == 0).same_notes(lead_sheet())


def test_without_hold_a_held_note_repeats_its_class():
    encoder = MelodyHarmonyEncoder(min_count=1, hold=False).fit([lead_sheet()])
    melody, _ = encoder.encode(lead_sheet())
    g4 = encoder.melody_class(67)
    assert melody[:8].tolist() == [g4] * 8  # two quarter-note Gs look like one half note
    assert encoder.n_melody == 1 + 37 and "hold" not in encoder.melody_vocabulary
    assert encoder.decode(melody, np.zeros_like(melody)).n_notes == 3  # ...and decode as one


def test_zimmerman_representation(tmp_path):
    # melody: G4 held two beats then B4; chords: a Bdim bar, then G7 for three bars, an F once
    tune = Piece(
        [67, 71, 50],
        [0.0, 2.0, 20.0],
        [2.0, 2.0, 1.0],
        part=[0, 0, 0],
        chords=[ChordLabel(0, 4, "Bdim"), ChordLabel(4, 12, "G7"), ChordLabel(16, 1, "F")],
    )
    encoder = MelodyHarmonyEncoder.zimmerman(min_count=16).fit([tune])
    assert (encoder.low, encoder.high, encoder.hold, encoder.transpose) == (55, 88, False, False)
    assert encoder.n_melody == 35  # rest + MIDI 55..88, no hold class
    melody, chords = encoder.encode(tune)
    # a held note repeats its (sounding pitch) class: no hold token
    assert melody[:8].tolist() == [1 + 67 - 55] * 8 and melody[8] == 1 + 71 - 55
    vocabulary = encoder.chord_vocabulary
    # counted per 16th step: Bm (dim as minor) 16 steps, G (seventh dropped) 48, F only 4
    assert encoder.chord_counts == {"Bm": 16, "G": 48, "F": 4}
    assert vocabulary[chords[0]] == "Bm" and vocabulary[chords[20]] == "G"
    assert chords[64] == 0  # F seen on fewer than min_count steps: NONE (N.C.), not "other"
    assert 1 not in chords.tolist()
    restored = load_encoder(encoder.save(tmp_path / "z.json"))
    assert restored.rare_chord == "no_chord" and restored.diminished_as_minor
    assert restored.encode(tune)[1].tolist() == chords.tolist()


def test_save_load_and_clear_errors(tmp_path):
    encoder = MelodyHarmonyEncoder(min_count=1, sevenths=True, transpose=True).fit([lead_sheet()])
    path = encoder.save(tmp_path / "encoder.json")
    again = load_encoder(path)
    assert again == encoder and again.chord_vocabulary == encoder.chord_vocabulary
    assert np.array_equal(again.encode(chorale())[1], encoder.encode(chorale())[1])
    with pytest.raises(MusicnbError, match="fit"):
        MelodyHarmonyEncoder().encode(lead_sheet())
    with pytest.raises(MusicnbError, match="melody_part"):
        MelodyHarmonyEncoder(melody_part=5, min_count=1).fit([lead_sheet()])
    with pytest.raises(MusicnbError, match="steps"):
        encoder.decode([0, 0, 0], [0, 0])


def test_transpose_moves_melody_and_chords_together():
    tune = Piece.from_notes([(62, 0, 2), (66, 2, 2)], key="D major", chords=[ChordLabel(0, 4, "D")])
    encoder = MelodyHarmonyEncoder(min_count=1, transpose=True).fit([tune])
    melody, chords = encoder.encode(tune)
    assert encoder.chord_vocabulary[chords[0]] == "C"
    assert melody[0] == encoder.melody_class(60) and melody[8] == encoder.melody_class(64)


# ---------------------------------------------------------------- metrics and baselines


def test_argmax_and_sampled_accuracy_and_overall():
    from musicnb.metrics import argmax_accuracy, melody_harmony_accuracies, sampled_accuracy

    y = np.array([0, 1])
    probs = np.array([[0.6, 0.4], [0.7, 0.3]])
    assert argmax_accuracy(y, probs) == 0.5
    assert sampled_accuracy(y, probs) == pytest.approx((0.6 + 0.3) / 2)
    figures = melody_harmony_accuracies(
        y, probs, np.array([1, 1]), np.array([[0.2, 0.8], [0.1, 0.9]])
    )
    assert figures["joint_argmax"] == 0.5
    assert figures["joint_sampled"] == pytest.approx((0.6 * 0.8 + 0.3 * 0.9) / 2)
    assert figures["harmony_sampled"] == pytest.approx(0.85)
    # overall = mean of the two heads (Zimmerman: 77.84 % ~ (64.15 + 91.57) / 2)
    assert figures["overall_argmax"] == pytest.approx((0.5 + 1.0) / 2)
    assert figures["overall_sampled"] == pytest.approx((0.45 + 0.85) / 2)


def test_sampled_accuracy_can_exceed_argmax_accuracy():
    from musicnb.metrics import argmax_accuracy, sampled_accuracy

    probs = np.array([[0.4, 0.6]])  # 0.4 on the true class, 0.6 elsewhere
    assert argmax_accuracy([0], probs) == 0.0
    assert sampled_accuracy([0], probs) == pytest.approx(0.4)


def test_repeat_and_bigram_baselines():
    from musicnb.metrics import bigram_table, melody_harmony_baselines, repeat_previous_accuracy

    assert repeat_previous_accuracy([np.array([1, 1, 2, 2]), np.array([3, 3])]) == pytest.approx(
        3 / 4
    )
    table = bigram_table([np.array([0, 1, 0, 1, 0])], 2, smoothing=0.0)
    assert table.tolist() == [[0.0, 1.0], [1.0, 0.0]]
    train = [np.array([0, 1, 0, 1, 0, 1])]
    out = melody_harmony_baselines(train, train, train, [np.array([1, 1, 1, 1, 1, 1])], 2, 2)
    assert out["repeat_melody"] == 0.0 and out["repeat_harmony"] == 1.0
    assert out["bigram_melody_argmax"] == 1.0 and out["bigram_harmony_argmax"] == 0.0


# ---------------------------------------------------------------- model, training, sampling


def test_model_trains_on_chunks_saves_alpha_and_samples(tmp_path):
    import keras

    from musicnb.models import melody_harmony_lstm
    from musicnb.models.melody_harmony import (
        MelodyHarmonySampler,
        evaluate_melody_harmony,
        melody_harmony_chunks,
        melody_harmony_dataset,
        progression_labels,
    )

    keras.utils.set_random_seed(0)
    encoder = MelodyHarmonyEncoder(min_count=1).fit([lead_sheet(), chorale()])
    pieces = [lead_sheet(), chorale()] * 8
    melodies, chords = encoder.encode_many(pieces)
    X, Y = melody_harmony_chunks(melodies, chords, length=8)
    assert X["melody_in"].shape == Y["chord"].shape and np.array_equal(
        X["melody_in"][0, 1:], Y["melody"][0, :-1]
    )
    model = melody_harmony_lstm(encoder.n_melody, encoder.n_chords, units=16, alpha=0.25)
    history = model.fit(melody_harmony_dataset(X, Y, batch_size=8), epochs=3, verbose=0).history
    assert history["loss"][-1] < history["loss"][0]
    for name in ("melody_accuracy", "chord_accuracy", "melody_sampled_accuracy", "chord_loss"):
        assert name in history
    # the total loss is alpha * CE(melody) + (1 - alpha) * CE(chord)
    result = model.evaluate(
        melody_harmony_dataset(X, Y, shuffle=False), return_dict=True, verbose=0
    )
    assert result["loss"] == pytest.approx(
        0.25 * result["melody_loss"] + 0.75 * result["chord_loss"], rel=1e-3
    )
    model.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras")
    assert again._compile_config.config["loss_weights"] == {"melody": 0.25, "chord": 0.75}
    figures = evaluate_melody_harmony(again, melodies[:2], chords[:2], melodies, chords)
    assert figures["test_steps"] == len(melodies[0]) + len(melodies[1]) - 2
    assert all(0.0 <= figures[k] <= 1.0 for k in figures if k != "test_steps")

    sampler = MelodyHarmonySampler(again, encoder)
    m1, c1 = sampler.generate(length=20, streams=3, seed=7)
    m2, c2 = sampler.generate(length=20, streams=3, seed=7)
    assert m1.shape == (3, 20) and np.array_equal(m1, m2) and np.array_equal(c1, c2)
    assert m1.max() < encoder.n_melody and c1.max() < encoder.n_chords
    for kwargs, says in [
        ({"length": 10**9}, "length=1000000000: give a whole number between 1 and 100000"),
        ({"length": "20"}, "length='20'"),
        ({"length": 20, "streams": 0}, "streams=0"),
        ({"length": 20, "temperature": "warm"}, "temperature='warm'"),
        ({"length": 20, "seed": "x"}, "seed='x'"),
        ({"progression": "I-IV-V", "bars": 10**6}, "bars=1000000"),
    ]:
        with pytest.raises(MusicnbError, match=says):
            sampler.generate(**kwargs)
    labels = progression_labels("I-V", key="G major", bars=2, steps_per_bar=4)
    assert labels == ["G"] * 4 + ["D"] * 4
    m3, c3 = sampler.generate(progression="I-V", key="G major", bars=2, steps_per_bar=4, seed=1)
    assert [encoder.chord_vocabulary[c] for c in c3[0]] == labels
    piece = sampler.to_pieces(m3, c3)[0]
    assert [c.label for c in piece.chords] == ["G", "D"]


def test_roman_numerals_in_major_and_minor_keys():
    from musicnb.models.melody_harmony import progression_labels, roman_to_chord

    assert [roman_to_chord(r, "C major") for r in ("I", "vi", "IV", "V7", "vii°", "bVII")] == [
        "C",
        "Am",
        "F",
        "G7",
        "Bdim",
        "Bb",
    ]
    assert roman_to_chord("i", "a minor") == "Am" and roman_to_chord("V", "a minor") == "E"
    assert progression_labels("C-Am", bars=3, steps_per_bar=1) == ["C", "Am", "C"]
    with pytest.raises(MusicnbError, match="progression"):
        progression_labels("")


def test_carried_state_lanes_continue_each_tune_and_mark_where_a_new_one_starts():
    from musicnb.models.melody_harmony import carried_state_lanes

    melodies = [np.arange(10) % 7, np.arange(4) % 7, np.arange(7) % 7]
    chords = [np.arange(10) % 3, np.arange(4) % 3, np.arange(7) % 3]
    chunks = carried_state_lanes(melodies, chords, lanes=2, length=4)
    # the 10-step tune (3 chunks) alone in lane 0; the 7- and 4-step tunes (2 + 1) in lane 1
    assert len(chunks) == 3
    assert [c.starts.tolist() for c in chunks] == [[True, True], [False, False], [False, True]]
    lane0 = np.concatenate([c.inputs["melody_in"][0] for c in chunks])
    target0 = np.concatenate([c.targets["melody"][0] for c in chunks])
    assert lane0[:9].tolist() == (np.arange(9) % 7).tolist()  # one tune, carried across chunks
    assert target0[:9].tolist() == (np.arange(1, 10) % 7).tolist()  # the next step, always
    assert chunks[2].weight[0].tolist() == [1, 0, 0, 0]  # its last chunk padded with weight 0
    assert chunks[2].inputs["chord_in"][1][:3].tolist() == [0, 1, 2]  # next tune starts anew
    # every real step is trained exactly once, whatever the lanes and the shuffle
    for lanes, seed in ((1, None), (2, 0), (5, 3)):
        chunks = carried_state_lanes(melodies, chords, lanes=lanes, length=3, seed=seed)
        assert sum(c.weight.sum() for c in chunks) == sum(len(m) - 1 for m in melodies)
    with pytest.raises(MusicnbError, match="same encoder"):
        carried_state_lanes([np.arange(5)], [np.arange(4)])
    with pytest.raises(MusicnbError, match="positive"):
        carried_state_lanes(melodies, chords, lanes=0)


def test_whole_tune_predictions_equal_one_eager_pass_per_tune():
    import keras

    from musicnb.models import melody_harmony_lstm
    from musicnb.models.melody_harmony import predict_melody_harmony

    keras.utils.set_random_seed(0)
    model = melody_harmony_lstm(5, 4, units=6)
    rng = np.random.default_rng(0)
    melodies = [rng.integers(0, 5, n) for n in (9, 3, 17, 1)]
    chords = [rng.integers(0, 4, n) for n in (9, 3, 17, 1)]
    out = predict_melody_harmony(model, melodies, chords, batch_size=2)
    for (pm, pc), m, c in zip(out, melodies, chords):
        assert pm.shape == (len(m) - 1, 5) and pc.shape == (len(c) - 1, 4)
        if len(m) > 1:
            ref = model({"melody_in": m[None, :-1], "chord_in": c[None, :-1]}, training=False)
            np.testing.assert_allclose(pm, np.asarray(ref["melody"])[0], atol=1e-5)
            np.testing.assert_allclose(pc, np.asarray(ref["chord"])[0], atol=1e-5)


def test_zimmerman_training_carries_state_and_keeps_the_best_epoch():
    import keras

    from musicnb.models import melody_harmony_lstm
    from musicnb.models.melody_harmony import (
        melody_harmony_loss,
        train_carrying_state,
        zimmerman_config,
    )

    keras.utils.set_random_seed(0)
    melodies = [np.tile([1, 1, 2, 2, 3, 3, 0, 0], 12) for _ in range(4)]
    chords = [np.tile([2, 2, 2, 2, 3, 3, 3, 3], 12) for _ in range(4)]
    config = zimmerman_config(units=8)
    assert config["optimizer"] == "rmsprop" and config["learning_rate"] == 5e-3
    model = melody_harmony_lstm(4, 4, **config)
    assert type(model.optimizer).__name__ == "RMSprop" and float(model.optimizer.rho) == 0.9
    before = melody_harmony_loss(model, melodies, chords)
    result = train_carrying_state(
        model,
        (melodies, chords),
        (melodies, chords),
        epochs=3,
        batch_size=2,
        length=32,
        verbose=False,
    )
    after = melody_harmony_loss(model, melodies, chords)
    assert result["epochs_done"] == 3 and after < before
    assert after == pytest.approx(min(h["val_loss"] for h in result["history"]), rel=1e-4)
    with pytest.raises(MusicnbError, match="setting"):
        zimmerman_config(hidden=3)

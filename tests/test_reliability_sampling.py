"""Issue 11, sampling and names: the same seed gives the same notes with or without XLA,
wrong knobs and windows say what is wrong, unknown key names are refused, non-Latin-1 titles
write, and user-typed names never leave their folder."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from test_sampling import sequence_model, window_model  # noqa: E402

from musicnb import MusicnbError  # noqa: E402
from musicnb.piece import Piece  # noqa: E402
from musicnb.sampling import Sampler  # noqa: E402


# ---------------------------------------------------------------- item 7: seed vs compilation
@pytest.mark.parametrize("kind", ["recurrent", "window"])
def test_same_seed_same_notes_with_and_without_xla(kind):
    model = sequence_model(seed=3) if kind == "recurrent" else window_model(window=4, seed=3)
    compiled = Sampler(model, jit_compile=True, chunk=16)
    plain = Sampler(model, jit_compile=False, chunk=16)
    assert compiled.mode == plain.mode == kind
    a = compiled.generate([2, 5, 1], 40, streams=4, seed=1, temperature=1.0, top_p=0.95)
    b = plain.generate([2, 5, 1], 40, streams=4, seed=1, temperature=1.0, top_p=0.95)
    assert np.array_equal(a, b), f"only {(a == b).mean():.0%} of the tokens agree"
    assert not np.array_equal(a, plain.generate([2, 5, 1], 40, streams=4, seed=2))


def test_hashed_uniforms_are_uniform_and_independent_of_compilation():
    import tensorflow as tf

    from musicnb.sampling import _uniform_tf

    def draw(seed, step):
        return _uniform_tf(tf.constant([64, 257]), tf.constant(seed), tf.constant(step))

    eager = draw(7, 3).numpy()
    xla = tf.function(draw, jit_compile=True)(7, 3).numpy()
    assert np.array_equal(eager, xla)
    assert eager.min() > 0 and eager.max() < 1
    assert abs(eager.mean() - 0.5) < 0.01 and abs(eager.std() - 12**-0.5) < 0.01
    assert not np.array_equal(eager, draw(7, 4).numpy()) and not np.array_equal(
        eager, draw(8, 3).numpy()
    )
    # rows (streams) and columns (tokens) are not copies of one another
    assert np.abs(np.corrcoef(eager[:8])[np.triu_indices(8, 1)]).max() < 0.3


# ---------------------------------------------------------------- items 9 and 12: arguments
@pytest.fixture(scope="module")
def sampler():
    return Sampler(sequence_model(), jit_compile=False)


# Knobs that used to crash deep inside (raw TypeError/ValueError) or were taken silently.
@pytest.mark.parametrize(
    "kwargs,word",
    [
        ({"temperature": "hot"}, "temperature"),
        ({"seed": "abc"}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"top_k": True}, "top_k"),
        ({"top_p": "0.9"}, "top_p"),
        ({"length": None}, "length"),
    ],
)
def test_generate_rejects_wrong_knobs_with_a_musicnb_error(sampler, kwargs, word):
    args = {"length": 4, **kwargs}
    with pytest.raises(MusicnbError, match=word):
        sampler.generate([1], **args)


def test_an_absurd_length_or_stream_count_is_refused_at_once_instead_of_running_for_hours(
    sampler,
):
    import time

    from musicnb.validation import MAX_GENERATED_STEPS, MAX_STREAMS

    began = time.monotonic()
    with pytest.raises(
        MusicnbError,
        match=r"length=1000000000: .*between 1 and 100000. It counts tokens; .*in parts",
    ):
        sampler.generate([1], 10**9)  # a typo of three zeros: about 30 hours before the fix
    with pytest.raises(MusicnbError, match=r"streams=1000000: .*between 1 and 1024"):
        sampler.generate([1], 4, streams=10**6)
    assert time.monotonic() - began < 5
    assert sampler.generate([1], 8, streams=2).shape == (2, 8)
    assert MAX_GENERATED_STEPS == 100_000 and MAX_STREAMS == 1_024


# Control, not a defect: knobs the sampler refused before the fix and must still refuse.
@pytest.mark.parametrize(
    "kwargs,word",
    [
        ({"temperature": float("nan")}, "temperature"),
        ({"top_k": 2.5}, "top_k"),
        ({"streams": "2"}, "streams"),
    ],
)
def test_generate_still_refuses_the_knobs_it_refused_before(sampler, kwargs, word):
    args = {"length": 4, **kwargs}
    with pytest.raises(MusicnbError, match=word):
        sampler.generate([1], **args)


def test_generate_rejects_a_text_or_ragged_primer(sampler):
    with pytest.raises(MusicnbError, match="encoder.encode"):
        sampler.generate("C4 D4", 4)
    with pytest.raises(MusicnbError, match="rectangular|integer"):
        sampler.generate([[2, 1], [3]], 4)
    with pytest.raises(MusicnbError, match="integer"):
        sampler.generate([None, 1], 4)


def test_a_huge_top_k_keeps_every_token_instead_of_wrapping_to_one(sampler):
    huge = sampler.generate([1], 64, streams=4, seed=3, top_k=2**32 + 1)
    off = sampler.generate([1], 64, streams=4, seed=3)
    assert np.array_equal(huge, off)  # k above the vocabulary is top-k off, not k = 1
    assert len(np.unique(huge)) > 1


@pytest.mark.parametrize("window", [0, -3, 2.5, "4"])
def test_sampler_window_zero_names_the_window(window):
    with pytest.raises(MusicnbError, match="window"):
        Sampler(window_model(window=4), window=window)
    try:
        Sampler(window_model(window=4), window=window)
    except MusicnbError as exc:
        assert "one step at a time" not in str(exc)


# ---------------------------------------------------------------- item 8: key names
@pytest.mark.parametrize("name", ["G majr", "G blues", "H major", "G dorian minor", "Gx", "7"])
def test_unknown_key_names_are_refused_with_the_accepted_list(name):
    from musicnb.harmony import parse_key_name, scale_pitch_classes

    for fn in (parse_key_name, scale_pitch_classes):
        with pytest.raises(MusicnbError, match="dorian") as info:
            fn(name)
        assert "major" in str(info.value)


# Control, not a defect: the major and minor names read as they always did.
@pytest.mark.parametrize(
    "name,tonic,family,scale",
    [
        ("G major", 7, "major", {7, 9, 11, 0, 2, 4, 6}),
        ("e minor", 4, "minor", {4, 6, 7, 9, 11, 0, 2}),
        ("Bbm", 10, "minor", {10, 0, 1, 3, 5, 6, 8}),
        ("g", 7, "minor", {7, 9, 10, 0, 2, 3, 5}),
        ("C maj", 0, "major", {0, 2, 4, 5, 7, 9, 11}),
    ],
)
def test_major_and_minor_names_read_as_before(name, tonic, family, scale):
    from musicnb.harmony import parse_key_name, scale_pitch_classes

    assert parse_key_name(name) == (tonic, family)
    assert set(scale_pitch_classes(name)) == scale


@pytest.mark.parametrize(
    "name,tonic,family,scale",
    [
        ("G dorian", 7, "minor", {7, 9, 10, 0, 2, 4, 5}),
        ("g phrygian", 7, "minor", {7, 8, 10, 0, 2, 3, 5}),
        ("F lydian", 5, "major", {5, 7, 9, 11, 0, 2, 4}),
        ("D mixolydian", 2, "major", {2, 4, 6, 7, 9, 11, 0}),
        ("B locrian", 11, "minor", {11, 0, 2, 4, 5, 7, 9}),
    ],
)
def test_modes_have_their_own_scale_and_fold_onto_major_or_minor(name, tonic, family, scale):
    from musicnb.harmony import parse_key_name, scale_pitch_classes

    assert parse_key_name(name) == (tonic, family)
    assert set(scale_pitch_classes(name)) == scale


# ---------------------------------------------------------------- item 3: non-Latin-1 titles
def test_midi_write_keeps_a_title_outside_latin_1(tmp_path):
    from musicnb import midi

    piece = Piece.from_notes([(60, 0, 1)], title="Îñţ 音楽", part_names=("Vóx ţ",))
    path = midi.write(piece, tmp_path / "u.mid")
    back = midi.read(path)
    assert back.title == "Îñţ 音楽" and back.part_names == ("Vóx ţ",)
    from musicnb.corpus import load_corpus

    pieces, _ = load_corpus(str(path), cache=False)
    assert pieces[0].title == "Îñţ 音楽"


def test_export_of_a_score_with_a_non_latin_1_title(tmp_path):
    from musicnb.exporting import export

    piece = Piece.from_notes([(60, 0, 1), (64, 1, 1)], title="Ţara 音")
    result = export(piece, "Ţara 音", folder=tmp_path, wav=False)
    assert result.midi_path.parent == tmp_path and result.midi_path.name == "Tara.mid"


# ---------------------------------------------------------------- item 4: one name sanitiser
@pytest.mark.parametrize(
    "name,stem",
    [
        ("../../escape", "escape"),
        ("..", None),
        ("a/../../b", "a_b"),
        ("Îñţ song", "Int_song"),
        (".hidden", "hidden"),
        ("C:\\x\\y", "C_x_y"),
    ],
)
def test_safe_stem_never_leaves_the_folder(name, stem):
    from musicnb.names import safe_stem

    if stem is None:
        with pytest.raises(MusicnbError, match="file name"):
            safe_stem(name)
    else:
        assert safe_stem(name) == stem
        assert "/" not in stem and "\\" not in stem and not stem.startswith(".")


# ---------------------------------------------------------------- item 11: bounded audio
def test_export_of_a_very_long_piece_raises_before_allocating(tmp_path):
    from musicnb.exporting import export

    with pytest.raises(MusicnbError, match="hours"):
        export(Piece.from_notes([(60, 0, 400000)]), "long", folder=tmp_path)
    assert list(tmp_path.iterdir()) == []
    result = export(Piece.from_notes([(60, 0, 400000)]), "long", folder=tmp_path, wav=False)
    assert result.midi_path.exists()


# ---------------------------------------------------------------- items 4, 9, 13: the CLI
def test_cli_generate_name_cannot_escape_out_and_bad_folders_say_so(tmp_path, monkeypatch):
    import musicnb.__main__ as cli

    class FakeSampler:
        last_repairs = [0]

        def __init__(self, *a, **k):
            pass

        def generate(self, *a, **k):
            return np.zeros((1, 4), np.int32)

        def to_pieces(self, tokens, tempo, title, primer):
            return [Piece.from_notes([(60, 0, 1)], title=title)]

    class FakeRun:
        encoder = object()
        model = None
        run_dir = tmp_path / "run"

    monkeypatch.setattr("musicnb.training.load_run", lambda *a, **k: FakeRun())
    monkeypatch.setattr("musicnb.sampling.Sampler", FakeSampler)
    monkeypatch.setattr("musicnb.diagnostics.generation_diagnostics", lambda *a, **k: "")
    out = tmp_path / "o" / "a" / "b"
    assert cli.main(["generate", "--run", "x", "--name", "../../escape", "--out", str(out)]) == 0
    assert [p.name for p in out.iterdir()] == ["escape_01.mid"]
    assert not (tmp_path / "o" / "escape_01.mid").exists()
    assert cli.main(["generate", "--run", "x", "--name", "Îñţ song", "--out", str(out)]) == 0
    assert (out / "Int_song_01.mid").exists()
    from musicnb import midi

    assert midi.read(out / "Int_song_01.mid").title == "Îñţ song"
    file = tmp_path / "file"
    file.write_text("x")
    assert cli.main(["generate", "--run", "x", "--out", str(file)]) == 2


@pytest.mark.parametrize("flag", [["--learning-rate", "-1"], ["--patience", "-1"]])
def test_cli_train_refuses_bad_numbers(flag, capsys):
    import musicnb.__main__ as cli

    assert cli.main(["train", *flag]) == 2
    assert flag[0] in capsys.readouterr().err


def test_cli_drum_only_primer_says_so(tmp_path):
    import argparse

    import mido

    import musicnb.__main__ as cli

    midi = mido.MidiFile(type=1)
    midi.tracks.append(
        mido.MidiTrack(
            [
                mido.Message("note_on", channel=9, note=36, velocity=90),
                mido.Message("note_off", channel=9, note=36, time=480),
            ]
        )
    )
    midi.save(str(tmp_path / "drums.mid"))

    class Run:
        encoder = None

    args = argparse.Namespace(primer=str(tmp_path / "drums.mid"), primer_steps=32)
    with pytest.raises(MusicnbError, match="drum"):
        cli._primer_tokens(args, Run())

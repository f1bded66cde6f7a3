"""The generation studio without a browser: build it, set values, click, read what it shows.

Most tests drive a fake engine (tokens drawn from the seed with NumPy) so they take
milliseconds; one test trains a tiny real run and goes through ``musicnb.Sampler``.
"""

from __future__ import annotations

import base64
import io
import json
import re
import threading
import wave
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

import musicnb
from musicnb import Piece, widgets
from musicnb.encoders import EventEncoder

ENCODER = EventEncoder()


class FakeEngine:
    """Draws onset/hold tokens from the seed; records every call."""

    def __init__(self, name: str = "fake", gate: threading.Event | None = None) -> None:
        self.name = name
        self.encoder = ENCODER
        self.vocab_size = ENCODER.vocab_size
        self.info = {}
        self.calls: list[dict] = []
        self.gate = gate  # when given, each chunk waits for it (to test Cancel)
        self.entered = threading.Event()

    def generate_chunk(self, primers, length, *, temperature, top_k, top_p, seed, key):
        self.calls.append(
            dict(
                primers=np.array(primers),
                length=length,
                temperature=temperature,
                top_k=top_k,
                top_p=top_p,
                seed=seed,
                key=key,
            )
        )
        self.entered.set()
        if self.gate is not None:
            assert self.gate.wait(10), "the test never opened the gate"
        rng = np.random.default_rng([seed, len(primers)])
        tokens = rng.choice(
            [1, 1, 1, 2 + 12, 2 + 14, 2 + 16, 2 + 19, 0], size=(len(primers), length)
        )
        return tokens.astype(np.int32)


def _piece(title: str, offset: int = 0) -> Piece:
    melody = [60, 62, 64, 65, 67, 65, 64, 62] * 6
    return Piece.from_notes(
        [(p + offset, i * 0.5, 0.5) for i, p in enumerate(melody)],
        title=title,
        key="C major",
        tempo=100.0,
    )


def _fake_run(root: Path, name: str = "03_onehot_lstm") -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({"builder": "onehot_lstm", "epochs_done": 2}))
    (folder / "best.keras").write_bytes(b"not really a model")
    return folder


@pytest.fixture()
def setup(run_folders):
    runs = run_folders / "runs"
    run = _fake_run(runs)
    engines: dict[str, FakeEngine] = {}

    def factory(path: Path) -> FakeEngine:
        engines[str(path)] = FakeEngine(Path(path).name)
        return engines[str(path)]

    pieces = [_piece("test tune"), _piece("another", 2)]
    studio = widgets.studio(
        runs,
        pieces=pieces,
        reference=pieces,
        engine_factory=factory,
        background=False,
        length=64,
        streams=2,
        chunk=16,
    )
    return studio, engines, run


def _error_text(studio) -> str:
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", studio.message.value))


def test_studio_lists_the_runs_and_primers(setup):
    studio, _, run = setup
    assert studio.run_picker.value == str(run)
    assert "03_onehot_lstm (onehot_lstm, 2 epochs)" in [
        label for label, _ in studio.run_picker.options
    ]
    labels = [label for label, _ in studio.primer_picker.options]
    assert labels[1:] == ["test piece: test tune", "test piece: another"]
    assert studio.primer_picker.value == "piece:0"
    assert "musicnb-studio" in studio.widget._dom_classes


def test_generate_fills_rolls_players_diagnostics_and_ab(setup):
    studio, engines, _ = setup
    studio.temperature.value = 0.7
    studio.top_k.value = 5
    studio.top_p.value = 0.9
    studio.generate_button.click()
    assert "musicnb-ok" in studio.message.value, studio.message.value
    result = studio.result
    assert result.tokens.shape == (2, 64)
    calls = engines[studio.run_picker.value].calls
    assert [c["length"] for c in calls] == [16, 16, 16, 16]  # chunks of 16
    assert calls[0]["temperature"] == 0.7 and calls[0]["top_k"] == 5 and calls[0]["top_p"] == 0.9
    # each chunk is primed with the primer plus what that stream has written so far
    primer = ENCODER.encode(studio.pieces[0])[:32]
    assert calls[0]["primers"].shape == (2, 32) and (calls[0]["primers"][0] == primer).all()
    assert calls[1]["primers"].shape == (2, 48)
    assert (calls[1]["primers"][:, 32:] == result.tokens[:, :16]).all()
    assert studio.progress.value == studio.progress.max == 64
    # one row per stream: a PNG piano roll and a WAV player
    assert len(studio.stream_rows.children) == 2
    for row in studio.stream_rows.children:
        image, side = row.children
        assert image.value[:8] == b"\x89PNG\r\n\x1a\n"
        player = side.children[1]
        with wave.open(io.BytesIO(player.value)) as stream:
            assert stream.getnframes() > 0
    # diagnostics: streams beside the real continuation and the training set
    table = studio.diagnostics.value
    for column in ("stream 1", "stream 2", "real continuation", "training set (mean)"):
        assert column in table
    assert "repetition rate" in table and "scale consistency" in table
    assert set(result.diagnostics["stream 1"]) >= {"repetition_rate", "distinct_pitches"}
    # A/B: the stream against the real continuation
    assert studio.ab_box.layout.display == ""
    assert studio.ab_audio_a.value == studio.stream_rows.children[0].children[1].children[1].value
    assert (
        studio.ab_audio_b.value[:4] == b"RIFF"
        and studio.ab_audio_b.value != studio.ab_audio_a.value
    )
    assert "real continuation" in studio.ab_label_b.value
    assert not studio.generate_button.disabled and studio.cancel_button.disabled


def test_same_seed_same_notes_and_new_seed_changes_them(setup):
    studio, _, _ = setup
    studio.seed.value = 7
    studio.generate_button.click()
    first = studio.result.tokens.copy()
    studio.generate_button.click()
    assert (studio.result.tokens == first).all()
    old = studio.seed.value
    while studio.seed.value == old:
        studio.new_seed_button.click()
    studio.generate_button.click()
    assert not (studio.result.tokens == first).all()


def test_blind_ab_hides_the_names_until_reveal(setup):
    studio, _, _ = setup
    studio.generate_button.click()
    studio.ab_blind.value = True
    assert "(?)" in studio.ab_label_a.value and "(?)" in studio.ab_label_b.value
    assert not studio.ab_reveal_button.disabled
    studio.ab_reveal_button.click()
    labels = studio.ab_label_a.value + studio.ab_label_b.value
    assert "stream 1" in labels and "real continuation" in labels


def test_key_choices_reach_the_engine(setup):
    studio, engines, _ = setup
    studio.key.value = "G major"
    studio.generate_button.click()
    assert engines[studio.run_picker.value].calls[-1]["key"] == "G major"
    assert "in key" in studio.diagnostics.value
    studio.key.value = widgets.PRIMER_KEY
    studio.generate_button.click()
    assert engines[studio.run_picker.value].calls[-1]["key"] == "C major"


def test_out_of_range_values_are_clipped_by_the_widgets(setup):
    studio, _, _ = setup
    studio.temperature.value = 99.0
    studio.length.value = 10**9
    studio.streams.value = -3
    studio.seed.value = -5
    assert studio.temperature.value == studio.temperature.max == 2.0
    assert studio.length.value == studio.length.max
    assert studio.streams.value == 1
    assert studio.seed.value == 0


def test_export_writes_midi_and_wav_and_shows_data_links(setup, run_folders):
    studio, _, _ = setup
    studio.generate_button.click()
    studio.export_stream.value = 2
    studio.export_button.click()
    assert "musicnb-ok" in studio.message.value, studio.message.value
    midi_files = list((run_folders / "exports").glob("*stream2.mid"))
    wav_files = list((run_folders / "exports").glob("*stream2.wav"))
    assert len(midi_files) == 1 and len(wav_files) == 1
    match = re.search(
        r'<a download="([^"]+\.mid)" href="data:audio/midi;base64,([^"]+)"',
        studio.export_links.value,
    )
    assert match and match.group(1) == midi_files[0].name
    assert base64.b64decode(match.group(2)) == midi_files[0].read_bytes()
    back = musicnb.midi.read(midi_files[0])
    assert back.n_notes == studio.result.pieces[1].n_notes


def test_export_before_generate_says_what_to_do(setup):
    studio, _, _ = setup
    studio.export_button.disabled = False
    studio.export_button.click()
    assert "press Generate first" in _error_text(studio)


@pytest.mark.parametrize(
    "folder, words",
    [
        ("", "Type the path"),
        ("/no/such/folder/anywhere", "There is no folder"),
    ],
)
def test_a_bad_folder_is_a_readable_message(setup, folder, words):
    studio, _, _ = setup
    studio.run_folder.value = folder
    studio.use_folder_button.click()
    assert "musicnb-error" in studio.message.value
    assert words in _error_text(studio)
    assert "Traceback" not in studio.message.value


def test_a_folder_that_is_not_a_run_is_refused(setup, tmp_path):
    studio, _, run = setup
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.txt").write_text("hello")
    studio.run_folder.value = str(tmp_path / "notes")
    studio.use_folder_button.click()
    assert "is not a training run" in _error_text(studio)
    assert studio.run_picker.value == str(run)  # the selection did not change


def test_another_run_folder_can_be_chosen(setup, tmp_path):
    studio, engines, _ = setup
    other = _fake_run(tmp_path / "elsewhere", "my_run")
    studio.run_folder.value = str(other)
    studio.use_folder_button.click()
    assert studio.run_picker.value == str(other)
    studio.generate_button.click()
    assert str(other) in engines and studio.result is not None


def test_a_damaged_checkpoint_is_a_readable_message(run_folders):
    _fake_run(run_folders / "runs")  # best.keras holds junk bytes
    studio = widgets.studio(run_folders / "runs", background=False)  # the real engine
    studio.generate_button.click()
    text = _error_text(studio)
    assert "Could not load the model in" in text and "train the run again" in text
    assert isinstance(studio.last_error, musicnb.MusicnbError)


def test_an_engine_error_is_shown_without_traceback(run_folders):
    _fake_run(run_folders / "runs")

    def broken(path):
        raise RuntimeError("the checkpoint is corrupt")

    studio = widgets.studio(run_folders / "runs", engine_factory=broken, background=False)
    studio.generate_button.click()
    text = _error_text(studio)
    assert "RuntimeError: the checkpoint is corrupt" in text and "Traceback" not in text
    assert "Traceback" in studio.last_traceback
    assert not studio.generate_button.disabled


def test_no_runs_says_how_to_get_one(run_folders):
    studio = widgets.studio(run_folders / "empty", background=False, pretrained=False)
    assert "No trained runs yet" in studio.model_info.value
    studio.generate_button.click()
    assert "No model is chosen" in _error_text(studio)


def test_an_unreadable_upload_is_a_message(setup):
    studio, _, _ = setup
    studio.upload.value = (
        {
            "name": "broken.mid",
            "type": "audio/midi",
            "size": 9,
            "content": memoryview(b"MThd junk"),
            "last_modified": datetime.now(timezone.utc),
        },
    )
    assert "Could not read broken.mid" in _error_text(studio)
    assert studio.primer_picker.value == "piece:0"  # unchanged


def test_an_uploaded_midi_becomes_the_primer(setup, tmp_path):
    studio, engines, _ = setup
    path = musicnb.midi.write(_piece("mine", 5), tmp_path / "mine.mid")
    studio.upload.value = (
        {
            "name": "mine.mid",
            "type": "audio/midi",
            "size": 1,
            "content": memoryview(path.read_bytes()),
            "last_modified": datetime.now(timezone.utc),
        },
    )
    assert studio.primer_picker.value == "upload:0", studio.message.value
    studio.primer_steps.value = 8
    studio.generate_button.click()
    primers = engines[studio.run_picker.value].calls[0]["primers"]
    assert (primers[0] == ENCODER.encode(studio.uploads[0])[:8]).all()


def test_no_primer_starts_from_a_rest_and_hides_ab(setup):
    studio, engines, _ = setup
    studio.primer_picker.value = "none"
    studio.generate_button.click()
    assert engines[studio.run_picker.value].calls[0]["primers"].tolist() == [[0], [0]]
    assert studio.ab_box.layout.display == "none"
    assert "real continuation" not in studio.diagnostics.value


def test_background_generation_disables_controls_and_can_be_cancelled(run_folders):
    _fake_run(run_folders / "runs")
    gate = threading.Event()
    engine = FakeEngine(gate=gate)
    studio = widgets.studio(
        run_folders / "runs",
        pieces=[_piece("t")],
        engine_factory=lambda p: engine,
        background=True,
        length=256,
        chunk=16,
    )
    studio.generate_button.click()
    assert engine.entered.wait(10)
    assert studio.running
    assert studio.generate_button.disabled and studio.temperature.disabled
    assert not studio.cancel_button.disabled
    studio.cancel_button.click()
    gate.set()
    assert studio.wait(10)
    assert len(engine.calls) == 1  # stopped after the chunk in flight
    assert "Cancelled after 16 of 256 steps" in _error_text(studio)
    assert studio.result is None and studio.stream_rows.children == ()
    assert not studio.generate_button.disabled and studio.cancel_button.disabled


def test_background_generation_finishes_and_reports_progress(run_folders):
    _fake_run(run_folders / "runs")
    engine = FakeEngine()
    studio = widgets.studio(
        run_folders / "runs",
        pieces=[_piece("t")],
        engine_factory=lambda p: engine,
        background=True,
        length=48,
        chunk=16,
        streams=1,
    )
    seen = []
    studio.progress.observe(lambda change: seen.append(change["new"]), names="value")
    studio.generate_button.click()
    assert studio.wait(30)
    assert seen[-3:] == [16, 32, 48]
    assert studio.result.tokens.shape == (1, 48)


def test_a_real_run_generates_through_the_sampler(run_folders):
    """A tiny LSTM trained for one epoch, loaded from its run folder by the real engine."""
    from musicnb.windowing import sequence_chunks

    model = musicnb.models.onehot_lstm(ENCODER.vocab_size, window=None, units=8)
    X, Y = sequence_chunks([ENCODER.encode(_piece("a")), ENCODER.encode(_piece("b", 3))], 16)
    musicnb.train(
        model,
        (X, Y),
        run_dir=run_folders / "runs" / "tiny",
        epochs=1,
        encoder=ENCODER,
        verbose=0,
        live_plot=False,
    )
    studio = widgets.studio(
        run_folders / "runs",
        pieces=[_piece("primer")],
        background=False,
        length=32,
        streams=2,
        chunk=16,
    )
    studio.seed.value = 3
    studio.generate_button.click()
    assert "musicnb-ok" in studio.message.value, _error_text(studio) + studio.last_traceback
    first = studio.result.tokens.copy()
    assert first.shape == (2, 32) and first.min() >= 0 and first.max() < ENCODER.vocab_size
    assert isinstance(studio.engine, widgets.SamplerEngine)
    studio.generate_button.click()
    assert (studio.result.tokens == first).all()  # same seed, same notes


class HoldingEngine(FakeEngine):
    def generate_chunk(self, primers, length, **knobs):
        return np.ones((len(primers), length), dtype=np.int32)  # hold, hold, hold, ...


def test_holds_after_the_primer_continue_its_last_note(run_folders):
    _fake_run(run_folders / "runs")
    primer = _piece("t")
    studio = widgets.studio(
        run_folders / "runs",
        pieces=[primer],
        background=False,
        engine_factory=lambda p: HoldingEngine(),
        length=32,
        streams=1,
    )
    studio.primer_steps.value = 16
    studio.generate_button.click()
    result = studio.result
    assert result.repairs == [0]  # not 32 "holds after nothing"
    assert result.primer_quarters == 4.0
    piece = result.pieces[0]
    assert piece.start[-1] == 3.5 and piece.duration[-1] == 0.5 + 8.0  # held to the end
    assert result.diagnostics["stream 1"]["notes"] == 0
    assert "0 new notes" in studio.stream_rows.children[0].children[1].children[0].value


def test_displaying_the_studio_gives_a_widget_view(setup):
    studio, _, _ = setup
    bundle = studio._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


# ---------------------------------------------------------------- issue 12: every family, fixes
def _family_run(root: Path, name: str, kind: str | None, encoder_type: str | None) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    record = {"epochs_done": 1, "info": {"kind": kind} if kind else {}}
    (folder / "run.json").write_text(json.dumps(record))
    (folder / "best.keras").write_bytes(b"junk")
    if encoder_type:
        (folder / "encoder.json").write_text(json.dumps({"type": encoder_type}))
    return folder


@pytest.mark.parametrize(
    "kind, encoder_type, family, shown, hidden",
    [
        (
            None,
            "EventEncoder",
            "next_event",
            {"temperature", "top_k", "top_p", "key", "length"},
            {"noise", "min_notes", "chords", "bars"},
        ),
        (
            "melody_harmony",
            "MelodyHarmonyEncoder",
            "melody_harmony",
            {"temperature", "chords", "length"},
            {"noise", "min_notes", "bars", "progression"},
        ),
        (
            "pitch_regression",
            "NoteEventEncoder",
            "pitch_regression",
            {"noise", "notes", "dt_grid"},
            {"temperature", "top_k", "key", "length", "bars"},
        ),
        (
            "biaxial",
            "PianoRollEncoder",
            "biaxial",
            {"temperature", "min_notes", "bars", "streams"},
            {"top_k", "top_p", "key", "noise", "length"},
        ),
    ],
)
def test_the_knobs_shown_are_the_ones_the_family_has(
    run_folders, kind, encoder_type, family, shown, hidden
):
    folder = _family_run(run_folders / "runs", "a_run", kind, encoder_type)
    assert widgets.run_family(folder) == family
    studio = widgets.studio(run_folders / "runs", background=False, pretrained=False)
    visible = {n for n, w in studio.knob_widgets.items() if w.layout.display != "none"}
    assert shown <= visible and not (hidden & visible), visible


def test_a_chosen_progression_shows_its_text_and_key(run_folders):
    _family_run(run_folders / "runs", "mh", "melody_harmony", "MelodyHarmonyEncoder")
    studio = widgets.studio(run_folders / "runs", background=False, pretrained=False)
    assert studio.progression.layout.display == "none"
    studio.chords.value = "a chosen progression"
    assert studio.progression.layout.display == "" and studio.key.layout.display == ""


def test_an_unknown_family_is_one_sentence_and_the_previous_result_stays(setup, tmp_path):
    studio, _, _ = setup
    studio.generate_button.click()
    before = studio.result
    strange = tmp_path / "strange"
    strange.mkdir()
    (strange / "run.json").write_text("{}")
    (strange / "best.keras").write_bytes(b"junk")
    studio.engine_factory = widgets.engine_for_run
    studio.run_folder.value = str(strange)
    studio.use_folder_button.click()
    studio.generate_button.click()
    text = _error_text(studio)
    assert "model family the studio does not know" in text and text.count(". ") <= 1
    assert studio.result is before and len(studio.stream_rows.children) == 2
    assert studio.status.value != "failed" and studio.progress.layout.visibility == "hidden"


def test_a_primer_the_vocabulary_cannot_encode_is_one_sentence(setup):
    studio, engines, _ = setup
    studio.generate_button.click()
    before = studio.result

    engine = engines[studio.run_picker.value]

    class Refusing:
        steps_per_quarter = 4

        def encode(self, piece):
            raise KeyError("F#9|breve")

    engine.encoder = Refusing()
    studio.generate_button.click()
    assert "cannot be encoded in this run's vocabulary" in _error_text(studio)
    assert studio.result is before


def test_blind_ab_sides_have_equal_durations(setup):
    studio, _, _ = setup
    studio.length.value = 160  # the generation is longer than the real continuation
    studio.generate_button.click()
    studio.ab_blind.value = True
    frames = []
    for player in (studio.ab_audio_a, studio.ab_audio_b):
        with wave.open(io.BytesIO(player.value)) as stream:
            frames.append(stream.getnframes())
    assert frames[0] == frames[1] and frames[0] > 0
    generated, real = studio.ab_pair(1)
    assert generated.end == real.end
    assert studio.result.pieces[0].end > real.end  # it really was cut


def test_a_second_export_never_overwrites_the_first(setup, run_folders):
    studio, _, _ = setup
    studio.generate_button.click()
    first = studio.export()
    studio.temperature.value = 1.5
    studio.generate_button.click()
    second = studio.export()
    midi_files = sorted((run_folders / "exports").glob("*.mid"))
    assert len(midi_files) == 2 and first[0] != second[0]
    assert "nothing was overwritten" in _error_text(studio)
    assert 'class="musicnb-download"' in studio.export_links.value
    assert "a.musicnb-download" in studio.widget.children[0].value  # the link style


def test_the_message_says_which_key_was_used(setup):
    studio, _, _ = setup
    studio.key.value = widgets.PRIMER_KEY
    studio.generate_button.click()
    assert "key C major (the primer's written key)" in _error_text(studio)
    studio.key.value = "G major"
    studio.generate_button.click()
    assert "key G major" in _error_text(studio)


def test_the_primers_key_without_a_primer_is_a_sentence_not_a_failed_bar(setup):
    studio, _, _ = setup
    studio.primer_picker.value = "none"
    studio.key.value = widgets.PRIMER_KEY
    studio.generate_button.click()
    assert "needs a primer" in _error_text(studio)
    assert studio.status.value == "" and studio.progress.layout.visibility == "hidden"
    assert studio.results_box.layout.display == "none"  # no headings over nothing


def test_repaired_tokens_are_explained_and_cancel_is_not_orange_when_idle(setup):
    studio, _, _ = setup
    studio.generate_button.click()
    assert "A repaired token is one the model wrote" in studio.diagnostics.value
    assert "title=" in studio.stream_rows.children[0].children[1].children[0].value
    assert studio.cancel_button.disabled and studio.cancel_button.button_style == ""


def test_long_results_send_audio_only_when_asked(setup):
    studio, _, _ = setup
    studio.eager_audio_seconds = 1.0
    studio.generate_button.click()
    side = studio.stream_rows.children[0].children[1]
    button = side.children[1].children[0]
    assert button.description == "Load audio"
    button.click()
    player = side.children[1].children[0]
    assert player.value[:4] == b"RIFF"


def test_an_upload_with_only_drums_is_a_sentence(setup, tmp_path):
    import mido

    studio, _, _ = setup
    midi_file = mido.MidiFile()
    track = mido.MidiTrack()
    midi_file.tracks.append(track)
    for _ in range(4):
        track.append(mido.Message("note_on", channel=9, note=36, velocity=90, time=0))
        track.append(mido.Message("note_off", channel=9, note=36, velocity=0, time=240))
    path = tmp_path / "drums.mid"
    midi_file.save(path)
    studio.upload.value = (
        {
            "name": "drums.mid",
            "type": "audio/midi",
            "size": 1,
            "content": memoryview(path.read_bytes()),
            "last_modified": datetime.now(timezone.utc),
        },
    )
    assert "only drums" in _error_text(studio)
    assert studio.primer_picker.value == "piece:0"


def test_musicnb_studio_is_callable_and_lists_ready_trained_runs(run_folders):
    from musicnb.pretrained import list_pretrained

    studio = musicnb.studio(run_folders / "runs", background=False)
    labels = [label for label, _ in studio.run_picker.options]
    assert len(list_pretrained()) == 6
    assert sum("ready-trained" in label for label in labels) == 6
    assert set(musicnb.training.list_runs()) >= set(list_pretrained())


@pytest.mark.parametrize(
    "name",
    [
        "02_logistic_regression",
        "04_conv1d_lstm",
        "05_melody_harmony",
        "06_pitch_regression",
        "07_biaxial",
    ],
)
def test_every_ready_trained_family_generates_plays_and_exports(run_folders, name):
    from musicnb.pretrained import pretrained_dir

    bach = musicnb.load_corpus("bach", limit=3)[0]
    studio = musicnb.studio(
        run_folders / "runs",
        pieces=bach,
        background=False,
        run=pretrained_dir() / name,
        length=32,
        streams=2,
    )
    studio.bars.value = 2
    studio.notes.value = 16
    studio.min_notes.value = 1
    studio.generate_button.click()
    assert "musicnb-ok" in studio.message.value, _error_text(studio) + studio.last_traceback
    result = studio.result
    assert len(result.pieces) == 2 and all(p.n_notes > 0 for p in result.pieces)
    assert result.family == widgets.run_family(pretrained_dir() / name)
    assert studio.ab_box.layout.display == ""
    with (
        wave.open(io.BytesIO(studio.ab_audio_a.value)) as a,
        wave.open(io.BytesIO(studio.ab_audio_b.value)) as b,
    ):
        assert a.getnframes() == b.getnframes() > 0
    studio.export()
    studio.export()
    assert len(list((run_folders / "exports").glob("*.mid"))) == 2


def test_pitches_and_table_headings_read_as_musicians_read_them():
    from musicnb import diagnostics
    from musicnb.piece import pitch_label

    assert pitch_label(82) == "B♭5" and pitch_label(66) == "F♯4" and pitch_label(60) == "C4"
    diag = diagnostics.generation_diagnostics([ENCODER.encode(_piece("t"))], encoder=ENCODER)
    assert "pitch class entropy" in diag._repr_html_() and "overflow-x:auto" in diag._repr_html_()


def test_best_scale_reports_a_tie_and_prefers_the_requested_key():
    from musicnb import diagnostics

    # G A B C D E: no F, no F sharp, so C major and G major fit equally well
    tokens = ENCODER.encode(
        Piece.from_notes(
            [(p, i * 0.5, 0.5) for i, p in enumerate([67, 69, 71, 72, 74, 76, 74, 72])]
        )
    )
    free = diagnostics.generation_diagnostics([tokens], encoder=ENCODER).rows[0]
    asked = diagnostics.generation_diagnostics([tokens], encoder=ENCODER, key="G major").rows[0]
    assert free["best_scale"] == "C major (tie: G major)"
    assert asked["best_scale"] == "G major (tie: C major)"


def test_probability_bars_keep_token_names_horizontal_and_readable():
    import matplotlib

    matplotlib.use("Agg")
    from musicnb import plots

    probs = np.random.default_rng(0).dirichlet(np.ones(ENCODER.vocab_size))
    ax = plots.probability_bars(probs, ENCODER.vocabulary, top=12)
    labels = ax.get_yticklabels()
    assert len(labels) == 12 and labels[0].get_text() == ENCODER.vocabulary[int(np.argmax(probs))]
    assert all(l.get_rotation() == 0 and l.get_fontsize() >= 8 for l in labels)


def test_for_listening_takes_the_ready_trained_run_in_quick_mode(capsys):
    from musicnb.pretrained import for_listening

    mine = object()
    model, encoder = for_listening("02_logistic_regression", mine, ENCODER, quick=True)
    assert model is not mine and encoder.vocab_size == int(model.output_shape[-1])
    assert "ready-trained 02_logistic_regression" in capsys.readouterr().out
    assert for_listening("02_logistic_regression", mine, ENCODER, quick=False) == (mine, ENCODER)

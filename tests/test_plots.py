"""Plots: what is drawn (bars per note, chord labels, shared axes, curves), headless with Agg."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from musicnb import ChordLabel, MusicnbError, Piece, plots  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _tune() -> Piece:
    return Piece.from_notes(
        [(67, 0, 1, 100, 0), (71, 1, 1, 80, 0), (74, 2, 2, 60, 0), (43, 0, 4, 70, 1)],
        title="tune",
        time_signature="4/4",
        chords=(ChordLabel(0, 2, "G"), ChordLabel(2, 2, "D7")),
        part_names=("melody", "bass"),
    )


def _bars(ax) -> list:
    return [p for p in ax.patches if isinstance(p, matplotlib.patches.Rectangle)]


def test_piano_roll_draws_one_bar_per_note_where_the_note_is():
    ax = plots.piano_roll(_tune())
    bars = _bars(ax)
    assert len(bars) == 4
    spans = sorted((b.get_x(), b.get_width(), round(b.get_y() + b.get_height() / 2)) for b in bars)
    assert spans == [(0.0, 1.0, 67), (0.0, 4.0, 43), (1.0, 1.0, 71), (2.0, 2.0, 74)]
    colours = {tuple(np.round(b.get_facecolor()[:3], 3)) for b in bars}
    assert len(colours) == 2  # one colour per part
    assert ax.get_title() == "tune"
    assert ax.get_ylim()[0] < 43 and ax.get_ylim()[1] > 74
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["melody", "bass"]


def test_piano_roll_writes_chord_labels_along_the_top_only_when_asked():
    ax = plots.piano_roll(_tune())
    labels = [t.get_text() for t in ax.texts]
    assert labels == ["G", "D7"]
    assert all(t.get_position()[1] > 1.0 for t in ax.texts)  # above the axes
    ax2 = plots.piano_roll(_tune(), show_chords=False)
    assert [t.get_text() for t in ax2.texts] == []


def test_piano_roll_on_given_axes_and_empty_piece():
    fig, ax = plt.subplots()
    assert plots.piano_roll(Piece.from_notes([]), ax=ax, title="nothing") is ax
    assert "no notes" in [t.get_text() for t in ax.texts] and ax.get_title() == "nothing"
    with pytest.raises(MusicnbError, match="Piece"):
        plots.piano_roll(np.array([1, 2, 3]))


def test_compare_piano_rolls_shares_the_pitch_axis():
    low = Piece.from_notes([(40, 0, 1)])
    high = Piece.from_notes([(80, 0, 8)])
    fig = plots.compare_piano_rolls([low, high], titles=["low", "high"])
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == ["low", "high"]
    assert axes[0].get_ylim() == axes[1].get_ylim()
    assert axes[0].get_ylim()[0] < 40 and axes[0].get_ylim()[1] > 80
    assert axes[0].get_xlim() == axes[1].get_xlim() == (0.0, 8.0)
    side = plots.compare_piano_rolls([low, high], layout="columns")
    assert len(side.axes) == 2 and side.axes[0].get_ylim() == side.axes[1].get_ylim()
    with pytest.raises(MusicnbError, match="one title per piece"):
        plots.compare_piano_rolls([low, high], titles=["only one"])
    with pytest.raises(MusicnbError):
        plots.compare_piano_rolls([])


def test_training_curves_one_panel_per_metric_and_best_epoch_marked(tmp_path):
    history = {
        "loss": [2.0, 1.5, 1.2],
        "val_loss": [2.1, 1.4, 1.6],
        "accuracy": [0.2, 0.4, 0.5],
        "val_accuracy": [0.25, 0.35, 0.3],
    }
    fig = plots.training_curves(history)
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    loss_ax = fig.axes[0]
    legend = [t.get_text() for t in loss_ax.get_legend().get_texts()]
    assert legend == ["train", "valid", "best valid (epoch 2)"]
    accuracy_legend = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert "best valid (epoch 2)" in accuracy_legend  # accuracy: higher is better
    assert list(loss_ax.lines[0].get_ydata()) == [2.0, 1.5, 1.2]
    csv = tmp_path / "history.csv"
    csv.write_text("epoch,loss,val_loss\n0,1.0,1.1\n1,0.5,0.9\n")
    from_csv = plots.training_curves(csv)
    assert [ax.get_title() for ax in from_csv.axes] == ["loss"]

    class FakeHistory:  # the object keras' fit returns
        def __init__(self):
            self.history = {"loss": [1.0]}

    assert len(plots.training_curves(FakeHistory()).axes) == 1
    with pytest.raises(MusicnbError, match="history"):
        plots.training_curves([1, 2, 3])
    with pytest.raises(MusicnbError, match="No metric"):
        plots.training_curves({})


def test_probability_heatmap_shows_probs_and_sampled_tokens():
    probs = np.array([[0.7, 0.2, 0.1, 0.0], [0.1, 0.1, 0.8, 0.0]])
    ax = plots.probability_heatmap(probs, labels=["rest", "hold", "C4", "C#4"], chosen=[0, 2])
    image = ax.images[0]
    assert image.get_array().shape == (4, 2)  # classes x steps
    assert [t.get_text() for t in ax.get_yticklabels()] == ["rest", "hold", "C4", "C#4"]
    trimmed = plots.probability_heatmap(
        probs, labels=["rest", "hold", "C4", "C#4"], hide_unused=True
    )
    assert [t.get_text() for t in trimmed.get_yticklabels()] == ["rest", "hold", "C4"]
    with pytest.raises(MusicnbError, match="labels"):
        plots.probability_heatmap(probs, labels=["a"])
    with pytest.raises(MusicnbError, match="shape"):
        plots.probability_heatmap(np.zeros((2, 2, 2)))


def test_corpus_statistics_counts_keys_metres_and_lengths():
    pieces = [
        Piece.from_notes([(60, 0, 1), (72, 1, 0.5)], key="C major", time_signature="4/4"),
        Piece.from_notes([(48, 0, 1.5)], key="C major", time_signature="6/8"),
        Piece.from_notes([(55, 0, 0.7)], key="G major", time_signature="6/8"),
    ]
    fig = plots.corpus_statistics(pieces)
    pitch_ax, key_ax, metre_ax, length_ax = fig.axes
    assert "C3" in pitch_ax.get_title() and "C5" in pitch_ax.get_title()
    assert [t.get_text() for t in key_ax.get_yticklabels()] == ["C major", "G major"]
    assert [p.get_width() for p in key_ax.patches] == [2, 1]
    assert [t.get_text() for t in metre_ax.get_yticklabels()] == ["6/8", "4/4"]
    names = [t.get_text() for t in length_ax.get_xticklabels()]
    assert names == ["8th", "quarter", "dotted quarter", "other"]
    assert [p.get_height() for p in length_ax.patches] == [1, 1, 1, 1]
    with pytest.raises(MusicnbError, match="load_corpus"):
        plots.corpus_statistics([])

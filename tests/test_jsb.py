"""The JSB chorales pickle reader and the polyphonic benchmark metrics, on tiny hand-made files."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

from musicnb import MusicnbError
from musicnb.corpus.jsb import frames_to_roll, read_jsb_pickle
from musicnb.metrics import frame_accuracy, frame_nll, frames_to_piano, piano_probabilities

FRAMES = [(60, 64, 67), (60, 64, 67), (60, 65, 69), (62, 65)]


def write_pickle(path, data):
    with open(path, "wb") as stream:
        pickle.dump(data, stream)
    return path


@pytest.fixture
def jsb_file(tmp_path):
    data = {
        "train": [FRAMES, [(np.int64(55),), (np.int64(55),)]],
        "valid": [[(72, 60)]],
        "test": [[(48, 52), (), (48,)]],
    }
    return write_pickle(tmp_path / "jsb.pkl", data)


def test_reads_splits_keeps_frames_and_holds_runs(jsb_file):
    splits = read_jsb_pickle(jsb_file)
    assert {k: len(v) for k, v in splits.items()} == {"train": 2, "valid": 1, "test": 1}
    piece = splits["train"][0]
    assert piece.metadata["frames"] == FRAMES
    assert piece.metadata["split"] == "train" and piece.metadata["index"] == 0
    notes = sorted((int(n.pitch), n.start, n.duration) for n in piece.notes())
    assert notes == [
        (60, 0.0, 3.0),
        (62, 3.0, 1.0),
        (64, 0.0, 2.0),
        (65, 2.0, 2.0),
        (67, 0.0, 2.0),
        (69, 2.0, 1.0),
    ]
    # numpy ints become plain ints; an empty frame is a rest
    assert splits["train"][1].metadata["frames"] == [(55,), (55,)]
    assert type(splits["train"][1].metadata["frames"][0][0]) is int
    assert splits["valid"][0].metadata["frames"] == [(72, 60)]  # the file's order is kept
    test = splits["test"][0]
    assert sorted((int(n.pitch), n.start, n.duration) for n in test.notes()) == [
        (48, 0.0, 1.0),
        (48, 2.0, 1.0),
        (52, 0.0, 1.0),
    ]
    assert test.end == 3.0


def test_a_folder_with_one_pickle_is_accepted(jsb_file):
    assert len(read_jsb_pickle(jsb_file.parent)["train"]) == 2


def test_frames_to_roll_and_to_piano():
    roll = frames_to_roll(FRAMES, low=60, high=69)
    assert roll.shape == (4, 10) and roll.dtype == np.uint8
    assert roll[0].tolist() == [1, 0, 0, 0, 1, 0, 0, 1, 0, 0]
    assert roll[3].nonzero()[0].tolist() == [2, 5]
    piano = frames_to_piano(FRAMES)
    assert piano.shape == (4, 88) and piano[0].nonzero()[0].tolist() == [39, 43, 46]
    with pytest.raises(MusicnbError, match="wider low/high"):
        frames_to_roll(FRAMES, low=61, high=69)


@pytest.mark.parametrize(
    "data, message",
    [
        ([1, 2, 3], "not a dict with train/valid/test"),
        ({"train": [], "valid": []}, "not a dict with train/valid/test"),
        ({"train": "abc", "valid": [], "test": []}, "not a list of chorales"),
        ({"train": [[(60, "x")]], "valid": [], "test": []}, "not a MIDI pitch"),
        ({"train": [[(60, 200)]], "valid": [], "test": []}, "0-127"),
        ({"train": [[60, 62]], "valid": [], "test": []}, "not a tuple of MIDI pitches"),
    ],
)
def test_malformed_pickles_say_what_is_wrong(tmp_path, data, message):
    path = write_pickle(tmp_path / "bad.pkl", data)
    with pytest.raises(MusicnbError, match=message):
        read_jsb_pickle(path)


def test_missing_and_non_pickle_files(tmp_path):
    with pytest.raises(MusicnbError, match="No JSB pickle"):
        read_jsb_pickle(tmp_path / "nope.pkl")
    junk = tmp_path / "junk.pkl"
    junk.write_bytes(b"this is not a pickle")
    with pytest.raises(MusicnbError, match="could not be unpickled"):
        read_jsb_pickle(junk)


def test_load_corpus_reads_the_pickle(jsb_file):
    import musicnb

    pieces, report = musicnb.load_corpus(str(jsb_file))
    assert [p.metadata["split"] for p in pieces] == ["train", "train", "valid", "test"]
    assert pieces[0].metadata["frames"] == FRAMES


def test_frame_nll_skips_first_frames_and_pools_over_pieces():
    truth = [np.array([[1, 0], [1, 0], [0, 1]]), np.array([[0, 0], [1, 1]])]
    probs = [np.array([[0.1, 0.1], [0.8, 0.3], [0.5, 0.9]]), np.array([[0.2, 0.2], [0.6, 0.4]])]
    expected = (
        -(
            math.log(0.8)
            + math.log(0.7)
            + math.log(0.5)
            + math.log(0.9)
            + math.log(0.6)
            + math.log(0.4)
        )
        / 3
    )
    result = frame_nll(probs, truth)
    assert result["frames"] == 3 and result["nll"] == pytest.approx(expected)
    all_frames = frame_nll(probs, truth, skip_first=False)
    assert all_frames["frames"] == 5
    # frame accuracy at p > 0.5: TP = 3 (0.8, 0.9, 0.6), FP = 0, FN = 1 (the 0.4)
    assert frame_accuracy(probs, truth) == pytest.approx(3 / 4)
    with pytest.raises(MusicnbError, match="same shape"):
        frame_nll([probs[0]], [truth[1]])


def test_keys_outside_the_model_range_are_predicted_off():
    probs = np.full((3, 4), 0.5)
    piano = piano_probabilities(probs, low=60)
    assert piano.shape == (3, 88)
    assert np.all(piano[:, 39:43] == 0.5)
    assert piano[:, :39].max() == piano[:, 43:].max() == 1e-7
    truth = np.zeros((3, 88), np.uint8)
    inside = frame_nll([piano], [truth])["nll"]
    assert inside == pytest.approx(4 * math.log(2) + 84 * -math.log1p(-1e-7))
    truth[2, 20] = 1  # a note the model cannot play costs -log(1e-7)
    extra = frame_nll([piano], [truth])["nll"] - inside
    assert extra == pytest.approx(-math.log(1e-7) / 2, rel=1e-6)

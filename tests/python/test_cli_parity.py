"""A model trained from Python and one trained by the CLI on the same rows, options and seed are the
same model: equal weights, thresholds, recorded options and scores; evaluate() is eval --json."""
import csv
import json
import subprocess

import numpy as np

import tinytext
from conftest import CLI


def write_csv(path, texts, labels, label_name="label"):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["text", label_name])
        w.writerows(zip(texts, labels))


def cli(*args):
    return subprocess.run([CLI, *args], check=True, capture_output=True, text=True).stdout


def test_same_model_as_cli(sms_split, tmp_path):
    train, test = sms_split
    write_csv(tmp_path / "train.csv", train["text"], train["label"])
    write_csv(tmp_path / "test.csv", test["text"], test["label"])
    flags = ["--max-flash", "4K", "--seed", "7", "--threads", "1"]
    cli("train", str(tmp_path / "train.csv"), *flags, "--quiet", "-o", str(tmp_path / "cli.ttm"))

    clf = tinytext.Classifier(max_flash="4K", seed=7, threads=2).fit(train["text"], train["label"])
    ours = clf.weights()
    theirs_clf = tinytext.load(tmp_path / "cli.ttm")
    theirs = theirs_clf.weights()
    for k in ours:
        np.testing.assert_array_equal(ours[k], theirs[k], err_msg=k)
    assert clf.model_.info == theirs_clf.model_.info  # the options recorded (threads are not: no effect)
    np.testing.assert_array_equal(clf.predict_proba(test["text"]), theirs_clf.predict_proba(test["text"]))
    assert list(theirs_clf.classes_) == ["ham", "spam"]  # from the file's data summary
    np.testing.assert_array_equal(clf.predict(test["text"]), theirs_clf.predict(test["text"]))

    # Python's file is read by the CLI and scores the same.
    clf.save(tmp_path / "py.ttm")
    e_cli = json.loads(cli("eval", str(tmp_path / "py.ttm"), str(tmp_path / "test.csv"), "--json"))
    e_py = clf.evaluate(test["text"], test["label"])
    for k in ("model", "data", "data_summary"):
        e_cli.pop(k), e_py.pop(k)
    assert e_py == e_cli

    # int8: quantize() is `quantize --calib`, bit for bit (of the same parent: the image records the
    # parent file's hash, and the parent's data summary names where its rows came from).
    cli("quantize", str(tmp_path / "py.ttm"), "--calib", str(tmp_path / "train.csv"), "--quiet",
        "-o", str(tmp_path / "cli.q8"))
    q = clf.quantize(train["text"])
    assert q.is_int8 and not clf.is_int8
    assert q.weights()["image"] == tinytext.load(tmp_path / "cli.q8").weights()["image"]
    q.save(tmp_path / "py.q8")
    assert (tmp_path / "py.q8").read_bytes() == (tmp_path / "cli.q8").read_bytes()  # qinfo too
    e_cli = json.loads(cli("eval", str(tmp_path / "cli.q8"), str(tmp_path / "test.csv"), "--json"))
    e_py = q.evaluate(test["text"], test["label"])
    for k in ("model", "data", "data_summary"):
        e_cli.pop(k), e_py.pop(k)
    assert e_py == e_cli and e_py["kind"] == "int8"

    # export: the CLI's files, byte for byte
    cli("export", str(tmp_path / "py.q8"), "--format", "arduino", "--name", "spam", "--quiet",
        "-o", str(tmp_path / "cli_ard"))
    paths = q.export_arduino(tmp_path / "py_ard", "spam")
    assert paths
    for p in paths:
        rel = p[len(str(tmp_path / "py_ard")) + 1:]
        assert open(p, "rb").read() == open(tmp_path / "cli_ard" / rel, "rb").read(), rel
    cli("export", str(tmp_path / "py.q8"), "--format", "c", "--name", "spam", "--quiet", "-o", str(tmp_path / "cli_c"))
    c_paths = q.export_c(tmp_path / "c", "spam")
    assert {"spam_model.cc", "spam_model.h", "tinytext/model.h"} <= {p[len(str(tmp_path / "c")) + 1:] for p in c_paths}
    for p in c_paths:
        rel = p[len(str(tmp_path / "c")) + 1:]
        assert open(p, "rb").read() == open(tmp_path / "cli_c" / rel, "rb").read(), rel

    # size(): the CLI's size --json targets
    size_cli = json.loads(cli("size", str(tmp_path / "cli.q8"), "--json"))
    assert q.size() == (size_cli["targets"] if isinstance(size_cli, dict) else size_cli)
    assert q.boards() == size_cli["boards"]

    # tokenize(): the model's features, as `tinytext tokenize` prints them with its config
    assert q.tokenize("Call 0800 now") == clf.tokenize("Call 0800 now")


def write_frame(path, texts, labels):
    """A CSV with a text column and the label columns of a DataFrame (or one Series)."""
    frame = labels.to_frame() if hasattr(labels, "to_frame") else labels
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["text", *frame.columns])
        for t, row in zip(texts, frame.itertuples(index=False)):
            w.writerow([t, *row])


def test_same_multiclass_and_multilabel_models_as_cli(davidson, jigsaw, tmp_path):
    cols = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
    cases = [("multiclass", davidson["tweet"].iloc[:3000], davidson["class"].iloc[:3000], "4K"),
             ("multilabel", jigsaw["comment_text"], jigsaw[cols], "8K")]
    for name, X, y, budget in cases:
        write_frame(tmp_path / f"{name}.csv", X, y)
        cli("train", str(tmp_path / f"{name}.csv"), "--max-flash", budget, "--seed", "3", "--quiet",
            "-o", str(tmp_path / f"{name}.ttm"))
        theirs = tinytext.load(tmp_path / f"{name}.ttm")
        ours = tinytext.Classifier(max_flash=budget, seed=3).fit(X, y)
        assert ours.labels_ == theirs.labels_, name
        for k, v in ours.weights().items():
            np.testing.assert_array_equal(v, theirs.weights()[k], err_msg=f"{name} {k}")
        np.testing.assert_array_equal(ours.predict_proba(X), theirs.predict_proba(X))
        e_cli = json.loads(cli("eval", str(tmp_path / f"{name}.ttm"), str(tmp_path / f"{name}.csv"), "--json"))
        e_py = theirs.evaluate(X, y)
        for k in ("model", "data", "data_summary"):
            e_cli.pop(k), e_py.pop(k)
        assert e_py == e_cli, name

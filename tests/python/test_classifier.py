"""The estimator on real data: binary, multi-class, multi-label; inputs of every kind; errors."""
import numpy as np
import pytest

import tinytext


def test_binary_fit_predict_from_pandas(sms_split):
    train, test = sms_split
    clf = tinytext.Classifier(max_flash="4K").fit(train["text"], train["label"])
    assert list(clf.classes_) == ["ham", "spam"]  # the reader's positive class: the rarer value
    assert clf.labels_ == ["spam"]
    assert clf.size()[0]["flash"] > 0
    proba = clf.predict_proba(test["text"])
    assert proba.shape == (len(test), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    pred = clf.predict(test["text"])
    assert set(pred) <= {"ham", "spam"}
    assert clf.score(test["text"], test["label"]) > 0.95
    # decision_function > 0 exactly where predict says spam
    d = clf.decision_function(test["text"])
    assert ((d >= 0) == (pred == "spam")).mean() > 0.999
    m = clf.evaluate(test["text"], test["label"])
    assert m["labels"][0]["name"] == "spam" and m["n"] == len(test) and m["labels"][0]["auc"] > 0.97


def test_inputs_list_numpy_and_bool_labels(sms_split):
    train, test = sms_split
    texts = train["text"].tolist()
    y = (train["label"] == "spam").to_numpy()  # numpy bools: a boolean column
    a = tinytext.Classifier(max_flash="4K", seed=2).fit(np.array(texts, dtype=object), y)
    b = tinytext.Classifier(max_flash="4K", seed=2).fit(texts, [int(v) for v in y])
    assert list(a.classes_) == [False, True] and list(b.classes_) == [0, 1]
    np.testing.assert_array_equal(a.predict_proba(test["text"]), b.predict_proba(test["text"].tolist()))


def test_multiclass_davidson(davidson):
    df = davidson
    names = df["class"].map({0: "hate", 1: "offensive", 2: "neither"})
    clf = tinytext.Classifier(max_flash="4K").fit(df["tweet"].iloc[:5000], names.iloc[:5000])
    assert sorted(clf.classes_) == ["hate", "neither", "offensive"]
    assert list(clf.classes_) == clf.labels_  # softmax outputs in the reader's class order
    proba = clf.predict_proba(df["tweet"].iloc[5000:])
    assert proba.shape == (1000, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    acc = clf.score(df["tweet"].iloc[5000:], names.iloc[5000:])
    assert acc > 0.7  # balanced class weights (the default for softmax) trade accuracy for macro-F1
    m = clf.evaluate(df["tweet"].iloc[5000:], names.iloc[5000:])
    assert len(m["confusion"]) == 3 and m["head"] == "softmax"
    assert m["accuracy"] == pytest.approx(acc) and m["macro_f1"] > 0.5
    # integer classes map back to the integers
    clf2 = tinytext.Classifier(max_flash="4K").fit(df["tweet"], df["class"])
    assert sorted(clf2.classes_.tolist()) == [0, 1, 2]


def test_multilabel_jigsaw_dataframe_and_matrix(jigsaw):
    cols = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
    clf = tinytext.Classifier(max_flash="8K").fit(jigsaw["comment_text"], jigsaw[cols])
    assert clf.labels_ == cols
    pred = clf.predict(jigsaw["comment_text"])
    assert pred.shape == (len(jigsaw), 6) and set(np.unique(pred)) <= {0, 1}
    assert clf.predict_proba(jigsaw["comment_text"]).shape == (len(jigsaw), 6)
    assert 0 <= clf.score(jigsaw["comment_text"], jigsaw[cols]) <= 1
    m = clf.evaluate(jigsaw["comment_text"], jigsaw[cols])
    assert [l["name"] for l in m["labels"]] == cols
    y = jigsaw[cols].to_numpy()
    clf2 = tinytext.Classifier(max_flash="8K").fit(jigsaw["comment_text"].tolist(), y, label_names=cols)
    np.testing.assert_array_equal(clf.weights()["emb"], clf2.weights()["emb"])


def test_errors_carry_the_cpp_message(sms_split):
    train, _ = sms_split
    with pytest.raises(ValueError, match="--pool must be mean, sqrt or sum"):
        tinytext.Classifier(pool="max").fit(train["text"], train["label"])
    with pytest.raises(tinytext.Error, match="empty label"):
        tinytext.Classifier().fit(["a b", "c d", "e f"], ["x", "", "y"])
    with pytest.raises(tinytext.Error, match="one class|fewer than two|two classes|only one"):
        tinytext.Classifier().fit(["a b", "c d"], ["x", "x"])
    with pytest.raises(TypeError, match="text 1"):
        tinytext.Classifier().fit(["a", None], ["x", "y"])
    with pytest.raises(AttributeError, match="not fitted"):
        tinytext.Classifier().predict(["a"])
    with pytest.raises(tinytext.Error, match="No such file|cannot|not"):
        tinytext.load("/nonexistent/model.ttm")


def test_tokenize_and_hash_match_the_cli_and_vectors():
    import json
    import os
    import subprocess
    from conftest import CLI, SHARED

    text = "Call 0800 now, WINNER! £900 prize"
    for opts, kw in [([], {}), (["--char-ngrams", "3-4", "--digits", "fold", "--buckets", "2560"],
                                {"char_ngrams": "3-4", "digits": "fold", "buckets": 2560}),
                     (["--word-ngrams", "1", "--char-ngrams", "2-5"], {"word_ngrams": 1, "char_ngrams": (2, 5)})]:
        out = subprocess.run([CLI, "tokenize", "--json", *opts, text], check=True, capture_output=True, text=True)
        want = [(t["kind"], t["token"], t["hash"], t["id"]) for t in json.loads(out.stdout)["tokens"]]
        assert tinytext.tokenize(text, **kw) == want
    rows = 0
    with open(os.path.join(SHARED, "vectors", "superfasthash.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or line.startswith("input_hex"):
                continue
            hexed, h32, spy, _ = line.rstrip("\n").split("\t")
            try:
                word = bytes.fromhex(hexed).decode("utf-8")
            except UnicodeDecodeError:
                continue  # a str holds UTF-8 text only
            assert tinytext.hash(word) == int(h32), hexed
            assert tinytext.hash(word, variant="seed-py") == int(spy), hexed
            rows += 1
    assert rows > 100
    with pytest.raises(ValueError, match="variant must be"):
        tinytext.hash("x", variant="md5")


def test_dataframe_x_positive_and_loaded_models(sms_split, tmp_path):
    train, test = sms_split
    clf = tinytext.Classifier(max_flash="4K", positive="ham").fit(train[["text"]], train["label"])
    assert clf.labels_ == ["ham"] and list(clf.classes_) == ["spam", "ham"]
    assert set(clf.predict(test)) <= {"ham", "spam"}  # a DataFrame with a 'text' column
    assert clf.score(test, test["label"]) > 0.95
    clf.save(tmp_path / "ham.ttm")
    back = tinytext.load(tmp_path / "ham.ttm")
    assert list(back.classes_) == ["spam", "ham"]
    np.testing.assert_array_equal(back.predict(test["text"]), clf.predict(test["text"]))
    with pytest.raises(ValueError, match="none named 'text'"):
        clf.predict(test.rename(columns={"text": "body"}))


def test_skip_missing_rows_keep_classes_aligned():
    texts = ["win a prize now", "", "see you at lunch", "free prize call now", "lunch at noon?"]
    clf = tinytext.Classifier(options={"skip-missing": True}).fit(texts, ["spam", None, "ham", "spam", "ham"])
    assert list(clf.classes_) == ["ham", "spam"] and clf.data_summary_["skipped"] == 1

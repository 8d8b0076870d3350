"""scikit-learn's protocol: clone, cross_val_score, GridSearchCV; Ctrl-C; threads and the GIL."""
import _thread
import threading
import time

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score

import tinytext


def test_clone_and_params():
    clf = tinytext.Classifier(max_flash="4K", epochs=3, options={"nb": 0.5})
    c = clone(clf)
    assert c.get_params() == clf.get_params() and c is not clf
    c.set_params(max_flash="8K")
    assert c.max_flash == "8K" and clf.max_flash == "4K"
    with pytest.raises(ValueError, match="invalid parameter"):
        c.set_params(nope=1)
    assert "--nb" in clf.train_flags() and "--quiet" in clf.train_flags()


def test_cross_val_and_grid_search(sms_split):
    train, _ = sms_split
    X, y = train["text"].iloc[:2000], train["label"].iloc[:2000]
    scores = cross_val_score(tinytext.Classifier(max_flash="4K", epochs=3), X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.9
    auc = cross_val_score(tinytext.Classifier(max_flash="4K", epochs=3), X, y, cv=3, scoring="roc_auc")
    assert auc.min() > 0.9
    gs = GridSearchCV(tinytext.Classifier(epochs=3), {"max_flash": ["2K", "4K"]}, cv=2).fit(X, y)
    assert gs.best_params_["max_flash"] in ("2K", "4K") and gs.best_score_ > 0.9


def test_pickle_round_trip(sms_split):
    import pickle

    train, test = sms_split
    clf = tinytext.Classifier(max_flash="4K", epochs=3).fit(train["text"], train["label"])
    for m in (clf, clf.quantize(train["text"])):
        back = pickle.loads(pickle.dumps(m))
        assert back.get_params() == m.get_params() and list(back.classes_) == list(m.classes_)
        np.testing.assert_array_equal(back.predict_proba(test["text"]), m.predict_proba(test["text"]))
        assert back.is_int8 == m.is_int8


def test_grid_search_in_parallel_processes(sms_split):
    train, _ = sms_split
    X, y = train["text"].iloc[:1500], train["label"].iloc[:1500]
    gs = GridSearchCV(tinytext.Classifier(epochs=2), {"max_flash": ["2K", "4K"]}, cv=2, n_jobs=2).fit(X, y)
    assert gs.best_score_ > 0.9 and gs.predict(X[:5]).shape == (5,)


def test_ctrl_c_interrupts_training(sms_split):
    train, _ = sms_split
    X = (train["text"].tolist() * 10)
    y = (train["label"].tolist() * 10)
    clf = tinytext.Classifier(max_flash="32K", epochs=200)
    timer = threading.Timer(1.0, _thread.interrupt_main)
    timer.start()
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert time.monotonic() - t0 < 30
    assert not hasattr(clf, "model_")  # nothing half-made
    clf.set_params(epochs=1).fit(X[:500], y[:500])  # the next run is not cancelled


def test_gil_released_while_training(sms_split):
    train, _ = sms_split
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.01)

    t = threading.Thread(target=tick)
    t.start()
    t0 = time.monotonic()
    tinytext.Classifier(max_flash="32K", epochs=20).fit(train["text"], train["label"])
    elapsed = time.monotonic() - t0
    stop.set()
    t.join()
    # The other thread kept running (with the GIL held throughout it would tick once or twice).
    assert len(ticks) >= 5 and len(ticks) > elapsed / 0.01 / 20

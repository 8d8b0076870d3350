"""The scikit-learn-style estimator over the native module (docs/python.md)."""
import copy
import inspect
import json
import math
import os

import numpy as np

from . import _tinytext

Error = _tinytext.Error

# Classifier parameters that are `tinytext train` options: parameter -> flag. None: the CLI's
# default (so a parameter left alone gives the CLI's model).
_VALUE_FLAGS = [
    ("max_flash", "max-flash"), ("buckets", "buckets"), ("dim", "dim"), ("hidden", "hidden"),
    ("word_ngrams", "word-ngrams"), ("char_ngrams", "char-ngrams"), ("digits", "digits"), ("pool", "pool"),
    ("loss", "loss"), ("epochs", "epochs"), ("lr", "lr"), ("batch", "batch"), ("optimizer", "optimizer"),
    ("l2", "l2"), ("class_weight", "class-weight"), ("valid", "valid"), ("patience", "patience"),
    ("keep", "keep"), ("margin", "margin"), ("positive", "positive"), ("seed", "seed"), ("threads", "threads"),
]
_BOOL_FLAGS = [("linear", "linear"), ("refit", "refit"), ("qat", "qat")]


def _text_of(v):
    """A flag value as the command line spells it."""
    if isinstance(v, (bool, np.bool_)):
        raise TypeError(f"expected a number or a string, got {v!r}")
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    if isinstance(v, (tuple, list)) and len(v) == 2:  # char_ngrams=(3, 4)
        return f"{int(v[0])}-{int(v[1])}"
    return str(v)


def _texts(X):
    """A list of str from a list, tuple, numpy array, pandas Series or one-column DataFrame."""
    if hasattr(X, "columns") and hasattr(X, "iloc"):  # pandas DataFrame
        if X.shape[1] == 1:
            X = X.iloc[:, 0]
        elif "text" in X.columns:
            X = X["text"]
        else:
            raise ValueError(f"X is a DataFrame with {X.shape[1]} columns and none named 'text'; pass the text column")
    if isinstance(X, str):
        raise TypeError("X must be a sequence of texts, not one str (wrap it in a list)")
    if isinstance(X, np.ndarray):
        if X.ndim == 2 and X.shape[1] == 1:
            X = X[:, 0]
        elif X.ndim != 1:
            raise ValueError(f"X must be one-dimensional (one text per row), got shape {X.shape}")
    texts = X.tolist() if hasattr(X, "tolist") else list(X)
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"text {i} is {type(t).__name__} {t!r}, not a str")
    return texts


def _label_text(v):
    """A label value as it would stand in a CSV cell (empty for a missing value)."""
    if v is None or (isinstance(v, (float, np.floating)) and math.isnan(v)):
        return ""
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    return str(v)


def _label_columns(y, n, names, one_name):
    """(columns of label cells, their names, original values of a single column or None)."""
    if hasattr(y, "columns") and hasattr(y, "iloc"):  # DataFrame: one label column per column
        cols = [[_label_text(v) for v in y[c].tolist()] for c in y.columns]
        col_names = [str(c) for c in y.columns] if names is None else [str(c) for c in names]
        values = y.iloc[:, 0].tolist() if len(cols) == 1 else None
    else:
        if hasattr(y, "name") and hasattr(y, "tolist") and not isinstance(y, np.ndarray):  # Series
            one_name = str(y.name) if y.name is not None and one_name is None else one_name
        arr = np.asarray(y, dtype=object)
        if arr.ndim == 2:  # an indicator matrix: multi-label
            cols = [[_label_text(v) for v in arr[:, j]] for j in range(arr.shape[1])]
            col_names = [str(j) for j in range(arr.shape[1])] if names is None else [str(c) for c in names]
            values = None
        elif arr.ndim == 1:
            values = y.tolist() if hasattr(y, "tolist") else list(y)
            cols = [[_label_text(v) for v in values]]
            col_names = [one_name or "label"] if names is None else [str(c) for c in names]
        else:
            raise ValueError(f"y must be one- or two-dimensional, got shape {arr.shape}")
    if len(col_names) != len(cols):
        raise ValueError(f"{len(col_names)} label names for {len(cols)} label columns")
    if any(len(c) != n for c in cols):
        raise ValueError(f"X has {n} texts but y has {len(cols[0])} rows")
    if "text" in col_names:
        raise ValueError("a label column may not be named 'text' (the texts' column); rename it")
    return cols, col_names, values


def _logit(p):
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-300, 1.0 - 1e-16)
    return np.log(p) - np.log1p(-p)


class Classifier:
    """A hashed text classifier that fits a flash budget, trained by tinytext's C++ trainer.

    Every parameter is a `tinytext train` option of the same name (underscores for dashes); None
    keeps the CLI's default, so the same rows, parameters and seed give the CLI's model, weight
    for weight. `options` passes any other train option ({"nb": 1.0, "exact-table": 0}).
    """

    _estimator_type = "classifier"

    def __init__(self, max_flash=None, *, buckets=None, dim=None, hidden=None, linear=False, word_ngrams=None,
                 char_ngrams=None, digits=None, pool=None, loss=None, epochs=None, lr=None, batch=None,
                 optimizer=None, l2=None, class_weight=None, valid=None, patience=None, keep=None, refit=False,
                 qat=False, margin=None, positive=None, seed=None, threads=None, options=None, verbose=False):
        self.max_flash = max_flash
        self.buckets = buckets
        self.dim = dim
        self.hidden = hidden
        self.linear = linear
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.digits = digits
        self.pool = pool
        self.loss = loss
        self.epochs = epochs
        self.lr = lr
        self.batch = batch
        self.optimizer = optimizer
        self.l2 = l2
        self.class_weight = class_weight
        self.valid = valid
        self.patience = patience
        self.keep = keep
        self.refit = refit
        self.qat = qat
        self.margin = margin
        self.positive = positive
        self.seed = seed
        self.threads = threads
        self.options = options
        self.verbose = verbose

    # ---- pickling (joblib, GridSearchCV with n_jobs): the model travels as its model file's bytes
    def __getstate__(self):
        state = self.__dict__.copy()
        if "model_" in state:
            state["model_"] = state["model_"].to_bytes()
        return state

    def __setstate__(self, state):
        if isinstance(state.get("model_"), bytes):
            state["model_"] = _tinytext.Model.from_bytes(state["model_"])
        self.__dict__.update(state)

    # ---- parameters (scikit-learn's protocol: clone, GridSearchCV)
    @classmethod
    def _param_names(cls):
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    def get_params(self, deep=True):
        return {k: getattr(self, k) for k in self._param_names()}

    def set_params(self, **params):
        names = self._param_names()
        for k, v in params.items():
            if k not in names:
                raise ValueError(f"invalid parameter {k!r} for Classifier; valid parameters: {', '.join(names)}")
            setattr(self, k, v)
        return self

    def __repr__(self):
        defaults = inspect.signature(type(self).__init__).parameters
        given = [f"{k}={v!r}" for k, v in self.get_params().items() if v != defaults[k].default]
        return f"Classifier({', '.join(given)})"

    def train_flags(self):
        """The `tinytext train` options these parameters stand for (what fit trains with)."""
        flags = []
        for param, flag in _VALUE_FLAGS:
            v = getattr(self, param)
            if v is not None:
                flags += [f"--{flag}", _text_of(v)]
        for param, flag in _BOOL_FLAGS:
            if getattr(self, param):
                flags.append(f"--{flag}")
        for flag, v in (self.options or {}).items():
            if v is True:
                flags.append(f"--{flag}")
            elif v is not False and v is not None:
                flags += [f"--{flag}", _text_of(v)]
        if not self.verbose:
            flags.append("--quiet")
        return flags

    # ---- training
    def fit(self, X, y, label_names=None):
        """Trains on texts X and labels y: one column of 2 values (binary) or more (multi-class), or
        an indicator matrix / several DataFrame columns of 0/1 (multi-label). The labels are read
        as `tinytext train` reads a CSV file's label columns. Ctrl-C stops training
        (KeyboardInterrupt) and leaves the estimator as it was."""
        texts = _texts(X)
        cols, names, values = _label_columns(y, len(texts), label_names, None)
        model, report, targets, rows, summary = _tinytext.Model.train(texts, cols, names, self.train_flags(), "fit")
        self._set_model(model)
        self.train_report_ = report
        self.data_summary_ = json.loads(summary)
        self._set_classes(None if values is None else [values[r - 1] for r in rows], targets)
        return self

    def _set_model(self, model):
        self.model_ = model
        self.labels_ = list(model.labels)

    def _set_classes(self, values, targets):
        """classes_: the original label values in output order, taken from how the reader labelled
        each row (targets), so they follow the CLI's choice of positive class and class order."""
        m = self.model_
        if m.head == "sigmoid" and len(m.labels) > 1 or values is None:
            self.classes_ = np.array(m.labels, dtype=object)
            return
        first = {}
        for v, row in zip(values, targets):
            k = int(row[0]) if m.head == "sigmoid" else int(np.argmax(row))
            first.setdefault(k, v)
        k = 2 if m.head == "sigmoid" else len(m.labels)
        self.classes_ = np.array([first.get(i, i) for i in range(k)])

    def _kind(self):
        m = self._fitted()
        if m.head == "softmax":
            return "multiclass"
        return "binary" if len(m.labels) == 1 else "multilabel"

    def _fitted(self):
        if not hasattr(self, "model_"):
            raise AttributeError("this Classifier is not fitted yet: call fit(X, y) first (or tinytext.load)")
        return self.model_

    # ---- scoring
    def _scores(self, X):
        return self._fitted().scores(_texts(X), int(self.threads or os.cpu_count() or 1))

    def predict_proba(self, X):
        """Scores in [0, 1]: binary (n, 2) [not positive, positive]; multi-class (n, classes);
        multi-label (n, labels), each label's own probability. Int8 models score with the device
        code, bit for bit what the board computes."""
        s = self._scores(X)
        if self._kind() == "binary":
            return np.column_stack([1.0 - s[:, 0], s[:, 0]])
        return s

    def decision_function(self, X):
        """Binary: log-odds minus the threshold's (> 0: positive, as predict); multi-label: the
        same per label; multi-class: log-probabilities."""
        s = self._scores(X)
        kind = self._kind()
        if kind == "multiclass":
            return np.log(np.clip(s, 1e-300, 1.0))
        d = _logit(s) - _logit(np.asarray(self.model_.thresholds))
        return d[:, 0] if kind == "binary" else d

    def predict(self, X):
        """Binary: the positive class where score >= the model's threshold (chosen by train on
        validation rows); multi-class: the highest score; multi-label: a 0/1 indicator matrix."""
        s = self._scores(X)
        kind = self._kind()
        if kind == "multiclass":
            return self.classes_[np.argmax(s, axis=1)]
        hit = s >= np.asarray(self.model_.thresholds)
        return self.classes_[hit[:, 0].astype(int)] if kind == "binary" else hit.astype(int)

    def score(self, X, y):
        """Accuracy (multi-label: every label right), as scikit-learn's ClassifierMixin.score."""
        pred = self.predict(X)
        truth = np.asarray(y.values if hasattr(y, "values") else y)
        if pred.ndim == 2:
            return float(np.mean(np.all(pred == truth.astype(int), axis=1)))
        return float(np.mean(pred == truth))

    def evaluate(self, X, y, threshold=None, label_names=None):
        """`tinytext eval --json`'s object (ROC/PR AUC, precision, recall, F1, confusion, ...) as a dict."""
        m = self._fitted()
        texts = _texts(X)
        one = m.labels[0] if m.head == "sigmoid" and len(m.labels) == 1 else None
        if label_names is None and m.head == "sigmoid" and len(m.labels) > 1 and not hasattr(y, "columns"):
            label_names = m.labels
        cols, names, _ = _label_columns(y, len(texts), label_names, one)
        if one is not None and label_names is None:
            names = [one]
        out = m.evaluate(texts, cols, names, threshold, "model", "rows", self.train_flags())  # its reader options
        return json.loads(out)

    # ---- the device
    def quantize(self, calib_texts, margin=None):
        """The int8 model (a new fitted Classifier), as `tinytext quantize --calib` makes it:
        activation ranges from calib_texts (the training texts)."""
        q = copy.copy(self)
        q._set_model(self._fitted().quantize(_texts(calib_texts), None if margin is None else _text_of(margin)))
        return q

    @property
    def is_int8(self):
        return self._fitted().is_int8

    def size(self):
        """Flash and RAM per target, as `tinytext size --json` (a float model: as if quantised)."""
        return json.loads(self._fitted().size_json())

    def size_text(self):
        return self._fitted().size_text()

    def boards(self):
        """Whether the model fits each known board with a typical sketch, as `tinytext size --json`'s
        "boards" (flash_used, flash, ram_used, ram, fits, why per board)."""
        return json.loads(self._fitted().boards_json())

    def export_c(self, directory, name):
        """NAME_model.h / NAME_model.cc for any C++11 toolchain; returns the paths written."""
        return self._fitted().export(os.fspath(directory), name, "c")

    def export_arduino(self, directory, name):
        """An Arduino library folder DIRECTORY/NAME; returns the paths written."""
        return self._fitted().export(os.fspath(directory), name, "arduino")

    def save(self, path):
        """The CLI's model file (float: kind 0, int8: kind 1)."""
        self._fitted().save(os.fspath(path))

    def tokenize(self, text):
        """The model's features of `text`: (kind, token, hash, bucket) per token, in device order."""
        return self._fitted().tokenize(text)

    def weights(self):
        """The float model's parameters as numpy arrays (an int8 model: its device image, bytes)."""
        return self._fitted().weights()


def load(path):
    """A fitted Classifier from a model file written by `tinytext train`/`quantize` or save().
    classes_: binary models [not-label, label] as the training data named them (from the file's
    data summary) when it has them, else [0, 1]; multi-class the class names; multi-label the label
    names (predict then gives a 0/1 matrix)."""
    clf = Classifier()
    clf._set_model(_tinytext.Model.load(os.fspath(path)))
    m = clf.model_
    if m.head == "sigmoid" and len(m.labels) == 1:
        classes = [0, 1]
        try:
            summary = json.loads(m.data_summary) if m.data_summary else {}
            pairs = summary.get("classes") or []
            if summary.get("kind") == "binary" and len(pairs) == 2 and pairs[0]["name"] == m.labels[0]:
                classes = [pairs[1]["name"], pairs[0]["name"]]
        except (ValueError, TypeError, KeyError, IndexError):
            pass
        clf.classes_ = np.array(classes)
    else:
        clf.classes_ = np.array(m.labels, dtype=object)
    return clf


def tokenize(text, buckets=4096, word_ngrams=2, char_ngrams="0", digits="keep"):
    """`tinytext tokenize`: (kind, token, hash, bucket) per feature of the default tokenizer."""
    if digits not in ("fold", "keep"):
        raise ValueError(f"digits must be fold or keep, got {digits!r}")
    return _tinytext.tokenize(text, int(buckets), int(word_ngrams), _text_of(char_ngrams), digits == "fold")


def hash(word, variant="hsieh32"):  # noqa: A001 (the CLI's command name)
    """`tinytext hash`: hsieh32 (Paul Hsieh's SuperFastHash) or seed-py of the word's bytes."""
    return _tinytext.hash(word, variant)

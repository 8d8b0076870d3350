"""tinytext: train tiny text classifiers in Python; run them on microcontrollers.

A native extension over the C++ library the `tinytext` command runs: a model trained, quantised or
evaluated here is the one the CLI makes from the same rows, options and seed (docs/python.md).
"""
from ._classifier import Classifier, Error, hash, load, tokenize

__all__ = ["Classifier", "Error", "hash", "load", "tokenize"]
__version__ = "0.1.0"

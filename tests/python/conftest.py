"""Shared data for the Python tests: the real datasets in ../shared/data, read with pandas."""
import csv
import os

import pandas as pd
import pytest

SHARED = os.environ.get("TT_SHARED_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared")
DATA = os.path.join(SHARED, "data")
CLI = os.environ.get("TT_CLI", os.path.join(os.path.dirname(__file__), "..", "..", "build", "tinytext"))


def sms():
    return pd.read_csv(os.path.join(DATA, "sms-spam-collection", "SMSSpamCollection"), sep="\t", header=None,
                       names=["label", "text"], quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def sms_split():
    df = sms()
    return df.iloc[:4000].reset_index(drop=True), df.iloc[4000:].reset_index(drop=True)


@pytest.fixture(scope="session")
def davidson():
    df = pd.read_csv(os.path.join(DATA, "davidson-hate-offensive", "labeled_data.csv"))
    return df.iloc[:6000].reset_index(drop=True)


@pytest.fixture(scope="session")
def jigsaw():
    return pd.read_csv(os.path.join(DATA, "jigsaw-toxic-partial", "train_sample.csv"))

"""The CSV corpus (tests/corpus.py): every malformed file gets its own plain message, every unusual good one loads;
the upload's byte limit is the one Streamlit's uploader enforces."""

import re

import numpy as np
import pytest

from engine.csvdata import (
    MAX_BYTES,
    CSVError,
    LabelMismatchError,
    ScaleError,
    TooLargeError,
    load_csv,
    scale_advice,
    target_task,
)
from harness.apptest import ROOT
from harness.corpus import BAD_CSVS, GOOD_CSVS


@pytest.mark.parametrize("name", list(BAD_CSVS))
def test_a_malformed_file_says_what_is_wrong(name):
    data, words = BAD_CSVS[name]
    with pytest.raises(CSVError) as info:
        load_csv(data)
    message = str(info.value)
    assert words in message, message
    assert "Error" not in message and "Traceback" not in message and len(message) < 400


@pytest.mark.parametrize("name", list(GOOD_CSVS))
def test_an_unusual_but_good_file_loads(name):
    data, (rows, features) = GOOD_CSVS[name]
    ds = load_csv(data)
    assert (ds.n, ds.X.shape[1]) == (rows, features)
    assert np.isfinite(ds.X).all() and ds.X[0, 0] in (1.0, 0.5)


def test_cr_only_and_utf16_give_the_same_numbers_as_plain_utf8():
    plain = load_csv(GOOD_CSVS["CRLF line ends"][0])
    for name in ("CR-only line ends", "UTF-16 LE with BOM (Excel Unicode Text)", "sep=; line", "UTF-32 with BOM"):
        other = load_csv(GOOD_CSVS[name][0])
        np.testing.assert_array_equal(other.X, plain.X)
        assert other.feature_names == plain.feature_names == ("x", "y")


def test_the_upload_limit_is_streamlits_in_bytes_as_the_browser_counts_them():
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    max_upload_mb = int(re.search(r"^maxUploadSize\s*=\s*(\d+)", config, re.M).group(1))
    # Streamlit's uploader refuses files over maxUploadSize × 1000² bytes (× 1024² on Windows, where the engine
    # refuses the difference with its message); the server accepts up to × 1024²
    assert max_upload_mb * 1000**2 == MAX_BYTES
    good = b"a,b\n1,0\n2,1\n3,1\n4,0\n"
    padded = good + b"\n" * (MAX_BYTES - len(good))  # blank lines are skipped
    assert load_csv(padded).n == 4
    with pytest.raises(TooLargeError, match=re.escape("5.0 MB; the limit is 5 MB")):
        load_csv(padded + b"\n")


def test_scale_is_named_as_the_problem():
    with pytest.raises(ScaleError, match="divide the column by a power of ten"):
        load_csv("a,y\n1e300,0\n2,1\n3,1\n4,0\n")
    big = load_csv("a,b,y\n" + "\n".join(f"{1000 * i},{i % 3},{i * 1e6 + 0.5}" for i in range(10)))
    advice = " ".join(scale_advice(big, standardize=False))
    assert "tick “Standardise the features”" in advice and "divide the target column by 1e6" in advice
    assert "Standardise" not in " ".join(scale_advice(big, standardize=True))
    small = load_csv(GOOD_CSVS["CRLF line ends"][0])
    assert scale_advice(small, standardize=False) == []


def test_target_task_is_the_one_label_check():
    assert target_task(np.array([0.0, 1, 1, 0]), None) == "binary"
    assert target_task(np.array([0.0, 1, 2, 2]), None) == "multiclass"
    assert target_task(np.array([0.5, 1, 2, 2]), None) == "regression"
    with pytest.raises(LabelMismatchError, match="limit is 10"):
        target_task(np.arange(12.0), "softmax_ce")
    with pytest.raises(LabelMismatchError, match="0/1"):
        target_task(np.array([1.0, 2, 1, 2]), "bce")

"""Datasets, the split, and the CSV loader's specific error for every kind of bad file."""

import numpy as np
import pytest

from engine import DATASETS, Config, Trainer, make_dataset, split_dataset
from engine.csvdata import (
    ConstantColumnError,
    CSVError,
    EmptyFileError,
    EncodingError,
    HeaderError,
    LabelMismatchError,
    MissingValueError,
    NonFiniteError,
    NotNumericError,
    RaggedRowsError,
    TooFewColumnsError,
    TooLargeError,
    example_csv,
    load_csv,
)


@pytest.mark.parametrize("name", list(DATASETS))
def test_datasets_are_seeded_and_shaped(name):
    a, b = make_dataset(name, 120, 0.1, seed=3), make_dataset(name, 120, 0.1, seed=3)
    np.testing.assert_array_equal(a.X, b.X)
    assert a.X.shape[0] == a.y.shape[0] == {"xor": 4, "two_two_two": 1}.get(name, 120)
    if a.task == "binary":
        assert set(np.unique(a.y)) <= {0.0, 1.0} and a.y.shape[1] == 1
    if a.task == "multiclass":
        np.testing.assert_array_equal(a.y.sum(axis=1), 1.0)
        assert a.y.shape[1] == 3
    if name not in ("xor", "two_two_two"):
        assert not np.array_equal(make_dataset(name, 120, 0.1, seed=4).X, a.X)


def test_xor_is_the_four_points():
    ds = make_dataset("xor")
    np.testing.assert_array_equal(ds.X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(ds.y[:, 0], [0, 1, 1, 0])


def test_split_ratio_and_standardisation():
    ds = make_dataset("circle", 200, 0.1, 0)
    sp = split_dataset(ds, 0.25, seed=0, standardize=True)
    assert sp.X_test.shape[0] == 50 and sp.X_train.shape[0] == 150
    np.testing.assert_allclose(sp.X_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(sp.X_train.std(axis=0), 1, atol=1e-12)
    np.testing.assert_allclose(sp.transform(ds.X[:3]), (ds.X[:3] - sp.mean) / sp.std)


def test_auto_loss_fits_the_task():
    assert Trainer(Config(dataset="circle")).loss_name == "bce"
    assert Trainer(Config(dataset="spiral3")).output_name == "softmax"
    assert Trainer(Config(dataset="sine")).output_name == "linear"
    with pytest.raises(ValueError, match="0/1"):
        Trainer(Config(dataset="sine", loss="bce"))


def test_example_csv_loads():
    ds = load_csv(example_csv())
    assert ds.task == "binary" and ds.X.shape == (60, 2) and ds.feature_names == ("x1", "x2")
    trainer = Trainer(Config(hidden=(4,)), dataset=ds)
    assert trainer.step().ok


def test_csv_task_inference_and_target_choice():
    text = "a,b,c\n" + "\n".join(f"{i},{i % 3},{i * 0.5}" for i in range(12))
    assert load_csv(text, target="b").task == "multiclass"
    assert load_csv(text, target="c").task == "regression"
    assert load_csv(text.replace(",", ";")).feature_names == ("a", "b")


BAD = {
    "empty": (b"", EmptyFileError, "empty"),
    "whitespace": (b"  \n\n ", EmptyFileError, "empty"),
    "header only": (b"a,b\n", EmptyFileError, "no data rows"),
    "binary": (bytes(range(256)) * 4, EncodingError, "binary"),
    "latin-1": ("x,y\n1,café\n".encode("latin-1"), EncodingError, "UTF-8"),
    "one column": (b"a\n1\n2\n3\n4\n", TooFewColumnsError, "two columns"),
    "text cell": (b"a,b\n1,0\n2,x\n3,1\n4,0\n", NotNumericError, "row 3, column 'b'"),
    "missing": (b"a,b\n1,0\n,1\n3,1\n4,0\n", MissingValueError, "row 3"),
    "nan": (b"a,b\n1,0\nnan,1\n3,1\n4,0\n", MissingValueError, "missing"),
    "inf": (b"a,b\n1,0\ninf,1\n3,1\n4,0\n", NonFiniteError, "finite"),
    "overflow": (b"a,b\n1,0\n1e999,1\n3,1\n4,0\n", NonFiniteError, "finite"),
    "ragged": (b"a,b\n1,0\n2,1,5\n3,1\n4,0\n", RaggedRowsError, "3 cells"),
    "duplicate header": (b"a,a,b\n1,2,0\n2,3,1\n3,4,1\n4,5,0\n", HeaderError, "twice"),
    "blank header": (b"a,,b\n1,2,0\n2,3,1\n3,4,1\n4,5,0\n", HeaderError, "no name"),
    "no header": (b"1,2\n3,4\n5,6\n7,8\n9,1\n", HeaderError, "column names"),
    "constant": (b"a,b,y\n1,5,0\n2,5,1\n3,5,1\n4,5,0\n", ConstantColumnError, "'b'"),
    "too few rows": (b"a,y\n1,0\n2,1\n", EmptyFileError, "at least 4"),
    "too many columns": ((",".join(f"c{i}" for i in range(10_000)) + "\n" + ",".join("1" * 10_000)).encode(),
                         TooLargeError, "columns"),
    "too many rows": (b"a,y\n" + b"1,0\n2,1\n" * 600_000, TooLargeError, ""),
    "single class": (b"a,y\n1,1\n2,1\n3,1\n4,1\n", LabelMismatchError, "single class"),
}


@pytest.mark.parametrize("kind", list(BAD))
def test_every_bad_csv_has_its_own_message(kind):
    data, error, words = BAD[kind]
    with pytest.raises(error) as info:
        load_csv(data)
    assert words in str(info.value)
    assert isinstance(info.value, CSVError)


@pytest.mark.parametrize(("loss", "target", "words"), [
    ("bce", "c", "0/1 labels"), ("softmax_ce", "c", "whole-number"),
])
def test_labels_that_do_not_fit_the_loss(loss, target, words):
    text = "a,b,c\n" + "\n".join(f"{i},{i % 3},{i * 0.5}" for i in range(12))
    with pytest.raises(LabelMismatchError, match=words):
        load_csv(text, target=target, loss=loss)

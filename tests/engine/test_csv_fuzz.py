"""Fuzzing the CSV loader: any bytes give a Dataset or a CSVError with a message — never anything else."""

import string

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.csvdata import CSVError, load_csv

cells = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr), st.integers(-5, 5).map(str),
                  st.text(string.printable, max_size=6), st.just(""), st.sampled_from(["nan", "inf", "1e999", "?"]))


def _check(data) -> None:
    try:
        ds = load_csv(data)
    except CSVError as e:
        assert str(e) and "Traceback" not in str(e)
        return
    assert ds.X.shape[0] == ds.y.shape[0] >= 4
    assert np.isfinite(ds.X).all() and np.isfinite(ds.y).all()
    assert (np.ptp(ds.X, axis=0) > 0).all()


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes(data):
    _check(data)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(cells, min_size=1, max_size=5), min_size=0, max_size=12),
       st.sampled_from([",", ";", "\t"]))
def test_random_grids(rows, sep):
    _check("\n".join(sep.join(r) for r in rows))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6), st.integers(0, 3)), min_size=0,
                max_size=30))
def test_numeric_files_load_or_say_why(rows):
    _check("a,b,label\n" + "\n".join(f"{x!r},{y!r},{c}" for x, y, c in rows))

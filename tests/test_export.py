"""CSV text built by pyarrow is exactly the text pandas writes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.measure.measures import measure
from analysis.read.load import load
from analysis.report.tables import csv_text

FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e7, max_value=1e7).map(lambda x: round(x, 2)),  # 万元 as given
    st.floats(min_value=1e9, max_value=1e17).map(lambda x: x + 0.5),  # long numbers
    st.sampled_from([0.0, -0.0, 1e-4, 9.999e-5, 1.5e-5, 1e13, 1e15, 1e16, 10000000000.5, 33.0]),
)
TEXT = st.one_of(st.none(), st.text(alphabet=st.sampled_from('a1 ,"\n\r科目；\t'), max_size=6))


def pandas_csv(table: pd.DataFrame) -> str:
    return table.to_csv(index=False, lineterminator="\n")


@settings(max_examples=500, deadline=None)
@given(
    floats=st.lists(FLOATS, min_size=0, max_size=20),
    data=st.data(),
)
def test_csv_text_is_what_pandas_writes(floats, data):
    n = len(floats)
    texts = data.draw(st.lists(TEXT, min_size=n, max_size=n))
    integers = data.draw(st.lists(st.integers(-(2**62), 2**62), min_size=n, max_size=n))
    flags = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    table = pd.DataFrame(
        {
            "amount": np.array(floats, dtype=np.float64),
            "名称, 说明": pd.array(texts, dtype="str"),
            "n": np.array(integers, dtype=np.int64),
            "flag": np.array(flags, dtype=bool),
        }
    )
    assert csv_text(table) == pandas_csv(table)


def test_csv_text_of_every_measure_table_is_what_pandas_writes():
    ms = measure(load())
    for name in ("projects", "categories", "groups", "by_category", "by_group", "programs"):
        table = getattr(ms, name)
        assert csv_text(table) == pandas_csv(table), name


def test_other_kinds_of_column_are_left_to_pandas():
    table = pd.DataFrame({"when": pd.to_datetime(["2021-05-03"]), "x": [math.pi]})
    assert csv_text(table) == pandas_csv(table)
    single = pd.DataFrame({"note": pd.array(["", None], dtype="str")})
    assert csv_text(single) == pandas_csv(single)

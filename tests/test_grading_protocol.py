"""The grading protocol's data: what crosses the kernel boundary comes back equal, as data only."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from modellab.course.judge import TestFailed as PartFailed
from modellab.course.judge import expect_choice, expect_close, split_hidden
from modellab.course.kernelside import ReplyObject, decode, encode, handle

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                    st.floats(allow_nan=False), st.text(max_size=20))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.tuples(inner, inner),
                            st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=12,
)


@given(values)
def test_json_values_round_trip_through_json(value):
    wire = json.loads(json.dumps(encode(value, None)))
    assert decode(wire, None) == value


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), max_size=30))
def test_float_arrays_round_trip_with_nan_and_inf(items):
    arr = np.array(items, dtype=float)
    back = decode(json.loads(json.dumps(encode(arr, None))), None)
    np.testing.assert_array_equal(back, arr)
    assert back.dtype == arr.dtype


def test_frames_and_series_travel_as_parquet(tmp_path):
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    series = pd.Series([0.5, 1.5], name="score")
    pd.testing.assert_frame_equal(decode(encode(frame, str(tmp_path)), str(tmp_path)), frame)
    pd.testing.assert_series_equal(decode(encode(series, str(tmp_path)), str(tmp_path)), series)
    assert all(p.suffix == ".parquet" for p in tmp_path.iterdir())  # never pickle


def test_hostile_replies_are_data_or_refused(tmp_path):
    assert decode({"__ndarray__": [1, 2], "dtype": "V1000000000"}, None).dtype == object
    with pytest.raises(ValueError, match="unexpected file"):
        decode({"__frame__": "../../etc/passwd.parquet"}, str(tmp_path))
    obj = decode({"__object__": "Model", "repr": "Model()", "attrs": {"coef": 1.0}}, None)
    assert isinstance(obj, ReplyObject) and obj.coef == 1.0


def test_handle_answers_values_calls_and_errors():
    namespace = {"x": 3, "double": lambda v: 2 * v}
    assert handle({"op": "value", "name": "x"}, namespace) == {"ok": True, "value": 3}
    assert handle({"op": "call", "name": "double", "args": [21], "kwargs": {"__dict__": []}},
                  namespace) == {"ok": True, "value": 42}
    missing = handle({"op": "value", "name": "nope"}, namespace)
    assert not missing["ok"] and missing["error"].startswith("NameError")
    rerun = handle({"op": "rerun", "name": "a1", "code": "y = x * 10", "setup": "x = 5",
                    "names": ["y"]}, namespace)
    assert rerun == {"ok": True, "value": {"__tuple__": [50]}} and "y" not in namespace


def test_trusted_vocabulary_never_shows_the_expected_value():
    with pytest.raises(PartFailed) as failed:
        expect_close(0.25, 0.8731, "precision")
    assert "0.8731" not in str(failed.value) and "precision" in str(failed.value)
    with pytest.raises(PartFailed, match="not the best answer"):
        expect_choice("a", "c", "Q1")
    with pytest.raises(PartFailed, match="no answer yet"):
        expect_close(Ellipsis, 1.0, "accuracy_model")


def test_split_hidden_separates_trusted_tests():
    visible, hidden, trusted = split_hidden(
        "check(x)\n### BEGIN HIDDEN TESTS (trusted)\nexpect_true(True, 'm')\n### END HIDDEN TESTS\n")
    assert (visible, hidden, trusted) == ("check(x)\n", "expect_true(True, 'm')\n", True)
    assert split_hidden("### BEGIN HIDDEN TESTS\nassert x\n### END HIDDEN TESTS\n")[2] is False


def test_every_autograded_part_of_every_exercise_is_judged_by_trusted_tests():
    """A grade cell without a `(trusted)` region would be judged inside the learner's kernel."""
    import nbformat

    from modellab.course.paths import course_paths

    notebooks = sorted(course_paths().solutions.glob("*/*.ipynb"))
    assert notebooks, "no solution notebooks: run `modellab build`"
    untrusted = []
    for path in notebooks:
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade") and not meta.get("solution") and cell.cell_type == "code":
                if not split_hidden(cell.source)[2] or not split_hidden(cell.source)[1].strip():
                    untrusted.append(f"{path.stem}:{meta['grade_id']}")
    assert untrusted == [], f"convert these to the trusted format (course/AUTHORING.md): {untrusted}"

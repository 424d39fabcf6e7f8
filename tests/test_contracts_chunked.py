"""Contract summaries of chunks merge into the whole batch's violations (issue #16).

Oracles: ``validate`` on the concatenated chunks (the in-memory path), and pandas itself for
the two checks judged on a whole batch (``Series.median``, ``Series.duplicated``).
"""

from __future__ import annotations

import pickle
import random

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from modellab import scenarios
from modellab.contracts import (
    N_EXAMPLES,
    VIOLATION_COLUMNS,
    ContractSummary,
    contract_columns,
    infer_contract,
    summarise,
    validate,
)

REFERENCE = pd.DataFrame(
    {
        "x": np.linspace(1.0, 10.0, 10),  # in_range(0, 28), median_between(2.75, 11)
        "t": pd.Series(list("abcabcabca"), dtype="str"),
        "k": pd.Categorical(list("uvuvuvuvuv")),
        "id": np.arange(10, dtype=np.int64),  # unique
        "flag": np.tile([0, 1], 5),
    }
)
CONTRACT = infer_contract(REFERENCE)
X_VALUES = [-1.0, 0.5, 2.75, 2.7499999, 3.0, 5.5, 11.0, 11.000001, 12.0, 30.0, np.nan]


def _merge_randomly(parts: list[ContractSummary], rng: random.Random) -> ContractSummary:
    """Merge pairs picked at random until one is left: any order, any grouping."""
    parts = list(parts)
    while len(parts) > 1:
        a = parts.pop(rng.randrange(len(parts)))
        b = parts.pop(rng.randrange(len(parts)))
        parts.append(a.merge(b) if rng.random() < 0.5 else b.merge(a))
    return parts[0]


def _origins(sizes: list[int], new_file: list[bool]) -> list[tuple[int, int]]:
    """(file, first row in file) of consecutive chunks; a chunk may open the next file."""
    out, file, row = [], 0, 0
    for i, n in enumerate(sizes):
        if i and new_file[i]:
            file, row = file + 1, 0
        out.append((file, row))
        row += n
    return out


@st.composite
def chunked_batches(draw):
    n = draw(st.integers(0, 40))
    whole = pd.DataFrame(
        {
            "x": draw(st.lists(st.sampled_from(X_VALUES), min_size=n, max_size=n)),
            "t": pd.Series(
                draw(
                    st.lists(
                        st.sampled_from(["a", "b", "c", "d", "e", None]), min_size=n, max_size=n
                    )
                ),
                dtype="str",
            ),
            "k": pd.Categorical(
                draw(st.lists(st.sampled_from(["u", "v", None]), min_size=n, max_size=n)),
                categories=["u", "v"],
            ),
            "id": np.array(
                draw(st.lists(st.integers(0, 12), min_size=n, max_size=n)), dtype=np.int64
            ),
            "flag": np.array(
                draw(st.lists(st.sampled_from([0, 1, 2]), min_size=n, max_size=n)), dtype=np.int64
            ),
        }
    )
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=5)))
    bounds = [0, *cuts, n]
    chunks = [whole.iloc[a:b].copy() for a, b in zip(bounds, bounds[1:], strict=False)]
    new_file = draw(st.lists(st.booleans(), min_size=len(chunks), max_size=len(chunks)))
    # a file without one contract column, and a file where x arrives as text
    missing = draw(st.sets(st.integers(0, len(chunks) - 1), max_size=2))
    missing_col = draw(st.sampled_from(["t", "k", "id", "x"]))
    retyped = {draw(st.integers(0, len(chunks) - 1))} if draw(st.booleans()) else set()
    retyped -= missing
    if missing_col == "x":
        retyped = set()
    for i in missing:
        chunks[i] = chunks[i].drop(columns=[missing_col])
    for i in retyped:
        chunks[i] = chunks[i].astype({"x": "str"})
    seed = draw(st.integers(0, 2**32 - 1))
    return whole, chunks, new_file, missing_col, missing, retyped, seed


def _expected(whole, chunks, missing_col, missing, retyped) -> pd.DataFrame:
    """validate() on the concatenation; a column lacking or retyped in some chunks is judged
    on the chunks that hold it with its type, plus one row for the others."""
    affected = {}  # column: (chunks without it or with another type, check, example)
    if missing:
        affected[missing_col] = (missing, "column_in_dataframe", "column missing")
    if retyped:
        affected["x"] = (retyped, "dtype('float64')", "str")
    if not affected:
        return validate(CONTRACT, whole)
    rest = validate(CONTRACT.remove_columns(list(affected)), whole.drop(columns=list(affected)))
    rows = [rest[rest["column"] != "(batch)"]]
    if whole.empty:
        rows.append(
            pd.DataFrame(
                [["(batch)", "not_empty", 0, f"{whole.shape[1]} columns, 0 rows"]],
                columns=VIOLATION_COLUMNS,
            )
        )
    for col, (bad, check, example) in affected.items():
        good = [c for i, c in enumerate(chunks) if i not in bad]
        if good:
            v = validate(CONTRACT.select_columns([col]), pd.concat(good, ignore_index=True)[[col]])
            rows.append(v[v["column"] == col])
        n_bad = sum(len(chunks[i]) for i in bad)
        rows.append(pd.DataFrame([[col, check, n_bad, example]], columns=VIOLATION_COLUMNS))
    out = pd.concat([r for r in rows if len(r)], ignore_index=True).astype({"failures": np.int64})
    return out.sort_values(["column", "check"], kind="stable", ignore_index=True)


@settings(max_examples=150, deadline=None)
@given(case=chunked_batches())
def test_merged_chunks_equal_the_whole_batch(case):
    whole, chunks, new_file, missing_col, missing, retyped, seed = case
    origins = _origins([len(c) for c in chunks], new_file)
    parts = [summarise(CONTRACT, c, origin=o) for c, o in zip(chunks, origins, strict=True)]
    merged = _merge_randomly(parts, random.Random(seed))
    got = merged.violations()
    event(f"chunks {min(len(chunks), 3)}+, missing {bool(missing)}, retyped {bool(retyped)}")
    for check in sorted({c.split("(")[0] for c in got["check"]}):
        event(f"violated: {check}")
    pd.testing.assert_frame_equal(got, _expected(whole, chunks, missing_col, missing, retyped))
    # and what the in-memory path says about the concatenation when nothing is structural
    if not missing and not retyped:
        pd.testing.assert_frame_equal(got, validate(CONTRACT, pd.concat(chunks, ignore_index=True)))
    # the batch-level checks against pandas directly
    with_x = [c["x"] for i, c in enumerate(chunks) if i not in retyped and "x" in c]
    if with_x and sum(map(len, with_x)):
        median = pd.concat(with_x, ignore_index=True).median()
        breaks = not (pd.isna(median) or 2.75 <= median <= 11.0)
        assert any(got["check"].str.startswith("median_between")) == breaks
    ids = pd.concat(
        [c["id"] for c in chunks if "id" in c] or [pd.Series([], dtype=np.int64)], ignore_index=True
    )
    dup = ids[ids.duplicated(keep=False)]
    row = got[got["check"] == "field_uniqueness"]
    assert len(row) == int(len(dup) > 0)
    if len(dup):
        assert row["failures"].iloc[0] == len(dup)
        shown = [str(v) for v in dict.fromkeys(dup)]
        text = ", ".join(shown[:N_EXAMPLES]) + (", ..." if len(shown) > N_EXAMPLES else "")
        assert row["examples"].iloc[0] == text


# ----------------------------------------------------------------- median, against pandas


@st.composite
def values_and_bounds(draw):
    edges = draw(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=2).map(sorted))
    lo, hi = edges
    pool = st.one_of(
        st.sampled_from([lo, hi, np.nextafter(lo, -np.inf), np.nextafter(hi, np.inf), np.nan]),
        st.floats(-1e6, 1e6),
        st.sampled_from([np.inf, -np.inf]),
    )
    values = draw(st.lists(pool, max_size=30))
    cuts = sorted(draw(st.lists(st.integers(0, len(values)), max_size=4)))
    return values, lo, hi, cuts, draw(st.integers(0, 2**32 - 1))


@settings(max_examples=400, deadline=None)
@given(case=values_and_bounds())
def test_median_between_decided_as_pandas_median(case):
    values, lo, hi, cuts, seed = case
    contract = pa.DataFrameSchema(
        {"x": pa.Column(float, checks=[pa.Check.median_between(lo, hi)], nullable=True)}
    )
    frame = pd.DataFrame({"x": pd.Series(values, dtype=np.float64)})
    bounds = [0, *cuts, len(values)]
    parts = [
        summarise(contract, frame.iloc[a:b], origin=(0, a))
        for a, b in zip(bounds, bounds[1:], strict=False)
    ]
    got = _merge_randomly(parts, random.Random(seed)).violations()
    with np.errstate(invalid="ignore"):  # pandas averages -inf and inf to NaN
        median = frame["x"].median()
    m = int(frame["x"].notna().sum())
    ties = m % 2 == 0 and m // 2 in ((frame["x"] < lo).sum(), (frame["x"] > hi).sum())
    event(
        f"m {'even' if m % 2 == 0 else 'odd'}, half beyond a bound: {bool(ties) and m > 0}, "
        f"median {'NaN' if pd.isna(median) else 'inside' if lo <= median <= hi else 'outside'}"
    )
    if pd.isna(median) or lo <= median <= hi:
        assert got["check"].tolist() == (["not_empty"] if frame.empty else []), (median, got)
        return
    side, n = (
        ("below", int((frame["x"] < lo).sum()))
        if median < lo
        else ("above", int((frame["x"] > hi).sum()))
    )
    bound = lo if side == "below" else hi
    assert got["examples"].tolist() == [f"median {side} {bound:.6g} ({n:,} of {m:,} values {side})"]
    assert got["failures"].tolist() == [len(values)]
    pd.testing.assert_frame_equal(got, validate(contract, frame))


def test_median_even_count_split_at_the_bound():
    contract = pa.DataFrameSchema(
        {"x": pa.Column(float, checks=[pa.Check.median_between(10.0, 20.0)])}
    )
    # two of four below 10: pandas averages 9 and 11 (median 10, inside) or 9 and 10.5 (9.75)
    inside = pd.DataFrame({"x": [1.0, 9.0, 11.0, 30.0]})
    outside = pd.DataFrame({"x": [1.0, 9.0, 10.5, 30.0]})
    for frame, breaks in ((inside, False), (outside, True)):
        merged = summarise(contract, frame.iloc[2:], origin=(0, 2)).merge(
            summarise(contract, frame.iloc[:2])
        )
        assert (not merged.violations().empty) == breaks == (not 10 <= frame["x"].median() <= 20)


# -------------------------------------------------------------- uniqueness, against pandas


@settings(max_examples=150, deadline=None)
@given(
    ids=st.lists(st.one_of(st.integers(0, 15).map(float), st.just(np.nan)), max_size=40),
    cuts=st.lists(st.integers(0, 40), max_size=5),
    mode=st.sampled_from(["all", "exclude_first", "exclude_last"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_uniqueness_across_chunks_as_pandas_duplicated(ids, cuts, mode, seed):
    contract = pa.DataFrameSchema(
        {"id": pa.Column(float, nullable=True, unique=True, report_duplicates=mode)}
    )
    frame = pd.DataFrame({"id": pd.Series(ids, dtype=np.float64)})
    bounds = [0, *sorted(min(c, len(ids)) for c in cuts), len(ids)]
    parts = [
        summarise(contract, frame.iloc[a:b], origin=(0, a))
        for a, b in zip(bounds, bounds[1:], strict=False)
    ]
    got = _merge_randomly(parts, random.Random(seed)).violations()
    keep = {"all": False, "exclude_first": "first", "exclude_last": "last"}[mode]
    dup = frame["id"][frame["id"].duplicated(keep=keep) & frame["id"].notna()]
    got = got[got["check"] != "not_empty"]
    if dup.empty:
        assert got.empty
        return
    shown = list(dict.fromkeys(f"{v:.6g}" for v in dup))
    text = ", ".join(shown[:N_EXAMPLES]) + (", ..." if len(shown) > N_EXAMPLES else "")
    assert got.values.tolist() == [["id", "field_uniqueness", len(dup), text]]


# ------------------------------------------------------------------ structure and errors


def test_every_missing_column_is_reported():
    got = validate(CONTRACT, REFERENCE[["x", "flag"]])
    assert got[["column", "check", "failures"]].values.tolist() == [
        ["id", "column_in_dataframe", 10],
        ["k", "column_in_dataframe", 10],
        ["t", "column_in_dataframe", 10],
    ]
    assert contract_columns(CONTRACT) == ["x", "t", "k", "id", "flag"]


def test_examples_follow_file_then_row_whatever_the_merge_order():
    a = REFERENCE.assign(t="p").iloc[:3]
    b = REFERENCE.assign(t="q").iloc[:3]
    c = REFERENCE.assign(t="r").iloc[:3].assign(x=-5.0)
    # a at file 1 row 0, b at file 0 row 10, c at file 0 row 0: examples come as c, b, a
    parts = [
        summarise(CONTRACT, a, (1, 0)),
        summarise(CONTRACT, b, (0, 10)),
        summarise(CONTRACT, c, (0, 0)),
    ]
    for order in ([0, 1, 2], [2, 1, 0], [1, 0, 2]):
        merged = parts[order[0]].merge(parts[order[1]]).merge(parts[order[2]])
        v = merged.violations().set_index("check")
        assert v.loc["isin(['a', 'b', 'c'])", "examples"] == "r, q, p"
        assert v.loc["isin(['a', 'b', 'c'])", "failures"] == 9
        assert v.loc["field_uniqueness", "failures"] == 9
    four = summarise(CONTRACT, REFERENCE.assign(t=["d", "e", "f", "g", "h"] * 2))
    assert four.violations().set_index("column").loc["t", "examples"] == "d, e, f, ..."


def test_retyped_chunk_counts_its_rows_and_lists_each_dtype():
    good = summarise(CONTRACT, REFERENCE.assign(x=99.0))  # out of range, still a float
    text = summarise(CONTRACT, REFERENCE.astype({"x": "str"}), origin=(1, 0))
    obj = summarise(CONTRACT, REFERENCE.astype({"x": object}).iloc[:4], origin=(2, 0))
    v = obj.merge(good).merge(text).violations().set_index("check")
    assert v.loc["dtype('float64')", "failures"] == 14
    assert v.loc["dtype('float64')", "examples"] == "str, object"
    assert v.loc["in_range(0.0, 28.0)", "failures"] == 10  # only the float chunk's values


def test_summaries_pickle_and_refuse_bad_merges():
    part = summarise(CONTRACT, REFERENCE.iloc[:5])
    rest = summarise(CONTRACT, REFERENCE.iloc[5:], origin=(0, 5))
    merged = pickle.loads(pickle.dumps(part)).merge(pickle.loads(pickle.dumps(rest)))
    assert pickle.loads(pickle.dumps(merged)).violations().empty
    with pytest.raises(ValueError, match="row 3 of file 0"):
        part.merge(summarise(CONTRACT, REFERENCE.iloc[3:], origin=(0, 3)))
    with pytest.raises(ValueError, match="another contract"):
        part.merge(summarise(infer_contract(REFERENCE, median_factor=3.0), REFERENCE, (1, 0)))
    with pytest.raises(TypeError, match="ContractSummary"):
        part.merge(REFERENCE)


def test_a_whole_column_check_is_exact_in_one_piece_and_refused_in_chunks():
    wide = CONTRACT.update_column(
        "x", checks=[pa.Check(lambda s: s.mean() > 6, name="mean_above_6")]
    )
    assert validate(wide, REFERENCE)["check"].tolist() == ["mean_above_6"]  # mean 5.5
    assert validate(wide, REFERENCE.iloc[5:]).empty
    with pytest.raises(ValueError, match="x: mean_above_6"):
        summarise(wide, REFERENCE.iloc[:5]).merge(summarise(wide, REFERENCE.iloc[5:], (0, 5)))


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: summarise({"x": float}, REFERENCE), TypeError, "DataFrameSchema"),
        (lambda: summarise(CONTRACT, REFERENCE.to_numpy()), TypeError, "chunk"),
        (lambda: summarise(CONTRACT, REFERENCE, origin=(0, -1)), ValueError, "origin"),
        (lambda: summarise(CONTRACT, REFERENCE, origin=("a", 0)), ValueError, "origin"),
        (lambda: summarise(CONTRACT, REFERENCE, origin=(0, 0, 0)), ValueError, "origin"),
        (lambda: contract_columns(["x"]), TypeError, "DataFrameSchema"),
    ],
)
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ------------------------------------------------------------------------- from Parquet


def _parquet_batches(path, rows_per_read: int):
    """Each production batch's rows as pieces: record batches cut where the batch changes."""
    offset = 0
    for record_batch in pq.ParquetFile(path).iter_batches(batch_size=rows_per_read):
        frame = record_batch.to_pandas()
        for key, piece in frame.groupby("batch", sort=False):
            start = offset + int(np.flatnonzero(frame["batch"].to_numpy() == key)[0])
            yield int(key), piece.drop(columns=["batch"]), (0, start)
        offset += len(frame)


@pytest.mark.parametrize("name", ["stable", "data_quality"])
def test_parquet_chunks_merge_to_the_in_memory_result(tmp_path, name):
    s = scenarios.make(name, n_reference=3000, n_batches=20, batch_size=400)
    contract = infer_contract(s.reference, s.features)
    path = tmp_path / "production.parquet"
    s.production.to_parquet(path, row_group_size=900)
    merged: dict[int, ContractSummary] = {}
    n_pieces = 0
    for key, piece, origin in _parquet_batches(path, rows_per_read=256):
        assert piece.dtypes.to_dict() == s.production.drop(columns=["batch"]).dtypes.to_dict()
        part = summarise(contract, piece, origin)
        merged[key] = merged[key].merge(part) if key in merged else part
        n_pieces += 1
    assert n_pieces > s.n_batches  # batches really were split
    for b in range(s.n_batches):
        got = merged[b].violations()
        pd.testing.assert_frame_equal(got, validate(contract, s.batch(b).drop(columns=["batch"])))
        if name == "stable":
            assert got.empty, (b, got)
    if name == "data_quality":
        assert any(not merged[b].violations().empty for b in range(s.n_batches))


def test_layout_checks_count_the_rows_of_each_chunk_that_breaks_them():
    strict = pa.DataFrameSchema(
        {"x": pa.Column(float), "y": pa.Column(float)}, strict=True, ordered=True
    )
    frame = pd.DataFrame({"y": np.arange(5.0), "x": np.arange(5.0), "z": 1, "w": 2})
    merged = summarise(strict, frame.iloc[3:], (0, 3)).merge(summarise(strict, frame.iloc[:3]))
    got = merged.violations()
    pd.testing.assert_frame_equal(got, validate(strict, frame))
    assert got.fillna({"column": "(frame)"}).values.tolist() == [
        ["w", "column_in_schema", 5, "not in the contract"],
        ["z", "column_in_schema", 5, "not in the contract"],
        ["(frame)", "column_ordered", 5, "y, x"],
    ]
    indexed = strict.set_index(["x"])
    with pytest.raises(ValueError, match="index"):
        summarise(indexed, frame.iloc[:3]).merge(summarise(indexed, frame.iloc[3:], (0, 3)))

"""Segment gaps from confusion counts: the in-memory path is the oracle of the chunked one.

:func:`modellab.metrics.segment_gaps` (rows in memory), :meth:`Monitor.run` and
:func:`modellab.scale.monitor_parquet` (counts merged over Parquet chunks) all go through
:func:`modellab.metrics.segment_counts.gaps_from_cells`; these tests hold them to the same
table, and the counts to scikit-learn's metrics on the rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from parquet_parts import write_parts
from sklearn.metrics import precision_score, recall_score

from modellab import scenarios
from modellab.metrics import segment_gaps
from modellab.metrics.segment_counts import (
    SegmentCounts,
    fit_segment,
    gaps_from_cells,
)
from modellab.monitor import Monitor
from modellab.monitor.segment_rules import SegmentBehind
from modellab.scale import monitor_parquet

SORT = ["batch", "column", "segment"]


@pytest.mark.parametrize("name", ["segment_shift", "protected_group"])
def test_monitor_parquet_gives_monitor_runs_segment_table(name, tmp_path):
    s = scenarios.make(name, seed=1, n_reference=3000, n_batches=12, batch_size=1500)
    production = s.production.copy()
    # a missing segment value is a segment of its own, in both paths
    production.loc[production.index[::97], "region"] = None
    monitor = Monitor(s.reference, segments={"region": None, "age": 4, "channel": None},
                      rules=[SegmentBehind("recall")], n_boot=300, seed=3)
    in_memory = monitor.run(production)
    # batches spread over files of an odd size, read in chunks of another
    write_parts(production, tmp_path / "data", 2300)
    chunked = monitor_parquet(monitor, tmp_path / "data", batch_size=700)
    expected = in_memory.segments.sort_values(SORT, ignore_index=True)
    got = chunked.to_monitor_result().segments.sort_values(SORT, ignore_index=True)
    assert len(expected) > 0 and expected["segment"].str.contains("inf").any()
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12)
    alerts = ["batch", "rule", "subject"]
    pd.testing.assert_frame_equal(chunked.alerts[alerts].reset_index(drop=True),
                                  in_memory.alerts[alerts].reset_index(drop=True))


def test_the_monitor_finds_the_segment_the_scenario_breaks(tmp_path):
    s = scenarios.make("segment_shift", seed=0, n_reference=4000, n_batches=20, batch_size=4000)
    monitor = Monitor(s.reference, segments=["region"], rules=[SegmentBehind("recall")])
    write_parts(s.production, tmp_path / "data", 10_000)
    alerts = monitor_parquet(monitor, tmp_path / "data").alerts
    behind = alerts[alerts["rule"].str.startswith("SegmentBehind")]
    east = behind[behind["subject"] == "east"]
    assert east["batch"].min() >= 10  # the scenario's change starts half-way ...
    assert east["batch"].nunique() >= 7  # ... and is found in most batches after it
    # 5% family-wise per batch over 20 batches: about one false alarm elsewhere is expected
    assert (behind["subject"] != "east").sum() <= 2


def test_segment_gaps_in_memory_equal_the_monitors(tmp_path):
    s = scenarios.make("segment_shift", seed=2, n_reference=2000, n_batches=10, batch_size=1500)
    monitor = Monitor(s.reference, segments=["region"], n_boot=200, seed=5)
    table = monitor.run(s.production).segments.drop(columns="column")
    for key, frame in s.production.groupby("batch"):
        direct = segment_gaps(frame, "region", "recall", by=None, n_boot=200, seed=5)
        mine = table[table["batch"] == key].drop(columns="batch").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, direct.drop(columns="batch"), check_exact=False,
                                      rtol=1e-12)


def test_quantile_bins_are_fixed_at_fit_and_open_at_the_ends():
    ref = pd.DataFrame({"age": np.arange(20.0, 60.0)})
    spec = fit_segment(ref, "age", 4)
    assert spec.names[0].startswith("[-inf, ") and spec.names[-1].endswith(", inf)")
    later = pd.DataFrame({"age": [5.0, 90.0, np.nan, np.inf, -np.inf]})  # still binned
    assert list(np.asarray(spec.labels(later))) == [spec.names[0], spec.names[-1], "(missing)",
                                                    spec.names[-1], spec.names[0]]
    with pytest.raises(ValueError, match="infinite.*replace them with NaN"):
        fit_segment(pd.DataFrame({"age": [20.0, 30.0, 40.0, np.inf]}), "age", 2)
    explicit = fit_segment(ref, "age", [18, 40, 65])
    with pytest.raises(ValueError, match="widen the edges"):
        explicit.labels(later)
    with pytest.raises(ValueError, match="lacks"):
        Monitor(scenarios.make("stable", n_batches=2).reference, segments=["nope"])


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 5), st.integers(1, 6))
def test_counts_merge_over_any_split_and_match_scikit_learn(seed, k, n_parts):
    rng = np.random.default_rng(seed)
    n = 600
    frame = pd.DataFrame({"g": rng.choice([f"s{i}" for i in range(k)], n),
                          "default": rng.integers(0, 2, n).astype(float),
                          "prediction": rng.integers(0, 2, n)})
    frame.loc[rng.random(n) < 0.2, "default"] = np.nan  # labels not arrived
    spec = fit_segment(frame, "g")
    y, p = frame["default"].to_numpy(), frame["prediction"].to_numpy()
    whole = SegmentCounts.of(spec.labels(frame), y, p)
    cuts = np.sort(rng.choice(np.arange(1, n), n_parts - 1, replace=False))
    parts = [SegmentCounts.of(spec.labels(f), f["default"].to_numpy(), f["prediction"].to_numpy())
             for f in (frame.iloc[a:b] for a, b in zip([0, *cuts], [*cuts, n], strict=True))]
    rng.shuffle(parts)
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    assert merged.cells.keys() == whole.cells.keys()
    for name in whole.cells:
        assert np.array_equal(merged.cells[name], whole.cells[name])
    levels = spec.order(list(whole.cells))
    cells = np.array([whole.cells[v] for v in levels])
    for metric, oracle in (("recall", recall_score), ("precision", precision_score)):
        rows = gaps_from_cells(levels, cells, metric, alpha=0.05, n_boot=50,
                               rng=np.random.default_rng(0), min_rows=1, min_class=1)
        labelled = frame.dropna(subset=["default"])
        for r in rows:
            mine = labelled["g"] == r["segment"]
            assert r["value"] == pytest.approx(oracle(labelled.loc[mine, "default"],
                                                      labelled.loc[mine, "prediction"],
                                                      zero_division=np.nan), nan_ok=True)
            assert r["rest"] == pytest.approx(oracle(labelled.loc[~mine, "default"],
                                                     labelled.loc[~mine, "prediction"],
                                                     zero_division=np.nan), nan_ok=True)
            assert r["n"] == int(mine.sum())


def test_the_multinomial_bootstrap_has_the_row_bootstraps_spread():
    # Resampling a segment's rows draws its confusion cells from a multinomial: the gap's
    # bootstrap spread must match the one of resampling rows directly.
    rng = np.random.default_rng(7)
    n = 4000
    g = rng.choice(["a", "b", "c"], n)
    y = rng.integers(0, 2, n).astype(float)
    p = np.where(rng.random(n) < 0.75, y, 1 - y)
    rows = []
    for _ in range(1500):
        take = np.concatenate([rng.choice(np.flatnonzero(g == v), (g == v).sum()) for v in "abc"])
        yb, pb, gb = y[take], p[take], g[take]
        rows.append(recall_score(yb[gb == "a"], pb[gb == "a"])
                    - recall_score(yb[gb != "a"], pb[gb != "a"]))
    row_sd = np.std(rows)
    frame = pd.DataFrame({"g": g, "default": y, "prediction": p})
    spec = fit_segment(frame, "g")
    counts = SegmentCounts.of(spec.labels(frame), y, p)
    cells = np.array([counts.cells[v] for v in "abc"])
    table = gaps_from_cells(list("abc"), cells, "recall", alpha=0.05 * 3, n_boot=4000,
                            rng=np.random.default_rng(1), min_rows=1, min_class=1)
    a = next(r for r in table if r["segment"] == "a")
    # a 95% percentile interval spans about 2 x 1.96 standard deviations
    assert (a["upper"] - a["lower"]) / (2 * 1.96) == pytest.approx(row_sd, rel=0.1)


def test_a_numeric_segment_is_named_alike_whether_stored_as_int_or_float():
    # pandas stores a whole-number column as float64 once a value is missing: a batch (or a
    # Parquet file) with a gap must not split segment 2 into "2" and "2.0".
    spec = fit_segment(pd.DataFrame({"accounts": [1, 2, 3, 2]}), "accounts")
    with_gap = pd.DataFrame({"accounts": [1.0, 2.0, np.nan]})
    assert list(np.asarray(spec.labels(with_gap))) == ["1", "2", "(missing)"]
    assert list(np.asarray(spec.labels(pd.DataFrame({"accounts": [2, 3]})))) == ["2", "3"]


# ------------------------------------------------------------ data real users have (review)
def _stream(seed=1):
    s = scenarios.make("segment_shift", seed=seed, n_reference=3000, n_batches=10, batch_size=1200)
    return s.reference.copy(), s.production.copy()


def _same_segments(monitor, production, folder, **kw):
    expected = monitor.run(production).segments.sort_values(SORT, ignore_index=True)
    chunked = monitor_parquet(monitor, folder, **kw)
    got = chunked.to_monitor_result().segments.sort_values(SORT, ignore_index=True)
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12)
    return chunked, expected


def test_too_many_numeric_levels_are_refused_however_the_batch_is_chunked(tmp_path):
    ref, prod = _stream()
    ref["grade"] = (ref["age"] // 5).clip(upper=15).astype(int)  # 13 values at fit
    prod["grade"] = prod["age"].astype(int)  # ~60 values per batch
    monitor = Monitor(ref, features=["income"], segments=["grade"])
    write_parts(prod, tmp_path / "data", 3000)
    with pytest.raises(ValueError, match="pass bins=5"):
        monitor.run(prod)
    for batch_size in (20, 5000):
        with pytest.raises(ValueError, match="pass bins=5"):
            monitor_parquet(monitor, tmp_path / "data", batch_size=batch_size)


def test_a_file_without_the_segment_column_keeps_its_rows_in_the_missing_segment(tmp_path):
    ref, prod = _stream()
    monitor = Monitor(ref, features=["income", "debt_to_income"], segments=["region"])
    folder = tmp_path / "data"
    folder.mkdir()
    prod.iloc[:5000].to_parquet(folder / "part-0.parquet")
    prod.iloc[5000:7000].drop(columns="region").to_parquet(folder / "part-1.parquet")
    prod.iloc[7000:].to_parquet(folder / "part-2.parquet")
    as_missing = prod.assign(region=prod["region"].where(~prod.index.isin(prod.index[5000:7000])))
    chunked, _ = _same_segments(monitor, as_missing, folder, batch_size=900)
    assert chunked.history["n"].tolist() == [1200] * 10  # no batch lost or cut
    assert chunked.notes == ("part-1.parquet has no 'region' column: its rows count in the "
                             "segment (missing).",)
    with pytest.raises(ValueError, match="production lacks segment column"):
        monitor.run(prod.drop(columns="region"))


def test_a_bool_segment_stored_as_0_1_and_float32_values_name_their_segments_alike(tmp_path):
    ref, prod = _stream()
    ref["repeat"] = ref["age"] > 40
    prod["repeat"] = prod["age"] > 40
    ref["rate"], prod["rate"] = (np.where(ref["age"] > 40, 0.1, 0.2),
                                 np.where(prod["age"] > 40, 0.1, 0.2))
    monitor = Monitor(ref, features=["income"], segments=["repeat", "rate"])
    folder = tmp_path / "data"
    folder.mkdir()
    prod.iloc[:6000].to_parquet(folder / "part-0.parquet")
    prod.iloc[6000:].astype({"repeat": "int64", "rate": "float32"}).to_parquet(
        folder / "part-1.parquet")
    _, table = _same_segments(monitor, prod, folder)
    got = monitor_parquet(monitor, folder).to_monitor_result().segments
    assert set(got.loc[got["column"] == "repeat", "segment"]) == {"False", "True"}
    assert set(got.loc[got["column"] == "rate", "segment"]) == {"0.1", "0.2"}


def test_close_bin_edges_read_differently_and_text_in_a_binned_column_is_named(tmp_path):
    ref, prod = _stream()
    rng = np.random.default_rng(0)
    ref["t"] = 1.7e9 + rng.uniform(0, 3600, len(ref))  # epoch seconds within one hour
    prod["t"] = 1.7e9 + rng.uniform(0, 3600, len(prod))
    monitor = Monitor(ref, features=["income"], segments={"t": 4})
    names = monitor.segment_specs_["t"].names
    assert len(set(names)) == 4
    prod["t"] = prod["t"].astype(object)
    prod.loc[prod.index[0], "t"] = "unknown"
    with pytest.raises(ValueError, match="'t' is binned on numbers.*export it as numbers"):
        monitor.run(prod)


def test_numeric_looking_text_segments_give_segment_gaps_table():
    ref, prod = _stream()
    codes = np.array(["1", "2", "3", "4", "10", "20"])
    ref["code"] = codes[np.arange(len(ref)) % 6]
    prod["code"] = codes[np.arange(len(prod)) % 6]
    monitor = Monitor(ref, segments=["code"], n_boot=200, seed=5)
    table = monitor.run(prod).segments
    batch = prod[prod["batch"] == 0]
    direct = segment_gaps(batch, "code", "recall", by=None, n_boot=200, seed=5)
    mine = table[table["batch"] == 0].drop(columns=["batch", "column"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, direct.drop(columns="batch"), check_exact=False, rtol=1e-12)


def test_a_store_refuses_a_monitor_whose_quantile_bins_moved(tmp_path):
    ref, prod = _stream()
    path = tmp_path / "m.db"
    Monitor(ref, store=path, segments={"age": 4}).run(prod[prod["batch"] < 5])
    shifted = ref.assign(age=ref["age"] + 3)
    with pytest.raises(ValueError, match="segment_edges"):
        Monitor(shifted, store=path, segments={"age": 4})


def test_the_report_reads_a_base_rate_segment_run(tmp_path):
    from modellab.report import to_markdown

    ref, prod = _stream()
    write_parts(prod, tmp_path / "data", 3000)
    monitor = Monitor(ref, segments=["region"], segment_metric="base_rate")
    text = to_markdown(monitor_parquet(monitor, tmp_path / "data").to_monitor_result())
    assert "differs between segments by design" in text


def test_forty_segments_count_right():
    # Categorical codes are int8 for under 128 categories: code * 4 must not overflow.
    rng = np.random.default_rng(3)
    n = 20_000
    frame = pd.DataFrame({"g": rng.integers(0, 40, n).astype(str),
                          "default": rng.integers(0, 2, n), "prediction": rng.integers(0, 2, n)})
    table = segment_gaps(frame, "g", "recall", by=None, n_boot=50, min_rows=10, min_class=5)
    assert len(table) == 40
    for r in table.itertuples():
        mine = frame["g"] == r.segment
        assert r.value == pytest.approx(recall_score(frame.loc[mine, "default"],
                                                     frame.loc[mine, "prediction"]))


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"cells": [[1, 2, 3]]}, ValueError, "4 columns"),
    ({"cells": [[1, 2, 3, -1]]}, ValueError, "whole numbers >= 0"),
    ({"cells": [[1, 2, 3, 0.5]]}, ValueError, "whole numbers >= 0"),
    ({"levels": ["a"]}, ValueError, "one segment name per row"),
    ({"metric": "roc_auc"}, ValueError, "confusion counts"),
    ({"alpha": 1.5}, ValueError, "alpha"),
    ({"n_boot": 0}, ValueError, "n_boot"),
    ({"min_class": -1}, ValueError, "min_class"),
    ({"rng": 0}, TypeError, "default_rng"),
])
def test_gaps_from_cells_refuses_bad_input(kwargs, error, match):
    args = {"levels": ["a", "b"], "cells": [[50, 10, 10, 30], [40, 20, 15, 25]],
            "metric": "recall", "alpha": 0.05, "n_boot": 10, "rng": np.random.default_rng(0),
            "min_rows": 1, "min_class": 1, **kwargs}
    with pytest.raises(error, match=match):
        gaps_from_cells(args.pop("levels"), args.pop("cells"), args.pop("metric"), **args)

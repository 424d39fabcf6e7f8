"""A monitor's data contract over Parquet: Monitor.run on the same rows is the oracle."""

from __future__ import annotations

import pandas as pd
import pytest
from parquet_parts import write_parts

from modellab import scenarios
from modellab.contracts import infer_contract
from modellab.monitor import Monitor
from modellab.monitor.segment_rules import ContractViolated
from modellab.scale import monitor_parquet

KEYS = ["batch", "column", "check"]


@pytest.mark.parametrize("name", ["data_quality", "stable"])
def test_monitor_parquet_checks_the_contract_as_monitor_run_does(name, tmp_path):
    s = scenarios.make(name, seed=0, n_reference=3000, n_batches=12, batch_size=1500)
    monitor = Monitor(s.reference, contract=True, rules=[ContractViolated()])
    in_memory = monitor.run(s.production)
    write_parts(s.production, tmp_path / "data", 2300)  # batches spread over files ...
    chunked = monitor_parquet(monitor, tmp_path / "data", batch_size=600)  # ... and chunks
    expected = in_memory.contract.sort_values(KEYS, ignore_index=True)
    got = chunked.to_monitor_result().contract.sort_values(KEYS, ignore_index=True)
    pd.testing.assert_frame_equal(got, expected)
    pd.testing.assert_series_equal(chunked.history["contract_violations"],
                                   in_memory.history["contract_violations"])
    alerts = ["batch", "rule", "subject", "message"]
    pd.testing.assert_frame_equal(chunked.alerts[alerts].reset_index(drop=True),
                                  in_memory.alerts[alerts].reset_index(drop=True))
    if name == "stable":
        assert expected.empty  # no false violation on a calm stream
    else:  # the scenario's three faults, each caught
        checks = set(expected["check"].str.split("(").str[0])
        assert {"median_between", "isin", "not_nullable"} <= checks, checks


def test_a_file_without_a_contract_column_is_a_violation_for_its_rows(tmp_path):
    s = scenarios.make("stable", seed=1, n_reference=2000, n_batches=4, batch_size=1000)
    monitor = Monitor(s.reference, features=["income", "age"],
                      contract=infer_contract(
                          s.reference, ["income", "age", "region"]))
    folder = tmp_path / "data"
    folder.mkdir()
    s.production.iloc[:2500].to_parquet(folder / "part-0.parquet")
    s.production.iloc[2500:].drop(columns="region").to_parquet(folder / "part-1.parquet")
    table = monitor_parquet(monitor, folder).to_monitor_result().contract
    missing = table[table["check"] == "column_in_dataframe"]
    assert missing["column"].unique().tolist() == ["region"]
    # the rows of part-1: half of batch 2 and all of batch 3
    assert dict(zip(missing["batch"], missing["failures"], strict=True)) == {2: 500, 3: 1000}


def test_the_note_names_the_file_without_a_contract_column(tmp_path):
    s = scenarios.make("stable", seed=1, n_reference=2000, n_batches=2, batch_size=1000)
    monitor = Monitor(s.reference, features=["income"],
                      contract=infer_contract(s.reference, ["income", "region"]))
    folder = tmp_path / "data"
    folder.mkdir()
    s.production.drop(columns="region").to_parquet(folder / "part-0.parquet")
    result = monitor_parquet(monitor, folder)
    assert result.notes == ("part-0.parquet has no 'region' column: the contract counts its rows "
                            "as a column_in_dataframe violation.",)
    assert "skipped=0, notes=1," in repr(result)  # a file lacking a column shows in the repr
    # the MonitorResult carries it, and both reports list it where a reader looks
    from modellab.report import render, render_markdown

    monitor_result = result.to_monitor_result()
    assert monitor_result.notes == result.notes
    for fmt in ("md", "html"):
        path = tmp_path / f"report.{fmt}"
        (render_markdown if fmt == "md" else render)(monitor_result, path)
        text = path.read_text()
        assert "How the data files were read" in text and "part-0.parquet has no" in text
    # a run in memory has no files, hence no such section
    in_memory = monitor.run(s.production)
    assert in_memory.notes == ()
    render_markdown(in_memory, tmp_path / "plain.md")
    assert "How the data files were read" not in (tmp_path / "plain.md").read_text()


def test_batches_whose_rows_interleave_in_a_file(tmp_path):
    s = scenarios.make("data_quality", seed=2, n_reference=2000, n_batches=10, batch_size=500)
    production = s.production.sample(frac=1.0, random_state=0)  # every batch spread out
    monitor = Monitor(s.reference, contract=True)
    folder = tmp_path / "data"
    folder.mkdir()
    production.to_parquet(folder / "part-0.parquet")
    got = monitor_parquet(monitor, folder, batch_size=700).to_monitor_result().contract
    expected = monitor.run(production).contract
    pd.testing.assert_frame_equal(got.sort_values(KEYS, ignore_index=True),
                                  expected.sort_values(KEYS, ignore_index=True))


def test_checks_that_judge_a_whole_column_are_refused_before_anything_is_read(tmp_path):
    import pandera.pandas as pa

    from modellab.contracts import unmergeable_checks

    s = scenarios.make("stable", seed=0, n_reference=2000, n_batches=3, batch_size=500)
    s.production.to_parquet(tmp_path / "p.parquet")
    base = infer_contract(s.reference, ["income", "channel"])
    whole_column = {
        "mean": base.update_column("income", checks=[pa.Check(lambda v: v.mean() > 0)]),
        "quantile": base.update_column("income", checks=[pa.Check(lambda v: v < v.quantile(0.95))]),
        "value counts": base.update_column("channel", checks=[pa.Check(lambda v: v.value_counts() < 300)]),
    }
    for name, contract in whole_column.items():
        assert unmergeable_checks(contract), name
        store = tmp_path / f"{name}.db"
        with pytest.raises(ValueError, match="cannot judge chunk by chunk.*Monitor.run"):
            monitor_parquet(Monitor(s.reference, contract=contract, store=store), tmp_path)
        assert Monitor.load_history(store).history.empty  # nothing written before the refusal
    row_wise = base.update_column("income", checks=[pa.Check(lambda v: v > 0)])
    assert unmergeable_checks(row_wise) == []
    for contract, why in ((pa.DataFrameSchema(base.columns, strict=True), "strict=True"),
                          (pa.DataFrameSchema(base.columns, ordered=True), "ordered=True"),
                          (pa.DataFrameSchema({"inc.*": pa.Column(float, regex=True)}), "regex")):
        with pytest.raises(ValueError, match=why):
            monitor_parquet(Monitor(s.reference, contract=contract), tmp_path)


def test_a_violation_of_the_whole_table_raises_an_alert():
    import pandera.pandas as pa

    s = scenarios.make("stable", seed=0, n_reference=2000, n_batches=3, batch_size=500)
    contract = pa.DataFrameSchema(infer_contract(s.reference, ["income", "age"]).columns,
                                  ordered=True)
    production = s.production[["batch", "score", "prediction", "default", "age", "income"]]
    result = Monitor(s.reference, features=["income", "age"], contract=contract,
                     rules=[ContractViolated()]).run(production)
    assert result.history["contract_violations"].tolist() == [1, 1, 1]
    assert len(result.alerts) == 3 and result.alerts["message"].str.contains("the table").all()


def test_a_contract_edited_in_place_is_read_afresh():
    # summarise() keeps what it learnt of a contract (probing its checks costs milliseconds
    # per chunk); an edit in place must not be missed.
    import pandera.pandas as pa

    from modellab.contracts import validate

    ref = pd.DataFrame({"income": [-10.0, 30.0, 40.0]})
    contract = infer_contract(ref, median_factor=None)
    batch = pd.DataFrame({"income": [25.0, -5.0]})
    assert validate(contract, batch).empty
    contract.columns["income"].checks.append(pa.Check.ge(0))
    assert validate(contract, batch)["check"].tolist() == ["greater_than_or_equal_to(0)"]
    contract.columns["income"].checks[-1] = pa.Check.ge(30)
    assert validate(contract, batch)["failures"].tolist() == [2]


def test_contract_violations_read_back_from_a_store_as_counts(tmp_path):
    s = scenarios.make("data_quality", seed=0, n_reference=2000, n_batches=12, batch_size=500)
    in_memory = Monitor(s.reference, contract=True).run(s.production)
    stored = Monitor(s.reference, contract=True, store=tmp_path / "m.db").run(s.production)
    pd.testing.assert_series_equal(stored.history["contract_violations"],
                                   in_memory.history["contract_violations"])
    assert stored.history["contract_violations"].dtype == "int64"

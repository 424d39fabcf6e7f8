"""Data contracts: inferred from the reference, checked on every scenario and on hostile batches."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modellab import scenarios
from modellab.contracts import VIOLATION_COLUMNS, infer_contract, validate


@pytest.fixture(scope="module")
def world():
    s = scenarios.make("stable", n_reference=3000, n_batches=3, batch_size=500)
    return s, infer_contract(s.reference)


def _violated(v: pd.DataFrame) -> set[tuple[str, str]]:
    return {(c, k.split("(")[0]) for c, k in zip(v["column"], v["check"], strict=True)}


@pytest.mark.parametrize("name", scenarios.list_scenarios()["name"].tolist())
def test_every_scenario_violations_match_the_truth(name):
    s = scenarios.make(name, seed=1, n_reference=3000, n_batches=20, batch_size=600)
    contract = infer_contract(s.reference, nullable=[s.target])
    truth = s.truth[s.truth["kind"] == "data_quality"]
    faulty = {}
    for _, row in truth.iterrows():
        for b in range(row["start_batch"], row["end_batch"] + 1):
            faulty.setdefault(b, set()).update(row["features"])
    for b in range(s.n_batches):
        v = validate(contract, s.batch(b))
        assert list(v.columns) == VIOLATION_COLUMNS
        if b in faulty:  # the fault, and possibly its echo in the model's scores
            assert set(v["column"]) - {"score", "prediction"} == faulty[b], (name, b, v)
        else:
            assert v.empty, (name, b, v)


def test_data_quality_faults_caught_with_the_right_check():
    s = scenarios.make("data_quality", n_reference=3000, n_batches=20, batch_size=600)
    contract = infer_contract(s.reference)
    unit = validate(contract, s.batch(5))
    # income in thousands, and the scores it pushes up
    assert _violated(unit) == {("income", "median_between"), ("score", "median_between")}
    assert unit.set_index("column").loc["income", "failures"] == 600
    missing = validate(contract, s.batch(10))
    assert _violated(missing) == {("debt_to_income", "not_nullable")}
    expected = int(s.batch(10)["debt_to_income"].isna().sum())
    assert missing["failures"].iloc[0] == expected
    unseen = validate(contract, s.batch(15))
    assert _violated(unseen) == {("employment_type", "isin")}
    assert unseen["examples"].iloc[0] == "gig_worker"
    assert unseen["failures"].iloc[0] == int((s.batch(15)["employment_type"] == "gig_worker").sum())


def test_stable_stream_has_no_false_violations_over_seeds():
    for seed in range(3):
        s = scenarios.make("stable", seed=seed, n_reference=5000, n_batches=20, batch_size=1000)
        contract = infer_contract(s.reference)
        assert all(validate(contract, b).empty for b in s.iter_batches())


def test_hostile_batches_are_reported_not_raised(world):
    s, contract = world
    batch = s.batch(0)
    renamed = validate(contract, batch.rename(columns={"income": "annual_income"}))
    assert _violated(renamed) == {("income", "column_in_dataframe")}
    retyped = validate(contract, batch.astype({"age": str}))
    assert _violated(retyped) == {("age", "dtype")} and retyped["examples"].iloc[0] == "str"
    empty = validate(contract, batch.iloc[:0])
    assert _violated(empty) == {("(batch)", "not_empty")}
    all_null = batch.assign(region=pd.Series([None] * len(batch), dtype="str"))
    v = validate(contract, all_null)
    assert _violated(v) == {("region", "not_nullable")} and v["failures"].iloc[0] == len(batch)
    dup = batch.assign(score=batch["score"].iloc[0])  # scores stay in range: no violation
    assert validate(contract, dup).empty


def test_unique_ids_and_binary_columns():
    ref = pd.DataFrame({"id": np.arange(100), "flag": np.tile([0, 1], 50), "x": np.linspace(0, 1, 100)})
    contract = infer_contract(ref)
    assert contract.columns["id"].unique and not contract.columns["x"].unique
    bad = pd.DataFrame({"id": [1, 1, 2], "flag": [0, 2, 1], "x": [0.5, 0.5, 0.5]})
    assert _violated(validate(contract, bad)) == {("id", "field_uniqueness"), ("flag", "isin")}


@settings(max_examples=30, deadline=None)
@given(lo=st.floats(-1e6, 1e6), span=st.floats(1e-3, 1e6), tol=st.floats(0, 2))
def test_range_is_reference_range_with_tolerance(lo, span, tol):
    ref = pd.DataFrame({"x": [lo, lo + span / 2, lo + span]})
    check = infer_contract(ref, tolerance=tol).columns["x"].checks[0]
    low, high = check.statistics["min_value"], check.statistics["max_value"]
    hi = float(ref["x"].max())
    assert high == pytest.approx(hi + tol * (hi - lo))
    expected_low = lo - tol * (hi - lo)
    if lo >= 0:
        expected_low = max(expected_low, 0.0)
    assert low == pytest.approx(expected_low)
    # the reference always conforms to its own contract
    assert validate(infer_contract(ref, tolerance=tol), ref).empty


def test_contract_round_trips_through_yaml_and_json(tmp_path, world):
    s, contract = world
    path = tmp_path / "contract.yaml"
    contract.to_yaml(path)
    loaded = pa.DataFrameSchema.from_yaml(path)
    assert loaded == contract
    broken = s.batch(1).assign(channel="fax")
    pd.testing.assert_frame_equal(validate(loaded, broken), validate(contract, broken))
    assert pa.DataFrameSchema.from_json(contract.to_json()) == contract


def test_edited_contract_is_used(world):
    s, contract = world
    stricter = contract.update_column("age", checks=[pa.Check.in_range(18, 30)])
    v = validate(stricter, s.batch(0))
    assert _violated(v) == {("age", "in_range")}
    assert v["failures"].iloc[0] == int((s.batch(0)["age"] > 30).sum())


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda c, b: infer_contract(b.to_numpy()), TypeError, "DataFrame"),
        (lambda c, b: infer_contract(b, ["nope"]), ValueError, "nope"),
        (lambda c, b: infer_contract(b, tolerance="big"), TypeError, "tolerance"),
        (lambda c, b: infer_contract(b, tolerance=-1), ValueError, "tolerance"),
        (lambda c, b: validate({"age": "float"}, b), TypeError, "DataFrameSchema"),
        (lambda c, b: validate(c, b.to_numpy()), TypeError, "batch"),
    ],
)
def test_bad_arguments(world, call, error, match):
    s, contract = world
    with pytest.raises(error, match=match):
        call(contract, s.reference)


# ------------------------------------------------------- contract and service-health rules


def test_contract_rule_fires_on_the_faulty_batches_of_data_quality():
    from modellab.contracts import validate_batches
    from modellab.monitor.segment_rules import ContractViolated

    s = scenarios.make("data_quality", n_reference=3000, n_batches=20, batch_size=600)
    history = validate_batches(infer_contract(s.reference), s.production)
    alerts = ContractViolated().evaluate(history)
    truth = s.truth
    expected = {(b, f) for r in truth.itertuples() for b in range(r.start_batch, r.end_batch + 1)
                for f in r.features}
    fired = {(b, c) for b, c in zip(alerts["batch"], alerts["subject"], strict=True)}
    assert expected <= fired and {c for _, c in fired - expected} <= {"score"}
    assert (alerts["severity"] == "critical").all()
    assert "gig_worker" in " ".join(alerts["message"])
    quiet = scenarios.make("stable", n_reference=3000, n_batches=20, batch_size=600)
    assert ContractViolated().evaluate(
        validate_batches(infer_contract(quiet.reference), quiet.production)).empty


def test_service_health_and_its_rules_see_outages():
    from modellab.monitor.health import BatchLate, ScoredShareBelow, VolumeOutside, service_health

    s = scenarios.make("stable", n_reference=500, n_batches=8, batch_size=200)
    prod = s.production.copy()
    prod = prod[~((prod["batch"] == 3) & (prod.index % 4 != 0))]  # batch 3: a quarter arrives
    prod = prod[prod["batch"] != 5]  # batch 5 never arrives
    prod.loc[prod["batch"] == 6, "score"] = prod.loc[prod["batch"] == 6, "score"].where(
        prod.index[prod["batch"] == 6] % 10 != 0)  # batch 6: one row in ten unscored
    health = service_health(prod)
    assert health.set_index("batch").loc[3, "n"] == (s.production["batch"] == 3).sum() // 4
    assert health["cadence_days"].iloc[0] == 7
    assert VolumeOutside().evaluate(health)["batch"].tolist() == [3]
    assert BatchLate().evaluate(health)["batch"].tolist() == [6]  # 14 days after batch 4
    scored = ScoredShareBelow().evaluate(health)
    assert scored["batch"].tolist() == [6] and scored["value"].iloc[0] == pytest.approx(0.9, abs=0.01)
    ok = service_health(s.production)
    assert all(r.evaluate(ok).empty for r in (VolumeOutside(), BatchLate(), ScoredShareBelow()))


def test_service_health_arrival_delay_and_errors():
    from modellab.monitor.health import BatchLate, VolumeOutside, service_health

    s = scenarios.make("stable", n_reference=500, n_batches=4, batch_size=50)
    prod = s.production.assign(loaded=lambda d: d["timestamp"] + pd.Timedelta(days=8))
    prod.loc[prod["batch"] == 2, "loaded"] += pd.Timedelta(days=10)
    health = service_health(prod, arrival="loaded")
    assert health["arrival_delay_days"].tolist() == [1.0, 1.0, 11.0, 1.0]
    assert BatchLate().evaluate(health)["batch"].tolist() == [2]
    with pytest.raises(TypeError, match="datetimes"):
        service_health(prod.assign(timestamp="monday"))
    with pytest.raises(ValueError, match="no column"):
        service_health(prod, score="p")
    with pytest.raises(ValueError, match="low < 1 < high"):
        VolumeOutside(low=2)
    with pytest.raises(ValueError, match="service_health"):
        VolumeOutside().evaluate(pd.DataFrame({"batch": [0]}))


def _above(bound):
    return lambda v: v > bound


def _custom(*checks):
    from modellab.contracts import custom_checks

    return custom_checks(pa.DataFrameSchema({"x": pa.Column(float, list(checks))}))


def test_custom_checks_fingerprint_what_a_check_computes_not_where_it_was_defined():
    import functools

    # listed: the checks the YAML leaves out; built-in and registered ones are in the YAML
    listed = _custom(pa.Check(lambda v: v > 0, name="pos"), pa.Check.greater_than(0))
    assert [(c["column"], c["check"], c["element_wise"]) for c in listed] == [("x", "pos", False)]
    assert _custom(pa.Check.greater_than(0), pa.Check.median_between(0, 1)) == []
    # defined again (a notebook re-run): the same fingerprint; another constant, closure
    # value, default, operator or partial argument: another one
    same = [_custom(pa.Check(lambda v: v > 0, name="pos")) for _ in range(2)]
    assert same[0] == same[1]
    assert _custom(pa.Check(_above(1), name="a")) == _custom(pa.Check(_above(1), name="a"))
    variants = [
        pa.Check(lambda v: v > 0, name="c"), pa.Check(lambda v: v > 5, name="c"),
        pa.Check(lambda v: v >= 0, name="c"), pa.Check(_above(1), name="c"),
        pa.Check(_above(2), name="c"), pa.Check(lambda v, t=3: v > t, name="c"),
        pa.Check(lambda v, t=4: v > t, name="c"),
        pa.Check(functools.partial(lambda v, t: v > t, t=5), name="c"),
        pa.Check(functools.partial(lambda v, t: v > t, t=6), name="c"),
        pa.Check(lambda v: v.notna(), name="c"), pa.Check(lambda v: v.isna(), name="c"),
    ]
    codes = [_custom(c)[0]["code"] for c in variants]
    assert len(set(codes)) == len(codes)
    # a check of the whole table is listed with column None
    from modellab.contracts import custom_checks

    table = pa.DataFrameSchema({"x": pa.Column(float)}, checks=[pa.Check(lambda df: df["x"] > 0, name="t")])
    assert [(c["column"], c["check"]) for c in custom_checks(table)] == [(None, "t")]
    with pytest.raises(TypeError, match="pandera DataFrameSchema"):
        custom_checks({"x": "float"})

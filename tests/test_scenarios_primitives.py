"""Custom worlds from the public primitives, the model's robustness, and the CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from modellab import cli
from modellab import scenarios as sc

SMALL = {"n_reference": 3000, "n_batches": 8, "batch_size": 1500}


def _ks(a: pd.Series, b: pd.Series) -> float:
    return stats.ks_2samp(a.dropna(), b.dropna()).pvalue


def test_shift_moves_the_mean_by_the_stated_standard_deviations():
    s = sc.custom([sc.shift("income", by=-0.5).at(sc.sudden(4))], **SMALL)
    ref, prod = s.reference, s.production
    sd = ref["income"].std()
    after = prod.loc[prod["batch"] >= 4, "income"].mean()
    before = prod.loc[prod["batch"] < 4, "income"].mean()
    assert (after - before) / sd == pytest.approx(-0.5, abs=0.08)
    assert (prod["income"] >= 0).all()  # clipped to the valid range
    row = s.truth.iloc[0]
    assert (row.kind, row.features, row.start_batch, row.end_batch) == (
        "covariate_shift",
        ("income",),
        4,
        7,
    )
    assert row.unit == "reference standard deviations" and row.magnitude == -0.5


def test_scale_changes_the_spread_not_the_centre():
    s = sc.custom([sc.scale("interest_rate", factor=2.0).at(sc.sudden(4))], **SMALL)
    prod = s.production
    before = prod.loc[prod["batch"] < 4, "interest_rate"]
    after = prod.loc[prod["batch"] >= 4, "interest_rate"]
    assert after.std() / before.std() == pytest.approx(2.0, rel=0.15)
    assert after.mean() == pytest.approx(before.mean(), abs=0.2 * before.std())


def test_change_mix_reaches_the_target_and_touches_nothing_else():
    s = sc.custom([sc.change_mix("region", {"capital": 0.40}).at(sc.sudden(4))], **SMALL)
    prod = s.production
    before, after = prod[prod["batch"] < 4], prod[prod["batch"] >= 4]
    share = (after["region"] == "capital").mean()
    assert share == pytest.approx(0.40, abs=3 * np.sqrt(0.24 / len(after)))
    for f in s.numeric_features + ["employment_type", "channel"]:
        if f in s.numeric_features:
            assert _ks(before[f], after[f]) > 1e-3, f
        else:
            assert (
                before[f].value_counts(normalize=True) - after[f].value_counts(normalize=True)
            ).abs().max() < 0.03
    ref_share = s.reference["region"].value_counts(normalize=True)
    expected_tv = 0.5 * sum(
        abs(s.events[0].primitive.proportions[k] - ref_share[k]) for k in ref_share.index
    )
    assert s.truth.loc[0, "magnitude"] == pytest.approx(expected_tv, abs=0.02)


def test_gradual_and_recurring_schedules_weight_the_batches():
    ramp = sc.gradual(start=2, full=5, end=6)
    assert [ramp.weight(b, 8) for b in range(8)] == [0, 0, 0.25, 0.5, 0.75, 1, 1, 0]
    season = sc.recurring(period=3, duration=1, start=1)
    assert [season.weight(b, 8) for b in range(8)] == [0, 1, 0, 0, 1, 0, 0, 1]
    s = sc.custom([sc.shift("age", by=1.0).at(season)], **SMALL)
    truth = s.truth
    assert truth[["start_batch", "end_batch"]].values.tolist() == [[1, 1], [4, 4], [7, 7]]
    assert (truth["schedule"] == "recurring").all()
    means = s.production.groupby("batch")["age"].mean()
    assert means[[1, 4, 7]].min() > means[[0, 2, 3, 5, 6]].max()


def test_prior_shift_combines_with_a_gradual_schedule():
    s = sc.custom([sc.prior_shift(-0.06).at(sc.gradual(2, 5))], seed=1, **SMALL)
    rate = s.production.groupby("batch")["default"].mean()
    base = rate.loc[:1].mean()
    assert rate.loc[5:].mean() - base == pytest.approx(-0.06, abs=0.02)


def test_quality_faults_leave_the_true_labels_alone_and_the_model_copes():
    events = [
        sc.missing_values("region", 0.5).at(sc.sudden(2, 2)),
        sc.missing_values("num_open_accounts", 0.2).at(sc.sudden(3, 3)),
        sc.outliers("loan_amount", 0.05, size=20).at(sc.sudden(4, 4)),
        sc.unit_change("interest_rate", 100).at(sc.gradual(5, 6)),
        sc.unseen_category("channel", "kiosk", 0.3).at(sc.sudden(7)),
    ]
    s = sc.custom(events, **SMALL)
    clean = sc.custom([], **SMALL)
    prod, base = s.production, clean.production
    # Quality faults corrupt what the model sees, never who defaults.
    assert (prod["default"] == base["default"]).all()
    assert prod["score"].between(0, 1).all()
    by = prod.groupby("batch")
    assert by["region"].apply(lambda c: c.isna().mean()).gt(0).tolist() == [
        b == 2 for b in range(8)
    ]
    # Missing counts turn the column float64 in every batch, so the stream keeps one schema.
    assert all(b["num_open_accounts"].dtype == np.float64 for b in s.iter_batches())
    assert by["num_open_accounts"].apply(lambda c: c.isna().any()).tolist() == [
        b == 3 for b in range(8)
    ]
    huge = prod["loan_amount"] > base["loan_amount"].max()
    assert set(prod.loc[huge, "batch"]) == {4}
    scaled = prod["interest_rate"] > 1
    assert scaled.groupby(prod["batch"]).mean().round(1).tolist()[5:7] == [0.5, 1.0]
    assert set(prod.loc[prod["channel"] == "kiosk", "batch"]) == {7}


def test_concept_change_strength_orders_the_damage():
    from sklearn.metrics import roc_auc_score

    def auc_after(strength):
        s = sc.custom([sc.concept_change(strength).at(sc.sudden(0))], **SMALL)
        return roc_auc_score(s.production["default"], s.production["score"])

    assert auc_after(1.0) < auc_after(0.3) - 0.03


def test_label_delay_with_custom_length():
    s = sc.custom([sc.label_delay(2)], **SMALL)
    y = s.production.groupby("batch")["default"].apply(lambda v: v.isna().all())
    assert y.tolist() == [False] * 6 + [True] * 2
    with pytest.raises(ValueError, match="label_delay"):
        sc.Event(sc.shift("age", 1.0), sc.drifts.LastBatches(0, None, count=2))


def test_custom_accepts_pairs_and_a_single_event():
    s1 = sc.custom([(sc.shift("age", 1.0), sc.sudden(3))], **SMALL)
    s2 = sc.custom(sc.shift("age", 1.0).at(sc.sudden(3)), **SMALL)
    pd.testing.assert_frame_equal(s1.truth, s2.truth)
    pd.testing.assert_frame_equal(s1.batch(3), s2.batch(3))
    assert s1.name == "custom"


def test_model_is_a_fitted_pipeline_trained_out_of_sample():
    from sklearn.pipeline import Pipeline

    s = sc.make("stable", n_batches=2, batch_size=100)
    assert isinstance(s.model, Pipeline)
    names = s.model[0].get_feature_names_out()
    assert "employment_type=contract&debt_to_income:bin9" in names
    # A second scenario gets its own copy: changing one model cannot leak into another.
    other = sc.make("stable", n_batches=2, batch_size=100)
    assert other.model is not s.model
    with pytest.raises(TypeError, match="pandas DataFrame"):
        s.model.predict_proba(np.zeros((2, 10)))


# --------------------------------------------------------------------- CLI


def test_cli_list(capsys):
    assert cli.main(["scenarios", "list"]) == 0
    out = capsys.readouterr().out
    for name in sc.list_scenarios()["name"]:
        assert name in out


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_cli_export(tmp_path, capsys, fmt):
    args = ["--n-reference", "300", "--n-batches", "10", "--batch-size", "120", "--seed", "2"]
    code = cli.main(
        ["scenarios", "export", "label_delay", "--out", str(tmp_path), "--format", fmt, *args]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "reference." + fmt in out and "batch_009." + fmt in out and "truth.csv" in out
    expected = {"reference." + fmt, "truth.csv", *(f"batch_{i:03d}.{fmt}" for i in range(10))}
    assert {p.name for p in tmp_path.iterdir()} == expected
    read = pd.read_parquet if fmt == "parquet" else pd.read_csv
    s = sc.make("label_delay", seed=2, n_reference=300, n_batches=10, batch_size=120)
    batch = read(tmp_path / f"batch_004.{fmt}")
    assert len(batch) == 120 and (batch["batch"] == 4).all()
    np.testing.assert_allclose(batch["score"], s.batch(4)["score"], rtol=1e-12)
    assert batch["default"].notna().all()
    assert read(tmp_path / f"batch_009.{fmt}")["default"].isna().all()  # labels not arrived
    assert read(tmp_path / f"reference.{fmt}").shape == s.reference.shape
    truth = pd.read_csv(tmp_path / "truth.csv")
    assert truth["kind"].tolist() == s.truth["kind"].tolist()
    assert truth.loc[0, "features"] == "debt_to_income"


def test_cli_errors_exit_2(tmp_path, capsys):
    assert cli.main(["scenarios", "export", "nope", "--out", str(tmp_path)]) == 2
    assert "unknown scenario 'nope'" in capsys.readouterr().err
    assert (
        cli.main(["scenarios", "export", "stable", "--out", str(tmp_path), "--n-batches", "0"]) == 2
    )
    assert "n_batches must be positive" in capsys.readouterr().err
    assert cli.main(["scenarios"]) == 2

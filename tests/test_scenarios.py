"""The scenarios' ground truth must be true: checked with scipy, not with our own code."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from modellab import scenarios as sc

REQUIRED = [
    "stable",
    "covariate_shift_sudden",
    "covariate_shift_gradual",
    "seasonal",
    "prior_shift",
    "concept_drift",
    "data_quality",
    "label_delay",
]


@pytest.fixture(scope="module")
def world():
    """Named scenarios at default sizes, each generated once per module."""
    cache: dict[tuple[str, int], sc.Scenario] = {}

    def get(name: str, seed: int = 0) -> sc.Scenario:
        if (name, seed) not in cache:
            cache[name, seed] = sc.make(name, seed=seed)
        return cache[name, seed]

    return get


def _pvalue(reference: pd.Series, current: pd.Series) -> float:
    """KS for numbers, chi-squared on the contingency table for categories (NaN dropped)."""
    reference, current = reference.dropna(), current.dropna()
    if pd.api.types.is_numeric_dtype(reference):
        return stats.ks_2samp(reference, current).pvalue
    levels = sorted(set(reference) | set(current))
    table = np.array(
        [
            reference.value_counts().reindex(levels, fill_value=0),
            current.value_counts().reindex(levels, fill_value=0),
        ]
    )
    return stats.chi2_contingency(table).pvalue


def _drifted_pairs(s: sc.Scenario) -> set[tuple[str, int]]:
    """(feature, batch) pairs whose distribution the truth says has changed."""
    pairs = set()
    for row in s.truth.itertuples():
        if row.kind in ("covariate_shift", "data_quality"):
            for b in range(row.start_batch, row.end_batch + 1):
                pairs |= {(f, b) for f in row.features}
    return pairs


# ----------------------------------------------------------------- catalogue


def test_list_scenarios_has_every_named_scenario():
    table = sc.list_scenarios()
    assert list(table.columns) == ["name", "kind", "description"]
    assert set(REQUIRED) <= set(table["name"])
    assert table["description"].str.len().min() > 20


def test_frames_have_the_documented_columns_and_dtypes(world):
    s = world("covariate_shift_sudden")
    ref, prod = s.reference, s.production
    assert s.target == "default" and s.features == sc.FEATURES
    assert set(s.numeric_features) | set(s.categorical_features) == set(s.features)
    assert list(ref.columns) == [*s.features, "default", "score", "prediction"]
    assert list(prod.columns) == [
        "batch",
        "timestamp",
        *s.features,
        "default",
        "score",
        "prediction",
    ]
    assert len(ref) == 5000 and len(prod) == 20 * 1000
    for frame in (ref, prod):
        for c in s.categorical_features:
            assert isinstance(frame[c].dtype, pd.StringDtype), c
        for c in s.numeric_features:
            expected = np.int64 if c == "num_open_accounts" else np.float64
            assert frame[c].dtype == expected, c
        assert frame["default"].dtype == np.int64
        assert set(frame["default"].unique()) == {0, 1}
        assert frame["score"].dtype == np.float64 and frame["score"].between(0, 1).all()
        assert (frame["prediction"] == (frame["score"] >= s.threshold)).all()
        assert frame["prediction"].dtype == np.int64
    assert prod["batch"].dtype == np.int64
    assert prod["batch"].tolist() == np.repeat(np.arange(20), 1000).tolist()
    weeks = prod.groupby("batch")["timestamp"].unique().map(lambda v: v[0])
    assert weeks.iloc[0] == pd.Timestamp("2025-01-06")
    assert (weeks.diff().dropna() == pd.Timedelta(days=7)).all()
    assert s.threshold == sc.THRESHOLD == 0.20


def test_marginals_are_plausible(world):
    ref = world("stable").reference
    assert 0.08 <= ref["default"].mean() <= 0.15
    assert ref["age"].between(18, 80).all()
    assert 25_000 < ref["income"].median() < 50_000 and ref["income"].skew() > 1
    assert (ref["debt_to_income"] >= 0).all() and ref["debt_to_income"].skew() > 0.5
    assert (ref["credit_history_months"] <= (ref["age"] - 18) * 12 + 6).all()
    assert stats.spearmanr(ref["age"], ref["credit_history_months"]).statistic > 0.5
    assert stats.spearmanr(ref["income"], ref["loan_amount"]).statistic > 0.4
    assert set(ref["employment_type"]) == {
        "salaried",
        "self_employed",
        "contract",
        "unemployed",
        "retired",
    }
    assert ref["region"].nunique() == 6 and ref["channel"].nunique() == 4


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_reference_roc_auc_is_realistic(seed):
    s = sc.make("stable", seed=seed, n_batches=1, batch_size=10)
    ref = s.reference
    assert 0.75 <= roc_auc_score(ref["default"], ref["score"]) <= 0.85
    assert 0.05 <= ref["prediction"].mean() <= 0.30  # the threshold flags a minority


# ------------------------------------------------------------- drift truth


@pytest.mark.parametrize(
    "name", ["covariate_shift_sudden", "covariate_shift_gradual", "seasonal", "data_quality"]
)
def test_drifted_features_differ_in_every_drifted_batch(world, name):
    s = world(name)
    ref, prod = s.reference, s.production
    pairs = _drifted_pairs(s)
    assert pairs
    for feature, b in sorted(pairs):
        current = prod.loc[prod["batch"] == b, feature]
        if current.isna().any():  # a missing-value fault: the NaNs are the change
            assert current.isna().mean() > 0.2, (feature, b)
            continue
        assert _pvalue(ref[feature], current) < 1e-3, (feature, b)


@pytest.mark.parametrize(
    "name",
    [
        "stable",
        "covariate_shift_sudden",
        "covariate_shift_gradual",
        "seasonal",
        "concept_drift",
        "data_quality",
    ],
)
def test_untouched_features_stay_within_the_false_positive_rate(world, name):
    s = world(name)
    ref, prod = s.reference, s.production
    drifted = _drifted_pairs(s)
    pvalues = [
        _pvalue(ref[f], prod.loc[prod["batch"] == b, f])
        for f in s.features
        for b in range(s.n_batches)
        if (f, b) not in drifted
    ]
    rejections = sum(p < 0.01 for p in pvalues)
    # About 1% expected; the bound leaves room for the shared reference sample
    # (which correlates the tests) but not for a real drift of a whole feature.
    assert len(pvalues) >= 100
    assert rejections <= max(6, 0.03 * len(pvalues)), (rejections, len(pvalues))


def test_gradual_drift_ramps_up(world):
    s = world("covariate_shift_gradual")
    prod = s.production
    means = prod.groupby("batch")["debt_to_income"].mean()
    row = s.truth.iloc[0]
    ramp = means.loc[row.start_batch : row.start_batch + 5]
    assert (np.diff(ramp.to_numpy()) > 0).sum() >= 4
    sd = s.reference["debt_to_income"].std()
    full = means.loc[row.start_batch + 5 :].mean() - s.reference["debt_to_income"].mean()
    assert full == pytest.approx(row.magnitude * sd, rel=0.2)


def test_seasonal_drift_recurs_and_switches_off(world):
    s = world("seasonal")
    truth = s.truth
    windows = sorted(set(zip(truth["start_batch"], truth["end_batch"], strict=True)))
    assert len(windows) >= 3
    on = {b for a, e in windows for b in range(a, e + 1)}
    online = s.production.groupby("batch")["channel"].apply(lambda c: (c == "online").mean())
    assert online[list(on)].min() > online.drop(list(on)).max()


def test_concept_drift_hurts_the_model_while_inputs_stay_the_same(world):
    s = world("concept_drift")
    prod = s.production
    onset = int(s.truth["start_batch"].iloc[0])
    assert onset == 10
    before, after = prod[prod["batch"] < onset], prod[prod["batch"] >= onset]
    auc_before = roc_auc_score(before["default"], before["score"])
    auc_after = roc_auc_score(after["default"], after["score"])
    assert auc_before - auc_after >= 0.05
    # Same applicants: pooled before vs after, no feature and not the score moves.
    for f in [*s.features, "score"]:
        assert _pvalue(before[f], after[f]) > 1e-3, f
    assert abs(after["default"].mean() - before["default"].mean()) < 0.03


def test_prior_shift_moves_the_default_rate_and_keeps_p_x_given_y(world):
    s = world("prior_shift")
    prod = s.production
    row = s.truth.iloc[0]
    assert row.kind == "prior_shift" and row.features == () and row.start_batch == 10
    before, after = prod[prod["batch"] < row.start_batch], prod[prod["batch"] >= row.start_batch]
    delta = after["default"].mean() - before["default"].mean()
    se = np.sqrt(0.2 * 0.8 / len(after) + 0.11 * 0.89 / len(before))
    assert abs(delta - row.magnitude) < 4 * se
    for label in (0, 1):
        for f in s.features:
            a = before.loc[before["default"] == label, f]
            b = after.loc[after["default"] == label, f]
            assert _pvalue(a, b) > 1e-3, (label, f)


def test_data_quality_faults_are_exactly_in_their_batches(world):
    s = world("data_quality")
    prod = s.production
    truth = s.truth.set_index("primitive")
    by_batch = prod.groupby("batch")

    unit = truth.loc["UnitChange"]
    in_thousands = by_batch["income"].median() < 1000
    assert in_thousands[in_thousands].index.tolist() == list(
        range(unit.start_batch, unit.end_batch + 1)
    )

    miss = truth.loc["MissingValues"]
    share = by_batch[s.features].apply(lambda g: g.isna().mean())
    assert share.drop(columns="debt_to_income").eq(0).all().all()
    hit = share["debt_to_income"] > 0
    assert hit[hit].index.tolist() == list(range(miss.start_batch, miss.end_batch + 1))
    assert share["debt_to_income"][hit].between(0.25, 0.35).all()

    new = truth.loc["UnseenCategory"]
    gig = by_batch["employment_type"].apply(lambda c: (c == "gig_worker").mean())
    assert gig[gig > 0].index.tolist() == list(range(new.start_batch, new.end_batch + 1))
    assert "gig_worker" not in set(s.reference["employment_type"])
    assert prod["score"].notna().all()  # the model copes with the faults


def test_label_delay_hides_exactly_the_last_k_batches(world):
    s = world("label_delay")
    prod = s.production
    row = s.truth.set_index("kind").loc["label_delay"]
    k = int(row.magnitude)
    assert k == sc.LABEL_DELAY == 4 and (row.start_batch, row.end_batch) == (16, 19)
    assert f"{k} batches late" in row.description
    assert prod["default"].dtype == np.float64
    missing = prod.groupby("batch")["default"].apply(lambda y: y.isna().mean())
    assert missing.loc[:15].eq(0).all() and missing.loc[16:].eq(1).all()
    assert set(prod["default"].dropna().unique()) == {0.0, 1.0}
    # The companion drift is there to be found: inputs move from batch 12.
    shift = s.truth.set_index("kind").loc["covariate_shift"]
    current = prod.loc[prod["batch"] == shift.start_batch, "debt_to_income"]
    assert _pvalue(s.reference["debt_to_income"], current) < 1e-3


# ----------------------------------------------------- determinism, streaming

_HASH = """
import hashlib, pandas as pd
from modellab.scenarios import make
s = make({name!r}, seed={seed}, n_reference=400, n_batches=10, batch_size=300)
h = hashlib.sha256()
for frame in (s.reference, s.production, s.truth.astype(str)):
    h.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
print(h.hexdigest())
"""


def _hash_in_subprocess(name: str, seed: int) -> str:
    out = subprocess.run(
        [sys.executable, "-c", _HASH.format(name=name, seed=seed)],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def test_same_arguments_give_identical_data_across_processes():
    first = _hash_in_subprocess("prior_shift", 3)
    assert len(first) == 64
    assert _hash_in_subprocess("prior_shift", 3) == first
    assert _hash_in_subprocess("prior_shift", 4) != first


def test_batches_are_generated_independently(world):
    s = world("data_quality")
    alone = sc.make("data_quality").batch(11)
    pd.testing.assert_frame_equal(
        alone, s.production[s.production["batch"] == 11].reset_index(drop=True)
    )
    streamed = list(s.iter_batches(start=5, stop=7))
    assert [int(b["batch"].iloc[0]) for b in streamed] == [5, 6]
    pd.testing.assert_frame_equal(streamed[0], s.batch(5))


def test_describe_and_repr_tell_the_story(world):
    s = world("concept_drift")
    text = s.describe()
    assert isinstance(text, str) and "concept_drift" in text and "0.20" in text
    assert s.truth["description"].iloc[0] in text
    assert "Any alarm in this world is a false alarm" in world("stable").describe()
    assert repr(s).startswith("<Scenario 'concept_drift' seed=0")


# -------------------------------------------------------------- bad input


def test_unknown_scenario_lists_the_valid_names():
    with pytest.raises(ValueError, match="unknown scenario 'nope'.*stable.*label_delay"):
        sc.make("nope")


@pytest.mark.parametrize("arg", ["n_reference", "n_batches", "batch_size"])
@pytest.mark.parametrize("value", [0, -5])
def test_non_positive_sizes_are_refused(arg, value):
    with pytest.raises(ValueError, match=f"{arg} must be positive"):
        sc.make("stable", **{arg: value})


def test_bad_seed_and_short_streams_are_refused():
    with pytest.raises(ValueError, match="seed must be >= 0"):
        sc.make("stable", seed=-1)
    with pytest.raises(TypeError, match="seed must be a whole number"):
        sc.make("stable", seed=1.5)
    with pytest.raises(ValueError, match="n_batches >= 10"):
        sc.make("concept_drift", n_batches=5)


def test_bad_schedules_are_refused():
    with pytest.raises(ValueError, match="end=3 is before start=5"):
        sc.sudden(5, 3)
    with pytest.raises(ValueError, match="start must be >= 0"):
        sc.sudden(-1)
    with pytest.raises(ValueError, match="full=2 is before start=4"):
        sc.gradual(4, 2)
    with pytest.raises(ValueError, match="duration=3 must be shorter than period=3"):
        sc.recurring(period=3, duration=3)
    with pytest.raises(ValueError, match=r"events\[0\].*outside the stream of 20 batches"):
        sc.custom([sc.shift("income", 1.0).at(sc.sudden(25))])
    with pytest.raises(ValueError, match="outside the stream"):
        sc.custom([sc.shift("income", 1.0).at(sc.sudden(5, 30))])
    with pytest.raises(ValueError, match="hides every label"):
        sc.custom([sc.label_delay(20)])
    with pytest.raises(TypeError, match=r"events\[0\] must be an Event"):
        sc.custom(["income"])
    with pytest.raises(TypeError, match="events must be a list"):
        sc.custom(5)
    with pytest.raises(TypeError, match="name must be a scenario name"):
        sc.make(["stable"])
    with pytest.raises(TypeError, match="schedule must be"):
        sc.custom([(sc.shift("income", 1.0), 10)])


def test_bad_primitives_are_refused():
    with pytest.raises(ValueError, match="feature='salary' is not a numeric feature.*income"):
        sc.shift("salary", by=1.0)
    with pytest.raises(ValueError, match="'region' is not a numeric feature"):
        sc.shift("region", by=1.0)
    with pytest.raises(ValueError, match="'income' is not a categorical feature"):
        sc.change_mix("income", {"a": 0.5})
    with pytest.raises(ValueError, match="unknown level.*'web'.*online"):
        sc.change_mix("channel", {"web": 0.5})
    with pytest.raises(ValueError, match="add up to at most 1"):
        sc.change_mix("channel", {"online": 0.8, "branch": 0.5})
    with pytest.raises(ValueError, match="fraction must be in"):
        sc.missing_values("income", 1.5)
    with pytest.raises(ValueError, match="already a level"):
        sc.unseen_category("channel", "online", 0.1)
    with pytest.raises(ValueError, match="delta .* must be in"):
        sc.prior_shift(1.5)
    with pytest.raises(ValueError, match="factor must be positive and not 1"):
        sc.unit_change("income", 1)
    with pytest.raises(TypeError, match="by must be a number"):
        sc.shift("income", by="big")


def test_world_stats_is_public_and_read_only():
    from modellab.scenarios import WorldStats, world_stats

    ws = world_stats()
    assert isinstance(ws, WorldStats) and ws is world_stats()  # computed once
    assert set(ws.std) == set(sc.NUMERIC_FEATURES)
    assert set(ws.proportions) == set(sc.CATEGORICAL_FEATURES)
    for shares in ws.proportions.values():
        assert sum(shares.values()) == pytest.approx(1.0)
    with pytest.raises(TypeError):
        ws.std["age"] = 0.0  # the cached statistics cannot be changed by accident
    with pytest.raises(TypeError):
        ws.proportions["channel"]["online"] = 1.0
    # a one-sd shift moves the feature by the world's sd
    s = sc.custom([sc.shift("age", by=1.0).at(sc.sudden(0))],
                  n_reference=2000, n_batches=1, batch_size=4000)
    moved = s.production["age"].mean() - s.reference["age"].mean()
    assert moved == pytest.approx(ws.std["age"], rel=0.15)


def test_custom_takes_a_story_for_describe():
    story = "A new broker brings in younger applicants from week 3."
    s = sc.custom([sc.shift("age", by=-1.0).at(sc.sudden(3))],
                         n_reference=300, n_batches=5, batch_size=100, story=f"  {story}\n")
    assert s.story == story
    text = s.describe()
    assert story in text and text.index(story) < text.index("age")
    assert sc.custom([], n_reference=300, n_batches=5, batch_size=100).story == ""
    with pytest.raises(TypeError, match="story must be"):
        sc.custom([], story=["not", "text"])


# ------------------------------------------- delayed labels (performance estimation)


def _later_auc(s: sc.Scenario, batches) -> float:
    """Mean ROC-AUC over ``batches`` once the pending labels have arrived (scikit-learn)."""
    from modellab.estimate import later_labels

    full = later_labels(s)
    return float(np.mean([
        roc_auc_score(full.loc[full["batch"] == b, "default"], full.loc[full["batch"] == b, "score"])
        for b in batches
    ]))


@pytest.mark.parametrize("name", ["covariate_shift_delayed", "concept_drift_delayed"])
def test_delayed_scenarios_hide_the_labels_of_the_last_two_fifths(world, name):
    s = world(name)
    row = s.truth.set_index("kind").loc["label_delay"]
    assert (row.start_batch, row.end_batch) == (12, 19)
    missing = s.production.groupby("batch")["default"].apply(lambda y: y.isna().mean())
    assert missing.loc[:11].eq(0).all() and missing.loc[12:].eq(1).all()
    # The ranking gets worse after batch 10 (measured once the labels arrive).
    before, after = _later_auc(s, range(10)), _later_auc(s, range(10, 20))
    assert before - after > 0.08, (before, after)


def test_covariate_shift_delayed_keeps_the_model_calibrated(world):
    s = world("covariate_shift_delayed")
    from modellab.estimate import later_labels

    full = later_labels(s)
    after = full[full["batch"] >= 10]
    # P(y | x) unchanged: the mean score still matches the default rate (binomial tolerance).
    se = np.sqrt(after["score"].mean() * (1 - after["score"].mean()) / len(after))
    assert abs(after["score"].mean() - after["default"].mean()) < 4 * se + 0.01
    for f in ("debt_to_income", "interest_rate", "income"):
        assert after[f].std() < 0.7 * s.reference[f].std()


def test_concept_drift_delayed_leaves_inputs_and_scores_alone(world):
    s = world("concept_drift_delayed")
    prod = s.production
    after = prod[prod["batch"] >= 10]
    assert stats.ks_2samp(s.reference["score"], after["score"]).pvalue > 1e-3
    assert stats.ks_2samp(s.reference["debt_to_income"], after["debt_to_income"]).pvalue > 1e-3


# ------------------------------------------------- segment scenarios (issue 16)


def _segment_split(s: sc.Scenario, in_segment):
    prod = s.production
    on = s.truth.loc[s.truth["kind"] == "concept_drift", "start_batch"].iloc[0]
    after = prod["batch"] >= on
    seg = in_segment(prod)
    return prod, after, seg


@pytest.mark.parametrize(
    "name, in_segment",
    [
        ("segment_shift", lambda d: d["region"] == "east"),
        ("protected_group", lambda d: d["age"] < sc.catalog.YOUNG_AGE),
    ],
)
def test_segment_scenarios_change_risk_inside_the_segment_only(world, name, in_segment):
    s = world(name)
    prod, after, seg = _segment_split(s, in_segment)
    truth = s.truth[s.truth["kind"] == "concept_drift"].iloc[0]
    assert truth["features"] == (("region",) if name == "segment_shift" else ("age",))

    def table(mask):
        d = prod.loc[mask, "default"]
        return [int(d.sum()), int((1 - d).sum())]

    # inside the segment, defaults rise after the onset (Fisher's exact test)
    _, p_in = stats.fisher_exact([table(seg & after), table(seg & ~after)], alternative="greater")
    assert p_in < 1e-6
    # outside it, who defaults is unchanged: observed rate matches the model's mean score
    out = ~seg & after
    assert abs(prod.loc[out, "default"].mean() - prod.loc[out, "score"].mean()) < 0.015
    # in it, the model under-states the risk by a wide margin
    gap = prod.loc[seg & after, "default"].mean() - prod.loc[seg & after, "score"].mean()
    assert gap > 0.1
    # and its recall there falls (scikit-learn), the trap the scenario is built for
    from sklearn.metrics import recall_score

    before_r = recall_score(prod.loc[seg & ~after, "default"], prod.loc[seg & ~after, "prediction"])
    after_r = recall_score(prod.loc[seg & after, "default"], prod.loc[seg & after, "prediction"])
    assert after_r < before_r - 0.05


def test_segment_shift_hides_in_the_overall_numbers(world):
    s = world("segment_shift")
    prod = s.production
    auc = prod.groupby(prod["batch"] >= 10).apply(lambda d: roc_auc_score(d["default"], d["score"]))
    assert auc[False] - auc[True] < 0.05  # far below the 0.10 drop the default rule waits for
    rate = prod.groupby(prod["batch"] >= 10)["default"].mean()
    assert rate[True] - rate[False] < 0.05  # below the default base-rate rule


def test_segment_risk_validates_its_segment():
    from modellab.scenarios.segments import segment_risk

    with pytest.raises(ValueError, match="below"):
        segment_risk("age", 1.0, levels=["x"])
    with pytest.raises(ValueError, match="levels"):
        segment_risk("region", 1.0, below=3)
    with pytest.raises(ValueError, match="not levels"):
        segment_risk("region", 1.0, levels=["mars"])
    with pytest.raises(ValueError, match="changes nothing"):
        segment_risk("region", 0.0, levels=["east"])
    with pytest.raises(TypeError, match="log_odds"):
        segment_risk("region", "big", levels=["east"])

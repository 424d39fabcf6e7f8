"""Reference profiles: chunked counts merge to the one-shot result; save/load keeps no rows."""

from __future__ import annotations

import functools
import json

import numpy as np
import pandas as pd
import pytest

from modellab.drift import ColumnCounts, DriftDetector, FrameCounts, ReferenceProfile


def _frame(n, seed, shift=0.0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "income": np.round(rng.lognormal(10, 0.6, n) * (1 + shift), 6),
        "debt_to_income": rng.beta(2, 5, n) + shift / 10,
        "age": rng.integers(18, 90, n),
        "region": pd.array(rng.choice(["north", "south", "east", "west"], n), dtype="str"),
        "channel": pd.Categorical(rng.choice(["web", "branch", "broker"], n)),
    })
    frame.loc[rng.random(n) < 0.03, "income"] = np.nan
    return frame


REF = _frame(5000, 1)
CUR = _frame(4000, 2, shift=0.15)
CUR.loc[:9, "region"] = "islands"  # unseen in the reference


def test_chunked_counts_merge_to_the_one_shot_result():
    det = DriftDetector().fit(REF)
    chunks = [det.summarise(CUR.iloc[i : i + 600]) for i in range(0, len(CUR), 600)]
    merged = functools.reduce(FrameCounts.merge, chunks)
    assert merged.n_rows == len(CUR)
    one_shot = det.test(CUR)
    pd.testing.assert_frame_equal(det.test_counts(merged), one_shot, rtol=1e-10)
    reversed_merge = functools.reduce(FrameCounts.merge, chunks[::-1])
    pd.testing.assert_frame_equal(det.test_counts(reversed_merge), one_shot, rtol=1e-10)
    t = one_shot.set_index("column")
    assert t.loc["region", "n_unseen"] == 10
    assert t.loc["income", "n_missing"] == int(CUR["income"].isna().sum())


def test_column_counts_merge_adds_everything():
    profile = ReferenceProfile.from_frame(REF)
    a = profile.summarise(CUR.iloc[:1000])["region"]
    b = profile.summarise(CUR.iloc[1000:])["region"]
    both = a.merge(b)
    assert isinstance(both, ColumnCounts)
    np.testing.assert_array_equal(both.counts, a.counts + b.counts)
    assert both.unseen == {"islands": 10} and both.n == 4000
    with pytest.raises(ValueError, match="same fitted profile"):
        a.merge(profile.summarise(CUR)["channel"])


def test_saved_profile_gives_identical_results(tmp_path):
    det = DriftDetector(alpha=0.01, correction="bonferroni", categorical=["age"]).fit(REF)
    path = tmp_path / "profile.json"
    det.save(path)
    loaded = DriftDetector.load(path)
    assert loaded.get_params() == det.get_params()
    pd.testing.assert_frame_equal(loaded.test(CUR), det.test(CUR), check_exact=True)
    assert path.stat().st_size < 50_000


def test_saved_profile_holds_no_reference_rows(tmp_path):
    det = DriftDetector().fit(REF)
    path = tmp_path / "profile.json"
    det.save(path)
    data = json.loads(path.read_text())

    def numbers(node):
        if isinstance(node, dict):
            return [x for v in node.values() for x in numbers(v)]
        if isinstance(node, list):
            return [x for v in node for x in numbers(v)]
        return [node] if isinstance(node, float) else []

    stored = set(numbers(data))
    edges = {e for c in det.profile_.columns.values() if c.kind == "numeric" for e in c.edges}
    for column in ("income", "debt_to_income"):
        raw = set(REF[column].dropna().tolist())
        leaked = (raw & stored) - edges
        assert not leaked, f"{column}: raw reference values in the profile: {sorted(leaked)[:5]}"
        assert len(raw & stored) <= 101  # at most the bin edges
    assert sum(isinstance(x, float) for x in numbers(data)) < 3000  # summaries, not 5000 rows


def test_load_rejects_other_files(tmp_path):
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"hello": 1}))
    with pytest.raises(ValueError, match="DriftDetector.save"):
        DriftDetector.load(path)
    with pytest.raises(ValueError, match="drift profile"):
        ReferenceProfile.from_dict({"format": "something else"})


def test_test_counts_rejects_wrong_input():
    det = DriftDetector().fit(REF)
    with pytest.raises(TypeError, match="summarise"):
        det.test_counts({"income": None})
    other = DriftDetector().fit(REF[["income"]])
    with pytest.raises(ValueError, match="lack fitted column"):
        det.test_counts(other.summarise(CUR))
    with pytest.raises(ValueError, match="fit"):
        DriftDetector().summarise(CUR)


def test_profile_reference_counts_match_the_data():
    profile = ReferenceProfile.from_frame(REF, ["income", "channel"])
    income = profile.columns["income"]
    assert income.reference.n == REF["income"].notna().sum()
    assert income.reference.n_missing == REF["income"].isna().sum()
    assert income.mean == pytest.approx(REF["income"].mean(), rel=1e-12)
    assert income.std == pytest.approx(REF["income"].std(ddof=0), rel=1e-9)
    assert income.edges[0] == REF["income"].min() and income.edges[-1] == REF["income"].max()
    assert income.reference.counts[0] == income.reference.counts[-1] == 0
    channel = profile.columns["channel"]
    counts = dict(zip(channel.categories, channel.reference.counts, strict=True))
    assert counts == REF["channel"].value_counts().to_dict()

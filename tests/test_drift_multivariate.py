"""Domain classifier: finds the shifted feature, ~0.5 AUC without change, clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from modellab.drift import DomainClassifierResult, domain_classifier


def _frame(n, seed, shift=0.0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "income": rng.lognormal(10, 0.5, n),
        "age": rng.normal(45, 12, n),
        "debt_to_income": rng.beta(2, 5, n) + shift,
        "region": pd.array(rng.choice(["north", "south", "east"], n), dtype="str"),
    })


def test_finds_the_shifted_feature():
    res = domain_classifier(_frame(1500, 1), _frame(1500, 2, shift=0.1), cv=3, n_repeats=3)
    assert isinstance(res, DomainClassifierResult)
    assert res.drifted and res.auc > 0.6
    assert res.importances["feature"].iloc[0] == "debt_to_income"
    assert list(res.importances.columns) == ["feature", "importance", "importance_std"]
    assert "top_features=[debt_to_income" in repr(res)


def test_no_change_gives_about_half():
    res = domain_classifier(_frame(1500, 3), _frame(1500, 4), cv=3, n_repeats=2)
    assert abs(res.auc - 0.5) < 0.04 and not res.drifted


def test_subsamples_large_input():
    res = domain_classifier(_frame(3000, 5), _frame(2500, 6), cv=2, max_rows=800, n_repeats=1)
    assert (res.n_reference, res.n_current) == (800, 800)


def test_bad_input():
    ref, cur = _frame(100, 7), _frame(100, 8)
    with pytest.raises(ValueError, match="no column"):
        domain_classifier(ref, cur.drop(columns="age"))
    with pytest.raises(ValueError, match="at least 2 folds"):
        domain_classifier(ref, cur, cv=1)
    with pytest.raises(ValueError, match="threshold"):
        domain_classifier(ref, cur, threshold=1.5)
    with pytest.raises(TypeError, match="DataFrame"):
        domain_classifier(ref["age"], cur)

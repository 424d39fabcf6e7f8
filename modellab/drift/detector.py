"""Drift of every column of a frame: :class:`DriftDetector`, :func:`compare`, :func:`dataset_drift`.

The ``auto`` rule
-----------------
A column is flagged only when its change is both **real** and **big enough to matter**:

1. *Real* (statistically significant): the Kolmogorov-Smirnov test (numeric columns) or the
   chi-squared test (discrete and categorical columns) gives a p-value below ``alpha``
   (0.05) after Benjamini-Hochberg correction across all the columns tested together.
2. *Big enough* (practically meaningful): the Wasserstein distance is at least
   ``min_wasserstein`` = 0.1 reference standard deviations (numeric, discrete), or the
   Jensen-Shannon distance between the category shares is at least
   ``min_jensen_shannon`` = 0.05 (categorical).

Why both: the test is chosen by column type, and sample size decides which condition
binds. With few rows only large changes are significant, so the p-value guards against
flagging noise; with a million rows even a 0.02-sd wobble is "significant", so the effect
floor decides. The floors sit between what should never alert and what must: a 0.25-sd
shift moves the Wasserstein distance by 0.25 (2.5x the floor) whatever the shape of the
column, while a 0.02-sd shift or sampling noise stays far below 0.1 from 10k rows up. On
the categorical side, 0.05 is about the Jensen-Shannon distance of a 0.12-sd shift of a
normal column, or of 6 percentage points of rows moving between two equally common
categories. PSI > 0.1, the common rule of thumb, misses a 0.25-sd shift (PSI ~ 0.06), and
p-values alone flag everything at scale: that is why ``auto`` uses neither on its own.
(One limit to teach: sampling noise alone pushes the Jensen-Shannon distance of a column
with many levels up, to about 0.04 for 50 levels and 10k rows; there the floor gives little
protection and it is the corrected p-value that keeps false alarms at ``alpha``.)

How the numbers are computed
----------------------------
``fit`` keeps a :class:`~modellab.drift.profile.ReferenceProfile`, not the rows: 100 bins
at reference quantiles per numeric column, with a point bin of its own for every value
that holds 1% of the rows or more (an *atom*: the zeros of a zero-inflated amount, a
cap), where quantile edges collapse; the levels of a *discrete* column (a numeric column
with at most ``max_levels`` = 20 distinct reference values and 5 rows or more per value:
0/1 flags, counts, ratings); category counts per categorical column. Missing and
infinite values are counted (``n_missing``, ``n_nonfinite``) and the finite rest is
tested.
``test`` counts the current values over those bins (``np.searchsorted``-equivalent lookup,
``np.bincount``, ``value_counts``), so the current data never need sorting and can arrive
in chunks (:meth:`DriftDetector.summarise` + :meth:`FrameCounts.merge` +
:meth:`DriftDetector.test_counts`).

From bins, the KS statistic is evaluated at the 101 bin edges: it never exceeds the exact
(scipy) statistic and falls short of it by at most the largest share of either sample in
one bin (about 0.01 for the reference, more where the current piles up); the p-value is
scipy's asymptotic one (``kstwo``, or ``kstwobign`` for large samples). The Wasserstein
distance uses the counts and the sum of the values in each bin, which give the exact area
under each CDF bin by bin: it equals scipy's except where the two CDFs cross inside a bin,
never exceeds it, and stays within about 0.01 reference sds of it. chi2, PSI and
Jensen-Shannon on numeric columns use 10 bins made of every 10th fine edge and equal
:mod:`modellab.drift.univariate` exactly. On discrete columns every level is its own bin,
so the KS statistic is exact (as scipy's: between two levels the reference CDF is flat, so
the largest gap sits at a level or a bin edge) and the Wasserstein distance is exact when the
current values lie on the reference levels or outside their range (between two levels it can
fall short where the CDFs cross); chi-squared runs on the levels (current values off them,
below or above, pooled into one extra bin). On categorical columns all unseen categories are
pooled into one bin, so "half the values are new categories" is drift, and ``reason``
says how much was unseen.

Methods come from one registry (:mod:`modellab.drift._methods`): which column kinds each
takes, p-value or distance, and its default threshold.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

import numpy as np
import pandas as pd
from sklearn.exceptions import NotFittedError

from modellab._validate import probability, require_frame
from modellab.drift import _methods
from modellab.drift.multiple_testing import adjust_p_values, check_correction
from modellab.drift.profile import FrameCounts, ReferenceProfile, column_list
from modellab.drift.results import DatasetDrift
from modellab.drift.univariate import DEFAULT_THRESHOLDS

#: Columns of the table returned by :meth:`DriftDetector.test` and :func:`compare`.
TABLE_COLUMNS = (
    "column", "kind", "method", "statistic", "p_value", "p_value_adjusted", "threshold",
    "effect_size", "effect_measure", "effect_threshold", "drifted", "reason",
    "n_reference", "n_current", "n_missing", "n_nonfinite", "n_unseen",
)


def _check_method(method) -> None:
    if method != "auto":
        _methods.get(method)


class DriftDetector:
    """Learn a reference frame, then test new frames for drift column by column.

    Parameters
    ----------
    method : str or dict, default "auto"
        ``"auto"`` (see the module docstring: significant AND meaningful), or one of
        ``"ks"``, ``"chi2"``, ``"psi"``, ``"jensen_shannon"``, ``"wasserstein"`` for every
        column, or a dict ``{column: method}`` (missing columns use ``"auto"``).
        ``ks`` and ``wasserstein`` need numeric (or discrete) columns.
    alpha : float, default 0.05
        Significance level for the (corrected) p-values.
    correction : {"bh", "bonferroni", None}, default "bh"
        Multiple-testing correction across the columns that have a p-value.
    min_wasserstein : float, default 0.1
        ``auto`` effect floor for numeric columns, in reference standard deviations.
    min_jensen_shannon : float, default 0.05
        ``auto`` effect floor for categorical columns (Jensen-Shannon distance, base 2).
    thresholds : dict, optional
        Drift thresholds of the distance methods; defaults ``{"psi": 0.1,
        "jensen_shannon": 0.1, "wasserstein": 0.1}``.
    bins : int, default 10
        Reference-quantile bins for chi2/PSI/Jensen-Shannon on numeric columns.
    fine_bins : int, default 100
        Reference-quantile bins kept for KS and Wasserstein (a multiple of ``bins``).
    categorical : str or list, optional
        Numeric columns to treat as categories (e.g. integer codes); one name is one column.
    max_categories : int, default 1000
        Refuse categorical reference columns with more distinct values (identifiers).
    max_levels : int, default 20
        Numeric columns with at most this many distinct reference values (5 rows or more
        per value on average)
        are ``discrete``: tested on their levels (``auto`` runs chi-squared there).

    Attributes
    ----------
    profile_ : ReferenceProfile
        Fitted reference summaries (no raw rows).
    columns_ : list of str
    kinds_ : dict
        ``{column: "numeric" | "discrete" | "categorical"}``.
    methods_ : dict
        ``{column: method}`` after resolving ``method``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> ref = pd.DataFrame({"x": rng.normal(size=5000), "c": rng.choice(["a", "b"], 5000)})
    >>> cur = pd.DataFrame({"x": rng.normal(0.5, size=5000), "c": rng.choice(["a", "b"], 5000)})
    >>> table = DriftDetector().fit(ref).test(cur)
    >>> table[["column", "method", "drifted"]]
      column method  drifted
    0      x     ks     True
    1      c   chi2    False
    """

    def __init__(self, method="auto", alpha=0.05, correction="bh", *, min_wasserstein=0.1,
                 min_jensen_shannon=0.05, thresholds=None, bins=10, fine_bins=100,
                 categorical=None, max_categories=1000, max_levels=20):
        self.method = method
        self.alpha = alpha
        self.correction = correction
        self.min_wasserstein = min_wasserstein
        self.min_jensen_shannon = min_jensen_shannon
        self.thresholds = thresholds
        self.bins = bins
        self.fine_bins = fine_bins
        self.categorical = categorical
        self.max_categories = max_categories
        self.max_levels = max_levels

    # ------------------------------------------------------------------ settings
    def _validate_settings(self) -> None:
        probability(self.alpha, "alpha")
        check_correction(self.correction)
        for name in ("min_wasserstein", "min_jensen_shannon"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
                raise ValueError(f"{name} must be a number >= 0, got {v!r}.")
        for name, low in (("bins", 2), ("fine_bins", 2), ("max_categories", 2),
                          ("max_levels", 1)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
                raise ValueError(f"{name} must be a whole number >= {low}, got {v!r}.")
        unknown = set(self.thresholds or {}) - set(DEFAULT_THRESHOLDS)
        if unknown:
            raise ValueError(
                f"thresholds has unknown keys {sorted(unknown)}: only the distances "
                f"{sorted(DEFAULT_THRESHOLDS)} have thresholds (p-value tests use alpha)."
            )
        methods = self.method.values() if isinstance(self.method, Mapping) else [self.method]
        for m in methods:
            _check_method(m)

    def _resolve_methods(self, kinds: Mapping[str, str]) -> dict[str, str]:
        if isinstance(self.method, Mapping):
            unknown = [c for c in self.method if c not in kinds]
            if unknown:
                raise ValueError(
                    f"method names columns {unknown} that are not being fitted: fix the "
                    f"names or add them to columns=[...]."
                )
            methods = {c: self.method.get(c, "auto") for c in kinds}
        else:
            methods = dict.fromkeys(kinds, self.method)
        for c, m in methods.items():
            if kinds[c] not in _methods.resolve(m, kinds[c]).kinds:
                raise TypeError(
                    f"Column {c!r} is categorical but method {m!r} needs numbers: use "
                    f"'auto', 'chi2', 'psi' or 'jensen_shannon' for it (method={{...}} "
                    f"per column), or leave it out with columns=[...]."
                )
        return methods

    def _check_fitted(self) -> None:
        if not hasattr(self, "profile_"):
            raise NotFittedError(
                "This DriftDetector is not fitted yet: call .fit(reference_frame) first "
                "(or DriftDetector.load(path) for a saved one)."
            )

    # ------------------------------------------------------------------ fit / test
    def fit(self, reference: pd.DataFrame, columns=None) -> DriftDetector:
        """Summarise ``reference`` (all columns, or ``columns``) and return ``self``.

        ``columns`` is a list of names, or one name (``"income"`` is one column).
        """
        self._validate_settings()
        self.profile_ = ReferenceProfile.from_frame(
            reference, columns, fine_bins=self.fine_bins, bins=self.bins,
            categorical=column_list(self.categorical, "categorical") or [],
            max_categories=self.max_categories, max_levels=self.max_levels,
        )
        self._set_fitted()
        return self

    def _set_fitted(self) -> None:
        self.columns_ = list(self.profile_.columns)
        self.kinds_ = self.profile_.kinds
        self.methods_ = self._resolve_methods(self.kinds_)

    def summarise(self, chunk: pd.DataFrame) -> FrameCounts:
        """Counts of one chunk of current data; merge chunks, then :meth:`test_counts`."""
        self._check_fitted()
        require_frame(chunk, "chunk")
        return self.profile_.summarise(chunk)

    def test(self, current: pd.DataFrame) -> pd.DataFrame:
        """Test every fitted column of ``current`` (extra columns are ignored).

        Returns
        -------
        pandas.DataFrame
            One row per column with :data:`TABLE_COLUMNS`:

            - ``column``, ``kind`` (``numeric``/``discrete``/``categorical``), ``method``
              (the test run; ``auto`` runs ``ks`` on numeric, ``chi2`` on discrete and
              categorical columns);
            - ``statistic``, ``p_value`` (NaN for distances), ``p_value_adjusted``
              (after ``correction``), ``threshold`` (``alpha`` for p-value tests, the
              distance threshold otherwise);
            - ``effect_size`` (Wasserstein in reference sds for numeric and discrete,
              Jensen-Shannon distance for categorical, whatever the method),
              ``effect_measure``
              (``wasserstein_sd``/``jensen_shannon``), ``effect_threshold`` (the ``auto``
              floor; NaN for other methods);
            - ``drifted`` (bool) and ``reason`` (plain words);
            - ``n_reference``, ``n_current`` (finite, non-missing values used),
              ``n_missing`` (missing values in current, excluded from the test),
              ``n_nonfinite`` (infinite values in current, a data-quality signal,
              excluded from the test), ``n_unseen`` (current values the reference never
              had: unseen categories, or values off a discrete column's levels; 0 for
              numeric columns).
        """
        self._check_fitted()
        require_frame(current, "current")
        return self.test_counts(self.profile_.summarise(current))

    def test_counts(self, counts: FrameCounts) -> pd.DataFrame:
        """Same table as :meth:`test`, from (merged) :meth:`summarise` counts."""
        self._check_fitted()
        if not isinstance(counts, FrameCounts):
            raise TypeError(
                f"counts must be FrameCounts from detector.summarise(chunk), got "
                f"{type(counts).__name__}."
            )
        missing = [c for c in self.columns_ if c not in counts]
        if missing:
            raise ValueError(
                f"counts lack fitted column(s) {missing}: summarise chunks with this "
                f"detector (detector.summarise(chunk))."
            )
        rows = [self._row(c, counts[c]) for c in self.columns_]
        table = pd.DataFrame(rows)
        p = table["p_value"].to_numpy(dtype=np.float64)
        has_p = ~np.isnan(p)
        if self.correction is not None and has_p.any():
            table["p_value_adjusted"] = adjust_p_values(p, self.correction)
        else:
            table["p_value_adjusted"] = p
        decisions = [self._decide(r) for r in table.to_dict("records")]
        table["drifted"] = [d for d, _ in decisions]
        table["reason"] = [why for _, why in decisions]
        return table[list(TABLE_COLUMNS)]

    def _row(self, column: str, cur) -> dict:
        prof = self.profile_.columns[column]
        ref = prof.reference
        if cur.kind != prof.kind or cur.counts.shape != ref.counts.shape:
            raise ValueError(
                f"counts for {column!r} do not match the fitted profile: summarise chunks "
                f"with this detector (detector.summarise(chunk))."
            )
        if cur.n == 0:
            raise ValueError(
                f"Column {column!r} has no finite values in the current data "
                f"({cur.n_missing} missing, {cur.n_nonfinite} infinite): there is nothing to "
                f"test; check the pipeline or leave the column out with columns=[...] when "
                f"fitting."
            )
        method = self.methods_[column]
        test = _methods.resolve(method, prof.kind)
        effect, measure = _methods.effect(prof, cur)
        statistic, p_value = test.compute(prof, cur)
        if test.p_value:
            threshold = float(self.alpha)
        else:
            threshold = float({**DEFAULT_THRESHOLDS, **(self.thresholds or {})}[test.name])
        floor = self.min_jensen_shannon if measure == "jensen_shannon" else self.min_wasserstein
        return {
            "column": column, "kind": prof.kind, "method": test.name,
            "statistic": float(statistic), "p_value": float(p_value),
            "p_value_adjusted": np.nan, "threshold": threshold,
            "effect_size": float(effect), "effect_measure": measure,
            "effect_threshold": float(floor) if method == "auto" else np.nan,
            "drifted": False, "reason": "", "n_reference": ref.n, "n_current": cur.n,
            "n_missing": cur.n_missing, "n_nonfinite": cur.n_nonfinite,
            "n_unseen": cur.n_unseen, "_auto": method == "auto",
        }

    @staticmethod
    def _decide(r: dict) -> tuple[bool, str]:
        drifted, why = DriftDetector._verdict(r)
        if r["n_unseen"]:
            share = r["n_unseen"] / r["n_current"]
            what = ("categories the reference never had" if r["kind"] == "categorical"
                    else "off the reference levels")
            why += f" ({share:.1%} of values are {what})"
        return drifted, why

    @staticmethod
    def _verdict(r: dict) -> tuple[bool, str]:
        if _methods.get(r["method"]).p_value:
            if not r["p_value_adjusted"] < r["threshold"]:
                return False, "not significant"
            if not r["_auto"]:
                return True, "significant"
            if r["effect_size"] >= r["effect_threshold"]:
                return True, "significant and large enough"
            return False, "significant but below the effect floor"
        if r["statistic"] >= r["threshold"]:
            return True, f"{r['method']} at or above threshold"
        return False, f"{r['method']} below threshold"

    # ------------------------------------------------------------------ summary, save, load
    @staticmethod
    def summary(table: pd.DataFrame, share: float = 0.5) -> DatasetDrift:
        """Dataset-level verdict from a :meth:`test` table (see :func:`dataset_drift`)."""
        return dataset_drift(table, share=share)

    def get_params(self) -> dict:
        keys = ("method", "alpha", "correction", "min_wasserstein", "min_jensen_shannon",
                "thresholds", "bins", "fine_bins", "categorical", "max_categories", "max_levels")
        return {k: getattr(self, k) for k in keys}

    def to_dict(self) -> dict:
        """JSON-ready settings and reference summaries (no raw reference rows)."""
        self._check_fitted()
        return {"detector": self.get_params(), "profile": self.profile_.to_dict()}

    def save(self, path) -> None:
        """Write the fitted detector to a small JSON profile file."""
        data = self.to_dict()
        with open(os.fspath(path), "w", encoding="utf-8") as fh:
            json.dump(data, fh, allow_nan=False)

    @classmethod
    def from_dict(cls, data: Mapping, source: str = "saved detector") -> DriftDetector:
        """Rebuild a detector from :meth:`to_dict`; anything damaged raises ``ValueError``
        naming ``source`` and the problem."""
        if not isinstance(data, Mapping) or "detector" not in data or "profile" not in data:
            raise ValueError(
                f"{source} is not a saved DriftDetector: load a file written by "
                f"DriftDetector.save()."
            )
        try:
            detector = cls(**data["detector"])
            detector._validate_settings()
        except (TypeError, ValueError) as err:
            raise ValueError(
                f"{source} has damaged settings ({err}): save the detector again."
            ) from None
        detector.profile_ = ReferenceProfile.from_dict(data["profile"], source)
        try:
            detector._set_fitted()
        except (TypeError, ValueError) as err:
            raise ValueError(
                f"{source} has settings that do not match its profile ({err}): save the "
                f"detector again."
            ) from None
        return detector

    @classmethod
    def load(cls, path) -> DriftDetector:
        """Read a detector written by :meth:`save`; it tests exactly like the original.

        A damaged file (not JSON, truncated, edited, another version) raises
        ``ValueError`` naming the file and the problem.
        """
        path = os.fspath(path)
        source = f"Drift profile file {path!r}"
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise ValueError(
                f"{source} is not valid JSON ({err}): it is truncated or was edited; save "
                f"the detector again."
            ) from None
        return cls.from_dict(data, source)

    def restrict(self, columns) -> DriftDetector:
        """A fitted detector on a subset of this one's columns, without refitting.

        It keeps the settings and the reference summaries of those columns, so it tests
        them exactly as this detector would, except that the multiple-testing correction
        runs over the columns kept only (e.g. to test a batch whose other columns are
        all missing).

        Parameters
        ----------
        columns : str or list of str
            Fitted columns to keep (at least one; one name is one column); the result
            lists them in fitted order.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(0)
        >>> ref = pd.DataFrame({"x": rng.normal(size=500), "y": rng.normal(size=500)})
        >>> detector = DriftDetector().fit(ref)
        >>> sub = detector.restrict(["y"])
        >>> sub.columns_
        ['y']
        >>> sub.test(ref)[["column", "drifted"]]
          column  drifted
        0      y    False
        """
        self._check_fitted()
        keep = set(column_list(columns) or [])
        if not keep:
            raise ValueError("columns is empty: keep at least one fitted column.")
        unknown = sorted(str(c) for c in keep - set(self.columns_))
        if unknown:
            raise ValueError(
                f"columns {unknown} are not fitted: keep some of {self.columns_[:20]}, or fit "
                f"a new detector on the reference with those columns."
            )
        data = self.to_dict()
        data["profile"]["columns"] = [cp for cp in data["profile"]["columns"] if cp[0] in keep]
        if isinstance(data["detector"].get("method"), Mapping):
            data["detector"]["method"] = {
                c: m for c, m in data["detector"]["method"].items() if c in keep
            }
        return DriftDetector.from_dict(data)

    def __repr__(self) -> str:
        fitted = f", columns={len(self.columns_)}" if hasattr(self, "profile_") else ""
        return (f"DriftDetector(method={self.method!r}, alpha={self.alpha}, "
                f"correction={self.correction!r}{fitted})")


def compare(reference: pd.DataFrame, current: pd.DataFrame, columns=None, method="auto",
            **options) -> pd.DataFrame:
    """One-shot drift table: ``DriftDetector(method, **options).fit(reference, columns).test(current)``.

    With ``columns=None`` both frames must have the same columns (pass ``columns=[...]``
    to compare a subset; one name is one column). See :class:`DriftDetector` for ``options`` and
    :meth:`DriftDetector.test` for the table's columns.

    Examples
    --------
    >>> import pandas as pd
    >>> ref = pd.DataFrame({"channel": ["web"] * 60 + ["branch"] * 40})
    >>> cur = pd.DataFrame({"channel": ["web"] * 90 + ["branch"] * 10})
    >>> compare(ref, cur)[["column", "method", "effect_size", "drifted"]].round(3)
        column method  effect_size  drifted
    0  channel   chi2        0.302     True
    """
    require_frame(reference, "reference")
    require_frame(current, "current")
    if columns is None:
        extra = [c for c in current.columns if c not in reference.columns]
        lacking = [c for c in reference.columns if c not in current.columns]
        if extra or lacking:
            raise ValueError(
                f"reference and current have different columns (only in reference: {lacking}; "
                f"only in current: {extra}): pass columns=[...] to compare the shared ones."
            )
    return DriftDetector(method=method, **options).fit(reference, columns).test(current)


def dataset_drift(table: pd.DataFrame, share: float = 0.5) -> DatasetDrift:
    """Is the dataset drifted? Yes when at least ``share`` of the tested columns drifted.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"column": ["a", "b", "c"], "drifted": [True, False, False]})
    >>> dataset_drift(t, share=0.5)
    DatasetDrift(n_columns=3, n_drifted=1, share_drifted=0.3333, share=0.5, drifted=False,
                 drifted_columns=('a',))
    """
    if not isinstance(table, pd.DataFrame) or not {"column", "drifted"} <= set(table.columns):
        raise TypeError(
            "table must be the DataFrame from DriftDetector.test() or compare() "
            "(with 'column' and 'drifted' columns)."
        )
    if table.empty:
        raise ValueError("table is empty: test at least one column first.")
    share = probability(share, "share", open_interval=False)
    if share == 0:
        raise ValueError("share must be above 0 (e.g. 0.5 = half of the columns drifted).")
    flags = table["drifted"].astype(bool).to_numpy()
    drifted_columns = tuple(table["column"][flags].tolist())
    frac = float(flags.mean())
    return DatasetDrift(len(flags), int(flags.sum()), frac, share, frac >= share, drifted_columns)

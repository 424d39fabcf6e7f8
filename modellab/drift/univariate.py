"""Five univariate drift tests on two samples: reference (before) and current (now).

Each takes two 1-D samples (list, numpy array or pandas Series) and returns a frozen
:class:`~modellab.drift.results.DriftResult`. Missing values are dropped before testing;
``n_reference``/``n_current`` count the values actually used.

========================  ===============  ========  ===================================
method                    input            p-value   drifted when
========================  ===============  ========  ===================================
``ks``                    numeric          yes       ``p_value < alpha``
``chi2``                  numeric, categ.  yes       ``p_value < alpha``
``psi``                   numeric, categ.  no        ``statistic >= threshold`` (0.1)
``jensen_shannon``        numeric, categ.  no        ``statistic >= threshold`` (0.1)
``wasserstein``           numeric          no        ``statistic >= threshold`` (0.1)
========================  ===============  ========  ===================================

Numeric data given to ``chi2``, ``psi`` and ``jensen_shannon`` are binned on ``bins``
(default 10) quantiles of the *reference*; the outer bins are open-ended, so current values
beyond the reference range fall in the first or last bin. Categorical data use one bin per
category (a constant numeric reference gets three bins: below, at and above its
value); a category the reference never had is added as an extra bin with reference
count 0 (it contributes to the drift).

The values equal scipy's: ``ks`` is :func:`scipy.stats.ks_2samp`, ``chi2`` is
:func:`scipy.stats.chi2_contingency` on the 2 x k table of counts (bins or categories
empty in both samples are dropped), ``jensen_shannon`` is
:func:`scipy.spatial.distance.jensenshannon` of the two share vectors with ``base=2``
(a distance between 0 and 1), and ``wasserstein`` is
:func:`scipy.stats.wasserstein_distance` divided by the reference standard deviation
(``ddof=0``), so 0.25 means "moved by about a quarter of a standard deviation".
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from modellab._validate import probability
from modellab.drift import _stats
from modellab.drift._samples import aligned_counts, category_counts, check_kind, kind_of
from modellab.drift._samples import numeric_sample as _numeric
from modellab.drift.results import DriftResult

METHODS = ("ks", "chi2", "psi", "jensen_shannon", "wasserstein")

#: Default thresholds of the distances (drift when the distance is at or above it).
DEFAULT_THRESHOLDS = {"psi": 0.1, "jensen_shannon": 0.1, "wasserstein": 0.1}


def _positive(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {value!r}.")
    if not value > 0:
        raise ValueError(f"{name} must be positive, got {value}.")
    return float(value)


def _bins(value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 2:
        raise ValueError(f"bins must be a whole number >= 2, got {value!r}: e.g. bins=10.")
    return int(value)


def _counts(reference, current, bins: int, kind: str | None):
    """Counts of both samples over reference-quantile bins or categories."""
    kind = check_kind(kind, "kind") or kind_of(reference)
    if kind == "numeric":
        ref, _ = _numeric(reference, "reference")
        cur, _ = _numeric(current, "current")
        index = _stats.BinIndex(_stats.quantile_edges(ref, bins))
        ref_c = _stats.open_bins(_stats.numeric_counts(ref, index)[0])
        cur_c = _stats.open_bins(_stats.numeric_counts(cur, index)[0])
    else:
        ref_s, _ = category_counts(reference, "reference")
        cur_s, _ = category_counts(current, "current")
        ref_c, cur_c, _ = aligned_counts(ref_s, cur_s)
    return ref_c, cur_c


def ks(reference, current, *, alpha: float = 0.05) -> DriftResult:
    """Two-sample Kolmogorov-Smirnov test (numeric): largest gap between the two CDFs.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> ks(rng.normal(size=500), rng.normal(0.5, size=500)).drifted
    True
    """
    alpha = probability(alpha, "alpha")
    ref, _ = _numeric(reference, "reference")
    cur, _ = _numeric(current, "current")
    res = stats.ks_2samp(ref, cur)
    p = float(res.pvalue)
    return DriftResult("ks", float(res.statistic), p, alpha, p < alpha, ref.size, cur.size)


def chi2(reference, current, *, alpha: float = 0.05, bins: int = 10, kind=None) -> DriftResult:
    """Chi-squared test that both samples share one distribution over bins or categories.

    ``kind`` forces ``"numeric"`` (bin on reference quantiles) or ``"categorical"``;
    by default it follows the dtype of ``reference``.

    Examples
    --------
    >>> chi2(["a"] * 50 + ["b"] * 50, ["a"] * 80 + ["b"] * 20)
    DriftResult(method='chi2', statistic=18.48, p_value=1.714e-05, threshold=0.05,
                drifted=True, n_reference=100, n_current=100)
    """
    alpha = probability(alpha, "alpha")
    ref_c, cur_c = _counts(reference, current, _bins(bins), kind)
    stat, p = _stats.chi2_from_counts(ref_c, cur_c)
    return DriftResult("chi2", stat, p, alpha, p < alpha, int(ref_c.sum()), int(cur_c.sum()))


def psi(
    reference, current, *, threshold: float = 0.1, bins: int = 10, eps: float = _stats.PSI_EPS,
    kind=None,
) -> DriftResult:
    """Population stability index ``sum((q - p) * ln(q / p))`` over bins or categories.

    ``p``/``q`` are the reference/current shares per bin; an empty bin's share is replaced
    by ``eps`` (1e-4) so the log stays finite. Usual reading: < 0.1 stable, 0.1-0.25
    moderate shift, > 0.25 major shift. PSI needs large shifts: a 0.25-sd shift of a
    normal column gives only about 0.06.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> round(psi(rng.normal(size=5000), rng.normal(1.0, size=5000)).statistic, 2)
    0.96
    """
    ref_c, cur_c = _counts(reference, current, _bins(bins), kind)
    stat = _stats.psi_from_counts(ref_c, cur_c, _positive(eps, "eps"))
    threshold = _positive(threshold, "threshold")
    return DriftResult(
        "psi", stat, None, threshold, stat >= threshold, int(ref_c.sum()), int(cur_c.sum())
    )


def jensen_shannon(
    reference, current, *, threshold: float = 0.1, bins: int = 10, kind=None
) -> DriftResult:
    """Jensen-Shannon distance (base 2, 0 to 1) between the shares over bins or categories.

    Examples
    --------
    >>> jensen_shannon(["a", "b", "c"] * 10, ["a", "b", "c"] * 10).statistic
    0.0
    """
    ref_c, cur_c = _counts(reference, current, _bins(bins), kind)
    stat = _stats.js_from_counts(ref_c, cur_c)
    threshold = _positive(threshold, "threshold")
    return DriftResult(
        "jensen_shannon", stat, None, threshold, stat >= threshold, int(ref_c.sum()),
        int(cur_c.sum()),
    )


def wasserstein(reference, current, *, threshold: float = 0.1) -> DriftResult:
    """Wasserstein (earth mover's) distance in units of the reference standard deviation.

    ``scipy.stats.wasserstein_distance(reference, current) / reference.std()`` (``ddof=0``).
    For a pure shift it equals the shift in standard deviations. A constant reference
    (std 0) is divided by ``|its value|`` instead, or by 1 when that is 0.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=1000)
    >>> round(wasserstein(x, x + 0.25 * x.std()).statistic, 3)
    0.25
    """
    ref, _ = _numeric(reference, "reference")
    cur, _ = _numeric(current, "current")
    scale = _stats.reference_spread(float(ref.std()), float(ref.mean()))
    stat = float(stats.wasserstein_distance(ref, cur)) / scale
    threshold = _positive(threshold, "threshold")
    return DriftResult(
        "wasserstein", stat, None, threshold, stat >= threshold, ref.size, cur.size
    )


def run_test(method: str, reference, current, **options) -> DriftResult:
    """Run one of :data:`METHODS` by name (``options`` go to that test)."""
    tests = {"ks": ks, "chi2": chi2, "psi": psi, "jensen_shannon": jensen_shannon,
             "wasserstein": wasserstein}
    if method not in tests:
        raise ValueError(f"Unknown drift method {method!r}: choose one of {', '.join(METHODS)}.")
    return tests[method](reference, current, **options)

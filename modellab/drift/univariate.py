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

Numeric data given to ``chi2``, ``psi`` and ``jensen_shannon`` are binned by the same
:class:`~modellab.drift.ReferenceProfile` a :class:`~modellab.drift.DriftDetector` fits:
continuous data on ``bins`` (default 10) quantiles of the *reference*, outer bins
open-ended so current values beyond the reference range fall in the first or last bin,
and a value holding a tenth of the reference or more (e.g. the zeros of a zero-inflated
amount) in a bin of its own;
*discrete* data (at most 20 distinct reference values, 5 rows or more per value: 0/1
flags, counts, ratings, a constant) on their levels, plus one bin pooling the current values the
reference never had (between, below or above its levels). Categorical data use one bin per
category; all categories the reference never had are pooled into one extra bin with
reference count 0 (a flood of new categories is drift). Infinite values are dropped
like missing ones.

The values equal scipy's: ``ks`` is :func:`scipy.stats.ks_2samp` (on discrete data its
statistic is exact and its p-value, which assumes continuous data, is conservative), ``chi2`` is
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
from modellab.drift import _methods, _stats
from modellab.drift._samples import check_kind, kind_of, numeric_sample
from modellab.drift.profile import ColumnProfile
from modellab.drift.results import DriftResult

#: Names of the drift methods (from the one registry, :mod:`modellab.drift._methods`).
METHODS = tuple(_methods.REGISTRY)

#: Default thresholds of the distances (drift when the distance is at or above it).
DEFAULT_THRESHOLDS = {m.name: m.threshold for m in _methods.REGISTRY.values()
                      if not m.p_value}


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


def _numeric(values, name: str) -> np.ndarray:
    """Finite values of a sample (missing and infinite values dropped)."""
    return numeric_sample(values, name)[0]


def _binned(method: str, reference, current, bins: int, kind: str | None, **options):
    """``(statistic, p_value, n_reference, n_current)`` of a binned method, computed on the
    same reference profile and counts as :class:`~modellab.drift.DriftDetector`."""
    kind = check_kind(kind, "kind") or kind_of(reference)
    prof = ColumnProfile.fit(reference, None, kind, fine_bins=bins, bins=bins,
                             max_categories=np.inf)
    cur = prof.summarise(current)
    if cur.n == 0:
        what = (f"no finite values ({cur.n_missing} missing, {cur.n_nonfinite} infinite)"
                if cur.n_nonfinite else f"only missing values ({cur.n_missing} NaN)")
        raise ValueError(f"current has {what}: there is nothing to test.")
    stat, p = _methods.get(method).compute(prof, cur, **options)
    return float(stat), float(p), prof.reference.n, cur.n


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
    ref = _numeric(reference, "reference")
    cur = _numeric(current, "current")
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
    stat, p, n_ref, n_cur = _binned("chi2", reference, current, _bins(bins), kind)
    return DriftResult("chi2", stat, p, alpha, p < alpha, n_ref, n_cur)


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
    eps = _positive(eps, "eps")
    threshold = _positive(threshold, "threshold")
    stat, _, n_ref, n_cur = _binned("psi", reference, current, _bins(bins), kind, eps=eps)
    return DriftResult("psi", stat, None, threshold, stat >= threshold, n_ref, n_cur)


def jensen_shannon(
    reference, current, *, threshold: float = 0.1, bins: int = 10, kind=None
) -> DriftResult:
    """Jensen-Shannon distance (base 2, 0 to 1) between the shares over bins or categories.

    Examples
    --------
    >>> jensen_shannon(["a", "b", "c"] * 10, ["a", "b", "c"] * 10).statistic
    0.0
    """
    threshold = _positive(threshold, "threshold")
    stat, _, n_ref, n_cur = _binned("jensen_shannon", reference, current, _bins(bins), kind)
    return DriftResult("jensen_shannon", stat, None, threshold, stat >= threshold, n_ref, n_cur)


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
    ref = _numeric(reference, "reference")
    cur = _numeric(current, "current")
    scale = _stats.reference_spread(float(ref.std()), float(ref.mean()))
    stat = float(stats.wasserstein_distance(ref, cur)) / scale
    threshold = _positive(threshold, "threshold")
    return DriftResult(
        "wasserstein", stat, None, threshold, stat >= threshold, ref.size, cur.size
    )


def run_test(method: str, reference, current, **options) -> DriftResult:
    """Run one of :data:`METHODS` by name (``options`` go to that test)."""
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"Unknown drift method {method!r}: choose one of {', '.join(METHODS)}.")
    tests = {"ks": ks, "chi2": chi2, "psi": psi, "jensen_shannon": jensen_shannon,
             "wasserstein": wasserstein}
    return tests[method](reference, current, **options)

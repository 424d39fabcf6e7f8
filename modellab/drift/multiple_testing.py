"""Multiple-testing control: adjust p-values when many columns are tested at once.

Testing 25 columns at ``alpha = 0.05`` flags about one column by chance even when nothing
changed. Adjusted p-values fix that: compare them with ``alpha`` as usual.

- ``"bonferroni"``: ``min(1, p * m)`` for ``m`` tests; controls the chance of *any* false
  alarm (family-wise error rate). Simple and strict.
- ``"bh"`` (Benjamini-Hochberg): controls the expected *share* of false alarms among the
  flagged columns (false discovery rate); flags more real drift than Bonferroni. Computed
  with :func:`scipy.stats.false_discovery_control`.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from modellab._validate import as_numeric

CORRECTIONS = ("bh", "bonferroni")


def check_correction(method):
    if method is not None and method not in CORRECTIONS:
        raise ValueError(
            f"Unknown correction {method!r}: choose 'bh' (Benjamini-Hochberg), 'bonferroni', "
            f"or None for no correction."
        )
    return method


def adjust_p_values(p_values, method: str = "bh") -> np.ndarray:
    """Adjusted p-values for ``m`` simultaneous tests.

    NaN entries (tests without a p-value) are left NaN and not counted in ``m``.

    Parameters
    ----------
    p_values : array-like of float in [0, 1]
    method : {"bh", "bonferroni"}

    Returns
    -------
    numpy.ndarray of the same length.

    Examples
    --------
    >>> adjust_p_values([0.01, 0.02, 0.03, 0.5], method="bonferroni")
    array([0.04, 0.08, 0.12, 1.  ])
    >>> adjust_p_values([0.01, 0.02, 0.03, 0.5], method="bh")
    array([0.04, 0.04, 0.04, 0.5 ])
    """
    if method is None:
        raise ValueError("method is None: pass 'bh' or 'bonferroni'.")
    check_correction(method)
    p = as_numeric(p_values, "p_values", allow_nan=True, allow_empty=True)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if np.any((p[ok] < 0) | (p[ok] > 1)):
        raise ValueError("p_values must lie between 0 and 1: pass p-values, not statistics.")
    if not ok.any():
        return out
    if method == "bonferroni":
        out[ok] = np.minimum(1.0, p[ok] * ok.sum())
    else:
        out[ok] = stats.false_discovery_control(p[ok], method="bh")
    return out

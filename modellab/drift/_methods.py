"""Every drift method once: the column kinds it takes, p-value or distance, its default
threshold, and the function that computes it from counts over the reference profile (private).

:class:`~modellab.drift.DriftDetector`, :func:`~modellab.drift.compare` and the
univariate binned tests (:func:`~modellab.drift.chi2`, :func:`~modellab.drift.psi`,
:func:`~modellab.drift.jensen_shannon`) look methods up here; nothing else keeps a list
of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from modellab.drift import _stats


@dataclass(frozen=True)
class DriftMethod:
    """One drift method.

    Attributes
    ----------
    name : str
    kinds : tuple of str
        Column kinds it can test (``numeric``, ``discrete``, ``categorical``).
    p_value : bool
        True for tests (drift when the corrected p-value is below ``alpha``), False for
        distances (drift when the distance is at or above ``threshold``).
    threshold : float or None
        Default drift threshold of a distance (``None`` for tests: they use ``alpha``).
    compute : callable
        ``compute(column_profile, current_counts, **options) -> (statistic, p_value)``,
        ``p_value`` NaN for distances.
    """

    name: str
    kinds: tuple[str, ...]
    p_value: bool
    threshold: float | None
    compute: Callable


def _ks(prof, cur):
    return _stats.ks_from_counts(prof.reference.counts, cur.counts)


def _chi2(prof, cur):
    return _stats.chi2_from_counts(*prof.binned(cur))


def _psi(prof, cur, eps=_stats.PSI_EPS):
    return _stats.psi_from_counts(*prof.binned(cur), eps), np.nan


def _js(prof, cur):
    return _stats.js_from_counts(*prof.binned(cur)), np.nan


def wasserstein_sd(prof, cur) -> float:
    """Wasserstein distance from counts, in reference standard deviations."""
    ref = prof.reference
    scale = _stats.reference_spread(prof.std, prof.mean)
    return _stats.wasserstein_from_counts(ref.counts, cur.counts, ref.sums, cur.sums,
                                          prof.edges) / scale


def _wasserstein(prof, cur):
    return wasserstein_sd(prof, cur), np.nan


_NUMBERS = ("numeric", "discrete")
_ALL = ("numeric", "discrete", "categorical")

#: name -> :class:`DriftMethod`, in the order methods are listed to users.
REGISTRY: dict[str, DriftMethod] = {m.name: m for m in (
    DriftMethod("ks", _NUMBERS, True, None, _ks),
    DriftMethod("chi2", _ALL, True, None, _chi2),
    DriftMethod("psi", _ALL, False, 0.1, _psi),
    DriftMethod("jensen_shannon", _ALL, False, 0.1, _js),
    DriftMethod("wasserstein", _NUMBERS, False, 0.1, _wasserstein),
)}

#: The test ``auto`` runs on each column kind.
AUTO = {"numeric": "ks", "discrete": "chi2", "categorical": "chi2"}

#: The effect size ``auto`` weighs on each column kind (and every table reports).
EFFECT = {"numeric": "wasserstein_sd", "discrete": "wasserstein_sd",
          "categorical": "jensen_shannon"}


def get(name) -> DriftMethod:
    """The method called ``name``; ``ValueError`` listing the valid names otherwise."""
    if not isinstance(name, str) or name not in REGISTRY:
        raise ValueError(
            f"Unknown drift method {name!r}: choose 'auto' or one of {', '.join(REGISTRY)}."
        )
    return REGISTRY[name]


def resolve(method: str, kind: str) -> DriftMethod:
    """The method run for ``method`` (``auto`` or a name) on a column of ``kind``."""
    return get(AUTO[kind] if method == "auto" else method)


def effect(prof, cur) -> tuple[float, str]:
    """``(effect size, measure)`` of a column: Wasserstein (sds) or Jensen-Shannon."""
    measure = EFFECT[prof.kind]
    if measure == "wasserstein_sd":
        return wasserstein_sd(prof, cur), measure
    return _stats.js_from_counts(*prof.binned(cur)), measure

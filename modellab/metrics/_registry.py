"""Every metric once: its name, how people call it, which way is better, what it needs.

The one table behind :mod:`modellab.metrics` (which names exist, which read
probabilities or the decision threshold), :mod:`modellab.monitor.rules` (which names a
rule may watch, how a message formats a value), :mod:`modellab.plots` (axis labels,
percent axes), :mod:`modellab.widgets` and the reports (which way is a deterioration).
Add a metric here and everything else sees it.

Names are stable (they are history columns, rule arguments and store keys):

========================  ================  ==========  ======  =======  =====  =======
name                      label             direction   labels  probab.  thr.   percent
========================  ================  ==========  ======  =======  =====  =======
``accuracy``              accuracy          higher      yes     no       yes    yes
``precision``             precision         higher      yes     no       yes    yes
``recall``                recall            higher      yes     no       yes    yes
``f1``                    F1                higher      yes     no       yes    no
``specificity``           specificity       higher      yes     no       yes    yes
``roc_auc``               ROC-AUC           higher      yes     no       no     no
``pr_auc``                PR-AUC            higher      yes     no       no     no
``brier``                 Brier score       lower       yes     yes      no     no
``log_loss``              log loss          lower       yes     yes      no     no
``base_rate``             default rate      none        yes     no       no     yes
``positive_rate``         flag rate         none        no      no       yes    yes
``mean_score``            mean score        none        no      no       no     no
========================  ================  ==========  ======  =======  =====  =======

``direction`` is ``"higher"`` (higher is better), ``"lower"`` (lower is better) or
``None`` for quantities that describe the population rather than the model (the default
rate, the flag rate, the mean score): a move either way is news, neither is "better".

Examples
--------
>>> METRICS["roc_auc"]
Metric(name='roc_auc', label='ROC-AUC', direction='higher', needs_labels=True, ...)
>>> METRICS["brier"].worse(0.12, 0.15)
True
>>> METRICS["base_rate"].format(0.113)
'11.3%'
"""

from __future__ import annotations

from dataclasses import dataclass

DIRECTIONS = ("higher", "lower", None)


@dataclass(frozen=True)
class Metric:
    """One metric's facts (see the module docstring)."""

    name: str
    label: str
    direction: str | None
    needs_labels: bool
    needs_probabilities: bool
    threshold_dependent: bool
    percent: bool
    axis_label: str
    in_summary: bool = True  # reported by modellab.metrics.classification_summary

    def __repr__(self) -> str:
        return (f"Metric(name={self.name!r}, label={self.label!r}, direction={self.direction!r}, "
                f"needs_labels={self.needs_labels}, needs_probabilities="
                f"{self.needs_probabilities}, threshold_dependent={self.threshold_dependent}, "
                f"percent={self.percent})")

    def format(self, value: float) -> str:
        """The value as prose shows it: shares as ``11.3%``, other values as ``0.81``."""
        return f"{value:.1%}" if self.percent else f"{value:.2f}"

    def format_difference(self, diff: float) -> str:
        """A difference of two values: percentage points for shares, else ``0.05``."""
        return f"{diff * 100:.1f} percentage points" if self.percent else f"{diff:.2f}"

    def worse(self, before: float, after: float) -> bool | None:
        """Whether going from ``before`` to ``after`` is a deterioration (``None``: no direction)."""
        if self.direction is None:
            return None
        return after < before if self.direction == "higher" else after > before


def _m(name, label, direction, labels, probabilities, threshold, percent, axis, summary=True):
    return Metric(name, label, direction, labels, probabilities, threshold, percent, axis,
                  summary)


#: Every metric, by name, in the order tables list them.
METRICS: dict[str, Metric] = {m.name: m for m in (
    _m("accuracy", "accuracy", "higher", True, False, True, True,
       "Accuracy (% of loans classified correctly)"),
    _m("precision", "precision", "higher", True, False, True, True,
       "Precision (% of flagged loans that defaulted)"),
    _m("recall", "recall", "higher", True, False, True, True, "Recall (% of defaults caught)"),
    _m("f1", "F1", "higher", True, False, True, False, "F1 score (0 to 1)"),
    _m("specificity", "specificity", "higher", True, False, True, True,
       "Specificity (% of good loans not flagged)"),
    _m("roc_auc", "ROC-AUC", "higher", True, False, False, False,
       "ROC-AUC (0.5 = chance, 1 = perfect)"),
    _m("pr_auc", "PR-AUC", "higher", True, False, False, False,
       "PR-AUC (average precision, 0 to 1)"),
    _m("brier", "Brier score", "lower", True, True, False, False,
       "Brier score (lower is better)"),
    _m("log_loss", "log loss", "lower", True, True, False, False, "Log loss (lower is better)"),
    _m("base_rate", "default rate", None, True, False, False, True,
       "Default rate (% of labelled loans)"),
    _m("positive_rate", "flag rate", None, False, False, True, True,
       "Flag rate (% of loans flagged)"),
    _m("mean_score", "mean score", None, False, False, False, False,
       "Mean predicted default probability", summary=False),
)}

#: Names reported by :func:`modellab.metrics.classification_summary`, in order (plus ``n``).
SUMMARY_METRICS: tuple[str, ...] = tuple(n for n, m in METRICS.items() if m.in_summary)
#: Names that read scores as probabilities (scores must lie in [0, 1]).
PROBABILITY_METRICS: frozenset[str] = frozenset(
    n for n, m in METRICS.items() if m.needs_probabilities)
#: Names that depend on the decision threshold.
THRESHOLD_METRICS: frozenset[str] = frozenset(
    n for n, m in METRICS.items() if m.threshold_dependent)
#: Readable names used in notes, messages, reports and widgets.
LABELS: dict[str, str] = {n: m.label for n, m in METRICS.items()}


def get(name) -> Metric:
    """The :class:`Metric` called ``name``; an unknown name is a ``ValueError`` listing the known.

    >>> get("recall").direction
    'higher'
    """
    if not isinstance(name, str):
        raise TypeError(f"metric must be a metric name such as 'roc_auc', got {name!r}.")
    if name not in METRICS:
        raise ValueError(f"Unknown metric {name!r}. Valid metrics: {list(METRICS)}.")
    return METRICS[name]

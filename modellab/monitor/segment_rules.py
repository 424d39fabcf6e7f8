"""Alert rules for what averages hide: a segment falling behind, a broken data contract.

They follow the rule protocol of :mod:`modellab.monitor.rules` (frozen dataclasses with a
readable ``repr``, ``evaluate(history, reference)`` returning :data:`ALERT_COLUMNS` rows, one
per firing batch and subject), but they judge long tables rather than the wide history. A
:class:`~modellab.monitor.Monitor` built with ``segments=`` / ``contract=`` computes those
tables per batch from its rows (:attr:`MonitorResult.segments`, :attr:`MonitorResult.contract`)
and hands each rule its batch's rows, so they work in ``Monitor(rules=...)``; on their own
they judge:

- :class:`SegmentBehind` reads :func:`modellab.metrics.segment_gaps` (one row per batch and
  segment, with a Bonferroni-corrected interval of the gap to the rest of the batch);
- :class:`ContractViolated` reads :func:`modellab.contracts.validate_batches`.

Their alerts have the same columns as the monitor's, so ``pd.concat`` puts them in one table
for a report or :func:`modellab.monitor.score_alerts`.

Examples
--------
>>> gaps = pd.DataFrame({"batch": [3, 3], "segment": ["east", "north"], "metric": "recall",
...                      "value": [0.31, 0.52], "rest": [0.52, 0.48], "gap": [-0.21, 0.04],
...                      "lower": [-0.33, -0.08], "upper": [-0.09, 0.15], "n": [160, 200],
...                      "n_segments": 6, "ci": 1 - 0.05 / 6})
>>> SegmentBehind("recall").evaluate(gaps).message.tolist()
["Batch 3: recall in segment 'east' is 0.31 against 0.52 for the rest of the batch; the gap (-0.21) is beyond noise: its 99.2% interval (-0.33 to -0.09) excludes 0 after correcting for 6 segments."]
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from modellab.metrics.classification import check_metric_names
from modellab.metrics.segments import GAP_COLUMNS, HIGHER_IS_BETTER
from modellab.monitor.rules import Rule, _batch_label, _check_severity


def require_rule_table(history: pd.DataFrame, columns, source: str) -> None:
    """Refuse a table that lacks ``columns``, naming the function ``source`` that makes it."""
    missing = [c for c in columns if c not in history.columns]
    if missing:
        raise ValueError(f"history has no column(s) {missing}: pass the table from {source}.")


@dataclass(frozen=True)
class SegmentBehind(Rule):
    """Alert when a segment's metric is behind the rest of its batch beyond noise.

    Parameters
    ----------
    metric : str, default "recall"
        The metric of the :func:`~modellab.metrics.segment_gaps` table to judge. "Behind" is
        lower for a score such as recall or ROC-AUC, higher for a loss (Brier, log loss).
    severity : {"info", "warning", "critical"}, default "warning"

    Notes
    -----
    The noise level and the correction for the number of segments are in the table's
    ``lower``/``upper`` (set by ``segment_gaps(..., alpha=...)``); the rule fires when that
    interval lies entirely on the wrong side of 0.
    """

    metric: str = "recall"
    severity: str = "warning"
    kind = "segment"
    needs_history = False

    def __post_init__(self):
        check_metric_names([self.metric], allow_n=False)
        if self.metric in ("base_rate", "positive_rate"):
            raise ValueError(
                f"{self.metric} differs between segments by design (who applies, who is "
                f"declined): judge a performance metric such as 'recall', or use "
                f"approval_rate_ratio for decisions."
            )
        _check_severity(self.severity)

    def _fire(self, history, reference):
        require_rule_table(history, GAP_COLUMNS, "modellab.metrics.segment_gaps")
        rows = []
        mine = history[history["metric"] == self.metric]
        higher = self.metric in HIGHER_IS_BETTER
        behind = mine["upper"] < 0 if higher else mine["lower"] > 0
        for r in mine[behind].itertuples(index=False):
            rows.append(self._alert(
                r.batch, r.segment, r.gap, 0.0,
                f"{_batch_label(r.batch)}: {self.metric} in segment {r.segment!r} is "
                f"{r.value:.2f} against {r.rest:.2f} for the rest of the batch; the gap "
                f"({r.gap:+.2f}) is beyond noise: its {r.ci:.1%} interval ({r.lower:.2f} to "
                f"{r.upper:.2f}) excludes 0 after correcting for {r.n_segments} segments.",
            ))
        return rows

    def __repr__(self):
        return f"SegmentBehind({self.metric!r}, severity={self.severity!r})"


@dataclass(frozen=True)
class ContractViolated(Rule):
    """Alert on every column of a batch that breaks the data contract.

    Parameters
    ----------
    min_failures : int, default 1
        Fewest failing rows that raise an alert (a structural violation - a missing or
        retyped column, an empty batch - always does).
    severity : default "critical"
        Scores computed from broken inputs should not reach decisions.
    """

    min_failures: int = 1
    severity: str = "critical"
    kind = "contract"
    needs_history = False

    def __post_init__(self):
        if isinstance(self.min_failures, bool) or not isinstance(self.min_failures, int) or self.min_failures < 1:
            raise ValueError(f"min_failures must be a whole number >= 1, got {self.min_failures!r}.")
        _check_severity(self.severity)

    def _fire(self, history, reference):
        require_rule_table(history, ["batch", "column", "check", "failures", "examples"],
                 "modellab.contracts.validate_batches")
        structural = history["check"].astype(str).str.match(r"column_in_dataframe|dtype\(|not_empty")
        hits = history[structural | (history["failures"] >= self.min_failures)]
        rows = []
        # dropna=False: a check on the whole frame (column_ordered, ...) has no column
        for (batch, column), grp in hits.groupby(["batch", "column"], sort=False, dropna=False):
            column = "(the table)" if pd.isna(column) else column
            checks = "; ".join(
                f"{c} ({f} rows, e.g. {e})" for c, f, e in
                zip(grp["check"], grp["failures"], grp["examples"], strict=True)
            )
            rows.append(self._alert(
                batch, column, float(grp["failures"].max()), float(self.min_failures),
                f"{_batch_label(batch)}: column {column!r} breaks the data contract: {checks}.",
            ))
        return rows

    def __repr__(self):
        return f"ContractViolated(min_failures={self.min_failures}, severity={self.severity!r})"

"""The facts a report states, computed once from a monitoring result.

Every sentence of the executive summary and every number of the report comes from a
:class:`ReportFacts`, so the text cannot disagree with the tables and figures.

A *monitoring result* is anything with the attributes of
:class:`modellab.monitor.MonitorResult`: ``history`` (one row per batch), ``alerts``, and
optionally ``drift`` (long: batch, column, ..., effect_size, drifted), ``histograms`` and
``reference`` (reference-period metrics, a mapping or Series). A path to a monitoring store
(SQLite file) is loaded first.
"""

from __future__ import annotations

import math
import os
import pathlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
import pandas as pd

from modellab._validate import require_columns
from modellab.metrics import _registry

#: Direction, label and percent formatting of every metric come from the metric registry
#: (:mod:`modellab.metrics._registry`): ``"higher"`` is better (a fall is bad news),
#: ``"lower"`` is better (a rise is bad news: losses such as the Brier score), ``None``
#: neutral (rates that describe the population rather than the model's quality).
METRICS = _registry.METRICS

#: Metrics where higher is better (a fall is bad news).
HIGHER_IS_BETTER = tuple(n for n, m in METRICS.items() if m.direction == "higher")
#: Metrics where lower is better (a rise is bad news).
LOWER_IS_BETTER = tuple(n for n, m in METRICS.items() if m.direction == "lower")

#: A plain-language gloss of each metric the report explains, for readers who are not data
#: scientists (the metric's name is its registry label).
METRIC_GLOSS: dict[str, str] = {
    "roc_auc": "how well the model ranks risky loans above safe ones; 0.5 is a coin toss, "
               "1 is perfect",
    "pr_auc": "how precise the model stays as it catches more defaults; higher is better",
    "recall": "the share of defaults the model catches",
    "precision": "the share of flagged loans that really default",
    "f1": "a balance of precision and recall; higher is better",
    "accuracy": "the share of loans classified correctly",
    "base_rate": "the share of loans that defaulted",
    "positive_rate": "the share of loans the model flags as risky",
    "mean_score": "the average predicted default probability",
    "specificity": "the share of good loans the model approves",
    "brier": "the average squared gap between predicted risk and outcome; lower is better",
    "log_loss": "how surprised the model is by the outcomes; lower is better",
}


@dataclass(frozen=True)
class CostAssumptions:
    """Business cost assumptions used to price a change in performance.

    The defaults are the course's one set of illustrative prices (lesson 02): on an average
    loan of about 12,000, a missed default loses about 60% of it (7,200) and a declined good
    customer the interest we would have earned, about 15% (1,800). Their break-even score is
    1,800 / (1,800 + 7,200) = 0.20, the scenarios' decision threshold. Pass your
    organisation's numbers.

    Attributes
    ----------
    missed_default : float
        Average loss when a loan that defaults was not flagged (a false negative).
    false_alarm : float
        Average margin lost when a loan that would have been repaid is declined (a false positive).
    currency : str
        Currency code printed with amounts.
    """

    missed_default: float = 7200.0
    false_alarm: float = 1800.0
    currency: str = "EUR"

    def __post_init__(self):
        for name in ("missed_default", "false_alarm"):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
                or value < 0
            ):
                raise ValueError(
                    f"CostAssumptions.{name} must be a non-negative number, got {value!r}."
                )
        if not isinstance(self.currency, str) or not self.currency:
            raise TypeError(
                f"CostAssumptions.currency must be a currency code such as 'EUR', got {self.currency!r}."
            )


@dataclass(frozen=True)
class FeatureDrift:
    """One feature whose distribution changed and stayed changed."""

    name: str
    onset_batch: object
    onset_start: pd.Timestamp | None
    effect_size: float  # largest effect size since onset
    latest_effect_size: float
    method: str
    kind: str
    batches_drifted: int
    batches_since_onset: int
    drifted_now: bool


@dataclass(frozen=True)
class MetricChange:
    """A metric in the reference period, before the onset, and since the onset."""

    metric: str
    reference: float
    after: float
    after_batches: tuple
    n_labelled_after: int

    @property
    def change(self) -> float:
        return self.after - self.reference

    @property
    def worse(self) -> bool:
        """The metric moved in its bad direction (a fall, or a rise for a loss)."""
        direction = METRICS[self.metric].direction
        return (direction == "higher" and self.change < 0) or (
            direction == "lower" and self.change > 0)

    @property
    def deterioration(self) -> float:
        """How far the metric moved in its bad direction (0 or negative when it improved)."""
        direction = METRICS[self.metric].direction
        if direction == "higher":
            return -self.change
        if direction == "lower":
            return self.change
        return 0.0


#: Counterfactual behind :class:`BusinessImpact`, stated wherever the amount is printed.
COUNTERFACTUAL = ("compared with the same loans had the model kept its reference-period recall "
                  "and false-alarm rate")


@dataclass(frozen=True)
class BusinessImpact:
    """Net change in error cost since the onset, priced with :class:`CostAssumptions`.

    Both kinds of error count: defaults the model let through (false negatives) and good
    customers it declined (false positives). The **counterfactual** is the same loans
    (those with a known outcome since the onset) had the model kept its reference-period
    recall and false-alarm rate: ``extra_missed_defaults`` and ``extra_false_alarms`` are
    the differences (negative when the model did better), ``cost`` the net change in error
    cost, and ``cost_low``/``cost_high`` a 95% bootstrap interval for it (the loans since the
    onset and the reference loans resampled; the prices are taken as given).

    Only loans that were approved *and* whose outcome has matured can be judged: the figures
    say nothing about declined applicants (their outcome is never observed) nor about loans
    whose outcome is not known yet.
    """

    defaults_after: float
    recall_reference: float
    recall_after: float
    extra_missed_defaults: float
    cost: float
    loans_labelled_after: int
    costs: CostAssumptions
    good_loans_after: float = 0.0
    false_alarm_rate_reference: float = float("nan")
    false_alarm_rate_after: float = float("nan")
    extra_false_alarms: float = 0.0
    missed_default_cost: float = 0.0
    false_alarm_cost: float = 0.0
    cost_low: float = float("nan")
    cost_high: float = float("nan")
    counterfactual: str = COUNTERFACTUAL


@dataclass(frozen=True)
class ReportFacts:
    """Everything the report says, computed from a monitoring result by :func:`gather_facts`."""

    model_name: str
    batches: tuple
    first_start: pd.Timestamp | None
    last_start: pd.Timestamp | None
    n_rows: int
    n_scored: int
    n_labelled: int
    primary_metric: str
    reference_metrics: dict
    onset_batch: object
    onset_start: pd.Timestamp | None
    onset_reason: str  # "drift", "alert" or "" when nothing changed
    drifted_features: tuple[FeatureDrift, ...]
    emerging_features: tuple[str, ...]  # drifted in the latest batch only, not confirmed yet
    metric_changes: dict[str, MetricChange]
    n_alerts: int
    n_critical: int
    n_warning: int
    first_alert_batch: object
    unlabelled_batches: tuple
    impact: BusinessImpact | None
    status: str  # "ok", "watch" or "action"
    costs: CostAssumptions = field(default_factory=CostAssumptions)

    @property
    def n_batches(self) -> int:
        return len(self.batches)

    def __repr__(self) -> str:
        parts = [f"status={self.status!r}", f"batches={self.n_batches}"]
        if self.onset_batch is not None:
            parts.append(f"onset_batch={self.onset_batch!r} ({self.onset_reason})")
        if self.drifted_features:
            parts.append(f"drifted={[f.name for f in self.drifted_features]}")
        parts.append(f"alerts={self.n_alerts} ({self.n_critical} critical)")
        head = self.metric_changes.get(self.primary_metric)
        if head is not None:
            parts.append(f"{head.metric} {fmt_metric(head.metric, head.reference)} -> "
                         f"{fmt_metric(head.metric, head.after)}")
        if self.impact is not None:
            parts.append(f"cost~{fmt_money(self.impact.cost, self.costs.currency, significant=2)}")
        return f"ReportFacts({', '.join(parts)})"

    def to_frame(self) -> pd.DataFrame:
        """The facts as a two-column table, ``fact`` and ``value``, one row per fact.

        Rows, in order: ``model``, ``status``, ``batches monitored``, ``first batch
        start``, ``last batch start``, ``loans scored``, ``loans with outcome``, ``onset
        batch``, ``onset start``, ``onset found by`` (``"drift"``/``"alert"``),
        ``drifted features``, ``emerging features``, ``alerts``, ``critical alerts``,
        ``other alerts``, ``first alert batch``, ``batches without outcomes``; then per
        metric ``<metric> (reference)`` and ``<metric> (since onset)``; then, when an
        impact was priced, ``extra missed defaults``, ``extra good customers declined``,
        ``cost of missed defaults``, ``cost of declined good customers``, ``estimated cost``
        (the net change, exact), ``estimated cost, 95% low``, ``estimated cost, 95% high``,
        ``assumed loss per missed default``, ``assumed loss per good customer declined`` and
        ``compared with`` (the counterfactual). Values keep their types (numbers stay
        numbers, lists of names are joined with ``", "``; missing values are ``None``).
        """
        def names(values) -> str:
            return ", ".join(str(v) for v in values)

        rows = [
            ("model", self.model_name),
            ("status", self.status),
            ("batches monitored", self.n_batches),
            ("first batch start", self.first_start),
            ("last batch start", self.last_start),
            ("loans monitored", self.n_rows),
            ("loans scored", self.n_scored),
            ("loans with outcome", self.n_labelled),
            ("onset batch", self.onset_batch),
            ("onset start", self.onset_start),
            ("onset found by", self.onset_reason or None),
            ("drifted features", names(f.name for f in self.drifted_features)),
            ("emerging features", names(self.emerging_features)),
            ("alerts", self.n_alerts),
            ("critical alerts", self.n_critical),
            ("other alerts", self.n_warning),
            ("first alert batch", self.first_alert_batch),
            ("batches without outcomes", names(self.unlabelled_batches)),
        ]
        for metric, change in self.metric_changes.items():
            rows.append((f"{metric} (reference)", change.reference))
            rows.append((f"{metric} (since onset)", change.after))
        if self.impact is not None:
            imp = self.impact
            rows += [
                ("extra missed defaults", imp.extra_missed_defaults),
                ("extra good customers declined", imp.extra_false_alarms),
                ("cost of missed defaults", imp.missed_default_cost),
                ("cost of declined good customers", imp.false_alarm_cost),
                ("estimated cost", imp.cost),
                ("estimated cost, 95% low", imp.cost_low),
                ("estimated cost, 95% high", imp.cost_high),
                ("assumed loss per missed default", imp.costs.missed_default),
                ("assumed loss per good customer declined", imp.costs.false_alarm),
                ("compared with", imp.counterfactual),
            ]
        return pd.DataFrame({"fact": [r[0] for r in rows],
                             "value": pd.Series([r[1] for r in rows], dtype=object)})


# --------------------------------------------------------------------------- loading


def load_result(source):
    """Return a monitoring result from a result object or a path to a monitoring store.

    A path is read with ``MonitorResult.from_store`` when the monitor provides it, else straight
    from the store's tables.
    """
    if isinstance(source, (str, os.PathLike)):
        path = pathlib.Path(source)
        if not path.exists():
            raise FileNotFoundError(
                f"No monitoring store at {path}: run `modellab monitor ... --store {path}` first, "
                f"or pass a MonitorResult."
            )
        try:
            from modellab.monitor import MonitorResult
        except ImportError:
            MonitorResult = None
        if MonitorResult is not None and hasattr(MonitorResult, "from_store"):
            return MonitorResult.from_store(path)
        return _read_store(path)
    if not hasattr(source, "history") or not hasattr(source, "alerts"):
        raise TypeError(
            f"Expected a MonitorResult (with .history and .alerts) or a path to a monitoring store, "
            f"got {type(source).__name__}: run Monitor(reference).run(production) first."
        )
    return source


def _read_store(path: pathlib.Path):
    from modellab.monitor.store import MonitorStore

    with MonitorStore(path, readonly=True) as store:
        meta = store.get_meta()
        return SimpleNamespace(
            history=store.read_history(),
            drift=store.read_table("drift"),
            histograms=store.read_table("histograms"),
            alerts=store.read_table("alerts"),
            reference=meta.get("reference_metrics") or {},
            meta=meta,
        )


def _frame_or_empty(result, name: str) -> pd.DataFrame:
    value = getattr(result, name, None)
    if value is None:
        return pd.DataFrame()
    if not isinstance(value, pd.DataFrame):
        raise TypeError(f"result.{name} must be a pandas DataFrame, got {type(value).__name__}.")
    return value


def reference_metrics(result) -> dict:
    """Reference-period metrics of a result as a plain ``{name: float}`` dict."""
    ref = getattr(result, "reference", None)
    if ref is None:
        ref = getattr(result, "reference_metrics", None)
    if isinstance(ref, pd.DataFrame):
        if len(ref) != 1:
            raise ValueError(
                "result.reference is a DataFrame with several rows: pass one row of metrics."
            )
        ref = ref.iloc[0]
    if isinstance(ref, pd.Series):
        ref = ref.to_dict()
    if ref is None:
        ref = {}
    if not isinstance(ref, Mapping):
        raise TypeError(
            f"result.reference must be a mapping of metric -> value, got {type(ref).__name__}."
        )
    out = {}
    for key, value in ref.items():
        try:
            out[str(key)] = float(value)
        except (TypeError, ValueError):
            continue  # notes and other text
    return out


# --------------------------------------------------------------------------- facts


def _timestamp(value) -> pd.Timestamp | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    try:
        return pd.Timestamp(value)
    except (TypeError, ValueError):
        return None


def _drift_long(result, history: pd.DataFrame) -> pd.DataFrame:
    drift = _frame_or_empty(result, "drift")
    if len(drift):
        require_columns(drift, ["batch", "column", "drifted"], "result.drift")
        return drift
    # Fall back on the wide drift_<feature> / effect_<feature> history columns.
    rows = []
    for col in history.columns:
        if col.startswith("drift_") and col != "drift_share":
            name = col[len("drift_") :]
            effect = history.get(f"effect_{name}", pd.Series(np.nan, index=history.index))
            for batch, drifted, eff in zip(history["batch"], history[col], effect, strict=True):
                rows.append((batch, name, bool(drifted), float(eff)))
    return pd.DataFrame(rows, columns=["batch", "column", "drifted", "effect_size"])


def _feature_drifts(drift: pd.DataFrame, order: list, starts: dict) -> list[FeatureDrift]:
    """Features whose drift is sustained: drifted in two consecutive batches.

    One drifted batch among many is what a 5% test gives by chance; two in a row rarely is.
    A feature that drifted only in the latest batch is not confirmed yet (see
    :func:`_emerging`).
    """
    if drift.empty:
        return []
    position = {b: i for i, b in enumerate(order)}
    out = []
    for name, rows in drift.groupby("column", sort=True):
        flags = rows.groupby("batch", sort=False)["drifted"].any()
        flags = flags.reindex(order, fill_value=False).astype(bool).to_numpy()
        onset = None
        for i, hit in enumerate(flags):
            if hit and i + 1 < len(flags) and flags[i + 1]:
                onset = i
                break
        if onset is None:
            continue
        since = rows[rows["batch"].map(position) >= onset]
        effects = (
            since["effect_size"].astype(float) if "effect_size" in since else pd.Series(dtype=float)
        )
        latest = rows[rows["batch"] == order[-1]]
        out.append(
            FeatureDrift(
                name=str(name),
                onset_batch=order[onset],
                onset_start=starts.get(order[onset]),
                effect_size=float(effects.max()) if effects.notna().any() else float("nan"),
                latest_effect_size=float(latest["effect_size"].max())
                if "effect_size" in latest and len(latest)
                else float("nan"),
                method=str(rows["method"].iloc[-1]) if "method" in rows else "",
                kind=str(rows["kind"].iloc[-1]) if "kind" in rows else "",
                batches_drifted=int(flags[onset:].sum()),
                batches_since_onset=len(flags) - onset,
                drifted_now=bool(flags[-1]),
            )
        )
    # Biggest and earliest first: what a reader should look at.
    return sorted(
        out, key=lambda f: (-np.nan_to_num(f.effect_size, nan=-1.0), position[f.onset_batch])
    )


def _emerging(drift: pd.DataFrame, order: list, confirmed: list[FeatureDrift]) -> tuple[str, ...]:
    """Features drifted in the latest batch only: too early to tell chance from change."""
    if drift.empty:
        return ()
    known = {f.name for f in confirmed}
    latest = drift[(drift["batch"] == order[-1]) & drift["drifted"].astype(bool)]
    return tuple(sorted(str(c) for c in pd.unique(latest["column"]) if str(c) not in known))


def _metric_change(history, metric, ref, after_mask) -> MetricChange | None:
    if metric not in history.columns or metric not in ref:
        return None
    rows = history[after_mask & history[metric].notna()]
    if rows.empty:
        return None
    weights = (
        rows["n_labelled"].astype(float)
        if "n_labelled" in rows
        else pd.Series(1.0, index=rows.index)
    )
    if weights.sum() <= 0:
        weights = pd.Series(1.0, index=rows.index)
    after = float(np.average(rows[metric].astype(float), weights=weights))
    return MetricChange(
        metric=metric,
        reference=ref[metric],
        after=after,
        after_batches=tuple(rows["batch"].tolist()),
        n_labelled_after=int(rows["n_labelled"].sum()) if "n_labelled" in rows else len(rows),
    )


def _confusion(n: float, base_rate: float, recall: float, accuracy: float) -> np.ndarray:
    """``[tp, fn, fp, tn]`` from a period's labelled count, default rate, recall and accuracy."""
    defaults = n * base_rate
    tp = recall * defaults
    tn = accuracy * n - tp
    return np.array([tp, defaults - tp, n - defaults - tn, tn], dtype=float)


def _net_cost(cells: np.ndarray, ref_cells: np.ndarray, costs: CostAssumptions):
    """Extra FN, extra FP and net cost of ``cells`` against ``ref_cells``' recall and FP rate.

    Both arrays have ``[tp, fn, fp, tn]`` in their last axis; broadcasting bootstraps.
    """
    tp, fn, fp, tn = np.moveaxis(cells, -1, 0)
    rtp, rfn, rfp, rtn = np.moveaxis(ref_cells, -1, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        expected_fn = (tp + fn) * rfn / (rtp + rfn)
        expected_fp = (fp + tn) * rfp / (rfp + rtn)
    extra_fn, extra_fp = fn - expected_fn, fp - expected_fp
    return extra_fn, extra_fp, extra_fn * costs.missed_default + extra_fp * costs.false_alarm


#: Bootstrap resamples behind the cost interval (seeded: a report is reproducible).
N_BOOT = 2000


def _impact(history, after_mask, changes, ref, costs) -> BusinessImpact | None:
    recall = changes.get("recall")
    needed = ["base_rate", "n_labelled", "recall", "accuracy"]
    if recall is None or any(c not in history.columns for c in needed):
        return None
    if any(k not in ref or not math.isfinite(ref[k]) for k in ("recall", "accuracy", "base_rate")):
        return None
    rows = history[after_mask & history[needed].notna().all(axis=1)]
    rows = rows[rows["n_labelled"].astype(float) > 0]
    if rows.empty:
        return None
    per_batch = np.array([_confusion(*map(float, r)) for r in
                          rows[["n_labelled", "base_rate", "recall", "accuracy"]].to_numpy()])
    cells = np.clip(np.round(per_batch.sum(axis=0)), 0, None)
    n_ref = float(ref.get("n_labelled", ref.get("n", 0.0)) or 0.0)
    ref_cells = np.clip(np.round(_confusion(n_ref, ref["base_rate"], ref["recall"],
                                            ref["accuracy"])), 0, None) if n_ref > 0 else None
    if ref_cells is None or ref_cells[:2].sum() == 0 or ref_cells[2:].sum() == 0:
        # Without reference counts, fall back on the reference rates from a large sample.
        fpr = 1 - ref.get("specificity", float("nan"))
        ref_cells = np.array([ref["recall"], 1 - ref["recall"], fpr, 1 - fpr]) * 1e6
        if not np.isfinite(ref_cells).all():
            return None
    extra_fn, extra_fp, cost = _net_cost(cells, ref_cells, costs)
    rng = np.random.default_rng(0)
    n_after, n_reference = int(cells.sum()), int(ref_cells.sum())
    boot = rng.multinomial(n_after, cells / cells.sum(), size=N_BOOT).astype(float)
    boot_ref = rng.multinomial(n_reference, ref_cells / ref_cells.sum(), size=N_BOOT).astype(float)
    boot_cost = _net_cost(boot, boot_ref, costs)[2]
    boot_cost = boot_cost[np.isfinite(boot_cost)]
    low, high = (np.quantile(boot_cost, [0.025, 0.975]) if boot_cost.size
                 else (float("nan"), float("nan")))
    goods = float(cells[2] + cells[3])
    return BusinessImpact(
        defaults_after=float(cells[0] + cells[1]),
        recall_reference=recall.reference,
        recall_after=recall.after,
        extra_missed_defaults=float(extra_fn),
        cost=float(cost),
        loans_labelled_after=int(rows["n_labelled"].sum()),
        costs=costs,
        good_loans_after=goods,
        false_alarm_rate_reference=float(ref_cells[2] / (ref_cells[2] + ref_cells[3])),
        false_alarm_rate_after=float(cells[2] / goods) if goods else float("nan"),
        extra_false_alarms=float(extra_fp),
        missed_default_cost=float(extra_fn * costs.missed_default),
        false_alarm_cost=float(extra_fp * costs.false_alarm),
        cost_low=float(low),
        cost_high=float(high),
    )



def _n_scored(history: pd.DataFrame) -> int:
    """Rows that received a score: ``n`` times the batch's ``scored_share`` (a history stored
    before the monitor counted unscored rows has no ``scored_share``: every row was scored)."""
    if "n" not in history.columns:
        return 0
    if "scored_share" not in history.columns:
        return int(history["n"].sum())
    share = pd.to_numeric(history["scored_share"], errors="coerce")
    return int(np.round((history["n"] * share).sum(min_count=1)) if share.notna().any() else 0)

def gather_facts(
    result,
    *,
    model_name: str | None = None,
    primary_metric: str = "roc_auc",
    costs: CostAssumptions | None = None,
    min_change: float = 0.02,
) -> ReportFacts:
    """Compute the :class:`ReportFacts` of a monitoring result.

    Parameters
    ----------
    result : MonitorResult or path
        The monitoring result, or a path to its store.
    model_name : str, optional
        Name used in the text; default ``"the model"``.
    primary_metric : str
        The headline performance metric, a name of the metric registry
        (:data:`modellab.metrics._registry.METRICS`); its direction decides what a
        deterioration is (a rising Brier score is one).
    costs : CostAssumptions, optional
        Prices for the business impact (both kinds of error); the course's illustrative
        defaults when omitted.
    min_change : float
        Smallest fall of the headline metric (absolute) reported as a material drop.

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> h = pd.DataFrame({"batch": [0, 1, 2], "n": [500] * 3, "n_labelled": [500] * 3,
    ...                   "roc_auc": [0.80, 0.71, 0.70]})
    >>> d = pd.DataFrame({"batch": [0, 1, 2], "column": ["income"] * 3,
    ...                   "effect_size": [0.01, 0.4, 0.5], "drifted": [False, True, True]})
    >>> a = pd.DataFrame({"batch": [1], "rule": ["auc"], "severity": ["critical"]})
    >>> f = gather_facts(SimpleNamespace(history=h, drift=d, alerts=a, reference={"roc_auc": 0.81}))
    >>> f.onset_batch, [x.name for x in f.drifted_features], f.status
    (1, ['income'], 'action')
    >>> f
    ReportFacts(status='action', batches=3, onset_batch=1 (drift), drifted=['income'], alerts=1 (1 critical), roc_auc 0.81 -> 0.70)
    >>> f.to_frame().head(3)
                    fact      value
    0              model  the model
    1             status     action
    2  batches monitored          3
    >>> round(f.metric_changes["roc_auc"].after, 3)
    0.705
    """
    if not isinstance(primary_metric, str) or primary_metric not in METRICS:
        raise ValueError(
            f"primary_metric must be one of {list(METRICS)}, got {primary_metric!r}."
        )
    result = load_result(result)
    costs = CostAssumptions() if costs is None else costs
    if not isinstance(costs, CostAssumptions):
        raise TypeError(
            "costs must be a CostAssumptions(missed_default=..., false_alarm=..., currency=...)."
        )
    history = _frame_or_empty(result, "history")
    if history.empty:
        raise ValueError("result.history is empty: the monitor has not processed any batch yet.")
    require_columns(history, ["batch"], "result.history")
    alerts = _frame_or_empty(result, "alerts")
    if len(alerts):
        require_columns(alerts, ["batch"], "result.alerts")
    ref = reference_metrics(result)

    order = history["batch"].tolist()
    starts = (
        {b: _timestamp(s) for b, s in zip(history["batch"], history["start"], strict=True)}
        if "start" in history.columns
        else {}
    )
    drift_long = _drift_long(result, history)
    features = _feature_drifts(drift_long, order, starts)
    emerging = _emerging(drift_long, order, features)
    first_alert = alerts["batch"].iloc[0] if len(alerts) else None
    if len(alerts):
        position = {b: i for i, b in enumerate(order)}
        first_alert = min(alerts["batch"], key=lambda b: position.get(b, len(order)))

    onset, reason = None, ""
    if features:
        onset, reason = min((f.onset_batch for f in features), key=order.index), "drift"
    elif first_alert is not None:
        onset, reason = first_alert, "alert"
    after_mask = (
        history["batch"].map({b: i for i, b in enumerate(order)}) >= order.index(onset)
        if onset is not None
        else pd.Series(True, index=history.index)
    )

    changes = {}
    for metric in dict.fromkeys([primary_metric, *HIGHER_IS_BETTER, *LOWER_IS_BETTER,
                                 "base_rate"]):
        change = _metric_change(history, metric, ref, after_mask)
        if change is not None:
            changes[metric] = change
    impact = _impact(history, after_mask, changes, ref, costs)

    severity = (
        alerts["severity"]
        if "severity" in alerts.columns
        else pd.Series("warning", index=alerts.index)
    )
    n_critical = int((severity == "critical").sum())
    n_warning = int(len(alerts) - n_critical)
    headline = changes.get(primary_metric)
    dropped = headline is not None and headline.worse and headline.deterioration >= min_change
    if n_critical or (dropped and features):
        status = "action"
    elif len(alerts) or features or dropped:
        status = "watch"
    else:
        status = "ok"

    labelled = (
        history["n_labelled"]
        if "n_labelled" in history.columns
        else pd.Series(0, index=history.index)
    )
    return ReportFacts(
        model_name=model_name or "the model",
        batches=tuple(order),
        first_start=starts.get(order[0]),
        last_start=starts.get(order[-1]),
        n_rows=int(history["n"].sum()) if "n" in history.columns else 0,
        n_scored=_n_scored(history),
        n_labelled=int(labelled.sum()),
        primary_metric=primary_metric,
        reference_metrics=ref,
        onset_batch=onset,
        onset_start=starts.get(onset) if onset is not None else None,
        onset_reason=reason,
        drifted_features=tuple(features),
        emerging_features=emerging,
        metric_changes=changes,
        n_alerts=len(alerts),
        n_critical=n_critical,
        n_warning=n_warning,
        first_alert_batch=first_alert,
        unlabelled_batches=tuple(history.loc[labelled.to_numpy() == 0, "batch"].tolist()),
        impact=impact,
        status=status,
        costs=costs,
    )


# --------------------------------------------------------------------------- wording helpers


def fmt_metric(metric: str, value: float) -> str:
    """``0.8123`` -> ``'0.81'``; shares as percentages (``recall`` 0.62 -> ``'62%'``).

    Which metrics are shares is the registry's ``percent``; an unknown name is an error.
    """
    percent = _registry.get(metric).percent
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.0%}" if percent else f"{value:.2f}"


def fmt_date(ts: pd.Timestamp | None) -> str:
    return "" if ts is None else f"{ts.day} {ts:%B %Y}"


def round_significant(amount: float, digits: int = 2) -> float:
    """``amount`` rounded to ``digits`` significant figures: ``150317`` -> ``150000.0``.

    >>> round_significant(150317), round_significant(4_870), round_significant(0)
    (150000.0, 4900.0, 0.0)
    """
    if amount == 0 or not math.isfinite(amount):
        return float(amount)
    return float(round(amount, digits - 1 - math.floor(math.log10(abs(amount)))))


#: Significant figures of a money estimate in sentences and KPI tiles (tables stay exact).
MONEY_DIGITS = 2


def fmt_money(amount: float, currency: str, *, significant: int | None = None) -> str:
    """``EUR 150,317``; with ``significant=2`` rounded for prose: ``EUR 150,000``.

    Estimates carry no more precision than their assumptions: sentences and headline
    tiles round them (to :data:`MONEY_DIGITS`), tables keep the exact number.

    >>> fmt_money(150317.4, "EUR"), fmt_money(150317.4, "EUR", significant=2)
    ('EUR 150,317', 'EUR 150,000')
    """
    if significant is not None:
        amount = round_significant(amount, significant)
    return f"{currency} {amount:,.0f}"


def metric_name(metric: str) -> str:
    """The metric's label in the registry: ``"roc_auc"`` -> ``"ROC-AUC"``.

    >>> metric_name("base_rate")
    'default rate'
    """
    if metric in _OTHER_NAMES:
        return _OTHER_NAMES[metric]
    return _registry.get(metric).label


#: History quantities a report plots that are not model metrics (not in the registry).
_OTHER_NAMES = {"drift_share": "drift share"}


def metric_title(metric: str) -> str:
    """:func:`metric_name` at the start of a title: first letter upper-cased only
    (``"ROC-AUC"`` stays ``"ROC-AUC"``, ``"recall"`` becomes ``"Recall"``)."""
    name = metric_name(metric)
    return name[:1].upper() + name[1:]


def metric_gloss(metric: str) -> str:
    """The metric's label with its plain-language gloss, for a reader who is not a data
    scientist: ``"recall (the share of defaults the model catches)"``."""
    gloss = METRIC_GLOSS.get(metric, "")
    return f"{metric_name(metric)} ({gloss})" if gloss else metric_name(metric)

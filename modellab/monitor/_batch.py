"""The batch core: a mergeable summary of a batch's rows, and the one way it becomes a row.

A :class:`BatchSummary` holds what a batch's history row, drift rows and histogram rows
are computed from: the drift counts over the reference's profile
(:meth:`DriftDetector.summarise`), confusion counts at the decision threshold, per-class
score histograms on bins fixed by the reference scores (ROC-AUC, PR-AUC), sums for the
Brier score, the mean score and the flag rate, the number of rows scored, and the first
timestamp (with the row count, the per-batch part of service health,
:mod:`modellab.monitor.health`), with segments the confusion counts of each segment
(:class:`modellab.metrics.segment_counts.SegmentCounts`, which the segment gaps come from),
and with a contract its mergeable summary (:func:`modellab.contracts.summarise`). Rows
without a score (the model did not score them) count in ``n`` and in the drift and
missing-value counts, and in no model metric. The feature
histograms are a view of the drift counts (:meth:`ReferenceProfile.histograms`), so each
chunk is counted once. Summaries of any split of the rows merge (:meth:`BatchSummary.merge`)
into the summary of all of them; :func:`batch_result` turns one into the
:attr:`MonitorResult.history` row (plus drift and histogram rows).

:class:`Plan` says what to summarise (it travels to Dask workers as is);
:class:`DatasetSummary` is ``{batch id: BatchSummary}`` for many batches.
:func:`modellab.scale.monitor_parquet` builds summaries chunk by chunk from Parquet files
(:mod:`modellab.scale._chunked`), in this process or on Dask.

Guarantees against :meth:`Monitor.run` on the same rows (tested in ``tests/test_scale.py``
and ``tests/test_monitor_properties.py``)
---------------------------------------------------------------------------------------
- **Exact**: every count (``n``, ``n_labelled``, ``n_current``, ``n_missing``,
  ``n_unseen``, confusion counts, per segment too), the threshold metrics (accuracy,
  precision, recall, F1, base rate, positive rate), the segment gaps and their bootstrap
  intervals (drawn from the counts with the same seed), missing and non-finite rates,
  the histograms, and every
  drift statistic computed from counts (KS statistic and p-value, chi-squared, PSI,
  Jensen-Shannon), hence the drift flags and the drift share.
- **Equal up to floating-point summation order** (relative error ~1e-12): the mean
  score, the Brier score, and the Wasserstein effect size (it uses sums of values).
- **Approximate**: ROC-AUC and PR-AUC, which depend on how every score ranks against
  every other, come from the score histograms (bins of equal reference mass, edges the
  reference scores' quantiles, outer bins open, so decision scores work like
  probabilities). ROC-AUC counts pairs of a positive and a negative in the same bin as
  half-ordered, so it is off by at most ``roc_auc_max_error`` = half the share of such
  pairs (reported per batch; below 0.002 with 1,000 bins on the course scenarios).
  PR-AUC (average precision with each bin as one threshold) has no such bound; it stays
  within 0.01 of scikit-learn's on the course scenarios.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from modellab._validate import as_binary_labels, as_numeric
from modellab.drift import DriftDetector, FrameCounts
from modellab.metrics import ConfusionCounts
from modellab.metrics.classification import format_note, undefined_reasons
from modellab.monitor._batch_ids import batch_keys, order_batches
from modellab.monitor.store import DRIFT_COLUMNS


@dataclass
class BatchSummary:
    """Mergeable summary of the rows of one batch id (see the module docstring)."""

    rows: int
    counts: FrameCounts
    confusion: ConfusionCounts | None = None
    pos_hist: np.ndarray | None = None
    neg_hist: np.ndarray | None = None
    sq_error: float = 0.0
    score_sum: float = 0.0
    score_n: int = 0  # rows with a score (scored_share = score_n / rows)
    pred_sum: float = 0.0
    pred_n: int = 0
    start: pd.Timestamp | None = None
    seen: tuple = (0, 0)  # (file index, row in file) of the batch's first row
    # (labels with NaN, scores) of every scored row, kept only when the plan is exact (Monitor.run
    # on rows in memory): ROC-AUC, PR-AUC, Brier and confidence intervals then come from
    # scikit-learn on the rows, not from the histograms.
    exact: tuple | None = None
    # calibrated-score summary for performance estimation (Plan.estimator), mergeable
    estimate: object | None = None
    # {segment column: SegmentCounts} of the labelled scored rows (Plan.segments), mergeable
    segments: dict | None = None
    # modellab.contracts.ContractSummary of all the rows (Plan.contract), mergeable
    contract: object | None = None

    def merge(self, other: BatchSummary) -> BatchSummary:
        def add(a, b):
            return None if a is None else a + b

        starts = [s for s in (self.start, other.start) if s is not None and not pd.isna(s)]
        return BatchSummary(
            self.rows + other.rows, self.counts.merge(other.counts),
            add(self.confusion, other.confusion), add(self.pos_hist, other.pos_hist),
            add(self.neg_hist, other.neg_hist), self.sq_error + other.sq_error,
            self.score_sum + other.score_sum, self.score_n + other.score_n,
            self.pred_sum + other.pred_sum, self.pred_n + other.pred_n,
            min(starts) if starts else None,
            min(self.seen, other.seen),
            None if self.exact is None or other.exact is None else tuple(
                np.concatenate([a, b]) for a, b in zip(self.exact, other.exact, strict=True)),
            _merge_optional(self.estimate, other.estimate),
            _merge_segments(self.segments, other.segments),
            _merge_optional(self.contract, other.contract),
        )


def _merge_segments(a, b):
    if a is None or b is None:
        return a if b is None else b
    return {c: a[c].merge(b[c]) for c in a}


def _merge_optional(a, b):
    """Merge two optional summaries (a chunk with no scored rows has none)."""
    return b if a is None else a if b is None else a.merge(b)


@dataclass
class DatasetSummary:
    """``{batch id: BatchSummary}`` plus the files read and skipped; merge with :meth:`merge`."""

    batches: dict = field(default_factory=dict)
    files_read: int = 0
    skipped: list = field(default_factory=list)
    lacking: dict = field(default_factory=dict)  # {file name: optional columns it lacks}

    def merge(self, other: DatasetSummary) -> DatasetSummary:
        batches = dict(self.batches)
        for key, summary in other.batches.items():
            batches[key] = batches[key].merge(summary) if key in batches else summary
        return DatasetSummary(batches, self.files_read + other.files_read,
                              [*self.skipped, *other.skipped], {**self.lacking, **other.lacking})

    def notes(self, plan: Plan) -> list[str]:
        """One sentence per file lacking an optional column, saying how its rows count."""
        meaning = {plan.target: "its rows count as unlabelled",
                   plan.prediction: "its decisions are score >= threshold",
                   plan.timestamp: "its rows give no start time"}
        meaning.update({c: "its rows count in the segment (missing)"
                        for c in plan.segments or ()})
        contract = "the contract counts its rows as a column_in_dataframe violation"
        return [
            f"{name} has no {col!r} column: {meaning.get(col, contract)}."
            for name in sorted(self.lacking) for col in self.lacking[name]
        ]

    @property
    def n_rows(self) -> int:
        return sum(b.rows for b in self.batches.values())

    def total(self) -> BatchSummary:
        """All batches merged into one, for the overall metrics and drift (segment counts
        and contract summaries are per batch: batches' rows interleave in files, and a
        contract summary refuses to merge overlapping row spans)."""
        from dataclasses import replace

        parts = [replace(b, segments=None, contract=None) for b in self.batches.values()]
        out = parts[0]
        for p in parts[1:]:
            out = out.merge(p)
        return out


# --------------------------------------------------------------------------- the plan
@dataclass
class Plan:
    """What to read from each file and how to summarise it (sent to Dask workers as is)."""

    detector: DriftDetector
    by: str | None = None
    target: str | None = None
    score: str | None = None
    prediction: str | None = None
    timestamp: str | None = None
    threshold: float = 0.5
    score_edges: np.ndarray | None = None  # inner edges of the score bins (monitor.score_edges)
    metrics: tuple = ()
    monitor: object | None = None  # a Monitor, for histogram counts (None: no histograms)
    exact: bool = False  # keep the rows' labels and scores (see BatchSummary.exact)
    ci: bool | float = False  # exact only: bootstrap intervals, as modellab.metrics.by_batch
    n_boot: int = 200
    seed: int = 0
    rows_name: str = ""  # prefix of column names in messages, e.g. "production "
    # a fitted modellab.estimate.PerformanceEstimator: estimated_<metric> columns (labels pending)
    estimator: object | None = None
    # {column: SegmentSpec} fixed at fit: each segment's metric against the rest of its batch
    # (modellab.metrics.segment_counts), from counts merged over chunks
    segments: dict | None = None
    segment_metric: str = "recall"
    # a pandera schema every batch is checked against (modellab.contracts), chunk by chunk
    contract: object | None = None

    @property
    def features(self) -> list[str]:
        return list(self.detector.columns_)

    @property
    def columns(self) -> list[str]:
        """Columns every file must have (a file without one is skipped)."""
        extra = [self.by, self.score]
        return list(dict.fromkeys([*self.features, *[c for c in extra if c]]))

    @property
    def optional(self) -> list[str]:
        """Columns read where a file has them: a file without labels counts as unlabelled,
        without predictions as ``score >= threshold``, without timestamps as no start."""
        extra = [self.target, self.prediction, self.timestamp, *(self.segments or ())]
        if self.contract is not None:  # a file without one is a violation, not a skipped file
            from modellab.contracts import contract_columns

            extra += [c for c in contract_columns(self.contract) if isinstance(c, str)]
        return list(dict.fromkeys(c for c in extra if c and c not in self.columns))

    def summarise(self, frame: pd.DataFrame, origin: tuple = (0, 0)) -> dict:
        """``{batch id: BatchSummary}`` of one chunk whose first row is at ``origin``
        (file index, row in file)."""
        if self.by is None:
            return {None: self.summarise_rows(frame)}
        keys = frame[self.by]
        if keys.isna().any():
            raise ValueError(
                f"column {self.by!r} has missing batch ids: fill or drop those rows."
            )
        codes, uniques = pd.factorize(batch_keys(keys).to_numpy(dtype=object))
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
        out = {}
        for i, key in enumerate(uniques):
            rows = order[bounds[i]:bounds[i + 1]]
            part = frame if len(uniques) == 1 else frame.take(rows)
            out[key] = self.summarise_rows(part, (origin[0], origin[1] + int(rows[0])))
        return out

    def summarise_rows(self, frame: pd.DataFrame, origin: tuple = (0, 0)) -> BatchSummary:
        """The :class:`BatchSummary` of rows that all belong to one batch, the first at
        ``origin`` (file index, row in file)."""
        counts = self.detector.profile_.summarise(frame)
        out = BatchSummary(len(frame), counts, seen=tuple(origin))
        if self.contract is not None:
            from modellab.contracts import summarise

            out.contract = summarise(self.contract, frame, tuple(origin))
        if self.timestamp and self.timestamp in frame.columns:
            out.start = pd.to_datetime(frame[self.timestamp]).min()
        if self.score is None:
            return out
        s = as_numeric(frame[self.score], f"{self.rows_name}column {self.score!r}",
                       allow_nan=True, allow_empty=True)
        if np.isinf(s).any():
            raise ValueError(f"{self.rows_name}column {self.score!r} contains infinite values: pass finite scores.")
        # A missing score is a row the model did not score: it counts in n (and scored_share),
        # never in a model metric.
        scored = ~np.isnan(s)
        if not scored.all():
            frame, s = frame[scored], s[scored]
        out.score_sum, out.score_n = float(s.sum()), int(s.size)
        predictions = (frame[self.prediction]
                       if self.prediction and self.prediction in frame.columns else None)
        from modellab.monitor.monitor import decisions

        chosen = decisions(predictions, s, self.threshold, f"{self.rows_name}column {self.prediction!r}")
        out.pred_sum, out.pred_n = float(chosen.sum()), int(chosen.size)
        if self.target is None or self.target not in frame.columns or not s.size:
            y = np.full(s.size, np.nan)
        else:
            y = as_binary_labels(frame[self.target], f"{self.rows_name}column {self.target!r}", allow_nan=True)
        from modellab.metrics import confusion_counts

        out.confusion = (confusion_counts(y, s, self.threshold) if s.size
                         else ConfusionCounts(0, 0, 0, 0))
        labelled = ~np.isnan(y)
        yl, sl = y[labelled], s[labelled]
        n_bins = len(self.score_edges) + 1
        bins = np.searchsorted(self.score_edges, sl, side="right")
        out.pos_hist = np.bincount(bins[yl == 1], minlength=n_bins)
        out.neg_hist = np.bincount(bins[yl == 0], minlength=n_bins)
        out.sq_error = float(np.dot(yl - sl, yl - sl))
        if self.estimator is not None and len(frame):
            out.estimate = self.estimator.summarise(frame)
        if self.segments:
            from modellab.metrics.segment_counts import SegmentCounts

            out.segments = {c: SegmentCounts.of(spec.labels(frame), y, chosen)
                            for c, spec in self.segments.items()}
        if self.exact:
            out.exact = (y, s)
        return out


def drift_table(detector: DriftDetector, counts: FrameCounts, cache: dict | None = None
                ) -> pd.DataFrame:
    """:meth:`DriftDetector.test_counts`, with all-missing columns reported, not raised.

    Like :class:`modellab.monitor.Monitor`: columns with no finite values are not tested
    (``method`` ``"none"``, not drifted) and the others are tested together.
    """
    empty = [c for c in detector.columns_ if counts[c].n == 0]
    if not empty:
        return detector.test_counts(counts)
    tested = tuple(c for c in detector.columns_ if c not in empty)
    cache = {} if cache is None else cache
    parts = []
    if tested:
        if tested not in cache:
            cache[tested] = detector.restrict(tested)
        sub = FrameCounts({c: counts[c] for c in tested}, counts.n_rows)
        parts.append(cache[tested].test_counts(sub))
    parts.append(pd.DataFrame({
        "column": empty, "kind": [detector.kinds_[c] for c in empty], "method": "none",
        "drifted": False,
        "reason": ["no values to test (all missing)" if not counts[c].n_nonfinite
                   else "no finite values to test (all missing or infinite)" for c in empty],
        "n_current": 0, "n_missing": [counts[c].n_missing for c in empty],
        "n_nonfinite": [counts[c].n_nonfinite for c in empty],
    }))
    table = pd.concat(parts, ignore_index=True).set_index("column").loc[detector.columns_]
    return table.reset_index()


def score_aucs(pos: np.ndarray, neg: np.ndarray) -> tuple[float, float, float]:
    """ROC-AUC, its largest possible error, and PR-AUC from per-class score histograms."""
    n_pos, n_neg = int(pos.sum()), int(neg.sum())
    roc = bound = pr = np.nan
    if n_pos and n_neg:
        below = np.cumsum(neg) - neg  # negatives in lower bins
        pairs = float(n_pos) * n_neg
        roc = float((pos * (below + 0.5 * neg)).sum() / pairs)
        bound = float(0.5 * (pos.astype(np.float64) * neg).sum() / pairs)
    if n_pos:
        tp, fp = np.cumsum(pos[::-1]), np.cumsum(neg[::-1])  # thresholds from the top bin
        keep = (pos[::-1] + neg[::-1]) > 0
        precision = tp[keep] / (tp[keep] + fp[keep])
        recall = tp[keep] / n_pos
        pr = float(np.sum(np.diff(np.concatenate([[0.0], recall])) * precision))
    return roc, bound, pr


def metrics_row(b: BatchSummary, names) -> dict:
    """Monitor's performance columns from one batch summary."""
    c = b.confusion
    row: dict = {"n": b.rows, "n_labelled": c.n}
    roc, bound, pr = score_aucs(b.pos_hist, b.neg_hist)
    values = {
        "roc_auc": roc, "pr_auc": pr, "accuracy": c.accuracy, "precision": c.precision,
        "recall": c.recall, "f1": c.f1, "specificity": c.specificity,
        "brier": b.sq_error / c.n if c.n else np.nan, "base_rate": c.base_rate,
    }
    for m in names:
        row[m] = float(values[m])
    row["positive_rate"] = b.pred_sum / b.pred_n if b.pred_n else np.nan
    row["mean_score"] = b.score_sum / b.score_n if b.score_n else np.nan
    # undefined_reasons only looks at which counts are zero: one row per non-zero cell.
    cells = [(1, 1, c.tp), (1, 0, c.fn), (0, 1, c.fp), (0, 0, c.tn)]
    y = np.array([t for t, _, k in cells if k], dtype=np.float64)
    p = np.array([q for _, q, k in cells if k], dtype=np.float64)
    row["_note"] = format_note(undefined_reasons(y, p, names))
    row["_roc_bound"] = bound
    row["scored_share"] = b.score_n / b.rows if b.rows else np.nan
    return row


def ordered_keys(summary: DatasetSummary, order="auto") -> list:
    """Batch ids in the order :meth:`Monitor.run` judges them (see ``order_batches``)."""
    batches = summary.batches
    starts = {k: (pd.NaT if b.start is None else b.start) for k, b in batches.items()}
    seen = {k: b.seen for k, b in batches.items()}
    return order_batches(list(batches), starts=starts, seen=seen, order=order)


def batch_result(plan: Plan, key, b: BatchSummary, cache: dict | None = None, *,
                 with_drift: bool = True) -> tuple[dict, pd.DataFrame, pd.DataFrame | None, dict]:
    """History row, drift rows, histogram rows and long tables of one batch: the one ``to_row``.

    :meth:`Monitor.run` (one summary per batch, exact) and the chunked path (summaries
    merged over chunks, files or Dask partitions) both build their rows here. The row has
    the columns of :attr:`MonitorResult.history`, plus ``roc_auc_max_error`` when ROC-AUC
    comes from the score histograms; ``cache`` keeps restricted detectors between
    batches; ``with_drift=False`` (the reference row) leaves drift out (share 0). The
    tables are ``{"segments": ..., "contract": ...}`` for what the plan has (else ``{}``).
    """
    row = {"batch": key, "start": b.start if b.start is not None else pd.NaT}
    metrics = metrics_row(b, plan.metrics)
    note, bound = metrics.pop("_note"), metrics.pop("_roc_bound")
    if b.exact is not None and b.exact[0].size:
        metrics, bound = _exact_metrics(plan, b, metrics), None
        note = metrics.pop("_note")
    row.update(metrics)
    if plan.estimator is not None and b.estimate is not None:
        row.update(estimated_columns(plan.estimator, key, b.estimate))
    # Data quality: shares of the batch's rows whose value is missing (NaN) or non-finite
    # (+-inf); the drift tests use the finite rest.
    missing = {f: b.counts[f].n_missing / b.rows for f in plan.features}
    nonfinite = {f: b.counts[f].n_nonfinite / b.rows for f in plan.features}
    drift = hist = None
    if with_drift:
        # The long per-feature table (one row per feature) ...
        table = drift_table(plan.detector, b.counts, cache)
        drift = table.assign(
            batch=key, drifted=table["drifted"].astype(bool),
            missing_rate=table["column"].map(missing).astype(float),
            nonfinite_rate=table["column"].map(nonfinite).astype(float),
        )[DRIFT_COLUMNS].reset_index(drop=True)
        row["drift_share"] = float(drift["drifted"].mean())
        row.update(wide_view(drift, plan.features))  # ... and its wide view in the row
        # Histograms are a view of the same counts (each chunk is read once).
        hist = None if plan.monitor is None else plan.monitor.histograms_from_counts(b.counts)
    else:
        row["drift_share"] = 0.0
        row.update({f"missing_{f}": missing[f] for f in plan.features})
        row.update({f"nonfinite_{f}": nonfinite[f] for f in plan.features})
    row["note"] = note
    if bound is not None:
        row["roc_auc_max_error"] = bound
    tables = {}
    if plan.segments:
        tables["segments"] = segment_table(plan, key, b.segments or {})
    if plan.contract is not None:
        from modellab.monitor.store import CONTRACT_COLUMNS

        tables["contract"] = b.contract.violations().assign(batch=key)[CONTRACT_COLUMNS]
        row["contract_violations"] = len(tables["contract"])
    return row, drift, hist, tables


def segment_table(plan: Plan, key, counts: dict) -> pd.DataFrame:
    """The batch's segment gaps (:data:`modellab.monitor.store.SEGMENT_COLUMNS`), from its
    segment counts, with :func:`modellab.metrics.segment_gaps`' defaults and a generator
    seeded with ``plan.seed`` per column (as ``segment_gaps(..., seed=plan.seed)``)."""
    from modellab.metrics.segment_counts import ALPHA, MIN_CLASS, MIN_ROWS, gaps_from_cells
    from modellab.monitor.store import SEGMENT_COLUMNS

    rows = []
    for column, spec in plan.segments.items():
        cells = counts[column].cells if column in counts else {}
        spec.check_levels(cells)
        levels = spec.order(list(cells))
        found = gaps_from_cells(
            levels, np.array([cells[v] for v in levels]).reshape(-1, 4), plan.segment_metric,
            alpha=ALPHA, n_boot=plan.n_boot, rng=np.random.default_rng(plan.seed),
            min_rows=MIN_ROWS, min_class=MIN_CLASS)
        rows.extend({"batch": key, "column": column, **r} for r in found)
    return pd.DataFrame(rows, columns=SEGMENT_COLUMNS).astype({"segment": str})


def estimated_columns(estimator, key, summary) -> dict:
    """``estimated_<metric>`` (with ``_lower``, ``_upper``, ``_alert``) of one batch, from its
    merged :class:`~modellab.estimate.EstimateSummary`: the estimator's own
    :meth:`~modellab.estimate.PerformanceEstimator.estimate_summaries`, laid out as
    :func:`modellab.estimate.with_estimates` lays it out."""
    from modellab.estimate import with_estimates

    wide = with_estimates(pd.DataFrame({"batch": [key]}),
                          estimator.estimate_summaries({key: summary}))
    return {c: (bool(v) if c.endswith("_alert") else float(v))
            for c, v in wide.iloc[0].items() if c != "batch"}


def wide_view(drift: pd.DataFrame, features) -> dict:
    """``drift_<f>``, ``effect_<f>``, ``missing_<f>``, ``nonfinite_<f>`` history columns of
    one batch, from its long per-feature rows (the drift rows): the wide view lessons and
    rules read."""
    by = drift.set_index("column")
    out = {f"drift_{f}": bool(by.at[f, "drifted"]) for f in features}
    out.update({f"effect_{f}": float(by.at[f, "effect_size"]) for f in features})
    out.update({f"missing_{f}": float(by.at[f, "missing_rate"]) for f in features})
    out.update({f"nonfinite_{f}": float(by.at[f, "nonfinite_rate"]) for f in features})
    return out


def _exact_metrics(plan: Plan, b: BatchSummary, counted: dict) -> dict:
    """The labelled metrics (and intervals) from the rows themselves, via
    :func:`modellab.metrics.by_batch`; label-free ones stay as counted."""
    from modellab.metrics import by_batch

    y, s = b.exact
    perf = by_batch(
        pd.DataFrame({"label": y, "score": s, "batch": 0}), target="label", score="score",
        by="batch", metrics=plan.metrics, threshold=plan.threshold, ci=plan.ci,
        n_boot=plan.n_boot, seed=plan.seed,
    ).iloc[0]
    out = {"n": counted["n"], "n_labelled": int(perf["n_labelled"])}  # n: scored or not
    out.update({c: float(perf[c]) for c in perf.index
                if c not in ("batch", "n", "n_labelled", "note")})
    for c in ("positive_rate", "mean_score", "scored_share"):
        out[c] = counted[c]
    out["_note"] = str(perf["note"])
    return out

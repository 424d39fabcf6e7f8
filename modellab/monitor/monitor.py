"""The :class:`Monitor`: metrics, drift and alert rules over production batches.

A monitor learns from a reference period (scikit-learn style), then judges each
production batch against it:

1. **performance** on the rows whose label has arrived
   (:func:`modellab.metrics.by_batch`), plus two label-free signals: the share of
   positive predictions and the mean score;
2. **data drift** of every monitored feature (:class:`modellab.drift.DriftDetector`
   fitted on the reference), its effect size, and the share of drifted features;
3. **data quality**: the share of missing values per feature;
4. **service health** (:mod:`modellab.monitor.health`): rows per batch against the usual
   number, days since the previous batch against the cadence, the share of rows scored;
5. **alert rules** (:mod:`modellab.monitor.rules`) over the history so far.

With a ``store``, each batch's results are written to SQLite in one transaction
(:mod:`modellab.monitor.store`) and batches already stored are skipped, so a
scheduled job can call :meth:`Monitor.run` on everything and only new batches
cost time.

Each batch goes through the batch core (:mod:`modellab.monitor._batch`): its rows are
summarised into mergeable counts and turned into a history row by one function, the
same one :func:`modellab.scale.monitor_parquet` uses on counts merged over Parquet
chunks; :meth:`Monitor.run` is that core on one chunk per batch (with exact labelled
metrics from the rows). :meth:`Monitor.run_computed` does steps 4 (the history-level part
of health: :func:`modellab.monitor.health.health_table` on the history so far) and 5 and
the store for
batches computed elsewhere. Batches are judged in time order (see ``order=`` in
:meth:`Monitor.run`).
"""

from __future__ import annotations

import difflib
import json
import warnings

import numpy as np
import pandas as pd

from modellab._validate import Options, require_columns, require_frame
from modellab.metrics._registry import METRICS as METRIC_REGISTRY
from modellab.monitor import rules as _rules
from modellab.monitor._batch_ids import batch_key, batch_keys, order_batches
from modellab.monitor.result import MonitorResult
from modellab.monitor.store import MonitorStore, _json_default

#: Metrics computed on labelled rows, in history order (names and facts in
#: :mod:`modellab.metrics._registry`).
PERFORMANCE_METRICS: tuple[str, ...] = _rules.LABELLED_METRICS
_RESERVED = ("batch", "timestamp")
# What makes two runs comparable: a store refuses a monitor that differs in any of these.
_STORE_IDENTITY = ("target", "score", "prediction", "features", "threshold", "metrics",
                   "drift_method", "drift_options", "estimator", "segments", "segment_bins",
                   "segment_edges",
                   "segment_metric", "contract_schema", "contract_checks", "expected_rows",
                   "cadence_days")
#: History columns of service health derived from the history so far (the rest of
#: :data:`modellab.monitor.health.HEALTH_COLUMNS` is per batch: n, start, scored_share).
_HEALTH_DERIVED = ("expected_rows", "volume_ratio", "gap_days", "cadence_days", "late",
                   "arrival_delay_days")


class Monitor:
    """Monitor a binary classifier's production batches against a reference period.

    Learn from a reference period, then judge production batches, scikit-learn style:
    ``Monitor(reference, **options)`` is shorthand for ``Monitor(**options).fit(reference)``
    (options are keyword-only). Fitting learns the drift profile (``detector_``, whose bins
    the histograms show), the reference metrics (``reference_``), the reference score
    quantiles (``score_quantiles_``), the metric set (``metrics_``), the monitored
    features (``features_``: ``features`` as given, or learned), the decision threshold
    (``threshold_``) and the store's path (``store_``); the parameters stay as given.

    Parameters
    ----------
    reference : DataFrame, optional
        The reference period: features, the ``target`` (0/1, labels required), the
        ``score`` and optionally the ``prediction``. Without it, call :meth:`fit`.
    target : str, default "default"
        Column of 0/1 outcomes. In production ``NaN`` means "label not arrived yet"; a
        production frame without this column counts as entirely unlabelled.
    score : str, default "score"
        Column of model scores (probability of the positive class).
    prediction : str, default "prediction"
        Column of 0/1 decisions, used for ``positive_rate`` when present; otherwise
        ``score >= threshold``.
    features : list of str, optional
        Columns watched for drift and missing values. Default: every reference column
        except ``target``, ``score``, ``prediction``, ``batch`` and ``timestamp``.
    rules : list of rules, optional
        Alert rules; default :func:`modellab.monitor.default_rules`.
    store : str or path-like, optional
        SQLite file keeping the history (created if missing). ``None`` keeps it in memory.
    threshold : float, optional
        Decision threshold for threshold metrics (precision, recall, ...): a row is a
        predicted positive when ``score >= threshold``. Default: read from the reference
        when it has a ``prediction`` column (the roundest number separating its 0 and 1
        decisions; an error if no threshold reproduces them), else 0.5.
    ci : bool or float, default False
        Add bootstrap confidence intervals (``<metric>_low``/``<metric>_high`` columns).
    n_boot : int, default 200
        Bootstrap resamples per batch when ``ci`` is on.
    seed : int, default 0
        Seed for the bootstrap.
    drift_method : str, default "auto"
        Method of :class:`modellab.drift.DriftDetector`.
    drift_options : dict, optional
        Other keyword arguments for the drift detector.
    n_bins : int, optional
        Reference-quantile bins per numeric feature, the same in
        :attr:`MonitorResult.histograms` and in the chi2/PSI/Jensen-Shannon drift tests
        (the drift detector's ``bins``: one binning, the detector's fitted profile);
        default ``drift_options["bins"]``, else 10.
    on_existing : {"skip", "replace"}, default "skip"
        What :meth:`run` does with a batch already in the store: keep the stored
        results (re-runs add nothing), or recompute and overwrite them.
    estimator : PerformanceEstimator or True, optional
        Estimate performance before labels arrive (:mod:`modellab.estimate`): a copy of
        the estimator (``True``: ``PerformanceEstimator()`` on the metrics it can estimate)
        is fitted on the reference with this monitor's ``target``, ``score`` and
        ``threshold``, and every batch's history row gains ``estimated_<metric>`` with
        ``_lower``/``_upper`` (the band where the realised value should fall) and
        ``_alert`` (the estimate left the reference band). The estimate comes from the
        batch summary, so :func:`modellab.scale.monitor_parquet` computes it too. Rules:
        :class:`~modellab.estimate.EstimatedMetricDropFrom`,
        :class:`~modellab.estimate.EstimationGapAbove`.
    segments : list of str, or dict of {column: bins}, optional
        Columns to look inside the average by (:func:`modellab.metrics.segment_gaps`:
        each segment's ``segment_metric`` against the rest of its batch, with a
        Bonferroni-corrected bootstrap interval of ``n_boot`` draws); a dict gives the
        bins of numeric columns (an int: that many quantile bins *of the reference*, outer
        bins open, so every batch uses the same segments; a list: edges). Fixed at fit in
        ``segment_specs_``. Results: :attr:`MonitorResult.segments`. Rule:
        :class:`~modellab.monitor.SegmentBehind`.
    segment_metric : str, default "recall"
        Metric compared between segments. Threshold metrics and the base rate come from
        each segment's confusion counts (:mod:`modellab.metrics.segment_counts`), so
        :func:`modellab.scale.monitor_parquet` computes them chunk by chunk, equal to
        :meth:`run`; ranking and probability metrics (``"roc_auc"``, ``"brier"``, ...) need
        the rows: :meth:`run` only (``monitor_parquet`` refuses such a monitor).
    expected_rows : float, optional
        The usual rows per batch, for service health's ``volume_ratio`` (rule
        :class:`~modellab.monitor.VolumeOutside`). Default: the median rows per batch of
        the reference when it has a ``batch`` column, else the median over the batches
        judged so far (the batch itself included), as
        :func:`~modellab.monitor.health.service_health` computes it.
    cadence_days : float, optional
        Days between batches, for ``gap_days`` and ``late`` (rule
        :class:`~modellab.monitor.BatchLate`, which needs a ``timestamp`` column: a batch
        starts at its earliest). Default: the reference's median gap when it has
        ``batch`` and ``timestamp`` columns, else the median gap so far.
    contract : pandera.DataFrameSchema or True, optional
        Data contract every batch is validated against (:func:`modellab.contracts.validate`;
        ``True`` infers it from the reference features with
        :func:`modellab.contracts.infer_contract`). Violations:
        :attr:`MonitorResult.contract`, their count in the history's
        ``contract_violations``. Rule: :class:`~modellab.monitor.ContractViolated`. From
        mergeable summaries (:func:`modellab.contracts.summarise`), so
        :func:`modellab.scale.monitor_parquet` checks it chunk by chunk too.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> def period(n, shift=0.0):
    ...     x = rng.normal(shift, 1, n)
    ...     y = (rng.random(n) < 1 / (1 + np.exp(-2 * x))).astype(float)
    ...     return pd.DataFrame({"x": x, "default": y, "score": 1 / (1 + np.exp(-2 * x))})
    >>> reference = period(2000)
    >>> production = pd.concat([period(1000).assign(batch=0), period(1000, 1.0).assign(batch=1)])
    >>> result = Monitor(reference).run(production)
    >>> result.history[["batch", "n", "drift_share"]]
       batch     n  drift_share
    0      0  1000          0.0
    1      1  1000          1.0
    >>> result.alerts["rule"].tolist()
    ["MetricRiseFrom(metric='base_rate', by=0.05, severity='warning', min_labelled=200)", ...]
    """

    def __init__(
        self,
        reference: pd.DataFrame | None = None,
        *,
        target: str = "default",
        score: str = "score",
        prediction: str = "prediction",
        features=None,
        rules=None,
        store=None,
        threshold: float | None = None,
        ci: bool | float = False,
        n_boot: int = 200,
        seed: int = 0,
        drift_method: str = "auto",
        drift_options: dict | None = None,
        n_bins: int | None = None,
        on_existing: str = "skip",
        estimator=None,
        segments=None,
        segment_metric: str = "recall",
        contract=None,
        expected_rows: float | None = None,
        cadence_days: float | None = None,
    ):
        for name, value in (("target", target), ("score", score), ("prediction", prediction)):
            if not isinstance(value, str) or not value:
                raise TypeError(f"{name} must be a column name, got {value!r}.")
        Options(("skip", "replace"))(on_existing, "on_existing")
        self.target, self.score, self.prediction = target, score, prediction
        self.ci, self.n_boot, self.seed = ci, n_boot, seed
        self.on_existing = on_existing
        self.rules = _rules.check_rules(rules)
        self.estimator, self.segments, self.contract = estimator, segments, contract
        self.segment_metric = segment_metric
        self._segment_bins = _check_segments(segments)
        for name, value in (("expected_rows", expected_rows), ("cadence_days", cadence_days)):
            if value is not None:
                _rules._check_number(value, name, positive=True)
        self.expected_rows, self.cadence_days = expected_rows, cadence_days
        _check_options(estimator, contract, segment_metric)
        self.drift_method = drift_method
        self.drift_options = dict(drift_options or {})
        self.n_bins = n_bins
        # Parameters stay as given (scikit-learn): fit puts what it learns in features_,
        # threshold_ and store_ (the store's resolved path).
        self.features, self.threshold, self.store = features, threshold, store
        if reference is not None:
            self.fit(reference)

    def fit(self, reference: pd.DataFrame) -> Monitor:
        """Learn from the reference period: drift profile, reference metrics, threshold.

        ``Monitor(reference, ...)`` is ``Monitor(...).fit(reference)``. Sets
        ``features_`` and ``threshold_`` (the ``features`` and ``threshold`` parameters as
        given, or learned from the reference when ``None``), ``detector_``,
        ``reference_``, ``score_quantiles_``, ``metrics_``, and opens the store
        (``store_``, its path), refusing one written by a monitor set up differently.
        Parameters are never changed by fitting (scikit-learn's rule).

        Returns
        -------
        Monitor
            ``self``, fitted.
        """
        from modellab.drift import DriftDetector
        from modellab.metrics.classification import check_threshold

        for key in ("_plans", "_sub_detectors"):
            self.__dict__.pop(key, None)
        reference = require_frame(reference, "reference")
        target, score, prediction = self.target, self.score, self.prediction
        if target not in reference.columns:
            raise ValueError(
                f"reference has no target column {target!r}: the monitor needs the reference "
                f"labels to learn the reference metrics. Pass target='<label column>' "
                f"(columns: {list(reference.columns)[:20]})."
            )
        require_columns(reference, [score], "reference")
        threshold = self.threshold
        self.threshold_ = (
            _infer_threshold(reference, score, prediction) if threshold is None
            else check_threshold(threshold)
        )
        self.features_ = self._check_features(reference, self.features)
        self._check_rule_features()

        labels = reference[target]
        if not labels.notna().any():
            raise ValueError(
                f"reference column {target!r} has no labels (all missing): the reference "
                f"period must have known outcomes."
            )
        n_bins = self.n_bins
        bins = self.drift_options.get("bins", 10 if n_bins is None else n_bins)
        if n_bins is not None and bins != n_bins:
            raise ValueError(
                f"n_bins={n_bins!r} and drift_options['bins']={bins!r} disagree: histograms "
                f"show the drift bins, so give only one of them."
            )
        self.detector_ = DriftDetector(
            method=self.drift_method, **{**self.drift_options, "bins": bins}
        ).fit(reference[self.features_])
        self._metrics = self._metric_names(reference)
        self.score_quantiles_ = _score_quantiles(reference[score], score)
        self.expected_rows_, self.cadence_days_ = self._health_yardsticks(reference)
        self._fit_extras(reference)
        ref = reference.assign(batch="reference")
        ref_row, _, _ = self._batch_row(ref, "reference", with_drift=False)
        self.reference_ = {k: v for k, v in ref_row.items() if k not in ("batch", "start", "note")}
        self._check_reference_for_rules()
        store = self.store
        self.store_ = None if store is None else MonitorStore(store).path
        if self.store_ is not None:
            self._init_store()
        return self

    def _health_yardsticks(self, reference) -> tuple:
        """``(expected_rows, cadence_days)``: as given, else the reference's batches' when it
        has a ``batch`` column (and ``timestamp`` for the cadence), else ``None`` (the median
        of the batches so far, at each batch)."""
        from modellab.monitor.health import health_table

        rows, days = self.expected_rows, self.cadence_days
        if "batch" in reference.columns and (rows is None or days is None):
            ids = batch_keys(reference["batch"]).to_numpy(dtype=object)
            groups = pd.Series(np.arange(len(reference))).groupby(ids)
            starts = (pd.to_datetime(reference["timestamp"]).groupby(ids).min()
                      if "timestamp" in reference.columns else pd.Series(pd.NaT, groups.size().index))
            facts = pd.DataFrame({"batch": groups.size().index, "n": groups.size().to_numpy(),
                                  "start": starts.reindex(groups.size().index).to_numpy(),
                                  "scored_share": np.nan}).sort_values("start", kind="stable")
            learned = health_table(facts).iloc[0]
            rows = float(learned["expected_rows"]) if rows is None else rows
            if days is None and not np.isnan(learned["cadence_days"]):
                days = float(learned["cadence_days"])
        return (None if rows is None else float(rows)), (None if days is None else float(days))

    def _fit_extras(self, reference) -> None:
        """Fit the estimator and the contract, and check the rules have what they read."""
        self.estimator_ = self.contract_ = None
        from modellab.metrics.segment_counts import fit_segment

        # Segments are fixed now (quantile bins are the reference's), so every batch and every
        # chunk of one puts a row in the same segment.
        self.segment_specs_ = {}
        for column, bins in self._segment_bins.items():
            if column not in reference.columns:
                raise ValueError(
                    f"segments names {column!r}, which the reference lacks: segments are "
                    f"learned from the reference, so give it that column (columns: "
                    f"{list(reference.columns)[:20]})."
                )
            self.segment_specs_[column] = fit_segment(reference, column, bins)
        if self.estimator is not None:
            from sklearn.base import clone

            from modellab.estimate import ESTIMABLE, PerformanceEstimator

            base = (PerformanceEstimator(metrics=[m for m in ESTIMABLE if m in self._metrics])
                    if self.estimator is True else clone(self.estimator))
            self.estimator_ = base.set_params(
                target=self.target, score=self.score, threshold=self.threshold_).fit(reference)
        if self.contract is not None:
            from modellab.contracts import infer_contract

            self.contract_ = (infer_contract(reference, self.features_)
                              if self.contract is True else self.contract)
        have = {"history": True, "estimates": self.estimator_ is not None,
                "segments": bool(self._segment_bins), "contract": self.contract_ is not None,
                "health": True}
        option = {"estimates": "estimator=PerformanceEstimator(...) or estimator=True",
                  "segments": "segments=['<column>']", "contract": "contract=True"}
        for rule in self.rules:
            reads = _reads(rule)
            if not have[reads]:
                raise ValueError(
                    f"{rule!r} reads {reads}, which this monitor does not compute: build "
                    f"the Monitor with {option[reads]}."
                )
            metric = getattr(rule, "metric", None)
            if reads == "estimates" and metric not in self.estimator_.metrics_:
                raise ValueError(
                    f"{rule!r} reads estimated_{metric}, but the estimator estimates "
                    f"{list(self.estimator_.metrics_)}: add {metric!r} to its metrics."
                )
            if reads == "segments" and metric != self.segment_metric:
                raise ValueError(
                    f"{rule!r} judges {metric!r} between segments, but this monitor compares "
                    f"{self.segment_metric!r}: pass segment_metric={metric!r}."
                )

    def _check_fitted(self) -> None:
        if "detector_" not in self.__dict__:
            raise ValueError(
                "This Monitor is not fitted yet: call monitor.fit(reference) first, or build "
                "it as Monitor(reference, ...)."
            )

    @property
    def metrics_(self) -> tuple[str, ...]:
        """Performance metrics this monitor computes, in history order (read-only).

        :data:`PERFORMANCE_METRICS`, less ``brier`` when the reference scores are not
        probabilities (outside [0, 1]). Learned from the reference when the monitor is
        created.
        """
        return tuple(self._metrics)

    # ---------------------------------------------------------------- validation
    def _check_features(self, reference, features) -> list[str]:
        skip = {self.target, self.score, self.prediction, *_RESERVED}
        if features is None:
            features = [c for c in reference.columns if c not in skip]
            if not features:
                raise ValueError(
                    "reference has no feature columns besides target/score/prediction: pass "
                    "features=[...] or add the model inputs to the reference."
                )
        elif isinstance(features, str) or not hasattr(features, "__iter__"):
            raise TypeError(f"features must be a list of column names, got {features!r}.")
        features = list(dict.fromkeys(features))
        if not features:
            raise ValueError("features is empty: pass at least one column name, or None for all.")
        require_columns(reference, features, "reference")
        clash = [f for f in features if f in skip]
        if clash:
            raise ValueError(f"features {clash} are the target/score/prediction/batch columns: leave them out.")
        # The wide history names per-feature results drift_<f>, effect_<f>, missing_<f>:
        # none may be a per-batch column (a feature "share" would overwrite drift_share).
        per_batch = {*PERFORMANCE_METRICS, "positive_rate", "mean_score", "drift_share",
                     "roc_auc_max_error", "n", "n_labelled", "start", "note"}
        taken = [f for f in features
                 if {f"drift_{f}", f"effect_{f}", f"missing_{f}", f"nonfinite_{f}"} & per_batch]
        if taken:
            raise ValueError(
                f"feature(s) {taken} would name history columns the monitor already uses "
                f"(e.g. drift_{taken[0]}): rename them, e.g. "
                f"reference.rename(columns={{{taken[0]!r}: {taken[0] + '_'!r}}}) and the same "
                f"for production."
            )
        return features

    def _check_rule_features(self) -> None:
        for rule in self.rules:
            feature = getattr(rule, "feature", None)
            if feature is not None and feature not in self.features_:
                raise ValueError(f"{rule!r} names {feature!r}, which is not monitored. Monitored features: {self.features_}.")

    def _check_reference_for_rules(self) -> None:
        for rule in self.rules:
            if isinstance(rule, (_rules.MetricDropFrom, _rules.MetricRiseFrom)):
                value = self.reference_.get(rule.metric, np.nan)
                if np.isnan(value):
                    raise ValueError(
                        f"{rule!r} compares with the reference, but {rule.metric} is undefined on "
                        f"the reference (e.g. only one class among its labels): use an absolute "
                        f"rule such as MetricBelow, or a reference with both classes."
                    )

    def _metric_names(self, reference) -> list[str]:
        s = pd.to_numeric(reference[self.score], errors="coerce")
        if s.min() >= 0 and s.max() <= 1:
            return list(PERFORMANCE_METRICS)
        # not probabilities: the Brier score (and any metric reading probabilities) is meaningless
        return [m for m in PERFORMANCE_METRICS if not METRIC_REGISTRY[m].needs_probabilities]

    def _check_production(self, production, by) -> pd.DataFrame:
        production = require_frame(production, "production")
        if not isinstance(by, str):
            raise TypeError(f"by must be a column name such as 'batch', got {by!r}.")
        require_columns(production, [by], "production")
        missing = [c for c in self.features_ if c not in production.columns]
        if missing:
            raise ValueError(
                f"production lacks monitored feature column(s) {missing}: send the same "
                f"columns as the reference, or build the Monitor with features=[...] that "
                f"leave them out."
            )
        require_columns(production, [self.score], "production")
        lacking = [c for c in self._segment_bins if c not in production.columns]
        if lacking:
            raise ValueError(
                f"production lacks segment column(s) {lacking}: send them with the batches, "
                f"or build the Monitor without them in segments=."
            )
        if production[by].isna().any():
            raise ValueError(f"production column {by!r} has missing batch ids: fill or drop those rows.")
        return production

    # ---------------------------------------------------------------- store
    def _config(self) -> dict:
        return {
            "target": self.target, "score": self.score, "prediction": self.prediction,
            "threshold": self.threshold_, "features": self.features_,
            "metrics": list(self._metrics), "drift_method": self.drift_method,
            "drift_options": self.drift_options,
            "feature_kinds": {f: self._kind(f) for f in self.features_},
            "reference_metrics": self.reference_,
            "rules": [r.to_dict() for r in self.rules],
            "rule_names": [r.name for r in self.rules],
            "estimated_metrics": [] if self.estimator_ is None else list(self.estimator_.metrics_),
            "segments": list(self._segment_bins), "segment_metric": self.segment_metric,
            "contract": self.contract_ is not None,
            "segment_bins": {c: b for c, b in self._segment_bins.items()},
            # the bins fitted from the reference's quantiles (segments={"age": 4})
            "segment_edges": {c: list(s.edges) for c, s in self.segment_specs_.items()
                              if s.kind == "bins" and not s.explicit},
            "contract_schema": None if self.contract_ is None else _contract_yaml(self.contract_),
            # checks written as functions, which the YAML leaves out
            "contract_checks": [] if self.contract_ is None else _custom_checks(self.contract_),
            "estimator": None if self.estimator_ is None else _estimator_spec(self.estimator_),
            "expected_rows": self.expected_rows_, "cadence_days": self.cadence_days_,
        }

    def _kind(self, feature) -> str:
        return self.detector_.profile_.columns[feature].source_kind

    def _init_store(self) -> None:
        with MonitorStore(self.store_) as store:
            meta = store.get_meta()
            if "features" in meta:
                config = self._config()
                for key in _STORE_IDENTITY:
                    ours = json.loads(json.dumps(config[key], default=_json_default))
                    if key in meta and meta[key] != ours:
                        raise ValueError(
                            f"{self.store_} was written by a monitor with "
                            f"{_differs(key, meta[key], ours)}: one store holds one monitoring "
                            f"set-up, so its history stays comparable. Start a new store "
                            f"(store='<new file>'), or build the Monitor with the store's "
                            f"{'contract' if key.startswith('contract') else key}."
                        )
                # Keep the first reference metrics, so a re-run never rewrites history's yardstick.
                config = self._config()
                config["reference_metrics"] = meta.get("reference_metrics", self.reference_)
                store.set_meta({k: v for k, v in config.items()
                                if k in ("rules", "rule_names") or k not in meta})
            else:
                store.set_meta(self._config())

    # ---------------------------------------------------------------- one batch
    def _plan(self, *, exact: bool = True, histograms: bool = True, score_bins: int = 1000,
              by=None, available=None, rows_name: str = ""):
        """The batch core's plan for this monitor (:class:`modellab.monitor._batch.Plan`).

        ``exact`` (in memory): labelled metrics from the rows; otherwise from counts and
        score histograms (``score_bins`` bins of equal reference mass). ``available``:
        the columns the data have anywhere (label, prediction and timestamp columns
        absent from all of them are left out); ``None`` reads them where present.
        """
        from modellab.monitor._batch import Plan

        def present(column):
            return column if available is None or column in available else None

        return Plan(
            detector=self.detector_, by=by, target=present(self.target), score=self.score,
            prediction=present(self.prediction), timestamp=present("timestamp"),
            threshold=self.threshold_,
            score_edges=score_edges(self.score_quantiles_, score_bins),
            metrics=tuple(self._metrics), monitor=self if histograms else None,
            exact=exact, ci=self.ci, n_boot=self.n_boot, seed=self.seed,
            rows_name=rows_name, estimator=self.__dict__.get("estimator_") if histograms else None,
            segments=self._counted_segments() if histograms else None,
            segment_metric=self.segment_metric,
            contract=self.__dict__.get("contract_") if histograms else None,
        )

    def _counted_segments(self) -> dict | None:
        """Segment specs when the segment metric comes from confusion counts (the batch core
        computes the gaps, in memory and chunk by chunk); ``None`` otherwise (ranking and
        probability metrics: :meth:`_row_tables` computes them from the rows)."""
        from modellab.metrics.segment_counts import COUNT_METRICS

        specs = self.__dict__.get("segment_specs_")
        return specs if specs and self.segment_metric in COUNT_METRICS else None

    def _batch_row(self, frame, key, *, with_drift=True):
        """History row, drift rows and histogram rows of one batch: the batch core on one
        chunk (:func:`modellab.monitor._batch.batch_result`)."""
        from modellab.monitor._batch import batch_result

        if "_plans" not in self.__dict__:
            self._plans = {True: self._plan(rows_name="production "),
                           False: self._plan(histograms=False, rows_name="reference ")}
        plan = self._plans[with_drift]
        cache = self.__dict__.setdefault("_sub_detectors", {})
        row, drift, hist, extras = batch_result(plan, key, plan.summarise_rows(frame), cache,
                                                with_drift=with_drift)
        if not with_drift:
            return row, drift, hist
        return row, drift, hist, {**extras, **self._row_tables(frame, key)}

    def _row_tables(self, frame, key) -> dict:
        """Per-segment gaps on a ranking or probability metric of one batch, from its rows
        (threshold metrics and contract violations come from the batch core's summary)."""
        from modellab.monitor.store import SEGMENT_COLUMNS

        out = {}
        if self._segment_bins and self._counted_segments() is None:
            from modellab.metrics.segments import segment_gaps

            prediction = self.prediction if self.prediction in frame.columns else None
            parts = []
            for column, spec in self.segment_specs_.items():
                # the segments fixed at fit, as text the gaps keep (then in the spec's order)
                labels = spec.labels(frame)
                spec.check_levels(labels.categories)
                labelled = frame.assign(**{column: np.asarray(labels, dtype=object)})
                gaps = segment_gaps(labelled, column, self.segment_metric, self.target,
                                    self.score, prediction, by=None, n_boot=self.n_boot,
                                    seed=self.seed)
                rank = {name: i for i, name in enumerate(spec.order(list(gaps["segment"])))}
                gaps = gaps.sort_values("segment", key=lambda s: s.map(rank), kind="stable")
                parts.append(gaps.assign(batch=key, column=column))
            table = pd.concat(parts, ignore_index=True)
            table["segment"] = table["segment"].astype(str)
            out["segments"] = table[SEGMENT_COLUMNS]
        return out

    # ---------------------------------------------------------------- histograms by chunks
    def histogram_counts(self, chunk: pd.DataFrame):
        """Counts of ``chunk`` over the drift detector's fitted bins (its profile's
        :meth:`~modellab.drift.ReferenceProfile.summarise`): one binning for drift and
        histograms.

        Counts of several chunks of one batch add up (``counts_a[f] + counts_b[f]``, or
        ``FrameCounts.merge``); :meth:`histograms_from_counts` turns the sum into the
        batch's histogram rows.
        """
        chunk = require_frame(chunk, "chunk")
        require_columns(chunk, self.features_, "chunk")
        return self.detector_.profile_.summarise(chunk[self.features_])

    def histograms_from_counts(self, counts) -> pd.DataFrame:
        """Histogram rows of one batch (:attr:`MonitorResult.histograms` without ``batch``)
        from summed :meth:`histogram_counts`: the same as computing them from all its rows.
        """
        missing = [f for f in self.features_ if f not in counts]
        if missing:
            raise ValueError(
                f"counts lack feature(s) {missing}: pass the (summed) output of "
                f"monitor.histogram_counts(chunk)."
            )
        try:
            return self.detector_.profile_.histograms(counts)
        except ValueError as err:
            raise ValueError(
                f"counts do not match this monitor's histogram bins ({err}): pass the output "
                f"of monitor.histogram_counts(chunk) from this monitor."
            ) from None

    # ---------------------------------------------------------------- running
    def run(self, production: pd.DataFrame, by: str = "batch", *, order="auto",
            source=None) -> MonitorResult:
        """Monitor every batch of ``production`` in time order and return the results.

        Parameters
        ----------
        production : DataFrame
            Production rows: the features, ``score``, a ``by`` column naming the batch,
            optionally the ``target`` (``NaN`` = not yet labelled), ``prediction`` and a
            ``timestamp``.
        by : str, default "batch"
            Column with the batch ids (whole numbers or text; ``1`` and ``"1"`` are the
            same batch).
        order : {"auto", "time", "id", "appearance"} or list of ids, default "auto"
            The order batches are judged in (alert rules read the history in order): by
            first ``timestamp`` when every batch has one, else by id with numbers inside
            text compared as numbers ("week 2" before "week 10"); ids with no such order
            are an error unless ``order`` says (see
            :func:`modellab.monitor._batch_ids.order_batches`).
        source : str, optional
            Where the rows came from (e.g. a file name), recorded in the store.

        Returns
        -------
        MonitorResult
            Without a store: the batches of ``production``. With a store: the store's
            whole history after this run (earlier runs included); ``new_batches`` lists the
            batches computed now.
        """
        self._check_fitted()
        production = self._check_production(production, by)
        ids = batch_keys(production[by]).to_numpy(dtype=object)
        codes, uniques = pd.factorize(ids)  # codes follow first appearance
        uniques = list(uniques)
        starts = {}
        if "timestamp" in production.columns:
            first = pd.to_datetime(production["timestamp"]).groupby(codes).min()
            starts = {uniques[i]: t for i, t in first.items()}
        keys = order_batches(uniques, starts=starts, order=order,
                             seen={k: i for i, k in enumerate(uniques)})
        rows = pd.Series(np.arange(len(production))).groupby(codes).indices
        code = {k: i for i, k in enumerate(uniques)}
        return self.run_computed(
            keys, lambda key: self._batch_row(production.iloc[rows[code[key]]], key),
            source=source,
        )

    def run_computed(self, keys, compute, *, source=None) -> MonitorResult:
        """Apply the rules to batches whose results are computed elsewhere, and keep them.

        :meth:`run` is ``run_computed`` with results computed from in-memory rows;
        :func:`modellab.scale.monitor_parquet` computes them from counts over Parquet
        files. Alerts, the store (one transaction per batch, stored batches skipped or
        replaced as ``on_existing`` says) and the returned result are the same either way.

        Parameters
        ----------
        keys : sequence
            Batch ids in processing order.
        compute : callable
            ``compute(key) -> (row, drift, histograms)`` for one batch, as the monitor
            computes them: ``row`` a :attr:`MonitorResult.history` row (a dict with at
            least ``batch``, ``start``, ``n``, ``n_labelled``, ``note`` and the columns
            the rules read), ``drift`` its :attr:`MonitorResult.drift` rows, and
            ``histograms`` its histogram rows without the ``batch`` column (as
            :meth:`histograms_from_counts` returns them). With a store, it is called only
            for the batches that are (re)computed.
        source : str, optional
            Where the rows came from, recorded in the store.

        Returns
        -------
        MonitorResult
            As :meth:`run` returns it.
        """
        self._check_fitted()
        if not callable(compute):
            raise TypeError(
                f"compute must be a function key -> (row, drift, histograms), got "
                f"{type(compute).__name__}."
            )
        keys = list(keys)
        if not keys:
            raise ValueError("keys is empty: pass the ids of the batches to record.")
        if self.store_ is None:
            return self._run_in_memory(keys, compute)
        new = []
        with MonitorStore(self.store_) as store:
            history = store.read_history()
            stored = set(history["batch"].tolist())
            for key in keys:
                k = batch_key(key)
                if k in stored and self.on_existing == "skip":
                    continue
                row, drift, hist, extras = _unpack(compute(key))
                before = history[history["batch"] != k]
                row = self._with_health(before, row)
                history = _append(before, row)
                alerts = self._alerts_for(history, k, extras, drift)
                store.write_batch(row, drift=drift, histograms=hist, alerts=alerts,
                                  source=source, replace=k in stored, tables=extras)
                new.append(k)
        result = MonitorResult.from_store(self.store_)
        return result._with(new_batches=new, rules=list(self.rules))

    def _run_in_memory(self, keys, compute) -> MonitorResult:
        rows, drifts, hists, alerts = [], [], [], []
        tables = {"segments": [], "contract": []}
        history = pd.DataFrame()
        for key in keys:
            k = batch_key(key)
            row, drift, hist, extras = _unpack(compute(key))
            row = self._with_health(history, row)
            rows.append(row)
            history = _append(history, row)
            drifts.append(drift)
            hists.append(hist.assign(batch=k))
            for name, table in extras.items():
                tables[name].append(table)
            alerts.append(self._alerts_for(history, k, extras, drift))
        hist_cols = ["batch", *[c for c in hists[0].columns if c != "batch"]]
        return MonitorResult(
            history=_history_frame(rows),
            drift=pd.concat(drifts, ignore_index=True),
            histograms=pd.concat(hists, ignore_index=True)[hist_cols],
            alerts=_concat_alerts(alerts),
            reference=dict(self.reference_),
            rules=list(self.rules),
            features=list(self.features_),
            config=self._config(),
            new_batches=[batch_key(k) for k in keys],
            segments=_long(tables["segments"], "segments"),
            contract=_long(tables["contract"], "contract"),
        )

    def _with_health(self, history: pd.DataFrame, row: dict) -> dict:
        """``row`` with service health's history-level columns (volume ratio, gap, cadence,
        lateness), from the batch facts of ``history`` (the other batches) up to it in time
        order and its own, by :func:`~modellab.monitor.health.health_table`: the derivation
        :func:`~modellab.monitor.health.service_health` uses, so the numbers are the same.
        In time order, so a replaced or late-loaded batch is judged against its predecessor;
        batches without a start time keep the order they were judged in."""
        from modellab.monitor.health import BATCH_FACTS, health_table

        new = pd.DataFrame([{c: row.get(c, np.nan) for c in BATCH_FACTS}])
        new["start"] = pd.to_datetime(new["start"])
        facts = new if history.empty else pd.concat(
            [history.reindex(columns=BATCH_FACTS), new], ignore_index=True)
        facts = facts.sort_values("start", kind="stable", na_position="last", ignore_index=False)
        upto = facts.index.get_loc(len(facts) - 1) + 1  # the new batch and those before it
        last = health_table(facts.iloc[:upto], expected_rows=self.expected_rows_,
                            cadence_days=self.cadence_days_).iloc[-1]
        derived = {c: float(last[c]) for c in _HEALTH_DERIVED}
        derived["late"] = bool(last["late"])
        out = {}
        for name, value in row.items():  # health columns together, after scored_share
            out[name] = value
            if name == "scored_share":
                out.update(derived)
        return {**out, **derived}

    def _alerts_for(self, history: pd.DataFrame, key, extras=None, drift=None) -> pd.DataFrame:
        """Alerts every rule raises on batch ``key``, judging the history up to it (segment
        and contract rules judge the batch's own segment gaps or contract violations; rules
        on features read the batch's long ``drift`` rows, never the wide column names)."""
        from modellab.monitor.health import BatchLate

        rows = []
        last = history.iloc[[-1]].reset_index(drop=True)
        extras = extras or {}
        for rule in self.rules:
            reads = _reads(rule)
            if reads in ("segments", "contract"):
                if reads not in extras:
                    raise ValueError(
                        f"{rule!r} reads the batch's {reads} table, which was not computed for "
                        f"batch {key!r}: {reads} come from the rows (Monitor.run), not from "
                        f"counts merged over files."
                    )
                fired = rule.alert_rows(extras[reads], self.reference_)
                rows.extend(r for r in fired if r["batch"] == key)
                continue
            if isinstance(rule, BatchLate) and pd.isna(last["start"].iloc[0]):
                raise ValueError(
                    f"{rule!r} judges the days between batches, but batch {key!r} has no start "
                    f"time: give production a 'timestamp' column (each batch starts at its "
                    f"earliest), or leave BatchLate out of rules."
                )
            # Most rules judge a batch on its own row; only stateful ones replay the history.
            fired = rule.alert_rows(history if rule.needs_history else last, self.reference_,
                                    drift=drift)
            rows.extend(r for r in fired if r["batch"] == key)
        return _rules.alerts_frame(rows)

    @staticmethod
    def load_history(path) -> MonitorResult:
        """Everything stored in the monitoring store at ``path`` (see :meth:`MonitorResult.from_store`)."""
        return MonitorResult.from_store(path)

    def __repr__(self) -> str:
        store = f", store={str(self.store)!r}" if self.store is not None else ""
        features = len(self.features_) if "features_" in self.__dict__ else "not fitted"
        return (
            f"Monitor(target={self.target!r}, score={self.score!r}, "
            f"features={features}, rules={len(self.rules)}{store})"
        )


def _reads(rule) -> str:
    """What a rule judges: ``"history"`` (the wide rows), ``"estimates"`` (estimated
    columns of the rows), a batch's ``"segments"`` / ``"contract"`` long table, or
    ``"health"`` (service health's columns of the rows, :mod:`modellab.monitor.health`)."""
    from modellab.estimate.monitoring import EstimatedMetricDropFrom, EstimationGapAbove
    from modellab.monitor.health import BatchLate, ScoredShareBelow, VolumeOutside
    from modellab.monitor.segment_rules import ContractViolated, SegmentBehind

    if isinstance(rule, (VolumeOutside, BatchLate, ScoredShareBelow)):
        return "health"
    if isinstance(rule, (EstimatedMetricDropFrom, EstimationGapAbove)):
        return "estimates"
    if isinstance(rule, SegmentBehind):
        return "segments"
    if isinstance(rule, ContractViolated):
        return "contract"
    return "history"


def _estimator_spec(estimator) -> dict:
    """What identifies an estimator set-up in the store: its class and parameters."""
    return {"type": type(estimator).__name__,
            **{k: v for k, v in estimator.get_params(deep=False).items()}}


def _custom_checks(contract) -> list[dict]:
    from modellab.contracts import custom_checks

    return custom_checks(contract)


def _contract_yaml(contract) -> str:
    """``contract.to_yaml()`` without pandera's warning that checks written as functions are
    skipped: the store keeps those as ``contract_checks``."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Only registered checks may be serialized")
        return contract.to_yaml()


def _differs(key, stored, ours) -> str:
    """``key=<stored>, not <ours>`` for the refusal message; a contract by its differing
    lines, long values shortened."""
    if key == "contract_schema" and stored and ours:
        a, b = stored.splitlines(), ours.splitlines()
        diff = [line for line in difflib.unified_diff(a, b, "store", "this monitor", n=0,
                                                      lineterm="")][2:8]
        return "a different data contract (contract_schema; " + "; ".join(
            s.strip() for s in diff if not s.startswith("@@")) + ")"

    if key == "contract_checks" and isinstance(stored, list) and isinstance(ours, list):
        def named(checks):
            return {f"{c.get('column') or '(table)'}: {c.get('check')}": c for c in checks}

        a, b = named(stored), named(ours)
        changed = [n for n in dict.fromkeys([*a, *b]) if a.get(n) != b.get(n)]
        return "a data contract whose custom checks differ (contract_checks; " + "; ".join(
            f"{n} {'only in the store' if n not in b else 'only here' if n not in a else 'changed'}"
            for n in changed[:6]) + ")"

    def short(value):
        text = repr("<a data contract>" if key == "contract_schema" and value else value)
        return text if len(text) <= 80 or key != "estimator" else text[:77] + "..."

    if key in ("estimator", "segment_bins") and isinstance(stored, dict) and isinstance(ours, dict):
        keys = [k for k in dict.fromkeys([*stored, *ours]) if stored.get(k) != ours.get(k)]
        return f"a different {key} (" + "; ".join(
            f"{k}: {short(stored.get(k))} in the store, {short(ours.get(k))} here"
            for k in keys) + ")"
    return f"{key}={short(stored)}, not {short(ours)}"


def _check_segments(segments) -> dict:
    """``segments=`` as ``{column: bins or None}`` (``{}`` when not given)."""
    if segments is None:
        return {}
    if isinstance(segments, str):
        segments = [segments]
    if isinstance(segments, dict):
        out = dict(segments)
    elif isinstance(segments, (list, tuple)):
        out = dict.fromkeys(segments)
    else:
        raise TypeError(
            f"segments must be a list of column names or a dict {{column: bins}}, got "
            f"{type(segments).__name__}."
        )
    bad = [c for c in out if not isinstance(c, str) or not c]
    if bad or not out:
        raise ValueError(f"segments must name columns, e.g. segments=['region'], got {segments!r}.")
    return out


def _check_options(estimator, contract, segment_metric) -> None:
    from modellab.estimate import PerformanceEstimator
    from modellab.metrics.classification import check_metric_names

    if estimator is not None and estimator is not True and not isinstance(
            estimator, PerformanceEstimator):
        raise TypeError(
            f"estimator must be a modellab.estimate.PerformanceEstimator or True, got "
            f"{type(estimator).__name__}."
        )
    if contract is not None and contract is not True and not hasattr(contract, "validate"):
        raise TypeError(
            f"contract must be a pandera DataFrameSchema (modellab.contracts.infer_contract) or "
            f"True to infer it from the reference, got {type(contract).__name__}."
        )
    if not isinstance(segment_metric, str):
        raise TypeError(f"segment_metric must be a metric name such as 'recall', got {segment_metric!r}.")
    check_metric_names([segment_metric], allow_n=False)


def _unpack(result):
    """``(row, drift, histograms, tables)`` from what a ``compute`` returned (3 or 4 items)."""
    if isinstance(result, tuple) and len(result) == 3:
        return (*result, {})
    if isinstance(result, tuple) and len(result) == 4 and isinstance(result[3], dict):
        return result
    raise TypeError(
        "compute(key) must return (row, drift, histograms) or (row, drift, histograms, "
        "{'segments': ..., 'contract': ...})."
    )


def _long(parts, name) -> pd.DataFrame:
    from modellab.monitor.store import CONTRACT_COLUMNS, SEGMENT_COLUMNS

    columns = SEGMENT_COLUMNS if name == "segments" else CONTRACT_COLUMNS
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


def binary_decisions(values, name: str) -> np.ndarray:
    """0/1 decisions (booleans too) as float64, missing as ``NaN``; anything else refused.

    The reference's and production's ``prediction`` columns are checked by this one
    function, in memory and chunk by chunk: text such as "yes"/"no" or codes such as 0/2
    are an error naming the column, never a NaN or doubled positive rate.

    >>> binary_decisions(pd.Series([1, 0, None]), "prediction")
    array([ 1.,  0., nan])
    """
    series = pd.Series(values)
    if pd.api.types.is_bool_dtype(series.dtype) or series.dtype == object and series.map(
            lambda v: isinstance(v, (bool, np.bool_)) or pd.isna(v)).all():
        return series.astype("boolean").astype("Float64").to_numpy(dtype=np.float64,
                                                                    na_value=np.nan)
    numeric = pd.to_numeric(series, errors="coerce")
    text = series[numeric.isna() & series.notna()]
    arr = numeric.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = sorted({*map(str, text.unique()[:5])}) or np.unique(
        arr[~np.isnan(arr) & ~np.isin(arr, (0.0, 1.0))])[:5].tolist()
    if bad:
        raise ValueError(
            f"{name} must hold 0/1 decisions (1 = predicted positive); "
            f"found {bad}: encode the decisions as 0/1, or pass prediction='<other column>'."
        )
    return arr


def decisions(predictions, scores: np.ndarray, threshold: float, name: str) -> np.ndarray:
    """Each row's 0/1 decision: its ``prediction`` where given, else ``score >= threshold``.

    ``predictions`` is ``None`` when the rows have no prediction column. One rule for
    :meth:`Monitor.run` and the chunked path (``positive_rate`` is its mean).
    """
    by_score = (scores >= threshold).astype(np.float64)
    if predictions is None:
        return by_score
    p = binary_decisions(predictions, name)
    return np.where(np.isnan(p), by_score, p)


#: Reference score quantiles kept by a fitted Monitor (score bins for chunked ROC-/PR-AUC).
SCORE_QUANTILES = 10_000


def _score_quantiles(scores, name) -> np.ndarray:
    """The reference scores' quantiles at ``k / SCORE_QUANTILES``: where score bins go.

    The chunked path bins scores on these (not on [0, 1]), so decision scores (logits,
    margins) rank as well as probabilities.
    """
    s = pd.to_numeric(scores, errors="coerce").to_numpy(dtype=np.float64)
    s = s[np.isfinite(s)]
    if s.size == 0:
        raise ValueError(
            f"reference column {name!r} has no finite scores: pass the model's scores."
        )
    return np.quantile(s, np.linspace(0.0, 1.0, SCORE_QUANTILES + 1))


def score_edges(quantiles: np.ndarray, n_bins: int) -> np.ndarray:
    """Inner edges of ``n_bins`` score bins of equal reference mass (outer bins open).

    A score ``s`` falls in bin ``np.searchsorted(edges, s, side="right")``; repeated
    quantiles (tied reference scores) merge into one edge.
    """
    picks = np.round(np.linspace(0, len(quantiles) - 1, n_bins + 1)).astype(np.int64)
    return np.unique(quantiles[picks[1:-1]])


def _infer_threshold(reference, score, prediction) -> float:
    """The decision threshold the reference's ``prediction`` column was made with."""
    if prediction not in reference.columns:
        return 0.5
    s = pd.to_numeric(reference[score], errors="coerce").to_numpy(dtype=float)
    p = binary_decisions(reference[prediction], f"reference column {prediction!r}")
    ok = ~(np.isnan(s) | np.isnan(p))
    s, p = s[ok], p[ok]
    if not (p == 1).any() or not (p == 0).any():
        return 0.5
    low, high = s[p == 0].max(), s[p == 1].min()
    if low >= high:
        raise ValueError(
            f"reference column {prediction!r} is not 'score >= threshold' for any threshold: "
            f"pass threshold=... explicitly."
        )
    for decimals in range(1, 10):  # the roundest value that reproduces the decisions
        r = round(float(high), decimals)
        if low < r <= high:
            return r
    return float(high)


def _append(history: pd.DataFrame, row: dict) -> pd.DataFrame:
    new = _history_frame([row])
    if history.empty:
        return new
    return pd.concat([history, new], ignore_index=True)


def _history_frame(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["start"] = pd.to_datetime(frame["start"])
    frame["note"] = frame["note"].astype(str)
    return frame


def _concat_alerts(parts) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=_rules.ALERT_COLUMNS).astype({"value": float, "threshold": float})
    return pd.concat(parts, ignore_index=True)[_rules.ALERT_COLUMNS]

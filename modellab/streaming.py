"""Online change detectors for a stream of metric values or prediction errors.

Three detectors, one interface:

- :class:`PageHinkley` -- cumulative deviation from the running mean; adapts to slow wander.
- :class:`CUSUM` -- cumulative deviation from a fixed in-control mean (learned on a burn-in or
  given); the classic tabular CUSUM.
- :class:`DDM` -- the Drift Detection Method of Gama et al. (2004) for a 0/1 error stream.

Each has ``update(x) -> bool`` (``True`` when a change is detected), the flags
``drift_detected`` and ``warning_detected`` of the last update (as River's detectors; only
:class:`DDM` has a warning zone, the others never warn), ``get_params()``, ``reset()`` and
``run(values) -> DataFrame`` of detections with columns ``index`` (0-based position),
``label`` (the Series index label, or the position), ``value``, ``statistic`` and
``direction`` (``"increase"`` or ``"decrease"``). ``direction`` chooses what to watch:
``"increase"`` (an error rate going up), ``"decrease"`` (a metric such as ROC-AUC going down)
or ``"both"``.

After a detection the detector **resets** itself and starts learning the new regime as its
reference (a new burn-in where one applies), so one change is reported once and a later change
can still be found.

Every detector trades false alarms against detection delay through its threshold: a higher
threshold means fewer false alarms on a stable stream and a longer wait before a real change
is flagged. Missing values are refused (``ValueError``): drop or impute them first, because a
detector cannot tell "missing" from "changed".
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from modellab._validate import as_numeric, positive_int

DIRECTIONS = ("increase", "decrease", "both")
#: Burn-in of PageHinkley with ``min_samples=None`` while it must learn the scale.
DEFAULT_BURN_IN = 50
RUN_COLUMNS = ("index", "label", "value", "statistic", "direction")


def _check_direction(direction) -> str:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {list(DIRECTIONS)}, got {direction!r}.")
    return direction


def _check_positive(value, name: str, *, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {value!r}.")
    v = float(value)
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value}.")
    return v


def _check_min_samples(value) -> int | None:
    return None if value is None else positive_int(value, "min_samples")


def _check_value(x) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise TypeError(f"update() takes one number, got {x!r}; use run() for a sequence.")
    v = float(x)
    if math.isnan(v):
        raise ValueError(
            "update() got NaN: drop or impute missing values before the detector "
            "(e.g. series.dropna()); a detector cannot tell 'missing' from 'changed'."
        )
    if not math.isfinite(v):
        raise ValueError(f"update() got {v}: pass finite values.")
    return v


class _Detector:
    """Shared ``update``/``run`` machinery; subclasses implement ``_step`` and ``reset``."""

    direction: str

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        """Forget everything seen so far (parameters are kept)."""
        self.n_seen = 0
        self.statistic = 0.0
        self.drift_detected = False
        self.warning_detected = False
        self._reset_state()

    def get_params(self) -> dict:
        """The constructor parameters (scikit-learn/River style)."""
        return {k: getattr(self, k) for k in self._params}

    def _reset_state(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _step(self, x: float) -> str | None:  # pragma: no cover - abstract
        """Consume one value; return the direction of a detected change, or None."""
        raise NotImplementedError

    def _watch(self, side: str) -> bool:
        return self.direction in (side, "both")

    def update(self, x) -> bool:
        """Add one value; return ``True`` when a change is detected (the detector then resets).

        After a detection, ``last_detection`` holds ``(statistic, direction)`` of that alarm
        and ``drift_detected`` is ``True`` until the next update.
        """
        x = _check_value(x)
        self.n_seen += 1
        self.drift_detected = self.warning_detected = False
        found = self._step(x)
        if found is None:
            return False
        self.last_detection = (self.statistic, found)
        self._restart()
        self.drift_detected = True
        return True

    def _restart(self) -> None:
        """State after a detection: by default a full reset."""
        self.reset()

    def run(self, values, *, reset: bool = True) -> pd.DataFrame:
        """Feed every value in order; return one row per detection.

        Parameters
        ----------
        values : array-like or pandas.Series of float
            The stream, oldest first; ``NaN`` is refused.
        reset : bool, default True
            Start from a fresh detector; ``False`` continues from the current state (e.g. the
            next chunk of a stream; ``index`` is then relative to this chunk).

        Returns
        -------
        pandas.DataFrame
            Columns ``index, label, value, statistic, direction``; empty when nothing changed.
        """
        x = as_numeric(values, "values")
        if not np.isfinite(x).all():
            raise ValueError("values contains infinite values: pass finite numbers.")
        labels = values.index if isinstance(values, pd.Series) else pd.RangeIndex(len(x))
        if reset:
            self.reset()
        rows = []
        for i, v in enumerate(x):
            if self.update(v):
                stat, direction = self.last_detection
                rows.append((i, labels[i], v, stat, direction))
        out = pd.DataFrame(rows, columns=list(RUN_COLUMNS))
        out["index"] = out["index"].astype("int64")
        out["value"] = out["value"].astype("float64")
        out["statistic"] = out["statistic"].astype("float64")
        out["direction"] = out["direction"].astype("str")
        return out

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._params)
        return f"{type(self).__name__}({params})"


class _BurnIn:
    """Running mean and standard deviation (Welford), for learning the in-control level."""

    def __init__(self):
        self.n, self.mean, self._m2 = 0, 0.0, 0.0

    def add(self, x: float) -> None:
        self.n += 1
        d = x - self.mean
        self.mean += d / self.n
        self._m2 += d * (x - self.mean)

    @property
    def std(self) -> float:
        return math.sqrt(self._m2 / (self.n - 1)) if self.n > 1 else 0.0


class PageHinkley(_Detector):
    """Page-Hinkley test: alarm when the cumulative deviation from the running mean is large.

    Values are standardised by the stream's standard deviation, so ``delta`` and ``threshold``
    are in standard deviations and the defaults suit any metric (error rates around 0.1 as well
    as losses around 50). Measured on Gaussian streams with the defaults: a one-sd shift is
    found after about 17 values (median), a two-sd shift after about 6; with the scale learned
    on a 50-value burn-in, about 1 stationary stream in 10 of 2000 values raises a false alarm
    (``direction="both"``), about 1 in 20 after :meth:`fit` on a 200-value reference (with
    or without a burn-in), none in our runs with ``threshold=15, min_samples=100``.

    Parameters
    ----------
    delta : float, default 0.5
        Drift tolerated per value, in standard deviations: shifts smaller than about
        ``delta`` are absorbed; larger ``delta`` means fewer false alarms, slower detection of
        small shifts.
    threshold : float, default 10.0
        Alarm level for the cumulative statistic (``lambda``): higher means fewer false alarms
        and a longer detection delay (roughly ``threshold / (shift - delta)`` values).
    min_samples : int, optional
        Burn-in: no alarm before this many values; they also estimate the standard deviation
        when ``std`` is neither given nor learned with :meth:`fit`. A short burn-in gives a
        noisy scale and more false alarms. Default ``None``: 50 values while the scale is
        unknown, and **no burn-in** once it is known (after :meth:`fit`, or with ``std``
        given), so a fitted detector can alarm on a short stream such as 20 weekly
        batches. The burn-in in force is :attr:`burn_in`. An explicit value always applies.
    direction : {"increase", "decrease", "both"}, default "increase"
    std : float, optional
        The stream's standard deviation if known; ``None`` estimates it on the burn-in
        (if the burn-in is constant, the burn-in continues until the values vary).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> stream = np.r_[rng.normal(0.10, 0.01, 200), rng.normal(0.13, 0.01, 100)]
    >>> PageHinkley().run(stream)[["index", "direction"]]
       index direction
    0    204  increase
    """

    _params = ("delta", "threshold", "min_samples", "direction", "std")

    def __init__(self, delta=0.5, threshold=10.0, min_samples=None, direction="increase", std=None):
        self.delta = _check_positive(delta, "delta", allow_zero=True)
        self.threshold = _check_positive(threshold, "threshold")
        self.min_samples = _check_min_samples(min_samples)
        self.direction = _check_direction(direction)
        self.std = None if std is None else _check_positive(std, "std")
        super().__init__()

    def fit(self, reference) -> PageHinkley:
        """Learn ``std`` from a stable reference stream (no burn-in needed afterwards)."""
        x = as_numeric(reference, "reference")
        if x.size < 2 or np.std(x, ddof=1) == 0:
            raise ValueError("reference needs at least 2 values that vary to estimate std.")
        self.std = float(np.std(x, ddof=1))
        self.reset()
        return self

    @property
    def burn_in(self) -> int:
        """Values seen before an alarm is possible: ``min_samples`` when given, else 50
        while the scale is unknown and 1 (none) once it is known."""
        if self.min_samples is not None:
            return self.min_samples
        return 1 if self.std is not None else DEFAULT_BURN_IN

    def _reset_state(self):
        self._stats = _BurnIn()
        self._scale = self.std
        self._up = self._up_min = 0.0
        self._down = self._down_min = 0.0

    def _step(self, x):
        self._stats.add(x)
        if self._stats.n < self.burn_in:
            return None
        if self._scale is None:
            if self._stats.std == 0:
                return None  # nothing varies yet: no scale to judge a change by
            self._scale = self._stats.std
        z = (x - self._stats.mean) / self._scale
        self._up += z - self.delta
        self._up_min = min(self._up_min, self._up)
        self._down += -z - self.delta
        self._down_min = min(self._down_min, self._down)
        up = self._up - self._up_min if self._watch("increase") else 0.0
        down = self._down - self._down_min if self._watch("decrease") else 0.0
        self.statistic = max(up, down)
        if self.statistic > self.threshold:
            return "increase" if up >= down else "decrease"
        return None


class CUSUM(_Detector):
    """Tabular CUSUM: alarm when the cumulative excess over a fixed in-control mean is large.

    ``S+ = max(0, S+ + z - k)`` and ``S- = max(0, S- - z - k)`` with ``z = (x - target) / std``;
    an alarm fires when the watched sum exceeds ``h``. With known ``target`` and ``std`` and
    ``k=0.5``, the textbook ``h=5`` gives about 900 values between false alarms per side;
    the default ``h=10`` gives over 100,000, still detecting a one-standard-deviation shift
    after about 20 values and a two-standard-deviation one after about 7. Estimated
    ``target``/``std`` (burn-in) raise the false-alarm rate: prefer :meth:`fit` on a stable
    reference period.

    Parameters
    ----------
    k : float, default 0.5
        Allowance in standard deviations, usually half the shift you want to catch; values
        within ``k`` of the target do not accumulate.
    h : float, default 10.0
        Decision threshold in standard deviations: higher means fewer false alarms and a longer
        detection delay (roughly ``h / (shift - k)`` values).
    min_samples : int, default 50
        Burn-in used to estimate ``target``/``std`` when they are neither given nor learned
        with :meth:`fit`, and to re-learn ``target`` after a detection; no alarm before. A
        short burn-in means noisy estimates and more false alarms (re-learning the level on
        5 values raised a false alarm in about 40% of stable 200-value streams, on 50 values
        in about 3%). After :meth:`fit` (or with ``target`` and ``std`` given) testing starts at
        the first value: there is no burn-in at the start.
    direction : {"increase", "decrease", "both"}, default "both"
    target, std : float, optional
        In-control mean and standard deviation, if known (e.g. from the reference period).
        After a detection the target is re-learned on a new burn-in (the new regime becomes
        the reference); a given ``std`` is kept. ``reset()`` restores both given values.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> auc = np.r_[rng.normal(0.80, 0.01, 100), rng.normal(0.78, 0.01, 50)]
    >>> detector = CUSUM(direction="decrease").fit(rng.normal(0.80, 0.01, 200))  # reference
    >>> detector.run(auc)[["index", "direction"]]
       index direction
    0    106  decrease
    """

    _params = ("k", "h", "min_samples", "direction", "target", "std")

    def __init__(self, k=0.5, h=10.0, min_samples=50, direction="both", target=None, std=None):
        self.k = _check_positive(k, "k", allow_zero=True)
        self.h = _check_positive(h, "h")
        self.min_samples = positive_int(min_samples, "min_samples")
        self.direction = _check_direction(direction)
        if target is not None and not (
            isinstance(target, (int, float, np.integer, np.floating))
            and not isinstance(target, bool)
            and math.isfinite(float(target))
        ):
            raise TypeError(f"target must be a finite number or None, got {target!r}.")
        self.target = None if target is None else float(target)
        self.std = None if std is None else _check_positive(std, "std")
        super().__init__()

    def _reset_state(self):
        self._stats = _BurnIn()
        self._mean, self._scale = self.target, self.std
        self._pos = self._neg = 0.0

    def fit(self, reference) -> CUSUM:
        """Learn ``target`` (mean) and ``std`` from a stable reference stream.

        Like scikit-learn's ``fit``: learn on the reference period, then ``run`` on production.
        """
        x = as_numeric(reference, "reference")
        if x.size < 2 or np.std(x, ddof=1) == 0:
            raise ValueError(
                "reference needs at least 2 values that vary to estimate target and std."
            )
        self.target, self.std = float(np.mean(x)), float(np.std(x, ddof=1))
        self.reset()
        return self

    def _restart(self):
        # The old target is wrong after a change: learn the new level on a fresh burn-in
        # (a given std is kept) instead of alarming again on every value of the new regime.
        self.reset()
        self._mean = None

    def _step(self, x):
        if self._mean is None or self._scale is None:
            self._stats.add(x)
            if self._stats.n < self.min_samples or self._stats.std == 0 and self._scale is None:
                return None
            self._mean = self._stats.mean if self._mean is None else self._mean
            self._scale = self._stats.std if self.std is None else self.std
            return None  # the burn-in values define the reference, they are not tested
        z = (x - self._mean) / self._scale
        self._pos = max(0.0, self._pos + z - self.k)
        self._neg = max(0.0, self._neg - z - self.k)
        up = self._pos if self._watch("increase") else 0.0
        down = self._neg if self._watch("decrease") else 0.0
        self.statistic = max(up, down)
        if self.statistic > self.h:
            return "increase" if up >= down else "decrease"
        return None


class DDM(_Detector):
    """Drift Detection Method (Gama et al., 2004) for a stream of 0/1 prediction errors.

    Tracks the error rate ``p`` and its standard error ``s = sqrt(p (1 - p) / n)`` and
    remembers ``p_min`` and ``s_min`` where ``p + s`` was lowest. As in the paper, the
    warning level is reached when ``p + s >= p_min + warning_level * s_min`` (2) and a
    change is detected when ``p + s >= p_min + drift_level * s_min`` (3);
    ``statistic`` is ``(p + s - p_min) / s_min``, the level reached. ``warning_detected``
    (also ``warning``) is ``True`` in the warning zone (the usual cue to start collecting
    data for a retrain). ``direction="decrease"`` applies the mirror rule (error rate
    falling: ``p - s <= p_max - drift_level * s_max`` where ``p - s`` was highest), an
    extension of the original increase-only method. ``p`` is smoothed as
    ``(errors + 0.5) / (n + 1)`` so a perfect start (``s_min = 0``) does not turn the
    first error into an alarm.

    Parameters
    ----------
    warning_level : float, default 2.0
    drift_level : float, default 3.0
        Alarm level in standard errors: higher means fewer false alarms, longer delay. The
        textbook 3 is sensitive: on 2,000 stable errors at a 10% rate it raises a false
        alarm in about half of the streams; 4 raises almost none.
    min_samples : int, default 30
        No alarm before this many values (the rate estimate is too noisy).
    direction : {"increase", "decrease", "both"}, default "increase"

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> errors = np.r_[rng.random(1000) < 0.1, rng.random(1000) < 0.3].astype(int)
    >>> DDM().run(errors)[["index", "direction"]]
       index direction
    0   1052  increase
    """

    _params = ("warning_level", "drift_level", "min_samples", "direction")

    def __init__(self, warning_level=2.0, drift_level=3.0, min_samples=30, direction="increase"):
        self.warning_level = _check_positive(warning_level, "warning_level")
        self.drift_level = _check_positive(drift_level, "drift_level")
        if self.drift_level < self.warning_level:
            raise ValueError(
                f"drift_level ({drift_level}) must be >= warning_level ({warning_level})."
            )
        self.min_samples = positive_int(min_samples, "min_samples")
        self.direction = _check_direction(direction)
        super().__init__()

    def _reset_state(self):
        self._errors = 0.0
        self._best_up = self._best_down = None  # (p, s) at min p+s / max p-s

    @property
    def warning(self) -> bool:
        """Same as ``warning_detected``."""
        return self.warning_detected

    def update(self, x) -> bool:
        """Add one 0/1 value (1 = the model was wrong); ``True`` when a change is detected."""
        v = _check_value(x)
        if v not in (0.0, 1.0):
            raise ValueError(
                f"DDM takes 0/1 errors (1 = wrong prediction), got {x!r}: pass "
                f"(y_pred != y_true).astype(int), or use PageHinkley/CUSUM for a metric stream."
            )
        return super().update(v)

    def _step(self, x):
        self._errors += x
        n = self.n_seen
        p = (self._errors + 0.5) / (n + 1)
        s = math.sqrt(p * (1 - p) / n)
        if n < self.min_samples:
            return None
        if self._best_up is None or p + s < sum(self._best_up):
            self._best_up = (p, s)
        if self._best_down is None or p - s > self._best_down[0] - self._best_down[1]:
            self._best_down = (p, s)
        up = (p + s - self._best_up[0]) / self._best_up[1] if self._watch("increase") else 0.0
        down = (
            (self._best_down[0] - (p - s)) / self._best_down[1]
            if self._watch("decrease")
            else 0.0
        )
        self.statistic = max(up, down)
        self.warning_detected = self.statistic >= self.warning_level
        if self.statistic >= self.drift_level:
            return "increase" if up >= down else "decrease"
        return None


__all__ = ["CUSUM", "DDM", "DIRECTIONS", "PageHinkley", "RUN_COLUMNS"]

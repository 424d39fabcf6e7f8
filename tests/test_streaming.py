"""Tests for modellab.streaming on synthetic streams with known change points."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from modellab.streaming import CUSUM, DDM, RUN_COLUMNS, PageHinkley

SEEDS = range(8)
CHANGE = 500


def shifted(seed, shift, n_after=300, std=1.0, level=0.0):
    rng = np.random.default_rng(seed)
    return np.r_[rng.normal(level, std, CHANGE), rng.normal(level + shift * std, std, n_after)]


def reference(seed=100, n=1000):
    return np.random.default_rng(seed).normal(0, 1, n)


def first_after(detections: pd.DataFrame, at: int):
    after = detections[detections["index"] >= at]
    return None if after.empty else int(after["index"].iloc[0])


# name -> (class, stated parameters, fitted on a stable reference first?)
DETECTORS = {
    "page_hinkley": (PageHinkley, {}, False),
    "page_hinkley_fitted": (PageHinkley, {}, True),
    "cusum_burn_in": (CUSUM, {"min_samples": 100}, False),
    "cusum_fitted": (CUSUM, {}, True),
}


def make(name, direction, level=0.0, std=1.0):
    cls, kwargs, fitted = DETECTORS[name]
    det = cls(direction=direction, **kwargs)
    if fitted:
        det.fit(np.random.default_rng(100).normal(level, std, 1000))
    return det


@pytest.mark.parametrize("name", DETECTORS)
@pytest.mark.parametrize("seed", SEEDS)
def test_detects_two_sd_increase_within_20(name, seed):
    found = make(name, "increase").run(shifted(seed, +2.0))
    assert (found["index"] < CHANGE).sum() == 0, "false alarm before the change"
    at = first_after(found, CHANGE)
    assert at is not None and at - CHANGE <= 20
    assert found["direction"].iloc[0] == "increase"


@pytest.mark.parametrize("name", DETECTORS)
@pytest.mark.parametrize("seed", SEEDS)
def test_detects_one_sd_decrease_within_80(name, seed):
    x = shifted(seed, -1.0, level=0.8, std=0.02)  # e.g. ROC-AUC dropping by one sd
    found = make(name, "decrease", level=0.8, std=0.02).run(x)
    assert (found["index"] < CHANGE).sum() == 0
    at = first_after(found, CHANGE)
    assert at is not None and at - CHANGE <= 80
    assert found["direction"].iloc[0] == "decrease"


@pytest.mark.parametrize("name", ["page_hinkley_fitted", "cusum_fitted"])
@pytest.mark.parametrize("seed", SEEDS)
def test_no_alarm_on_stationary_stream_of_2000(name, seed):
    x = np.random.default_rng(seed).normal(0, 1, 2000)
    assert make(name, "both").run(x).empty


@pytest.mark.parametrize("seed", SEEDS)
def test_burn_in_detectors_no_alarm_on_stationary_streams(seed):
    # A burn-in estimates the scale: stated settings that keep false alarms rare.
    x = np.random.default_rng(seed).normal(0, 1, 2000)
    assert PageHinkley(direction="both", threshold=15, min_samples=100).run(x).empty
    assert CUSUM(min_samples=100).run(x[:500]).empty


def test_direction_is_respected():
    up = shifted(0, +3.0)
    assert PageHinkley(direction="decrease").run(up).empty
    assert CUSUM(direction="decrease").fit(reference()).run(up).empty
    both = CUSUM(direction="both").fit(reference()).run(up)
    assert both["direction"].iloc[0] == "increase"


def test_scale_free_defaults():
    # The same change on an error-rate scale (0.10 +/- 0.01) and a loss scale (50 +/- 5).
    z = shifted(3, +2.0)
    small = PageHinkley().run(0.10 + 0.01 * z)["index"].tolist()
    large = PageHinkley().run(50 + 5 * z)["index"].tolist()
    assert small == large and small and small[0] >= CHANGE


def test_update_resets_after_detection_and_run_frame():
    det = CUSUM(target=0.0, std=1.0, h=4.0)
    flags = [det.update(v) for v in [3.0, 3.0, 3.0]]
    assert flags == [False, True, False]  # S+ = 2.5, 5.0 > 4 -> alarm, then a fresh burn-in
    assert det.n_seen == 1 and det.last_detection[1] == "increase"
    out = CUSUM(direction="increase").fit(reference()).run(pd.Series(shifted(1, 3.0), index=range(100, 900)))
    assert list(out.columns) == list(RUN_COLUMNS)
    assert out["label"].iloc[0] == out["index"].iloc[0] + 100
    assert out["value"].iloc[0] == shifted(1, 3.0)[out["index"].iloc[0]]
    assert (out["statistic"] > 10).all()
    empty = PageHinkley().run(np.zeros(10))
    assert list(empty.columns) == list(RUN_COLUMNS) and empty.empty


def test_manual_reset_restores_given_target():
    det = CUSUM(target=0.0, std=1.0, h=4.0)
    det.update(3.0)
    det.reset()
    assert det.n_seen == 0 and det.statistic == 0.0
    assert det.update(3.0) is False and det.update(3.0) is True


@pytest.mark.parametrize("seed", SEEDS)
def test_ddm_detects_error_rate_increase(seed):
    rng = np.random.default_rng(seed)
    errors = np.r_[rng.random(1000) < 0.1, rng.random(1000) < 0.4].astype(int)
    found = DDM().run(errors)
    at = first_after(found, 1000)
    assert at is not None and at - 1000 <= 450  # DDM averages the whole history: slow
    assert (DDM(drift_level=4).run(errors)["index"] < 1000).sum() == 0


def _gama(errors, warning_level=2.0, drift_level=3.0, min_samples=30):
    """Gama et al. (2004), vectorised: warnings and the first detection of a fresh DDM."""
    n = np.arange(1, len(errors) + 1)
    p = (np.cumsum(errors) + 0.5) / (n + 1)
    s = np.sqrt(p * (1 - p) / n)
    total = np.where(n >= min_samples, p + s, np.inf)
    running_min = np.minimum.accumulate(total)
    new_min = total < np.r_[np.inf, running_min[:-1]]
    at_min = np.maximum.accumulate(np.where(new_min, np.arange(len(n)), 0))
    level = (p + s - p[at_min]) / s[at_min]
    level[n < min_samples] = 0.0
    alarms = np.flatnonzero(level >= drift_level)
    first = int(alarms[0]) if alarms.size else None
    end = len(errors) if first is None else first
    return level[:end] >= warning_level, first


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("levels", [(2.0, 3.0), (1.5, 2.5), (2.0, 4.0)])
def test_ddm_follows_gama_2004(seed, levels):
    rng = np.random.default_rng(seed)
    errors = np.r_[rng.random(800) < 0.1, rng.random(800) < 0.2].astype(int)
    warnings, first = _gama(errors, *levels)
    det = DDM(*levels)
    seen, detected_at = [], None
    for i, v in enumerate(errors):
        if det.update(v):
            detected_at = i
            assert det.drift_detected and not det.warning_detected
            break
        assert not det.drift_detected
        seen.append(det.warning_detected)
    assert detected_at == first
    np.testing.assert_array_equal(seen, warnings)


@pytest.mark.parametrize("seed", SEEDS)
def test_ddm_stationary_errors_alarm_less_at_higher_levels(seed):
    errors = (np.random.default_rng(seed).random(2000) < 0.1).astype(int)
    counts = [len(DDM(drift_level=level, direction="both").run(errors)) for level in (3, 4, 5)]
    assert counts == sorted(counts, reverse=True)
    assert counts[1] == 0  # 4 standard errors: no false alarm in 2000 stable errors


def test_every_detector_has_get_params_and_river_style_flags():
    for det in (PageHinkley(threshold=5.0), CUSUM(h=4.0), DDM(drift_level=3.5)):
        params = det.get_params()
        assert type(det)(**params).get_params() == params
        assert det.drift_detected is False and det.warning_detected is False
    ph = PageHinkley(threshold=1.0, min_samples=5, direction="increase", std=1.0)
    flags = []
    for v in [0.0] * 10 + [5.0] * 10:
        ph.update(v)
        flags.append((ph.drift_detected, ph.warning_detected))
    assert (True, False) in flags and all(not w for _, w in flags)


def test_ddm_decrease_and_warning():
    rng = np.random.default_rng(0)
    better = np.r_[rng.random(1000) < 0.3, rng.random(1000) < 0.05].astype(int)
    assert DDM().run(better).empty  # increase-only by default
    found = DDM(direction="decrease").run(better)
    assert not found.empty and found["direction"].iloc[0] == "decrease"
    assert found["index"].iloc[0] >= 1000
    det, warned = DDM(), []
    worse = np.r_[rng.random(1000) < 0.1, rng.random(1000) < 0.4].astype(int)
    for v in worse:
        warned.append(det.warning_detected)
        assert det.warning == det.warning_detected
        if det.update(v):
            break
    assert any(warned) and not warned[0]  # a warning comes before the detection


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: PageHinkley(threshold=0), ValueError, "threshold"),
        (lambda: PageHinkley(direction="up"), ValueError, "direction"),
        (lambda: CUSUM(h=-1), ValueError, "h must"),
        (lambda: CUSUM(min_samples=0), ValueError, "min_samples"),
        (lambda: CUSUM(target="a"), TypeError, "target"),
        (lambda: DDM(warning_level=3, drift_level=2), ValueError, "drift_level"),
        (lambda: CUSUM().fit([1.0, 1.0, 1.0]), ValueError, "vary"),
    ],
)
def test_parameter_validation(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_input_validation():
    with pytest.raises(ValueError, match="NaN"):
        PageHinkley().update(float("nan"))
    with pytest.raises(ValueError, match="NaN"):
        CUSUM().run([0.1, np.nan, 0.2])
    with pytest.raises(TypeError, match="one number"):
        CUSUM().update([1, 2])
    with pytest.raises(ValueError, match="0/1"):
        DDM().update(0.3)
    with pytest.raises(ValueError, match="empty"):
        PageHinkley().run([])
    assert "PageHinkley(delta=0.5" in repr(PageHinkley())


# --------------------------------------------------------------------------- burn-in after fit
def _weekly(seed, shift=-0.05):
    """20 weekly ROC-AUCs: 10 stable, then ``shift``; and a 20-week reference."""
    rng = np.random.default_rng(seed)
    reference = rng.normal(0.80, 0.02, 20)
    return reference, np.r_[rng.normal(0.80, 0.02, 10), rng.normal(0.80 + shift, 0.02, 10)]


def test_a_fitted_page_hinkley_needs_no_burn_in():
    reference, weeks = _weekly(0)
    assert PageHinkley().burn_in == 50 and PageHinkley(min_samples=7).burn_in == 7
    fitted = PageHinkley(threshold=5, direction="decrease").fit(reference)
    assert fitted.min_samples is None and fitted.burn_in == 1
    alarms = fitted.run(weeks)
    assert len(alarms) and 10 <= alarms["index"].iloc[0] <= 14
    # an explicit burn-in still applies after fit, exactly as before
    assert PageHinkley(threshold=5, direction="decrease", min_samples=50).fit(reference).run(
        weeks).empty
    explicit = PageHinkley(threshold=5, direction="decrease", min_samples=3).fit(reference)
    assert explicit.burn_in == 3 and explicit.run(weeks).equals(alarms)
    # unfitted, None means the old default of 50
    rng = np.random.default_rng(3)
    x = np.r_[rng.normal(0, 1, 300), rng.normal(2, 1, 100)]
    assert PageHinkley().run(x).equals(PageHinkley(min_samples=50).run(x))
    assert "min_samples=None" in repr(PageHinkley())


def test_a_fitted_cusum_tests_from_the_first_value():
    reference, weeks = _weekly(0)
    fitted = CUSUM(h=5, direction="decrease").fit(reference)
    assert fitted.min_samples == 50  # only used to re-learn the level after a detection
    alarms = fitted.run(weeks)
    assert len(alarms) and 10 <= alarms["index"].iloc[0] <= 14

"""A change of risk inside one segment: the primitive behind the segment scenarios.

:func:`segment_risk` raises (or lowers) the log-odds of default of the applicants in one
segment - a region, a channel, an age band - while everyone else, and everything the model
sees, stays as before. The overall numbers move a little; the segment's move a lot. That is
the trap of monitoring only averages: a model can fail one group of customers while the
dashboard stays green.

The change acts after the outcomes are drawn: a repaid loan in the segment becomes a default
with the probability that lifts its default probability from ``p`` to
``sigmoid(logit(p) + log_odds)`` (a default stays a default), so ``P(default | inputs)`` in
the segment is exactly the new one and nothing outside the segment moves.

>>> from modellab.scenarios import sudden
>>> event = segment_risk("region", log_odds=1.2, levels=["east"]).at(sudden(10))
>>> event.truth(20)[["kind", "features", "start_batch", "magnitude"]]
            kind   features  start_batch  magnitude
0  concept_drift  (region,)           10        1.2
"""

from __future__ import annotations

import numpy as np

from . import world
from .drifts import Primitive, _any_feature, _number


class SegmentRisk(Primitive):
    # "quality" is the stage that runs after the outcomes are drawn; this primitive changes
    # the outcomes themselves (a concept change), not what the model sees.
    kind, stage, unit = "concept_drift", "quality", "change in log-odds of default in the segment"

    def __init__(self, feature: str, log_odds: float, *, levels=None, below=None, above=None):
        self.feature = _any_feature(feature)
        self.log_odds = _number(log_odds, "log_odds")
        if self.log_odds == 0:
            raise ValueError("log_odds=0 changes nothing: pass e.g. 1.0 (odds x2.7) or -0.7.")
        numeric = feature in world.NUMERIC_FEATURES
        if numeric:
            if levels is not None or (below is None) == (above is None):
                raise ValueError(
                    f"{feature!r} is numeric: give exactly one of below=... or above=... "
                    f"(e.g. below=25 for applicants under 25)."
                )
            self.below = None if below is None else _number(below, "below")
            self.above = None if above is None else _number(above, "above")
            self.levels = None
        else:
            if levels is None or below is not None or above is not None:
                raise ValueError(
                    f"{feature!r} is categorical: pass levels=[...], e.g. "
                    f"levels={world.LEVELS[feature][:1]}."
                )
            if isinstance(levels, str):
                levels = [levels]
            unknown = [v for v in levels if v not in world.LEVELS[feature]]
            if unknown or not levels:
                raise ValueError(
                    f"levels {unknown or levels!r} are not levels of {feature}: use some of "
                    f"{world.LEVELS[feature]}."
                )
            self.levels, self.below, self.above = tuple(levels), None, None
        self.features, self.magnitude = (self.feature,), self.log_odds

    def mask(self, batch: world.Batch) -> np.ndarray:
        """Rows of ``batch`` in the segment."""
        if self.levels is not None:
            codes = [world.LEVELS[self.feature].index(v) for v in self.levels]
            return np.isin(batch.codes[self.feature], codes)
        x = batch.numeric[self.feature]
        return x < self.below if self.below is not None else x >= self.above

    def apply(self, batch, weight, rng):
        rows = self.mask(batch)
        p = batch.prob
        z = np.log(p) - np.log1p(-p)
        new = np.where(rows, world.sigmoid(z + weight * self.log_odds), p)
        # Lift P(default) from p to new by turning repaid loans into defaults (or back).
        up = (batch.label == 0) & (new > p) & (rng.random(len(p)) < (new - p) / (1 - p))
        down = (batch.label == 1) & (new < p) & (rng.random(len(p)) < (p - new) / p)
        label = batch.label.copy()
        label[up], label[down] = 1, 0
        batch.label, batch.prob = label, new

    def segment_text(self) -> str:
        if self.levels is not None:
            return f"{self.feature} in {list(self.levels)}"
        return f"{self.feature} below {self.below:g}" if self.below is not None else (
            f"{self.feature} of {self.above:g} or more")

    def text(self):
        factor = float(np.exp(self.log_odds))
        return (
            f"for applicants with {self.segment_text()} only, the odds of default are "
            f"multiplied by {factor:.1f}; the applicants themselves, and everyone else, look and "
            f"behave as before"
        )


def segment_risk(feature: str, log_odds: float, *, levels=None, below=None, above=None) -> SegmentRisk:
    """Change the odds of default inside one segment only (by ``exp(log_odds)``).

    Parameters
    ----------
    feature : str
        The column that defines the segment.
    log_odds : float
        Added to the log-odds of default in the segment (1.0 multiplies the odds by 2.7).
    levels : list of str
        For a categorical ``feature``: the levels in the segment.
    below, above : float
        For a numeric ``feature``: the segment is ``feature < below`` or ``feature >= above``.
    """
    return SegmentRisk(feature, log_odds, levels=levels, below=below, above=above)

"""Drift primitives and schedules: the building blocks of every scenario.

A *primitive* says **what** changes (a numeric feature shifts, a category mix
moves, the default rate rises, the feature-to-default relationship changes, a
pipeline bug corrupts a column, labels arrive late). A *schedule* says **when**
and how strongly: :func:`sudden`, :func:`gradual` (a linear ramp) or
:func:`recurring`. An :class:`Event` pairs the two and writes its own rows of
ground truth, so the truth of a scenario is produced by the same objects that
produce its data.

>>> from modellab.scenarios import shift, gradual
>>> event = shift("income", by=-0.5).at(gradual(start=10, full=14))
>>> event.truth(n_batches=20)[["kind", "features", "start_batch", "end_batch", "magnitude"]]
              kind   features  start_batch  end_batch  magnitude
0  covariate_shift  (income,)           10         19       -0.5

Primitives act at one of five *stages* of generating a batch, in this order:
``population`` (change who applies), ``concept`` (change who defaults given
the inputs), ``prior`` (change the default rate, keeping P(x | default)),
``quality`` (corrupt what the model sees; true defaults are unaffected) and
``labels`` (hide labels that have not arrived).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import world

# --------------------------------------------------------------------- schedules


def _whole(value, name: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a whole number (a batch index), got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}: batches are numbered from 0.")
    return int(value)


@dataclass(frozen=True)
class Schedule:
    """When an event is active and how strongly (weight 0..1 per batch)."""

    start: int
    end: int | None = None  # inclusive; None = until the last batch
    label = "schedule"  # the ``schedule`` column of the truth table

    def last(self, n_batches: int) -> int:
        return n_batches - 1 if self.end is None else self.end

    def check(self, n_batches: int) -> None:
        """Raise ValueError if the schedule does not fit a stream of ``n_batches``."""
        if self.start > n_batches - 1 or self.last(n_batches) > n_batches - 1:
            raise ValueError(
                f"{self!r} runs outside the stream of {n_batches} batches (0..{n_batches - 1}): "
                f"move start/end inside it or pass a larger n_batches."
            )

    def weight(self, batch: int, n_batches: int) -> float:
        raise NotImplementedError

    def windows(self, n_batches: int) -> list[tuple[int, int]]:
        """Contiguous (start, end) batch ranges where the event is active."""
        return [(self.start, self.last(n_batches))]

    def text(self, n_batches: int) -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class Sudden(Schedule):
    """Full strength from ``start`` to ``end`` (inclusive), nothing outside."""

    label = "sudden"

    def weight(self, batch: int, n_batches: int) -> float:
        return 1.0 if self.start <= batch <= self.last(n_batches) else 0.0

    def text(self, n_batches: int) -> str:
        return f"suddenly from batch {self.start} to {self.last(n_batches)}"


@dataclass(frozen=True)
class Gradual(Schedule):
    """A linear ramp from ``start`` reaching full strength at ``full``, held to ``end``."""

    label = "gradual"

    full: int = 0

    def check(self, n_batches: int) -> None:
        super().check(n_batches)
        if self.full > self.last(n_batches):
            raise ValueError(
                f"{self!r}: full={self.full} is after end={self.last(n_batches)}: the ramp must "
                f"reach full strength inside the event; lower full or raise end."
            )

    def weight(self, batch: int, n_batches: int) -> float:
        if not self.start <= batch <= self.last(n_batches):
            return 0.0
        return min(1.0, (batch - self.start + 1) / (self.full - self.start + 1))

    def text(self, n_batches: int) -> str:
        return (
            f"gradually: ramping up linearly from batch {self.start}, at full strength from "
            f"batch {self.full} to {self.last(n_batches)}"
        )


@dataclass(frozen=True)
class Recurring(Schedule):
    """Full strength for ``duration`` batches every ``period`` batches from ``start``."""

    label = "recurring"

    period: int = 1
    duration: int = 1

    def weight(self, batch: int, n_batches: int) -> float:
        if not self.start <= batch <= self.last(n_batches):
            return 0.0
        return 1.0 if (batch - self.start) % self.period < self.duration else 0.0

    def windows(self, n_batches: int) -> list[tuple[int, int]]:
        last = self.last(n_batches)
        return [
            (s, min(s + self.duration - 1, last)) for s in range(self.start, last + 1, self.period)
        ]

    def text(self, n_batches: int) -> str:
        return f"for {self.duration} batch(es) every {self.period} batches from batch {self.start}"


@dataclass(frozen=True)
class LastBatches(Schedule):
    """The last ``count`` batches of the stream, whatever its length (label delay)."""

    label = "last_batches"

    count: int = 1

    def last(self, n_batches: int) -> int:
        return n_batches - 1

    def check(self, n_batches: int) -> None:
        if self.count >= n_batches:
            raise ValueError(
                f"a delay of {self.count} batches hides every label of a {n_batches}-batch "
                f"stream: use fewer delayed batches or a larger n_batches."
            )

    def weight(self, batch: int, n_batches: int) -> float:
        return 1.0 if batch >= n_batches - self.count else 0.0

    def windows(self, n_batches: int) -> list[tuple[int, int]]:
        return [(n_batches - self.count, n_batches - 1)]

    def text(self, n_batches: int) -> str:
        return f"in the last {self.count} batches ({n_batches - self.count} to {n_batches - 1})"


def sudden(start: int, end: int | None = None) -> Sudden:
    """Switch an event on at batch ``start`` (until ``end`` inclusive, or the last batch).

    >>> sudden(10).weight(9, 20), sudden(10).weight(10, 20)
    (0.0, 1.0)
    """
    start = _whole(start, "start")
    if end is not None:
        end = _whole(end, "end")
        if end < start:
            raise ValueError(f"end={end} is before start={start}: pass end >= start.")
    return Sudden(start, end)


def gradual(start: int, full: int, end: int | None = None) -> Gradual:
    """Ramp an event up linearly from batch ``start`` to full strength at batch ``full``.

    The weight in batch ``b`` is ``(b - start + 1) / (full - start + 1)`` capped at 1,
    so the first drifted batch already carries a little of the change.

    >>> [round(gradual(10, 13).weight(b, 20), 2) for b in range(9, 15)]
    [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]
    """
    start = _whole(start, "start")
    full = _whole(full, "full")
    if full < start:
        raise ValueError(f"full={full} is before start={start}: the ramp must end after it starts.")
    if end is not None:
        end = _whole(end, "end")
        if end < full:
            raise ValueError(f"end={end} is before full={full}: pass end >= full.")
    return Gradual(start, end, full=full)


def recurring(period: int, duration: int, start: int = 0, end: int | None = None) -> Recurring:
    """Switch an event on for ``duration`` batches every ``period`` batches (a season).

    >>> recurring(period=6, duration=2, start=4).windows(20)
    [(4, 5), (10, 11), (16, 17)]
    """
    period = _whole(period, "period", minimum=1)
    duration = _whole(duration, "duration", minimum=1)
    if duration >= period:
        raise ValueError(
            f"duration={duration} must be shorter than period={period}, or the event never "
            f"switches off: use sudden(...) for a permanent change."
        )
    start = _whole(start, "start")
    if end is not None:
        end = _whole(end, "end")
        if end < start:
            raise ValueError(f"end={end} is before start={start}: pass end >= start.")
    return Recurring(start, end, period=period, duration=duration)


# -------------------------------------------------------------------- primitives


def _numeric_feature(feature, name: str = "feature") -> str:
    if feature not in world.NUMERIC_FEATURES:
        raise ValueError(
            f"{name}={feature!r} is not a numeric feature of the lending world: use one of "
            f"{world.NUMERIC_FEATURES}."
        )
    return feature


def _categorical_feature(feature, name: str = "feature") -> str:
    if feature not in world.CATEGORICAL_FEATURES:
        raise ValueError(
            f"{name}={feature!r} is not a categorical feature of the lending world: use one of "
            f"{world.CATEGORICAL_FEATURES}."
        )
    return feature


def _any_feature(feature, name: str = "feature") -> str:
    if feature not in world.FEATURES:
        raise ValueError(
            f"{name}={feature!r} is not a feature of the lending world: use one of {world.FEATURES}."
        )
    return feature


def _number(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {value!r}.")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}.")
    return float(value)


def _fraction(value, name: str) -> float:
    v = _number(value, name)
    if not 0 < v <= 1:
        raise ValueError(f"{name} must be in (0, 1] (a share of rows), got {value}.")
    return v


def _rows(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    """A random boolean mask selecting about ``share`` of ``n`` rows."""
    return rng.random(n) < share


class Primitive:
    """Base class: one kind of change. Subclasses set the class attributes below."""

    kind: str = ""  # covariate_shift, prior_shift, concept_drift, data_quality, label_delay
    stage: str = ""  # population, concept, prior, quality, labels
    unit: str = ""  # unit of ``magnitude``
    features: tuple[str, ...] = ()
    magnitude: float = 0.0

    def at(self, schedule: Schedule) -> Event:
        """Pair this change with a schedule."""
        return Event(self, schedule)

    def apply(self, batch: world.Batch, weight: float, rng: np.random.Generator) -> None:
        """Change ``batch`` in place at strength ``weight`` (0..1)."""

    def text(self) -> str:
        raise NotImplementedError

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"


class Shift(Primitive):
    kind, stage, unit = "covariate_shift", "population", "reference standard deviations"

    def __init__(self, feature: str, by: float):
        self.feature = _numeric_feature(feature)
        self.by = _number(by, "by")
        self.features, self.magnitude = (self.feature,), self.by

    def apply(self, batch, weight, rng):
        sd = world.world_stats().std[self.feature]
        x = batch.numeric[self.feature] + self.by * weight * sd
        batch.numeric[self.feature] = _fit_range(self.feature, x)

    def text(self):
        sd = world.world_stats().std[self.feature]
        word = "up" if self.by > 0 else "down"
        unit = _SHORT_UNITS.get(self.feature, "")
        return (
            f"{self.feature} moves {word} by {abs(self.by):.2f} reference standard deviations "
            f"(about {_amount(abs(self.by) * sd)}{unit})"
        )


_SHORT_UNITS = {
    "age": " years",
    "credit_history_months": " months",
    "num_open_accounts": " accounts",
}


def _amount(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


class Scale(Primitive):
    kind, stage, unit = "covariate_shift", "population", "ratio of standard deviations"

    def __init__(self, feature: str, factor: float):
        self.feature = _numeric_feature(feature)
        self.factor = _number(factor, "factor")
        if self.factor <= 0:
            raise ValueError(f"factor must be positive (1.5 = 50% more spread), got {factor}.")
        self.features, self.magnitude = (self.feature,), self.factor

    def apply(self, batch, weight, rng):
        mean = world.world_stats().mean[self.feature]
        f = 1 + (self.factor - 1) * weight
        x = mean + (batch.numeric[self.feature] - mean) * f
        batch.numeric[self.feature] = _fit_range(self.feature, x)

    def text(self):
        return f"the spread of {self.feature} is multiplied by {self.factor:g} around its mean"


class ChangeMix(Primitive):
    kind, stage, unit = "covariate_shift", "population", "total variation distance"

    def __init__(self, feature: str, proportions: dict):
        self.feature = _categorical_feature(feature)
        levels = world.LEVELS[self.feature]
        if not isinstance(proportions, dict) or not proportions:
            raise TypeError(
                f"proportions must be a non-empty dict level -> share, e.g. "
                f"{{{levels[0]!r}: 0.5}}; got {proportions!r}."
            )
        unknown = [k for k in proportions if k not in levels]
        if unknown:
            raise ValueError(
                f"proportions has unknown level(s) {unknown} of {self.feature}: use {levels} "
                f"(to add a new level, use unseen_category)."
            )
        given = {k: _number(v, f"proportions[{k!r}]") for k, v in proportions.items()}
        if any(v < 0 for v in given.values()) or sum(given.values()) > 1 + 1e-9:
            raise ValueError(
                f"proportions must be shares >= 0 that add up to at most 1, got {given}."
            )
        ref = world.world_stats().proportions[self.feature]
        rest = [k for k in levels if k not in given]
        left = 1 - sum(given.values())
        ref_rest = sum(ref[k] for k in rest)
        if rest and ref_rest > 0:
            given.update({k: left * ref[k] / ref_rest for k in rest})
        elif abs(left) > 1e-9:
            raise ValueError(
                f"proportions name every level of {self.feature} but add up to "
                f"{1 - left:.3f}: make them add up to 1."
            )
        self.proportions = {k: float(given[k]) for k in levels}
        self.features = (self.feature,)
        self.magnitude = round(0.5 * sum(abs(self.proportions[k] - ref[k]) for k in levels), 6)

    def apply(self, batch, weight, rng):
        # Move the fewest rows needed: rows of shrinking levels are re-labelled to
        # growing levels, so no other column changes.
        levels = world.LEVELS[self.feature]
        p = np.array([world.world_stats().proportions[self.feature][k] for k in levels])
        q = (1 - weight) * p + weight * np.array([self.proportions[k] for k in levels])
        leave = np.where(p > q, (p - q) / np.where(p > 0, p, 1), 0.0)
        gain = np.maximum(q - p, 0.0)
        if gain.sum() <= 0:
            return
        codes = batch.codes[self.feature]
        move = (codes >= 0) & (rng.random(len(codes)) < leave[np.maximum(codes, 0)])
        new = np.searchsorted(
            np.cumsum(gain / gain.sum())[:-1], rng.random(int(move.sum())), "right"
        )
        codes = codes.copy()
        codes[move] = new
        batch.codes[self.feature] = codes

    def text(self):
        ref = world.world_stats().proportions[self.feature]
        moves = [
            f"{k} {ref[k]:.0%} -> {v:.0%}"
            for k, v in self.proportions.items()
            if abs(v - ref[k]) >= 0.005
        ]
        return f"the mix of {self.feature} changes ({', '.join(moves)})"


class PriorShift(Primitive):
    kind, stage = "prior_shift", "prior"
    unit = "change in default rate (0.05 = 5 percentage points)"

    def __init__(self, delta: float):
        self.delta = _number(delta, "delta")
        if not -1 < self.delta < 1:
            raise ValueError(
                f"delta is a change in the default rate and must be in (-1, 1), got {delta}: "
                f"e.g. 0.05 for +5 percentage points."
            )
        self.features, self.magnitude = (), self.delta

    def text(self):
        base = world.world_stats().default_rate
        return (
            f"the default rate moves by {self.delta * 100:+.1f} percentage points "
            f"(from about {base:.1%} to {base + self.delta:.1%}) while each group of borrowers "
            f"(defaulters and non-defaulters) looks exactly as before"
        )


class ConceptChange(Primitive):
    kind, stage = "concept_drift", "concept"
    unit = "share of the way to the new default mechanism (0-1)"
    #: the features whose effect on default changes most (see world.relief_logit)
    changed = ("debt_to_income", "loan_amount", "employment_type", "region")

    def __init__(self, strength: float = 1.0):
        self.strength = _fraction(strength, "strength")
        self.features, self.magnitude = self.changed, self.strength

    def text(self):
        return (
            f"who defaults changes ({self.strength:.0%} of the way to a new mechanism): a "
            f"payment-relief scheme makes debt-to-income and loan size matter much less, while a "
            f"plant closure hits the east and south regions and contract workers; the applicants "
            f"themselves look exactly as before"
        )


class MissingValues(Primitive):
    kind, stage, unit = "data_quality", "quality", "share of rows set to missing"

    def __init__(self, feature: str, fraction: float):
        self.feature = _any_feature(feature)
        self.fraction = _fraction(fraction, "fraction")
        self.features, self.magnitude = (self.feature,), self.fraction

    def apply(self, batch, weight, rng):
        rows = _rows(rng, len(batch), self.fraction * weight)
        if self.feature in batch.codes:
            batch.codes[self.feature] = np.where(rows, -1, batch.codes[self.feature])
        else:
            batch.numeric[self.feature] = np.where(rows, np.nan, batch.numeric[self.feature])

    def text(self):
        return f"{self.fraction:.0%} of {self.feature} values arrive empty (missing)"


class Outliers(Primitive):
    kind, stage, unit = "data_quality", "quality", "share of rows made outliers"

    def __init__(self, feature: str, fraction: float, size: float = 10.0):
        self.feature = _numeric_feature(feature)
        self.fraction = _fraction(fraction, "fraction")
        self.size = _number(size, "size")
        self.features, self.magnitude = (self.feature,), self.fraction

    def apply(self, batch, weight, rng):
        rows = _rows(rng, len(batch), self.fraction * weight)
        sd = world.world_stats().std[self.feature]
        x = batch.numeric[self.feature]
        batch.numeric[self.feature] = np.where(rows, _round(self.feature, x + self.size * sd), x)

    def text(self):
        return (
            f"{self.fraction:.0%} of {self.feature} values are garbled into outliers "
            f"({self.size:g} standard deviations off)"
        )


class UnitChange(Primitive):
    kind, stage, unit = "data_quality", "quality", "multiplier applied to the reported value"

    def __init__(self, feature: str, factor: float):
        self.feature = _numeric_feature(feature)
        self.factor = _number(factor, "factor")
        if self.factor <= 0 or self.factor == 1:
            raise ValueError(
                f"factor must be positive and not 1 (0.001 = reported in thousands), got {factor}."
            )
        self.features, self.magnitude = (self.feature,), self.factor

    def apply(self, batch, weight, rng):
        # A gradual unit change is a bug rolling out: a growing share of rows affected.
        rows = _rows(rng, len(batch), weight) if weight < 1 else slice(None)
        x = batch.numeric[self.feature].copy()
        x[rows] = x[rows] * self.factor
        batch.numeric[self.feature] = x

    def text(self):
        what = f"multiplied by {self.factor:g}"
        if self.factor == 0.001:
            what += " (in thousands instead of units)"
        return f"a pipeline bug reports {self.feature} {what}"


class UnseenCategory(Primitive):
    kind, stage, unit = "data_quality", "quality", "share of rows with the new category"

    def __init__(self, feature: str, value: str, fraction: float):
        self.feature = _categorical_feature(feature)
        if not isinstance(value, str) or not value:
            raise TypeError(f"value must be a non-empty string (the new category), got {value!r}.")
        if value in world.LEVELS[self.feature]:
            raise ValueError(
                f"value={value!r} is already a level of {self.feature}: pick a new name, or use "
                f"change_mix to change how common it is."
            )
        self.value = value
        self.fraction = _fraction(fraction, "fraction")
        self.features, self.magnitude = (self.feature,), self.fraction

    def apply(self, batch, weight, rng):
        levels = batch.levels[self.feature]
        if self.value not in levels:
            levels.append(self.value)
        rows = _rows(rng, len(batch), self.fraction * weight)
        code = levels.index(self.value)
        batch.codes[self.feature] = np.where(rows, code, batch.codes[self.feature])

    def text(self):
        return (
            f"a category the model never saw, {self.feature}={self.value!r}, appears in "
            f"{self.fraction:.0%} of rows"
        )


class LabelDelay(Primitive):
    kind, stage, unit = "label_delay", "labels", "batches"

    def __init__(self, batches: int):
        self.batches = _whole(batches, "batches", minimum=1)
        self.features, self.magnitude = (), float(self.batches)

    def text(self):
        return (
            f"default outcomes arrive {self.batches} batches late, so the last {self.batches} "
            f"batches have no labels yet (default is NaN)"
        )


def _round(feature: str, x: np.ndarray) -> np.ndarray:
    return np.round(x) if feature in world.INTEGER_FEATURES else x


def _fit_range(feature: str, x: np.ndarray) -> np.ndarray:
    lo, hi = world.BOUNDS[feature]
    return _round(feature, np.clip(x, lo, hi))


# ---------------------------------------------------------------------- events


@dataclass(frozen=True)
class Event:
    """A primitive paired with a schedule: one drift event of a scenario."""

    primitive: Primitive
    schedule: Schedule

    def __post_init__(self):
        if not isinstance(self.primitive, Primitive):
            raise TypeError(
                f"primitive must be a drift primitive such as shift('income', by=1.0), got "
                f"{type(self.primitive).__name__}."
            )
        if not isinstance(self.schedule, Schedule):
            raise TypeError(
                f"schedule must be sudden(...), gradual(...) or recurring(...), got "
                f"{type(self.schedule).__name__}."
            )
        if isinstance(self.primitive, LabelDelay) != isinstance(self.schedule, LastBatches):
            raise ValueError(
                "label delay always covers the last batches: build it with label_delay(k), "
                "and give other primitives sudden/gradual/recurring schedules."
            )

    def weight(self, batch: int, n_batches: int) -> float:
        return self.schedule.weight(batch, n_batches)

    def truth(self, n_batches: int):
        """Ground-truth rows of this event (one per active window) as a DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.truth_rows(n_batches), columns=TRUTH_COLUMNS)

    def truth_rows(self, n_batches: int) -> list[dict]:
        self.schedule.check(n_batches)
        p = self.primitive
        windows = self.schedule.windows(n_batches)
        rows = []
        for a, b in windows:
            when = self.schedule.text(n_batches)
            if len(windows) > 1:
                when = f"in batches {a} to {b} (it recurs {when})"
            text = f"{p.text()}, {when}."
            if text.split(" ")[0] not in world.FEATURES:  # keep column names as written
                text = text[0].upper() + text[1:]
            rows.append(
                {
                    "kind": p.kind,
                    "features": tuple(p.features),
                    "start_batch": int(a),
                    "end_batch": int(b),
                    "magnitude": float(p.magnitude),
                    "unit": p.unit,
                    "primitive": type(p).__name__,
                    "schedule": self.schedule.label,
                    "description": text,
                }
            )
        return rows


TRUTH_COLUMNS = [
    "kind",
    "features",
    "start_batch",
    "end_batch",
    "magnitude",
    "unit",
    "primitive",
    "schedule",
    "description",
]


def shift(feature: str, by: float) -> Shift:
    """Shift a numeric feature by ``by`` reference standard deviations (clipped to its range).

    >>> round(shift("age", by=-1.0).magnitude, 1)
    -1.0
    """
    return Shift(feature, by)


def scale(feature: str, factor: float) -> Scale:
    """Multiply the spread of a numeric feature around its reference mean by ``factor``."""
    return Scale(feature, factor)


def change_mix(feature: str, proportions: dict) -> ChangeMix:
    """Move a categorical feature's mix to ``proportions`` (levels not named keep their ratios).

    Only the rows needed are re-labelled, so no other column changes. ``magnitude``
    is the total variation distance between the reference and the new mix.

    >>> mix = change_mix("channel", {"online": 0.7})
    >>> round(mix.proportions["online"], 2), round(sum(mix.proportions.values()), 6)
    (0.7, 1.0)
    """
    return ChangeMix(feature, proportions)


def prior_shift(delta: float) -> PriorShift:
    """Move the default rate by ``delta`` (0.05 = +5 points), keeping P(features | default).

    Implemented by class-conditional resampling: defaulters and non-defaulters
    are drawn exactly as before, only in a different ratio.
    """
    return PriorShift(delta)


def concept_change(strength: float = 1.0) -> ConceptChange:
    """Blend the default mechanism ``strength`` of the way (0-1] towards a new one.

    The inputs are untouched; only who defaults given the inputs changes, so the
    model's ranking power (ROC-AUC) falls: by about 0.15 at strength 1.
    """
    return ConceptChange(strength)


def missing_values(feature: str, fraction: float) -> MissingValues:
    """Blank out ``fraction`` of a feature's values (NaN), as a broken upstream join would."""
    return MissingValues(feature, fraction)


def outliers(feature: str, fraction: float, size: float = 10.0) -> Outliers:
    """Add ``size`` reference standard deviations to ``fraction`` of a numeric feature's values."""
    return Outliers(feature, fraction, size)


def unit_change(feature: str, factor: float) -> UnitChange:
    """Report a numeric feature multiplied by ``factor`` (0.001: income in thousands)."""
    return UnitChange(feature, factor)


def unseen_category(feature: str, value: str, fraction: float) -> UnseenCategory:
    """Replace ``fraction`` of a categorical feature with a level the model never saw."""
    return UnseenCategory(feature, value, fraction)


def label_delay(batches: int) -> Event:
    """Labels arrive ``batches`` batches late: the last ``batches`` batches have none.

    Returns a ready :class:`Event` (its schedule is always the end of the stream).

    >>> label_delay(4).truth(20)[["kind", "start_batch", "end_batch", "magnitude"]]
              kind  start_batch  end_batch  magnitude
    0  label_delay           16         19        4.0
    """
    return Event(
        LabelDelay(batches), LastBatches(0, None, count=_whole(batches, "batches", minimum=1))
    )

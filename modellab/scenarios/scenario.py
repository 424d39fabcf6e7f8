"""The :class:`Scenario` object and :func:`custom`, which builds one from events.

Every batch is generated from its own random stream, seeded by ``(seed, batch)``,
so a batch can be made on its own, in any order, and a very long stream can be
written chunk by chunk (:meth:`Scenario.iter_batches`) without holding it in memory.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd

from .._validate import positive_int
from . import world
from .drifts import TRUTH_COLUMNS, Event, LabelDelay, MissingValues, UnitChange
from .model import N_TRAIN, build_model

#: Decision threshold: flag an application as a likely default when score >= 0.20.
#: Break-even of a lending decision: a good loan earns about 15% of its amount in
#: interest over its life, a default loses about 60% (loss given default), so
#: lending pays while P(default) < 0.15 / (0.15 + 0.60) = 0.20. At an ~11%
#: default rate this flags roughly the riskiest fifth of applications.
THRESHOLD = 0.20

#: First production week (a Monday); batch ``b`` is the week starting 7*b days later.
START_DATE = pd.Timestamp("2025-01-06")

# Separate random streams: reference, model training, production batches.
_REFERENCE, _TRAIN, _PRODUCTION = 0, 1, 2


def _seed(value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"seed must be a whole number, got {value!r}.")
    if value < 0:
        raise ValueError(f"seed must be >= 0, got {value}: use any non-negative integer.")
    return int(value)


@functools.lru_cache(maxsize=16)
def _fitted_model(seed: int):
    rng = np.random.default_rng([seed, _TRAIN])
    batch = _draw(rng, N_TRAIN, [])
    return build_model(seed).fit(batch.to_frame(), batch.label)


def _draw(rng: np.random.Generator, n: int, active: list[tuple[Event, float]]) -> world.Batch:
    """``n`` labelled applications: population-stage drifts, then the (changed) concept."""
    batch = world.sample_population(rng, n)
    for event, w in active:
        if event.primitive.stage == "population":
            event.primitive.apply(batch, w, rng)
    z = world.default_logit(batch)
    strength = min(
        1.0, sum(e.primitive.strength * w for e, w in active if e.primitive.stage == "concept")
    )
    if strength > 0:
        z = (1 - strength) * z + strength * world.relief_logit(batch)
    p = world.sigmoid(z)
    batch.label = (rng.random(n) < p).astype(np.int64)
    batch.prob = p
    return batch


def _draw_with_prior(rng, n: int, active, delta: float) -> world.Batch:
    """Class-conditional resampling: defaulters and non-defaulters drawn as usual, new ratio."""
    pool = _draw(rng, n, active)
    natural = float(pool.prob.mean())
    target = float(np.clip(natural + delta, 0.001, 0.999))
    n_pos = int(rng.binomial(n, target))
    n_neg = n - n_pos
    parts = [pool]
    while True:
        labels = np.concatenate([p.label for p in parts])
        have_pos, have_neg = int(labels.sum()), int(len(labels) - labels.sum())
        if have_pos >= n_pos and have_neg >= n_neg:
            break
        need = max(
            (n_pos - have_pos) / max(natural, 1e-3), (n_neg - have_neg) / max(1 - natural, 1e-3)
        )
        parts.append(_draw(rng, int(need * 1.2) + 100, active))
    pool = world.Batch.concat(parts) if len(parts) > 1 else pool
    pos = np.flatnonzero(pool.label == 1)[:n_pos]
    neg = np.flatnonzero(pool.label == 0)[:n_neg]
    return pool.take(rng.permutation(np.concatenate([pos, neg])))


class Scenario:
    """A synthetic lending world: a reference period, a production stream and its truth.

    Build one with :func:`modellab.scenarios.make` (named scenarios) or
    :func:`modellab.scenarios.custom` (your own events). Data are generated on
    first access and cached; ``iter_batches`` streams without caching.

    Attributes
    ----------
    name, seed : str, int
    reference : DataFrame
        ``n_reference`` applications of the reference period: the feature columns,
        ``default`` (int64 0/1), ``score`` (model probability of default) and
        ``prediction`` (int64, ``score >= threshold``). Out-of-sample for ``model``.
    production : DataFrame
        ``n_batches * batch_size`` rows: ``batch`` (int64, 0..n_batches-1),
        ``timestamp`` (the Monday of the batch's week, from 2025-01-06), the
        features, ``default`` (int64; float64 with NaN in scenarios with label
        delay), ``score`` and ``prediction``.
    truth : DataFrame
        One row per drift event window: ``kind``, ``features`` (tuple),
        ``start_batch``, ``end_batch`` (inclusive), ``magnitude``, ``unit``,
        ``primitive``, ``schedule``, ``description``.
    target : str
        ``"default"``.
    features, numeric_features, categorical_features : list of str
    threshold : float
        The model's decision threshold (:data:`THRESHOLD`, 0.20).
    model : sklearn.pipeline.Pipeline
        The fitted credit-risk model (a binned logistic scorecard).
    events : tuple of Event
    """

    target = world.TARGET
    threshold = THRESHOLD

    def __init__(
        self,
        name: str,
        events: Iterable = (),
        seed: int = 0,
        n_reference: int = 5000,
        n_batches: int = 20,
        batch_size: int = 1000,
        story: str = "",
    ):
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty string, got {name!r}.")
        self.name = name
        self.seed = _seed(seed)
        self.n_reference = positive_int(n_reference, "n_reference")
        self.n_batches = positive_int(n_batches, "n_batches")
        self.batch_size = positive_int(batch_size, "batch_size")
        self.events = tuple(_as_event(e, i) for i, e in enumerate(events))
        for i, e in enumerate(self.events):
            try:
                e.schedule.check(self.n_batches)
            except ValueError as exc:
                raise ValueError(f"events[{i}] ({type(e.primitive).__name__}): {exc}") from None
        self.story = story
        self.features = list(world.FEATURES)
        self.numeric_features = list(world.NUMERIC_FEATURES)
        self.categorical_features = list(world.CATEGORICAL_FEATURES)
        self.model = copy.deepcopy(_fitted_model(self.seed))
        # Columns whose dtype must be the same in every batch of this stream.
        self._label_dtype = (
            np.float64
            if any(isinstance(e.primitive, LabelDelay) for e in self.events)
            else np.int64
        )
        self._integer_columns = tuple(
            c
            for c in world.INTEGER_FEATURES
            if not any(
                isinstance(e.primitive, MissingValues | UnitChange) and c in e.primitive.features
                for e in self.events
            )
        )

    # ------------------------------------------------------------------ data
    @functools.cached_property
    def reference(self) -> pd.DataFrame:
        rng = np.random.default_rng([self.seed, _REFERENCE])
        data = _draw(rng, self.n_reference, [])
        return self._finish(data, data.label, world.INTEGER_FEATURES)

    @functools.cached_property
    def production(self) -> pd.DataFrame:
        return pd.concat(list(self.iter_batches()), ignore_index=True)

    @property
    def truth(self) -> pd.DataFrame:
        rows = [r for e in self.events for r in e.truth_rows(self.n_batches)]
        frame = pd.DataFrame(rows, columns=TRUTH_COLUMNS)
        return frame.astype({"start_batch": np.int64, "end_batch": np.int64, "magnitude": float})

    def batch(self, index: int) -> pd.DataFrame:
        """Production batch ``index`` (0-based), generated on its own from ``(seed, index)``."""
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"index must be a whole number, got {index!r}.")
        if not 0 <= index < self.n_batches:
            raise ValueError(
                f"index={index} is outside the stream: pass 0 <= index < n_batches={self.n_batches}."
            )
        index = int(index)
        rng = np.random.default_rng([self.seed, _PRODUCTION, index])
        active = [(e, w) for e in self.events if (w := e.weight(index, self.n_batches)) > 0]
        delta = sum(e.primitive.delta * w for e, w in active if e.primitive.stage == "prior")
        if delta:
            data = _draw_with_prior(rng, self.batch_size, active, delta)
        else:
            data = _draw(rng, self.batch_size, active)
        for e, w in active:
            if e.primitive.stage == "quality":
                e.primitive.apply(data, w, rng)
        labels = data.label.astype(self._label_dtype)
        if any(e.primitive.stage == "labels" for e, _ in active):
            labels = np.full(len(labels), np.nan)
        week = np.datetime64(START_DATE + pd.Timedelta(weeks=index), "ns")
        before = {
            "batch": np.full(len(labels), index, dtype=np.int64),
            "timestamp": np.full(len(labels), week),
        }
        return self._finish(data, labels, self._integer_columns, before)

    def iter_batches(self, start: int = 0, stop: int | None = None) -> Iterator[pd.DataFrame]:
        """Yield production batches ``start .. stop-1`` one at a time (nothing is cached).

        Examples
        --------
        >>> from modellab.scenarios import make
        >>> s = make("stable", n_reference=200, n_batches=3, batch_size=100)
        >>> [len(b) for b in s.iter_batches()]
        [100, 100, 100]
        """
        stop = self.n_batches if stop is None else stop
        for index in range(start, stop):
            yield self.batch(index)

    def _finish(self, data: world.Batch, labels, integer_columns, before=None) -> pd.DataFrame:
        frame = data.to_frame(integer_columns, before=before, after={self.target: labels})
        # The scorecard picks its columns by name, so the whole frame can go in as is.
        score = self.model.predict_proba(frame)[:, 1]
        frame["score"] = score
        frame["prediction"] = (score >= self.threshold).astype(np.int64)
        return frame

    # ------------------------------------------------------------- reporting
    def describe(self) -> str:
        """A plain-language account of the scenario that a manager can read."""
        ref = self.reference
        from sklearn.metrics import roc_auc_score

        auc = roc_auc_score(ref[self.target], ref["score"])
        last = START_DATE + pd.Timedelta(weeks=self.n_batches - 1)
        lines = [
            f"Scenario '{self.name}' (seed {self.seed})",
            "",
            "A lender uses a credit-risk model to estimate, for each loan application, the "
            "probability that the borrower will default. Applications with a score of "
            f"{self.threshold:.2f} or more are flagged as likely defaults: below that, the interest "
            "earned on good loans outweighs the expected losses on bad ones.",
            "",
            f"Reference period: {self.n_reference:,} applications, {ref[self.target].mean():.1%} "
            f"defaulted; the model ranks them with ROC-AUC {auc:.2f} and flags "
            f"{ref['prediction'].mean():.0%} of them.",
            f"Production: {self.n_batches} weekly batches of {self.batch_size:,} applications, "
            f"from {START_DATE:%d %b %Y} to {last:%d %b %Y} (batch 0 to {self.n_batches - 1}).",
            "",
        ]
        if self.story:
            lines += [self.story, ""]
        truth = self.truth
        if truth.empty:
            lines.append("What happens: nothing changes. Any alarm in this world is a false alarm.")
        else:
            lines.append("What happens (the ground truth):")
            lines += [f"- {d}" for d in truth["description"]]
        return "\n".join(lines)

    def __repr__(self) -> str:
        kinds = sorted({e.primitive.kind for e in self.events})
        return (
            f"<Scenario {self.name!r} seed={self.seed}: reference {self.n_reference:,} rows, "
            f"production {self.n_batches} batches x {self.batch_size:,} rows, "
            f"{len(self.events)} event(s){': ' + ', '.join(kinds) if kinds else ''}>"
        )


def _as_event(item, i: int) -> Event:
    if isinstance(item, Event):
        return item
    if isinstance(item, tuple) and len(item) == 2:
        return Event(*item)
    raise TypeError(
        f"events[{i}] must be an Event, e.g. shift('income', by=1.0).at(sudden(10)) or a "
        f"(primitive, schedule) pair; got {type(item).__name__}."
    )


def custom(
    events: Iterable = (),
    seed: int = 0,
    n_reference: int = 5000,
    n_batches: int = 20,
    batch_size: int = 1000,
    name: str = "custom",
    story: str | None = None,
) -> Scenario:
    """Build a scenario from your own drift events.

    Parameters
    ----------
    events : iterable of Event or (primitive, schedule) pairs
        E.g. ``shift("income", by=-1.0).at(sudden(10))`` or ``label_delay(3)``.
    seed : int, default 0
    n_reference, n_batches, batch_size : int
        Rows in the reference period, number of production batches, rows per batch.
    name : str, default "custom"
    story : str, optional
        A plain-language account of what happens in this world, for people who read no code
        (e.g. "A new broker brings in younger applicants from week 8."), as the named
        scenarios have. :meth:`Scenario.describe` prints it before the list of changes.

    Returns
    -------
    Scenario

    Examples
    --------
    >>> from modellab.scenarios import custom, missing_values, sudden
    >>> s = custom([missing_values("income", 0.5).at(sudden(2, 3))],
    ...            n_reference=300, n_batches=5, batch_size=200)
    >>> s.production.groupby("batch")["income"].apply(lambda x: x.isna().any()).tolist()
    [False, False, True, True, False]
    >>> s = custom([missing_values("income", 0.5).at(sudden(2, 3))], n_reference=300,
    ...            n_batches=5, batch_size=200, story="The income field breaks for two weeks.")
    >>> "The income field breaks for two weeks." in s.describe()
    True
    """
    if isinstance(events, Event):
        events = [events]
    elif isinstance(events, str) or not isinstance(events, Iterable):
        raise TypeError(
            f"events must be a list of events, e.g. [shift('income', by=1.0).at(sudden(10))], "
            f"got {type(events).__name__}."
        )
    if story is not None and not isinstance(story, str):
        raise TypeError(
            f"story must be a plain-language text (str) or None, got {type(story).__name__}."
        )
    return Scenario(name, events, seed, n_reference, n_batches, batch_size,
                    story=(story or "").strip())

"""The named scenarios of the course, built from the public drift primitives.

Onsets are placed relative to the stream length (``mid = n_batches // 2``), so
with the default 20 batches every drift starts at batch 10 unless said otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from .._validate import positive_int
from .drifts import (
    Event,
    change_mix,
    concept_change,
    gradual,
    label_delay,
    missing_values,
    prior_shift,
    recurring,
    scale,
    shift,
    sudden,
    unit_change,
    unseen_category,
)
from .scenario import Scenario
from .segments import segment_risk

#: Label delay (in batches) of the ``label_delay`` scenario.
LABEL_DELAY = 4
#: Smallest stream a named drift scenario fits in (it needs a clear before and after).
MIN_BATCHES = 10


@dataclass(frozen=True)
class _Entry:
    kind: str
    description: str
    story: str
    events: Callable[[int], list[Event]]


def _covariate_sudden(n: int) -> list[Event]:
    on = sudden(n // 2)
    return [
        shift("age", by=-0.8).at(on),
        shift("credit_history_months", by=-0.6).at(on),
        change_mix("channel", {"online": 0.70}).at(on),
    ]


def _covariate_gradual(n: int) -> list[Event]:
    ramp = gradual(start=n // 2, full=n // 2 + n // 4)
    return [
        shift("debt_to_income", by=1.0).at(ramp),
        shift("loan_amount", by=1.0).at(ramp),
    ]


def _seasonal(n: int) -> list[Event]:
    period = max(3, 3 * n // 10)
    season = recurring(period=period, duration=max(1, period // 3), start=max(1, n // 5))
    return [
        change_mix("channel", {"online": 0.65}).at(season),
        shift("loan_amount", by=0.8).at(season),
    ]


def _prior(n: int) -> list[Event]:
    return [prior_shift(0.08).at(sudden(n // 2))]


def _concept(n: int) -> list[Event]:
    return [concept_change(1.0).at(sudden(n // 2))]


def _data_quality(n: int) -> list[Event]:
    q = n // 4
    return [
        unit_change("income", 0.001).at(sudden(q, q + 1)),
        missing_values("debt_to_income", 0.30).at(sudden(2 * q, 2 * q + 1)),
        unseen_category("employment_type", "gig_worker", 0.15).at(sudden(3 * q, 3 * q + 1)),
    ]


def _label_delay(n: int) -> list[Event]:
    on = sudden(3 * n // 5)
    return [
        shift("debt_to_income", by=1.0).at(on),
        concept_change(1.0).at(on),
        label_delay(LABEL_DELAY),
    ]


def _late_labels(n: int) -> int:
    """Label delay of the *_delayed scenarios: 8 of 20 batches (2 labelled after the change)."""
    return max(1, 2 * n // 5)


def _covariate_delayed(n: int) -> list[Event]:
    on = sudden(n // 2)
    return [
        scale("debt_to_income", 0.4).at(on),
        scale("interest_rate", 0.4).at(on),
        scale("income", 0.5).at(on),
        label_delay(_late_labels(n)),
    ]


def _concept_delayed(n: int) -> list[Event]:
    return [concept_change(1.0).at(sudden(n // 2)), label_delay(_late_labels(n))]


def _segment_shift(n: int) -> list[Event]:
    return [segment_risk("region", 1.5, levels=["east"]).at(sudden(n // 2))]


#: Age below which an applicant counts as young in the ``protected_group`` scenario.
YOUNG_AGE = 25


def _protected_group(n: int) -> list[Event]:
    on = sudden(n // 2)
    return [
        shift("age", by=-0.5).at(on),
        segment_risk("age", 1.5, below=YOUNG_AGE).at(on),
    ]


CATALOG: dict[str, _Entry] = {
    "stable": _Entry(
        "none",
        "Nothing changes: every batch comes from the reference world.",
        "The market is calm: applicants, defaults and the data pipeline all behave as in the "
        "reference period. Use it to see how often monitoring raises false alarms.",
        lambda n: [],
    ),
    "covariate_shift_sudden": _Entry(
        "covariate_shift",
        "From mid-stream, a marketing campaign brings younger online applicants with thinner "
        "credit files.",
        "Half-way through, marketing launches an app-only campaign. Applicants become younger, "
        "have shorter credit histories, and far more of them apply online. Who defaults given "
        "a profile has not changed, but the mix of profiles has.",
        lambda n: _covariate_sudden(n),
    ),
    "covariate_shift_gradual": _Entry(
        "covariate_shift",
        "From mid-stream, a cost-of-living squeeze slowly raises debt-to-income and loan sizes.",
        "Prices rise week after week: applicants borrow more and carry more debt relative to "
        "their income. The change creeps in over several weeks, so no single week looks "
        "alarming on its own.",
        lambda n: _covariate_gradual(n),
    ),
    "seasonal": _Entry(
        "covariate_shift",
        "Recurring holiday seasons: more online applications and larger loans, then back to "
        "normal.",
        "Every few weeks a holiday season brings a wave of online applications for bigger "
        "loans, then things return to normal. A monitor must learn not to cry wolf at every "
        "season, yet still notice changes that are not seasonal.",
        lambda n: _seasonal(n),
    ),
    "prior_shift": _Entry(
        "prior_shift",
        "From mid-stream, an economic downturn raises the default rate by 8 points while "
        "defaulters and non-defaulters each look as before.",
        "A downturn hits: more borrowers default. Within each group - those who default and "
        "those who repay - applicants look just as before; only the share of defaulters grows. "
        "The model's ranking still works, but its probabilities are now too low.",
        lambda n: _prior(n),
    ),
    "concept_drift": _Entry(
        "concept_drift",
        "From mid-stream, who defaults changes (a relief scheme and a plant closure) while the "
        "applicants look exactly the same.",
        "Half-way through, a government payment-relief scheme caps repayments and a large "
        "plant closes in the east and south. The applicants look exactly as before, so input "
        "monitoring sees nothing, but the old rules of thumb - high debt means high risk - stop "
        "working, and the model ranks borrowers much worse.",
        lambda n: _concept(n),
    ),
    "data_quality": _Entry(
        "data_quality",
        "Pipeline bugs: income in thousands, then missing debt ratios, then an unknown "
        "employment type, each for two batches.",
        "Nothing changes in the real world, but the data pipeline breaks three times: a release "
        "reports income in thousands, a failing join blanks out debt-to-income for many "
        "applications, and a new form option sends an employment type the model never saw. "
        "Each bug is fixed after two weeks.",
        lambda n: _data_quality(n),
    ),
    "label_delay": _Entry(
        "label_delay",
        f"Outcomes arrive {LABEL_DELAY} batches late, and late in the stream debt rises while "
        "who defaults changes.",
        f"Whether a borrower defaults is only known {LABEL_DELAY} weeks later, so the newest "
        f"{LABEL_DELAY} batches have no labels. Late in the stream, debt-to-income rises and the "
        "link between profile and default changes: performance can be measured on only a few "
        "batches after the change, and input and score drift must stand in for the rest.",
        lambda n: _label_delay(n),
    ),
    "covariate_shift_delayed": _Entry(
        "covariate_shift",
        "From mid-stream, a broker sends applicants who all look alike (mid-range debt, rates "
        "and incomes); outcomes arrive so late that the last 2/5 of the stream has no labels.",
        "Half-way through, a new broker channel brings a narrow, middle-of-the-road segment: "
        "debt-to-income, interest rates and incomes vary much less than before. Who defaults "
        "given a profile has not changed, but borrowers who look alike are hard to rank, so "
        "the model separates good and bad loans less well. Outcomes are known only about two "
        "months later: most batches after the change have no labels yet.",
        lambda n: _covariate_delayed(n),
    ),
    "concept_drift_delayed": _Entry(
        "concept_drift",
        "From mid-stream, who defaults changes while applicants look the same; outcomes arrive "
        "so late that the last 2/5 of the stream has no labels.",
        "Half-way through, a payment-relief scheme and a plant closure change who defaults. "
        "Applicants and scores look exactly as before, and outcomes are known only about two "
        "months later, so for weeks nothing in the data shows that the model now ranks "
        "borrowers much worse.",
        lambda n: _concept_delayed(n),
    ),
    "segment_shift": _Entry(
        "segment_drift",
        "From mid-stream, a plant closure makes applicants from the east default far more "
        "often; the rest of the book, and the overall numbers, barely move.",
        "Half-way through, a large employer in the east closes. Applicants from the east look "
        "exactly as before, but their odds of default are multiplied by about 4.5. The east is "
        "only one application in six, so the overall default rate and ROC-AUC move by less "
        "than their usual week-to-week noise: a dashboard of averages stays green while the "
        "model badly under-states the risk of one region.",
        lambda n: _segment_shift(n),
    ),
    "protected_group": _Entry(
        "segment_drift",
        f"From mid-stream, a campaign brings younger applicants, and those under {YOUNG_AGE} "
        "default far more often than the model expects.",
        f"Half-way through, an app campaign attracts younger applicants. Those under "
        f"{YOUNG_AGE} carry buy-now-pay-later debts the credit bureau does not see, so their "
        "odds of default are multiplied by about 4.5 while their scores do not change. Age is "
        "a protected characteristic: the lender must show that the model works as well for "
        "young applicants as for everyone else, and right now it does not.",
        lambda n: _protected_group(n),
    ),
}


def list_scenarios() -> pd.DataFrame:
    """The named scenarios: one row each, columns ``name``, ``kind``, ``description``.

    Examples
    --------
    >>> list_scenarios()["name"].tolist()[:3]
    ['stable', 'covariate_shift_sudden', 'covariate_shift_gradual']
    """
    return pd.DataFrame(
        [{"name": k, "kind": v.kind, "description": v.description} for k, v in CATALOG.items()],
        columns=["name", "kind", "description"],
    )


def make(
    name: str,
    seed: int = 0,
    n_reference: int = 5000,
    n_batches: int = 20,
    batch_size: int = 1000,
) -> Scenario:
    """Build a named scenario.

    Parameters
    ----------
    name : str
        One of :func:`list_scenarios` (``"stable"``, ``"concept_drift"``, ...).
    seed : int, default 0
        Same arguments, same data; each production batch has its own seed
        derived from ``(seed, batch)``.
    n_reference : int, default 5000
        Rows in the reference period (out-of-sample for the model).
    n_batches : int, default 20
        Weekly production batches (at least 10 for scenarios with drift).
    batch_size : int, default 1000
        Rows per production batch.

    Returns
    -------
    Scenario

    Examples
    --------
    >>> s = make("prior_shift", n_reference=500, n_batches=10, batch_size=200)
    >>> s.truth[["kind", "start_batch", "end_batch", "magnitude"]]
              kind  start_batch  end_batch  magnitude
    0  prior_shift            5          9       0.08
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a scenario name (str), got {type(name).__name__}.")
    if name not in CATALOG:
        raise ValueError(
            f"unknown scenario {name!r}: choose one of {', '.join(CATALOG)} "
            f"(see list_scenarios()), or build your own with custom(...)."
        )
    n_batches = positive_int(n_batches, "n_batches")
    entry = CATALOG[name]
    if entry.kind != "none" and n_batches < MIN_BATCHES:
        raise ValueError(
            f"n_batches={n_batches} is too short for scenario {name!r}: pass n_batches >= "
            f"{MIN_BATCHES} so it has a before and an after, or use custom(...)."
        )
    return Scenario(
        name,
        entry.events(n_batches),
        seed=seed,
        n_reference=n_reference,
        n_batches=n_batches,
        batch_size=batch_size,
        story=entry.story,
    )

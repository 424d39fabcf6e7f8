"""The lending world: who applies for a loan, and who defaults.

The population is drawn column by column with numpy (vectorised, so a million
applications take a fraction of a second). Categorical columns are kept as
integer codes (``-1`` = missing) inside a :class:`Batch` until the very end,
when they become pandas string columns through pyarrow, without a Python loop.

The default mechanism is deliberately non-linear: a debt-to-income hinge whose
slope depends on the employment type, a thin-credit-file penalty, a
loan-to-income hinge and a young-borrower effect, on top of smooth income and
pricing effects. :func:`default_logit` is the reference mechanism;
:func:`relief_logit` is the changed one that concept drift blends in.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd
import pyarrow as pa

TARGET = "default"

NUMERIC_FEATURES: list[str] = [
    "age",
    "income",
    "debt_to_income",
    "credit_history_months",
    "num_open_accounts",
    "loan_amount",
    "interest_rate",
]
CATEGORICAL_FEATURES: list[str] = ["employment_type", "region", "channel"]
FEATURES: list[str] = [
    "age",
    "income",
    "employment_type",
    "debt_to_income",
    "credit_history_months",
    "num_open_accounts",
    "loan_amount",
    "interest_rate",
    "region",
    "channel",
]
#: Numeric columns stored as int64 (counts); every other numeric column is float64.
INTEGER_FEATURES: tuple[str, ...] = ("num_open_accounts",)

LEVELS: dict[str, list[str]] = {
    "employment_type": ["salaried", "self_employed", "contract", "unemployed", "retired"],
    "region": ["north", "south", "east", "west", "central", "capital"],
    "channel": ["branch", "online", "broker", "partner"],
}

#: Valid range of each numeric feature; drift primitives clip to it so that a
#: shifted age stays an age and a shifted debt ratio stays non-negative.
BOUNDS: dict[str, tuple[float, float]] = {
    "age": (18.0, 80.0),
    "income": (0.0, np.inf),
    "debt_to_income": (0.0, np.inf),
    "credit_history_months": (0.0, np.inf),
    "num_open_accounts": (0.0, np.inf),
    "loan_amount": (0.0, np.inf),
    "interest_rate": (0.0, 1.0),
}

UNITS: dict[str, str] = {
    "age": "years",
    "income": "currency units per year",
    "debt_to_income": "ratio of monthly debt payments to income",
    "credit_history_months": "months",
    "num_open_accounts": "count",
    "loan_amount": "currency units",
    "interest_rate": "yearly rate (0.12 = 12%)",
    "employment_type": "category",
    "region": "category",
    "channel": "category",
}

# Fixed seed of the large sample that defines "one reference standard deviation"
# and the base default rate, so drift sizes do not depend on a scenario's seed.
_STATS_SEED = 20250106
_STATS_N = 200_000

# Calibrated once on a large sample: the base default rate is about 11% under
# both mechanisms, and the reference mechanism's own ROC-AUC is about 0.83 (so a
# fitted model lands near 0.80). The slope scales set how sharp the risk is.
_BASE_INTERCEPT = -3.413
_BASE_SCALE = 1.25
_RELIEF_INTERCEPT = -3.904
_RELIEF_SCALE = 1.3


@dataclass
class Batch:
    """Columns of one sample: numeric as float64 arrays, categorical as int codes."""

    numeric: dict[str, np.ndarray]
    codes: dict[str, np.ndarray]
    levels: dict[str, list[str]] = field(
        default_factory=lambda: {k: list(v) for k, v in LEVELS.items()}
    )
    label: np.ndarray | None = None  # 0/1 default outcome
    prob: np.ndarray | None = None  # true probability of default behind ``label``

    def __len__(self) -> int:
        return len(next(iter(self.numeric.values())))

    def take(self, index: np.ndarray) -> Batch:
        return Batch(
            numeric={k: v[index] for k, v in self.numeric.items()},
            codes={k: v[index] for k, v in self.codes.items()},
            levels={k: list(v) for k, v in self.levels.items()},
            label=None if self.label is None else self.label[index],
            prob=None if self.prob is None else self.prob[index],
        )

    @staticmethod
    def concat(parts: list[Batch]) -> Batch:
        first = parts[0]
        return Batch(
            numeric={k: np.concatenate([p.numeric[k] for p in parts]) for k in first.numeric},
            codes={k: np.concatenate([p.codes[k] for p in parts]) for k in first.codes},
            levels={k: list(v) for k, v in first.levels.items()},
            label=None if first.label is None else np.concatenate([p.label for p in parts]),
            prob=None if first.prob is None else np.concatenate([p.prob for p in parts]),
        )

    def to_frame(
        self,
        integer_columns: tuple[str, ...] = INTEGER_FEATURES,
        before: dict | None = None,
        after: dict | None = None,
    ) -> pd.DataFrame:
        """Return the features in :data:`FEATURES` order, between ``before`` and ``after``.

        The extra columns are passed in so the frame is built in one go (cheaper
        than inserting columns one by one, which matters for small batches).
        """
        cols: dict[str, object] = dict(before or {})
        for name in FEATURES:
            if name in self.codes:
                cols[name] = _codes_to_strings(self.codes[name], self.levels[name])
            elif name in integer_columns and not np.isnan(self.numeric[name]).any():
                cols[name] = self.numeric[name].astype(np.int64)
            else:
                cols[name] = self.numeric[name]
        cols.update(after or {})
        return pd.DataFrame(cols, copy=False)


_STR_DTYPE = pd.StringDtype(na_value=np.nan)  # what pandas 3 gives for text by default


def _codes_to_strings(codes: np.ndarray, levels: list[str]) -> pd.Series:
    # pyarrow's take is ~50x faster than building a numpy array of Python strings.
    arr = pa.array(levels, type=pa.large_string()).take(pa.array(codes, mask=codes < 0))
    return arr.to_pandas(types_mapper={pa.large_string(): _STR_DTYPE}.get).array


def _pick(rng: np.random.Generator, probs, n: int) -> np.ndarray:
    """``n`` categorical draws (codes) from fixed probabilities."""
    return np.searchsorted(np.cumsum(probs)[:-1], rng.random(n), side="right").astype(np.int64)


def sample_population(rng: np.random.Generator, n: int) -> Batch:
    """Draw ``n`` loan applications from the reference population (no labels)."""
    age = np.floor(18 + 62 * rng.beta(2.2, 3.2, n))

    # Employment depends on age: most people of 63+ are retired.
    working = np.array([0.60, 0.13, 0.16, 0.08, 0.03])
    older = np.array([0.12, 0.05, 0.02, 0.03, 0.78])
    employment = np.where(age >= 63, _pick(rng, older, n), _pick(rng, working, n))

    region = _pick(rng, [0.20, 0.22, 0.16, 0.18, 0.14, 0.10], n)

    # Income: hump-shaped in age, lower without a job, higher in the capital.
    emp_income = np.array([0.10, 0.15, -0.05, -1.00, -0.30])[employment]
    emp_noise = np.array([0.40, 0.65, 0.45, 0.45, 0.35])[employment]
    region_income = np.array([0.0, -0.05, -0.12, 0.02, 0.0, 0.25])[region]
    log_income = (
        np.log(38_000)
        - 0.35 * ((age - 48) / 22) ** 2
        + emp_income
        + region_income
        + emp_noise * rng.standard_normal(n)
    )
    income = np.round(np.exp(log_income), -1)

    # Younger applicants apply online more often.
    p_online = np.clip(0.60 - 0.009 * (age - 25), 0.10, 0.65)
    u = rng.random(n)
    others = np.array([0, 2, 3])[  # branch / broker / partner share the rest 50:33:17
        np.searchsorted([0.50, 0.83], (u - p_online) / (1 - p_online), side="right")
    ]
    channel = np.where(u < p_online, 1, others).astype(np.int64)

    # Credit history cannot be longer than adult life.
    history = np.floor((age - 18) * 12 * rng.beta(3.0, 1.6, n) + rng.integers(0, 6, n))

    log_loan = 0.75 * np.log(income) + 1.44 + 0.5 * rng.standard_normal(n)
    loan = np.maximum(500.0, np.round(np.exp(log_loan), -1))

    dti = rng.gamma(2.0, 0.13, n) + 0.05 * np.minimum(loan / income, 3.0) + 0.08 * (employment == 3)
    dti = np.round(dti, 3)

    accounts = rng.poisson(0.8 + 3.0 * np.minimum(history, 240) / 240 + 0.6 * (income > 60_000))

    # Pricing: riskier-looking applicants and intermediated channels pay more.
    rate = (
        0.045
        + 0.10 * np.minimum(dti, 1.2)
        + np.array([0.0, -0.005, 0.015, 0.010])[channel]
        - 0.010 * (history > 60)
        + 0.012 * rng.standard_normal(n)
    )
    rate = np.round(np.clip(rate, 0.02, 0.35), 4)

    return Batch(
        numeric={
            "age": age,
            "income": income,
            "debt_to_income": dti,
            "credit_history_months": history,
            "num_open_accounts": accounts.astype(np.float64),
            "loan_amount": loan,
            "interest_rate": rate,
        },
        codes={"employment_type": employment, "region": region, "channel": channel},
    )


def _hinge(x: np.ndarray, knot: float) -> np.ndarray:
    return np.maximum(x - knot, 0.0)


def default_logit(batch: Batch) -> np.ndarray:
    """Log-odds of default under the reference mechanism."""
    x, c = batch.numeric, batch.codes
    emp = c["employment_type"]
    # The debt hinge bites harder for irregular incomes: the interaction the model must learn.
    dti_slope = np.array([3.0, 4.5, 5.5, 6.5, 3.0])[emp]
    lti = x["loan_amount"] / np.maximum(x["income"], 1000.0)
    return _BASE_INTERCEPT + _BASE_SCALE * (
        dti_slope * _hinge(x["debt_to_income"], 0.35)
        - 0.75 * np.log(np.maximum(x["income"], 1000.0) / 40_000)
        + 1.1 * np.maximum(0.0, 24 - x["credit_history_months"]) / 24
        + 0.05 * _hinge(28 - x["age"], 0.0)
        + 1.3 * _hinge(lti, 0.4)
        + np.array([0.0, 0.2, 0.35, 0.9, -0.15])[emp]
        + np.array([0.0, 0.15, 0.35, 0.10])[c["channel"]]
        + np.array([0.0, 0.10, 0.20, 0.0, 0.0, -0.10])[c["region"]]
        + 6.0 * (x["interest_rate"] - 0.09)
        + 0.10 * _hinge(x["num_open_accounts"], 4.0)
    )


def relief_logit(batch: Batch) -> np.ndarray:
    """Log-odds of default after the concept change.

    A payment-relief scheme caps repayments, so debt-to-income and loan size
    barely matter any more; a plant closure hits the east and south regions and
    contract workers, and the young default less than before.
    """
    x, c = batch.numeric, batch.codes
    emp = c["employment_type"]
    return _RELIEF_INTERCEPT + _RELIEF_SCALE * (
        0.8 * _hinge(x["debt_to_income"], 0.35)
        - 0.30 * np.log(np.maximum(x["income"], 1000.0) / 40_000)
        + 0.3 * np.maximum(0.0, 24 - x["credit_history_months"]) / 24
        + 0.02 * _hinge(x["age"] - 50, 0.0)
        + np.array([0.0, 0.4, 1.3, 0.6, 0.1])[emp]
        + np.array([0.0, 1.2, 1.5, 0.0, 0.0, -0.2])[c["region"]]
        + np.array([0.0, 0.1, 0.2, 0.1])[c["channel"]]
    )


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


@dataclass(frozen=True)
class WorldStats:
    """Reference statistics of the world, from one large fixed-seed sample.

    Attributes
    ----------
    mean, std : mapping of str to float
        Mean and standard deviation of each numeric feature.
    proportions : mapping of str to mapping of str to float
        Share of each level of each categorical feature.
    default_rate : float
        Average default probability of the world's applicants.
    """

    mean: Mapping[str, float]
    std: Mapping[str, float]
    proportions: Mapping[str, Mapping[str, float]]
    default_rate: float


@functools.lru_cache(maxsize=1)
def world_stats() -> WorldStats:
    """Means, standard deviations, category mix and base default rate of the world.

    The statistics every scenario's drift is measured against: a shift ``by=1.0`` moves a
    feature by ``std[feature]``, a mix change starts from ``proportions[feature]``. Computed
    once from a large fixed-seed sample (so the same on every machine) and cached; the
    mappings are read-only. Public as :func:`modellab.scenarios.world_stats`.

    Examples
    --------
    >>> from modellab.scenarios import world_stats
    >>> stats = world_stats()
    >>> {level: round(share, 2) for level, share in stats.proportions["channel"].items()}
    {'branch': 0.28, 'online': 0.44, 'broker': 0.18, 'partner': 0.09}
    >>> 0.05 < stats.default_rate < 0.2
    True
    """
    rng = np.random.default_rng(_STATS_SEED)
    batch = sample_population(rng, _STATS_N)
    p = sigmoid(default_logit(batch))
    # Read-only: the cached object is shared by every caller.
    return WorldStats(
        mean=MappingProxyType({k: float(np.mean(v)) for k, v in batch.numeric.items()}),
        std=MappingProxyType({k: float(np.std(v)) for k, v in batch.numeric.items()}),
        proportions=MappingProxyType({
            k: MappingProxyType(dict(zip(
                LEVELS[k], (float(x) for x in np.bincount(v, minlength=len(LEVELS[k])) / len(v)),
                strict=True,
            )))
            for k, v in batch.codes.items()
        }),
        default_rate=float(np.mean(p)),
    )

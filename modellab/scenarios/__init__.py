"""Seeded synthetic lending worlds with ground truth.

A *scenario* is a reference period, a stream of weekly production batches of
loan applications scored by a trained credit-risk model, and the ground truth
of what drifted, when and by how much.

>>> from modellab import scenarios
>>> s = scenarios.make("concept_drift", n_reference=1000, n_batches=10, batch_size=200)
>>> s
<Scenario 'concept_drift' seed=0: reference 1,000 rows, production 10 batches x 200 rows, 1 event(s): concept_drift>
>>> s.production.shape
(2000, 15)
>>> s.truth[["kind", "start_batch", "end_batch"]]
            kind  start_batch  end_batch
0  concept_drift            5          9

Build your own world from the same primitives:

>>> custom = scenarios.custom(
...     [scenarios.shift("income", by=-1.0).at(scenarios.gradual(start=4, full=7)),
...      scenarios.label_delay(2)],
...     n_reference=500, n_batches=10, batch_size=100)
>>> custom.truth[["kind", "features", "start_batch", "end_batch"]]
              kind   features  start_batch  end_batch
0  covariate_shift  (income,)            4          9
1      label_delay         ()            8          9
"""

from .catalog import CATALOG, LABEL_DELAY, MIN_BATCHES, list_scenarios, make
from .drifts import (
    TRUTH_COLUMNS,
    Event,
    Primitive,
    Schedule,
    change_mix,
    concept_change,
    gradual,
    label_delay,
    missing_values,
    outliers,
    prior_shift,
    recurring,
    scale,
    shift,
    sudden,
    unit_change,
    unseen_category,
)
from .scenario import START_DATE, THRESHOLD, Scenario, custom
from .world import (
    CATEGORICAL_FEATURES,
    FEATURES,
    NUMERIC_FEATURES,
    TARGET,
    WorldStats,
    world_stats,
)

__all__ = [
    "CATALOG",
    "CATEGORICAL_FEATURES",
    "FEATURES",
    "LABEL_DELAY",
    "MIN_BATCHES",
    "NUMERIC_FEATURES",
    "START_DATE",
    "TARGET",
    "THRESHOLD",
    "TRUTH_COLUMNS",
    "Event",
    "Primitive",
    "Scenario",
    "Schedule",
    "WorldStats",
    "change_mix",
    "concept_change",
    "custom",
    "gradual",
    "label_delay",
    "list_scenarios",
    "make",
    "missing_values",
    "outliers",
    "prior_shift",
    "recurring",
    "scale",
    "shift",
    "sudden",
    "unit_change",
    "unseen_category",
    "world_stats",
]

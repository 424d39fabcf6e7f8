"""Ground truth for estimation lessons: the labels a delayed-label scenario gets later."""

from __future__ import annotations

import pandas as pd

from modellab.scenarios import Scenario
from modellab.scenarios.drifts import LabelDelay


def later_labels(scenario: Scenario) -> pd.DataFrame:
    """The production stream of ``scenario`` with every label, as it reads once outcomes arrive.

    Each batch is generated from its own seed, and a label delay only hides labels, so the
    same scenario without its label-delay event has identical rows, scores and (now known)
    labels. Use it to check estimates made while the labels were pending.

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    DataFrame
        Like ``scenario.production``, with no ``NaN`` in the target column.

    Examples
    --------
    >>> from modellab import scenarios
    >>> s = scenarios.make("label_delay", n_reference=300, n_batches=10, batch_size=100)
    >>> int(s.production["default"].isna().sum()), int(later_labels(s)["default"].isna().sum())
    (400, 0)
    >>> bool((later_labels(s)["score"] == s.production["score"]).all())
    True
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(
            f"scenario must be a modellab Scenario (scenarios.make(...)), got {type(scenario).__name__}."
        )
    events = [e for e in scenario.events if not isinstance(e.primitive, LabelDelay)]
    full = Scenario(
        scenario.name, events, seed=scenario.seed, n_reference=scenario.n_reference,
        n_batches=scenario.n_batches, batch_size=scenario.batch_size, story=scenario.story,
    )
    return full.production

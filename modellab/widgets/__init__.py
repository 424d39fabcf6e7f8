"""Interactive explorers for the lessons, built on ipywidgets.

- :func:`drift_explorer`: shift one feature of a scenario and watch the drift tests and
  the model's metrics respond.
- :func:`threshold_explorer`: move the decision threshold and see the confusion matrix,
  precision/recall/F1 and the business cost, with the cheapest threshold marked.
- :func:`alert_tuner`: tune alert-rule thresholds and see alerts against the truth's
  drift events (false alarms, missed events, detection delay).

Each returns a widget (an :class:`ipywidgets.VBox`) that displays itself in Jupyter
and exposes ``.controls`` (name -> input widget), ``.state`` (the numbers shown),
``.outputs`` (name -> :class:`ipywidgets.Output`) and ``.text`` (the summary as plain
text), so it can be driven and checked without a browser.
"""

from modellab.widgets.alerts import AlertTuner, alert_tuner
from modellab.widgets.drift import DriftExplorer, drift_explorer
from modellab.widgets.threshold import ThresholdExplorer, threshold_explorer

__all__ = [
    "AlertTuner",
    "DriftExplorer",
    "ThresholdExplorer",
    "alert_tuner",
    "drift_explorer",
    "threshold_explorer",
]

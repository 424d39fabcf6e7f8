"""Mergeable confusion counts: the per-chunk summary behind threshold metrics at scale.

Counts from separate chunks (batches, files, Dask partitions) add up exactly to the counts of
the whole, so accuracy, precision, recall, F1, specificity and the rates computed from the sum
equal those computed on all rows at once. ROC-AUC and PR-AUC do **not** merge this way: they
depend on how every score ranks against every other, so averaging per-chunk AUCs is not the
AUC of the whole (pool the rows, or merge score histograms for an approximation).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from modellab.metrics.classification import check_threshold, labelled_pairs


def _ratio(num: int, den: int) -> float:
    # 0/0 is undefined: NaN, like classification_summary's default zero_division.
    return num / den if den else float("nan")


@dataclass(frozen=True)
class ConfusionCounts:
    """Counts of a thresholded binary classifier; add them with ``+`` or ``sum(...)``.

    Attributes
    ----------
    tn, fp, fn, tp : int
        True negatives, false positives, false negatives, true positives (labelled rows).
    n_unlabelled : int
        Rows skipped because their label had not arrived.

    Examples
    --------
    >>> a = confusion_counts([0, 1, 1], [0.2, 0.7, 0.4])
    >>> b = confusion_counts([0, 0, 1], [0.9, 0.1, 0.8])
    >>> a + b
    ConfusionCounts(tn=2, fp=1, fn=1, tp=2, n_unlabelled=0)
    >>> round((a + b).precision, 3)
    0.667
    """

    tn: int
    fp: int
    fn: int
    tp: int
    n_unlabelled: int = 0

    def __post_init__(self):
        for name, value in asdict(self).items():
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise ValueError(f"{name} must be a non-negative whole number, got {value!r}.")

    def __add__(self, other):
        if not isinstance(other, ConfusionCounts):
            return NotImplemented
        return ConfusionCounts(*(int(a + b) for a, b in zip(self.astuple(), other.astuple(), strict=True)))

    def __radd__(self, other):
        # sum() starts from 0.
        if isinstance(other, int) and other == 0:
            return self
        return NotImplemented

    def astuple(self) -> tuple[int, int, int, int, int]:
        return (self.tn, self.fp, self.fn, self.tp, self.n_unlabelled)

    @property
    def n(self) -> int:
        """Labelled rows."""
        return self.tn + self.fp + self.fn + self.tp

    @property
    def accuracy(self) -> float:
        return _ratio(self.tp + self.tn, self.n)

    @property
    def precision(self) -> float:
        return _ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float:
        return _ratio(self.tp, self.tp + self.fn)

    @property
    def specificity(self) -> float:
        return _ratio(self.tn, self.tn + self.fp)

    @property
    def f1(self) -> float:
        return _ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn)

    @property
    def base_rate(self) -> float:
        return _ratio(self.tp + self.fn, self.n)

    @property
    def positive_rate(self) -> float:
        return _ratio(self.tp + self.fp, self.n)

    def metrics(self) -> pd.Series:
        """The threshold metrics as a Series (same names as ``classification_summary``)."""
        names = ["accuracy", "precision", "recall", "f1", "specificity", "base_rate",
                 "positive_rate"]
        out = pd.Series({m: getattr(self, m) for m in names}, dtype="float64", name="value")
        out["n"] = float(self.n)
        return out

    def to_frame(self, labels: tuple[str, str] = ("negative", "positive")) -> pd.DataFrame:
        """The labelled 2x2 table, laid out like :func:`modellab.metrics.confusion`."""
        return pd.DataFrame(
            [[self.tn, self.fp], [self.fn, self.tp]],
            index=pd.Index(list(labels), name="actual"),
            columns=pd.Index(list(labels), name="predicted"),
        )


def confusion_counts(y_true, y_score, threshold: float = 0.5) -> ConfusionCounts:
    """Count tn, fp, fn, tp with ``y_score >= threshold`` predicted positive.

    ``y_score`` may be probabilities or 0/1 predictions (with the default threshold 0.5).
    Rows whose ``y_true`` is ``NaN`` are skipped and counted in ``n_unlabelled``. Counts from
    different chunks merge exactly with ``+``; see the module notes for why AUCs do not.

    Examples
    --------
    >>> confusion_counts([0, 1, 1, float("nan")], [0.2, 0.7, 0.4, 0.9])
    ConfusionCounts(tn=1, fp=0, fn=1, tp=1, n_unlabelled=1)
    """
    threshold = check_threshold(threshold)
    y, s, n_unlabelled = labelled_pairs(y_true, y_score)
    pos, pred = y == 1, s >= threshold
    tp = int((pos & pred).sum())
    fp = int((~pos & pred).sum())
    fn = int((pos & ~pred).sum())
    return ConfusionCounts(tn=int(y.size) - tp - fp - fn, fp=fp, fn=fn, tp=tp,
                           n_unlabelled=n_unlabelled)

"""Input validation shared by the public functions.

Every check raises ``ValueError`` or ``TypeError`` with a message that names
the argument, says what is wrong, and says how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd


def as_1d(values, name: str) -> np.ndarray:
    """Return ``values`` as a 1-D numpy array, refusing ``None``, scalars and 2-D input."""
    if values is None:
        raise TypeError(f"{name} is None: pass a 1-D array, list or pandas Series.")
    if isinstance(values, pd.DataFrame):
        raise TypeError(
            f"{name} is a DataFrame: pass one column, e.g. frame['{name}'], not the whole frame."
        )
    if isinstance(values, (str, bytes)) or np.isscalar(values):
        raise TypeError(f"{name} must be a 1-D sequence of values, got a single {type(values).__name__}.")
    arr = np.asarray(values.to_numpy() if isinstance(values, pd.Series) else values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got an array of shape {arr.shape}: pass a single column.")
    return arr


def as_numeric(values, name: str, *, allow_nan: bool = False, allow_empty: bool = False) -> np.ndarray:
    """Return ``values`` as a float64 1-D array, with clear errors for text, NaN and empty input."""
    if isinstance(values, pd.Series) and not (
        pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype)
    ):
        raise TypeError(
            f"{name} has dtype {values.dtype}, not numbers: use a categorical method, "
            f"or convert it with pd.to_numeric(...)."
        )
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.api.extensions.ExtensionDtype):
        # nullable Int64/Float64/boolean: <NA> is a missing value, like NaN
        values = values.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
    arr = as_1d(values, name)
    if arr.dtype.kind not in "biuf":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"{name} holds non-numeric values (dtype {arr.dtype}): convert it with "
                f"pd.to_numeric(...) or use a categorical method."
            ) from None
    arr = arr.astype(np.float64, copy=False)
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"{name} is empty: pass at least one value.")
    if not allow_nan and np.isnan(arr).any():
        n = int(np.isnan(arr).sum())
        raise ValueError(
            f"{name} contains {n} NaN value(s): drop or impute them first (e.g. series.dropna())."
        )
    return arr


def as_binary_labels(values, name: str = "y_true", *, allow_nan: bool = False) -> np.ndarray:
    """Return 0/1 labels as float64 (NaN kept when ``allow_nan``); refuse anything else."""
    arr = as_numeric(values, name, allow_nan=allow_nan)
    seen = np.unique(arr[~np.isnan(arr)])
    bad = seen[~np.isin(seen, (0.0, 1.0))]
    if bad.size:
        raise ValueError(
            f"{name} must hold binary labels 0/1; found {bad[:5].tolist()}: "
            f"encode the positive class as 1 and the negative class as 0."
        )
    return arr


def same_length(**arrays) -> int:
    """Check every array has the same length and return it."""
    lengths = {k: len(v) for k, v in arrays.items()}
    if len(set(lengths.values())) > 1:
        parts = ", ".join(f"{k} has {n}" for k, n in lengths.items())
        raise ValueError(f"Length mismatch: {parts}. Pass arrays with one value per row.")
    return next(iter(lengths.values()))


def same_index(**values) -> None:
    """Refuse pandas Series whose indexes differ: their rows would be paired by position.

    Arrays and lists are paired by position as given; two Series must have the same
    index (in the same order), else the values of different rows would be compared.

    >>> same_index(y_true=pd.Series([1, 0]), y_score=pd.Series([0.9, 0.2], index=[1, 0]))
    Traceback (most recent call last):
    ...
    ValueError: y_true and y_score are Series with different indexes: their rows would be paired by position. Align them first, e.g. y_score = y_score.reindex(y_true.index), or pass y_score.to_numpy() if the order is already right.
    """
    series = [(k, v) for k, v in values.items() if isinstance(v, pd.Series)]
    for (first, a), (other, b) in zip(series, series[1:], strict=False):
        if not a.index.equals(b.index):
            raise ValueError(
                f"{first} and {other} are Series with different indexes: their rows would be "
                f"paired by position. Align them first, e.g. {other} = "
                f"{other}.reindex({first}.index), or pass {other}.to_numpy() if the order is "
                f"already right."
            )


def require_frame(frame, name: str = "frame") -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}.")
    if frame.empty:
        raise ValueError(f"{name} is empty: pass a DataFrame with at least one row.")
    return frame


def require_columns(frame: pd.DataFrame, columns: Iterable[str], name: str = "frame") -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        have = ", ".join(map(str, list(frame.columns)[:20]))
        raise ValueError(
            f"{name} has no column(s) {missing}. Available columns: {have}. "
            f"Check the spelling or pass the right column name."
        )


# --------------------------------------------------------------------------- declarative checks
class Interval:
    """A numeric parameter's allowed values, checked with one message format.

    In the spirit of scikit-learn's ``Interval``: ``kind`` is ``"real"`` or ``"integral"``,
    ``left``/``right`` the bounds (``None``: unbounded), ``closed`` which bounds are
    allowed (``"both"``, ``"left"``, ``"right"``, ``"neither"``). NaN and infinities are
    always refused; booleans are not numbers. ``example`` shows in the type error.

    >>> Interval("real", 0, 1, closed="neither")(0.2, "alpha")
    0.2
    >>> Interval("integral", 0, None, closed="neither")(0, "n_boot")
    Traceback (most recent call last):
    ...
    ValueError: n_boot must be positive, got 0.
    """

    def __init__(self, kind: str, left=None, right=None, *, closed: str = "both",
                 example: str | None = None):
        if kind not in ("real", "integral"):
            raise ValueError(f"kind must be 'real' or 'integral', got {kind!r}.")
        if closed not in ("both", "left", "right", "neither"):
            raise ValueError(f"closed must be 'both', 'left', 'right' or 'neither', got {closed!r}.")
        self.kind, self.left, self.right, self.closed, self.example = (
            kind, left, right, closed, example)

    def _type_text(self) -> str:
        if self.kind == "integral":
            return "a whole number"
        if self.left is not None and self.right is not None:
            return f"a number between {self.left} and {self.right}"
        return "a number" + (f" such as {self.example}" if self.example else "")

    def describe(self) -> str:
        """What the allowed values are, as the error message says it."""
        lo_open = self.closed in ("right", "neither")
        hi_open = self.closed in ("left", "neither")
        lo, hi = self.left, self.right
        if lo is None and hi is None:
            return "a finite number"
        if hi is None:
            if lo == 0 and lo_open:
                return "positive" if self.kind == "integral" else "a positive finite number"
            return f"{'>' if lo_open else '>='} {lo}"
        if lo is None:
            return f"{'<' if hi_open else '<='} {hi}"
        if lo_open and hi_open:
            return f"strictly between {lo} and {hi}"
        if not lo_open and not hi_open:
            return f"between {lo} and {hi}"
        return (f"in {'(' if lo_open else '['}{lo}, {hi}{')' if hi_open else ']'}")

    def contains(self, v: float) -> bool:
        if not np.isfinite(v):
            return False
        lo_open = self.closed in ("right", "neither")
        hi_open = self.closed in ("left", "neither")
        if self.left is not None and (v < self.left or (lo_open and v == self.left)):
            return False
        return not (self.right is not None and (v > self.right or (hi_open and v == self.right)))

    def __call__(self, value, name: str):
        allowed = (int, np.integer) if self.kind == "integral" else (
            int, float, np.integer, np.floating)
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, allowed):
            raise TypeError(f"{name} must be {self._type_text()}, got {value!r}.")
        v = int(value) if self.kind == "integral" else float(value)
        if not self.contains(float(v)):
            raise ValueError(f"{name} must be {self.describe()}, got {value}.")
        return v


class Options:
    """A parameter that takes one of a few values (scikit-learn's ``StrOptions``).

    >>> Options(("skip", "replace"))("skip", "on_existing")
    'skip'
    >>> Options(("skip", "replace"))("keep", "on_existing")
    Traceback (most recent call last):
    ...
    ValueError: on_existing must be 'skip' or 'replace', got 'keep'.
    """

    def __init__(self, values):
        self.values = tuple(values)

    def __call__(self, value, name: str):
        try:
            ok = value in self.values
        except TypeError:  # unhashable or incomparable
            ok = False
        if not ok:
            if len(self.values) == 2:
                choices = f"{self.values[0]!r} or {self.values[1]!r}"
            else:
                choices = f"one of {self.values}"
            raise ValueError(f"{name} must be {choices}, got {value!r}.")
        return value


_POSITIVE_INT = Interval("integral", 0, None, closed="neither")
_OPEN_PROBABILITY = Interval("real", 0, 1, closed="neither")
_PROBABILITY = Interval("real", 0, 1, closed="both")


def positive_int(value, name: str) -> int:
    """A whole number > 0."""
    return _POSITIVE_INT(value, name)


def probability(value, name: str, *, open_interval: bool = True) -> float:
    """A number strictly between 0 and 1 (or between 0 and 1 inclusive)."""
    return (_OPEN_PROBABILITY if open_interval else _PROBABILITY)(value, name)

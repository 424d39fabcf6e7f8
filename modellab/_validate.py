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


def positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a whole number, got {value!r}.")
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value}.")
    return int(value)


def probability(value, name: str, *, open_interval: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{name} must be a number between 0 and 1, got {value!r}.")
    v = float(value)
    ok = 0 < v < 1 if open_interval else 0 <= v <= 1
    if not ok or np.isnan(v):
        bounds = "strictly between 0 and 1" if open_interval else "between 0 and 1"
        raise ValueError(f"{name} must be {bounds}, got {value}.")
    return v

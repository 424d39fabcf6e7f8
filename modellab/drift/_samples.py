"""Turn user input into clean numeric arrays or category counts (private).

Missing values (NaN/None/pd.NA) and infinite values are counted and dropped here, never
passed to a test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from modellab._validate import as_1d, as_numeric

KINDS = ("numeric", "categorical")


def kind_of(values) -> str:
    """``"numeric"`` for int/float data, ``"categorical"`` for text, category, bool, object."""
    dtype = values.dtype if hasattr(values, "dtype") else np.asarray(values).dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "categorical"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        raise TypeError(
            f"values have dtype {dtype}, which drift tests do not handle: convert them to "
            f"numbers (e.g. days since a date) or to categories (e.g. weekday) first."
        )
    return "categorical"


def check_kind(kind, name: str) -> str | None:
    if kind is not None and kind not in KINDS:
        raise ValueError(f"{name}: kind must be one of {KINDS} or None (auto), got {kind!r}.")
    return kind


def numeric_sample(values, name: str) -> tuple[np.ndarray, int, int]:
    """Finite float values, the number of missing (NaN) and of non-finite (+-inf) values dropped.

    Infinite values (e.g. a ratio with a zero denominator) are a data-quality signal,
    reported like missing values; the tests use the finite part only. Refuses text, empty
    input and input without a single finite value.
    """
    if isinstance(values, pd.Series) and pd.api.types.is_numeric_dtype(values.dtype):
        arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        arr = as_numeric(values, name, allow_nan=True)
    if arr.size == 0:
        raise ValueError(f"{name} is empty: pass at least one value.")
    finite = np.isfinite(arr)
    if finite.all():
        return arr, 0, 0
    missing = np.isnan(arr)
    n_missing = int(missing.sum())
    n_nonfinite = int(arr.size - n_missing - finite.sum())
    if not finite.any():
        what = (f"only missing values ({n_missing} NaN)" if not n_nonfinite else
                f"no finite values ({n_missing} missing, {n_nonfinite} infinite)")
        raise ValueError(
            f"{name} has {what}: there is nothing to test; check the data pipeline or leave "
            f"this column out."
        )
    return arr[finite], n_missing, n_nonfinite


def category_counts(values, name: str) -> tuple[pd.Series, int]:
    """Counts per category (missing excluded, zero counts dropped) and the missing count."""
    if not isinstance(values, pd.Series):
        values = pd.Series(as_1d(values, name))
    if len(values) == 0:
        raise ValueError(f"{name} is empty: pass at least one value.")
    counts = values.value_counts(dropna=True, sort=False)
    counts = counts[counts > 0]
    n_missing = int(len(values) - counts.sum())
    if counts.empty:
        raise ValueError(
            f"{name} has only missing values ({len(values)} NaN): there is nothing to test; "
            f"check the data pipeline or leave this column out."
        )
    counts.index = pd.Index(_plain_labels(counts.index), dtype=object)
    return counts.astype(np.int64), n_missing


def _plain_labels(index: pd.Index) -> list:
    """Python scalars (str, int, float, bool) so labels compare equal across dtypes and JSON."""
    return [v.item() if isinstance(v, np.generic) else v for v in index.tolist()]

"""Turn user input into clean numeric arrays or category counts (private).

Missing values (NaN/None/pd.NA) are counted and dropped here, never passed to a test.
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


def numeric_sample(values, name: str) -> tuple[np.ndarray, int]:
    """Float array without NaN, and the number of NaN dropped; refuse text and all-NaN."""
    if isinstance(values, pd.Series) and pd.api.types.is_numeric_dtype(values.dtype):
        arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        arr = as_numeric(values, name, allow_nan=True)
    if arr.size == 0:
        raise ValueError(f"{name} is empty: pass at least one value.")
    missing = np.isnan(arr)
    n_missing = int(missing.sum())
    if n_missing:
        if n_missing == arr.size:
            raise ValueError(
                f"{name} has only missing values ({arr.size} NaN): there is nothing to test; "
                f"check the data pipeline or leave this column out."
            )
        arr = arr[~missing]
    return arr, n_missing


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


def aligned_counts(ref: pd.Series, cur: pd.Series) -> tuple[np.ndarray, np.ndarray, int]:
    """Counts over the reference categories followed by categories unseen in the reference.

    Returns ``(ref_counts, cur_counts, n_unseen)`` where ``n_unseen`` is the number of
    current values whose category the reference never had (reference count 0 there).
    """
    unseen = cur.index.difference(ref.index, sort=False)
    labels = ref.index.append(unseen)
    ref_c = ref.reindex(labels, fill_value=0).to_numpy(np.int64)
    cur_c = cur.reindex(labels, fill_value=0).to_numpy(np.int64)
    return ref_c, cur_c, int(cur.reindex(unseen).sum()) if len(unseen) else 0

"""Data contracts: what a batch must look like, inferred from the reference as a pandera schema.

A model is only as good as the data it is fed. A *data contract* writes down what the model
was built on - each column's type, whether it may be empty, the range of its values, the
categories it knows, whether it is a unique key - so a broken pipeline is caught before its
scores reach a decision. The contract is a plain :class:`pandera.DataFrameSchema` (the field's
DataFrame-validation library): read it, edit it (``contract.update_column(...)``), save it with
``contract.to_yaml(path)`` and load it with ``pandera.DataFrameSchema.from_yaml(path)``.

How :func:`infer_contract` sets each check
------------------------------------------
- **type**: the reference column's dtype;
- **nullable**: only if the reference column has missing values;
- **allowed values**: text/categorical columns may take only the reference categories; a
  0/1 integer column only 0 and 1;
- **range** (other numeric columns): ``[min - tolerance * span, max + tolerance * span]`` with
  ``span = max - min``; a column never negative in the reference stays non-negative;
- **typical size** (numeric columns of positive quantities): the batch median must stay
  within a factor ``median_factor`` of the reference median (``median_between``, the same
  idea as Great Expectations' ``expect_column_median_to_be_between``). A range alone cannot
  see income reported in thousands (38 is a possible income); a median a thousand times
  smaller is not. It is a registered pandera check, so it is saved and loaded with the
  contract (import :mod:`modellab.contracts` before loading a saved contract);
- **unique**: integer or text columns whose reference values are all different (an id).

:func:`validate` never raises for bad data: it returns a tidy violations table, empty when the
batch conforms.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from modellab._validate import require_columns, require_frame

#: Columns of :func:`validate`.
VIOLATION_COLUMNS = ["column", "check", "failures", "examples"]
#: Distinct failing values shown in ``examples``.
N_EXAMPLES = 3


def _pa():
    import pandera.pandas as pa

    return pa


def _register_checks() -> None:
    import pandera.extensions as extensions

    pa = _pa()
    if hasattr(pa.Check, "median_between"):
        return

    @extensions.register_check_method(statistics=["min_value", "max_value"],
                                      supported_types=pd.Series)
    def median_between(series, *, min_value, max_value):
        """The column's median lies in ``[min_value, max_value]`` (missing values ignored)."""
        median = series.median()
        return bool(pd.isna(median) or min_value <= median <= max_value)


_register_checks()


def _is_text(col: pd.Series) -> bool:
    return (
        pd.api.types.is_string_dtype(col.dtype)
        or isinstance(col.dtype, pd.CategoricalDtype)
        or col.dtype == object
    )


def _column(col: pd.Series, tolerance: float, nullable: bool, median_factor: float | None):
    pa = _pa()
    values = col.dropna()
    checks = []
    unique = False
    if values.empty:
        return pa.Column(col.dtype, nullable=True, required=True)
    if _is_text(col):
        checks.append(pa.Check.isin(sorted(str(v) for v in values.unique())))
        unique = bool(values.is_unique and len(values) > 1)
    elif pd.api.types.is_bool_dtype(col.dtype):
        pass
    elif pd.api.types.is_numeric_dtype(col.dtype):
        is_int = pd.api.types.is_integer_dtype(col.dtype)
        if is_int and set(values.unique()) <= {0, 1}:
            checks.append(pa.Check.isin([0, 1]))
        elif is_int and values.is_unique and len(values) > 1:
            unique = True  # an identifier: neither a range nor a typical size applies
        else:
            lo, hi = float(values.min()), float(values.max())
            span = hi - lo
            lower, upper = lo - tolerance * span, hi + tolerance * span
            if lo >= 0:
                lower = max(lower, 0.0)
            checks.append(pa.Check.in_range(lower, upper))
            median = float(values.median())
            if lo >= 0 and median > 0 and median_factor is not None:
                checks.append(pa.Check.median_between(float(f"{median / median_factor:.6g}"),
                                                      float(f"{median * median_factor:.6g}")))
    dtype = col.dtype
    if nullable and pd.api.types.is_integer_dtype(dtype) and not col.isna().any():
        # pandas stores a whole-number column as int64 when complete and as float64 with gaps
        # (labels that have not arrived): check its values, not its storage type.
        dtype = None
    return pa.Column(dtype, checks=checks, nullable=nullable, unique=unique, required=True)


def infer_contract(reference: pd.DataFrame, columns: Sequence[str] | None = None, *,
                   tolerance: float = 2.0, median_factor: float | None = 2.0,
                   nullable: Sequence[str] = ()):
    """Infer a data contract from the reference period.

    Parameters
    ----------
    reference : DataFrame
        The data the model was built and validated on.
    columns : list of str, optional
        Columns the contract covers; default all. Columns a batch has beyond these are allowed
        (a production batch carries ``batch`` and ``timestamp``).
    tolerance : float, default 2.0
        Room around the reference range, as a multiple of its span (see the module notes).
        The range guards against impossible values (a negative amount, a rate of 300%), not
        rare ones: money is heavy-tailed, and a stream four times longer than the reference
        routinely beats its record income (with 0.5, two of the 60 batches of three ``stable``
        streams break it). A unit change is the median check's job.
    median_factor : float or None, default 2.0
        How far (as a factor) a batch median of a positive quantity may move from the
        reference median; ``None`` leaves the median check out.
    nullable : list of str, optional
        Columns that may be empty although the reference has no missing values (e.g. the
        label, in production, before outcomes arrive). For a whole-number column named here
        the values are checked but not the storage type (pandas turns int64 into float64
        when a value is missing).

    Returns
    -------
    pandera.DataFrameSchema
        Named ``"contract"``; ``strict=False`` (extra columns allowed), no type coercion.

    Examples
    --------
    >>> ref = pd.DataFrame({"age": [25.0, 40.0, 61.0], "channel": ["online", "branch", "online"]})
    >>> contract = infer_contract(ref)
    >>> contract.columns["age"].checks
    [<Check in_range: in_range(0.0, 133.0)>, <Check median_between: median_between(min_value=20.0, max_value=80.0)>]
    >>> contract.columns["channel"].checks
    [<Check isin: isin(['branch', 'online'])>]
    >>> validate(contract, ref).empty
    True
    """
    pa = _pa()
    reference = require_frame(reference, "reference")
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float, np.integer, np.floating)):
        raise TypeError(f"tolerance must be a number such as 0.5, got {tolerance!r}.")
    if not 0 <= float(tolerance) < 10:
        raise ValueError(f"tolerance must be between 0 and 10 (a share of the range), got {tolerance}.")
    if columns is None:
        columns = list(reference.columns)
    elif isinstance(columns, str) or not isinstance(columns, Sequence):
        raise TypeError(f"columns must be a list of column names, got {columns!r}.")
    require_columns(reference, columns, "reference")
    if isinstance(nullable, str):
        nullable = [nullable]
    require_columns(reference, nullable, "reference")
    if median_factor is not None:
        if isinstance(median_factor, bool) or not isinstance(
            median_factor, (int, float, np.integer, np.floating)
        ):
            raise TypeError(f"median_factor must be a number such as 2.0 or None, got {median_factor!r}.")
        if not 1 < float(median_factor) < np.inf:
            raise ValueError(f"median_factor must be a finite number above 1, got {median_factor}.")
        median_factor = float(median_factor)
    schema = {
        c: _column(reference[c], float(tolerance), bool(reference[c].isna().any() or c in nullable),
                   median_factor)
        for c in columns
    }
    return pa.DataFrameSchema(schema, strict=False, coerce=False, name="contract")


def _examples(values: pd.Series) -> str:
    distinct = list(dict.fromkeys(
        f"{v:.6g}" if isinstance(v, (float, np.floating)) else str(v) for v in values
    ))
    shown = ", ".join(distinct[:N_EXAMPLES])
    return shown + (", ..." if len(distinct) > N_EXAMPLES else "")


def validate(contract, batch: pd.DataFrame) -> pd.DataFrame:
    """Check a batch against a contract; report every violation as a tidy table.

    Parameters
    ----------
    contract : pandera.DataFrameSchema
        From :func:`infer_contract` (or written by hand, or loaded from YAML/JSON).
    batch : DataFrame
        The data to check. Bad data is never an exception: a missing (renamed) column, a
        column of the wrong type, an empty batch, an all-empty column are rows of the result.

    Returns
    -------
    DataFrame
        Columns ``column, check, failures, examples``: one row per failing check. ``check``
        is pandera's name (``column_in_dataframe``, ``dtype('float64')``, ``not_nullable``,
        ``in_range(...)``, ``isin(...)``, ``field_uniqueness``, ``not_empty``); ``failures``
        counts failing rows (the whole batch for a missing or retyped column); ``examples``
        shows up to three distinct failing values (the batch's dtype for a type check).
        Empty when the batch conforms.

    Examples
    --------
    >>> ref = pd.DataFrame({"income": [20000.0, 35000.0, 90000.0], "channel": ["a", "b", "a"]})
    >>> batch = pd.DataFrame({"income": [25.0, 40.0, 30000.0], "channel": ["a", "c", None]})
    >>> v = validate(infer_contract(ref), batch)
    >>> v[["column", "failures", "examples"]]
        column  failures   examples
    0  channel         1          c
    1  channel         1        nan
    2   income         3  median 40
    >>> v["check"].tolist()
    ["isin(['a', 'b'])", 'not_nullable', 'median_between(min_value=17500.0, max_value=70000.0)']
    """
    pa = _pa()
    if not isinstance(contract, pa.DataFrameSchema):
        raise TypeError(
            f"contract must be a pandera DataFrameSchema (from infer_contract), got "
            f"{type(contract).__name__}."
        )
    if not isinstance(batch, pd.DataFrame):
        raise TypeError(f"batch must be a pandas DataFrame, got {type(batch).__name__}.")
    rows = []
    if batch.empty:
        rows.append({"column": "(batch)", "check": "not_empty", "failures": 0,
                     "examples": f"{len(batch.columns)} columns, 0 rows"})
    try:
        contract.validate(batch, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        retyped = set(cases.loc[cases["check"].astype(str).str.startswith("dtype("), "column"])
        # A retyped column fails its value checks too; the type is the violation to report.
        cases = cases[~cases["column"].isin(retyped) | cases["check"].astype(str).str.startswith("dtype(")]
        for (column, check), grp in cases.groupby(["column", "check"], dropna=False, sort=True):
            column = None if pd.isna(column) else column
            if check == "column_in_dataframe":
                column = str(grp["failure_case"].iloc[0])
                rows.append({"column": column, "check": check, "failures": len(batch),
                             "examples": "column missing"})
            elif str(check).startswith("dtype("):
                rows.append({"column": column, "check": check, "failures": len(batch),
                             "examples": str(batch[column].dtype)})
            elif str(check).startswith("median_between("):
                rows.append({"column": column, "check": check, "failures": len(batch),
                             "examples": f"median {batch[column].median():.6g}"})
            else:
                failing = grp["failure_case"]
                rows.append({"column": column, "check": str(check), "failures": len(grp),
                             "examples": _examples(failing)})
    out = pd.DataFrame(rows, columns=VIOLATION_COLUMNS)
    out = out.sort_values(["column", "check"], kind="stable", ignore_index=True)
    return out.astype({"failures": np.int64})


def validate_batches(contract, production: pd.DataFrame, by: str = "batch") -> pd.DataFrame:
    """:func:`validate` on every batch of a stream, as one tidy table.

    Parameters
    ----------
    contract : pandera.DataFrameSchema
    production : DataFrame
        The stream, with a batch column.
    by : str, default "batch"

    Returns
    -------
    DataFrame
        ``batch`` followed by :data:`VIOLATION_COLUMNS`; what
        :class:`modellab.monitor.segment_rules.ContractViolated` judges.

    Examples
    --------
    >>> ref = pd.DataFrame({"channel": ["a", "b"] * 5})
    >>> stream = pd.DataFrame({"batch": [0, 0, 1, 1], "channel": ["a", "b", "a", "z"]})
    >>> validate_batches(infer_contract(ref), stream)[["batch", "column", "failures", "examples"]]
       batch   column  failures examples
    0      1  channel         1        z
    """
    production = require_frame(production, "production")
    if not isinstance(by, str):
        raise TypeError(f"by must be the batch column's name, got {by!r}.")
    require_columns(production, [by], "production")
    parts = [
        validate(contract, frame.drop(columns=[by])).assign(batch=key)
        for key, frame in production.groupby(by, sort=True)
    ]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=VIOLATION_COLUMNS)
    return out[["batch", *VIOLATION_COLUMNS]]

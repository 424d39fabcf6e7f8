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
batch conforms. A batch too large for memory is checked chunk by chunk (files, record batches):
:func:`summarise` each chunk, :meth:`ContractSummary.merge` the summaries in any order, and read
``violations()`` - :func:`validate` is that path on a single chunk, so both agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

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


# ------------------------------------------------------------ summaries of chunks of a batch
#
# One path for a batch in memory and for a batch read chunk by chunk (Parquet files, record
# batches): pandera runs the row-level checks on each chunk, the checks that need the whole
# batch (median, uniqueness, not empty) are kept out of that run and judged from the merged
# summary. ``validate(contract, batch)`` is ``summarise(contract, batch).violations()``.

_MISSING = "column_in_dataframe"
#: Checks of the frame's layout: each chunk that breaks one counts all its rows.
_LAYOUT = ("column_in_schema", "column_ordered", "dataframe_column_labels_unique")


@dataclass(frozen=True)
class _Count:
    """Failures of one check: rows failing, and the first distinct failing values (as text)
    with their position ``(file, row of the chunk in the file, row order in the chunk)``."""

    failures: int
    examples: tuple[tuple[tuple[int, int, int], str], ...]

    def merge(self, other: _Count, keep: int | None) -> _Count:
        first: dict[str, tuple[int, int, int]] = {}
        for pos, text in (*self.examples, *other.examples):
            if text not in first or pos < first[text]:
                first[text] = pos
        ordered = sorted((pos, text) for text, pos in first.items())
        return _Count(self.failures + other.failures, tuple(ordered[:keep]))

    def text(self, keep: int | None) -> str:
        texts = [t for _, t in sorted(self.examples)]
        shown = ", ".join(texts[:keep])
        return shown + (", ..." if keep is not None and len(texts) > keep else "")


@dataclass(frozen=True)
class _MedianCounts:
    """What decides ``median_between(lo, hi)`` exactly, and merges by adding and min/max.

    ``m`` non-missing values, ``below`` of them ``< lo`` and ``above`` ``> hi``; the largest
    value below ``lo`` and the smallest at or above it (and the mirror pair for ``hi``) settle
    an even count split exactly at the bound, where pandas averages the two middle values.
    """

    lo: float
    hi: float
    rows: int = 0
    m: int = 0
    below: int = 0
    above: int = 0
    below_max: float | None = None
    from_lo_min: float | None = None
    above_min: float | None = None
    to_hi_max: float | None = None
    not_numeric: tuple[str, ...] = ()

    @classmethod
    def of(cls, col: pd.Series, lo: float, hi: float) -> _MedianCounts:
        try:
            x = col.dropna().to_numpy(dtype=np.float64)
        except (TypeError, ValueError):
            return cls(lo, hi, rows=len(col), not_numeric=(str(col.dtype),))

        def ext(fn, values):
            return float(fn(values)) if len(values) else None

        return cls(lo, hi, rows=len(col), m=len(x), below=int((x < lo).sum()),
                   above=int((x > hi).sum()),
                   below_max=ext(np.max, x[x < lo]), from_lo_min=ext(np.min, x[x >= lo]),
                   above_min=ext(np.min, x[x > hi]), to_hi_max=ext(np.max, x[x <= hi]))

    def merge(self, other: _MedianCounts) -> _MedianCounts:
        def pick(fn, a, b):
            return b if a is None else a if b is None else fn(a, b)

        return _MedianCounts(
            self.lo, self.hi, self.rows + other.rows, self.m + other.m, self.below + other.below,
            self.above + other.above, pick(max, self.below_max, other.below_max),
            pick(min, self.from_lo_min, other.from_lo_min),
            pick(min, self.above_min, other.above_min), pick(max, self.to_hi_max, other.to_hi_max),
            tuple(dict.fromkeys((*self.not_numeric, *other.not_numeric))),
        )

    def verdict(self) -> str | None:
        """Why the median breaks ``[lo, hi]`` (None if it does not), as pandas' median would."""
        lo, hi = self.lo, self.hi
        if self.not_numeric:
            return f"no median of a {', '.join(self.not_numeric)} column"
        m = self.m
        if m == 0:
            return None  # all missing: pandas' median is NaN, which the check lets pass
        k = (m + 1) // 2  # odd m: the median is the k-th smallest value
        low = f"median below {lo:.6g} ({self.below:,} of {m:,} values below)"
        high = f"median above {hi:.6g} ({self.above:,} of {m:,} values above)"
        if m % 2 or self.below > k or self.above > k:
            return low if self.below >= k else high if self.above >= k else None
        # even m with exactly half the values beyond a bound: the two middle values are known
        for count, a, b in ((self.below, self.below_max, self.from_lo_min),
                            (self.above, self.to_hi_max, self.above_min)):
            if count == k:
                with np.errstate(invalid="ignore"):  # -inf and inf: NaN, as pandas
                    median = float(np.mean(np.array([a, b], dtype=np.float64)))
                return low if median < lo else high if median > hi else None
        return None


@dataclass(frozen=True)
class _Plan:
    """The contract split into what pandera runs per chunk and what is judged per batch."""

    per_chunk: object  # pandera DataFrameSchema
    medians: tuple[tuple[str, str, float, float], ...]  # (column, check, min_value, max_value)
    unique: tuple[tuple[str, str], ...]  # (column, report_duplicates)
    unmergeable: tuple[str, ...]
    signature: str


def _row_level(check, empty, probe=None) -> bool:
    """Whether a check answers row by row: one verdict per row, depending on that row only.

    Probed on an empty input (the answer must be a Series/DataFrame, not one boolean) and, when
    ``probe`` (a few rows of the column's type) can be checked, on the probe split in two:
    a row-level check gives the same verdicts, on the same index, in one piece and in two
    (``s.value_counts() < 300`` or ``s < s.quantile(0.95)`` do not).
    """
    try:
        out = check(empty).check_output
    except Exception:  # noqa: BLE001 - a check that fails on no rows cannot be classified
        return False
    if not isinstance(out, (pd.Series, pd.DataFrame)):
        return False
    if probe is None:
        return True
    try:
        whole = check(probe).check_output
        halves = [check(probe.iloc[:3]).check_output, check(probe.iloc[3:]).check_output]
    except Exception:  # noqa: BLE001 - not checkable on made-up values: keep the empty probe's answer
        return True
    if not all(isinstance(o, (pd.Series, pd.DataFrame)) for o in (whole, *halves)):
        return False
    joined = pd.concat(halves)
    return bool(whole.index.equals(probe.index) and joined.index.equals(probe.index)
                and np.array_equal(np.asarray(whole, dtype=object), np.asarray(joined, dtype=object)))


def _empty_like(column) -> pd.Series:
    try:
        return pd.Series([], dtype=column.dtype.type if column.dtype is not None else object)
    except TypeError:
        return pd.Series([], dtype=object)


def _probe_like(column) -> pd.Series | None:
    """Six made-up values of the column's type (``None`` when there is no telling)."""
    dtype = getattr(column.dtype, "type", None) if column.dtype is not None else None
    if isinstance(dtype, pd.CategoricalDtype):
        known = list(dtype.categories)
        return pd.Series(np.resize(np.asarray(known, dtype=object), 6), dtype=dtype) if known else None
    candidates = ([0, 1, 2, 3, 5, 8], [0.5, 1.0, 2.5, 3.0, 5.5, 8.0],
                  ["a", "b", "c", "d", "e", "f"], [True, False, True, True, False, True])
    for values in candidates:
        try:
            probe = pd.Series(values, dtype=dtype if dtype is not None else None)
        except (TypeError, ValueError):
            continue
        if len(probe.dropna()) == len(values):
            return probe
    return None


_PLANS: dict = {}


def _fingerprint(contract) -> tuple:
    """What :func:`_plan` reads of a contract, cheaply: a contract edited in place (a column
    or check added, replaced or re-parametrised) gets another fingerprint."""
    def checks(items):
        return tuple((id(c), c.name, repr(c.statistics), c.element_wise) for c in items)

    return (id(contract), contract.strict, contract.ordered, repr(contract.unique),
            contract.index is not None, checks(contract.checks),
            tuple((n, str(c.dtype), c.nullable, c.unique, c.regex, str(c.report_duplicates),
                   checks(c.checks)) for n, c in contract.columns.items()))


def _plan(contract) -> _Plan:
    """The contract's :class:`_Plan`, built once per contract (probing every check costs
    milliseconds, and a monitor summarises thousands of chunks)."""
    key = _fingerprint(contract)
    if key not in _PLANS:
        if len(_PLANS) > 32:
            _PLANS.clear()
        _PLANS[key] = _build_plan(contract)
    return _PLANS[key]


def _build_plan(contract) -> _Plan:
    medians, unique, unmergeable, updates = [], [], [], {}
    for name, column in contract.columns.items():
        keep = []
        for check in column.checks:
            label = str(check.error or check.name)
            if check.name == "median_between" and not column.regex:
                stats = check.statistics
                medians.append((name, label, float(stats["min_value"]), float(stats["max_value"])))
                continue
            if not _row_level(check, _empty_like(column), _probe_like(column)):
                unmergeable.append(f"{name}: {label}")
            keep.append(check)
        batch_unique = bool(column.unique) and not column.regex
        if column.unique and column.regex:
            unmergeable.append(f"{name}: field_uniqueness")
        if batch_unique:
            unique.append((name, str(column.report_duplicates)))
        if batch_unique or len(keep) < len(column.checks):
            updates[name] = {"checks": keep, "unique": False}
    if contract.unique:
        unmergeable.append(f"{contract.unique}: multiple_fields_uniqueness")
    if contract.index is not None:
        unmergeable.append("(index): index checks")
    frame = pd.DataFrame({n: _empty_like(c) for n, c in contract.columns.items() if not c.regex})
    probes = {n: _probe_like(c) for n, c in contract.columns.items() if not c.regex}
    probe = (pd.DataFrame(probes) if all(p is not None for p in probes.values()) and probes
             else None)
    unmergeable += [f"(frame): {c.error or c.name}" for c in contract.checks
                    if not _row_level(c, frame, probe)]
    per_chunk = contract.update_columns(updates) if updates else contract
    signature = repr((list(contract.columns), medians, unique))
    return _Plan(per_chunk, tuple(medians), tuple(unique), tuple(unmergeable), signature)


def _tally(cases: pd.DataFrame, origin: tuple[int, int]) -> dict:
    """Failure cases of pandera, per (column, check): count and first distinct values."""
    out = {}
    for (column, check), grp in cases.groupby(["column", "check"], dropna=False, sort=False):
        column = None if pd.isna(column) else column
        values = grp["failure_case"].reset_index(drop=True)
        try:
            values = values[~values.duplicated()]
        except TypeError:  # unhashable failing values: format them all
            pass
        first: dict[str, tuple[int, int, int]] = {}
        for i, v in values.items():
            text = f"{v:.6g}" if isinstance(v, (float, np.floating)) else str(v)
            if text not in first:
                first[text] = (origin[0], origin[1], int(i))
                if len(first) > N_EXAMPLES:  # one more than shown: the merge knows "..." is due
                    break
        out[(column, str(check))] = _Count(len(grp), tuple((p, t) for t, p in first.items()))
    return out


def _add(a: dict, b: dict, merge) -> dict:
    out = dict(a)
    for key, value in b.items():
        out[key] = merge(out[key], value) if key in out else value
    return out


@dataclass(frozen=True, eq=False)
class ContractSummary:
    """What a chunk of a batch (or several, merged) tells about the batch against a contract.

    Made by :func:`summarise`; :meth:`merge` summaries of disjoint chunks of one batch (in any
    order) and read :meth:`violations`. Plain data only, so it pickles (Dask, processes).

    Memory: counts and a few examples per check, except for a column the contract wants
    unique, whose values are kept (one column of the batch) until :meth:`violations`.
    """

    signature: str
    n_rows: int
    columns: frozenset
    spans: tuple[tuple[int, int, int], ...]
    row_checks: dict = field(default_factory=dict)
    structural: dict = field(default_factory=dict)
    medians: dict = field(default_factory=dict)
    unique_modes: tuple[tuple[str, str], ...] = ()
    unique_values: tuple = field(default=(), repr=False)
    unmergeable: tuple[str, ...] = ()

    def merge(self, other: ContractSummary) -> ContractSummary:
        """The summary of both chunks: same for any order and grouping of the merges."""
        if not isinstance(other, ContractSummary):
            raise TypeError(f"other must be a ContractSummary (from summarise), got "
                            f"{type(other).__name__}.")
        if other.signature != self.signature:
            raise ValueError("other summarises against another contract: merge summaries made "
                             "with the same contract.")
        if self.unmergeable or other.unmergeable:
            raise ValueError(
                f"the contract has checks judged on a whole batch that cannot be merged from "
                f"chunks: {list(self.unmergeable or other.unmergeable)}. Validate the batch in "
                f"one piece with validate(), or write these checks row by row."
            )
        spans = tuple(sorted(self.spans + other.spans))
        filled = [s for s in spans if s[1] < s[2]]
        for (f1, _, b1), (f2, a2, _) in zip(filled, filled[1:], strict=False):
            if f1 == f2 and a2 < b1:  # sorted by start: any overlap shows between neighbours
                raise ValueError(f"row {a2} of file {f1} is in both summaries: summarise each "
                                 f"chunk once, with its own origin (file, first row).")
        return ContractSummary(
            signature=self.signature, n_rows=self.n_rows + other.n_rows,
            columns=self.columns | other.columns, spans=spans,
            row_checks=_add(self.row_checks, other.row_checks,
                            lambda a, b: a.merge(b, N_EXAMPLES + 1)),
            structural=_add(self.structural, other.structural, lambda a, b: a.merge(b, None)),
            medians=_add(self.medians, other.medians, _MedianCounts.merge),
            unique_modes=self.unique_modes,
            unique_values=tuple(sorted(self.unique_values + other.unique_values,
                                       key=lambda item: item[0])),
            unmergeable=(),
        )

    def violations(self) -> pd.DataFrame:
        """The violations table of the summarised rows (see :func:`validate`)."""
        rows = []
        if self.n_rows == 0:
            rows.append(("(batch)", "not_empty", 0, f"{len(self.columns)} columns, 0 rows"))
        rows += [(c, k, n.failures, n.text(None)) for (c, k), n in self.structural.items()]
        counts = dict(self.row_checks)
        pa = _pa()
        for column, mode in self.unique_modes:
            parts = [v for _, c, v in self.unique_values if c == column]
            if not parts:
                continue
            values = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
            # pandera's own uniqueness check on the batch's column: today's failures/examples
            only = pa.DataFrameSchema({column: pa.Column(None, nullable=True, unique=True,
                                                         report_duplicates=mode)})
            try:
                only.validate(values.to_frame(column), lazy=True)
            except pa.errors.SchemaErrors as err:
                counts.update(_tally(err.failure_cases, (0, 0)))
        rows += [(c, k, n.failures, n.text(N_EXAMPLES)) for (c, k), n in counts.items()]
        for (column, check), stats in self.medians.items():
            why = stats.verdict()
            if why is not None:
                rows.append((column, check, stats.rows, why))
        out = pd.DataFrame(rows, columns=VIOLATION_COLUMNS)
        out = out.sort_values(["column", "check"], kind="stable", ignore_index=True)
        return out.astype({"failures": np.int64})


def _require_contract(contract):
    pa = _pa()
    if not isinstance(contract, pa.DataFrameSchema):
        raise TypeError(
            f"contract must be a pandera DataFrameSchema (from infer_contract), got "
            f"{type(contract).__name__}."
        )
    return pa


def unmergeable_checks(contract) -> list[str]:
    """The contract's checks that cannot be merged from chunks (``"column: check"``): checks
    that judge a whole column at once (a mean, a quantile, value counts), uniqueness over
    several columns or a regex column, index checks. :func:`validate` runs them on a batch in
    one piece; :meth:`ContractSummary.merge` refuses them."""
    _require_contract(contract)
    return list(_plan(contract).unmergeable)


def contract_columns(contract) -> list:
    """The columns a contract names, in its order (a regex column as its pattern).

    Examples
    --------
    >>> contract_columns(infer_contract(pd.DataFrame({"age": [30.0, 41.0], "channel": ["a", "b"]})))
    ['age', 'channel']
    """
    _require_contract(contract)
    return list(contract.columns)


def _stable_repr(value) -> str:
    """``repr`` without memory addresses (they change from run to run)."""
    text = repr(value)
    return type(value).__qualname__ if " at 0x" in text else text


def _code_fingerprint(code) -> list[str]:
    # Nested code objects (a lambda inside the check) by their own contents: their repr
    # holds an address.
    return [code.co_code.hex(), repr(code.co_names), *(
        "|".join(_code_fingerprint(c)) if hasattr(c, "co_code") else _stable_repr(c)
        for c in code.co_consts)]


def _function_fingerprint(fn) -> str:
    """A short hash of what a check function computes: its byte code, the constants and
    names it uses, its defaults and the values it closes over (``lambda s: s > t`` with
    another ``t`` differs). The same function defined again (a notebook re-run) keeps it."""
    import functools
    import hashlib

    parts = []
    while isinstance(fn, functools.partial):
        parts += [_stable_repr(fn.args), _stable_repr(sorted(fn.keywords.items()))]
        fn = fn.func
    code = getattr(fn, "__code__", None)
    if code is None:  # a callable object or a builtin: its type and value
        parts.append(_stable_repr(fn))
    else:
        parts += _code_fingerprint(code)
        parts += [_stable_repr(fn.__defaults__), _stable_repr(fn.__kwdefaults__)]
        for cell in fn.__closure__ or ():
            try:
                parts.append(_stable_repr(cell.cell_contents))
            except ValueError:  # an empty cell
                parts.append("<empty>")
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:16]


def custom_checks(contract) -> list[dict]:
    """The contract's checks that ``contract.to_yaml()`` leaves out, with a fingerprint each.

    pandera saves a check as its name and statistics, so a check written as a function
    (``pa.Check(lambda s: s > 0, name="positive")``) is skipped with a warning: two contracts
    that differ only there have the same YAML. A monitor's store keeps this list beside the
    YAML, so a store is never shared by monitors that check different things. One dict per
    check: ``column`` (``None`` for a check of the whole table), ``check`` (its name),
    ``element_wise`` and ``code`` (a hash of the function; see :func:`_function_fingerprint`).

    Examples
    --------
    >>> pa = _pa()
    >>> one = pa.DataFrameSchema({"x": pa.Column(float, pa.Check(lambda s: s > 0, name="pos"))})
    >>> two = pa.DataFrameSchema({"x": pa.Column(float, pa.Check(lambda s: s > 5, name="pos"))})
    >>> [c["check"] for c in custom_checks(one)]
    ['pos']
    >>> custom_checks(one) == custom_checks(two)
    False
    """
    _require_contract(contract)

    def listed(column, checks):
        return [
            {"column": column, "check": str(c.name), "element_wise": bool(c.element_wise),
             "code": _function_fingerprint(c._check_fn)}
            for c in checks if not c.statistics  # registered and built-in checks have statistics
        ]

    out = listed(None, contract.checks)
    for name, column in contract.columns.items():
        out += listed(str(name), column.checks)
    return out


def summarise(contract, chunk: pd.DataFrame, origin: tuple[int, int] = (0, 0)) -> ContractSummary:
    """Summarise a chunk of one batch against a contract, to merge with the batch's other chunks.

    Parameters
    ----------
    contract : pandera.DataFrameSchema
        From :func:`infer_contract` (or written by hand, or loaded from YAML/JSON).
    chunk : DataFrame
        Some rows of one batch (a whole batch, a file, a record batch of a file).
    origin : (int, int), default (0, 0)
        ``(file index, row in that file)`` of the chunk's first row. It only orders the
        examples (by file, then row) and catches a chunk summarised twice.

    Returns
    -------
    ContractSummary
        ``merge`` it with the summaries of the batch's other chunks, in any order; its
        ``violations()`` is the table :func:`validate` returns.

    Notes
    -----
    Row-level checks (pandera's ``in_range``, ``isin``, ``not_nullable``, any check that answers
    row by row) run on the chunk: failures add up, the examples are the first distinct failing
    values. A chunk lacking a contract column, or holding it with another type, counts all its
    rows against ``column_in_dataframe`` or ``dtype(...)``; that chunk's values of a retyped
    column are not checked further (the type is the violation to report). ``median_between``,
    uniqueness and ``not_empty`` are judged on the merged summary, exactly as on the whole
    batch: the median from counts of values beyond each bound (exact as long as the two middle
    values do not overflow float64 when added, beyond about 8.9e307), uniqueness by pandera on
    the column's values, kept until ``violations()``. A check the summary cannot merge (one
    that returns a single boolean for the whole column, a uniqueness over several columns) is
    exact on a single chunk, and ``merge`` refuses it with a ValueError.

    Examples
    --------
    >>> contract = infer_contract(pd.DataFrame({"id": [1, 2, 3], "channel": ["a", "b", "a"]}))
    >>> first = summarise(contract, pd.DataFrame({"id": [1, 2], "channel": ["a", "c"]}))
    >>> second = summarise(contract, pd.DataFrame({"id": [2], "channel": ["z"]}), origin=(1, 0))
    >>> second.merge(first).violations()
        column             check  failures examples
    0  channel  isin(['a', 'b'])         2     c, z
    1       id  field_uniqueness         2        2
    """
    pa = _require_contract(contract)
    if not isinstance(chunk, pd.DataFrame):
        raise TypeError(f"chunk must be a pandas DataFrame, got {type(chunk).__name__}.")
    if (not isinstance(origin, (tuple, list)) or len(origin) != 2
            or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 0
                       for v in origin)):
        raise ValueError(f"origin must be (file index, row in file), two whole numbers >= 0, "
                         f"got {origin!r}.")
    origin = (int(origin[0]), int(origin[1]))
    plan = _plan(contract)
    structural, row_checks = {}, {}
    missing, retyped = set(), set()
    try:
        plan.per_chunk.validate(chunk, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        check = cases["check"].astype(str)
        where = (*origin, 0)
        for name in cases.loc[check == _MISSING, "failure_case"]:
            missing.add(name)
            structural[(name, _MISSING)] = _Count(len(chunk), ((where, "column missing"),))
        is_type = check.str.startswith("dtype(")
        for (name, label), _ in cases[is_type].groupby(["column", "check"], sort=False):
            retyped.add(name)
            structural[(name, str(label))] = _Count(len(chunk), ((where, str(chunk[name].dtype)),))
        for label in _LAYOUT:  # strict, ordered, unique column names: the chunk's layout
            names = list(dict.fromkeys(str(v) for v in cases.loc[check == label, "failure_case"]))
            if label == "column_in_schema":
                for name in names:
                    structural[(name, label)] = _Count(len(chunk),
                                                       ((where, "not in the contract"),))
            elif names:
                structural[(None, label)] = _Count(
                    len(chunk), tuple(((*origin, i), n) for i, n in enumerate(names)))
        # A retyped column fails its value checks too; the type is the violation to report.
        rest = cases[(check != _MISSING) & ~check.isin(_LAYOUT) & ~is_type
                     & ~cases["column"].isin(retyped)]
        row_checks = _tally(rest, origin)
    checked = [c for c in chunk.columns if c not in retyped and c not in missing]
    medians = {(name, label): _MedianCounts.of(chunk[name], lo, hi)
               for name, label, lo, hi in plan.medians if name in checked}
    unique_values = tuple((origin, name, chunk[name].reset_index(drop=True))
                          for name, _ in plan.unique if name in checked)
    return ContractSummary(
        signature=plan.signature, n_rows=len(chunk), columns=frozenset(chunk.columns),
        spans=((origin[0], origin[1], origin[1] + len(chunk)),), row_checks=row_checks,
        structural=structural, medians=medians, unique_modes=plan.unique,
        unique_values=unique_values, unmergeable=plan.unmergeable,
    )


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
        ``in_range(...)``, ``isin(...)``, ``field_uniqueness``, ``median_between(...)``,
        ``not_empty``); ``failures`` counts failing rows (the whole batch for a missing or
        retyped column or a median out of bounds); ``examples`` shows up to three distinct
        failing values (the batch's dtype for a type check, how many values lie beyond the
        bound for a median). Empty when the batch conforms.

    Notes
    -----
    ``summarise(contract, batch).violations()``: the same computation as a batch read chunk
    by chunk and merged (:func:`summarise`).

    Examples
    --------
    >>> ref = pd.DataFrame({"income": [20000.0, 35000.0, 90000.0], "channel": ["a", "b", "a"]})
    >>> batch = pd.DataFrame({"income": [25.0, 40.0, 30000.0], "channel": ["a", "c", None]})
    >>> v = validate(infer_contract(ref), batch)
    >>> v[["column", "failures", "examples"]]
        column  failures                                  examples
    0  channel         1                                         c
    1  channel         1                                       nan
    2   income         3  median below 17500 (2 of 3 values below)
    >>> v["check"].tolist()
    ["isin(['a', 'b'])", 'not_nullable', 'median_between(min_value=17500.0, max_value=70000.0)']
    """
    _require_contract(contract)
    if not isinstance(batch, pd.DataFrame):
        raise TypeError(f"batch must be a pandas DataFrame, got {type(batch).__name__}.")
    return summarise(contract, batch).violations()


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

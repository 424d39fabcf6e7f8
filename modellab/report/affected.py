"""Report sections for what averages hide: "Who is affected" and the data contract.

Markdown sections a stakeholder report or a model card can include as they are; the
stakeholder report (:mod:`modellab.report.render`) shows the same items, built by
:func:`affected_items` and :func:`contract_lines`, for a monitor run with ``segments=`` and
``contract=``:

- :func:`who_is_affected`: for each segment column, the segments whose metric fell behind the
  rest of their period beyond noise (:func:`modellab.metrics.segment_gaps` judged by
  :class:`~modellab.monitor.segment_rules.SegmentBehind`), in plain language;
- :func:`contract_section`: one line per batch and column that broke the data contract
  (:func:`modellab.contracts.validate_batches`).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from modellab.contracts import VIOLATION_COLUMNS
from modellab.metrics.segments import HIGHER_IS_BETTER, segment_gaps
from modellab.monitor.segment_rules import SegmentBehind


def who_is_affected(
    frame: pd.DataFrame,
    segments: Mapping[str, object] | list[str],
    metric: str = "recall",
    *,
    by: str | None = "batch",
    period: str = "batch",
    alpha: float = 0.05,
    n_boot: int = 500,
    seed: int = 0,
    **columns,
) -> str:
    """The "Who is affected" section: segments behind the rest beyond noise, per period.

    Parameters
    ----------
    frame : DataFrame
        Labelled, scored rows with the segment columns and the ``by`` column.
    segments : list of str, or mapping column -> bins
        Segment columns; a mapping gives ``bins`` for numeric ones (e.g. ``{"age": [18, 25,
        35, 50, 81], "region": None}``).
    metric : str, default "recall"
    by : str or None, default "batch"
        Period column (``None``: the whole frame is one period).
    period : str, default "batch"
        The word used for a period in the text ("month", "week", ...).
    alpha, n_boot, seed
        As in :func:`modellab.metrics.segment_gaps`.
    **columns
        ``target``, ``score``, ``prediction`` column names, passed on.

    Returns
    -------
    str
        Markdown, starting with ``## Who is affected``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"g": rng.choice(list("abcd"), 4000), "default": rng.integers(0, 2, 4000)})
    >>> df["prediction"] = np.where(df["g"] == "d", rng.integers(0, 2, 4000), df["default"])
    >>> print(who_is_affected(df, ["g"], by=None, n_boot=200))  # doctest: +ELLIPSIS
    ## Who is affected
    <BLANKLINE>
    - **g = d**: recall 0.5... against 1.00 for the rest (gap -0.4...).
    <BLANKLINE>
    Checked: g (4 segments); a segment is listed when its gap to the rest is beyond a 98.8% interval (Bonferroni over the segments).
    """
    if isinstance(segments, str):
        raise TypeError("segments must be a list of column names or a mapping column -> bins.")
    spec = dict(segments) if isinstance(segments, Mapping) else {s: None for s in segments}
    if not spec:
        raise ValueError("segments is empty: name at least one segment column, e.g. ['region'].")
    gaps = {column: segment_gaps(frame, column, metric, by=by, bins=bins, alpha=alpha,
                                 n_boot=n_boot, seed=seed, **columns)
            for column, bins in spec.items()}
    items, note = affected_items(gaps, metric, period=period if by is not None else None)
    body = [f"- **{i['column']} = {i['segment']}**: {i['text']}" for i in items]
    body = body or ["No segment is behind the rest beyond noise."]
    return "\n".join(["## Who is affected", "", *body, "", note])


def affected_items(gaps: Mapping[str, pd.DataFrame], metric: str = "recall", *,
                   period: str | None = "batch") -> tuple[list[dict], str]:
    """The segments behind the rest beyond noise, from segment-gap tables.

    Parameters
    ----------
    gaps : mapping column -> DataFrame
        :func:`modellab.metrics.segment_gaps` per segment column (or the rows of
        :attr:`MonitorResult.segments` of that column).
    metric : str
    period : str or None
        The word for a period ("batch", "month"); ``None``: one period, not named.

    Returns
    -------
    (list of dict, str)
        One ``{"column", "segment", "text"}`` per segment behind (judged by
        :class:`~modellab.monitor.segment_rules.SegmentBehind`, its worst period quoted),
        and the note on what was checked.
    """
    if metric in ("base_rate", "positive_rate"):
        # SegmentBehind refuses these: segments differ in them by design, so none is "behind"
        return [], (f"Segments were compared on {metric}, which differs between segments by "
                    f"design (who applies, who defaults): no segment is judged behind on it; "
                    f"monitor a performance metric such as recall to see who is affected.")
    rule = SegmentBehind(metric)
    items, checked, level = [], [], None
    for column, table in gaps.items():
        table = table[table["metric"] == metric].reset_index(drop=True)
        if table.empty:
            checked.append(f"{column} (too few labelled rows to judge)")
            continue
        checked.append(f"{column} ({int(table['n_segments'].max())} segments)")
        level = table["ci"].min() if level is None else min(level, table["ci"].min())
        alerts = rule.evaluate(table)
        for segment, hits in alerts.groupby("subject", sort=False):
            rows = table[(table["segment"] == segment) & table["batch"].isin(hits["batch"])]
            worst = rows.loc[rows["gap"].idxmin() if metric in HIGHER_IS_BETTER else rows["gap"].idxmax()]
            when = (f" in {period} {', '.join(str(b) for b in hits['batch'])}"
                    if period is not None else "")
            items.append({"column": column, "segment": segment, "text": (
                f"{metric} {worst['value']:.2f} against {worst['rest']:.2f} for the rest{when} "
                f"(gap {worst['gap']:+.2f}).")})
    note = (f"Checked: {'; '.join(checked)}; a segment is listed when its gap to the rest is "
            f"beyond a {level:.1%} interval (Bonferroni over the segments)."
            if level is not None else f"Checked: {'; '.join(checked)}.")
    return items, note


def contract_lines(violations: pd.DataFrame) -> list[str]:
    """One sentence per batch and broken check (:func:`contract_section` lists them)."""
    if not isinstance(violations, pd.DataFrame):
        raise TypeError(f"violations must be a DataFrame from validate_batches, got {type(violations).__name__}.")
    missing = [c for c in ["batch", *VIOLATION_COLUMNS] if c not in violations.columns]
    if missing:
        raise ValueError(f"violations has no column(s) {missing}: pass contracts.validate_batches(...).")
    return [f"Batch {r.batch}: `{r.column}` broke {r.check} ({int(r.failures):,} rows, e.g. {r.examples})."
            for r in violations.itertuples(index=False)]


def contract_section(violations: pd.DataFrame) -> str:
    """The data-contract section: one line per batch and broken column.

    Parameters
    ----------
    violations : DataFrame
        :func:`modellab.contracts.validate_batches` (or :func:`~modellab.contracts.validate`
        with a ``batch`` column added).

    Examples
    --------
    >>> v = pd.DataFrame({"batch": [5], "column": ["income"], "check": ["not_nullable"],
    ...                   "failures": [300], "examples": ["nan"]})
    >>> print(contract_section(v))
    ## Data contract
    <BLANKLINE>
    - Batch 5: `income` broke not_nullable (300 rows, e.g. nan).
    """
    lines = contract_lines(violations)
    if not lines:
        return "## Data contract\n\nEvery batch conforms to the data contract."
    return "\n".join(["## Data contract", "", *[f"- {line}" for line in lines]])

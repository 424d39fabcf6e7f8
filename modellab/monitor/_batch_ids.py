"""Batch ids: one normal form, and one rule for the order batches are judged in.

Alert rules read the history in order (a "drop from the previous batch", a detector fed
batch after batch), so the order matters as much as the values. :func:`batch_key` is the
one normal form of an id (``1``, ``1.0``, ``np.int64(1)`` and ``"1"`` are the same
batch); :func:`order_batches` orders the ids of a run, in memory and chunk by chunk.
"""

from __future__ import annotations

import datetime as _dt
import re

import numpy as np
import pandas as pd

#: Values of ``order=`` besides an explicit list of ids.
ORDERS = ("auto", "time", "id", "appearance")
_INTEGER_TEXT = re.compile(r"-?(0|[1-9][0-9]*)")
_DIGITS = re.compile(r"(\d+)")


def batch_key(value):
    """Normalise a batch id to what the store keeps: a Python ``int`` or ``str``.

    Whole numbers of any type and integer text without leading zeros become ``int``, so
    ``1`` and ``"1"`` are one batch; other text stays text.

    >>> batch_key(np.int64(3)), batch_key("week-1"), batch_key(4.0), batch_key("7")
    (3, 'week-1', 4, 7)
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"batch ids must be whole numbers or text, got the boolean {value!r}.")
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    if isinstance(value, str) and value:
        return int(value) if _INTEGER_TEXT.fullmatch(value) else value
    if isinstance(value, (pd.Timestamp, _dt.date)):
        return pd.Timestamp(value).isoformat()
    raise TypeError(
        f"batch id {value!r} is not a whole number or text: label batches 0, 1, 2, ... "
        f"or with names such as '2024-W01'."
    )


def batch_keys(values: pd.Series) -> pd.Series:
    """:func:`batch_key` of every value (computed once per distinct value)."""
    uniques = pd.unique(values)
    mapping = {u: batch_key(u) for u in uniques}
    return values.map(mapping)


def _id_order(keys: list) -> list | None:
    """The ids in numeric order, numbers inside text compared as numbers; ``None`` when
    that order is ambiguous (ids of mixed kinds, text without digits, text of different
    shapes such as 'week 2' and 'month 1', or two ids with the same numbers)."""
    if all(isinstance(k, int) for k in keys):
        return sorted(keys)
    if not all(isinstance(k, str) for k in keys):
        return None
    parts = [_DIGITS.split(k) for k in keys]
    shapes = {tuple(p[0::2]) for p in parts}
    if len(shapes) != 1 or len(parts[0]) == 1:
        return None
    numbers = [tuple(int(n) for n in p[1::2]) for p in parts]
    if len(set(numbers)) != len(numbers):
        return None
    return [k for _, k in sorted(zip(numbers, keys, strict=True))]


def order_batches(keys, *, starts: dict | None = None, seen: dict | None = None,
                  order="auto") -> list:
    """The batch ids of one run in the order their batches are judged.

    Parameters
    ----------
    keys : iterable
        Normalised batch ids (:func:`batch_key`), each once.
    starts : dict, optional
        ``{id: first timestamp}`` (``NaT`` when the batch has none).
    seen : dict, optional
        ``{id: position of its first row}`` (any comparable value; file order then row
        order when reading files).
    order : {"auto", "time", "id", "appearance"} or list of ids, default "auto"
        ``"time"``: by first timestamp (ties by first row); ``"id"``: by id, whole
        numbers and numbers inside text compared as numbers ("week 2" before "week 10");
        ``"appearance"``: by first row; a list: exactly that order. ``"auto"`` is
        ``"time"`` when every batch has a timestamp, else ``"id"``; ids whose order is
        ambiguous then raise ``ValueError``.

    >>> order_batches(["week 10", "week 2", "week 1"])
    ['week 1', 'week 2', 'week 10']
    """
    keys = list(keys)
    starts, seen = starts or {}, seen or {}
    if isinstance(order, str):
        if order not in ORDERS:
            raise ValueError(
                f"order must be one of {ORDERS} or a list of batch ids, got {order!r}."
            )
    elif isinstance(order, (list, tuple, pd.Index, np.ndarray, pd.Series)):
        wanted = [batch_key(k) for k in order]
        missing = [k for k in keys if k not in set(wanted)]
        if missing:
            raise ValueError(
                f"order lacks batch id(s) {missing[:5]}: list every batch of the data, in "
                f"the order to judge them."
            )
        present = set(keys)
        return list(dict.fromkeys(k for k in wanted if k in present))
    else:
        raise TypeError(
            f"order must be one of {ORDERS} or a list of batch ids, got {type(order).__name__}."
        )
    if len(keys) <= 1:
        return keys
    timed = bool(starts) and all(k in starts and not pd.isna(starts[k]) for k in keys)
    if order == "time" or (order == "auto" and timed):
        if not timed:
            raise ValueError(
                "order='time' needs a timestamp in every batch: add a 'timestamp' column, or "
                "pass order='id', 'appearance' or a list of ids."
            )
        return sorted(keys, key=lambda k: (pd.Timestamp(starts[k]), seen.get(k, 0)))
    if order == "appearance":
        return sorted(keys, key=lambda k: seen[k])
    ordered = _id_order(keys)
    if ordered is None:
        shown = ", ".join(repr(k) for k in keys[:6]) + (", ..." if len(keys) > 6 else "")
        raise ValueError(
            f"The batch ids ({shown}) have no unambiguous order and the batches have no "
            f"timestamps: alert rules need the batches in time order. Pass "
            f"order='appearance' (the order of the rows) or order=[...] (the ids in time "
            f"order), add a 'timestamp' column, or name batches with numbers "
            f"('week 1', 'week 2', ...)."
        )
    return ordered

"""Learner-facing checks used in exercise test cells.

Each check prints one pass line when the answer is right and raises
:class:`CheckFailed` (an ``AssertionError``, so nbgrader scores the cell 0)
with a hint when it is not. Hints say *what* is wrong without giving the
expected value away, unless the author passes ``reveal=True``.

Cells a learner has not answered yet (the answer is still ``...`` or ``None``,
or the answer cell raised ``NotImplementedError``) raise :class:`NotAnswered`
with a friendly "not answered yet" message instead of a confusing traceback. So
does a check cell run before its answer cell (after a kernel restart): "⏳ `name`
is not defined yet: run the cells above first". A name missing *inside*
the learner's function is their code's error: ❌ naming that name.

Example
-------
>>> from modellab.checks import check_close, check_choice
>>> check_close(8 / 10, 0.8, "precision")
✅ precision looks right.
>>> check_close(8 / 12, 0.8, "precision", hint="divide by the predicted positives")
Traceback (most recent call last):
...
modellab.checks.CheckFailed: ❌ precision = 0.6667 is not right yet. Hint: divide by the predicted positives.
>>> check_close(..., 0.8, "precision")
Traceback (most recent call last):
...
modellab.checks.NotAnswered: ⏳ precision is not answered yet: replace the ... with your answer and run the cell.
>>> with answering("my_precision"):
...     raise NotImplementedError()
Traceback (most recent call last):
...
modellab.checks.NotAnswered: ⏳ my_precision is not answered yet: replace `raise NotImplementedError()` with your code and run that cell.
"""

from __future__ import annotations

import ast
import numbers
import re
from collections.abc import Collection, Iterable, Mapping
from contextlib import contextmanager

import numpy as np
import pandas as pd

__all__ = [
    "CheckFailed",
    "NotAnswered",
    "answer_digest",
    "answering",
    "check_choice",
    "check_close",
    "check_digest",
    "check_equal",
    "check_frame",
    "check_in_range",
    "check_true",
    "check_quiz",
    "digest_matches",
    "require_answer",
    "self_check",
]


_FIX_LINE = "   Fix the answer cell above, run it, then run this check (details: %tb verbose)."
_WIDTH = 80  # nbgrader's validator cuts lines at 87 characters (4 of them indent)


def _short(message: str) -> list[str]:
    import textwrap

    return textwrap.wrap(message, _WIDTH, subsequent_indent="   ") or [message]


def _full_traceback(exc: BaseException) -> list[str] | None:
    """IPython's own traceback of ``exc`` when the learner asked for it with ``%tb verbose``."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return None
    shell = get_ipython()
    if shell is None or getattr(shell.InteractiveTB, "mode", "") != "Verbose":
        return None
    return shell.InteractiveTB.structured_traceback(type(exc), exc, exc.__traceback__)


class CheckFailed(AssertionError):
    """A check did not pass; the message says what is wrong and how to look for the fix.

    In a notebook, IPython shows only the message and one line saying which cell to change
    (``_render_traceback_``): no traceback through this module. ``%tb`` in a new cell shows
    the full traceback; nbgrader still scores the cell 0 (it is an ``AssertionError``).
    """

    def _render_traceback_(self) -> list[str]:
        return _full_traceback(self) or [*_short(str(self)), _FIX_LINE]


class NotAnswered(CheckFailed):
    """The learner has not answered yet (the answer is ``...``, ``None`` or not implemented)."""

    def _render_traceback_(self) -> list[str]:
        return _full_traceback(self) or _short(str(self))


# --------------------------------------------------------------------------- helpers


def _passed(message: str) -> None:
    print(f"✅ {message}")


def _fail(message: str, hint: str | None = None) -> CheckFailed:
    text = f"❌ {message}"
    if hint:
        hint = hint.strip()
        text += f" Hint: {hint}" + ("" if hint[-1:] in ".?!" else ".")
    return CheckFailed(text)


def _missing_name(exc: NameError) -> str:
    name = getattr(exc, "name", None)
    if not name:
        found = re.search(r"(?:name|local variable) '([^']+)'", str(exc))
        name = found.group(1) if found else "a name"
    return name


def _not_defined_yet(exc: NameError) -> str:
    """The ⏳ line for a check cell that looks up an answer (or set-up name) not defined yet."""
    name = _missing_name(exc)
    # "If they ran": a typo in the answer's name leaves it undefined too (acuracy = ...)
    return (f"⏳ `{name}` is not defined yet: run the cells above first (after a kernel restart "
            f"every cell above must run again: Run → Run All Above). If they ran, check that a "
            f"cell above defines `{name}`, spelt exactly so.")


def _missing_inside_hint(exc: NameError, where: str = "your answer cell") -> str:
    if isinstance(exc, UnboundLocalError):
        return f"in {where}, `{_missing_name(exc)}` is used before it is set in this case"
    return (f"check the spelling of `{_missing_name(exc)}` in {where}; if a cell above "
            "sets it, run that cell first")


def _inner_codes(code) -> set:
    """``code`` and every code object written inside it (comprehensions, lambdas, functions)."""
    found, todo = set(), [code]
    while todo:
        current = todo.pop()
        found.add(current)
        todo += [c for c in current.co_consts if hasattr(c, "co_consts") and c not in found]
    return found


def _deepest_user_frame(tb):
    """The deepest entry of a traceback that runs code of ``tb``'s namespace (the notebook's
    cells and the functions they define), skipping the frames of libraries it called."""
    deepest, namespace = tb, tb.tb_frame.f_globals
    while tb is not None:
        if tb.tb_frame.f_globals is namespace:
            deepest = tb
        tb = tb.tb_next
    return deepest


def _raised_by(tb) -> bool:
    """Whether the error whose traceback continues at ``tb`` comes from the code of ``tb``'s
    own frame (the cell itself, a comprehension written in it, or a library it called with a
    name, as in ``frame.query("x > @limit")``), not from inside a function of the notebook it
    called (the learner's function)."""
    deepest = _deepest_user_frame(tb)
    return deepest.tb_frame.f_code in _inner_codes(tb.tb_frame.f_code)


def _is_unanswered(value) -> bool:
    return value is None or value is Ellipsis


def _require_answered(value, name: str) -> None:
    __tracebackhide__ = True  # IPython and pytest show the learner's line, not ours
    if _is_unanswered(value):
        raise NotAnswered(
            f"⏳ {name} is not answered yet: replace the {'...' if value is Ellipsis else 'None'} "
            "with your answer and run the cell."
        )


def _require_name(name) -> str:
    if not isinstance(name, str) or not name.strip():
        raise TypeError("name must be a short text naming the answer, e.g. 'precision'.")
    return name


def _fmt(value) -> str:
    if isinstance(value, numbers.Real) and not isinstance(value, bool | numbers.Integral):
        return f"{float(value):.4g}"
    return repr(value)


def _as_numbers(value, name: str) -> np.ndarray:
    """Numbers as a float array (a scalar becomes shape ``()``), or a CheckFailed that says why."""
    __tracebackhide__ = True
    if isinstance(value, bool | np.bool_):
        raise _fail(f"{name} should be a number, not True/False.")
    if isinstance(value, str | bytes):
        raise _fail(f"{name} should be a number, but it is the text {value!r}.",
                    "remove the quotes, or convert it with float(...)")
    if isinstance(value, pd.DataFrame):
        raise _fail(f"{name} should be a number or a single column, but it is a whole table.",
                    "select one column, e.g. frame['column']")
    try:
        arr = np.asarray(value.to_numpy() if isinstance(value, pd.Series) else value, dtype=float)
    except (TypeError, ValueError):
        raise _fail(
            f"{name} should hold numbers, but it is a {type(value).__name__} of other values.",
            "convert text with pd.to_numeric(...), or check which variable you used",
        ) from None
    return arr


@contextmanager
def answering(name: str, hints: Mapping[type[BaseException], str] | None = None):
    """Turn "not answered yet" errors inside the block into a friendly :class:`NotAnswered`.

    Use it in a test cell around code that *calls* the learner's answer, so an
    unanswered function (``raise NotImplementedError()``) or an answer cell that was
    never run (a ``NameError`` for a name the block itself looks up) gets a clear message
    instead of a traceback. A ``NameError`` raised *inside* the learner's function (a name
    their code misspells or takes from a cell not run) is a real error: ❌ with that name.
    ``hints`` maps the exceptions a known mistake raises to a hint (a missing ``None``
    branch raises ``IndexError``); any other error is a real bug and keeps its traceback.

    >>> with answering("precision"):
    ...     check_close(0.5, 0.5, "precision")
    ✅ precision looks right.
    >>> with answering("onset_batch", {IndexError: "return None when no batch drops"}):
    ...     [][0]
    Traceback (most recent call last):
    ...
    modellab.checks.CheckFailed: ❌ onset_batch raised IndexError (list index out of range). Hint: return None when no batch drops.
    >>> with answering("fraud_rate"):
    ...     fraud_rate(7)
    Traceback (most recent call last):
    ...
    modellab.checks.NotAnswered: ⏳ `fraud_rate` is not defined yet: run the cells above first (after a kernel restart every cell above must run again: Run → Run All Above). If they ran, check that a cell above defines `fraud_rate`, spelt exactly so.
    """
    __tracebackhide__ = True
    _require_name(name)
    known = dict(hints or {})
    if not all(isinstance(k, type) and issubclass(k, BaseException) for k in known):
        raise TypeError("hints must map exception classes to hints, e.g. {IndexError: '...'}.")
    try:
        yield
    except CheckFailed:
        raise
    except tuple(known) as exc:
        why = next(h for k, h in known.items() if isinstance(exc, k))
        raise _fail(f"{name} raised {type(exc).__name__} ({exc}).", why) from exc
    except NotImplementedError:
        raise NotAnswered(
            f"⏳ {name} is not answered yet: replace `raise NotImplementedError()` "
            "with your code and run that cell."
        ) from None
    except NameError as exc:
        # the with block's own frame follows this generator's frame in the traceback
        body = exc.__traceback__.tb_next if exc.__traceback__ is not None else None
        if body is not None and _raised_by(body):
            raise NotAnswered(_not_defined_yet(exc)) from None
        raise _fail(f"{name} raised NameError ({exc}).", _missing_inside_hint(exc)) from exc


def require_answer(value, name: str):
    """``value`` itself, or :class:`NotAnswered` if it is still ``...`` or ``None``.

    For a cell that uses an earlier answer (a set-up cell, a check that tests the type
    first): it says ⏳ instead of failing on the placeholder.

    >>> require_answer(7, "onset")
    7
    >>> require_answer(..., "onset")
    Traceback (most recent call last):
    ...
    modellab.checks.NotAnswered: ⏳ onset is not answered yet: replace the ... with your answer and run the cell.
    """
    __tracebackhide__ = True
    _require_name(name)
    _require_answered(value, name)
    return value


# --------------------------------------------------------------------------- checks


def check_close(
    actual,
    expected,
    name: str,
    *,
    tol: float = 1e-6,
    rtol: float = 0.0,
    bounds: tuple[float, float] | None = None,
    hint: str | None = None,
    reveal: bool = False,
) -> None:
    """Check that a number (or an array of numbers) is close to the expected one.

    Parameters
    ----------
    actual
        The learner's answer: a number, list, numpy array or pandas Series.
    expected
        The right value(s), same shape as ``actual``.
    name
        What the answer is, as the learner knows it (``"precision"``).
    tol, rtol
        Absolute and relative tolerance (``|actual - expected| <= tol + rtol*|expected|``).
    bounds
        Optional ``(low, high)`` every right answer must lie in (``(0, 1)`` for a rate);
        an answer outside gets a specific message ("should be between 0 and 1").
    hint
        Added to the failure message; point at the likely mistake, not the answer.
    reveal
        Also show the expected value when the check fails.

    Raises
    ------
    CheckFailed
        If the answer is not a number, has the wrong length, is NaN or is not close enough.
    NotAnswered
        If the answer is ``...`` or ``None``.

    Examples
    --------
    >>> check_close([0.5, 0.25], [0.5, 0.25], "recall per batch")
    ✅ recall per batch looks right.
    >>> check_close(1.5, 0.8, "precision", bounds=(0, 1))
    Traceback (most recent call last):
    ...
    modellab.checks.CheckFailed: ❌ precision should be between 0 and 1, but it is 1.5.
    """
    __tracebackhide__ = True
    _require_name(name)
    _require_answered(actual, name)
    got = _as_numbers(actual, name)
    want = np.asarray(expected, dtype=float)
    if got.shape != want.shape:
        if want.ndim == 0:
            raise _fail(f"{name} should be a single number, but it has {got.size} values.", hint)
        if got.ndim == 0:
            raise _fail(f"{name} should hold {want.size} values, but it is a single number.", hint)
        raise _fail(f"{name} has {got.size} values; {want.size} were expected.", hint)
    if np.isnan(got).any() and not np.isnan(want).any():
        raise _fail(
            f"{name} contains NaN (not a number).",
            hint or "look for a division by zero or missing values",
        )
    shown = _fmt(float(got)) if got.ndim == 0 else "some values"
    if bounds is not None:
        low, high = bounds
        if ((got < low) | (got > high)).any():
            raise _fail(
                f"{name} should be between {low:g} and {high:g}, but "
                f"{'it is ' + shown if got.ndim == 0 else 'some values are not'}.",
                hint,
            )
    if not np.allclose(got, want, atol=tol, rtol=rtol, equal_nan=True):
        message = f"{name} = {shown} is not right yet." if got.ndim == 0 else (
            f"{name}: {int((~np.isclose(got, want, atol=tol, rtol=rtol, equal_nan=True)).sum())} "
            f"of {got.size} values are not right yet."
        )
        if reveal:
            message += f" Expected {_fmt(float(want)) if want.ndim == 0 else want.tolist()}."
        raise _fail(message, hint)
    _passed(f"{name} looks right.")


def check_in_range(value, low: float, high: float, name: str, *, hint: str | None = None) -> None:
    """Check that a number lies in ``[low, high]`` (a sanity check that reveals no answer).

    >>> check_in_range(0.93, 0.5, 1.0, "ROC-AUC")
    ✅ ROC-AUC is in a plausible range.
    >>> check_in_range(0.2, 0.5, 1.0, "ROC-AUC", hint="did you pass probabilities, not labels?")
    Traceback (most recent call last):
    ...
    modellab.checks.CheckFailed: ❌ ROC-AUC = 0.2 should be between 0.5 and 1. Hint: did you pass probabilities, not labels?
    """
    __tracebackhide__ = True
    _require_name(name)
    _require_answered(value, name)
    got = _as_numbers(value, name)
    if got.ndim != 0:
        raise _fail(f"{name} should be a single number, but it has {got.size} values.", hint)
    if np.isnan(got) or not low <= float(got) <= high:
        raise _fail(f"{name} = {_fmt(float(got))} should be between {low:g} and {high:g}.", hint)
    _passed(f"{name} is in a plausible range.")


def check_equal(actual, expected, name: str, *, hint: str | None = None, reveal: bool = False) -> None:
    """Check an exact answer: a count, a label, a column name, a set of names.

    Text is compared without surrounding spaces and case; lists, tuples and sets
    are compared as sets when ``expected`` is a set.

    >>> check_equal(" Income ", "income", "drifted column")
    ✅ drifted column looks right.
    >>> check_equal(["age"], {"age", "income"}, "drifted columns")
    Traceback (most recent call last):
    ...
    modellab.checks.CheckFailed: ❌ drifted columns: 1 expected item(s) are missing.
    """
    __tracebackhide__ = True
    _require_name(name)
    _require_answered(actual, name)
    suffix = f" Expected {expected!r}." if reveal else ""
    if isinstance(expected, set | frozenset):
        if isinstance(actual, str) or not isinstance(actual, Iterable):
            raise _fail(f"{name} should be a collection (list or set) of items.", hint)
        got = {_norm_text(x) for x in actual}
        want = {_norm_text(x) for x in expected}
        missing, extra = want - got, got - want
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"{len(missing)} expected item(s) are missing")
            if extra:
                parts.append(f"{len(extra)} item(s) should not be there")
            raise _fail(f"{name}: {' and '.join(parts)}.{suffix}", hint)
    elif isinstance(expected, numbers.Number) and not isinstance(expected, bool):
        got = _as_numbers(actual, name)
        if got.ndim != 0 or float(got) != float(expected):
            raise _fail(f"{name} = {_fmt(actual)} is not right yet.{suffix}", hint)
    elif _norm_text(actual) != _norm_text(expected):
        raise _fail(f"{name} = {actual!r} is not right yet.{suffix}", hint)
    _passed(f"{name} looks right.")


def _norm_text(value):
    return value.strip().casefold() if isinstance(value, str) else value


def check_true(condition, hint: str, *, name: str = "check", success: str | None = None) -> None:
    """Check any condition the author computes; ``hint`` is shown when it is false.

    >>> check_true(3 < 5, "the alert should fire before batch 5", success="The alert fires in time.")
    ✅ The alert fires in time.
    """
    __tracebackhide__ = True
    _require_name(name)
    if not isinstance(hint, str) or not hint.strip():
        raise TypeError("hint must say what to look at when the check fails.")
    _require_answered(condition, name)
    try:
        ok = bool(condition)
    except (TypeError, ValueError):
        raise _fail(f"{name} could not be read as True/False.", "compare to a single value") from None
    if not ok:
        raise _fail(f"{name} did not pass.", hint)
    _passed(success or f"{name} passed.")


def check_frame(
    frame,
    *,
    columns: Iterable[str] | None = None,
    n_rows: int | None = None,
    expected: pd.DataFrame | None = None,
    name: str = "your table",
    tol: float = 1e-6,
    hint: str | None = None,
) -> None:
    """Check a DataFrame's shape, columns and (optionally) values.

    Values are compared column by column (numbers with tolerance ``tol``, text as
    text), ignoring dtypes and the index; a failure names the column, not the value.

    >>> df = pd.DataFrame({"batch": [0, 1], "recall": [0.8, 0.7]})
    >>> check_frame(df, columns=["batch", "recall"], n_rows=2, name="per-batch recall")
    ✅ per-batch recall has the right shape.
    >>> check_frame(df, columns=["batch", "precision"], name="per-batch table")
    Traceback (most recent call last):
    ...
    modellab.checks.CheckFailed: ❌ per-batch table has no column 'precision'. Columns found: batch, recall.
    """
    __tracebackhide__ = True
    _require_name(name)
    _require_answered(frame, name)
    if isinstance(frame, pd.Series):
        raise _fail(f"{name} is a Series (one column), not a DataFrame.",
                    hint or "turn it into a table with .to_frame() or .reset_index()")
    if not isinstance(frame, pd.DataFrame):
        raise _fail(f"{name} should be a pandas DataFrame, but it is a {type(frame).__name__}.", hint)
    wanted = list(columns) if columns is not None else []
    if expected is not None:
        wanted += [c for c in expected.columns if c not in wanted]
    have = [str(c) for c in frame.columns]
    for col in wanted:
        if col not in frame.columns:
            raise _fail(f"{name} has no column {col!r}. Columns found: {', '.join(have)}.", hint)
    n_expected = n_rows if n_rows is not None else (len(expected) if expected is not None else None)
    if n_expected is not None and len(frame) != n_expected:
        raise _fail(f"{name} has {len(frame)} rows; {n_expected} were expected.", hint)
    if expected is None:
        _passed(f"{name} has the right shape.")
        return
    for col in expected.columns:
        got, want = frame[col].reset_index(drop=True), expected[col].reset_index(drop=True)
        if pd.api.types.is_numeric_dtype(want) and not pd.api.types.is_bool_dtype(want):
            try:
                got_num = pd.to_numeric(got).to_numpy(dtype=float)
            except (TypeError, ValueError):
                raise _fail(f"column {col!r} of {name} should hold numbers.", hint) from None
            same = np.isclose(got_num, want.to_numpy(dtype=float), atol=tol, equal_nan=True)
        else:
            same = (got.astype(object).to_numpy() == want.astype(object).to_numpy()) | (
                got.isna().to_numpy() & want.isna().to_numpy()
            )
        if not np.all(same):
            bad = int((~np.asarray(same)).sum())
            raise _fail(f"column {col!r} of {name}: {bad} of {len(want)} values are not right yet.", hint)
    _passed(f"{name} looks right.")


def check_choice(
    answer,
    options: Mapping[str, str] | Collection[str],
    correct: str | Collection[str] | None = None,
    *,
    name: str = "your answer",
    hint: str | None = None,
    explain: str | None = None,
) -> None:
    """Check a multiple-choice answer given as an option key (``"b"``).

    ``options`` maps keys to option texts (or is a list of texts, keyed a, b, c, ...).
    Keys are matched ignoring case, spaces and brackets (``"B)"`` is ``"b"``).
    With ``correct=None`` only the form is checked (a valid option): use that in a
    visible test cell and put the check with ``correct`` in the hidden tests. A
    collection ``correct`` makes it a multi-select question.

    >>> opts = {"a": "retrain now", "b": "investigate the drifted feature first"}
    >>> check_choice("B", opts, "b", name="Q1", explain="Drift alone is not a reason to retrain.")
    ✅ Q1: correct.
       Drift alone is not a reason to retrain.
    >>> check_choice("c", opts, name="Q1")
    Traceback (most recent call last):
    ...
    modellab.checks.CheckFailed: ❌ Q1: 'c' is not one of the options (a, b).
    >>> check_choice(..., {"drift": "inputs moved", "data_quality": "a pipeline broke"}, name="Q2")
    Traceback (most recent call last):
    ...
    modellab.checks.NotAnswered: ⏳ Q2 is not answered yet: set it to the option of your choice (drift, data_quality), e.g. "drift".
    """
    __tracebackhide__ = True
    _require_name(name)
    keys = _option_keys(options)
    multi = correct is not None and not isinstance(correct, str)
    letters = all(len(k) == 1 and k.isalpha() for k in keys)
    if _is_unanswered(answer) or (isinstance(answer, str) and not answer.strip()):
        what = ("the letter of your choice" if letters
                else f"the option of your choice ({_list_keys(keys)})")
        raise NotAnswered(f"⏳ {name} is not answered yet: set it to {what}, e.g. \"{keys[0]}\".")
    picked = [answer] if isinstance(answer, str) else list(answer) if multi else None
    if picked is None:
        what = "the letter of one option" if letters else "one option, as text"
        raise _fail(f"{name} should be {what}, e.g. \"{keys[0]}\".", hint)
    chosen = set()
    for item in picked:
        key = _norm_key(item)
        if key not in keys:
            raise _fail(f"{name}: {item!r} is not one of the options ({', '.join(keys)}).")
        chosen.add(key)
    if correct is None:
        _passed(f"{name}: answer recorded ({', '.join(sorted(chosen))}).")
        return
    right = {_norm_key(correct)} if not multi else {_norm_key(k) for k in correct}
    if chosen != right:
        message = f"{name}: not quite." if not multi else f"{name}: not quite — check each option again."
        raise _fail(message, hint)
    _passed(f"{name}: correct." + (f"\n   {explain}" if explain else ""))


# --------------------------------------------------------------------------- hashed answers

_SALT = "modellab-checks-v1"


def _canonical_items(value, digits: int, nudge: int) -> str:
    """One text form of an answer: numbers rounded to ``digits`` decimals, text case-folded.

    ``nudge`` (-1, 0 or +1) shifts numbers by a hundredth of the last digit before rounding,
    so a value that sits on a rounding boundary still matches (see :func:`check_digest`).
    """
    eps = nudge * 10.0 ** (-digits) / 100

    def one(x) -> str:
        if isinstance(x, str):
            return x.strip().casefold()
        if isinstance(x, bool | np.bool_):
            return str(bool(x))
        number = float(x)
        if np.isnan(number):
            return "nan"
        return f"{round(number + eps, digits) + 0.0:.{digits}f}"

    if isinstance(value, set | frozenset):
        return "{" + ",".join(sorted(one(x) for x in value)) + "}"
    if isinstance(value, pd.DataFrame):
        raise TypeError("a digest takes a number, a text or a list of them, not a table.")
    if isinstance(value, str) or np.ndim(value) == 0:
        return one(value)
    flat = np.asarray(value.to_numpy() if isinstance(value, pd.Series) else value, dtype=object)
    return "(" + ",".join(one(x) for x in flat.ravel()) + ")"


def _digest_of(canonical: str, name: str) -> str:
    import hashlib

    return hashlib.sha256(f"{_SALT}|{name}|{canonical}".encode()).hexdigest()[:16]


def answer_digest(value, name: str, *, digits: int = 4) -> str:
    """The salted hash an author puts in a check cell instead of the expected value.

    Numbers are rounded to ``digits`` decimals, text is stripped and case-folded, a list or
    tuple keeps its order and a set does not. ``name`` salts the hash, so use the same
    ``name`` in :func:`check_digest` (the same value under two names gives two digests).

    >>> answer_digest(0.8, "precision")
    '81d8f36434126619'
    >>> answer_digest(0.80000001, "precision") == answer_digest(0.8, "precision")
    True
    """
    _require_name(name)
    return _digest_of(_canonical_items(value, _require_digits(digits), 0), name)


def _require_digits(digits) -> int:
    if not isinstance(digits, numbers.Integral) or isinstance(digits, bool) or not 0 <= digits <= 12:
        raise ValueError("digits must be a whole number from 0 to 12 (decimals kept before hashing).")
    return int(digits)


def _matches(actual, digest: str, name: str, digits: int) -> bool:
    forms = {_canonical_items(actual, digits, nudge) for nudge in (-1, 0, 1)}
    return any(_digest_of(form, name) == digest for form in forms)


def check_digest(
    actual,
    digest: str,
    name: str,
    *,
    digits: int = 4,
    hint: str | None = None,
    mistakes: Mapping[str, str] | None = None,
    bounds: tuple[float, float] | None = None,
) -> None:
    """Check an answer against the salted hash of the right one (from :func:`answer_digest`).

    The check cell holds only the hash, so a ✅ means the value is right (to ``digits``
    decimals) without the cell giving the answer away. ``mistakes`` maps the digests of
    known wrong answers (same ``name`` and ``digits``) to a hint that names that mistake;
    any other wrong answer gets ``hint``.

    Parameters
    ----------
    actual
        The learner's answer: a number, a text, or a list/tuple/array of them.
    digest
        ``answer_digest(right_answer, name, digits=digits)``.
    name
        What the answer is, as the learner knows it; it also salts the hash.
    digits
        Decimals compared (numbers within about ``10**-digits`` of the right one pass).
    hint
        Shown for a wrong answer that is not in ``mistakes``.
    mistakes
        ``{digest of a wrong answer: hint for that mistake}``.
    bounds
        Optional ``(low, high)`` every number must lie in, with its own message.

    Examples
    --------
    >>> right = answer_digest(0.8, "precision")
    >>> check_digest(0.80001, right, "precision")
    ✅ precision is right.
    >>> swapped = {answer_digest(0.5, "precision"): "that is the recall: divide by predicted positives"}
    >>> check_digest(0.5, right, "precision", mistakes=swapped)
    Traceback (most recent call last):
    ...
    modellab.checks.CheckFailed: ❌ precision = 0.5 is not right yet. Hint: that is the recall: divide by predicted positives.
    """
    __tracebackhide__ = True
    _require_name(name)
    if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{16}", digest):
        raise ValueError("digest must be the 16-character text from answer_digest(value, name).")
    digits = _require_digits(digits)
    _require_answered(actual, name)
    texty = isinstance(actual, str | set | frozenset) or (
        isinstance(actual, list | tuple) and any(isinstance(x, str) for x in actual))
    if texty:
        shown = repr(sorted(actual, key=str) if isinstance(actual, set | frozenset) else actual)
    else:
        got = _as_numbers(actual, name)
        if bounds is not None and ((got < bounds[0]) | (got > bounds[1])).any():
            raise _fail(f"{name} should be between {bounds[0]:g} and {bounds[1]:g}, but "
                        f"{'it is ' + _fmt(float(got)) if got.ndim == 0 else 'some values are not'}.",
                        hint)
        shown = _fmt(float(got)) if got.ndim == 0 else f"({', '.join(_fmt(float(x)) for x in got.ravel())})"
    if _matches(actual, digest, name, digits):
        _passed(f"{name} is right.")
        return
    for wrong, why in (mistakes or {}).items():
        if _matches(actual, wrong, name, digits):
            raise _fail(f"{name} = {shown} is not right yet.", why)
    if not texty and np.isnan(got).any():
        raise _fail(f"{name} contains NaN (not a number).",
                    hint or "look for a division by zero or missing values")
    raise _fail(f"{name} = {shown} is not right yet.", hint)


def digest_matches(actual, digest: str, name: str, *, digits: int = 4) -> bool:
    """``True`` if ``actual`` is the answer behind ``digest`` (no output, no error).

    For checks that depend on an earlier answer: say "fix A1 first" instead of blaming
    the part being checked.

    >>> digest_matches(0.8, answer_digest(0.8, "precision"), "precision")
    True
    """
    _require_name(name)
    if _is_unanswered(actual):
        return False
    try:
        return _matches(actual, digest, name, digits)
    except (TypeError, ValueError):
        return False


def check_quiz(answer, letters: str, digest: str, *, name: str, hint: str) -> None:
    """Check a graded multiple-choice answer against the salted hash of the right letter.

    The options are in the question's markdown; ``letters`` lists their keys (``"abcd"``).
    The cell holds only ``answer_digest("<right letter>", name)``, so a ✅ means right and a
    wrong letter is ❌ with ``hint`` (one hint for every wrong letter, so hints do not point
    at the right one by elimination).

    >>> check_quiz("B", "abc", answer_digest("b", "Q1"), name="Q1", hint="reread part A")
    ✅ Q1: correct.
    >>> check_quiz("a", "abc", answer_digest("b", "Q1"), name="Q1", hint="reread part A")
    Traceback (most recent call last):
    ...
    modellab.checks.CheckFailed: ❌ Q1: 'a' is not the best answer. Hint: reread part A.
    """
    __tracebackhide__ = True
    _require_name(name)
    if not isinstance(letters, str) or len(letters) < 2:
        raise ValueError('letters must list the option keys, e.g. "abcd".')
    if not isinstance(hint, str) or not hint.strip():
        raise TypeError("hint must say what to reread when the answer is wrong.")
    keys = list(letters.casefold())
    if _is_unanswered(answer) or (isinstance(answer, str) and not answer.strip()):
        raise NotAnswered(f"⏳ {name} is not answered yet: set it to the letter of your choice, "
                          f"e.g. \"{keys[0]}\".")
    if not isinstance(answer, str):
        raise _fail(f"{name} should be one letter in quotes, e.g. \"{keys[0]}\".")
    key = _norm_key(answer)
    if key not in keys:
        raise _fail(f"{name}: {answer!r} is not one of the options ({', '.join(keys)}).")
    if _digest_of(key, name) != digest:
        raise _fail(f"{name}: {key!r} is not the best answer.", hint)
    _passed(f"{name}: correct.")


def self_check(
    answer,
    options: Mapping[str, str] | Collection[str],
    correct: str | Collection[str],
    *,
    name: str = "your answer",
    hint: str | None = None,
    explain: str | None = None,
) -> None:
    """An ungraded quiz question: like :func:`check_choice`, but prints instead of raising.

    For self-check quizzes in lessons, so "Run All" never stops at a question (and nothing
    is returned, so the notebook shows only the message). With the options written in the
    markdown above, pass their letters (``"abcd"``) as ``options`` and the right letter's
    :func:`answer_digest` as ``correct``, so the cell does not show the answer.

    >>> self_check("c", "abcd", answer_digest("c", "Q2"), name="Q2", explain="Because.")
    ✅ Q2: correct.
       Because.

    >>> self_check(None, ["yes", "no"], "a", name="Q1")
    ⏳ Q1 is not answered yet: set it to the letter of your choice, e.g. "a".
    >>> self_check("b", ["yes", "no"], "a", name="Q1", hint="read the recap again")
    ❌ Q1: not quite. Hint: read the recap again.
    """
    try:
        if isinstance(options, str):  # letters of options written in the markdown above
            check_quiz(answer, options, _as_digest(correct, name), name=name,
                       hint=hint or "read the section above again")
            if explain:
                print(f"   {explain}")
        else:
            check_choice(answer, options, correct, name=name, hint=hint, explain=explain)
    except CheckFailed as exc:
        print(exc)


def _as_digest(correct, name: str) -> str:
    if isinstance(correct, str) and re.fullmatch(r"[0-9a-f]{16}", correct):
        return correct
    if isinstance(correct, str) and len(correct.strip()) == 1:
        return _digest_of(_norm_key(correct), name)
    raise ValueError("correct must be the right letter or answer_digest(letter, name).")


def _norm_key(value) -> str:
    return str(value).strip().strip("()[].").strip().casefold()


def _list_keys(keys: list[str], most: int = 6) -> str:
    shown = ", ".join(keys[:most])
    return shown + (", ..." if len(keys) > most else "")


def _option_keys(options) -> list[str]:
    if isinstance(options, Mapping):
        keys = [_norm_key(k) for k in options]
    elif isinstance(options, Collection) and not isinstance(options, str):
        keys = [chr(ord("a") + i) for i in range(len(options))]
    else:
        raise TypeError("options must be a dict {'a': 'text', ...} or a list of option texts.")
    if len(keys) < 2:
        raise ValueError("options must hold at least two choices.")
    return keys


# --------------------------------------------------------------------------- out-of-order cells

#: First-line mark of the locked cells of an exercise (written by ``modellab build``).
LOCK_MARK = "# 🔒 Locked"


def _goes_on(raw_cell) -> bool:
    """A locked cell, outside nbgrader: a part not answered yet says ⏳ there and the cell
    succeeds (nbgrader sets ``NBGRADER_EXECUTION``; there it is a failed cell, so the
    validator still says the notebook is not complete)."""
    import os

    first = (raw_cell or "").lstrip().split("\n", 1)[0]
    return first.startswith(LOCK_MARK) and not os.environ.get("NBGRADER_EXECUTION")


def _waiting_for_name(exc: NameError) -> NotAnswered | None:
    """:class:`NotAnswered` when the cell (whose frame starts ``exc``'s traceback) looked up a
    name not defined yet itself; ``None`` when the name is missing deeper, inside a function
    the cell called (a real error of that function, not "run the cell above first")."""
    tb = exc.__traceback__
    if tb is None or not _raised_by(tb):
        return None
    return NotAnswered(_not_defined_yet(exc))


def _cell_traceback(shell, tb):
    """Where the cell's own frame starts in a traceback caught by IPython's ``run_code``."""
    while tb is not None and tb.tb_frame.f_globals is not shell.user_global_ns:
        tb = tb.tb_next
    return tb


def _current_result(shell):
    """The ExecutionResult of the cell IPython is running (``None`` if it cannot be told)."""
    result = getattr(getattr(shell, "displayhook", None), "exec_result", None)
    return result if hasattr(result, "error_in_exec") else None


def _out_of_order_lines(shell, etype, value, tb, tb_offset=None) -> list[str]:
    """IPython's handler for ``NameError`` and :class:`NotAnswered` that reach the shell.

    A name the cell itself looks up and that is not defined yet (kernel restarted, a cell
    above not run) and a part not answered yet are ⏳ with what to run. In a locked cell
    outside nbgrader that is printed and the cell succeeds: this covers the first cell that
    imports this module (the AST wrapper of :class:`_GoOnWhenUnanswered` is installed too late
    for it); later locked cells never get here. A ``NameError`` raised inside a function the
    cell calls is a real error of that function: ❌ with the name and the function.
    """
    import sys

    if isinstance(value, NameError):
        cell = _cell_traceback(shell, tb)
        own = cell is None or _raised_by(cell)
        where = None if own else _deepest_user_frame(cell).tb_frame.f_code.co_name
        waiting = NotAnswered(_not_defined_yet(value)) if own else None
    else:
        waiting, where = value, None
    result = _current_result(shell)
    raw_cell = getattr(getattr(result, "info", None), "raw_cell", None)
    if waiting is not None and result is not None and _goes_on(raw_cell):
        result.error_in_exec = None  # the cell succeeds: Run All goes on
        print(waiting)
        return []
    if getattr(shell.InteractiveTB, "mode", "") == "Verbose":  # %tb verbose: the full story
        stb = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
    elif isinstance(value, NotAnswered):
        stb = value._render_traceback_()
    elif waiting is not None and (raw_cell or "").lstrip().startswith(LOCK_MARK):
        stb = _short(str(waiting))  # a locked cell run by nbgrader: a failed cell, same words
    elif waiting is not None:
        stb = [*_short(f"⏳ `{_missing_name(value)}` is not defined yet."),
               "   Run the cells above first (Run → Run All Above), then this cell again.",
               "   If the name is one of yours, check its spelling, and that a cell above this "
               "one defines it (details: %tb verbose)."]
    else:
        hint = _missing_inside_hint(value, f"the cell that defines `{where}`")
        stb = [*_short(f"❌ {value} (in `{where}`, which this cell calls). Hint: {hint}."),
               "   Fix that cell, run it, then run this cell again (details: %tb verbose)."]
    sys.last_type, sys.last_value, sys.last_traceback = etype, value, tb  # for %tb
    if hasattr(sys, "last_exc"):
        sys.last_exc = value
    shell._showtraceback(etype, value, stb)
    return stb


# --------------------------------------------------------------------------- Run All goes on

_WRAPPER = """\
try:
    pass
except __import__("modellab.checks", fromlist=["NotAnswered"]).NotAnswered as _modellab_waiting:
    __import__("modellab.checks", fromlist=["_show_waiting"])._show_waiting(_modellab_waiting)
except NameError as _modellab_missing:
    if not __import__("modellab.checks", fromlist=["_show_missing"])._show_missing(_modellab_missing):
        raise
"""


def _show_waiting(exc: NotAnswered) -> None:
    print(exc)


def _show_missing(exc: NameError) -> bool:
    """Print ⏳ for a name the locked cell itself looks up and is not defined yet; ``False``
    (the wrapper re-raises) for a name missing inside a function the cell calls."""
    waiting = _waiting_for_name(exc)
    if waiting is not None:
        _show_waiting(waiting)
    return waiting is not None


class _GoOnWhenUnanswered(ast.NodeTransformer):
    """IPython AST transformer: a locked cell stops at a part not answered yet, prints ⏳ and
    succeeds, so *Run All* on a fresh exercise goes on to the end.

    A part not answered yet is a :class:`NotAnswered` (the answer is still ``...``) or a
    ``NameError`` for a name the cell itself looks up (the kernel was restarted, or the
    answer cell above was never run). Only cells whose first line is :data:`LOCK_MARK` (the
    build writes it on every locked code cell) are wrapped, and never while nbgrader runs the
    notebook (``NBGRADER_EXECUTION`` is set by ``nbgrader validate`` and ``autograde``): there
    a part not answered yet is a failed cell, so the validator still says the notebook is not
    complete. A wrong answer (:class:`CheckFailed`) and a ``NameError`` inside a function the
    cell calls stop the cell as before. The cell's last expression is still shown.
    """

    def __init__(self):
        super().__init__()
        self.wrap_next = False

    def pre_run_cell(self, info) -> None:
        self.wrap_next = _goes_on(getattr(info, "raw_cell", ""))

    def visit_Module(self, node: ast.Module) -> ast.Module:
        wrap, self.wrap_next = self.wrap_next, False
        if not wrap or not node.body:
            return node
        body = list(node.body)
        if isinstance(body[-1], ast.Expr):  # inside a try it would not be displayed: show it
            show = ast.parse("__import__('sys').displayhook(None)", mode="eval").body
            show.args = [body[-1].value]
            body[-1] = ast.copy_location(ast.Expr(show), body[-1])
        wrapper = ast.parse(_WRAPPER).body[0]
        wrapper.body = body
        node.body = [wrapper]
        return ast.fix_missing_locations(node)


def _install_go_on() -> None:
    """In IPython, let locked cells show ⏳ for parts not answered yet instead of failing."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return
    shell = get_ipython()
    if shell is None or any(type(t).__name__ == _GoOnWhenUnanswered.__name__
                            for t in shell.ast_transformers):
        return
    transformer = _GoOnWhenUnanswered()
    shell.events.register("pre_run_cell", transformer.pre_run_cell)
    shell.ast_transformers.append(transformer)


def _install_out_of_order_hint() -> None:
    """In IPython, show a NameError as "run the cells above first" and a part not answered yet
    as ⏳ (check cells import this module themselves, so this works even in the first cell
    run after a kernel restart)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return
    shell = get_ipython()
    handled = tuple(getattr(shell, "custom_exceptions", ()) or ())
    if shell is not None and not (NameError in handled and NotAnswered in handled):
        shell.set_custom_exc((NameError, NotAnswered), _out_of_order_lines)


_install_out_of_order_hint()
_install_go_on()

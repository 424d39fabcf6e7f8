"""modellab.checks: one pass line on success, a hint (never the answer) on failure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from modellab import checks
from modellab.checks import (
    CheckFailed,
    NotAnswered,
    answering,
    check_choice,
    check_close,
    check_equal,
    check_frame,
    check_in_range,
    check_true,
    self_check,
)


def passes(capsys, func, *args, **kwargs) -> str:
    func(*args, **kwargs)
    out = capsys.readouterr().out
    assert out.startswith("✅") and out.count("\n") >= 1
    return out


def fails(func, *args, exc=CheckFailed, **kwargs) -> str:
    with pytest.raises(exc) as info:
        func(*args, **kwargs)
    assert isinstance(info.value, AssertionError)  # nbgrader scores AssertionError as a fail
    return str(info.value)


# --------------------------------------------------------------------------- check_close


def test_close_passes_for_numbers_arrays_and_series(capsys):
    assert "precision looks right" in passes(capsys, check_close, 0.8000001, 0.8, "precision")
    passes(capsys, check_close, np.float32(0.25), 0.25, "recall", tol=1e-6)
    passes(capsys, check_close, pd.Series([0.1, 0.2]), [0.1, 0.2], "rates")
    passes(capsys, check_close, [100, 205], [100, 200], "counts", rtol=0.05)


def test_close_failure_hints_without_revealing_the_answer():
    msg = fails(check_close, 0.6667, 0.8123, "precision", hint="divide by predicted positives")
    assert "precision" in msg and "0.6667" in msg and "predicted positives" in msg
    assert "0.8123" not in msg
    assert "0.8123" in fails(check_close, 0.6667, 0.8123, "precision", reveal=True)


def test_close_specific_messages():
    assert "between 0 and 1" in fails(check_close, 1.7, 0.8, "precision", bounds=(0, 1))
    assert "NaN" in fails(check_close, float("nan"), 0.8, "precision")
    assert "text" in fails(check_close, "0.8", 0.8, "precision")
    assert "True/False" in fails(check_close, True, 1.0, "precision")
    assert "single number" in fails(check_close, [0.1, 0.2], 0.8, "precision")
    assert "3 values; 2 were expected" in fails(check_close, [1, 2, 3], [1, 2], "rates")
    assert "1 of 2 values" in fails(check_close, [1, 5], [1, 2], "rates")
    assert "whole table" in fails(check_close, pd.DataFrame({"a": [1]}), 1, "auc")
    assert "numbers" in fails(check_close, pd.Series(["a", "b"]), [1, 2], "scores")


@pytest.mark.parametrize("unanswered", [None, ...])
def test_unanswered_values_are_reported_kindly(unanswered):
    for func, args in [
        (check_close, (unanswered, 0.8, "precision")),
        (check_in_range, (unanswered, 0, 1, "precision")),
        (check_equal, (unanswered, 3, "precision")),
        (check_frame, (unanswered,)),
        (check_choice, (unanswered, ["x", "y"])),
    ]:
        assert "not answered yet" in fails(func, *args, exc=NotAnswered)


def test_answering_turns_not_implemented_and_name_errors_into_not_answered():
    def stub():
        raise NotImplementedError()

    with pytest.raises(NotAnswered, match="not answered yet"):
        with answering("my_precision"):
            stub()
    with pytest.raises(NotAnswered, match="`undefined_name` is not defined yet: run the cells above first"):
        with answering("precision"):
            undefined_name  # noqa: B018, F821
    with pytest.raises(ZeroDivisionError):  # real bugs are not hidden
        with answering("precision"):
            1 / 0  # noqa: B018


def _run_cells(*sources: str) -> dict:
    """Run ``sources`` one after the other in one namespace, each as its own cell, as the kernel
    runs an answer cell and then its check cell; the namespace."""
    namespace: dict = {"answering": answering}
    for number, source in enumerate(sources):
        exec(compile(source, f"<cell {number}>", "exec"), namespace)  # noqa: S102 - the test's own code
    return namespace


def test_answering_says_waiting_when_the_check_cell_looks_up_a_name_not_defined_yet():
    # kernel restarted, answer cell not run: the name the check cell calls is missing
    with pytest.raises(NotAnswered) as info:
        with answering("fraud_rate"):
            fraud_rate(0.5)  # noqa: F821
    assert str(info.value) == ("⏳ `fraud_rate` is not defined yet: run the cells above first "
                               "(after a kernel restart every cell above must run again: "
                               "Run → Run All Above). If they ran, check that a cell above "
                               "defines `fraud_rate`, spelt exactly so.")
    with pytest.raises(NotAnswered, match="`week_counts` is not defined yet"):
        with answering("fraud_rate"):  # inside a comprehension written in the check cell
            [week_counts[i] for i in range(2)]  # noqa: F821, B018


@pytest.mark.parametrize("body", [
    "    return tpp / (tpp + fp)",                            # a misspelt name
    "    return [tpp for _ in range(fp)]",                    # ... in a comprehension of theirs
    "    return helper(fp)\ndef helper(x):\n    return tpp",  # ... in a function it calls
])
def test_answering_fails_for_a_name_missing_inside_the_learners_function(body):
    with pytest.raises(CheckFailed) as info:
        _run_cells(f"def precision(tp, fp):\n{body}\n",
                   "with answering('precision'):\n    precision(3, 1)\n")
    assert not isinstance(info.value, NotAnswered)  # a real error, not "run the cell above"
    message = str(info.value)
    assert message.startswith("❌ precision raised NameError (name 'tpp' is not defined).")
    assert "spelling of `tpp` in your answer cell" in message
    assert isinstance(info.value.__cause__, NameError)  # %tb shows the learner's line


def test_answering_fails_for_a_local_read_before_it_is_set_in_the_learners_function():
    with pytest.raises(CheckFailed, match="recall raised NameError") as info:
        _run_cells("def recall(tp, fn):\n    if tp > 100:\n        total = tp + fn\n"
                   "    return tp / total\n",
                   "with answering('recall'):\n    recall(3, 1)\n")
    assert isinstance(info.value.__cause__, UnboundLocalError)
    assert not isinstance(info.value, NotAnswered)
    assert "`total` is used before it is set" in str(info.value)


def test_answering_says_waiting_for_a_name_the_check_cell_hands_to_a_library():
    frame = pd.DataFrame({"score": [0.1, 0.9]})
    with pytest.raises(NotAnswered, match="`limit` is not defined yet"):
        with answering("flagged"):
            frame.query("score > @limit")


# --------------------------------------------------------------------------- other checks


def test_in_range(capsys):
    passes(capsys, check_in_range, 0.9, 0.5, 1, "ROC-AUC")
    msg = fails(check_in_range, 0.2, 0.5, 1, "ROC-AUC", hint="probabilities, not labels?")
    assert "0.2" in msg and "between 0.5 and 1" in msg and msg.endswith("labels?")
    assert "single number" in fails(check_in_range, [0.9, 0.8], 0, 1, "ROC-AUC")


def test_equal(capsys):
    passes(capsys, check_equal, np.int64(3), 3, "alerts")
    passes(capsys, check_equal, "Income ", "income", "column")
    passes(capsys, check_equal, ["b", "a"], {"a", "b"}, "columns")
    assert "not right yet" in fails(check_equal, 4, 3, "alerts")
    assert "3" not in fails(check_equal, 4, 3, "alerts")
    msg = fails(check_equal, ["a", "c"], {"a", "b"}, "columns")
    assert "1 expected item(s) are missing" in msg and "1 item(s) should not be there" in msg
    assert "'b'" not in msg
    assert "collection" in fails(check_equal, "a", {"a"}, "columns")


def test_true(capsys):
    assert "It fires." in passes(capsys, check_true, 1 < 2, "look at the threshold", success="It fires.")
    assert "look at the threshold" in fails(check_true, False, "look at the threshold", name="alert")
    assert "True/False" in fails(check_true, np.array([True, False]), "compare one value")
    with pytest.raises(TypeError, match="hint"):
        check_true(True, "")


def test_frame_shape_and_values(capsys):
    frame = pd.DataFrame({"batch": [0, 1], "recall": [0.8, 0.7], "label": ["ok", "drift"]})
    frame["label"] = frame["label"].astype("str")
    passes(capsys, check_frame, frame, columns=["batch", "recall"], n_rows=2)
    expected = pd.DataFrame({"batch": [0, 1], "recall": [0.8, 0.7000001],
                             "label": pd.Series(["ok", "drift"], dtype=object)})
    passes(capsys, check_frame, frame, expected=expected, name="summary")
    wrong = expected.assign(recall=[0.8, 0.6])
    msg = fails(check_frame, frame, expected=wrong, name="summary")
    assert "'recall'" in msg and "1 of 2" in msg and "0.6" not in msg
    assert "'label'" in fails(check_frame, frame, expected=expected.assign(label=["ok", "x"]))
    assert "no column 'precision'" in fails(check_frame, frame, columns=["precision"])
    assert "2 rows; 3 were expected" in fails(check_frame, frame, n_rows=3)
    assert "Series" in fails(check_frame, frame["recall"])
    assert "DataFrame" in fails(check_frame, [1, 2])


def test_frame_accepts_category_and_object_text(capsys):
    frame = pd.DataFrame({"grade": pd.Categorical(["A", "B"])})
    passes(capsys, check_frame, frame, expected=pd.DataFrame({"grade": ["A", "B"]}))


# --------------------------------------------------------------------------- check_choice


OPTIONS = {"a": "retrain now", "b": "investigate first", "c": "ignore it"}


def test_choice_correct_prints_explanation(capsys):
    out = passes(capsys, check_choice, "(B)", OPTIONS, "b", name="Q1", explain="Because.")
    assert "Q1: correct" in out and "Because." in out
    passes(capsys, check_choice, "b", ["x", "y", "z"], "B")


def test_choice_wrong_and_invalid():
    msg = fails(check_choice, "a", OPTIONS, "b", name="Q1", hint="what does drift tell you?")
    assert "not quite" in msg and "drift tell you" in msg and "'b'" not in msg
    assert "not one of the options (a, b, c)" in fails(check_choice, "d", OPTIONS, "b")
    assert "letter of one option" in fails(check_choice, 2, OPTIONS, "b")
    assert "not answered yet" in fails(check_choice, "  ", OPTIONS, "b", exc=NotAnswered)


def test_choice_prompts_name_the_kind_of_option():
    letters = fails(check_choice, None, OPTIONS, "b", name="Q1", exc=NotAnswered)
    assert 'the letter of your choice, e.g. "a"' in letters
    words = {"performance": "...", "drift": "...", "data_quality": "..."}
    msg = fails(check_choice, ..., words, name="Q2", exc=NotAnswered)
    assert "letter" not in msg
    assert '(performance, drift, data_quality), e.g. "performance"' in msg
    msg = fails(check_choice, 3, words, "drift", name="Q2")
    assert "letter" not in msg and 'one option, as text, e.g. "performance"' in msg
    many = {f"option_{i}": "..." for i in range(9)}
    assert "option_5, ...)" in fails(check_choice, None, many, exc=NotAnswered)


def test_choice_without_correct_only_checks_the_form(capsys):
    assert "answer recorded (c)" in passes(capsys, check_choice, "C", OPTIONS)


def test_choice_multi_select(capsys):
    passes(capsys, check_choice, ["a", "C"], OPTIONS, {"a", "c"})
    assert "check each option again" in fails(check_choice, ["a"], OPTIONS, {"a", "c"})


def test_choice_validates_the_question():
    with pytest.raises(ValueError, match="at least two"):
        check_choice("a", ["only"], "a")
    with pytest.raises(TypeError, match="options"):
        check_choice("a", "ab", "a")


def test_name_is_required():
    with pytest.raises(TypeError, match="name"):
        check_close(1.0, 1.0, "")


def test_public_api_is_listed():
    assert set(checks.__all__) >= {"check_close", "check_true", "check_frame", "check_choice",
                                   "check_in_range", "check_equal", "answering"}


def test_self_check_prints_instead_of_raising(capsys):
    assert self_check("b", OPTIONS, "b", name="Q1", explain="Yes.") is None
    assert capsys.readouterr().out.startswith("✅ Q1: correct")
    self_check("a", OPTIONS, "b", name="Q1", hint="think again")
    assert capsys.readouterr().out.startswith("❌ Q1: not quite. Hint: think again.")
    self_check(None, OPTIONS, "b", name="Q1")
    assert "not answered yet" in capsys.readouterr().out
    with pytest.raises(ValueError):  # a broken question is the author's bug: it still raises
        self_check("a", ["only"], "a")


# --------------------------------------------------------------------------- hashed answers

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from modellab.checks import answer_digest, check_digest, check_quiz  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(st.floats(-1e6, 1e6, allow_nan=False), st.floats(-4e-7, 4e-7))
def test_digest_accepts_every_value_within_rounding_noise(value, noise):
    # float noise far below the compared decimals never turns a right answer wrong, even on a
    # rounding boundary (round() is the oracle for what the author hashed)
    digest = answer_digest(value, "x", digits=4)
    check_digest(value + noise, digest, "x", digits=4)


@settings(max_examples=200, deadline=None)
@given(st.floats(-1e3, 1e3, allow_nan=False), st.floats(2e-4, 10))
def test_digest_rejects_values_a_decimal_away(value, delta):
    with pytest.raises(CheckFailed, match="not right yet"):
        check_digest(value + delta, answer_digest(value, "x", digits=4), "x", digits=4)


def test_digest_reveals_nothing_and_names_the_mistake(capsys):
    right = answer_digest((0.61, 0.47, 0.5311), "prf")
    assert "0.61" not in right and len(right) == 16
    assert "prf is right" in passes(capsys, check_digest, np.array([0.61, 0.47, 0.5311]), right, "prf")
    swapped = {answer_digest((0.47, 0.61, 0.5311), "prf"): "you swapped precision and recall"}
    msg = fails(check_digest, (0.47, 0.61, 0.5311), right, "prf", mistakes=swapped, hint="generic")
    assert "swapped" in msg and "generic" not in msg and "0.61" in msg  # learner's own values
    assert "generic" in fails(check_digest, (0.4, 0.6, 0.5), right, "prf", mistakes=swapped,
                              hint="generic")
    # the name salts the hash: the same value under another name is another digest
    assert answer_digest(0.5, "a") != answer_digest(0.5, "b")
    assert "not answered yet" in fails(check_digest, ..., right, "prf", exc=NotAnswered)
    assert "between 0 and 1" in fails(check_digest, 1.2, right, "prf", bounds=(0, 1))
    passes(capsys, check_digest, " Income", answer_digest("income", "col"), "col")
    # a set of names: order does not matter, a missing or extra name does
    names = answer_digest({"age", "channel"}, "drifted")
    passes(capsys, check_digest, {"Channel", "age"}, names, "drifted")
    assert "['age']" in fails(check_digest, {"age"}, names, "drifted")


def test_digest_validates_its_arguments():
    with pytest.raises(ValueError, match="digest must be"):
        check_digest(0.5, "0.5", "x")
    with pytest.raises(ValueError, match="digits"):
        answer_digest(0.5, "x", digits=-1)
    with pytest.raises(ValueError, match="digits"):
        check_digest(0.5, answer_digest(0.5, "x"), "x", digits=2.5)
    with pytest.raises(TypeError, match="name"):
        answer_digest(0.5, "")


def test_quiz_checks_the_letter_not_just_the_form(capsys):
    right = answer_digest("c", "Q1")
    assert "Q1: correct" in passes(capsys, check_quiz, " C ", "abcd", right, name="Q1", hint="reread")
    for wrong in "abd":
        msg = fails(check_quiz, wrong, "abcd", right, name="Q1", hint="reread section 2")
        assert "not the best answer" in msg and "reread section 2" in msg
    assert "not one of the options" in fails(check_quiz, "e", "abcd", right, name="Q1", hint="x")
    assert "not answered yet" in fails(check_quiz, ..., "abcd", right, name="Q1", hint="x",
                                       exc=NotAnswered)
    assert "one letter" in fails(check_quiz, 2, "abcd", right, name="Q1", hint="x")


# --------------------------------------------------------------------------- what a learner sees


def test_failure_renders_as_two_short_lines_without_traceback():
    with pytest.raises(CheckFailed) as info:
        check_digest(0.3, answer_digest(0.8, "precision"), "precision",
                     hint="divide the true positives by everything flagged as default, " * 2)
    lines = info.value._render_traceback_()
    assert lines[0].startswith("❌ precision = 0.3") and "Hint:" in "".join(lines[:2])
    assert all(len(line) <= 83 for line in lines)  # nbgrader validate cuts lines at 87 with indent
    assert "answer cell above" in lines[-1] and "%tb" in lines[-1]
    assert not any("Traceback" in line or "checks.py" in line for line in lines)


def test_in_a_kernel_errors_are_short_and_out_of_order_cells_say_run_the_cells_above():
    import nbclient
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("from modellab.checks import check_digest\nprint(week_recall)"),
        nbformat.v4.new_code_cell("check_digest(0.3, '81d8f36434126619', 'precision', hint='divide')"),
        nbformat.v4.new_code_cell("%tb verbose"),
    ]
    nbclient.NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout=60).execute()
    name_error, failed, verbose = (cell.outputs[0] for cell in nb.cells)
    assert name_error.ename == "NameError" and "Run All Above" in name_error.traceback[1]
    assert failed.ename == "CheckFailed" and len(failed.traceback) == 2
    assert failed.traceback[0] == "❌ precision = 0.3 is not right yet. Hint: divide."
    assert len(verbose.traceback) > 2 and any("check_digest" in line for line in verbose.traceback)


def _run_in_kernel(*sources: str):
    import nbclient
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    nbclient.NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout=60).execute()
    return [cell.outputs for cell in nb.cells]


_LOCKED_CHECK = f"{checks.LOCK_MARK}: checks your answer above\nfrom modellab.checks import check_close\n"


def test_locked_cells_say_waiting_for_unanswered_parts_and_run_all_goes_on():
    setup, waiting, shown, wrong, unmarked = _run_in_kernel(
        "import modellab.checks",
        _LOCKED_CHECK + "x = ...\ncheck_close(x, 1, 'x')\nprint('after the first check')",
        f"{checks.LOCK_MARK}: sets up the data\nfrom modellab.checks import require_answer\n"
        "require_answer(41, 'y') + 1",
        _LOCKED_CHECK + "check_close(0.5, 1, 'x', hint='divide by the flagged')",
        "from modellab.checks import check_close\ncheck_close(..., 1, 'x')",
    )
    assert setup == []
    # ⏳ as plain output, the rest of the cell skipped, no error: Run All would go on
    assert [o.output_type for o in waiting] == ["stream"]
    assert waiting[0].text.startswith("⏳ x is not answered yet") and "after" not in waiting[0].text
    assert shown[0].output_type == "execute_result" and shown[0].data["text/plain"] == "42"
    # a wrong answer still stops with ❌ and its hint; an unmarked cell still fails as before
    assert wrong[0].output_type == "error" and wrong[0].ename == "CheckFailed"
    assert wrong[0].traceback[0].startswith("❌ x = 0.5") and "divide by the flagged" in wrong[0].traceback[0]
    assert unmarked[0].output_type == "error" and unmarked[0].ename == "NotAnswered"


def test_under_nbgrader_a_part_not_answered_yet_still_fails(monkeypatch):
    """nbgrader validate (and autograde) set NBGRADER_EXECUTION: there ⏳ is a failed cell, so
    the validator still says the notebook is not complete."""
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    _setup, waiting = _run_in_kernel("import modellab.checks", _LOCKED_CHECK + "check_close(..., 1, 'x')")
    assert waiting[0].output_type == "error" and waiting[0].ename == "NotAnswered"
    assert waiting[0].traceback[0].startswith("⏳ x is not answered yet")


def test_require_answer_passes_values_through_and_waits_for_placeholders():
    assert checks.require_answer(0, "onset") == 0
    assert "not answered yet" in fails(checks.require_answer, None, "onset", exc=NotAnswered)
    with pytest.raises(TypeError, match="name must be"):
        checks.require_answer(1, "")

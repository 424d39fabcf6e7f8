"""Held-out inputs must not come back to a learner through the causes of their feedback.

A trusted test calls the learner's function on data the learner never saw. If the text of the
function's error (or its returned value) became the part's cause, a learner could copy those
inputs into it (``raise ValueError(df.to_json())``), read them in the feedback and hard-code the
answers. Each attack here goes through the grading path itself (``TrustedExecute._run`` with a
sandboxed learner kernel) and the feedback page rendered from the graded notebook.
"""

from __future__ import annotations

import json
import logging
import textwrap

import nbformat
import pytest

from modellab.course.harness import KernelSession, Learner, LearnerError, RunResult
from modellab.course.judge import (
    VOCABULARY,
    TestFailed,
    TrustedExecute,
    expect_choice,
    expect_close,
    expect_equal,
    expect_in_range,
)
from modellab.course.kernelside import REPLY_MIME
from modellab.course.sandbox import sandbox_problem

SECRET_NUMBER = "73519.25"  # in every held-out input below; never in a learner's notebook
SECRET_WORD = "zqheldout"

# the learner's notebook: every trick that copies its inputs into what comes back
LEARNER_CODE = textwrap.dedent("""
    import modellab.course.kernelside as _ks
    _stash = []

    class Leaky:
        def __repr__(self):
            raise ValueError("own text " + " ".join(_stash))

    leaky = Leaky()

    def dump(df):
        raise ValueError(df.to_json())  # one line: the kernel keeps an error's first line

    def as_float(text):
        return float(text)  # an honest slip: "could not convert string to float: '...'"

    def keep(*args):
        _stash.append(" ".join(repr(args).split()))
        return 0.0

    def named(text):
        raise type("E_" + "".join(c for c in text if c.isalnum()), (Exception,), {})()

    def echo(df):
        return df.to_csv()

    def echo_list(df):
        return df.to_csv().split()

    def not_yet(df):
        raise NotImplementedError()

    def lookup(df):
        return df["no_such_column"].sum()

    _serve = _ks.serve

    def _forged(request_json):
        import json
        from IPython.display import publish_display_data
        request = json.loads(request_json)
        if request.get("name") == "forged_raise":
            raise ValueError(request_json)  # the request code's own error
        if request.get("name") == "forged_frame":
            text = "".join(c for c in request_json if c.isalnum())
            publish_display_data({_ks.REPLY_MIME: json.dumps(
                {"ok": True, "value": {"__frame__": "../" + text + ".parquet"}})})
            return
        _serve(request_json)

    _ks.serve = _forged

    def forged_raise(x):
        return x

    def forged_frame(x):
        return x
""")

# parts in the order they are judged: (grade id, trusted tests)
HELD_OUT = f"pd.DataFrame({{'{SECRET_WORD}_col': [{SECRET_NUMBER}, 2.5], 'b': ['{SECRET_WORD}x', 'y']}})"
PARTS = {
    # before any held-out input reached the kernel, the learner's own message is shown
    "own-value": "learner.value('leaky')\n",
    "csv-in-message": f"import pandas as pd\nlearner.call('dump', {HELD_OUT})\n",
    "honest-slip": f"learner.call('as_float', '{SECRET_WORD} {SECRET_NUMBER}')\n",
    "missing-column": f"import pandas as pd\nlearner.call('lookup', {HELD_OUT})\n",
    "type-name": f"learner.call('named', '{SECRET_WORD}{SECRET_NUMBER}')\n",
    "evaluate": (f"learner.evaluate('dump(_df)', setup=['import pandas as pd', "
                 f"\"_df = {HELD_OUT}\"])\n"),
    "rerun": f"learner.rerun('total', week_label='{SECRET_WORD} {SECRET_NUMBER}')\n",
    "stash": (f"import pandas as pd\nlearner.call('keep', {HELD_OUT})\n"
              "learner.value('leaky')\n"),
    "returned-string": (f"import pandas as pd\n"
                        f"expect_equal(learner.call('echo', {HELD_OUT}), 'x', 'echo')\n"),
    "returned-string-close": (f"import pandas as pd\n"
                              f"expect_close(learner.call('echo', {HELD_OUT}), 1.0, 'echo')\n"),
    "returned-list": (f"import pandas as pd\n"
                      f"expect_close(learner.call('echo_list', {HELD_OUT}), [1.0], 'echo_list')\n"),
    "returned-choice": (f"import pandas as pd\n"
                        f"expect_choice(learner.call('echo', {HELD_OUT}), 'b', 'Q1')\n"),
    "returned-range": (f"import pandas as pd\n"
                       f"expect_in_range(learner.call('echo', {HELD_OUT}), 0, 1, 'echo')\n"),
    "not-answered": f"import pandas as pd\nlearner.call('not_yet', {HELD_OUT})\n",
    "forged-raise": f"learner.call('forged_raise', '{SECRET_WORD}{SECRET_NUMBER}')\n",
    "forged-frame": f"learner.call('forged_frame', '{SECRET_WORD}{SECRET_NUMBER}')\n",
}


def _notebook():
    cells = [nbformat.v4.new_code_cell(LEARNER_CODE),
             nbformat.v4.new_code_cell("week_label = '3.5'\n",
                                       metadata={"nbgrader": {"grade_id": "total-answer"}}),
             nbformat.v4.new_code_cell("total = float(week_label)\n",
                                       metadata={"nbgrader": {"grade_id": "total-cell"}})]
    cells += [nbformat.v4.new_code_cell("", metadata={"nbgrader": {"grade_id": gid}})
              for gid in PARTS]
    return nbformat.v4.new_notebook(cells=cells)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The hostile notebook graded once: ``(notebook, {grade id: cause}, instructor's log)``."""
    nb = _notebook()
    judge = TrustedExecute(timeout=30)
    judge._answers = {"total-cell": "total = float(week_label)\n"}
    judge._markdown = {}
    judge._part_answers = {gid: ("total-cell",) for gid in PARTS}
    judge.log = logging.getLogger("modellab.test_grading_leaks")
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    judge.log.addHandler(handler)
    home = tmp_path_factory.mktemp("home")
    # the sandbox where it runs (CI installs bubblewrap); the withholding does not depend on it
    with KernelSession(home, timeout=30, sandboxed=sandbox_problem() is None) as session:
        judge._run(nb, {gid: ("", hidden, True) for gid, hidden in PARTS.items()}, session,
                   dict(VOCABULARY))
    judge.log.removeHandler(handler)
    causes = {}
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in PARTS:
            errors = [o for o in cell.outputs if o.get("output_type") == "error"]
            causes[gid] = errors[0]["evalue"] if errors else None
    return nb, causes, [r.getMessage() for r in records]


def _assert_no_secret(text: str) -> None:
    assert SECRET_NUMBER not in text and "73519" not in text
    assert SECRET_WORD not in text.lower()


def test_the_graded_notebook_and_the_feedback_hold_no_held_out_input(graded):
    from modellab.course.feedback import render_html

    nb, causes, _ = graded
    assert all(causes[gid] for gid in PARTS), causes  # every part failed, each with a cause
    _assert_no_secret(json.dumps(nb))  # the grade cells' outputs, the learner's cells' too
    _assert_no_secret(render_html(nb))


@pytest.mark.parametrize(("gid", "kind", "function"), [
    ("csv-in-message", "ValueError", "dump(...)"),
    ("honest-slip", "ValueError", "as_float(...)"),
    ("missing-column", "KeyError", "lookup(...)"),
    ("evaluate", "ValueError", "dump(...)"),
])
def test_an_error_on_held_out_data_names_its_type_and_how_to_see_it(graded, gid, kind, function):
    cause = graded[1][gid]
    assert cause.startswith(f"{function} raised {kind} on the grader's held-out data"), cause
    assert "run your code on examples of your own" in cause
    _assert_no_secret(cause)


def test_an_answer_cell_rerun_on_other_data_withholds_its_message_too(graded):
    cause = graded[1]["rerun"]
    assert cause.startswith("your answer cell total-cell, run again on other data, raised "
                            "ValueError."), cause
    assert "run your answer cell on examples of your own" in cause


def test_an_exception_type_named_after_the_data_is_not_shown(graded):
    assert graded[1]["type-name"].startswith("named(...) raised an exception on the grader's")


def test_a_learners_own_value_keeps_its_message_until_held_out_data_went_in(graded):
    causes = graded[1]
    assert causes["own-value"] == "leaky raised ValueError: own text"  # nothing stashed yet
    # after keep() stashed the held-out frame, reading the same value withholds the message
    assert causes["stash"].startswith("leaky raised ValueError when the grader read it; its "
                                      "message is not shown"), causes["stash"]


def test_a_returned_string_or_list_built_from_the_input_is_not_echoed(graded):
    causes = graded[1]
    assert causes["returned-string"] == "echo is not right"
    assert causes["returned-string-close"] == "echo should be a number (or numbers), got a str"
    assert causes["returned-list"] == "echo_list should be a number (or numbers), got a list"
    assert causes["returned-choice"] == 'Q1: answer with one letter, e.g. "a"'
    assert causes["returned-range"] == "echo should be a number (or numbers), got a str"


def test_special_messages_stay(graded):
    assert graded[1]["not-answered"] == ("not_yet is not answered yet: replace "
                                         "`raise NotImplementedError()` with your code")


def test_a_replaced_request_code_cannot_carry_the_inputs_out(graded):
    causes = graded[1]
    assert causes["forged-raise"] == ("forged_raise(...): the kernel gave no answer "
                                      "(it raised ValueError)")
    assert causes["forged-frame"] == "forged_frame(...): the answer could not be read (ValueError)"


def test_the_instructor_log_keeps_the_full_message(graded):
    log = "\n".join(graded[2])
    assert f"could not convert string to float: '{SECRET_WORD} {SECRET_NUMBER}'" in log
    assert "csv-in-message: the learner's error, not shown to them" in log


# ---- the same rules, request by request (no kernel: the replies are written by hand) -------
def _session_replying(tmp_path, error: str) -> KernelSession:
    session = KernelSession(tmp_path)
    reply = json.dumps({"ok": False, "error": error})
    session.run = lambda code, timeout=None: RunResult(
        "ok", [{"output_type": "display_data", "data": {REPLY_MIME: reply}, "metadata": {}}])
    return session


@pytest.mark.parametrize("request_", [
    lambda learner: learner.call("f", "held-out"),
    lambda learner: learner.evaluate("f(x)", setup="x = 'held-out'"),
])
def test_a_request_on_held_out_inputs_never_returns_the_learners_message(tmp_path, request_):
    session = _session_replying(tmp_path, f"ZeroDivisionError: {SECRET_WORD} {SECRET_NUMBER}")
    with pytest.raises(LearnerError) as failed:
        request_(Learner(session))
    assert "f(...) raised ZeroDivisionError on the grader's held-out data" in str(failed.value)
    _assert_no_secret(str(failed.value))
    assert failed.value.detail == f"ZeroDivisionError: {SECRET_WORD} {SECRET_NUMBER}"


def test_a_value_request_keeps_the_message_and_special_causes(tmp_path):
    session = _session_replying(tmp_path, "ValueError: my own text")
    with pytest.raises(LearnerError, match="^x raised ValueError: my own text$"):
        Learner(session).value("x")
    session = _session_replying(tmp_path, "NameError: name 'x' is not defined")
    with pytest.raises(LearnerError, match="x is not defined in your notebook"):
        Learner(session).value("x")
    session = _session_replying(tmp_path, "NameError: name 'np' is not defined")
    with pytest.raises(LearnerError, match=r"f\(\.\.\.\) raised NameError on the grader's held-out "
                                           "data; a name it uses is not defined"):
        Learner(session).call("f", 1)


def test_the_vocabulary_never_echoes_a_learners_text():
    secret = f"{SECRET_WORD},{SECRET_NUMBER}\n" * 50
    checks = [lambda: expect_equal(secret, "x", "v"), lambda: expect_close(secret, 1.0, "v"),
              lambda: expect_close([secret], [1.0], "v"), lambda: expect_in_range(secret, 0, 1, "v"),
              lambda: expect_choice(secret, "b", "Q1"), lambda: expect_equal([secret], [], "v"),
              lambda: expect_close({"k": secret}, 1.0, "v")]
    for check in checks:
        with pytest.raises(TestFailed) as failed:
            check()
        _assert_no_secret(str(failed.value))

"""nbgrader settings for the modellab course.

Used by ``modellab build`` (to generate learner exercises) and copied into an
instructor's workshop directory by ``modellab workshop init``. Keep paths out
of this file: the build and the workshop set ``CourseDirectory.root`` themselves.
"""

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

# --- course -----------------------------------------------------------------
c.CourseDirectory.course_id = "modellab"

# --- what learners get (generate_assignment) --------------------------------
# Everything between "### BEGIN SOLUTION" and "### END SOLUTION" becomes this stub.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.ClearSolutions.begin_solution_delimeter = "BEGIN SOLUTION"
c.ClearSolutions.end_solution_delimeter = "END SOLUTION"
# "### BEGIN HIDDEN TESTS" ... "### END HIDDEN TESTS" is removed from the release. A region
# marked "### BEGIN HIDDEN TESTS (trusted)" holds trusted tests: at grading time they run in the
# grader's process, never in the learner's sandboxed kernel (course/AUTHORING.md).
c.ClearHiddenTests.begin_test_delimeter = "BEGIN HIDDEN TESTS"
c.ClearHiddenTests.end_test_delimeter = "END HIDDEN TESTS"
# Markdown answer cells (ticked boxes, course/AUTHORING.md) reach learners with no box ticked,
# and a top-level answer stub does not raise (its `name = ...` placeholder makes the check say ⏳,
# so Run All goes on): nbgrader's own steps, with modellab's UntickAnswers and RunnableStubs
# right after ClearSolutions.
from nbgrader.converters import GenerateAssignment  # noqa: E402
from nbgrader.preprocessors import ClearSolutions  # noqa: E402

from modellab.course.build import RunnableStubs  # noqa: E402
from modellab.course.judge import UntickAnswers  # noqa: E402

_steps = list(GenerateAssignment.class_traits()["preprocessors"].default())
_steps[_steps.index(ClearSolutions) + 1:_steps.index(ClearSolutions) + 1] = [UntickAnswers, RunnableStubs]
c.GenerateAssignment.preprocessors = _steps

# --- grading (autograde) ----------------------------------------------------
# A learner's endless loop is interrupted after 60 s: that cell scores 0, later cells still run.
c.ExecutePreprocessor.timeout = 60
# Always grade with the standard kernel, whatever kernel the learner's notebook names.
c.ExecutePreprocessor.kernel_name = "python3"
# Test cells a learner deleted are put back (with a note) and graded, not silently skipped.
c.OverwriteCells.add_missing_cells = True
# `modellab workshop grade` replaces nbgrader's Execute step with modellab.course.judge:
# learner cells in a bubblewrap sandbox (limits: c.TrustedExecute.memory, cpu_seconds,
# processes, file_size, output_bytes; set in the workshop's nbgrader_config.py), tests here.

"""The learner sandbox, attacked from inside a real sandboxed kernel.

Every probe runs as learner code in a :class:`~modellab.course.harness.KernelSession` (bubblewrap,
unprivileged uid, rlimits) and must fail where the grader's own process succeeds: the grader
reading the same path is the oracle that the path exists and would have leaked.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest

from modellab.course import sandbox
from modellab.course.harness import KernelSession, Learner, LearnerError
from modellab.course.sandbox import SandboxLimits, sandbox_problem

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    sandbox_problem() is not None, reason=f"no sandbox here: {sandbox_problem()}"
)


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    home = tmp_path_factory.mktemp("learner-home")
    (home / "mine.txt").write_text("my own file")
    with KernelSession(home, limits=SandboxLimits(processes=64), timeout=30, interrupt_grace=3) as session:
        yield session


def _probe(kernel: KernelSession, code: str):
    """Run ``code`` (which sets ``result``) in the sandbox; return ``result`` as data."""
    run = kernel.run(code)
    assert run.status == "ok", run
    return Learner(kernel).value("result")


def _read_attempt(path: str) -> str:
    return (
        "import os\n"
        f"p = {path!r}\n"
        "try:\n"
        "    result = ('read', len(os.listdir(p)) if os.path.isdir(p) else len(open(p, 'rb').read()))\n"
        "except OSError as exc:\n"
        "    result = ('blocked', type(exc).__name__)\n"
    )


@pytest.mark.parametrize("secret", [
    "/etc/shadow",
    str(REPO / "solutions"),
    str(REPO / "course" / "exercises"),
    str(REPO / "tests"),
])
def test_host_secrets_are_out_of_sight(kernel, secret):
    assert os.path.exists(secret)  # the grader sees it: a leak would be real
    assert _probe(kernel, _read_attempt(secret))[0] == "blocked"


def test_graders_home_shows_only_the_python_installation(kernel):
    """A pyenv Python under $HOME is bound read-only; nothing else of $HOME is there."""
    home = Path.home()
    bound = {p.relative_to(home).parts[0] for p in sandbox._readonly_paths() if home in p.parents}
    seen = _probe(kernel, f"import os\ntry:\n    result = sorted(os.listdir({str(home)!r}))\n"
                          "except OSError:\n    result = []\n")
    assert set(seen) <= bound
    assert set(os.listdir(home)) - bound, "nothing else in $HOME: the test proves nothing"


def test_other_learners_and_the_gradebook_are_out_of_sight(kernel, tmp_path):
    other = tmp_path / "submitted" / "bob"
    other.mkdir(parents=True)
    (other / "ex01.ipynb").write_text("{}")
    gradebook = tmp_path / "gradebook.db"
    gradebook.write_bytes(b"SQLite format 3\0")
    for path in (other, gradebook, tmp_path):
        assert _probe(kernel, _read_attempt(str(path)))[0] == "blocked"


def test_own_folder_is_readable_and_writable(kernel):
    result = _probe(kernel, "open('out.txt', 'w').write('x')\n"
                            "result = (open('mine.txt').read(), os.getcwd(), os.getuid())")
    assert result[:2] == ("my own file", "/home/learner")
    assert (kernel.home / "out.txt").read_text() == "x"
    if os.geteuid() == 0:
        assert result[2] != 0  # an unprivileged identity, not root


@pytest.mark.parametrize("target", ["/usr/evil", str(REPO / "evil"), "/evil", str(Path.home() / "evil")])
def test_writing_outside_the_work_dir_fails(kernel, target):
    code = ("try:\n"
            f"    open({target!r}, 'w').write('x')\n"
            "    result = 'written'\n"
            "except OSError as exc:\n"
            "    result = type(exc).__name__\n")
    assert _probe(kernel, code) != "written"
    assert not os.path.exists(target)


def test_no_network(kernel):
    code = ("import socket\n"
            "try:\n"
            "    socket.create_connection(('1.1.1.1', 80), timeout=3)\n"
            "    result = 'connected'\n"
            "except OSError as exc:\n"
            "    result = type(exc).__name__\n")
    assert _probe(kernel, code) != "connected"


def test_six_gib_raise_memory_error(kernel):
    run = kernel.run("import numpy as np\nbig = np.ones(6 * 2**30 // 8)")
    assert run.status == "error" and "MemoryError" in run.cause
    assert kernel.alive()


def test_fork_bomb_is_contained(tmp_path):
    code = ("import os, time\n"
            "children = 0\n"
            "try:\n"
            "    for _ in range(10_000):\n"
            "        if os.fork() == 0:\n"
            "            time.sleep(60)\n"
            "            os._exit(0)\n"
            "        children += 1\n"
            "    result = ('unbounded', children)\n"
            "except OSError as exc:\n"
            "    result = ('stopped', children)\n")
    # a uid of its own: the process limit counts every process of a uid
    with KernelSession(tmp_path, limits=SandboxLimits(processes=64), timeout=30,
                       uid=sandbox._uid_for(os.getpid()) + 1) as session:
        result = _probe(session, code)
    assert result[0] == "stopped" and result[1] < 64, result


def _host_processes_with(marker: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def test_detached_child_dies_with_the_sandbox(tmp_path):
    marker = f"detached-{uuid.uuid4().hex}"
    with KernelSession(tmp_path, timeout=30) as session:
        run = session.run(
            "import subprocess, sys\n"
            f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)', {marker!r}],\n"
            "                 start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n")
        assert run.status == "ok", run
        import time

        deadline = time.monotonic() + 10
        while not _host_processes_with(marker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _host_processes_with(marker), "the detached child never started"
    deadline = time.monotonic() + 10
    while _host_processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _host_processes_with(marker) == []


def test_hang_that_swallows_interrupts_restarts_the_kernel(tmp_path):
    with KernelSession(tmp_path, timeout=2, interrupt_grace=2) as session:
        session.run("x = 1")
        run = session.run("import time\nwhile True:\n    try:\n        time.sleep(1)\n"
                          "    except BaseException:\n        pass\n")
        assert run.status == "died" and "ignored the interrupt" in run.cause
        assert session.alive() and session.restarts == 1
        with pytest.raises(LearnerError, match="x is not defined"):
            Learner(session).value("x")  # a fresh kernel: the driver replays, not the session


def test_protocol_round_trips_frames_and_reports_errors(kernel):
    import pandas as pd

    kernel.run("def double(df):\n    return df.assign(b=df['a'] * 2)\n"
               "def boom(x):\n    raise ZeroDivisionError('nope')\n")
    learner = Learner(kernel)
    frame = learner.call("double", pd.DataFrame({"a": [1, 2, 3]}))
    pd.testing.assert_frame_equal(frame, pd.DataFrame({"a": [1, 2, 3], "b": [2, 4, 6]}))
    with pytest.raises(LearnerError, match="raised ZeroDivisionError"):
        learner.call("boom", 1)


def test_limits_validate_their_arguments():
    assert SandboxLimits(memory="512MiB").memory == 512 * 1024**2
    with pytest.raises(ValueError, match="memory"):
        SandboxLimits(memory="lots")
    with pytest.raises(ValueError, match="processes"):
        SandboxLimits(processes=0)
    argv = sandbox.sandbox_argv(["python"], home=Path("/tmp/h"), runtime=None,
                                limits=SandboxLimits(), uid=61001)
    assert "--ro-bind" in argv and ["--ro-bind", "/", "/"] != argv[argv.index("--ro-bind"):][:3]
    assert not any(a == "/" for i, a in enumerate(argv[1:]) if argv[i] in ("--ro-bind", "--bind"))
    assert json.dumps(argv)  # plain strings only


def test_process_limit_counts_only_the_sandbox_when_the_instructor_is_not_root(monkeypatch):
    """Not root: the sandbox's processes share the instructor's uid, yet the limit set in the
    sandbox's own user namespace counts only them (Linux >= 5.14): with more processes of the
    same uid outside than the limit, the sandbox still forks up to (and not beyond) its limit."""
    import shutil
    import subprocess
    import tempfile

    python = "/usr/bin/python3"  # the venv's Python may live where another user cannot read
    if not os.path.exists(python):
        pytest.skip("no system Python at /usr/bin/python3 to run inside the sandbox")
    limit = 20
    user = 61_000 + os.getpid() % 1000  # a uid of this test's own (as root), else ourselves
    as_user = (["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups",
                "--inh-caps=-all", "--"] if os.geteuid() == 0 else [])
    monkeypatch.setattr(sandbox, "_readonly_paths", lambda: [])
    monkeypatch.setattr(os, "geteuid", lambda: 1000)  # the argv an instructor who is not root gets
    argv = sandbox.sandbox_argv([python, "/home/learner/fork.py"], home=Path("/nonexistent"),
                                runtime=None, limits=SandboxLimits(processes=limit), uid=1000)
    monkeypatch.undo()
    assert "--unshare-user" in argv
    if not sandbox.nproc_limited():  # old kernel: the count would include the instructor's
        assert not any(a.startswith("--nproc") for a in argv)
        return
    assert f"--nproc={limit}" in argv
    home = Path(tempfile.mkdtemp(prefix="mlnproc-"))
    outside = []
    try:
        home.chmod(0o755)
        (home / "fork.py").write_text(
            "import os, time\n"
            "n = 0\n"
            "try:\n"
            "    for _ in range(500):\n"
            "        if os.fork() == 0:\n"
            "            time.sleep(30)\n"
            "            os._exit(0)\n"
            "        n += 1\n"
            "except OSError:\n"
            "    pass\n"
            "print(n, flush=True)\n")  # the children die with the sandbox's PID namespace
        argv[argv.index("/nonexistent")] = str(home)
        outside = [subprocess.Popen([*as_user, "sleep", "60"]) for _ in range(limit + 10)]
        run = subprocess.run([*as_user, *argv], capture_output=True, text=True, timeout=60)
        if run.returncode != 0 and run.stderr.startswith("bwrap:") and not run.stdout:
            # no sandbox at all for a user who is not root (then `grade` refuses for them too)
            pytest.skip(f"bubblewrap cannot make a sandbox for uid {user}: {run.stderr.strip()}")
        forked = int(run.stdout.split()[0]) if run.stdout.split() else None
        assert forked is not None, run.stderr
        # bwrap's own init and the script count too; the 30 processes outside do not
        assert limit // 2 <= forked < limit, (forked, run.stderr)
    finally:
        for proc in outside:
            proc.kill()
            proc.wait()
        shutil.rmtree(home, ignore_errors=True)

"""The trusted driver of one learner kernel: run cells, survive hangs and deaths, ask for data.

:class:`KernelSession` starts a learner's kernel (in the bubblewrap sandbox of
:mod:`modellab.course.sandbox` unless told otherwise), runs code with a timeout, interrupts a
looping cell, and when the kernel ignores the interrupt or dies (``os._exit``, a signal, a
resource limit) restarts it and replays the cells that had run, so one part's failure costs
that part only. :class:`Learner` is what trusted tests see: ``learner.value(name)`` and
``learner.call(name, *args)`` send requests (:mod:`modellab.course.kernelside`) and decode
the JSON replies; a failure becomes a :class:`LearnerError` in plain words.

Examples
--------
>>> RunResult("ok", [], "").failed
False
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .kernelside import REPLY_MIME, decode, encode
from .sandbox import EXCHANGE, SandboxLimits, _uid_for, prepare_dirs, sandbox_argv, sandbox_env

_REQUEST_CODE = {
    "python": "__import__('modellab.course.kernelside', fromlist=['serve']).serve({payload!r})",
}


MAX_ERROR_CHARS = 400  # of a learner's error message, in a cause (feedback, grading summary)


class LearnerError(AssertionError):
    """A learner's answer could not be obtained (missing, crashed, too slow, kernel died).

    ``str(error)`` is for the learner; ``detail`` holds text they must not see (their own error
    message once their code had the grader's held-out inputs), for the instructor's log only.
    """

    def __init__(self, message: str = "", *, detail: str = ""):
        super().__init__(message)
        self.detail = detail


# requests whose inputs the grader chose (held-out data): after one, learner code has seen them
_HELD_OUT_OPS = ("call", "evaluate", "rerun")


def _known_exception_names() -> frozenset:
    """Exception type names a cause may show: Python's own and the libraries' a learner's code
    typically calls. Any other name is the learner's to choose, and could spell out data."""
    import builtins
    import importlib

    names = {n for n, v in vars(builtins).items()
             if isinstance(v, type) and issubclass(v, BaseException)}
    for module in ("numpy.exceptions", "numpy.linalg", "pandas.errors", "sklearn.exceptions",
                   "scipy.linalg", "pyarrow.lib", "modellab.checks", "modellab.scale.parquet"):
        try:
            found = vars(importlib.import_module(module)).values()
        except Exception:  # a library that is not installed: its names are not shown
            continue
        names |= {v.__name__ for v in found if isinstance(v, type) and issubclass(v, BaseException)}
    return frozenset(names)


_KNOWN_EXCEPTIONS: frozenset | None = None


def _shown_type(error: str) -> str:
    """The exception type of a learner error ``"Type: message"``, as a cause may show it: a
    known name, else ``"an exception"`` (a type the learner named could carry the data)."""
    global _KNOWN_EXCEPTIONS
    if _KNOWN_EXCEPTIONS is None:
        _KNOWN_EXCEPTIONS = _known_exception_names()
    name = _error_name(error)
    return name if name in _KNOWN_EXCEPTIONS else "an exception"


def _error_name(error: str) -> str:
    return error.split(":", 1)[0].strip()


@dataclass
class RunResult:
    """What running one piece of code did: ``status`` is ``ok``, ``error``, ``timeout``
    (interrupted; the kernel lives on) or ``died`` (the kernel had to be restarted)."""

    status: str
    outputs: list = field(default_factory=list)
    cause: str = ""

    @property
    def failed(self) -> bool:
        return self.status != "ok"


def _death_cause(code: int | None, limits: SandboxLimits) -> str:
    if code is None:
        return "the kernel stopped responding and was restarted"
    sig = -code if code < 0 else code - 128 if code > 128 else None
    if sig == signal.SIGXCPU:
        return f"the kernel used more than {limits.cpu_seconds} s of CPU time and was stopped"
    if sig == signal.SIGKILL:
        return "the kernel was killed (SIGKILL) and was restarted"
    if sig:
        return f"the kernel died from signal {signal.Signals(sig).name} and was restarted"
    return f"the kernel exited (exit status {code}) and was restarted"


def _make_manager_class():
    from jupyter_client import KernelManager

    class SandboxedKernelManager(KernelManager):
        """A KernelManager whose kernel command runs inside the learner sandbox."""

        sandbox_home: Path
        sandbox_runtime: Path
        sandbox_exchange: Path
        sandbox_limits: SandboxLimits
        sandbox_uid: int
        sandboxed: bool

        def format_kernel_cmd(self, extra_arguments=None):
            cmd = [sys.executable, "-m", "ipykernel_launcher", "-f", self.connection_file,
                   "--HistoryManager.enabled=False"]
            if not self.sandboxed:
                return cmd
            return sandbox_argv(cmd, home=self.sandbox_home, runtime=self.sandbox_runtime,
                                limits=self.sandbox_limits, uid=self.sandbox_uid,
                                exchange=self.sandbox_exchange)

        def write_connection_file(self, **kwargs):
            super().write_connection_file(**kwargs)
            if self.sandboxed and os.geteuid() == 0:
                os.chown(self.connection_file, self.sandbox_uid, self.sandbox_uid)

    return SandboxedKernelManager


class KernelSession:
    """One learner's kernel, driven from the trusted process.

    Parameters
    ----------
    home : Path
        The learner's private folder (the kernel's working directory, ``/home/learner``).
    sandboxed : bool
        Run the kernel under bubblewrap (``False`` only with ``--unsafe-no-sandbox``).
    limits : SandboxLimits
    timeout : float
        Seconds one cell or one request may run before it is interrupted.
    uid : int, optional
        The sandbox's unprivileged uid (default: one derived from this process id).
    """

    def __init__(self, home: Path, *, sandboxed: bool = True, limits: SandboxLimits | None = None,
                 timeout: float = 60, interrupt_grace: float = 5, language: str = "python",
                 uid: int | None = None):
        self.home = Path(home)
        self.sandboxed = sandboxed
        self.limits = limits or SandboxLimits()
        self.timeout = float(timeout)
        self.grace = float(interrupt_grace)
        self.language = language
        # the exchange folder (frames as Parquet), made by start(): outside the learner's home,
        # a mount point in the sandbox, so the kernel cannot swap it for a symlink to a folder
        # of the instructor's that the grader would then write its inputs into
        self.io_dir: Path | None = None
        self.kernel_io_dir: str | None = None
        # limits such as the process count hold per uid: one uid per grading process (which
        # runs one learner kernel at a time) unless told otherwise
        self.uid = _uid_for(os.getpid()) if uid is None else int(uid)
        self.restarts = 0
        # True once a request gave learner code inputs the grader chose: from then on its error
        # texts (even in a later `value` request) may quote them, and stay out of the causes. Not
        # reset by a restart: the kernel may have written them to a file in its home
        self.held_out_seen = False
        self.km = self.kc = None
        self._runtime = None

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> None:
        self._runtime = Path(tempfile.mkdtemp(prefix="mlk-"))
        self.io_dir = Path(tempfile.mkdtemp(prefix="mlx-"))
        self.kernel_io_dir = EXCHANGE if self.sandboxed else str(self.io_dir)
        if self.sandboxed:
            prepare_dirs(self.home, self._runtime, self.uid)
            prepare_dirs(self.io_dir, None, self.uid)
        km = _make_manager_class()(kernel_name="python3", transport="ipc",
                                   ip=str(self._runtime / "k"))
        km.connection_file = str(self._runtime / "kernel.json")
        km.sandbox_home, km.sandbox_runtime, km.sandbox_exchange = self.home, self._runtime, self.io_dir
        km.sandbox_limits, km.sandbox_uid, km.sandboxed = self.limits, self.uid, self.sandboxed
        env = sandbox_env(str(self.home)) if not self.sandboxed else {}
        if not self.sandboxed:
            env["PATH"] = os.environ.get("PATH", env["PATH"])
        # the kernel's own stdout/stderr (start-up notes) are not the learner's outputs
        km.start_kernel(cwd=str(self.home), env=env, stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL)
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
        except RuntimeError as exc:
            code = km.provisioner.process.poll() if km.provisioner and km.provisioner.process else None
            kc.stop_channels()
            km.shutdown_kernel(now=True)
            self.close()
            raise RuntimeError(f"the learner's kernel did not start ({exc}; exit status {code})") from None
        self.km, self.kc = km, kc

    def close(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None:
            try:
                self.km.shutdown_kernel(now=True)
            except Exception:  # already gone
                pass
        for folder in (self._runtime, self.io_dir):
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
        self.km = self.kc = self._runtime = self.io_dir = None

    def restart(self) -> None:
        self.close()
        self.restarts += 1
        self.start()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def alive(self) -> bool:
        return self.km is not None and self.km.is_alive()

    # -- running code ------------------------------------------------------------------
    def run(self, code: str, *, timeout: float | None = None) -> RunResult:
        """Run ``code``; outputs as nbformat dicts (capped at ``limits.output_bytes``)."""
        timeout = self.timeout if timeout is None else float(timeout)
        msg_id = self.kc.execute(code, store_history=False, allow_stdin=False, stop_on_error=False)
        outputs: list = []
        size = 0
        dropped = False
        status, cause = "ok", ""
        deadline = time.monotonic() + timeout
        interrupted_at = None
        while True:
            now = time.monotonic()
            if interrupted_at is None and now > deadline:
                self._interrupt()
                interrupted_at = now
                status, cause = "timeout", f"did not finish within {timeout:g} s and was interrupted"
            if interrupted_at is not None and now > interrupted_at + self.grace:
                self._kill_and_restart()
                return RunResult("died", outputs,
                                 f"did not finish within {timeout:g} s and ignored the interrupt; "
                                 "the kernel was restarted")
            try:
                msg = self.kc.get_iopub_msg(timeout=0.5)
            except queue.Empty:
                if not self.km.is_alive():
                    code_ = self.km.provisioner.process.poll() if self.km.provisioner else None
                    self._kill_and_restart()
                    return RunResult("died", outputs, _death_cause(code_, self.limits))
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "status" and content.get("execution_state") == "idle":
                break
            if kind not in ("stream", "display_data", "execute_result", "error"):
                continue
            out = {"output_type": kind, **{k: v for k, v in content.items() if k != "transient"}}
            if kind == "execute_result":
                out.setdefault("metadata", {})
            if kind == "error" and status == "ok":
                status = "error"
                cause = (f"{str(content.get('ename', 'Error'))[:100]}: "
                         f"{str(content.get('evalue', ''))[:300]}")
            n = len(json.dumps(out, default=str))
            if size + n > self.limits.output_bytes:
                if not dropped:
                    outputs.append({"output_type": "stream", "name": "stdout",
                                    "text": f"[output beyond {self.limits.output_bytes} bytes dropped]\n"})
                    dropped = True
                continue
            size += n
            outputs.append(out)
        return RunResult(status, outputs, cause)

    def _interrupt(self) -> None:
        """Message-mode interrupt (the kernel is in its own session: signals cannot reach it)."""
        msg = self.kc.session.msg("interrupt_request", {})
        self.kc.control_channel.send(msg)

    def _kill_and_restart(self) -> None:
        self.restart()

    # -- requests ----------------------------------------------------------------------
    def request(self, req: dict, *, timeout: float | None = None):
        """Send one protocol request; return the decoded value or raise :class:`LearnerError`.

        Once learner code has been given inputs the grader chose (``call``, ``evaluate``,
        ``rerun``), the text of its errors never reaches a cause: a learner could raise an
        exception whose message is the held-out data (``raise ValueError(df.to_csv())``), and
        an honest error may quote it (a missing column, a value that is not a number). The
        cause keeps the exception's type and says how to see the message; the text goes to
        :attr:`LearnerError.detail` (the instructor's log).
        """
        if req["op"] in _HELD_OUT_OPS:
            self.held_out_seen = True
        private = self.held_out_seen
        payload = json.dumps({**req, "io_dir": self.kernel_io_dir})
        code = _REQUEST_CODE[self.language].format(payload=payload)
        result = self.run(code, timeout=timeout)
        replies = [o for o in result.outputs if o["output_type"] == "display_data"
                   and REPLY_MIME in o.get("data", {})]
        what = {"value": req["name"], "call": f"{req['name']}(...)",
                "evaluate": _callee(req["name"])}.get(
            req["op"], f"your answer cell {req['name']}, run again on other data,")
        if result.status in ("timeout", "died"):
            raise LearnerError(f"{what} {result.cause}")
        if len(replies) != 1:
            if private and result.cause:  # an error of the request code: learner code may replace it
                raise LearnerError(f"{what}: the kernel gave no answer (it raised "
                                   f"{_shown_type(result.cause)})", detail=result.cause)
            raise LearnerError(f"{what}: the kernel gave no answer ({result.cause or 'no reply'})")
        try:
            reply = json.loads(replies[0]["data"][REPLY_MIME])
            if not reply.get("ok"):
                # the kernel's own code may be replaced: its text is cut here, not only there
                error = " ".join(str(reply.get("error", "failed")).split())[:MAX_ERROR_CHARS]
                if _error_name(error) == "NotImplementedError":
                    label = req["name"] if req["op"] in ("value", "call") else what
                    raise LearnerError(f"{label} is not answered yet: replace "
                                       "`raise NotImplementedError()` with your code")
                if _error_name(error) == "NameError" and req["op"] == "value":
                    raise LearnerError(f"{req['name']} is not defined in your notebook "
                                       "(did its cell run without an error?)")
                if private:
                    raise LearnerError(_private_cause(req, what, _shown_type(error)), detail=error)
                raise LearnerError(f"{what} raised {error}")
            return decode(reply["value"], str(self.io_dir))
        except LearnerError:
            raise
        except Exception as exc:
            if private:  # e.g. a forged reply naming a "file" spelled from the held-out data
                raise LearnerError(f"{what}: the answer could not be read ({type(exc).__name__})",
                                   detail=str(exc)[:MAX_ERROR_CHARS]) from None
            raise LearnerError(f"{what}: the answer could not be read ({type(exc).__name__}: {exc})") from None


def _private_cause(req: dict, what: str, kind: str) -> str:
    """The cause of a learner error whose message is withheld (see :meth:`KernelSession.request`)."""
    op = req["op"]
    if op == "value":  # the learner's own variable, read after their code had held-out data
        return (f"{what} raised {kind} when the grader read it; its message is not shown, as "
                "your code had been given the grader's held-out data before: run the cell in "
                "your notebook to see it")
    where = "" if op == "rerun" else " on the grader's held-out data"
    hint = {"NameError": "; a name it uses is not defined (an import or a variable from another "
                         "cell?)",
            "KeyError": "; a key or column it looks up is not there"}.get(kind, "")
    subject = "your answer cell" if op == "rerun" else "your code"
    data = "those data" if where else "the grader's held-out data"
    return (f"{what} raised {kind}{where}{hint}. Its message is not shown (it could quote "
            f"{data}): run {subject} on examples of your own (another week or seed, missing "
            "values, an edge case) to see it")


class Learner:
    """The learner's notebook as trusted tests see it: data only, through the protocol.

    ``value(name)`` returns the value bound to ``name`` after the learner's cells ran;
    ``call(name, *args, **kwargs)`` calls the learner's function on inputs the grader chose
    (numbers, strings, lists, arrays, pandas Series/DataFrames). Both raise
    :class:`LearnerError` with a plain-words cause.
    """

    def __init__(self, session: KernelSession, cells: dict | None = None, part: tuple = ()):
        self._session = session
        self._cells = dict(cells or {})
        self._part = tuple(part)  # grade ids of the answer cells of the part being judged

    def value(self, name: str):
        _check_name(name)
        return self._session.request({"op": "value", "name": name})

    def call(self, name: str, *args, **kwargs):
        _check_name(name)
        io = str(self._session.io_dir)
        return self._session.request({"op": "call", "name": name,
                                      "args": encode(list(args), io), "kwargs": encode(kwargs, io)})

    def evaluate(self, expression: str, *, setup="") -> object:
        """Evaluate ``expression`` in the learner's kernel after ``setup`` code (a string or a
        list of lines), in a copy of its namespace: for calls on objects that cannot travel as
        data, e.g. ``learner.evaluate("drifted_features(world, 3, 9)",
        setup="world = make('stable', seed=4)")``."""
        if not isinstance(expression, str) or not expression.strip():
            raise TypeError(f"expression must be a non-empty string, got {expression!r}.")
        setup = setup if isinstance(setup, str) else "\n".join(setup)
        return self._session.request({"op": "evaluate", "name": expression, "setup": setup})

    def rerun(self, names, *, setup: str = "", **bindings):
        """Run this part's answer cell(s) again on other data.

        ``setup`` (code: a string or a list of lines) and ``bindings`` (data) replace the
        inputs first; the values of
        ``names`` (one name or a list) are returned; the notebook's own state is unchanged.
        This catches answers typed in instead of computed.
        """
        single = isinstance(names, str)
        wanted = [names] if single else list(names)
        for name in wanted:
            _check_name(name)
        missing = [gid for gid in self._part if gid not in self._cells]
        if missing or not self._part:
            raise LearnerError(f"answer cell {', '.join(missing) or '?'} is missing from your notebook "
                               "(deleted, turned into text, or its metadata removed), so it could not "
                               "be checked on other data")
        io = str(self._session.io_dir)
        code = "\n".join(self._cells[gid] for gid in self._part)
        setup = setup if isinstance(setup, str) else "\n".join(setup)
        values = self._session.request({"op": "rerun", "name": "+".join(self._part), "code": code,
                                        "setup": setup, "bindings": encode(bindings, io),
                                        "names": wanted})
        return values[0] if single else values

    def __repr__(self) -> str:
        return "<learner notebook>"


def _callee(expression: str) -> str:
    """``f(...)`` for the learner function an expression calls (the grader's inputs stay out of
    the learner's feedback), else ``your code``."""
    import builtins
    import re

    for name in re.findall(r"([A-Za-z_]\w*)\s*\(", expression):
        if not hasattr(builtins, name):
            return f"{name}(...)"
    return "your code"


def _check_name(name) -> None:
    if not isinstance(name, str) or not all(part.isidentifier() for part in name.split(".")):
        raise TypeError(f"name must be a Python name such as 'accuracy_model', got {name!r}.")

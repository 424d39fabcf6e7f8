"""Learner kernels in a bubblewrap sandbox: see nothing, reach nothing, take a bounded share.

A learner's notebook is untrusted code. At grading time its kernel runs under Debian's
``bwrap`` (bubblewrap) with:

- a **private home** (``/home/learner``) holding only that learner's files, and a tmpfs ``/tmp``;
- an **exchange folder** (``/run/modellab-io``, values the grader and the kernel pass as
  Parquet files) bound outside the home: a mount point the kernel cannot swap for a symlink;
- read-only binds of exactly what the kernel needs: ``/usr`` (system libraries), the Python
  installation (``sys.base_prefix``, e.g. a pyenv build under ``/root``), the virtual
  environment (``sys.prefix``) and the ``modellab`` package — never ``/`` (that would expose
  ``/etc/shadow``, the repository with ``solutions/``, other learners and the gradebook);
- new network, PID, IPC and UTS namespaces (no network; every process dies with the sandbox),
  ``--die-with-parent`` and ``--new-session``;
- when the grader runs as root, an unprivileged identity (``setpriv`` to a uid of its own, no
  capabilities, ``no_new_privs``); otherwise a user namespace of its own (``--unshare-user``)
  mapping the instructor's uid to ``nobody``;
- rlimits through ``prlimit``: address space, CPU seconds, processes, file size, open files.

The process limit (``RLIMIT_NPROC``) counts processes per user, so it must count the sandbox's
processes only. As root, each grading process gives its sandbox a uid of its own. As another
user, the sandbox's processes share the instructor's uid, but Linux 5.14 and later count
``RLIMIT_NPROC`` per user *namespace* (ucounts): a limit set inside the sandbox's own user
namespace counts only the processes in it (checked on Linux 6.18: two sandboxes with
``--nproc=20`` each forked 18 children while the same uid ran 64 processes outside; without
the namespace the same limit refused the first fork). On older kernels the count would include
every process of the instructor, so the limit is left out there (:func:`nproc_limited`): a
fork bomb is then bounded only by the instructor's own limit, and dies with the sandbox's PID
namespace.

The trusted driver talks to the kernel over Unix sockets in a *runtime folder* bound into the
sandbox at the same path (IPC transport), so the sandbox needs no network at all.

Examples
--------
>>> SandboxLimits()
SandboxLimits(memory=2147483648, cpu_seconds=600, processes=256, file_size=268435456, output_bytes=1048576)
>>> SandboxLimits(memory="3GiB").memory
3221225472
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

_UNITS = {"": 1, "k": 1024, "kib": 1024, "m": 1024**2, "mib": 1024**2, "g": 1024**3, "gib": 1024**3}

#: What running learner code without the sandbox risks (printed by ``--unsafe-no-sandbox``).
UNSAFE_WARNING = (
    "grading WITHOUT a sandbox: learner code runs with your rights. It can read the hidden "
    "tests, the solutions, other learners' work and the gradebook, write anywhere you can "
    "(including gradebook.db and your home), use the network, and take all memory and CPU. "
    "Only do this for notebooks you trust."
)


#: Where a sandboxed kernel sees the folder of values passed as files (outside its home).
EXCHANGE = "/run/modellab-io"


def _bytes(value, name: str) -> int:
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a size such as 2147483648 or '2GiB', got {value!r}.")
    if isinstance(value, int):
        n = value
    elif isinstance(value, str):
        match = re.fullmatch(r"\s*(\d+)\s*([A-Za-z]*)\s*", value)
        unit = match.group(2).lower() if match else None
        if not match or unit not in _UNITS:
            raise ValueError(f"{name} must be a size such as '2GiB', '512MiB' or 1048576, got {value!r}.")
        n = int(match.group(1)) * _UNITS[unit]
    else:
        raise TypeError(f"{name} must be a size such as 2147483648 or '2GiB', got {value!r}.")
    if n <= 0:
        raise ValueError(f"{name} must be positive, got {value!r}.")
    return n


@dataclass(frozen=True)
class SandboxLimits:
    """Resource limits of one sandboxed learner kernel (safe defaults).

    Parameters
    ----------
    memory : int or str
        Address-space limit (``RLIMIT_AS``); a larger allocation raises ``MemoryError``.
    cpu_seconds : int
        CPU time of one kernel (``RLIMIT_CPU``); the kernel is killed beyond it.
    processes : int
        Processes and threads of the sandbox (``RLIMIT_NPROC``): contains a fork bomb. Not set
        where it would count the instructor's own processes too (see :func:`nproc_limited`).
    file_size : int or str
        Largest file the kernel may write (``RLIMIT_FSIZE``).
    output_bytes : int or str
        Outputs kept per cell; the rest is dropped with a note.
    """

    memory: int = 2 * 1024**3
    cpu_seconds: int = 600
    processes: int = 256
    file_size: int = 256 * 1024**2
    output_bytes: int = 1024**2

    def __post_init__(self):
        for name in ("memory", "file_size", "output_bytes"):
            object.__setattr__(self, name, _bytes(getattr(self, name), name))
        for name in ("cpu_seconds", "processes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")


def sandbox_problem() -> str | None:
    """Why no sandbox can be made here (``None`` when bubblewrap works)."""
    return _probe()


@functools.lru_cache(maxsize=1)
def _probe() -> str | None:
    if not sys.platform.startswith("linux"):
        return f"bubblewrap needs Linux (this is {sys.platform})"
    missing = [tool for tool in ("bwrap", "prlimit") + (("setpriv",) if os.geteuid() == 0 else ())
               if shutil.which(tool) is None]
    if missing:
        return (f"{', '.join(missing)} not found: install them (Debian/Ubuntu: "
                f"`apt-get install bubblewrap util-linux`)")
    home = Path(tempfile.mkdtemp(prefix="mlprobe-"))
    try:
        argv = sandbox_argv(["/bin/true"], home=home, runtime=None, limits=SandboxLimits(),
                            uid=_uid_for(os.getpid()))
        run = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"bubblewrap could not start a sandbox ({exc})"
    finally:
        shutil.rmtree(home, ignore_errors=True)
    if run.returncode != 0:
        return f"bubblewrap could not start a sandbox: {run.stderr.strip()[:300]}"
    return None


def nproc_limited() -> bool:
    """Whether the sandbox gets a process limit that counts its own processes only: as root (a
    uid of its own), or in its own user namespace on Linux 5.14 or later (per-namespace
    ``RLIMIT_NPROC``). See the module docstring."""
    if os.geteuid() == 0:
        return True
    match = re.match(r"(\d+)\.(\d+)", os.uname().release)
    return bool(match) and (int(match.group(1)), int(match.group(2))) >= (5, 14)


def _uid_for(key: int) -> int:
    """An unprivileged uid of this grading process's own (limits count per uid), outside the
    range of real accounts."""
    return 200_000 + key


def _readonly_paths() -> list[Path]:
    """What a Python kernel needs, read-only: the interpreter, the environment, modellab."""
    import modellab

    paths = [Path(sys.base_prefix), Path(sys.prefix), Path(modellab.__file__).resolve().parent]
    real_exe = Path(os.path.realpath(sys.executable)).parent.parent
    paths.append(real_exe)
    out: list[Path] = []
    for path in paths:
        path = path.resolve()
        if path == Path("/") or str(path).startswith("/usr/") or path == Path("/usr"):
            continue
        if not any(path == p or p in path.parents for p in out):
            out = [p for p in out if path not in p.parents] + [path]
    return sorted(out)


def sandbox_env(home: str = "/home/learner") -> dict[str, str]:
    """The whole environment of a sandboxed kernel (nothing inherited from the grader)."""
    return {
        "HOME": home, "USER": "learner", "LANG": "C.UTF-8", "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "TMPDIR": "/tmp", "MPLCONFIGDIR": "/tmp/matplotlib", "IPYTHONDIR": "/tmp/ipython",
        "JUPYTER_PLATFORM_DIRS": "1", "JUPYTER_RUNTIME_DIR": "/tmp/jupyter",
        "JUPYTER_CONFIG_DIR": "/tmp/jupyter-config", "JUPYTER_DATA_DIR": "/tmp/jupyter-data",
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        # Arrow's own allocators reserve large address ranges: under RLIMIT_AS use malloc
        "ARROW_DEFAULT_MEMORY_POOL": "system",
    }


def sandbox_argv(command: list[str], *, home: Path, runtime: Path | None, limits: SandboxLimits,
                 uid: int, exchange: Path | None = None) -> list[str]:
    """The ``bwrap`` command line that runs ``command`` in a learner sandbox.

    ``home`` (the learner's private folder) is mounted read-write at ``/home/learner`` (the
    working directory); ``runtime`` (kernel connection file and sockets) at its own path;
    ``exchange`` (values passed as files) at :data:`EXCHANGE`.
    """
    argv = ["bwrap", "--die-with-parent", "--new-session"]
    root = os.geteuid() == 0
    if root:  # real namespaces; the uid is dropped below with setpriv
        argv += ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                 "--unshare-cgroup-try"]
    else:
        # --unshare-user: a namespace for sure (--unshare-all only tries); the process limit
        # below counts per namespace
        argv += ["--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534"]
    argv += ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib64", "lib32"):
        link = Path("/") / name
        if link.is_symlink():
            argv += ["--symlink", os.readlink(link), f"/{name}"]
        elif link.is_dir():
            argv += ["--ro-bind", str(link), f"/{name}"]
    dirs: set[str] = set()
    binds = [(str(p), str(p), "--ro-bind") for p in _readonly_paths()]
    binds.append((str(home), "/home/learner", "--bind"))
    if runtime is not None:
        binds.append((str(runtime), str(runtime), "--bind"))
    if exchange is not None:  # a mount point: the learner cannot replace it with a symlink
        binds.append((str(exchange), EXCHANGE, "--bind"))
    argv += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/dev/shm",
             "--perms", "1777", "--tmpfs", "/tmp"]
    for _, dest, _ in binds:  # parents readable by the unprivileged uid (bwrap makes them 0700)
        for parent in reversed(Path(dest).parents):
            if str(parent) not in ("/", "/tmp", "/usr") and str(parent) not in dirs:
                dirs.add(str(parent))
                argv += ["--perms", "0755", "--dir", str(parent)]
    for src, dest, kind in binds:
        argv += [kind, src, dest]
    argv += ["--chdir", "/home/learner", "--clearenv"]
    for key, value in sandbox_env().items():
        argv += ["--setenv", key, value]
    argv.append("--")
    if root:
        argv += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
    argv += ["prlimit", f"--as={limits.memory}", f"--cpu={limits.cpu_seconds}",
             f"--fsize={limits.file_size}", "--nofile=256", "--core=0"]
    if nproc_limited():  # counts the sandbox's processes only (module docstring)
        argv.append(f"--nproc={limits.processes}")
    argv += ["--", *command]
    return argv


def prepare_dirs(home: Path, runtime: Path | None, uid: int) -> None:
    """Give the sandbox's uid the learner's folder and the runtime folder (when root)."""
    if os.geteuid() != 0:
        return
    for top in (home, runtime):
        if top is None:
            continue
        for dirpath, _dirs, files in os.walk(top):
            os.chown(dirpath, uid, uid)
            for name in files:
                os.chown(os.path.join(dirpath, name), uid, uid)

"""``modellab doctor``: check this machine can run the course, like a careful TA would.

Each check gives one row: what was checked, whether it is OK, what was found,
and how to fix it when it is not.

Examples
--------
>>> from modellab.doctor import check_python
>>> row = check_python(minimum=(3, 11))
>>> row.ok
True
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pandas as pd

FIX_INSTALL = "run `make lab` from the course folder (it installs the pinned environment)"
NBGRADER_INSTRUCTOR_PLUGINS = (
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:course-list",
)


@dataclass(frozen=True)
class Check:
    """One doctor row."""

    check: str
    ok: bool
    detail: str
    fix: str = ""


def check_python(minimum: tuple[int, int] = (3, 11)) -> Check:
    found = ".".join(map(str, sys.version_info[:3]))
    ok = sys.version_info[:2] >= minimum
    return Check(
        "Python version",
        ok,
        f"Python {found}",
        "" if ok else f"install Python {minimum[0]}.{minimum[1]} or newer, then re-run `make lab`",
    )


def _pins(constraints: Path | None) -> dict[str, str]:
    pins: dict[str, str] = {}
    if constraints is None or not constraints.is_file():
        return pins
    for line in constraints.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[_norm(name)] = version.strip()
    return pins


def _norm(name: str) -> str:
    return name.strip().lower().replace("_", "-").replace(".", "-")


def check_dependencies(requirements: list[str] | None = None, constraints: Path | None = None) -> list[Check]:
    """One row per requirement: installed, and inside the range the course was tested with.

    ``requirements`` defaults to modellab's own runtime requirements; ``constraints``
    (the pinned lock file) adds the exact tested version to the detail.
    """
    from packaging.requirements import Requirement

    if requirements is None:
        requirements = [
            r for r in (metadata.requires("modellab") or []) if "extra ==" not in r
        ]
    pins = _pins(constraints)
    rows = []
    for text in requirements:
        req = Requirement(text)
        pin = pins.get(_norm(req.name))
        try:
            version = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            rows.append(Check(f"package {req.name}", False, "not installed", FIX_INSTALL))
            continue
        tested = ""
        if pin:
            tested = " (the tested version)" if pin == version else f" (course tested with {pin})"
        ok = not req.specifier or req.specifier.contains(version, prereleases=True)
        detail = f"{version}{tested}" if ok else f"{version} is outside {req.specifier}{tested}"
        fix = "" if ok else f"pip install -c constraints.txt '{req.name}{req.specifier}' (or {FIX_INSTALL})"
        rows.append(Check(f"package {req.name}", ok, detail, fix))
    return rows


def check_kernel(start: bool = True, name: str = "python3", timeout: float = 60) -> Check:
    """The notebook kernel exists and, when ``start``, starts and runs code."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    fix = "python -m ipykernel install --sys-prefix --name python3 (or re-run `make lab`)"
    try:
        spec = KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        return Check(f"kernel {name}", False, "no such kernel", fix)
    if not start:
        return Check(f"kernel {name}", True, f"found: {spec.display_name} (not started)")
    from jupyter_client.manager import start_new_kernel

    try:
        # the kernel's own start-up chatter (e.g. its TCP notice) is not the learner's concern
        km, kc = start_new_kernel(
            kernel_name=name, startup_timeout=timeout, stderr=subprocess.DEVNULL
        )
    except Exception as exc:  # any failure to start is the finding
        return Check(f"kernel {name}", False, f"does not start: {exc}", fix)
    try:
        reply = kc.execute_interactive("1 + 1", timeout=timeout, silent=True)
        ok = reply["content"]["status"] == "ok"
    except Exception as exc:
        return Check(f"kernel {name}", False, f"started but could not run code: {exc}", fix)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return Check(f"kernel {name}", ok, "starts and runs code" if ok else "could not run code", "" if ok else fix)


def _labextension(name: str) -> Path | None:
    from jupyter_core.paths import jupyter_path

    for base in jupyter_path("labextensions"):
        candidate = Path(base) / name / "package.json"
        if candidate.is_file():
            return candidate.parent
    return None


def check_widgets_frontend() -> Check:
    found = _labextension("@jupyter-widgets/jupyterlab-manager")
    ok = found is not None
    return Check(
        "ipywidgets front-end",
        ok,
        f"JupyterLab extension at {found}" if ok else "JupyterLab widget manager not found",
        "" if ok else "pip install -c constraints.txt ipywidgets jupyterlab_widgets",
    )


def disabled_lab_plugins() -> set[str]:
    """Plugins disabled in any ``labconfig/page_config.json`` on Jupyter's config path."""
    import json

    from jupyter_core.paths import jupyter_config_path

    state: dict[str, bool] = {}
    # jupyter_config_path() lists the highest priority first: the first word on a plugin wins
    for base in jupyter_config_path():
        page = Path(base) / "labconfig" / "page_config.json"
        if page.is_file():
            try:
                conf = json.loads(page.read_text())
            except ValueError:
                continue
            value = conf.get("disabledExtensions", {})
            items = value.items() if isinstance(value, dict) else ((v, True) for v in value)
            for name, off in items:
                state.setdefault(name, bool(off))
    return {name for name, off in state.items() if off}


def check_nbgrader_extension() -> Check:
    found = _labextension("@jupyter/nbgrader")
    if found is None:
        return Check("nbgrader extension", False, "not installed", FIX_INSTALL)
    hidden = set(NBGRADER_INSTRUCTOR_PLUGINS) <= disabled_lab_plugins()
    mode = "learner set-up (instructor tools hidden)" if hidden else "instructor tools visible"
    return Check("nbgrader extension", True, f"installed; {mode}")


def check_writable(workdir: str | os.PathLike | None = None) -> Check:
    path = Path(workdir or os.getcwd())
    fix = "run the course from a folder you own (e.g. your home folder), or fix its permissions"
    try:
        with tempfile.NamedTemporaryFile(dir=path, prefix=".modellab-doctor-"):
            pass
    except OSError as exc:
        return Check("writable working folder", False, f"{path}: {exc.strerror or exc}", fix)
    return Check("writable working folder", True, str(path))


def run_checks(workdir=None, start_kernel: bool = True, constraints: Path | None = None) -> pd.DataFrame:
    """Run every check and return a DataFrame with columns ``check``, ``ok``, ``detail``, ``fix``."""
    if constraints is None:
        here = Path(__file__).resolve().parents[1] / "constraints.txt"
        constraints = here if here.is_file() else None
    rows = [check_python(), *check_dependencies(constraints=constraints), check_kernel(start_kernel),
            check_widgets_frontend(), check_nbgrader_extension(), check_writable(workdir)]
    return pd.DataFrame([r.__dict__ for r in rows], columns=["check", "ok", "detail", "fix"])


def report(checks: pd.DataFrame) -> str:
    """Format the checks as one OK/FAIL line each, with the fix under each failure."""
    width = max(len(c) for c in checks["check"])
    lines = []
    for row in checks.itertuples(index=False):
        lines.append(f"{'OK  ' if row.ok else 'FAIL'}  {row.check:<{width}}  {row.detail}")
        if not row.ok and row.fix:
            lines.append(f"{'':6}{'':<{width}}  fix: {row.fix}")
    failed = int((~checks["ok"]).sum())
    lines.append("All checks passed: you are ready for the course." if not failed
                 else f"{failed} check(s) failed: apply the fixes above, then run `modellab doctor` again.")
    return "\n".join(lines)


def configure_parser(parser) -> None:
    parser.add_argument("--no-kernel", action="store_true", help="do not start a kernel (faster)")
    parser.add_argument("--workdir", default=None, help="folder that must be writable (default: here)")


def run(args) -> int:
    checks = run_checks(workdir=args.workdir, start_kernel=not args.no_kernel)
    print(report(checks))
    return 0 if bool(checks["ok"].all()) else 1

"""The ``modellab`` command.

Each sub-command lives beside the code it drives: a module that defines
``configure_parser(parser)`` and ``run(args) -> int``. Only the module of the
command being run is imported, so ``modellab --help`` stays fast and one
command's problem never takes the others down.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "doctor": ("modellab.doctor", "check that this machine can run the course"),
    "lab": ("modellab.lab", "open the course in JupyterLab on the welcome notebook"),
    "scenarios": ("modellab.scenarios.cli", "list or export the synthetic lending scenarios"),
    "monitor": ("modellab.monitor.cli", "monitor batch files and keep the history in SQLite"),
    "report": ("modellab.report.cli", "write a stakeholder report from a monitoring store"),
    "build": ("modellab.course.build", "regenerate notebooks/, solutions/ and exercises/"),
    "workshop": ("modellab.course.workshop", "instructor commands: release, collect, grade, ..."),
    "site": ("modellab.site", "build the course website (executive or practitioner edition)"),
    "dashboard": ("modellab.dashboard", "serve the no-code dashboards of the explorers (Voila)"),
}


def _load(module_name: str):
    return importlib.import_module(module_name)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; only ``command``'s module is imported (all of them for ``None``)."""
    parser = argparse.ArgumentParser(
        prog="modellab",
        description="Course toolkit: learn to monitor machine-learning models in production.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if command is None or name == command:
            module = _load(module_name)
            module.configure_parser(p)
            p.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # import only the module of the command being run, so `--help` stays fast and
    # one command's problem never takes the others down
    command = next((a for a in argv if not a.startswith("-")), "")
    parser = build_parser(command if command in COMMANDS else "")
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except (ValueError, TypeError, FileNotFoundError) as exc:
        print(f"modellab {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

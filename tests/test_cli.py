"""The modellab command: every sub-command is wired, and errors reach the user as one clear line."""

from __future__ import annotations

import pytest

from modellab.cli import COMMANDS, build_parser, main


def test_every_command_module_configures_its_parser():
    parser = build_parser(None)  # imports every command module
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == set(COMMANDS)
    for name, p in sub.choices.items():
        assert p.get_default("_run") is not None, name


def test_help_lists_commands_without_running_any(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert all(name in out for name in COMMANDS)


def test_no_command_prints_help_and_fails(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_unknown_command_is_refused(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["frobnicate"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err

"""The README's set-up: exactly two commands, each complete from a fresh clone."""

from __future__ import annotations

import re

from ._blocks import ROOT


def _set_up_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Set up\n", 1)[1].split("\n## ", 1)[0]
    [block] = re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)
    lines = (line.strip() for line in block.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def test_the_readme_sets_up_with_two_commands() -> None:
    commands = _set_up_commands()
    assert [command.rpartition("tox -e ")[2] for command in commands] == [
        "examples",
        "py,lint,type",
    ]


def test_each_set_up_command_makes_its_own_virtual_environment() -> None:
    """A system Python may refuse `pip install` (PEP 668): tox goes into a venv."""
    for command in _set_up_commands():
        assert command.startswith("python3 -m venv .venv && .venv/bin/python -m pip install tox")

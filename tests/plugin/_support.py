"""What the plugin tests share: sync/async flavours of a scenario, and reading results."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from string import Template

import pytest

PYTEST_INI = """\
[pytest]
asyncio_mode = {mode}
asyncio_default_fixture_loop_scope = function
"""


@dataclass(frozen=True)
class Flavour:
    """How a test file reads with the sync or the async client fixtures.

    Templates use `$def`, `${await}`, `$publisher`, `$consumer` and `$asyncio_mark`.
    """

    name: str
    define: str
    wait: str
    publisher: str
    consumer: str
    asyncio_mark: str

    def render(self, template: str, **values: str) -> str:
        words = {
            "def": self.define,
            "await": self.wait,
            "publisher": self.publisher,
            "consumer": self.consumer,
            "asyncio_mark": self.asyncio_mark,
        }
        return Template(textwrap.dedent(template)).substitute(words, **values)


SYNC = Flavour(
    "sync", "def", "", "eventgrid_publisher_sync", "eventgrid_consumer_sync", asyncio_mark=""
)
ASYNC = Flavour(
    "async",
    "async def",
    "await ",
    "eventgrid_publisher",
    "eventgrid_consumer",
    asyncio_mark="@pytest.mark.asyncio",
)
FLAVOURS = pytest.mark.parametrize("flavour", [SYNC, ASYNC], ids=lambda flavour: flavour.name)


def use_asyncio_mode(pytester: pytest.Pytester, mode: str) -> None:
    """Write the ini file of the inner session, with pytest-asyncio in `mode`."""
    pytester.makeini(PYTEST_INI.format(mode=mode))


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """Run the inner session in this process."""
    return pytester.runpytest("-p", "no:cacheprovider", *args)


_HEADER = re.compile(r"^[-_=]{3,} .+ [-_=]{3,}$")


def report_section(result: pytest.RunResult, title: str) -> list[list[str]]:
    """The lines of every report section called `title`, in the order printed."""
    sections: list[list[str]] = []
    current: list[str] | None = None
    for line in result.outlines:
        if _HEADER.match(line):
            current = [] if line.strip("-_= ") == title else None
            if current is not None:
                sections.append(current)
        elif current is not None:
            current.append(line)
    return sections

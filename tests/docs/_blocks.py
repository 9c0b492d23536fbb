"""The Python code blocks of README.md and docs/, found by pytest-examples.

The convention (README.md, "Contributing to the docs"):

- a block fenced ```` ```python ```` runs as written; one fenced ```` ```py ```` is a
  fragment of a larger file and does not run;
- a block whose first line is a comment naming a file (`# orders/service.py`) is that
  file: the blocks after it on the same page run with it in place;
- a block that defines `test_` functions is a pytest test module; any other block is a
  script;
- a test module that says it "fails on purpose" must fail, with the eventgrid timeline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pytest_examples import CodeExample, find_examples

ROOT = Path(__file__).resolve().parents[2]
PAGES = (ROOT / "README.md", ROOT / "docs")
EXAMPLE_FILES = ROOT / "docs" / "examples"
"""Files the docs' blocks name (recordings, cassettes): each block runs beside a copy."""

FAILS_ON_PURPOSE = "fails on purpose"
_FILE_NAME = re.compile(r"#\s*(?P<path>[\w./-]+\.py)\s*$")
_TEST_FUNCTION = re.compile(r"^\s*(async\s+)?def test_", re.MULTILINE)


@dataclass(frozen=True)
class Block:
    """One runnable code block of a page."""

    example: CodeExample
    path: PurePosixPath
    """Where the block is written, relative to the directory it runs in."""
    named: bool
    """Whether the block names its own file in its first line."""

    @property
    def source(self) -> str:
        return self.example.source

    @property
    def page(self) -> Path:
        return self.example.path

    @property
    def line(self) -> int:
        return self.example.start_line

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(ROOT).as_posix()}:{self.line}"

    @property
    def is_test_module(self) -> bool:
        return bool(_TEST_FUNCTION.search(self.source))

    @property
    def fails_on_purpose(self) -> bool:
        return FAILS_ON_PURPOSE in self.source


def is_runnable(example: CodeExample) -> bool:
    """Whether the block is fenced ```` ```python ```` (a ```` ```py ```` block is a fragment)."""
    words = example.prefix.split()
    return bool(words) and words[0] == "python"


def _block(example: CodeExample) -> Block:
    first_line = example.source.lstrip("\n").partition("\n")[0]
    named = _FILE_NAME.fullmatch(first_line)
    if named:
        return Block(example, PurePosixPath(named["path"]), named=True)
    stem = re.sub(r"\W", "_", example.path.stem)
    return Block(example, PurePosixPath(f"test_{stem}_{example.start_line}.py"), named=False)


def runnable_blocks() -> list[Block]:
    """Every ```` ```python ```` block of README.md and docs/, in page order."""
    return [_block(example) for example in find_examples(*PAGES) if is_runnable(example)]


def fragments() -> list[CodeExample]:
    """Every ```` ```py ```` block: fragments, which do not run."""
    return [example for example in find_examples(*PAGES) if not is_runnable(example)]


def files_before(block: Block, blocks: list[Block]) -> list[Block]:
    """The named non-test files earlier on the block's page: its context."""
    return [
        other
        for other in blocks
        if other.page == block.page
        and other.line < block.line
        and other.named
        and not other.is_test_module
    ]

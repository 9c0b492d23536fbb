"""Every ```python block of README.md and docs/ runs as written.

Test modules run through pytester, in a pytest session of their own with this plugin and
pytest-asyncio in strict mode (what the docs assume); scripts run with `exec`. Each runs
in a fresh directory holding a copy of docs/examples/ and the files named earlier on its
page. See tests/docs/_blocks.py for the conventions.
"""

from __future__ import annotations

import shutil

import pytest

from ._blocks import EXAMPLE_FILES, Block, files_before, fragments, runnable_blocks

BLOCKS = runnable_blocks()


def _lay_out(pytester: pytest.Pytester, block: Block) -> None:
    """The directory the block runs in: the example files, then its page's files."""
    shutil.copytree(EXAMPLE_FILES, pytester.path, dirs_exist_ok=True)
    for other in files_before(block, BLOCKS):
        _write(pytester, other)
    pytester.syspathinsert()


def _write(pytester: pytest.Pytester, block: Block) -> None:
    target = pytester.path / block.path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(block.source, encoding="utf-8")


def _run_test_module(pytester: pytest.Pytester, block: Block) -> None:
    _write(pytester, block)
    result = pytester.runpytest("-p", "no:cacheprovider", str(block.path))
    outcomes = result.parseoutcomes()
    if block.fails_on_purpose:
        assert outcomes.get("failed", 0) >= 1, result.stdout.str()
        result.stdout.fnmatch_lines(["*- eventgrid timeline -*"])
        return
    failures = {key: outcomes.get(key, 0) for key in ("failed", "errors", "error", "xpassed")}
    assert outcomes.get("passed", 0) >= 1, result.stdout.str()
    assert not any(failures.values()), result.stdout.str()


def _run_script(block: Block) -> None:
    code = compile(block.source, f"{block.page}:{block.line}", "exec")
    exec(code, {"__name__": "__main__"})


@pytest.mark.parametrize("block", BLOCKS, ids=[block.id for block in BLOCKS])
def test_block_runs(pytester: pytest.Pytester, block: Block) -> None:
    _lay_out(pytester, block)
    if block.is_test_module:
        _run_test_module(pytester, block)
    else:
        _run_script(block)


def test_the_docs_have_blocks_to_run() -> None:
    """A change to the fence convention or to the finder cannot silently run nothing."""
    pages = {block.page.name for block in BLOCKS}
    assert {"README.md", "getting-started.md", "index.md", "playback.md"} <= pages
    assert len(BLOCKS) > 50


def test_fragments_are_fenced_py() -> None:
    """A fragment is fenced exactly ```py, so that mkdocs still highlights it as Python."""
    prefixes = {example.prefix.split()[0] for example in fragments() if example.prefix.split()}
    assert prefixes <= {"py"}, prefixes

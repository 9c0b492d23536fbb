"""A fault that never fired fails a passing test at teardown; a failed test is not
reported twice."""

from __future__ import annotations

import pytest

from ._support import run


def test_an_unfired_fault_is_not_a_second_error_for_a_failed_test(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest
        from pytest_eventgrid import faults

        def test_fails_first(eventgrid):
            eventgrid.fail("publish", faults.status(503))
            pytest.fail("on purpose")

        def test_passes_but_never_publishes(eventgrid):
            eventgrid.fail("publish", faults.status(503))
        """
    )

    result = run(pytester, "--tb=line")

    result.assert_outcomes(failed=1, passed=1, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_passes_but_never_publishes*"])

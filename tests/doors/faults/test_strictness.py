"""A scripted fault that never fired fails its test at teardown, unless optional: a
fault nobody met tested nothing."""

from __future__ import annotations

# Keeps hypothesis in sys.modules across pytester's in-process sessions (see
# tests/plugin/conftest.py): else each session re-imports it, at about a second each.
import hypothesis.internal.observability  # noqa: F401
import pytest

from pytest_eventgrid import EventGrid, faults
from tests.plugin._support import run, use_asyncio_mode

DOCS = "https://pytest-eventgrid.readthedocs.io/en/latest"


@pytest.fixture
def pytester(pytester: pytest.Pytester) -> pytest.Pytester:
    use_asyncio_mode(pytester, "strict")
    return pytester


def test_a_fault_that_never_fired_fails_the_test_at_teardown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from azure.core.messaging import CloudEvent
        from pytest_eventgrid import faults

        def test_the_receive_fails(eventgrid, eventgrid_publisher_sync):
            eventgrid.fail("receive", faults.status(503))
            eventgrid.fail("publish", faults.throttle(retry_after=5), topic="orders", times=2)
            eventgrid.fail("publish", faults.status(503))
            # Meets the last fault only: the SDK retries, and the retry goes through.
            eventgrid_publisher_sync.send(CloudEvent(source="/t", type="T", data={}))
        """
    )

    result = run(pytester)

    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_the_receive_fails*",
            "E   AssertionError: 2 scripted fault(s) never fired:",
            "      - fail('receive', 503)",
            "      - fail('publish', 429, Retry-After 5, topic='orders', times=2)",
            "    No request they select was made. Fix the selector, drop the fault, or pass "
            "optional=True to fail() if the test may not reach it. "
            f"See {DOCS}/guide/failures/#strictness",
        ]
    )
    assert "fail('publish', 503)" not in result.stdout.str()


def test_an_optional_fault_may_never_fire(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from pytest_eventgrid import faults

        def test_maybe(eventgrid):
            eventgrid.fail("receive", faults.status(503), optional=True)
            eventgrid.fail(None, faults.latency(5), probability=0.5, optional=True)
        """
    )

    run(pytester).assert_outcomes(passed=1)


def test_a_fault_that_fired_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from azure.core.exceptions import HttpResponseError
        from pytest_eventgrid import faults

        def test_fired(eventgrid, eventgrid_consumer_sync):
            fault = eventgrid.fail("receive", faults.status(400))
            with pytest.raises(HttpResponseError):
                eventgrid_consumer_sync.receive()
            assert fault.fired == 1
        """
    )

    run(pytester).assert_outcomes(passed=1)


def test_a_fault_of_the_marker_is_strict_too(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.eventgrid(faults=[{"operation": "acknowledge", "status": 503, "times": 3}])
        def test_never_acknowledges(eventgrid):
            pass
        """
    )

    result = run(pytester)

    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "E   AssertionError: 1 scripted fault(s) never fired:",
            "      - fail('acknowledge', 503, times=3)",
        ]
    )


def test_verify_faults_can_be_called_at_any_time() -> None:
    eventgrid = EventGrid()
    eventgrid.fail("publish", faults.status(503), optional=True)
    eventgrid.verify_faults()
    eventgrid.fail("receive", faults.status(503))

    with pytest.raises(
        AssertionError, match=r"^1 scripted fault\(s\) never fired:\n  - fail\('receive', 503\)\n"
    ):
        eventgrid.verify_faults()

"""A test that carries the marker gets its fake, asked for or not, before its own fixtures."""

from __future__ import annotations

import pytest

from ._support import run


def test_a_marked_test_has_its_fake_before_its_own_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from azure.core.credentials import AzureKeyCredential
        from azure.core.messaging import CloudEvent
        from azure.eventgrid import EventGridPublisherClient

        ENDPOINT = "https://test-namespace.westus-1.eventgrid.azure.net"

        @pytest.fixture(scope="module")
        def module_order():
            return []

        @pytest.fixture
        def published(module_order):
            # No transport=: only interception can take this to a fake.
            with EventGridPublisherClient(
                ENDPOINT, AzureKeyCredential("key"), namespace_topic="orders"
            ) as client:
                client.send(CloudEvent(source="shop", type="Order.Created", data={}))
            return True

        @pytest.mark.eventgrid(topic="orders")
        def test_it(published, request):
            names = request.fixturenames
            assert names.index("module_order") < names.index("eventgrid")
            assert names.index("eventgrid") < names.index("published")
            assert request.getfixturevalue("eventgrid").topic("orders").published
        """
    )

    run(pytester).assert_outcomes(passed=1)


def test_only_the_marked_case_of_a_parametrized_test_gets_a_fake(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize(
            "marked", [False, pytest.param(True, marks=pytest.mark.eventgrid()), False]
        )
        def test_it(marked, request):
            assert ("eventgrid" in request.fixturenames) is marked
        """
    )

    run(pytester).assert_outcomes(passed=3)


def test_a_marked_test_gets_no_fake_in_live_mode(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ENDPOINT", "KEY", "TOPIC", "SUBSCRIPTION"):
        monkeypatch.setenv(f"EVENTGRID_{name}", "https://x.eventgrid.azure.net")
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.eventgrid()
        def test_it(request):
            assert "eventgrid" not in request.fixturenames
        """
    )

    run(pytester, "--eventgrid-live").assert_outcomes(passed=1)

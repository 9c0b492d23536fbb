"""Switching chaos on and off, its seed, the marker key, and misuse."""

from __future__ import annotations

import math
from typing import Any

import pytest

from pytest_eventgrid import EventGrid, UsageError, chaos
from pytest_eventgrid.chaos import DEFAULT_CHAOS
from tests.plugin._support import run, use_asyncio_mode

from ._support import (
    Consumer,
    Publisher,
    chaotic_fake,
    cloud_event,
    consume,
    event_ids,
    lock_tokens,
    shape,
)

pytestmark = pytest.mark.asyncio

DOCS = "See https://pytest-eventgrid.readthedocs.io/en/latest/guide/failures/#chaos"
EVERYTHING = {
    "duplicates": 1.0,
    "reorder": True,
    "early_lock_expiry": 1.0,
    "short_batches": 1.0,
    "token_lost": 1.0,
}


async def assert_calm(eventgrid: EventGrid, publisher: Publisher, consumer: Consumer) -> None:
    """Five events come in publish order, in one batch, once each, and settle at once."""
    await publisher.send(*(cloud_event(number) for number in range(5)))

    deliveries = await consume(eventgrid, consumer, processing=30)

    assert event_ids(deliveries) == ["e0", "e1", "e2", "e3", "e4"]
    subscription = eventgrid.subscription()
    assert [event.id for event in subscription.acknowledged] == event_ids(deliveries)
    assert subscription.expired_locks == []
    assert [entry.operation for entry in eventgrid.timeline][-3:] == [
        "publish",
        "receive",
        "acknowledge",
    ]


@pytest.mark.parametrize(
    "marker",
    [
        pytest.param("no chaos key", id="no-chaos-key"),
        pytest.param("chaos=False", marks=pytest.mark.eventgrid(chaos=False), id="chaos-False"),
        pytest.param("chaos={}", marks=pytest.mark.eventgrid(chaos={}), id="chaos-empty"),
    ],
)
async def test_a_fake_is_calm_unless_asked(
    marker: str, eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    await assert_calm(eventgrid, publisher, consumer)


@pytest.mark.eventgrid(chaos=EVERYTHING)
async def test_chaos_with_no_arguments_is_calm_again(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    settings = eventgrid.chaos()

    assert not settings.active
    await assert_calm(eventgrid, publisher, consumer)


async def test_chaos_replaces_the_settings_it_is_not_given(eventgrid: EventGrid) -> None:
    eventgrid.chaos(duplicates=1.0, token_lost=0.5)

    settings = eventgrid.chaos(reorder=True)

    assert (settings.duplicates, settings.reorder, settings.token_lost) == (0.0, True, 0.0)


@pytest.mark.eventgrid(chaos={"duplicates": 1.0})
async def test_the_marker_key_takes_chaos_keywords(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    await publisher.send(cloud_event(1))
    deliveries = []

    for _ in range(3):  # every acknowledgement brings the event back
        deliveries += await consumer.receive()
        await consumer.acknowledge(*lock_tokens(deliveries[-1:]))

    assert [(d.event.id, d.broker_properties.delivery_count) for d in deliveries] == [("e1", 1)] * 3
    assert len(set(lock_tokens(deliveries))) == 3


async def chaotic_timeline(flavour: str, seed: int) -> EventGrid:
    """Ten events through a consumer that keeps going, in a fresh fake with the
    default mix of chaos."""
    async with chaotic_fake(flavour, seed=seed) as (eventgrid, door):
        eventgrid.chaos(**DEFAULT_CHAOS)
        publisher, consumer = await door.publisher(), await door.consumer()
        await publisher.send(*(cloud_event(number) for number in range(10)))
        await consume(eventgrid, consumer, processing=30)
    return eventgrid


async def test_the_same_seed_gives_the_same_chaos(flavour: str) -> None:
    first = await chaotic_timeline(flavour, seed=5)
    second = await chaotic_timeline(flavour, seed=5)

    assert second.format_timeline() == first.format_timeline()
    assert len(first.timeline) > 10  # enough happened for the comparison to mean something


async def test_another_seed_gives_other_chaos(flavour: str) -> None:
    first = await chaotic_timeline(flavour, seed=5)
    other = await chaotic_timeline(flavour, seed=6)

    assert shape(other.timeline) != shape(first.timeline)


@pytest.mark.eventgrid(chaos=True, seed=5)
async def test_the_marker_chaos_is_the_default_mix_seeded_by_the_tests_seed(
    flavour: str, eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    await publisher.send(*(cloud_event(number) for number in range(10)))
    await consume(eventgrid, consumer, processing=30)

    same = await chaotic_timeline(flavour, seed=5)

    assert eventgrid.format_timeline() == same.format_timeline()


async def test_each_call_to_chaos_starts_the_seeded_sequence_again(flavour: str) -> None:
    async with chaotic_fake(flavour, seed=5) as (eventgrid, door):
        eventgrid.chaos(reorder=True)
        publisher, consumer = await door.publisher(), await door.consumer()
        await publisher.send(*(cloud_event(number) for number in range(10)))
        first = event_ids(await consume(eventgrid, consumer))
        eventgrid.chaos(reorder=True)
        await publisher.send(*(cloud_event(number) for number in range(10)))
        second = event_ids(await consume(eventgrid, consumer))

    assert second == first != sorted(first)


# -- misuse ------------------------------------------------------------------------------

BAD_SETTINGS = [
    ({"duplicates": 1.5}, "chaos duplicates is a chance from 0 to 1; got 1.5."),
    ({"token_lost": -0.1}, "chaos token_lost is a chance from 0 to 1; got -0.1."),
    ({"short_batches": True}, "chaos short_batches is a chance from 0 to 1; got True."),
    ({"early_lock_expiry": "0.2"}, "chaos early_lock_expiry is a chance from 0 to 1; got '0.2'."),
    ({"duplicates": math.nan}, "chaos duplicates is a chance from 0 to 1; got nan."),
    ({"reorder": 0.5}, "chaos reorder is True or False; got 0.5."),
]
UNKNOWN = (
    {"dupes": 0.5, "reorder": True},
    "Unknown chaos setting(s) dupes; allowed: duplicates, early_lock_expiry, reorder, "
    "short_batches, token_lost.",
)
BAD = pytest.mark.parametrize(("settings", "message"), BAD_SETTINGS, ids=repr)


@BAD
async def test_bad_settings_of_chaos_are_usage_errors(
    settings: dict[str, Any], message: str, eventgrid: EventGrid
) -> None:
    kept = eventgrid.chaos(duplicates=1.0)

    with pytest.raises(UsageError) as raised:
        eventgrid.chaos(**settings)

    assert str(raised.value) == f"{message} {DOCS}"
    assert kept.duplicates == 1.0  # a failed call changes nothing


async def test_an_unknown_keyword_of_chaos_is_a_type_error(eventgrid: EventGrid) -> None:
    settings, _ = UNKNOWN

    with pytest.raises(TypeError, match="unexpected keyword argument 'dupes'"):
        eventgrid.chaos(**settings)


@pytest.mark.parametrize(
    ("settings", "message"),
    [*BAD_SETTINGS, pytest.param(*UNKNOWN, id="unknown")],
)
async def test_bad_chaos_settings_of_a_fake_are_usage_errors(
    settings: dict[str, Any], message: str
) -> None:
    with pytest.raises(UsageError) as raised:
        EventGrid(chaos=settings)  # what the marker's chaos= key does

    assert str(raised.value) == f"{message} {DOCS}"


@pytest.mark.parametrize("value", [0.5, "yes"])
async def test_chaos_of_a_fake_is_true_false_or_a_mapping(value: Any) -> None:
    with pytest.raises(UsageError, match="chaos"):
        EventGrid(chaos=value)


@pytest.mark.parametrize(("settings", "message"), [*BAD_SETTINGS, UNKNOWN], ids=repr)
async def test_bad_chaos_of_a_check_fails_before_the_scenario_runs(
    settings: dict[str, Any], message: str
) -> None:
    ran: list[EventGrid] = []

    with pytest.raises(UsageError) as raised:
        await chaos.check_idempotency(
            lambda eventgrid, effects: ran.append(eventgrid), chaos=settings
        )

    assert str(raised.value) == f"{message} {DOCS}"
    assert ran == []


async def test_bad_chaos_in_the_marker_is_an_error_at_setup(pytester: pytest.Pytester) -> None:
    use_asyncio_mode(pytester, "strict")
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.eventgrid(chaos={"duplicates": 2})
        def test_chaotic(eventgrid):
            pass
        """
    )

    result = run(pytester)

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "E *UsageError: @pytest.mark.eventgrid(...): "
            f"chaos duplicates is a chance from 0 to 1; got 2. {DOCS}"
        ]
    )

"""Active fakes belong to a thread and a context (`contextvars`), not to the process."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from azure.core.credentials import AzureKeyCredential
from azure.eventgrid import EventGridPublisherClient

from pytest_eventgrid import EventGrid, UsageError, mock_eventgrid
from pytest_eventgrid._doors import is_installed, target_for

from . import _shop
from ._helpers import ids

# These tests see the patches come and go, as outside pytest.
pytestmark = pytest.mark.usefixtures("unheld_interception")

JOIN_TIMEOUT = 30  # only guards against a hang


def publish(order_id: str) -> None:
    """The code under test: its own client, with no transport."""
    with EventGridPublisherClient(
        _shop.ENDPOINT, AzureKeyCredential("k"), namespace_topic=_shop.TOPIC
    ) as publisher:
        publisher.send(_shop.order_created(order_id))


def published(fake: EventGrid) -> list[str]:
    return ids(fake.namespace(_shop.ENDPOINT).topic(_shop.TOPIC).published)


def run_threads(*targets: Callable[[], None]) -> None:
    """Run every target in a thread of its own; re-raise the first failure."""
    failures: list[BaseException] = []

    def guarded(target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                target()
            except BaseException as error:  # handed to the test thread
                failures.append(error)

        return run

    threads = [threading.Thread(target=guarded(target)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    if failures:
        raise failures[0]


def test_two_threads_each_inside_a_fake_never_see_each_others_events():
    both_active = threading.Barrier(2, timeout=JOIN_TIMEOUT)
    fakes: dict[str, EventGrid] = {}

    def worker(name: str) -> Callable[[], None]:
        def run() -> None:
            with mock_eventgrid() as fake:
                fakes[name] = fake
                both_active.wait()  # both fakes are active from here on
                for n in range(3):
                    publish(f"{name}-{n}")
                both_active.wait()  # neither ends before the other has published

        return run

    run_threads(worker("one"), worker("two"))

    assert published(fakes["one"]) == ["one-0", "one-1", "one-2"]
    assert published(fakes["two"]) == ["two-0", "two-1", "two-2"]
    assert not is_installed()


@pytest.mark.asyncio
async def test_two_tasks_each_inside_a_fake_never_see_each_others_events():
    first_entered, second_published = asyncio.Event(), asyncio.Event()

    async def first() -> EventGrid:
        async with mock_eventgrid() as fake:
            first_entered.set()
            await second_published.wait()  # the second fake is active meanwhile
            await asyncio.to_thread(publish, "first")
            return fake

    async def second() -> EventGrid:
        await first_entered.wait()
        async with mock_eventgrid() as fake:
            await asyncio.to_thread(publish, "second")
            second_published.set()
            await asyncio.sleep(0)
            return fake

    one, two = await asyncio.gather(first(), second())

    assert (published(one), published(two)) == (["first"], ["second"])


@pytest.mark.asyncio
async def test_a_task_keeps_the_fake_it_was_created_inside():
    async with mock_eventgrid() as fake:
        task = asyncio.create_task(asyncio.to_thread(publish, "from-a-task"))
        async with mock_eventgrid() as nested:
            await task  # runs now, in the context it was created in

    assert (published(fake), published(nested)) == (["from-a-task"], [])


def test_a_context_handed_to_a_worker_thread_carries_its_fake():
    one_active, two_active, done = (threading.Barrier(2, timeout=JOIN_TIMEOUT) for _ in "abc")
    fakes: dict[str, EventGrid] = {}
    executor = ThreadPoolExecutor(max_workers=1)

    def owner() -> None:
        with mock_eventgrid() as fake:
            fakes["owner"] = fake
            one_active.wait()
            two_active.wait()
            context = contextvars.copy_context()
            executor.submit(context.run, publish, "handed-over").result(JOIN_TIMEOUT)
            done.wait()

    def bystander() -> None:
        one_active.wait()
        with mock_eventgrid() as fake:
            fakes["bystander"] = fake
            two_active.wait()
            done.wait()

    with executor:
        run_threads(owner, bystander)

    assert published(fakes["owner"]) == ["handed-over"]
    assert published(fakes["bystander"]) == []


def test_a_thread_with_no_fake_of_its_own_uses_the_only_active_one():
    with mock_eventgrid() as fake:
        run_threads(lambda: publish("plain-thread"))
        with ThreadPoolExecutor(max_workers=1) as executor:
            executor.submit(publish, "pool").result(JOIN_TIMEOUT)

    assert published(fake) == ["plain-thread", "pool"]


def test_a_thread_with_no_fake_of_its_own_refuses_to_guess_between_two():
    both_active = threading.Barrier(3, timeout=JOIN_TIMEOUT)
    refused: list[str] = []

    def owner() -> None:
        with mock_eventgrid():
            both_active.wait()
            both_active.wait()

    def stray() -> None:
        both_active.wait()
        try:
            with pytest.raises(UsageError) as raised:
                publish("stray")
            refused.append(str(raised.value))
        finally:
            both_active.wait()

    run_threads(owner, owner, stray)

    [message] = refused
    assert "my-namespace.westus-1.eventgrid.azure.net" in message
    assert "2 fakes are active in other threads or contexts" in message
    assert "contextvars.copy_context().run" in message
    assert "guide/intercepting/#threads" in message


def test_fakes_nested_in_one_thread_are_one_chain_for_other_threads():
    with mock_eventgrid() as outer, mock_eventgrid() as inner:
        run_threads(lambda: publish("inner"))
        assert target_for(_shop.ENDPOINT) is inner

    assert (published(outer), published(inner)) == ([], ["inner"])


def test_a_fake_started_in_one_thread_may_be_stopped_in_another():
    mock = mock_eventgrid()
    started: list[EventGrid] = []

    run_threads(lambda: started.append(mock.start()))
    assert is_installed()
    run_threads(mock.stop)

    assert not is_installed()
    assert target_for(_shop.ENDPOINT) is None


def test_one_decorated_function_runs_in_several_threads_at_once():
    both_inside = threading.Barrier(2, timeout=JOIN_TIMEOUT)
    seen: list[Any] = []

    @mock_eventgrid()
    def handler(name: str) -> None:
        both_inside.wait()
        publish(name)
        fake = target_for(_shop.ENDPOINT)
        seen.append((name, published(fake)))  # type: ignore[arg-type]
        both_inside.wait()

    run_threads(lambda: handler("a"), lambda: handler("b"))

    assert sorted(seen) == [("a", ["a"]), ("b", ["b"])]
    assert not is_installed()

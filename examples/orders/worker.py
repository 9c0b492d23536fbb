"""Workers that receive `Order.Created` events and settle each one.

For every event of a batch the handler decides the outcome:

- it returns: the order is done, the event is **acknowledged**;
- it raises `TransientError` (or any unexpected error): the event is **released**
  with the configured delay and comes back later, until the subscription's max
  delivery count dead-letters it;
- the event is not a valid order (`InvalidOrder`): it is **rejected**, which
  dead-letters it at once.

`OrderWorker` runs on asyncio, `SyncOrderWorker` in a plain thread; both share the
settling logic in `Batch`.

Event Grid itself may fail for a while (throttling, a 503, a dropped connection, a
timeout). The SDK retries what it can; when it gives up, `run()` logs the failure,
waits `error_backoff` seconds and carries on. Events received but not settled then
come back when their locks expire, so the handler must cope with seeing an order
twice. Failures that waiting cannot cure (a refused key, an unknown topic) stop
`run()`.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from types import TracebackType
from typing import Any, cast

from azure.core.exceptions import (
    AzureError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridConsumerClient
from azure.eventgrid.aio import EventGridConsumerClient as AsyncEventGridConsumerClient
from azure.eventgrid.models import AcknowledgeResult, ReceiveDetails, RejectResult, ReleaseResult

from .errors import InvalidOrder, TransientError
from .models import Order, parse_order
from .settings import Settings

logger = logging.getLogger(__name__)

OrderHandler = Callable[[Order], Awaitable[None] | None]
"""Processes one order. `OrderWorker` accepts sync and async handlers."""

Received = ReceiveDetails[Any]

# Statuses of a service that is busy or failing for now: worth trying again later.
TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


def is_transient(error: AzureError) -> bool:
    """Whether a failed Event Grid call may succeed when tried again later."""
    if isinstance(error, (ServiceRequestError, ServiceResponseError)):
        return True
    return isinstance(error, HttpResponseError) and error.status_code in TRANSIENT_STATUSES


def _backoff_after(error: AzureError, settings: Settings) -> float:
    """The seconds to wait after a failed batch; re-raise what waiting cannot cure."""
    if not is_transient(error):
        raise error
    logger.warning(
        "Event Grid failed for now, trying again in %ss: %s", settings.error_backoff, error
    )
    return settings.error_backoff


def order_of(detail: Received) -> Order:
    """The order a received event carries (`InvalidOrder` if it carries none)."""
    # The SDK hands out azure.core CloudEvents but annotates `.event` as its own model.
    return parse_order(cast("CloudEvent[Any]", detail.event))


class Outcome(Enum):
    """How an event is settled; the value names the consumer client's method."""

    ACKNOWLEDGE = "acknowledge"
    RELEASE = "release"
    REJECT = "reject"


def outcome_of(detail: Received, error: Exception | None) -> Outcome:
    """The outcome for an event whose handling raised `error` (None: it succeeded)."""
    event_id = detail.event.id
    if error is None:
        return Outcome.ACKNOWLEDGE
    if isinstance(error, InvalidOrder):
        logger.warning("Rejecting event %s: %s", event_id, error)
        return Outcome.REJECT
    if isinstance(error, TransientError):
        logger.info("Releasing event %s after a transient failure: %s", event_id, error)
    else:
        logger.exception("Releasing event %s after an unexpected error", event_id, exc_info=error)
    return Outcome.RELEASE


@dataclass
class BatchReport:
    """What one batch did, by event id."""

    received: list[str] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    released: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    """Events whose lock had expired when the worker settled them: the service will
    deliver them again."""


class Batch:
    """The received events of one batch and the outcome chosen for each."""

    def __init__(self, details: list[Received]) -> None:
        self._event_ids = {d.broker_properties.lock_token: d.event.id for d in details}
        self._tokens: dict[Outcome, list[str]] = {outcome: [] for outcome in Outcome}
        self.report = BatchReport(received=list(self._event_ids.values()))

    def decide(self, detail: Received, outcome: Outcome) -> None:
        self._tokens[outcome].append(detail.broker_properties.lock_token)

    def requests(self, settings: Settings) -> Iterator[tuple[Outcome, dict[str, Any]]]:
        """The settlement calls to make: the outcome (named like the consumer's method)
        and its arguments."""
        for outcome, tokens in self._tokens.items():
            if not tokens:
                continue
            arguments: dict[str, Any] = {"lock_tokens": tokens}
            if outcome is Outcome.RELEASE:
                arguments["release_delay"] = settings.release_delay
            yield outcome, arguments

    def record(
        self, outcome: Outcome, result: AcknowledgeResult | ReleaseResult | RejectResult
    ) -> None:
        """Record the result of a settlement call made for `requests()`."""
        done = {
            Outcome.ACKNOWLEDGE: self.report.acknowledged,
            Outcome.RELEASE: self.report.released,
            Outcome.REJECT: self.report.rejected,
        }[outcome]
        done.extend(self._event_ids[token] for token in result.succeeded_lock_tokens)
        for failed in result.failed_lock_tokens:
            event_id = self._event_ids[failed.lock_token]
            logger.warning("Could not %s event %s: %s", outcome.value, event_id, failed.error)
            self.report.lost.append(event_id)


class OrderWorker:
    """Receives order events from the subscription and processes them (asyncio).

    Use it as an async context manager, which closes the underlying client:

        async with OrderWorker(Settings.from_env(), handle_order) as worker:
            await worker.run()
    """

    def __init__(self, settings: Settings, handler: OrderHandler) -> None:
        self.settings = settings
        self._handler = handler
        self._client = AsyncEventGridConsumerClient(
            settings.endpoint,
            settings.credential,
            namespace_topic=settings.topic,
            subscription=settings.subscription,
        )

    async def process_batch(self) -> BatchReport:
        """Receive one batch (waiting up to `max_wait_time`), process and settle it."""
        details = await self._client.receive(
            max_events=self.settings.max_events, max_wait_time=self.settings.max_wait_time
        )
        batch = Batch(details)
        for detail in details:
            batch.decide(detail, await self._process(detail))
        for outcome, arguments in batch.requests(self.settings):
            batch.record(outcome, await getattr(self._client, outcome.value)(**arguments))
        return batch.report

    async def _process(self, detail: Received) -> Outcome:
        try:
            result = self._handler(order_of(detail))
            if inspect.isawaitable(result):
                await result
        except Exception as error:  # the outcome depends on the error
            return outcome_of(detail, error)
        return outcome_of(detail, None)

    async def run(self) -> None:
        """Process batches until cancelled, riding out transient Event Grid failures."""
        while True:
            try:
                await self.process_batch()
            except AzureError as error:
                await asyncio.sleep(_backoff_after(error, self.settings))

    async def close(self) -> None:
        """Close the underlying client."""
        await self._client.close()

    async def __aenter__(self) -> OrderWorker:
        await self._client.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._client.__aexit__(exc_type, exc_value, traceback)


class SyncOrderWorker:
    """The same worker for code without asyncio: a sync handler and client.

    Use it as a context manager, which closes the underlying client:

        with SyncOrderWorker(Settings.from_env(), handle_order) as worker:
            worker.run(stop=shutdown_requested)
    """

    def __init__(self, settings: Settings, handler: Callable[[Order], None]) -> None:
        self.settings = settings
        self._handler = handler
        self._client = EventGridConsumerClient(
            settings.endpoint,
            settings.credential,
            namespace_topic=settings.topic,
            subscription=settings.subscription,
        )

    def process_batch(self) -> BatchReport:
        """Receive one batch (waiting up to `max_wait_time`), process and settle it."""
        details = self._client.receive(
            max_events=self.settings.max_events, max_wait_time=self.settings.max_wait_time
        )
        batch = Batch(details)
        for detail in details:
            batch.decide(detail, self._process(detail))
        for outcome, arguments in batch.requests(self.settings):
            batch.record(outcome, getattr(self._client, outcome.value)(**arguments))
        return batch.report

    def _process(self, detail: Received) -> Outcome:
        try:
            self._handler(order_of(detail))
        except Exception as error:  # the outcome depends on the error
            return outcome_of(detail, error)
        return outcome_of(detail, None)

    def run(self, stop: Callable[[], bool]) -> None:
        """Process batches until `stop()` is true (checked between batches), riding out
        transient Event Grid failures."""
        while not stop():
            try:
                self.process_batch()
            except AzureError as error:
                time.sleep(_backoff_after(error, self.settings))

    def close(self) -> None:
        """Close the underlying client."""
        self._client.close()

    def __enter__(self) -> SyncOrderWorker:
        self._client.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._client.__exit__(exc_type, exc_value, traceback)

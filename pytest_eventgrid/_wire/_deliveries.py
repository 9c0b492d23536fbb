"""Push deliveries as the service runs them: the validation handshakes, then every
due batch.

The broker decides what is due and what an answer means; this module writes the
requests and applies the answers. The sequence is written once, as a sans-IO generator
(`DeliveryEngine.run()`) that yields each request and is sent back the answer; the
webhook door drives it, sync or async, and carries the requests.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any

from .._broker import (
    BasicTopic,
    Broker,
    DeliveryAttempt,
    JournalEntry,
    JournalItem,
    PendingEvent,
    PushSubscription,
    Topic,
)
from .._broker._basic import SystemTopic
from .._broker._push import EventHub, HubBatch, HubMessage
from .._broker._routing import NamespaceTopicDestination
from .._errors import docs
from ._basic import resource_id
from ._delivery_properties import is_partition_key, resolve
from ._http import WireRequest, WireResponse
from ._push import (
    DELIVERY_TIMEOUT,
    WEBHOOK_ORIGIN,
    abuse_protection_accepted,
    abuse_protection_request,
    event_hub_properties,
    event_hub_request,
    notification,
    validation_accepted,
    validation_event,
    validation_request,
)
from ._routing import route, routing_request
from ._schemas import eventgrid_to_cloudevent

Answer = WireResponse | str  # a response, or in words why none came
# The address a push subscription's requests go to, from its destination.
Address = Callable[[Any], str]
# The fault script's answer to a delivery (request, topic, subscription), if a
# "deliver" fault catches it.
DeliveryFaults = Callable[[WireRequest, str, str], Answer | None]
# An event hub's answer to a send (the Event Hubs REST API's; no HTTP is involved).
EVENT_HUB_ACCEPTED = 201
_SHOWN_BODY = 200  # characters of a refused handshake's answer shown


class WebhookValidationError(AssertionError):
    """A webhook failed its validation handshake.

    On the service, the event subscription is then not created. The message names
    the subscription, the URL the handshake went to, what came back, and what the
    handshake expects.
    """


WebhookValidationError.__module__ = "pytest_eventgrid"  # its public home


# Where a push subscription lives: a Basic topic (or domain), or a namespace topic.
Owner = BasicTopic | Topic


@dataclass
class Job:
    """One request to make: a handshake (no `batch`) or a delivery.

    `host` is the Basic topic's or the namespace's, for the timeline.
    """

    topic: Owner
    subscription: PushSubscription
    request: WireRequest
    batch: list[PendingEvent] | None = None
    validation: dict[str, object] | None = None
    host: str = ""

    def __post_init__(self) -> None:
        if not self.host and isinstance(self.topic, BasicTopic):
            self.host = self.topic.host


def _output_schema(subscription: PushSubscription, batch: list[PendingEvent]) -> str:
    """The schema a batch goes out in: the subscription's, else its events' own."""
    if subscription.schema_declared:
        return subscription.schema
    return "cloudevents" if "specversion" in batch[0].event else "eventgrid"


def _in_output_schema(event: dict[str, Any], schema: str) -> dict[str, Any]:
    """The event as the output schema has it: an EventGridEvent going to a CloudEvents
    subscription is converted, as the service does."""
    if schema == "cloudevents" and "specversion" not in event and "eventType" in event:
        return eventgrid_to_cloudevent(event)
    return event


class DeliveryEngine:
    """Push deliveries for every Basic topic and namespace topic of one broker.

    `address` gives the URL a subscription's destination is reached at: destinations
    are the doors' objects, which the wire does not know. Some answers never reach
    the doors: a scripted "deliver" fault's (`faults`), and an event hub's (Event Grid
    sends to Event Hubs over AMQP, not HTTP, and there is no Event Hubs here: the
    `EventHub` destination keeps what it gets, in process).
    """

    def __init__(
        self, broker: Broker, address: Address, faults: DeliveryFaults | None = None
    ) -> None:
        self._broker = broker
        self._address = address
        self._faults = faults

    def _subscriptions(self) -> Iterator[tuple[str, Owner, PushSubscription]]:
        """Every push subscription, with its host and topic. Callers hold the lock."""
        for basic in self._broker.basic_topics.values():
            for subscription in basic.all_subscriptions():
                yield basic.host, basic, subscription
        for system in self._broker.system_topics.values():
            for subscription in system.subscriptions.values():
                yield system.host, system, subscription
        for namespace in self._broker.namespaces.values():
            for topic in namespace.topics.values():
                if topic.push_subscriptions:
                    for subscription in topic.push_subscriptions.values():
                        yield namespace.name, topic, subscription

    def handshake(self, topic: Owner, subscription: PushSubscription, host: str = "") -> Job:
        """The handshake a new webhook subscription must pass before deliveries: the
        CloudEvents abuse protection for CloudEvents (every namespace subscription),
        else the Event Grid validation event."""
        url = self._address(subscription.destination)
        if subscription.schema == "cloudevents" or not isinstance(topic, BasicTopic):
            return Job(topic, subscription, abuse_protection_request(url), host=host)
        event = validation_event(
            topic.source if isinstance(topic, SystemTopic) else resource_id(topic, None),
            self._broker.ids,
            self._broker.clock.utcnow().strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        )
        return Job(
            topic, subscription, validation_request(url, subscription.name, event), None, event
        )

    def validate(
        self, topic: Owner, subscription: PushSubscription, host: str = ""
    ) -> Generator[Job, Answer, None]:
        """Yield the handshake of a new subscription and take its answer, to run it at
        once; `WebhookValidationError` if it fails."""
        job = self.handshake(topic, subscription, host)
        answer = yield job
        self.complete(job, answer)
        if subscription.validation == "failed":
            raise WebhookValidationError(_validation_failures([(job, answer)]))

    def abandon(self, job: Job) -> None:
        """`job` raised instead of answering: a misuse (`UsageError`, say an ASGI app
        from sync code in a running loop) leaves it undone. A delivery goes back in
        the queue as it was; a handshake stays pending."""
        if job.batch is not None:
            with self._broker.lock:
                job.subscription.requeue(job.batch)

    def _handshakes(self) -> list[Job]:
        with self._broker.lock:
            for _, _, subscription in self._subscriptions():
                if isinstance(subscription.destination, EventHub):  # no handshake
                    subscription.validation = "succeeded"
            return [
                self.handshake(topic, subscription, host)
                for host, topic, subscription in self._subscriptions()
                if subscription.validation == "pending"
            ]

    def _due(self) -> list[Job]:
        jobs: list[Job] = []
        with self._broker.lock:
            now = self._broker.clock.now()
            for host, topic, subscription in self._subscriptions():
                for batch in subscription.due_batches(now):
                    request = self._delivery_request(subscription, batch)
                    jobs.append(Job(topic, subscription, request, batch, host=host))
        return jobs

    def _delivery_request(
        self, subscription: PushSubscription, batch: list[PendingEvent]
    ) -> WireRequest:
        """The request that delivers `batch`. Per-subscription delivery properties
        (headers) belong here, on the request every destination kind is sent."""
        if isinstance(subscription.destination, EventHub):
            messages = _event_hub_messages(subscription, batch)
            return event_hub_request(subscription.destination.name, messages)
        schema = _output_schema(subscription, batch)
        events = [_in_output_schema(pending.event, schema) for pending in batch]
        if isinstance(subscription.destination, NamespaceTopicDestination):
            return routing_request(subscription.destination, events)
        request = notification(
            self._address(subscription.destination),
            subscription.name,
            schema,
            events,
            batch[0].attempts,
            batched=subscription.settings.max_events_per_batch > 1,
        )
        if subscription.delivery_properties:  # one set of headers: the first event's
            headers = {**request.headers, **resolve(subscription.delivery_properties, events[0])}
            return WireRequest(request.method, request.url, headers, request.body)
        return request

    def _in_process(self, job: Job) -> Answer | None:
        """The answer to a delivery that never reaches the doors: a scripted fault's,
        or an event hub's (which keeps the batch); None for the others."""
        if job.batch is None:
            return None
        if self._faults is not None:
            injected = self._faults(job.request, job.topic.name, job.subscription.name)
            if injected is not None:
                return injected
        hub = job.subscription.destination
        if not isinstance(hub, EventHub):
            return None
        messages = _event_hub_messages(job.subscription, job.batch)
        with self._broker.lock:
            now = self._broker.clock.now()
            hub.batches.append(HubBatch(now, job.topic.name, job.subscription.name, messages))
        return WireResponse(EVENT_HUB_ACCEPTED, {}, b"")

    def next_due(self) -> float | None:
        """The earliest instant an event waits for (a retry's, say), if any."""
        with self._broker.lock:
            dues = [
                due
                for _, _, subscription in self._subscriptions()
                if (due := subscription.next_due()) is not None
            ]
        return min(dues) if dues else None

    def _in_time(self, answer: Answer, started: float) -> Answer:
        """`answer`, unless it came `DELIVERY_TIMEOUT` or more virtual seconds after the
        attempt started (a slow destination, or a `latency()` fault): then none came."""
        took = self._broker.clock.now() - started
        if took < DELIVERY_TIMEOUT:
            return answer
        return (
            f"no answer within {DELIVERY_TIMEOUT:g} seconds: the destination took {took:g} "
            "seconds (Event Grid counts the attempt as timed out, whatever it answered)"
        )

    def complete(
        self, job: Job, answer: Answer, *, at: float | None = None
    ) -> DeliveryAttempt | None:
        """Apply `answer` to the broker; the attempt, for deliveries. `at` is when the
        attempt started, if time passed while it was made."""
        response = answer if isinstance(answer, WireResponse) else None
        error = answer if isinstance(answer, str) else None
        with self._broker.lock:
            now = self._broker.clock.now() if at is None else at
            subscription = job.subscription
            if job.batch is None:
                accepted = response is not None and (
                    validation_accepted(response, job.validation)
                    if job.validation is not None
                    else abuse_protection_accepted(response)
                )
                if accepted:
                    subscription.validation = "succeeded"
                else:
                    subscription.fail_validation()
                self._record(job, now, "validate", response, error, accepted)
                return None
            attempt = subscription.settle(
                job.batch, response.status if response else None, now, error
            )
            # The timeline shows the answer when it came; the attempt keeps its start.
            answered = self._broker.clock.now()
            self._record(job, answered, "deliver", response, error, attempt.outcome == "Succeeded")
            return attempt

    def _record(
        self,
        job: Job,
        now: float,
        operation: str,
        response: WireResponse | None,
        error: str | None,
        succeeded: bool,
    ) -> None:
        events = [pending.event for pending in job.batch or []]
        self._broker.journal.record(
            JournalEntry(
                now,
                operation,
                job.host,
                job.topic.name,
                job.subscription.name,
                items=tuple(
                    JournalItem(
                        event_id=str(event.get("id")),
                        event_type=str(event.get("eventType") or event.get("type")),
                        delivery_count=pending.attempts,
                        outcome="ok" if succeeded else "failed",
                    )
                    for event, pending in zip(events, job.batch or [], strict=True)
                ),
                status=response.status if response else 0,
                detail=error or ("accepted" if succeeded else "refused"),
            )
        )

    def run(self, *, drain: bool) -> Generator[Job, Answer, list[DeliveryAttempt]]:
        """Yield every due request and take its answer; with `drain`, jump the clock
        through the retry schedule until nothing is pending."""
        attempts: list[DeliveryAttempt] = []
        failed = []
        for handshake in self._handshakes():
            answer = yield handshake
            self.complete(handshake, answer)
            if handshake.subscription.validation == "failed":
                failed.append((handshake, answer))
        if failed:
            raise WebhookValidationError(_validation_failures(failed))
        while True:
            jobs = self._due()
            for job in jobs:
                # A namespace topic is answered here, in process; the doors send the rest.
                routed = isinstance(job.subscription.destination, NamespaceTopicDestination)
                started = self._broker.clock.now()
                in_process = self._in_process(job)
                if in_process is None and routed:
                    in_process = route(self._broker, job.request)
                answer = in_process if in_process is not None else (yield job)
                attempt = self.complete(job, self._in_time(answer, started), at=started)
                if attempt is not None:
                    attempts.append(attempt)
            if not drain:
                return attempts
            next_due = self.next_due()
            if next_due is None or (next_due <= self._broker.clock.now() and not jobs):
                return attempts
            self._broker.clock.advance_to(next_due)


def _event_hub_messages(
    subscription: PushSubscription, batch: list[PendingEvent]
) -> tuple[HubMessage, ...]:
    """One message per event, with the system properties and the subscription's
    delivery properties; `PartitionKey` picks the partition instead."""
    messages = []
    for pending in batch:
        event = _in_output_schema(pending.event, "cloudevents")
        properties = event_hub_properties(subscription.name, event, pending.attempts)
        partition_key = None
        for name, value in resolve(subscription.delivery_properties, event).items():
            if is_partition_key(name):
                partition_key = value
            else:
                properties[name] = value
        messages.append(HubMessage(event, properties, partition_key))
    return tuple(messages)


def _answer(answer: Answer, origin_header: bool) -> str:
    """What came back from a handshake, in words."""
    if isinstance(answer, str):
        return f"no answer ({answer})"
    text = f"{answer.status}"
    if origin_header:
        headers = {name.lower(): value for name, value in answer.headers.items()}
        allowed = headers.get("webhook-allowed-origin")
        if allowed is None:
            text += ", no WebHook-Allowed-Origin header"
        else:
            text += f", WebHook-Allowed-Origin {allowed!r}"
    body = answer.body.decode("utf-8", "replace")
    if len(body) > _SHOWN_BODY:
        body = body[:_SHOWN_BODY] + "…"
    return f"{text}, body {body!r}" if body else f"{text}, empty body"


def _validation_failure(job: Job, answer: Answer) -> str:
    if job.validation is None:
        asked = f"OPTIONS request (WebHook-Request-Origin: {WEBHOOK_ORIGIN})"
        expected = f"200 with WebHook-Allowed-Origin: {WEBHOOK_ORIGIN} (or *)"
    else:
        asked = "POST of the SubscriptionValidationEvent"
        code = job.validation["data"]["validationCode"]  # type: ignore[index]
        expected = f'200 with {{"validationResponse": "{code}"}}'
    return (
        f"  subscription {job.subscription.name!r} (topic {job.topic.name!r}) at "
        f"{job.request.url}: the {asked} got {_answer(answer, job.validation is None)}; "
        f"expected {expected}."
    )


def _validation_failures(failed: list[tuple[Job, Answer]]) -> str:
    lines = "\n".join(_validation_failure(job, answer) for job, answer in failed)
    return (
        f"Webhook validation handshake failed:\n{lines}\n"
        "The service would not create the subscription: it gets no event. Answer the "
        "handshake, or pass validate=False to subscribe() to skip it. "
        f"See {docs('guide/webhooks/#the-validation-handshake')}"
    )

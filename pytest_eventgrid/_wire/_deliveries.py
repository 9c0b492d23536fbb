"""Push deliveries as the service runs them: the validation handshakes, then every
due batch.

The broker decides what is due and what an answer means; this module writes the
requests and applies the answers. The sequence is written once, as a sans-IO generator
(`DeliveryEngine.run()`) that yields each request and is sent back the answer; the
webhook door drives it, sync or async, and carries the requests.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
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
)
from .._errors import docs
from ._basic import resource_id
from ._http import WireRequest, WireResponse
from ._push import (
    WEBHOOK_ORIGIN,
    abuse_protection_accepted,
    abuse_protection_request,
    notification,
    validation_accepted,
    validation_event,
    validation_request,
)
from ._schemas import eventgrid_to_cloudevent

Answer = WireResponse | str  # a response, or in words why none came
# The address a push subscription's requests go to, from its destination.
Address = Callable[[Any], str]
_SHOWN_BODY = 200  # characters of a refused handshake's answer shown


class WebhookValidationError(AssertionError):
    """A webhook failed its validation handshake.

    On the service, the event subscription is then not created. The message names
    the subscription, the URL the handshake went to, what came back, and what the
    handshake expects.
    """


WebhookValidationError.__module__ = "pytest_eventgrid"  # its public home


@dataclass
class Job:
    """One request to make: a handshake (no `batch`) or a delivery."""

    topic: BasicTopic
    subscription: PushSubscription
    request: WireRequest
    batch: list[PendingEvent] | None = None
    validation: dict[str, object] | None = None


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
    """Push deliveries for every Basic topic of one broker.

    `address` gives the URL a subscription's destination is reached at: destinations
    are the doors' objects, which the wire does not know.
    """

    def __init__(self, broker: Broker, address: Address) -> None:
        self._broker = broker
        self._address = address

    def handshake(self, topic: BasicTopic, subscription: PushSubscription) -> Job:
        """The handshake a new webhook subscription must pass before deliveries."""
        url = self._address(subscription.destination)
        if subscription.schema == "cloudevents":
            return Job(topic, subscription, abuse_protection_request(url))
        event = validation_event(
            resource_id(topic, None),
            self._broker.ids,
            self._broker.clock.utcnow().strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        )
        return Job(
            topic, subscription, validation_request(url, subscription.name, event), None, event
        )

    def validate(
        self, topic: BasicTopic, subscription: PushSubscription
    ) -> Generator[Job, Answer, None]:
        """Yield the handshake of a new subscription and take its answer, to run it at
        once; `WebhookValidationError` if it fails."""
        job = self.handshake(topic, subscription)
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
            return [
                self.handshake(topic, subscription)
                for topic in self._broker.basic_topics.values()
                for subscription in topic.all_subscriptions()
                if subscription.validation == "pending"
            ]

    def _due(self) -> list[Job]:
        jobs: list[Job] = []
        with self._broker.lock:
            now = self._broker.clock.now()
            for topic in self._broker.basic_topics.values():
                for subscription in topic.all_subscriptions():
                    url = self._address(subscription.destination)
                    for batch in subscription.due_batches(now):
                        schema = _output_schema(subscription, batch)
                        request = notification(
                            url,
                            subscription.name,
                            schema,
                            [_in_output_schema(pending.event, schema) for pending in batch],
                            batch[0].attempts,
                            batched=subscription.settings.max_events_per_batch > 1,
                        )
                        jobs.append(Job(topic, subscription, request, batch))
        return jobs

    def next_due(self) -> float | None:
        """The earliest instant an event waits for (a retry's, say), if any."""
        with self._broker.lock:
            dues = [
                due
                for topic in self._broker.basic_topics.values()
                for subscription in topic.all_subscriptions()
                if (due := subscription.next_due()) is not None
            ]
        return min(dues) if dues else None

    def complete(self, job: Job, answer: Answer) -> DeliveryAttempt | None:
        """Apply `answer` to the broker; the attempt, for deliveries."""
        response = answer if isinstance(answer, WireResponse) else None
        error = answer if isinstance(answer, str) else None
        with self._broker.lock:
            now = self._broker.clock.now()
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
            self._record(job, now, "deliver", response, error, attempt.outcome == "Succeeded")
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
                job.topic.host,
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
                answer = yield job
                attempt = self.complete(job, answer)
                if attempt is not None:
                    attempts.append(attempt)
            if not drain:
                return attempts
            next_due = self.next_due()
            if next_due is None or (next_due <= self._broker.clock.now() and not jobs):
                return attempts
            self._broker.clock.advance_to(next_due)


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

"""A Faker provider of Event Grid events: `fake.cloud_event()`, `fake.eventgrid_event()`.

    from faker import Faker
    from pytest_eventgrid.faker import EventGridProvider

    fake = Faker()
    fake.add_provider(EventGridProvider)
    fake.seed_instance(1234)
    event = fake.cloud_event(type="com.contoso.orders.created")

Every field left out gets a realistic value: a UUID `id`, a URI-reference
`source` (`/contoso/orders`), a reverse-DNS `type`
(`com.contoso.orders.created`), a UTC `time`, a `subject` and JSON `data` that
tell the same story. Seed the Faker to get the same events on every run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridEvent
from faker.providers import BaseProvider

from ._api.system_events import template
from ._errors import NOT_GIVEN, usage_error

__all__ = ["EventGridProvider"]


_EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)
_SPAN = 2 * 365 * 86400  # seconds of event times after _EPOCH
_STORIES = (
    ("orders", ("created", "paid", "shipped", "cancelled")),
    ("invoices", ("issued", "paid", "overdue")),
    ("shipments", ("dispatched", "delivered", "delayed")),
    ("payments", ("authorized", "captured", "refunded")),
    ("subscriptions", ("started", "renewed", "cancelled")),
)


FACTORIES_DOCS = "guide/factories/#factories"
TEXT = (str,)
TEXT_OR_NONE = (str, type(None))
TIME = (datetime,)
TIME_OR_NONE = (datetime, type(None))
MAPPING_OR_NONE = (Mapping, type(None))
_KINDS = {
    TEXT: "a string",
    TEXT_OR_NONE: "a string or None",
    TIME: "a datetime",
    TIME_OR_NONE: "a datetime or None",
    MAPPING_OR_NONE: "a mapping or None",
}


def _pick(value: Any, default: Any) -> Any:
    return default if value is NOT_GIVEN else value


def check_fields(
    method: str,
    fields: Mapping[str, tuple[object, tuple[type, ...]]],
    *,
    anchor: str = FACTORIES_DOCS,
    also: str = "",
) -> None:
    """A `UsageError` for the first field given (not left out) with the wrong type.

    `also` adds to what is expected (", or a strategy").
    """
    for name, (value, kinds) in fields.items():
        if value is not NOT_GIVEN and not isinstance(value, kinds):
            raise usage_error(f"{method}({name}=)", value, _KINDS[kinds] + also, anchor)


def _check(method: str, **fields: tuple[object, tuple[type, ...]]) -> None:
    check_fields(method, fields)


class EventGridProvider(BaseProvider):
    """Faker provider for `CloudEvent`s, `EventGridEvent`s and Azure system events."""

    def cloud_event_time(self) -> datetime:
        """A UTC instant in 2024-2025, to the microsecond."""
        seconds = self.random_int(0, _SPAN - 1)
        micros = self.random_int(0, 999_999)
        return _EPOCH + timedelta(seconds=seconds, microseconds=micros)

    def cloud_event_type(self) -> str:
        """A reverse-DNS event type: `com.contoso.orders.created`."""
        return str(self._story()["type"])

    def cloud_event_source(self) -> str:
        """A URI-reference event source: `/contoso/orders`."""
        return str(self._story()["source"])

    def cloud_event_data(self) -> dict[str, Any]:
        """A JSON object of business data: an order, an invoice, a payment..."""
        return self._story()["data"]  # type: ignore[no-any-return]

    def _story(self) -> dict[str, Any]:
        """Type, source, subject and data about one business record."""
        company = re.sub(r"[^a-z0-9]", "", self.generator.domain_word().lower()) or "contoso"
        collection, actions = self.random_element(_STORIES)
        action = self.random_element(actions)
        record = f"{collection[:3].upper()}-{self.numerify('#####')}"
        return {
            "type": f"com.{company}.{collection}.{action}",
            "source": f"/{company}/{collection}",
            "subject": f"{collection}/{record}",
            "data": {
                "id": record,
                "status": action,
                "amount": self.random_int(100, 500_000) / 100,
                "currency": self.random_element(("USD", "EUR", "GBP", "JPY", "CAD", "AUD")),
                "customer": {
                    "id": self.generator.uuid4(),
                    "name": self.generator.name(),
                    "email": self.generator.email(),
                },
            },
        }

    def cloud_event(
        self,
        *,
        type: str = NOT_GIVEN,
        source: str = NOT_GIVEN,
        subject: str | None = NOT_GIVEN,
        data: Any = NOT_GIVEN,
        id: str = NOT_GIVEN,
        time: datetime | None = NOT_GIVEN,
        datacontenttype: str | None = NOT_GIVEN,
        dataschema: str | None = NOT_GIVEN,
        extensions: Mapping[str, Any] | None = None,
    ) -> CloudEvent[Any]:
        """An azure-core `CloudEvent`; each field left out gets a fake value.

        `datacontenttype` and `dataschema` are left out unless given. Pass `None`
        for `subject`, `data` or `time` to leave them out.
        """
        _check(
            "cloud_event",
            type=(type, TEXT),
            source=(source, TEXT),
            subject=(subject, TEXT_OR_NONE),
            id=(id, TEXT),
            time=(time, TIME_OR_NONE),
            datacontenttype=(datacontenttype, TEXT_OR_NONE),
            dataschema=(dataschema, TEXT_OR_NONE),
            extensions=(extensions, MAPPING_OR_NONE),
        )
        story = self._story()
        event_id = self.generator.uuid4()
        instant = self.cloud_event_time()
        return CloudEvent(
            source=_pick(source, story["source"]),
            type=_pick(type, story["type"]),
            id=_pick(id, event_id),
            time=_pick(time, instant),
            subject=_pick(subject, story["subject"]),
            data=_pick(data, story["data"]),
            datacontenttype=_pick(datacontenttype, None),
            dataschema=_pick(dataschema, None),
            extensions=dict(extensions) if extensions else None,
        )

    def eventgrid_event(
        self,
        *,
        event_type: str = NOT_GIVEN,
        subject: str = NOT_GIVEN,
        data: Any = NOT_GIVEN,
        data_version: str = NOT_GIVEN,
        topic: str | None = NOT_GIVEN,
        id: str = NOT_GIVEN,
        event_time: datetime = NOT_GIVEN,
    ) -> EventGridEvent:
        """An `azure.eventgrid.EventGridEvent`; each field left out gets a fake value.

        `topic` is left out unless given (the service stamps it); `data_version`
        is "1.0".
        """
        _check(
            "eventgrid_event",
            event_type=(event_type, TEXT),
            subject=(subject, TEXT),
            data_version=(data_version, TEXT),
            topic=(topic, TEXT_OR_NONE),
            id=(id, TEXT),
            event_time=(event_time, TIME),
        )
        story = self._story()
        event_id = self.generator.uuid4()
        instant = self.cloud_event_time()
        return EventGridEvent(
            subject=_pick(subject, story["subject"]),
            event_type=_pick(event_type, story["type"]),
            data=_pick(data, story["data"]),
            data_version=_pick(data_version, "1.0"),
            topic=_pick(topic, None),
            id=_pick(id, event_id),
            event_time=_pick(event_time, instant),
        )

    def system_cloud_event(
        self,
        event_type: str,
        *,
        source: str = NOT_GIVEN,
        subject: str | None = NOT_GIVEN,
        data: Mapping[str, Any] | None = None,
        id: str = NOT_GIVEN,
        time: datetime | None = NOT_GIVEN,
        extensions: Mapping[str, Any] | None = None,
    ) -> CloudEvent[Any]:
        """A system event (a `SystemEventNames` member or value) in the CloudEvents schema.

        `data` updates the fake payload key by key; `source` is the resource the
        event is about, as the service sets it.
        """
        _check(
            "system_cloud_event",
            source=(source, TEXT),
            subject=(subject, TEXT_OR_NONE),
            data=(data, MAPPING_OR_NONE),
            id=(id, TEXT),
            time=(time, TIME_OR_NONE),
            extensions=(extensions, MAPPING_OR_NONE),
        )
        name, build = template(event_type)
        drawn = build(self.generator)
        event_id = self.generator.uuid4()
        instant = self.cloud_event_time()
        return CloudEvent(
            source=_pick(source, drawn.topic),
            type=name,
            id=_pick(id, event_id),
            time=_pick(time, instant),
            subject=_pick(subject, drawn.subject or None),
            data={**drawn.data, **(data or {})},
            extensions=dict(extensions) if extensions else None,
        )

    def system_eventgrid_event(
        self,
        event_type: str,
        *,
        topic: str | None = NOT_GIVEN,
        subject: str = NOT_GIVEN,
        data: Mapping[str, Any] | None = None,
        data_version: str = NOT_GIVEN,
        id: str = NOT_GIVEN,
        event_time: datetime = NOT_GIVEN,
    ) -> EventGridEvent:
        """A system event (a `SystemEventNames` member or value) in the Event Grid schema.

        `data` updates the fake payload key by key; `topic` is the resource
        the event is about, as the service stamps it.
        """
        _check(
            "system_eventgrid_event",
            topic=(topic, TEXT_OR_NONE),
            subject=(subject, TEXT),
            data=(data, MAPPING_OR_NONE),
            data_version=(data_version, TEXT),
            id=(id, TEXT),
            event_time=(event_time, TIME),
        )
        name, build = template(event_type)
        drawn = build(self.generator)
        event_id = self.generator.uuid4()
        instant = self.cloud_event_time()
        return EventGridEvent(
            subject=_pick(subject, drawn.subject),
            event_type=name,
            data={**drawn.data, **(data or {})},
            data_version=_pick(data_version, drawn.data_version),
            topic=_pick(topic, drawn.topic),
            id=_pick(id, event_id),
            event_time=_pick(event_time, instant),
        )

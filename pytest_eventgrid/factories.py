"""Factories of realistic `CloudEvent`s and `EventGridEvent`s, seeded per test.

The `cloud_event_factory` and `eventgrid_event_factory` fixtures are instances of
these classes, seeded from the test's node id (or `--eventgrid-seed`, or the
marker's `seed=`), so every run of a test builds the same events:

    def test_orders(cloud_event_factory, eventgrid_publisher_sync):
        created = cloud_event_factory(type="com.contoso.orders.created", data={"total": 10})
        batch = cloud_event_factory.batch(3, subject="orders/{n}")
        blob = cloud_event_factory.blob_created(data={"contentLength": 0})

Outside pytest, build them with a seed of your own: `CloudEventFactory(seed=42)`.

Sequences: `id`, `subject` and string values inside `data` may hold `{n}`, which
becomes the factory's counter (0 for its first event, then 1, 2, ...), as
factory_boy's sequences do; `Sequence(lambda n: ...)` computes any value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridEvent, SystemEventNames
from faker import Faker

from . import _errors
from ._errors import NOT_GIVEN, usage_error
from .faker import FACTORIES_DOCS, EventGridProvider

__all__ = ["CloudEventFactory", "EventGridEventFactory", "Sequence"]

E = TypeVar("E")
SEQUENCES_DOCS = "guide/factories/#batches-and-sequences"


class Sequence:
    """A value that follows the factory's counter, as factory_boy's `Sequence` does.

    `Sequence("order-{n}")` gives "order-0", "order-1", ...; `Sequence(lambda n:
    n * 10)` gives 0, 10, 20, .... A plain string with `{n}` in `id`, `subject`
    or `data` is the same as a `Sequence` of it.
    """

    def __init__(self, pattern: str | Callable[[int], object]) -> None:
        if not isinstance(pattern, str) and not callable(pattern):
            raise usage_error(
                "Sequence(pattern)",
                pattern,
                'a string with {n} ("order-{n}") or a function of n',
                "guide/factories/#batches-and-sequences",
            )
        self.pattern = pattern

    def value(self, n: int) -> object:
        """The value for counter `n`."""
        if isinstance(self.pattern, str):
            return self.pattern.replace("{n}", str(n))
        return self.pattern(n)

    def __repr__(self) -> str:
        return f"Sequence({self.pattern!r})"


def _follow(value: Any, n: int) -> Any:
    """`value` with every `Sequence` and `{n}` pattern resolved for counter `n`."""
    if value is NOT_GIVEN:
        return value
    if isinstance(value, Sequence):
        return value.value(n)
    if isinstance(value, str):
        return value.replace("{n}", str(n)) if "{n}" in value else value
    if isinstance(value, Mapping):
        return {key: _follow(item, n) for key, item in value.items()}
    if isinstance(value, list):
        return [_follow(item, n) for item in value]
    return value


def seeded_faker(seed: int | str, stream: str) -> Faker:
    """A Faker with the Event Grid provider, seeded with `seed` for `stream`."""
    fake = Faker("en_US")
    fake.add_provider(EventGridProvider)
    fake.seed_instance(f"{seed}/{stream}")
    return fake


class _Factory(Generic[E]):
    """What both factories share: the seeded Faker, the counter, the clock of event times."""

    _stream = ""

    def __init__(self, *, seed: int | str = 0, faker: Faker | None = None) -> None:
        self.seed = _errors.seed(f"{type(self).__name__}(seed=)", seed, "guide/factories/#seeding")
        if faker is not None and not isinstance(faker, Faker):
            raise usage_error(
                f"{type(self).__name__}(faker=)", faker, "a faker.Faker, or None", FACTORIES_DOCS
            )
        self.faker = faker if faker is not None else seeded_faker(seed, self._stream)
        self._provider = EventGridProvider(self.faker)
        self._n = 0
        self._last: datetime | None = None

    def reset_sequence(self, value: int = 0) -> None:
        """Start the `{n}` counter again at `value`."""
        self._n = _errors.integer("reset_sequence(value)", value, SEQUENCES_DOCS, low=0)

    def _next(self) -> int:
        n, self._n = self._n, self._n + 1
        return n

    def _time(self) -> datetime:
        """Event times that move forward, a few milliseconds to seconds apart."""
        if self._last is None:
            self._last = self._provider.cloud_event_time()
        else:
            step = self._provider.random_int(1, 5_000)
            self._last += timedelta(milliseconds=step)
        return self._last

    def batch(self, size: int, **overrides: Any) -> list[E]:
        """`size` events built with the same `overrides` (sequences advance)."""
        _errors.integer("batch(size)", size, SEQUENCES_DOCS, low=0)
        return [self(**overrides) for _ in range(size)]

    if TYPE_CHECKING:  # each factory defines these with its own keywords
        __call__: Callable[..., E]
        system: Callable[..., E]

    # -- system events, by name ----------------------------------------------------------

    def blob_created(self, **fields: Any) -> E:
        """`Microsoft.Storage.BlobCreated`: a blob was created or replaced."""
        return self.system(SystemEventNames.StorageBlobCreatedEventName, **fields)

    def blob_deleted(self, **fields: Any) -> E:
        """`Microsoft.Storage.BlobDeleted`: a blob was deleted."""
        return self.system(SystemEventNames.StorageBlobDeletedEventName, **fields)

    def resource_write_success(self, **fields: Any) -> E:
        """`Microsoft.Resources.ResourceWriteSuccess`: an ARM create or update succeeded."""
        return self.system(SystemEventNames.ResourceWriteSuccessEventName, **fields)

    def resource_delete_success(self, **fields: Any) -> E:
        """`Microsoft.Resources.ResourceDeleteSuccess`: an ARM delete succeeded."""
        return self.system(SystemEventNames.ResourceDeleteSuccessEventName, **fields)

    def subscription_validation(self, **fields: Any) -> E:
        """`Microsoft.EventGrid.SubscriptionValidationEvent`: the webhook handshake."""
        return self.system(SystemEventNames.EventGridSubscriptionValidationEventName, **fields)

    def subscription_deleted(self, **fields: Any) -> E:
        """`Microsoft.EventGrid.SubscriptionDeletedEvent`: an event subscription was deleted."""
        return self.system(SystemEventNames.EventGridSubscriptionDeletedEventName, **fields)

    def servicebus_active_messages_available(self, **fields: Any) -> E:
        """`Microsoft.ServiceBus.ActiveMessagesAvailableWithNoListeners`."""
        return self.system(
            SystemEventNames.ServiceBusActiveMessagesAvailableWithNoListenersEventName, **fields
        )

    def servicebus_deadletter_messages_available(self, **fields: Any) -> E:
        """`Microsoft.ServiceBus.DeadletterMessagesAvailableWithNoListeners`."""
        return self.system(
            SystemEventNames.ServiceBusDeadletterMessagesAvailableWithNoListenersEventName,
            **fields,
        )

    def keyvault_secret_new_version_created(self, **fields: Any) -> E:
        """`Microsoft.KeyVault.SecretNewVersionCreated`: a secret got a new version."""
        return self.system(SystemEventNames.KeyVaultSecretNewVersionCreatedEventName, **fields)

    def keyvault_secret_near_expiry(self, **fields: Any) -> E:
        """`Microsoft.KeyVault.SecretNearExpiry`: a secret expires within 30 days."""
        return self.system(SystemEventNames.KeyVaultSecretNearExpiryEventName, **fields)

    def container_registry_image_pushed(self, **fields: Any) -> E:
        """`Microsoft.ContainerRegistry.ImagePushed`: an image was pushed."""
        return self.system(SystemEventNames.ContainerRegistryImagePushedEventName, **fields)

    def eventhub_capture_file_created(self, **fields: Any) -> E:
        """`Microsoft.EventHub.CaptureFileCreated`: Event Hubs Capture wrote a file."""
        return self.system(SystemEventNames.EventHubCaptureFileCreatedEventName, **fields)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} seed={self.seed!r} n={self._n}>"


class CloudEventFactory(_Factory[CloudEvent[Any]]):
    """Builds azure-core `CloudEvent`s: `factory(type=..., data=...)`, `.batch(n)`.

    Each field left out gets a realistic fake value (see
    `pytest_eventgrid.faker`); pass `None` to leave `subject`, `data` or `time`
    out. Keywords other than the CloudEvent attributes are extensions:
    `factory(traceparent="00-...")`.
    """

    _stream = "cloud_event"

    def __call__(
        self,
        *,
        type: str = NOT_GIVEN,
        source: str = NOT_GIVEN,
        subject: str | Sequence | None = NOT_GIVEN,
        data: Any = NOT_GIVEN,
        id: str | Sequence = NOT_GIVEN,
        time: datetime | None = NOT_GIVEN,
        datacontenttype: str | None = NOT_GIVEN,
        dataschema: str | None = NOT_GIVEN,
        **extensions: Any,
    ) -> CloudEvent[Any]:
        """A `CloudEvent`; fields left out get fake values, other keywords are extensions."""
        n = self._next()
        instant = self._time()
        return self._provider.cloud_event(
            type=type,
            source=source,
            subject=_follow(subject, n),
            data=_follow(data, n),
            id=_follow(id, n),
            time=instant if time is NOT_GIVEN else time,
            datacontenttype=datacontenttype,
            dataschema=dataschema,
            extensions=extensions,
        )

    def system(
        self,
        event_type: str,
        *,
        source: str = NOT_GIVEN,
        subject: str | Sequence | None = NOT_GIVEN,
        data: Mapping[str, Any] | None = None,
        id: str | Sequence = NOT_GIVEN,
        time: datetime | None = NOT_GIVEN,
        **extensions: Any,
    ) -> CloudEvent[Any]:
        """An Azure system event of `event_type` in the CloudEvents schema.

        `event_type` is a `SystemEventNames` member or its value. The payload is
        shaped as the service documents it, and `data={...}` updates it key by
        key; `source` is the Azure resource the event is about.
        """
        n = self._next()
        instant = self._time()
        return self._provider.system_cloud_event(
            event_type,
            source=source,
            subject=_follow(subject, n),
            data=_follow(data, n),
            id=_follow(id, n),
            time=instant if time is NOT_GIVEN else time,
            extensions=extensions,
        )


class EventGridEventFactory(_Factory[EventGridEvent]):
    """Builds `azure.eventgrid.EventGridEvent`s: `factory(event_type=..., data=...)`, `.batch(n)`.

    Each field left out gets a realistic fake value; `topic` is left out unless
    given, as the service stamps it.
    """

    _stream = "eventgrid_event"

    def __call__(
        self,
        *,
        event_type: str = NOT_GIVEN,
        subject: str | Sequence = NOT_GIVEN,
        data: Any = NOT_GIVEN,
        data_version: str = NOT_GIVEN,
        topic: str | None = NOT_GIVEN,
        id: str | Sequence = NOT_GIVEN,
        event_time: datetime = NOT_GIVEN,
    ) -> EventGridEvent:
        """An `EventGridEvent`; fields left out get fake values."""
        n = self._next()
        instant = self._time()
        return self._provider.eventgrid_event(
            event_type=event_type,
            subject=_follow(subject, n),
            data=_follow(data, n),
            data_version=data_version,
            topic=topic,
            id=_follow(id, n),
            event_time=instant if event_time is NOT_GIVEN else event_time,
        )

    def system(
        self,
        event_type: str,
        *,
        topic: str | None = NOT_GIVEN,
        subject: str | Sequence = NOT_GIVEN,
        data: Mapping[str, Any] | None = None,
        data_version: str = NOT_GIVEN,
        id: str | Sequence = NOT_GIVEN,
        event_time: datetime = NOT_GIVEN,
    ) -> EventGridEvent:
        """An Azure system event of `event_type` in the Event Grid schema.

        `event_type` is a `SystemEventNames` member or its value. The payload is
        shaped as the service documents it, and `data={...}` updates it key by
        key; `topic` is the Azure resource the event is about.
        """
        n = self._next()
        instant = self._time()
        return self._provider.system_eventgrid_event(
            event_type,
            topic=topic,
            subject=_follow(subject, n),
            data=_follow(data, n),
            data_version=data_version,
            id=_follow(id, n),
            event_time=instant if event_time is NOT_GIVEN else event_time,
        )

"""The event factories, their system events, and the Faker provider under them."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timezone
from typing import Any

import pytest
from azure.eventgrid import EventGridPublisherClient, SystemEventNames
from faker import Faker

from pytest_eventgrid import CloudEventFactory, EventGrid, EventGridEventFactory, UsageError
from pytest_eventgrid.factories import Sequence
from pytest_eventgrid.faker import EventGridProvider

BLOB = {"api", "clientRequestId", "requestId", "contentType", "blobType", "url", "sequencer"}
RESOURCE = {
    "authorization",
    "claims",
    "correlationId",
    "httpRequest",
    "resourceProvider",
    "resourceUri",
    "operationName",
    "status",
    "subscriptionId",
    "tenantId",
}
SERVICE_BUS = {"namespaceName", "requestUri", "entityType", "queueName", "topicName"}
KEY_VAULT = {"Id", "VaultName", "ObjectType", "ObjectName", "Version", "NBF", "EXP"}
# factory method: (event type, documented data keys, resource provider in the topic)
SYSTEM_EVENTS = {
    "blob_created": (
        SystemEventNames.StorageBlobCreatedEventName,
        BLOB | {"eTag", "contentLength", "accessTier", "storageDiagnostics"},
        "Microsoft.Storage/storageAccounts",
    ),
    "blob_deleted": (
        SystemEventNames.StorageBlobDeletedEventName,
        BLOB | {"storageDiagnostics"},
        "Microsoft.Storage/storageAccounts",
    ),
    "resource_write_success": (SystemEventNames.ResourceWriteSuccessEventName, RESOURCE, ""),
    "resource_delete_success": (SystemEventNames.ResourceDeleteSuccessEventName, RESOURCE, ""),
    "subscription_validation": (
        SystemEventNames.EventGridSubscriptionValidationEventName,
        {"validationCode", "validationUrl"},
        "Microsoft.EventGrid/topics",
    ),
    "subscription_deleted": (
        SystemEventNames.EventGridSubscriptionDeletedEventName,
        {"eventSubscriptionId"},
        "Microsoft.EventGrid/topics",
    ),
    "servicebus_active_messages_available": (
        SystemEventNames.ServiceBusActiveMessagesAvailableWithNoListenersEventName,
        SERVICE_BUS | {"subscriptionName"},
        "Microsoft.ServiceBus/namespaces",
    ),
    "servicebus_deadletter_messages_available": (
        SystemEventNames.ServiceBusDeadletterMessagesAvailableWithNoListenersEventName,
        SERVICE_BUS | {"subscriptionName"},
        "Microsoft.ServiceBus/namespaces",
    ),
    "keyvault_secret_new_version_created": (
        SystemEventNames.KeyVaultSecretNewVersionCreatedEventName,
        KEY_VAULT,
        "Microsoft.KeyVault/vaults",
    ),
    "keyvault_secret_near_expiry": (
        SystemEventNames.KeyVaultSecretNearExpiryEventName,
        KEY_VAULT,
        "Microsoft.KeyVault/vaults",
    ),
    "container_registry_image_pushed": (
        SystemEventNames.ContainerRegistryImagePushedEventName,
        {"id", "timestamp", "action", "target", "request"},
        "Microsoft.ContainerRegistry/registries",
    ),
    "eventhub_capture_file_created": (
        SystemEventNames.EventHubCaptureFileCreatedEventName,
        {
            "fileUrl",
            "fileType",
            "partitionId",
            "sizeInBytes",
            "eventCount",
            "firstSequenceNumber",
            "lastSequenceNumber",
            "firstEnqueueTime",
            "lastEnqueueTime",
        },
        "Microsoft.EventHub/namespaces",
    ),
}
TOPIC = re.compile(
    r"^/subscriptions/[0-9a-f-]{36}/resourceGroups/[a-z0-9]+-rg(/providers/(.+)/[^/]+)?$"
)


def test_left_out_fields_get_realistic_values(cloud_event_factory: CloudEventFactory) -> None:
    event = cloud_event_factory()

    assert uuid.UUID(event.id).version == 4
    assert re.fullmatch(r"/[a-z0-9]+/[a-z]+", event.source)  # a URI-reference
    assert re.fullmatch(r"com\.[a-z0-9]+\.[a-z]+\.[a-z]+", event.type)  # reverse DNS
    assert event.time is not None
    assert event.time.tzinfo is timezone.utc
    assert json.loads(json.dumps(event.data)) == event.data
    assert event.subject == f"{event.source.split('/')[2]}/{event.data['id']}"
    assert (event.datacontenttype, event.dataschema, event.extensions) == (None, None, None)


def test_given_fields_win_and_other_keywords_are_extensions(
    cloud_event_factory: CloudEventFactory,
) -> None:
    instant = datetime(2025, 1, 2, tzinfo=timezone.utc)

    event = cloud_event_factory(
        type="com.contoso.orders.created",
        source="https://contoso.example.com/orders",
        subject=None,
        data=b"\x00\x01",
        time=instant,
        datacontenttype="application/octet-stream",
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    )

    assert (event.type, event.source, event.subject) == (
        "com.contoso.orders.created",
        "https://contoso.example.com/orders",
        None,
    )
    assert (event.data, event.time, event.datacontenttype) == (
        b"\x00\x01",
        instant,
        "application/octet-stream",
    )
    assert event.extensions == {
        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    }


def test_batches_follow_sequences(cloud_event_factory: CloudEventFactory) -> None:
    cloud_event_factory()  # the counter counts every event built

    batch = cloud_event_factory.batch(
        3,
        id="order-{n}",
        subject=Sequence(lambda n: f"orders/{n * 10}"),
        data={"lines": ["item-{n}"], "position": Sequence(lambda n: n), "note": "as is"},
    )

    assert [event.id for event in batch] == ["order-1", "order-2", "order-3"]
    assert [event.subject for event in batch] == ["orders/10", "orders/20", "orders/30"]
    assert batch[2].data == {"lines": ["item-3"], "position": 3, "note": "as is"}
    times = [event.time for event in batch]
    assert times == sorted(times)
    assert len(set(times)) == 3
    cloud_event_factory.reset_sequence()
    assert cloud_event_factory(id=Sequence("again-{n}")).id == "again-0"


def test_eventgrid_events_have_every_required_field(
    eventgrid_event_factory: EventGridEventFactory,
) -> None:
    event = eventgrid_event_factory(subject="orders/{n}", data_version="2.0")
    second = eventgrid_event_factory(topic="/subscriptions/x/resourceGroups/y")

    assert uuid.UUID(event.id).version == 4
    assert (event.subject, event.data_version, event.topic) == ("orders/0", "2.0", None)
    assert re.fullmatch(r"com\.[a-z0-9]+\.[a-z]+\.[a-z]+", event.event_type)
    assert isinstance(event.event_time, datetime)
    assert second.event_time > event.event_time
    assert second.topic == "/subscriptions/x/resourceGroups/y"


@pytest.mark.parametrize("method", SYSTEM_EVENTS)
def test_system_events_are_shaped_as_documented(
    cloud_event_factory: CloudEventFactory,
    eventgrid_event_factory: EventGridEventFactory,
    method: str,
) -> None:
    event_type, keys, provider = SYSTEM_EVENTS[method]

    cloud = getattr(cloud_event_factory, method)()
    grid = getattr(eventgrid_event_factory, method)()

    assert (cloud.type, grid.event_type) == (event_type, event_type)
    assert type(cloud.type) is str
    assert set(cloud.data) == set(grid.data) == keys
    for resource in (cloud.source, grid.topic):
        match = TOPIC.fullmatch(resource)
        assert match is not None, resource
        assert (match[2] or "") == provider


def test_system_event_payloads_tell_one_story(cloud_event_factory: CloudEventFactory) -> None:
    blob = cloud_event_factory.blob_created()
    validation = cloud_event_factory.subscription_validation()

    account = blob.source.rsplit("/", 1)[1]
    path = re.fullmatch(r"/blobServices/default/containers/([^/]+)/blobs/([^/]+)", blob.subject)
    assert path is not None
    assert blob.data["url"] == f"https://{account}.blob.core.windows.net/{path[1]}/{path[2]}"
    assert validation.subject is None  # "" in the Event Grid schema; CloudEvents leaves it out
    assert validation.data["validationCode"] in validation.data["validationUrl"]


def test_system_events_take_overrides(cloud_event_factory: CloudEventFactory) -> None:
    blob = cloud_event_factory.blob_created(
        data={"contentLength": 0}, subject="blobs/{n}", id="blob-{n}", source="/mine", tenant="a"
    )

    assert (blob.data["contentLength"], blob.data["blobType"]) == (0, "BlockBlob")
    assert (blob.subject, blob.id, blob.source) == ("blobs/0", "blob-0", "/mine")
    assert blob.extensions == {"tenant": "a"}


def test_system_events_by_type_name(eventgrid_event_factory: EventGridEventFactory) -> None:
    event = eventgrid_event_factory.system(
        "Microsoft.Resources.ResourceWriteSuccess", data={"status": "Failed"}
    )

    assert (event.data_version, event.data["status"]) == ("2", "Failed")
    with pytest.raises(UsageError) as error:
        eventgrid_event_factory.system("Microsoft.Storage.NoSuchEvent")
    assert str(error.value).splitlines()[:3] == [
        "There is no system event factory for 'Microsoft.Storage.NoSuchEvent'. Known types:",
        "  - Microsoft.ContainerRegistry.ImagePushed",
        "  - Microsoft.EventGrid.SubscriptionDeletedEvent",
    ]


def test_factory_events_go_through_the_real_clients(
    eventgrid: EventGrid,
    eventgrid_publisher_sync: EventGridPublisherClient,
    cloud_event_factory: CloudEventFactory,
) -> None:
    sent = [*cloud_event_factory.batch(3), cloud_event_factory.keyvault_secret_near_expiry()]

    eventgrid_publisher_sync.send(sent)

    received = eventgrid.topic("test-topic").published
    assert [(e.id, e.type, e.data, e.time) for e in received] == [
        (e.id, e.type, e.data, e.time) for e in sent
    ]


def test_factories_outside_pytest_take_a_seed() -> None:
    def build(seed: int) -> list[Any]:
        factory = CloudEventFactory(seed=seed)
        return [(e.id, e.type, e.time, e.data) for e in factory.batch(2)]

    assert build(42) == build(42)
    assert build(42) != build(43)
    assert repr(CloudEventFactory(seed=42)) == "<CloudEventFactory seed=42 n=0>"


def test_the_faker_provider() -> None:
    fake = Faker()
    fake.add_provider(EventGridProvider)
    fake.seed_instance(7)

    event = fake.cloud_event(type="com.contoso.orders.created", data={"total": 1})
    grid = fake.eventgrid_event()
    blob = fake.system_cloud_event(SystemEventNames.StorageBlobDeletedEventName)

    assert (event.type, event.data) == ("com.contoso.orders.created", {"total": 1})
    assert re.fullmatch(r"com\.[a-z0-9]+\.[a-z]+\.[a-z]+", fake.cloud_event_type())
    assert fake.cloud_event_source().startswith("/")
    assert set(fake.cloud_event_data()) == {"id", "status", "amount", "currency", "customer"}
    assert (grid.data_version, blob.type) == ("1.0", "Microsoft.Storage.BlobDeleted")
    assert fake.system_eventgrid_event("Microsoft.Storage.BlobDeleted").data_version == ""

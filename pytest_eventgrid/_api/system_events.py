"""Azure system events, with payloads shaped as the services document them.

Each template draws one coherent event (the storage account in `topic`,
`subject` and `data.url` is the same, say) from a seeded Faker.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from azure.eventgrid import SystemEventNames
from faker import Faker

from .._errors import usage_error

_EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class SystemEvent:
    """What one system event says, in either schema."""

    topic: str
    subject: str
    data: dict[str, Any]
    data_version: str


Template = Callable[[Faker], SystemEvent]


def _name(fake: Faker, suffix: str = "") -> str:
    word = re.sub(r"[^a-z0-9]", "", fake.domain_word().lower()) or "contoso"
    return f"{word}{suffix}"


def _resource_group(fake: Faker, subscription: str, provider: str = "") -> str:
    group = f"/subscriptions/{subscription}/resourceGroups/{_name(fake, '-rg')}"
    return f"{group}/providers/{provider}" if provider else group


_MIME = (
    ("txt", "text/plain"),
    ("json", "application/json"),
    ("csv", "text/csv"),
    ("png", "image/png"),
    ("pdf", "application/pdf"),
)


def _storage(fake: Faker, *, deleted: bool) -> SystemEvent:
    account = _name(fake, str(fake.random_int(10, 99)))
    container = fake.random_element(("images", "uploads", "invoices", "backups", "logs"))
    extension, content_type = fake.random_element(_MIME)
    blob = f"{fake.word()}-{fake.random_int(1, 999)}.{extension}"
    topic = _resource_group(fake, fake.uuid4(), f"Microsoft.Storage/storageAccounts/{account}")
    data: dict[str, Any] = {
        "api": "DeleteBlob" if deleted else fake.random_element(("PutBlob", "PutBlockList")),
        "clientRequestId": fake.uuid4(),
        "requestId": f"{fake.uuid4()[:-6]}000000",
    }
    if not deleted:
        data["eTag"] = f'"0x8D{fake.hexify("^^^^^^^^^^^^^", upper=True)}"'
    data["contentType"] = content_type
    if not deleted:
        data["contentLength"] = fake.random_int(1, 50_000_000)
    data["blobType"] = "BlockBlob"
    if not deleted:
        data["accessTier"] = "Default"
    data["url"] = f"https://{account}.blob.core.windows.net/{container}/{blob}"
    data["sequencer"] = fake.hexify("^" * 32, upper=True)
    data["storageDiagnostics"] = {"batchId": fake.uuid4()}
    subject = f"/blobServices/default/containers/{container}/blobs/{blob}"
    return SystemEvent(topic, subject, data, "")


def _resource(fake: Faker, *, deleted: bool) -> SystemEvent:
    subscription, tenant = fake.uuid4(), fake.uuid4()
    group = _resource_group(fake, subscription)
    resource = f"{group}/providers/Microsoft.Storage/storageAccounts/{_name(fake, 'store')}"
    action = "Microsoft.Storage/storageAccounts/" + ("delete" if deleted else "write")
    data = {
        "authorization": {
            "scope": resource,
            "action": action,
            "evidence": {"role": "Contributor"},
        },
        "claims": {
            "aud": "https://management.core.windows.net/",
            "iss": f"https://sts.windows.net/{tenant}/",
            "name": fake.name(),
            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": fake.email(),
        },
        "correlationId": fake.uuid4(),
        "httpRequest": {
            "clientRequestId": fake.uuid4(),
            "clientIpAddress": fake.ipv4_public(),
            "method": "DELETE" if deleted else "PUT",
            "url": f"https://management.azure.com{resource}?api-version=2023-01-01",
        },
        "resourceProvider": "Microsoft.Storage",
        "resourceUri": resource,
        "operationName": action,
        "status": "Succeeded",
        "subscriptionId": subscription,
        "tenantId": tenant,
    }
    return SystemEvent(group, resource, data, "2")


def _event_grid_topic(fake: Faker) -> str:
    return _resource_group(fake, fake.uuid4(), f"Microsoft.EventGrid/topics/{_name(fake)}")


def _validation(fake: Faker) -> SystemEvent:
    code = fake.uuid4()
    instant = _EPOCH + timedelta(seconds=fake.random_int(0, 365 * 86400))
    url = (
        f"https://rp-{fake.random_element(('eastus2', 'westus', 'westeurope'))}"
        f".eventgrid.azure.net:553/eventsubscriptions/{_name(fake)}/validate"
        f"?id={code}&t={instant:%Y-%m-%dT%H:%M:%S}.0000000Z&apiVersion=2018-05-01-preview"
        f"&token={fake.pystr(min_chars=12, max_chars=12)}"
    )
    data = {"validationCode": code, "validationUrl": url}
    return SystemEvent(_event_grid_topic(fake), "", data, "1")


def _subscription_deleted(fake: Faker) -> SystemEvent:
    topic = _event_grid_topic(fake)
    subscription = f"{topic}/providers/Microsoft.EventGrid/eventSubscriptions/{_name(fake)}"
    return SystemEvent(topic, subscription, {"eventSubscriptionId": subscription}, "1")


def _service_bus(fake: Faker, *, deadletter: bool) -> SystemEvent:
    namespace = _name(fake, "-bus")
    topic = _resource_group(fake, fake.uuid4(), f"Microsoft.ServiceBus/namespaces/{namespace}")
    host = f"https://{namespace}.servicebus.windows.net"
    queue = "/$deadletterqueue" if deadletter else ""
    if fake.boolean():
        name = fake.random_element(("orders", "payments", "notifications"))
        data = {
            "namespaceName": f"{namespace}.servicebus.windows.net",
            "requestUri": f"{host}/{name}{queue}/messages/head",
            "entityType": "queue",
            "queueName": name,
            "topicName": None,
            "subscriptionName": None,
        }
        subject = f"queues/{name}"
    else:
        name = fake.random_element(("events", "audit", "telemetry"))
        subscriber = fake.random_element(("billing", "shipping", "analytics"))
        data = {
            "namespaceName": f"{namespace}.servicebus.windows.net",
            "requestUri": f"{host}/{name}/subscriptions/{subscriber}{queue}/messages/head",
            "entityType": "subscriber",
            "queueName": None,
            "topicName": name,
            "subscriptionName": subscriber,
        }
        subject = f"topics/{name}/subscriptions/{subscriber}"
    return SystemEvent(topic, subject, data, "1")


def _key_vault_secret(fake: Faker) -> SystemEvent:
    vault = _name(fake, "-kv")
    secret = fake.random_element(("db-password", "api-key", "storage-connection", "signing-key"))
    version = fake.hexify("^" * 32)
    not_before = int(_EPOCH.timestamp()) + fake.random_int(0, 365 * 86400)
    data = {
        "Id": f"https://{vault}.vault.azure.net/secrets/{secret}/{version}",
        "VaultName": vault,
        "ObjectType": "Secret",
        "ObjectName": secret,
        "Version": version,
        "NBF": not_before,
        "EXP": not_before + 90 * 86400,
    }
    topic = _resource_group(fake, fake.uuid4(), f"Microsoft.KeyVault/vaults/{vault}")
    return SystemEvent(topic, secret, data, "1")


def _image_pushed(fake: Faker) -> SystemEvent:
    registry = _name(fake, "registry")
    repository = fake.random_element(("web", "api", "worker", "frontend"))
    tag = f"v{fake.random_int(1, 9)}.{fake.random_int(0, 20)}.{fake.random_int(0, 99)}"
    size = fake.random_int(500, 5000)
    instant = _EPOCH + timedelta(seconds=fake.random_int(0, 365 * 86400))
    data = {
        "id": fake.uuid4(),
        "timestamp": f"{instant:%Y-%m-%dT%H:%M:%S}.{fake.random_int(0, 9_999_999):07d}Z",
        "action": "push",
        "target": {
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "size": size,
            "digest": f"sha256:{fake.sha256()}",
            "length": size,
            "repository": repository,
            "tag": tag,
        },
        "request": {
            "id": fake.uuid4(),
            "host": f"{registry}.azurecr.io",
            "method": "PUT",
            "useragent": "docker/24.0.7 go/go1.20.10 os/linux arch/amd64",
        },
    }
    topic = _resource_group(
        fake, fake.uuid4(), f"Microsoft.ContainerRegistry/registries/{registry}"
    )
    return SystemEvent(topic, f"{repository}:{tag}", data, "1.0")


def _capture_file(fake: Faker) -> SystemEvent:
    namespace = _name(fake, "-hub")
    hub = fake.random_element(("telemetry", "clicks", "orders"))
    partition = str(fake.random_int(0, 3))
    first = _EPOCH + timedelta(seconds=fake.random_int(0, 365 * 86400))
    last = first + timedelta(minutes=5)
    first_sequence = fake.random_int(0, 100_000)
    count = fake.random_int(1, 5000)
    path = f"{namespace}/{hub}/{partition}/{first:%Y/%m/%d/%H/%M/%S}.avro"
    data = {
        "fileUrl": f"https://{_name(fake, 'capture')}.blob.core.windows.net/capture/{path}",
        "fileType": "AzureBlockBlob",
        "partitionId": partition,
        "sizeInBytes": fake.random_int(1000, 10_000_000),
        "eventCount": count,
        "firstSequenceNumber": first_sequence,
        "lastSequenceNumber": first_sequence + count - 1,
        "firstEnqueueTime": f"{first:%Y-%m-%dT%H:%M:%S}.{fake.random_int(0, 9_999_999):07d}Z",
        "lastEnqueueTime": f"{last:%Y-%m-%dT%H:%M:%S}.{fake.random_int(0, 9_999_999):07d}Z",
    }
    topic = _resource_group(fake, fake.uuid4(), f"Microsoft.EventHub/namespaces/{namespace}")
    return SystemEvent(topic, hub, data, "1")


_BY_NAME: dict[SystemEventNames, Template] = {
    SystemEventNames.StorageBlobCreatedEventName: lambda f: _storage(f, deleted=False),
    SystemEventNames.StorageBlobDeletedEventName: lambda f: _storage(f, deleted=True),
    SystemEventNames.ResourceWriteSuccessEventName: lambda f: _resource(f, deleted=False),
    SystemEventNames.ResourceDeleteSuccessEventName: lambda f: _resource(f, deleted=True),
    SystemEventNames.EventGridSubscriptionValidationEventName: _validation,
    SystemEventNames.EventGridSubscriptionDeletedEventName: _subscription_deleted,
    SystemEventNames.ServiceBusActiveMessagesAvailableWithNoListenersEventName: (
        lambda f: _service_bus(f, deadletter=False)
    ),
    SystemEventNames.ServiceBusDeadletterMessagesAvailableWithNoListenersEventName: (
        lambda f: _service_bus(f, deadletter=True)
    ),
    SystemEventNames.KeyVaultSecretNewVersionCreatedEventName: _key_vault_secret,
    SystemEventNames.KeyVaultSecretNearExpiryEventName: _key_vault_secret,
    SystemEventNames.ContainerRegistryImagePushedEventName: _image_pushed,
    SystemEventNames.EventHubCaptureFileCreatedEventName: _capture_file,
}
TEMPLATES: dict[str, Template] = {name.value: build for name, build in _BY_NAME.items()}
"""The templates, by event type."""


def template(event_type: str) -> tuple[str, Template]:
    """The type name (a plain `str`) and template of `event_type`, a `SystemEventNames`
    member or its value; `UsageError` lists the known types."""
    name = str(getattr(event_type, "value", event_type))
    found = TEMPLATES.get(name)
    if found is None:
        known = "\n".join(f"  - {known}" for known in sorted(TEMPLATES))
        raise usage_error(
            f"There is no system event factory for {name!r}. Known types:\n{known}\n"
            "Build other events with type=... and data=....",
            anchor="guide/factories/#system-events",
        )
    return name, found

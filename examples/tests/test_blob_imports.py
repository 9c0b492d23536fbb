"""A file uploaded to Blob Storage reaches the pull worker that imports it.

The storage account's system topic routes `Microsoft.Storage.BlobCreated` events into
the namespace topic `order-uploads` (a subscription whose destination is a namespace
topic). `storage.publish(...)` raises the event as Azure would, `eventgrid.deliver()`
routes it, and the service's `OrderFileImporter` receives it with the real consumer
client. The marker declares the whole route, as the emulator's config file would.
"""

from __future__ import annotations

import pytest
from orders import TransientError
from orders.imports import ORDER_FILES, UPLOADS_TOPIC, OrderFileImporter

ORDER_FILES_ACCOUNT = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/orders"
    "/providers/Microsoft.Storage/storageAccounts/partnerfiles"
)
FILE_URL = "https://partnerfiles.blob.core.windows.net/incoming/orders-0001.csv"

pytestmark = pytest.mark.eventgrid(
    topics={UPLOADS_TOPIC: [ORDER_FILES]},
    system_topics={
        "partner-files": {
            "source": ORDER_FILES_ACCOUNT,
            "subscriptions": {
                "to-order-uploads": {
                    "endpoint": {"namespace_topic": UPLOADS_TOPIC},
                    "filter": {"includedEventTypes": ["Microsoft.Storage.BlobCreated"]},
                }
            },
        }
    },
)


class Importer:
    """Stands in for the code that reads a file and creates its orders."""

    def __init__(self) -> None:
        self.imported: list[str] = []
        self.failures: list[Exception] = []

    def __call__(self, url: str) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.imported.append(url)


@pytest.fixture
def importer() -> Importer:
    return Importer()


async def test_an_uploaded_file_is_imported(eventgrid, settings, importer, cloud_event_factory):
    storage = eventgrid.system_topic("partner-files")
    storage.publish(cloud_event_factory.blob_created(data={"url": FILE_URL}))
    eventgrid.deliver()

    async with OrderFileImporter(settings, importer) as worker:
        report = await worker.import_batch()

    assert importer.imported == [FILE_URL]
    assert report.imported == [FILE_URL]
    [done] = eventgrid.topic(UPLOADS_TOPIC).subscription(ORDER_FILES).acknowledged
    assert (done.type, done.source) == ("Microsoft.Storage.BlobCreated", ORDER_FILES_ACCOUNT)


async def test_a_deleted_blob_never_reaches_the_importer(
    eventgrid, settings, importer, cloud_event_factory
):
    storage = eventgrid.system_topic("partner-files")
    storage.publish(cloud_event_factory.blob_deleted())
    eventgrid.deliver()

    async with OrderFileImporter(settings, importer) as worker:
        report = await worker.import_batch()

    assert report.imported == report.rejected == []  # filtered out by the route
    assert eventgrid.topic(UPLOADS_TOPIC).published == []


async def test_a_file_the_importer_cannot_read_yet_comes_back(
    eventgrid, settings, importer, cloud_event_factory
):
    importer.failures.append(TransientError("the file is still being written"))
    eventgrid.system_topic("partner-files").publish(
        cloud_event_factory.blob_created(data={"url": FILE_URL})
    )
    eventgrid.deliver()

    async with OrderFileImporter(settings, importer) as worker:
        first = await worker.import_batch()
        second = await worker.import_batch()

    assert (first.retried, second.imported) == ([FILE_URL], [FILE_URL])
    [event] = eventgrid.topic(UPLOADS_TOPIC).subscription(ORDER_FILES).acknowledged
    assert event.delivery_count == 2

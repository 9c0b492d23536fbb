"""Order files uploaded to Blob Storage, imported by a pull worker.

Partners drop order files into a storage account. Its system topic has an event
subscription whose destination is the namespace topic `order-uploads`, so every
`Microsoft.Storage.BlobCreated` event lands there as a CloudEvent; `OrderFileImporter`
receives them from the queue subscription `order-files` and hands each blob's URL to an
importer:

- the importer returns: the event is **acknowledged**;
- it raises `TransientError`: the event is **released**, to come back later;
- the event is not a blob-created event with a URL: it is **rejected**.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from azure.eventgrid.aio import EventGridConsumerClient

from .errors import TransientError
from .settings import Settings

logger = logging.getLogger(__name__)

BLOB_CREATED = "Microsoft.Storage.BlobCreated"
UPLOADS_TOPIC = "order-uploads"
ORDER_FILES = "order-files"

FileImporter = Callable[[str], Awaitable[None] | None]
"""Imports the orders of the file at a blob URL."""


@dataclass
class ImportReport:
    """What one batch did, by blob URL (or event id, for events that name no blob)."""

    imported: list[str] = field(default_factory=list)
    retried: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)


def blob_url(event: Any) -> str | None:
    """The URL of the blob a `BlobCreated` event is about, or None."""
    data = event.data if isinstance(event.data, dict) else {}
    url = data.get("url")
    return url if event.type == BLOB_CREATED and isinstance(url, str) else None


class OrderFileImporter:
    """Receives blob-created events from the `order-files` subscription and imports
    each file (asyncio). Use it as an async context manager."""

    def __init__(self, settings: Settings, importer: FileImporter) -> None:
        self.settings = settings
        self._importer = importer
        self._client = EventGridConsumerClient(
            settings.endpoint,
            settings.credential,
            namespace_topic=UPLOADS_TOPIC,
            subscription=ORDER_FILES,
        )

    async def import_batch(self) -> ImportReport:
        """Receive one batch, import each file, and settle every event."""
        details = await self._client.receive(
            max_events=self.settings.max_events, max_wait_time=self.settings.max_wait_time
        )
        report = ImportReport()
        settle: dict[str, list[str]] = {"acknowledge": [], "release": [], "reject": []}
        for detail in details:
            token = detail.broker_properties.lock_token
            url = blob_url(detail.event)
            if url is None:
                logger.warning("Rejecting event %s: not a blob-created event", detail.event.id)
                settle["reject"].append(token)
                report.rejected.append(detail.event.id)
                continue
            try:
                result = self._importer(url)
                if inspect.isawaitable(result):
                    await result
            except TransientError as error:
                logger.info("Retrying %s later: %s", url, error)
                settle["release"].append(token)
                report.retried.append(url)
            else:
                settle["acknowledge"].append(token)
                report.imported.append(url)
        for operation, tokens in settle.items():
            if tokens:
                await getattr(self._client, operation)(lock_tokens=tokens)
        return report

    async def __aenter__(self) -> OrderFileImporter:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._client.close()

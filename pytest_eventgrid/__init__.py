"""pytest-eventgrid: the real azure-eventgrid clients against an in-memory Event Grid."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._api.basic_views import BasicTopicView, DomainTopicView, PushSubscriptionView
    from ._api.calls import Call, CallList, SubscriptionEvent
    from ._api.emulator import EventGridServer, serve
    from ._api.event_hubs import EventHubBatch, EventHubMessage, EventHubView
    from ._api.eventgrid import EventGrid
    from ._api.mock import MockEventGrid, mock_eventgrid
    from ._api.system_topics import SystemTopicView
    from ._api.views import NamespaceView, SubscriptionView, TopicView
    from ._broker import Clock, JournalEntry, JournalItem, SubscriptionSettings
    from ._broker._chaos import ChaosSettings
    from ._broker._push import DeadLetter, DeliveryAttempt
    from ._doors import AsyncEventGridTransport, EventGridTransport
    from ._doors._webhooks import Webhook
    from ._errors import UsageError
    from ._wire import WebhookValidationError
    from ._wire._faults import Fault, FaultedRequest
    from .factories import CloudEventFactory, EventGridEventFactory

# Where each name lives. Importing the package imports none of them: the pytest plugin
# (`pytest_eventgrid.plugin`) is loaded by every pytest run, and a name is imported,
# with azure-eventgrid, faker or httpx behind it, the first time it is used.
_HOMES = {
    "AsyncEventGridTransport": "._doors",
    "BasicTopicView": "._api.basic_views",
    "Call": "._api.calls",
    "CallList": "._api.calls",
    "ChaosSettings": "._broker._chaos",
    "Clock": "._broker",
    "CloudEventFactory": ".factories",
    "DeadLetter": "._broker._push",
    "DeliveryAttempt": "._broker._push",
    "DomainTopicView": "._api.basic_views",
    "EventGrid": "._api.eventgrid",
    "EventGridEventFactory": ".factories",
    "EventGridServer": "._api.emulator",
    "EventGridTransport": "._doors",
    "EventHubBatch": "._api.event_hubs",
    "EventHubMessage": "._api.event_hubs",
    "EventHubView": "._api.event_hubs",
    "Fault": "._wire._faults",
    "FaultedRequest": "._wire._faults",
    "JournalEntry": "._broker",
    "JournalItem": "._broker",
    "MockEventGrid": "._api.mock",
    "NamespaceView": "._api.views",
    "PushSubscriptionView": "._api.basic_views",
    "SubscriptionEvent": "._api.calls",
    "SubscriptionSettings": "._broker",
    "SubscriptionView": "._api.views",
    "SystemTopicView": "._api.system_topics",
    "TopicView": "._api.views",
    "UsageError": "._errors",
    "Webhook": "._doors._webhooks",
    "WebhookValidationError": "._wire",
    "mock_eventgrid": "._api.mock",
    "serve": "._api.emulator",
}

__all__ = [
    "AsyncEventGridTransport",
    "BasicTopicView",
    "Call",
    "CallList",
    "ChaosSettings",
    "Clock",
    "CloudEventFactory",
    "DeadLetter",
    "DeliveryAttempt",
    "DomainTopicView",
    "EventGrid",
    "EventGridEventFactory",
    "EventGridServer",
    "EventGridTransport",
    "EventHubBatch",
    "EventHubMessage",
    "EventHubView",
    "Fault",
    "FaultedRequest",
    "JournalEntry",
    "JournalItem",
    "MockEventGrid",
    "NamespaceView",
    "PushSubscriptionView",
    "SubscriptionEvent",
    "SubscriptionSettings",
    "SubscriptionView",
    "SystemTopicView",
    "TopicView",
    "UsageError",
    "Webhook",
    "WebhookValidationError",
    "mock_eventgrid",
    "serve",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its home on first use, then keep it here."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})

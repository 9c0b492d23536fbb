"""pytest-eventgrid: the real azure-eventgrid clients against an in-memory Event Grid."""

from ._broker import Clock, JournalEntry, JournalItem, SubscriptionSettings
from ._doors import AsyncEventGridTransport, EventGridTransport
from ._errors import UsageError
from ._eventgrid import EventGrid
from ._mock import MockEventGrid, mock_eventgrid
from ._views import NamespaceView, SubscriptionEvent, SubscriptionView, TopicView

__all__ = [
    "AsyncEventGridTransport",
    "Clock",
    "EventGrid",
    "EventGridTransport",
    "JournalEntry",
    "JournalItem",
    "MockEventGrid",
    "NamespaceView",
    "SubscriptionEvent",
    "SubscriptionSettings",
    "SubscriptionView",
    "TopicView",
    "UsageError",
    "mock_eventgrid",
]

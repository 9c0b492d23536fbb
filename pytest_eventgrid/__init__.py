"""pytest-eventgrid: the real azure-eventgrid clients against an in-memory Event Grid."""

from ._broker import Clock, JournalEntry, JournalItem, SubscriptionSettings
from ._calls import Call, CallList
from ._doors import AsyncEventGridTransport, EventGridTransport
from ._errors import UsageError
from ._eventgrid import EventGrid
from ._mock import MockEventGrid, mock_eventgrid
from ._views import NamespaceView, SubscriptionEvent, SubscriptionView, TopicView
from .factories import CloudEventFactory, EventGridEventFactory

__all__ = [
    "AsyncEventGridTransport",
    "Call",
    "CallList",
    "Clock",
    "CloudEventFactory",
    "EventGrid",
    "EventGridEventFactory",
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

"""pytest-eventgrid: the real azure-eventgrid clients against an in-memory Event Grid."""

from ._api.basic_views import BasicTopicView, DomainTopicView, PushSubscriptionView
from ._api.calls import Call, CallList
from ._api.eventgrid import EventGrid
from ._api.mock import MockEventGrid, mock_eventgrid
from ._api.views import NamespaceView, SubscriptionEvent, SubscriptionView, TopicView
from ._broker import Clock, JournalEntry, JournalItem, SubscriptionSettings
from ._broker._chaos import ChaosSettings
from ._broker._push import DeadLetter, DeliveryAttempt
from ._doors import AsyncEventGridTransport, EventGridTransport
from ._doors._webhooks import Webhook
from ._errors import UsageError
from ._wire import WebhookValidationError
from ._wire._faults import Fault, FaultedRequest
from .factories import CloudEventFactory, EventGridEventFactory

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
    "EventGridTransport",
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
    "TopicView",
    "UsageError",
    "Webhook",
    "WebhookValidationError",
    "mock_eventgrid",
]

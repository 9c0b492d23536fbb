"""The service model: clock, namespaces, topics, queue subscriptions, journal."""

from ._basic import BasicTopic
from ._clock import Clock
from ._ids import IdGenerator, is_decodable_lock_token
from ._journal import Journal, JournalEntry, JournalItem
from ._namespace import EVENTGRID_DOMAIN, Broker, Namespace, NotFound, Topic
from ._push import DeliveryAttempt, PendingEvent, PushSubscription
from ._queue import Delivery, Snapshot, State, SubscriptionQueue, TokenResult
from ._settings import SubscriptionSettings, seconds

__all__ = [
    "EVENTGRID_DOMAIN",
    "BasicTopic",
    "Broker",
    "Clock",
    "Delivery",
    "DeliveryAttempt",
    "IdGenerator",
    "Journal",
    "JournalEntry",
    "JournalItem",
    "Namespace",
    "NotFound",
    "PendingEvent",
    "PushSubscription",
    "Snapshot",
    "State",
    "SubscriptionQueue",
    "SubscriptionSettings",
    "Topic",
    "TokenResult",
    "is_decodable_lock_token",
    "seconds",
]

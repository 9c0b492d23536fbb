"""The service model: clock, namespaces, topics, queue subscriptions, journal."""

from ._clock import Clock
from ._ids import IdGenerator, is_decodable_lock_token
from ._journal import Journal, JournalEntry, JournalItem
from ._namespace import Broker, Namespace, NotFound, Topic
from ._queue import Delivery, Snapshot, State, SubscriptionQueue, TokenResult
from ._settings import SubscriptionSettings, seconds

__all__ = [
    "Broker",
    "Clock",
    "Delivery",
    "IdGenerator",
    "Journal",
    "JournalEntry",
    "JournalItem",
    "Namespace",
    "NotFound",
    "Snapshot",
    "State",
    "SubscriptionQueue",
    "SubscriptionSettings",
    "Topic",
    "TokenResult",
    "is_decodable_lock_token",
    "seconds",
]

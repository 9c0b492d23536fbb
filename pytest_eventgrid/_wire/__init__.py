"""The Event Grid REST protocol: plain requests in, the service's responses out."""

from ._deliveries import Answer, DeliveryEngine, Job, WebhookValidationError
from ._http import (
    Delayed,
    Handler,
    InjectedTransportError,
    LongPoll,
    WireRequest,
    WireResponse,
    WireResult,
)
from ._service import EventGridService

__all__ = [
    "Answer",
    "Delayed",
    "DeliveryEngine",
    "EventGridService",
    "Handler",
    "InjectedTransportError",
    "Job",
    "LongPoll",
    "WebhookValidationError",
    "WireRequest",
    "WireResponse",
    "WireResult",
]

"""The Event Grid REST protocol: plain requests in, the service's responses out."""

from ._http import LongPoll, WireRequest, WireResponse, WireResult
from ._service import EventGridService, NamespaceResolver

__all__ = [
    "EventGridService",
    "LongPoll",
    "NamespaceResolver",
    "WireRequest",
    "WireResponse",
    "WireResult",
]

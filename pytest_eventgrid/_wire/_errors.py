"""The service's error responses, byte for byte in shape."""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime
from functools import lru_cache

from .._errors import docs
from ._http import WireRequest, WireResponse, json_response


class ServiceError(Exception):
    """A request the service answers with an error (raised inside the wire only)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def bad_request(message: str) -> ServiceError:
    return ServiceError(400, "BadRequest", message)


def argument_invalid(message: str) -> ServiceError:
    return ServiceError(400, "ArgumentInvalid", message)


def not_found(message: str) -> ServiceError:
    return ServiceError(404, "NotFound", message)


@lru_cache(maxsize=64)
def _http_date(second: datetime) -> str:
    return format_datetime(second, usegmt=True)


def http_date(instant: datetime) -> str:
    """The `Date` header for `instant` (whole seconds, cached: the clock rarely moves)."""
    return _http_date(instant.replace(microsecond=0))


def timestamp_utc(instant: datetime) -> str:
    """The service's `timestamp_utc`: nanoseconds and a `+00:00` offset."""
    return instant.strftime("%Y-%m-%dT%H:%M:%S.%f") + "000+00:00"


def namespace_error(error: ServiceError, *, instant: datetime, tracking_id: str) -> WireResponse:
    """A namespace data-plane error: `{"error": {...}}` plus `broker-errorcode`."""
    return json_response(
        error.status,
        {
            "error": {
                "code": error.code,
                "message": error.message,
                "timestamp_utc": timestamp_utc(instant),
                "tracking_id": tracking_id,
            }
        },
        headers={"broker-errorcode": error.code, "Date": http_date(instant)},
    )


NAMESPACE_ROUTES = (
    "POST /topics/{topic}:publish",
    "POST /topics/{topic}/eventsubscriptions/{subscription}:receive",
    "POST /topics/{topic}/eventsubscriptions/{subscription}:acknowledge",
    "POST /topics/{topic}/eventsubscriptions/{subscription}:release",
    "POST /topics/{topic}/eventsubscriptions/{subscription}:reject",
    "POST /topics/{topic}/eventsubscriptions/{subscription}:renewLock",
)


def not_served_message(request: WireRequest, served: tuple[str, ...]) -> str:
    """Say what was asked, what the fake serves on that host, and where the docs are."""
    routes = "\n".join(f"  - {route}" for route in served) or "  (nothing)"
    return (
        f"pytest-eventgrid cannot serve {request.method} {request.url}\n"
        f"On host '{request.host}' the fake Event Grid serves:\n{routes}\n"
        f"See {docs('fidelity/#unsupported-requests')}"
    )

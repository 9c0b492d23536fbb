"""Conversion between azure-core requests, responses and errors and the wire's plain values.

Both azure-core transports (sync and async) and interception share this module;
they differ only in how they wait for a long-poll.
"""

from __future__ import annotations

from collections.abc import Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from azure.core.exceptions import ServiceRequestError, ServiceResponseTimeoutError
from azure.core.pipeline.transport import HttpRequest as LegacyHttpRequest
from azure.core.rest import HttpRequest
from azure.core.rest._http_response_impl import HttpResponseImpl
from azure.core.rest._http_response_impl_async import AsyncHttpResponseImpl
from azure.core.utils import CaseInsensitiveDict

from .._wire import InjectedTransportError, WireRequest, WireResponse

AzureRequest = HttpRequest | LegacyHttpRequest


def _body_bytes(content: Any) -> bytes:
    if isinstance(content, str):
        return content.encode("utf-8")
    if content is None:
        return b""
    if isinstance(content, bytes | bytearray | memoryview):
        return bytes(content)
    if isinstance(content, dict):
        return urlencode(content).encode("ascii")
    read = getattr(content, "read", None)
    if callable(read):
        return _body_bytes(read())
    if isinstance(content, Iterable):
        return b"".join(_body_bytes(chunk) for chunk in content)
    return str(content).encode("utf-8")


def to_wire(request: AzureRequest) -> WireRequest:
    """The plain wire request for an azure-core request (rest or legacy)."""
    content = request.content if isinstance(request, HttpRequest) else request.data
    body = content.encode("utf-8") if type(content) is str else _body_bytes(content)
    return WireRequest.lowered(request.method.upper(), request.url, _lowered(request.headers), body)


def _lowered(headers: Any) -> dict[str, str]:
    """The headers by lower-case name."""
    # azure-core's CaseInsensitiveDict keeps `{lower-case name: (name, value)}`;
    # reading it directly spares `lowerkey_items()`'s generator.
    store = getattr(headers, "_store", None) if type(headers) is CaseInsensitiveDict else None
    if type(store) is dict:
        return {name: pair[1] for name, pair in store.items()}
    if isinstance(headers, CaseInsensitiveDict):
        return dict(headers.lowerkey_items())
    return {name.lower(): value for name, value in headers.items()}


def azure_error(failure: InjectedTransportError) -> Exception:
    """The azure-core exception a real transport raises for an injected failure."""
    message = str(failure)
    if failure.kind == "read_timeout":
        return ServiceResponseTimeoutError(message, error=failure)
    return ServiceRequestError(message, error=failure)  # refused, or reset


class _ClosedStream:
    """Stands in for a network response: there is nothing to release."""

    def close(self) -> None:
        return None


class _AsyncClosedStream:
    """The same for async responses, whose `close()` azure-core awaits."""

    async def close(self) -> None:
        return None


def _no_stream(**_: Any) -> Iterable[bytes]:
    return iter(())


def _response_arguments(
    request: AzureRequest, wire: WireResponse, internal_response: object
) -> dict[str, Any]:
    try:
        reason = HTTPStatus(wire.status).phrase
    except ValueError:
        reason = ""
    return {
        "request": request,
        "internal_response": internal_response,
        "status_code": wire.status,
        "reason": reason,
        "content_type": wire.headers.get("Content-Type"),
        "headers": CaseInsensitiveDict(wire.headers),
        "stream_download_generator": _no_stream,
    }


class FakeHttpResponse(HttpResponseImpl):
    """A sync azure-core response whose body is already in memory."""

    def __init__(self, request: AzureRequest, wire: WireResponse) -> None:
        super().__init__(**_response_arguments(request, wire, _ClosedStream()))
        self._content = wire.body
        self._is_stream_consumed = True


class FakeAsyncHttpResponse(AsyncHttpResponseImpl):
    """An async azure-core response whose body is already in memory."""

    def __init__(self, request: AzureRequest, wire: WireResponse) -> None:
        super().__init__(**_response_arguments(request, wire, _AsyncClosedStream()))
        self._content = wire.body
        self._is_stream_consumed = True

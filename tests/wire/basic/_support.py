"""What the Basic tests share: requests straight to the wire, views of the service's
answers, the real SDK publishers (sync or async) behind one awaitable interface, and
webhook destinations of every kind that record what Event Grid sent them."""

from __future__ import annotations

import contextlib
import inspect
import json
import re
import threading
from collections.abc import Awaitable, Callable, Iterator, Mapping
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import httpx
from azure.core.credentials import AccessToken
from azure.eventgrid import EventGridPublisherClient
from azure.eventgrid.aio import EventGridPublisherClient as AioEventGridPublisherClient
from fastapi import FastAPI, Request, Response

from pytest_eventgrid import EventGrid
from pytest_eventgrid._api.basic_views import BasicTopicView
from pytest_eventgrid._wire import WireRequest, WireResponse

T = TypeVar("T")

API = "2018-01-01"
KEY = "cHl0ZXN0LWV2ZW50Z3JpZC1mYWtlLWtleQ=="  # base64, as the service's keys are
EVENTGRID_JSON = "application/json; charset=utf-8"
CLOUDEVENTS_BATCH = "application/cloudevents-batch+json; charset=utf-8"
CLOUDEVENT_SINGLE = "application/cloudevents+json; charset=utf-8"
SUBSCRIPTION_PATH = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/pytest-eventgrid"
    "/providers/Microsoft.EventGrid"
)
# " Report '<guid>:0:<m/d/yyyy h:mm:ss AM> (UTC)' to our forums ...", as the service ends
# every Basic error message but the 413's.
_REPORT = re.compile(
    r" Report '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:0:"
    r"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d\d:\d\d [AP]M \(UTC\)' to our forums for "
    r"assistance or raise a support ticket\.$"
)
REPORT = " Report '<tracking id>:0:<time> (UTC)' to our forums ..."
omit: Any = object()  # `eventgrid_event(subject=omit)` leaves `subject` out


async def resolve(result: T | Awaitable[T]) -> T:
    """Await what the async clients return; take what the sync clients return as is."""
    if inspect.isawaitable(result):
        return await result
    return result


# -- events as JSON ------------------------------------------------------------------------


def _without_omitted(event: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in event.items() if value is not omit}


def eventgrid_event(**fields: Any) -> dict[str, Any]:
    """A valid EventGridEvent as JSON; `name=omit` leaves a property out."""
    event: dict[str, Any] = {
        "id": "e1",
        "subject": "orders/1",
        "data": {"total": 7},
        "eventType": "Order.Created",
        "eventTime": "2030-01-01T00:00:00Z",
        "dataVersion": "1.0",
    }
    return _without_omitted({**event, **fields})


def cloud_event(**fields: Any) -> dict[str, Any]:
    """A valid CloudEvent as JSON; `name=omit` leaves an attribute out."""
    event: dict[str, Any] = {
        "id": "c1",
        "source": "/shop",
        "type": "Order.Created",
        "specversion": "1.0",
        "data": {"total": 7},
    }
    return _without_omitted({**event, **fields})


# -- the wire ------------------------------------------------------------------------------


class BasicWire:
    """Requests to one Basic topic's host, straight to `EventGridService.handle`."""

    def __init__(self, eventgrid: EventGrid, topic: BasicTopicView) -> None:
        self.eventgrid = eventgrid
        self.topic = topic
        self.host = topic.host

    def url(self, path: str = "/api/events", query: str | None = f"api-version={API}") -> str:
        return f"https://{self.host}{path}" + (f"?{query}" if query is not None else "")

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
    ) -> WireResponse:
        result = self.eventgrid._service.handle(WireRequest(method, url, dict(headers or {}), body))
        assert isinstance(result, WireResponse)
        return result

    def publish(
        self,
        body: object,
        *,
        content_type: str | None = EVENTGRID_JSON,
        headers: Mapping[str, str] | None = None,
        url: str | None = None,
    ) -> WireResponse:
        """POST `/api/events`; `body` is JSON-encoded unless it is bytes."""
        raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        sent = dict(headers or {})
        if content_type is not None:
            sent["Content-Type"] = content_type
        return self.send("POST", url or self.url(), headers=sent, body=raw)


def basic_error(response: WireResponse) -> dict[str, Any]:
    """A Basic error answer: status, headers that matter, and its body, with the
    "Report ..." sentence (a tracking id and an instant) reduced to its shape.

    The details must repeat the message; a view that says otherwise shows both.
    """
    body = json.loads(response.body)
    error = body["error"]
    (detail,) = error["details"]
    message = _REPORT.sub(REPORT, error["message"])
    view: dict[str, Any] = {
        "status": response.status,
        "content-type": response.headers.get("Content-Type"),
        "api-supported-versions": response.headers.get("api-supported-versions"),
        "code": error["code"],
        "message": message,
        "detail": detail["code"],
    }
    if detail["message"] != error["message"]:
        view["detail message"] = detail["message"]
    if set(error) != {"code", "message", "details"}:
        view["keys"] = sorted(error)
    return view


def expected_error(
    status: int, code: str, message: str, detail: str, *, versions: bool = True
) -> dict[str, Any]:
    """What `basic_error` shows for the service's error; `message` without "Report"."""
    return {
        "status": status,
        "content-type": None,
        "api-supported-versions": API if versions else None,
        "code": code,
        "message": message + (REPORT if status != 413 else ""),
        "detail": detail,
    }


def bad_request(message: str) -> dict[str, Any]:
    return expected_error(400, "BadRequest", message, "InputJsonInvalid")


def unauthorized(host: str, reason: str, *, token: bool = False) -> dict[str, Any]:
    what = "token" if token else "key"
    return expected_error(
        401,
        "Unauthorized",
        f"The request authorization {what} is not authorized for {host.upper()}. "
        f"This is due to the reason: {reason}.",
        "Unauthorized",
    )


# -- the SDK -------------------------------------------------------------------------------


class StaticToken:
    """A `TokenCredential` (sync and async) that hands out a fixed Entra ID token."""

    def __init__(self, token: str = "entra-id-token") -> None:
        self.token = token
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes.append(scopes)
        expires = datetime.now(timezone.utc) + timedelta(hours=1)
        return AccessToken(self.token, int(expires.timestamp()))


class AsyncStaticToken(StaticToken):
    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:  # type: ignore[override]
        return StaticToken.get_token(self, *scopes, **kwargs)

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> AsyncStaticToken:
        return self

    async def __aexit__(self, *args: object) -> None:
        return None


class BasicPublisher:
    """A Basic `EventGridPublisherClient`, sync or async."""

    def __init__(self, client: Any) -> None:
        self.client = client

    async def send(self, events: Any, **kwargs: Any) -> None:
        await resolve(self.client.send(events, **kwargs))


class BasicDoor:
    """Builds the SDK's Basic publishers of one flavour, and closes them at the end.

    Without a credential the fake's helpers build them (`basic_publisher()`,
    `aio_basic_publisher()`); with one, the test builds them as user code would:
    the sync one reaches the fake by interception only, the async one by its
    transport.
    """

    def __init__(
        self, eventgrid: EventGrid, flavour: str, stack: contextlib.AsyncExitStack
    ) -> None:
        self.eventgrid = eventgrid
        self.flavour = flavour
        self._stack = stack

    @property
    def is_async(self) -> bool:
        return self.flavour == "async"

    async def publisher(
        self, topic: str, credential: Any = None, *, endpoint: str | None = None
    ) -> BasicPublisher:
        """A publisher for `topic` (a name, host or URL); `endpoint` overrides the URL
        it posts to."""
        eventgrid = self.eventgrid
        client: Any
        if credential is None and endpoint is None:
            helper = eventgrid.aio_basic_publisher if self.is_async else eventgrid.basic_publisher
            client = helper(topic)
        else:
            # The view of whatever `topic` is (topic, domain, partner namespace).
            endpoint = endpoint or eventgrid._basic_view(topic, None, None).endpoint
            credential = credential or eventgrid.credential
            if self.is_async:
                client = AioEventGridPublisherClient(
                    endpoint, credential, transport=eventgrid.async_transport()
                )
            else:
                client = EventGridPublisherClient(endpoint, credential)
        if self.is_async:
            return BasicPublisher(await self._stack.enter_async_context(client))
        return BasicPublisher(self._stack.enter_context(client))

    def token_credential(self) -> StaticToken:
        return AsyncStaticToken() if self.is_async else StaticToken()


# -- webhook destinations ------------------------------------------------------------------


def handshake_answer(request: httpx.Request) -> httpx.Response | None:
    """What a well-behaved endpoint answers to Event Grid's handshakes; None for
    anything else."""
    if request.method == "OPTIONS":
        origin = request.headers.get("webhook-request-origin", "")
        return httpx.Response(200, headers={"WebHook-Allowed-Origin": origin})
    if request.headers.get("aeg-event-type") == "SubscriptionValidation":
        [event] = json.loads(request.content)
        return httpx.Response(200, json={"validationResponse": event["data"]["validationCode"]})
    return None


Answer = int | dict[str, Any] | httpx.Response | None


class Endpoint:
    """The handler behind every kind of destination: records each request Event Grid
    makes, passes the handshakes, and answers deliveries with `answers` in turn (then
    200). `handshake` replaces the handshake answer."""

    def __init__(
        self,
        *answers: Answer,
        handshake: Callable[[httpx.Request], Answer] | None = None,
    ) -> None:
        self.answers = list(answers)
        self.handshake = handshake
        self.requests: list[httpx.Request] = []
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> Answer:
        with self._lock:
            self.requests.append(request)
        is_handshake = (
            request.method == "OPTIONS"
            or request.headers.get("aeg-event-type") == "SubscriptionValidation"
        )
        if is_handshake:
            return self.handshake(request) if self.handshake else handshake_answer(request)
        with self._lock:
            return self.answers.pop(0) if self.answers else 200

    def respond(self, request: httpx.Request) -> httpx.Response:
        """The answer as an `httpx.Response`, for the apps and the server."""
        answer = self(request)
        if isinstance(answer, httpx.Response):
            return answer
        if answer is None:
            return httpx.Response(200)
        if isinstance(answer, int):
            return httpx.Response(answer)
        return httpx.Response(200, json=answer)

    @property
    def deliveries(self) -> list[httpx.Request]:
        """The `Notification` POSTs."""
        return [r for r in self.requests if r.headers.get("aeg-event-type") == "Notification"]

    @property
    def handshakes(self) -> list[httpx.Request]:
        return [r for r in self.requests if r not in self.deliveries]

    def bodies(self) -> list[Any]:
        """The JSON body of each delivery."""
        return [json.loads(request.content) for request in self.deliveries]


_HOP_BY_HOP = {"content-length", "transfer-encoding", "connection"}


def _headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.lower() not in _HOP_BY_HOP}


def asgi_app(endpoint: Endpoint) -> FastAPI:
    """A FastAPI app that hands every request at `/api/events` to `endpoint`."""
    app = FastAPI()

    @app.api_route("/api/events", methods=["POST", "OPTIONS"])
    async def events(request: Request) -> Response:
        forwarded = httpx.Request(
            request.method,
            str(request.url),
            headers=request.headers.raw,
            content=await request.body(),
        )
        answer = endpoint.respond(forwarded)
        return Response(answer.content, answer.status_code, headers=_headers(answer))

    return app


def wsgi_app(endpoint: Endpoint) -> Callable[..., list[bytes]]:
    """A bare WSGI app that hands every request to `endpoint`."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        headers = {
            name[5:].replace("_", "-").lower(): value
            for name, value in environ.items()
            if name.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        url = f"http://{environ['HTTP_HOST']}{environ['PATH_INFO']}"
        forwarded = httpx.Request(
            environ["REQUEST_METHOD"],
            url,
            headers=headers,
            content=environ["wsgi.input"].read(length),
        )
        answer = endpoint.respond(forwarded)
        start_response(
            f"{answer.status_code} {answer.reason_phrase}", list(_headers(answer).items())
        )
        return [answer.content]

    return app


@contextlib.contextmanager
def loopback_server(endpoint: Endpoint) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1, in a thread, that hands requests to `endpoint`;
    yields its `/api/events` URL."""

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            forwarded = httpx.Request(
                self.command,
                f"http://{self.headers['Host']}{self.path}",
                headers=list(self.headers.items()),
                content=self.rfile.read(length),
            )
            answer = endpoint.respond(forwarded)
            self.send_response(answer.status_code)
            for name, value in _headers(answer).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        do_POST = do_OPTIONS = _handle

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/events"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


KINDS = ("callable", "asgi", "wsgi", "url")


@contextlib.contextmanager
def destination(kind: str, endpoint: Endpoint) -> Iterator[Any]:
    """`endpoint` as a destination of `kind`."""
    if kind == "url":
        with loopback_server(endpoint) as url:
            yield url
    elif kind == "asgi":
        yield asgi_app(endpoint)
    elif kind == "wsgi":
        yield wsgi_app(endpoint)
    else:
        yield endpoint

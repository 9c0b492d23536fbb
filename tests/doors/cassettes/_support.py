"""A loopback HTTP server in front of a fake Event Grid (standing in for Azure while
recording), and the client calls the tests record and replay, sync and async."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from azure.core.credentials import AzureKeyCredential
from azure.core.messaging import CloudEvent
from azure.core.pipeline.transport import AioHttpTransport, RequestsTransport
from azure.eventgrid import EventGridConsumerClient, EventGridPublisherClient
from azure.eventgrid.aio import EventGridConsumerClient as AioConsumer
from azure.eventgrid.aio import EventGridPublisherClient as AioPublisher

from pytest_eventgrid import EventGrid
from pytest_eventgrid._doors import serve
from pytest_eventgrid._wire import WireRequest

TOPIC, SUBSCRIPTION = "orders", "billing"


@dataclass
class Loopback:
    """A fake Event Grid served over real HTTP at `endpoint`; `requests` counts hits."""

    fake: EventGrid
    endpoint: str = ""
    requests: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.fake.credential.key

    @property
    def credential(self) -> AzureKeyCredential:
        return AzureKeyCredential(self.key)


@contextlib.contextmanager
def loopback() -> Iterator[Loopback]:
    """Serve a fresh fake (namespace `orders`/`billing` ready) on 127.0.0.1."""
    fake = EventGrid()
    fake.add_host("127.0.0.1").topic(TOPIC).subscription(SUBSCRIPTION)
    service = Loopback(fake)

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            request = WireRequest(
                self.command,
                f"{service.endpoint}{self.path}",
                {name.lower(): value for name, value in self.headers.items()},
                body,
            )
            service.requests.append(f"{self.command} {self.path}")
            response = serve(fake._entry, fake.clock, request)
            self.send_response(response.status)
            for name, value in response.headers.items():
                if name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    service.endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield service
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def event(number: int, source: str = "/orders", **data: Any) -> CloudEvent:
    return CloudEvent(source=source, type="Order.Placed", data={"number": number, **data})


class CountingTransport(RequestsTransport):
    """The requests transport a client was given; it counts what it sends and can send
    it to `reroute` (scheme and host) instead of the host the client names."""

    def __init__(self, sent: list[str], reroute: str | None = None) -> None:
        super().__init__()
        self.sent, self.reroute = sent, reroute

    def send(self, request: Any, **kwargs: Any) -> Any:
        self.sent.append(request.url)
        if self.reroute:
            request.url = rerouted(request.url, self.reroute)
        return super().send(request, **kwargs)


class AsyncCountingTransport(AioHttpTransport):
    """The aiohttp twin of `CountingTransport`."""

    def __init__(self, sent: list[str], reroute: str | None = None) -> None:
        super().__init__()
        self.sent, self.reroute = sent, reroute

    async def send(self, request: Any, **kwargs: Any) -> Any:
        self.sent.append(request.url)
        if self.reroute:
            request.url = rerouted(request.url, self.reroute)
        return await super().send(request, **kwargs)


def rerouted(url: str, endpoint: str) -> str:
    split = urlsplit(url)
    return endpoint + split.path + (f"?{split.query}" if split.query else "")


def transports(flavour: str, sent: list[str], reroute: str | None = None) -> Callable[[], Any]:
    """A factory of counting transports of the flavour's kind, one per client."""
    kind = CountingTransport if flavour == "sync" else AsyncCountingTransport
    return lambda: kind(sent, reroute)


async def publish_and_receive(
    flavour: str,
    endpoint: str,
    key: str,
    numbers: tuple[int, ...] = (1,),
    *,
    events: list[CloudEvent] | None = None,
    transport: Callable[[], Any] | None = None,
) -> list[Any]:
    """Publish one batch, receive it, acknowledge it; the received events' data. Each
    client gets a transport from `transport()` when it is given."""
    credential = AzureKeyCredential(key)
    own = {"transport": transport()} if transport else {}
    names = {"namespace_topic": TOPIC}
    sub = {**names, "subscription": SUBSCRIPTION}
    events = events or [event(n) for n in numbers]
    if flavour == "sync":
        with EventGridPublisherClient(endpoint, credential, **names, **own) as publisher:
            publisher.send(events)
        own = {"transport": transport()} if transport else {}
        with EventGridConsumerClient(endpoint, credential, **sub, **own) as consumer:
            details = consumer.receive(max_events=len(events), max_wait_time=10)
            consumer.acknowledge(lock_tokens=[d.broker_properties.lock_token for d in details])
    else:
        async with AioPublisher(endpoint, credential, **names, **own) as aio_publisher:
            await aio_publisher.send(events)
        own = {"transport": transport()} if transport else {}
        async with AioConsumer(endpoint, credential, **sub, **own) as aio_consumer:
            details = await aio_consumer.receive(max_events=len(events), max_wait_time=10)
            tokens = [d.broker_properties.lock_token for d in details]
            await aio_consumer.acknowledge(lock_tokens=tokens)
    return [d.event.data for d in details]

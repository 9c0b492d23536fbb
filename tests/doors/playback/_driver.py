"""Re-send a recorded session through the real azure-eventgrid clients.

Each recorded request becomes the SDK call that sends it (raw httpx for binary-mode
publishes, which the Python SDK cannot make), and each SDK result is checked against
the recorded response, read here with plain `json`, independently of the player.
"""

from __future__ import annotations

import base64
import contextlib
import inspect
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
)
from azure.core.rest import HttpRequest
from azure.eventgrid import EventGridConsumerClient, EventGridPublisherClient
from azure.eventgrid.aio import EventGridConsumerClient as AioConsumer
from azure.eventgrid.aio import EventGridPublisherClient as AioPublisher
from azure.eventgrid.models import ReleaseResult

from pytest_eventgrid.recordings import Recording
from tests import _paths

RECORDINGS = _paths.RECORDINGS
FILES = sorted(RECORDINGS.glob("*/*.json"))
KEY = AzureKeyCredential("fake")
SETTLE = {
    "acknowledge": "acknowledge",
    "release": "release",
    "reject": "reject",
    "renewLock": "renew_locks",
}
ERRORS = {401: ClientAuthenticationError, 404: ResourceNotFoundError}
# Not sent: the client or the network sets these.
RAW_SKIPPED_HEADERS = {"content-length", "accept-encoding", "connection", "host"}


def file_id(path: Path) -> str:
    """`go/TestReject`; Python files as `python/<module>::<test>`."""
    if path.parent.name != "python":
        return f"{path.parent.name}/{path.stem}"
    module, _, rest = path.stem.partition(".py")
    return f"python/{module}::test_{rest.split('test_', 1)[1]}"


async def result_of(value: Any) -> Any:
    """A sync call's value, or an async call's once awaited."""
    return await value if inspect.isawaitable(value) else value


@dataclass(frozen=True)
class Step:
    """One recorded exchange, as a test reads it."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: Any
    status: int
    response_headers: Mapping[str, str]
    response: Any

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> Step:
        return cls(
            method=raw["RequestMethod"],
            url=raw["RequestUri"],
            headers={k.lower(): v for k, v in raw["RequestHeaders"].items()},
            body=raw["RequestBody"],
            status=raw["StatusCode"],
            response_headers={k.lower(): v for k, v in raw["ResponseHeaders"].items()},
            response=raw["ResponseBody"],
        )

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def operation(self) -> str:
        return self.path.rpartition(":")[2] if "/topics/" in self.path else "basic"

    @property
    def query(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(urlsplit(self.url).query).items()}

    @property
    def raw(self) -> bool:
        """Whether only raw httpx can send this request: a binary-mode publish, or
        events the SDK would reshape (it fills in an empty `specversion` or `id`)."""
        if "ce-id" in self.headers:
            return True
        if self.operation != "publish":
            return False
        events = self.json_body()
        return any(not (e.get("specversion") and e.get("id")) for e in _listed(events))

    @property
    def endpoint(self) -> str:
        split = urlsplit(self.url)
        prefix = split.path.partition("/topics/")[0] if "/topics/" in split.path else split.path
        return f"{split.scheme}://{split.netloc}{prefix}"

    @property
    def names(self) -> list[str]:
        """Topic, then subscription, from a namespace path."""
        parts = self.path.partition("/topics/")[2].split(":")[0].split("/")
        return [parts[0], *parts[2:3]]

    def json_body(self) -> Any:
        return json.loads(self.body) if isinstance(self.body, str) else self.body

    def error_code(self) -> str:
        """The service's error code: the namespace header, or the Basic (base64) body."""
        if "broker-errorcode" in self.response_headers:
            return str(self.response_headers["broker-errorcode"])
        return str(json.loads(base64.b64decode(self.response))["error"]["code"])


def steps_of(path: Path) -> list[Step]:
    with path.open(encoding="utf-8-sig") as file:
        return [Step.of(raw) for raw in json.load(file)["Entries"]]


class Clients:
    """The SDK clients of one flavour (sync or aio), built with no transport=."""

    def __init__(self, flavour: str, stack: contextlib.AsyncExitStack) -> None:
        self.flavour = flavour
        self._stack = stack

    async def _enter(self, client: Any) -> Any:
        if self.flavour == "sync":
            return self._stack.enter_context(client)
        return await self._stack.enter_async_context(client)

    async def publisher(self, step: Step) -> Any:
        kwargs: dict[str, Any] = {"api_version": step.query["api-version"]}
        if step.operation != "basic":
            kwargs["namespace_topic"] = step.names[0]
        kind = EventGridPublisherClient if self.flavour == "sync" else AioPublisher
        return await self._enter(kind(step.endpoint, KEY, **kwargs))

    async def consumer(self, step: Step) -> Any:
        topic, subscription = step.names
        return await self.consumer_for(
            step.endpoint, topic, subscription, api_version=step.query["api-version"]
        )

    async def consumer_for(
        self, endpoint: str, topic: str, subscription: str, *, api_version: str = "2024-06-01"
    ) -> Any:
        kind = EventGridConsumerClient if self.flavour == "sync" else AioConsumer
        client = kind(
            endpoint,
            KEY,
            namespace_topic=topic,
            subscription=subscription,
            api_version=api_version,
        )
        return await self._enter(client)

    async def raw(self, step: Step, body: bytes) -> httpx.Response:
        headers = {k: v for k, v in step.headers.items() if k not in RAW_SKIPPED_HEADERS}
        if self.flavour == "sync":
            return _post(step.url, headers, body)
        async with httpx.AsyncClient() as client:
            return await client.post(step.url, headers=headers, content=body)


class Session:
    """Drives one recorded session, step by step, and checks every answer."""

    def __init__(self, clients: Clients, recording: Recording) -> None:
        self.clients = clients
        self.recording = recording
        self.received: list[str] = []  # lock tokens the replayed receives returned
        self.transcript: list[str] = []

    async def run(self, steps: list[Step]) -> list[str]:
        for index, step in enumerate(steps):
            if step.status >= 400:
                await self._expect_error(index, step)
            else:
                await self._expect_success(index, step)
        return self.transcript

    async def _call(self, index: int, step: Step) -> Any:
        if step.raw:
            return await self.clients.raw(step, self.recording.entries[index].request.body)
        if step.operation in ("publish", "basic"):
            return await self._publish(step)
        if step.operation == "receive":
            consumer = await self.clients.consumer(step)
            max_events, wait = step.query.get("maxEvents"), step.query.get("maxWaitTime")
            return await result_of(
                consumer.receive(
                    max_events=None if max_events is None else int(max_events),
                    max_wait_time=None if wait is None else int(wait),
                )
            )
        return await self._settle(step)

    async def _publish(self, step: Step) -> Any:
        publisher = await self.clients.publisher(step)
        channel = step.headers.get("aeg-channel-name")
        options = {"channel_name": channel} if channel else {}
        return await result_of(publisher.send(step.json_body(), **options))

    async def _settle(self, step: Step) -> Any:
        consumer = await self.clients.consumer(step)
        tokens = step.json_body()["lockTokens"]
        if self.received:  # settle what the replayed receive handed out
            assert set(tokens) <= set(self.received)
        if step.query["api-version"] == "2023-06-01-preview" and step.operation == "release":
            # azure-eventgrid 4.22 refuses release() on this api-version, even with no
            # delay: send the same request through the client's own pipeline instead.
            request = HttpRequest("POST", step.url, json={"lockTokens": tokens})
            response = await result_of(consumer.send_request(request))
            response.raise_for_status()
            return ReleaseResult(json.loads(response.content))
        options: dict[str, Any] = {"lock_tokens": tokens}
        if "releaseDelayInSeconds" in step.query:
            options["release_delay"] = int(step.query["releaseDelayInSeconds"])
        return await result_of(getattr(consumer, SETTLE[step.operation])(**options))

    async def _expect_error(self, index: int, step: Step) -> None:
        if step.raw:
            response = await self._call(index, step)
            assert response.status_code == step.status
            assert response.json()["error"]["code"] == step.error_code()
            self.transcript.append(f"{step.operation} {step.status} {step.error_code()}")
            return
        with pytest.raises(HttpResponseError) as raised:
            await self._call(index, step)
        assert raised.type is ERRORS.get(step.status, HttpResponseError), repr(raised.value)
        # A publisher re-raises a 404 with its own message, from the service's error.
        service = raised.value if raised.value.error else raised.value.__cause__
        assert isinstance(service, HttpResponseError)
        assert service.status_code == step.status
        assert service.error is not None
        assert service.error.code == step.error_code()
        self.transcript.append(f"{step.operation} {step.status} {step.error_code()}")

    async def _expect_success(self, index: int, step: Step) -> None:
        result = await self._call(index, step)
        if isinstance(result, httpx.Response):
            answer = result.json() if result.content else None
            assert (result.status_code, answer) == (step.status, step.response)
            self.transcript.append(step.operation)
        elif step.operation in ("publish", "basic"):
            assert result is None
            self.transcript.append(step.operation)
        elif step.operation == "receive":
            self._check_receive(result, step)
        else:
            self._check_settle(result, step)

    def _check_receive(self, details: list[Any], step: Step) -> None:
        got = [
            (
                d.broker_properties.lock_token,
                d.broker_properties.delivery_count,
                d.event.id,
                d.event.type,
                d.event.source,
            )
            for d in details
        ]
        recorded = [
            (
                item["brokerProperties"]["lockToken"],
                item["brokerProperties"]["deliveryCount"],
                item["event"]["id"],
                item["event"]["type"],
                item["event"]["source"],
            )
            for item in step.response["value"]
        ]
        assert got == recorded
        self.received.extend(token for token, *_ in got)
        self.transcript.append(f"receive dc={[count for _, count, *_ in got]}")

    def _check_settle(self, result: Any, step: Step) -> None:
        failed = [(f.lock_token, f.error.code) for f in result.failed_lock_tokens]
        recorded = [(f["lockToken"], f["error"]["code"]) for f in step.response["failedLockTokens"]]
        assert result.succeeded_lock_tokens == step.response["succeededLockTokens"]
        assert failed == recorded
        codes = ",".join(code for _, code in failed)
        ok = len(result.succeeded_lock_tokens)
        self.transcript.append(f"{step.operation} ok={ok}" + (f" failed={codes}" if codes else ""))


def _post(url: str, headers: Mapping[str, str], body: bytes) -> httpx.Response:
    with httpx.Client() as client:
        return client.post(url, headers=headers, content=body)


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]

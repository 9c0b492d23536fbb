"""Where the emulator's paths lead. One HTTP server answers for every namespace and
Basic topic, so a path prefix names the resource a request is for:

- `/namespaces/<name>/...`: the namespace `<name>`;
- `/basic/<name>/...`: the Basic topic, domain or partner namespace `<name>`;
- any other path: the namespace the request's `Host` names, if that is an Event Grid
  host (a client that keeps a real-looking host name), else the server's own. A
  request target in absolute form (`http://host/path`) names its host itself, as
  HTTP/1.1 has it; a target that is no path (`*`) names no resource.

The wire then answers the request as if it had been sent to that resource's host.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ._basic import MAX_REQUEST_BYTES as BASIC_MAX_REQUEST_BYTES
from ._cloudevents import MAX_REQUEST_BYTES as NAMESPACE_MAX_REQUEST_BYTES
from ._hosts import NAMESPACE_NAME, basic_host, endpoint_host, is_eventgrid_host
from ._http import WireRequest

NAMESPACES_PREFIX = "/namespaces/"
BASIC_PREFIX = "/basic/"
# The largest body any resource takes (a Basic topic's 1,536,000 bytes). A server
# keeps at most one byte more of a body: a cut body is still too large for every
# resource, and the wire answers 413 in the shape of the one it was for.
MAX_BODY_BYTES = max(BASIC_MAX_REQUEST_BYTES, NAMESPACE_MAX_REQUEST_BYTES)
# Stands for a resource name the service would never accept: nothing answers there.
_UNNAMED = "unnamed.invalid"
_HOST_NAME = re.compile(r"[a-z0-9.-]+")


def _named(path: str, prefix: str) -> tuple[str, str]:
    """The resource name after `prefix`, and the rest of the path."""
    name, slash, rest = path[len(prefix) :].partition("/")
    return name, slash + rest


def _host_header(headers: Mapping[str, str]) -> str:
    """The host name `Host` gives, without its port; "" for what is no host name."""
    host = headers.get("host", "")
    if host.startswith("["):  # an IPv6 literal
        return host.partition("]")[0] + "]"
    host = host.rpartition(":")[0].lower() if ":" in host else host.lower()
    return host if _HOST_NAME.fullmatch(host) else ""


def emulated_request(
    method: str,
    raw_path: str,
    query: str,
    headers: dict[str, str],
    body: bytes,
    *,
    home: str,
    region: str,
) -> WireRequest:
    """The request the server got (`headers` with lower-case names), addressed to the
    host its path or `Host` names; `home` is the host of the server's own namespace."""
    path = raw_path or "/"
    named = _host_header(headers)
    if path.startswith(("http://", "https://")):  # the absolute form: its host wins
        named, _, rest = path.partition("://")[2].partition("/")
        named, path = _host_header({"host": named}), f"/{rest}"
    elif not path.startswith("/"):  # "*" (OPTIONS), say: no resource of the service
        named, path = _UNNAMED, "/"
    if path.startswith(NAMESPACES_PREFIX):
        name, path = _named(path, NAMESPACES_PREFIX)
        host = endpoint_host(name, region) if NAMESPACE_NAME.fullmatch(name) else _UNNAMED
    elif path.startswith(BASIC_PREFIX):
        name, path = _named(path, BASIC_PREFIX)
        host = basic_host(name, region) if NAMESPACE_NAME.fullmatch(name) else _UNNAMED
    else:
        host = named if is_eventgrid_host(named) or named == _UNNAMED else home
    url = f"https://{host}{path or '/'}" + (f"?{query}" if query else "")
    return WireRequest.lowered(method, url, headers, body)


def emulated_path(host: str, home: str) -> str:
    """The path prefix under which the server answers for the namespace at `host`."""
    return "" if host == home else f"{NAMESPACES_PREFIX}{host.partition('.')[0]}"

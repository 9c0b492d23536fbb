"""Where the emulator's paths lead. One HTTP server answers for every namespace and
Basic topic, so a path prefix names the resource a request is for:

- `/namespaces/<name>/...`: the namespace `<name>`;
- `/basic/<name>/...`: the Basic topic, domain or partner namespace `<name>`;
- any other path: the namespace the request's `Host` names, if that is an Event Grid
  host (a client that keeps a real-looking host name), else the server's own.

The wire then answers the request as if it had been sent to that resource's host.
"""

from __future__ import annotations

from collections.abc import Mapping

from ._hosts import NAMESPACE_NAME, basic_host, endpoint_host, is_eventgrid_host
from ._http import WireRequest

NAMESPACES_PREFIX = "/namespaces/"
BASIC_PREFIX = "/basic/"
# Stands for a resource name the service would never accept: nothing answers there.
_UNNAMED = "unnamed.invalid"


def _named(path: str, prefix: str) -> tuple[str, str]:
    """The resource name after `prefix`, and the rest of the path."""
    name, slash, rest = path[len(prefix) :].partition("/")
    return name, slash + rest


def _host_header(headers: Mapping[str, str]) -> str:
    host = headers.get("host", "")
    if host.startswith("["):  # an IPv6 literal
        return host.partition("]")[0] + "]"
    return host.rpartition(":")[0].lower() if ":" in host else host.lower()


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
    if path.startswith(NAMESPACES_PREFIX):
        name, path = _named(path, NAMESPACES_PREFIX)
        host = endpoint_host(name, region) if NAMESPACE_NAME.fullmatch(name) else _UNNAMED
    elif path.startswith(BASIC_PREFIX):
        name, path = _named(path, BASIC_PREFIX)
        host = basic_host(name, region) if NAMESPACE_NAME.fullmatch(name) else _UNNAMED
    else:
        named = _host_header(headers)
        host = named if is_eventgrid_host(named) else home
    url = f"https://{host}{path or '/'}" + (f"?{query}" if query else "")
    return WireRequest.lowered(method, url, headers, body)


def emulated_path(host: str, home: str) -> str:
    """The path prefix under which the server answers for the namespace at `host`."""
    return "" if host == home else f"{NAMESPACES_PREFIX}{host.partition('.')[0]}"

"""Event Grid host names: the service's domain and naming rules, in one place.

A namespace answers on `<namespace>.<region>-1.eventgrid.azure.net`, and so does a
Basic topic, domain or partner namespace (`<name>.<region>-1.eventgrid.azure.net`).
The first label of such a host is the resource's name. The domain itself is the
broker's (which hosts it serves is service policy); it is re-exported here.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .._broker import EVENTGRID_DOMAIN as EVENTGRID_DOMAIN  # one copy, the broker's
from .._errors import usage_error

# The service's naming rules: a namespace name has 3-50 letters, digits and hyphens; a
# region (the host's second label, before "-1") is letters then digits, as "eastus2".
NAMESPACE_NAME = re.compile(r"[A-Za-z0-9-]{3,50}")
REGION_NAME = re.compile(r"[A-Za-z]+[0-9]*")
HOSTS_DOCS = "guide/intercepting/#hosts"


def is_eventgrid_host(host: str) -> bool:
    """Whether the lower-case `host` is in the Event Grid domain."""
    return host.endswith(EVENTGRID_DOMAIN)


def endpoint_host(name: str, region: str) -> str:
    """The host of the namespace (or Basic topic) `name` in `region`."""
    return f"{name}.{region}-1{EVENTGRID_DOMAIN}".lower()


def resource_name(host: str) -> str:
    """The namespace (or Basic topic) name of an Event Grid `host`: its first label."""
    return host.partition(".")[0]


def host_of(value: str) -> str:
    """The lower-case host of a host name or URL (no port, no path)."""
    if not isinstance(value, str):
        raise usage_error("host", value, "a host name or a URL, as a string", HOSTS_DOCS)
    try:
        hostname = urlsplit(value if "://" in value else f"https://{value}").hostname
    except ValueError:
        hostname = None
    if not hostname:
        raise usage_error("host", value, "a host name or a URL", HOSTS_DOCS)
    return hostname.lower()


def basic_host(name: str, region: str) -> str:
    """The host of a Basic topic given by `name`: a host or URL as it is, else
    `<name>.<region>-1.eventgrid.azure.net`."""
    if "://" in name or "." in name:
        return host_of(name)
    return endpoint_host(name, region)

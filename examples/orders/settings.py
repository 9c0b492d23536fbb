"""Settings, read from `ORDERS_*` environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from azure.core.credentials import AzureKeyCredential
from azure.eventgrid.models import ReleaseDelay

from .errors import ConfigurationError

ENDPOINT = "ORDERS_EVENTGRID_ENDPOINT"
KEY = "ORDERS_EVENTGRID_KEY"
TOPIC = "ORDERS_EVENTGRID_TOPIC"
SUBSCRIPTION = "ORDERS_EVENTGRID_SUBSCRIPTION"
RELEASE_DELAY = "ORDERS_RELEASE_DELAY_SECONDS"
MAX_EVENTS = "ORDERS_MAX_EVENTS"
MAX_WAIT_TIME = "ORDERS_MAX_WAIT_TIME_SECONDS"
ERROR_BACKOFF = "ORDERS_ERROR_BACKOFF_SECONDS"


@dataclass(frozen=True)
class Settings:
    """Where the service's Event Grid namespace is, and how the worker receives.

    Attributes:
        endpoint: The namespace endpoint, `https://<namespace>.<region>-1.eventgrid.azure.net`.
        key: The namespace access key.
        topic: The namespace topic that order events go to.
        subscription: The queue subscription the worker reads from.
        release_delay: How long a transiently failed event waits before redelivery.
        max_events: The most events one receive returns (1-100).
        max_wait_time: Seconds a receive waits for events when there are none (10-120).
        error_backoff: Seconds the worker waits after Event Grid failed for now (0-300).
    """

    endpoint: str
    key: str
    topic: str = "orders-topic"
    subscription: str = "order-processor"
    release_delay: ReleaseDelay = ReleaseDelay.ONE_MINUTE
    max_events: int = 10
    max_wait_time: int = 60
    error_backoff: int = 5

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from `environ` (default: the process environment).

        `ORDERS_EVENTGRID_ENDPOINT` and `ORDERS_EVENTGRID_KEY` are required; the
        others have defaults.
        """
        env = os.environ if environ is None else environ
        missing = [name for name in (ENDPOINT, KEY) if not env.get(name)]
        if missing:
            raise ConfigurationError(f"Set the environment variable(s) {', '.join(missing)}.")
        defaults = cls(endpoint="", key="")
        return cls(
            endpoint=env[ENDPOINT],
            key=env[KEY],
            topic=env.get(TOPIC) or defaults.topic,
            subscription=env.get(SUBSCRIPTION) or defaults.subscription,
            release_delay=_release_delay(env.get(RELEASE_DELAY), defaults.release_delay),
            max_events=_integer(env, MAX_EVENTS, defaults.max_events, 1, 100),
            max_wait_time=_integer(env, MAX_WAIT_TIME, defaults.max_wait_time, 10, 120),
            error_backoff=_integer(env, ERROR_BACKOFF, defaults.error_backoff, 0, 300),
        )

    @property
    def credential(self) -> AzureKeyCredential:
        """The key credential for the namespace."""
        return AzureKeyCredential(self.key)


def _release_delay(text: str | None, default: ReleaseDelay) -> ReleaseDelay:
    if not text:
        return default
    try:
        return ReleaseDelay(text.strip())
    except ValueError:
        allowed = ", ".join(delay.value for delay in ReleaseDelay)
        message = f"{RELEASE_DELAY} must be one of {allowed}; got {text!r}."
        raise ConfigurationError(message) from None


def _integer(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = env.get(name)
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise ConfigurationError(f"{name} must be an integer from {low} to {high}; got {text!r}.")
    return value

"""Namespace topics as the destination of Event Grid Basic event subscriptions."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NamespaceTopicDestination:
    """The namespace topic `topic` of the namespace at host `namespace`: where a Basic
    topic's, domain's or system topic's event subscription puts its events (the
    service's `NamespaceTopic` endpoint type)."""

    namespace: str
    topic: str

    def __str__(self) -> str:
        return f"namespace topic {self.topic!r} of {self.namespace}"

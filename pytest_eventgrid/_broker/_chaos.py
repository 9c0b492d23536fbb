"""Chaos: the liberties an at-least-once broker may take, taken on purpose (seeded)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .._errors import usage_error

CHANCES = ("duplicates", "early_lock_expiry", "short_batches", "token_lost")
SETTINGS = ("duplicates", "reorder", "early_lock_expiry", "short_batches", "token_lost")


def checked_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """`settings` as `chaos()` keywords, or a `UsageError` saying what is wrong."""
    unknown = sorted(set(settings) - set(SETTINGS))
    if unknown:
        raise usage_error(
            f"Unknown chaos setting(s) {', '.join(unknown)}; allowed: "
            f"{', '.join(sorted(SETTINGS))}.",
            anchor="guide/failures/#chaos",
        )
    ChaosSettings(**settings)
    return dict(settings)


@dataclass
class ChaosSettings:
    """How much chaos the broker adds. Every chance is per event (or per receive).

    Attributes:
        duplicates: Chance that an acknowledged event is delivered once more, as a
            new copy under a new lock token (at-least-once delivery).
        reorder: Hand events out of publish order.
        early_lock_expiry: Chance that a lock expires early: at once, or after a random part of
            the lock duration, so the event is delivered again while still held.
        short_batches: Chance that a receive returns fewer events than available.
        token_lost: Chance that settling a live lock fails with `TokenLost`; the lock is
            gone and the event is delivered again.
    """

    duplicates: float = 0.0
    reorder: bool = False
    early_lock_expiry: float = 0.0
    short_batches: float = 0.0
    token_lost: float = 0.0
    seed: int | str = 0
    _random: random.Random = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in CHANCES:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                raise usage_error(
                    f"chaos {name} is a chance from 0 to 1; got {value!r}.",
                    anchor="guide/failures/#chaos",
                )
        if not isinstance(self.reorder, bool):
            raise usage_error(
                f"chaos reorder is True or False; got {self.reorder!r}.",
                anchor="guide/failures/#chaos",
            )
        self._random = random.Random(f"chaos:{self.seed}")

    def configure(self, **settings: object) -> None:
        """Change the settings in place (every queue shares this object)."""
        checked = ChaosSettings(
            **{**self._settings(), **checked_settings(settings), "seed": self.seed}
        )
        self.__dict__.update(checked.__dict__)

    def _settings(self) -> dict[str, object]:
        return {
            "duplicates": self.duplicates,
            "reorder": self.reorder,
            "early_lock_expiry": self.early_lock_expiry,
            "short_batches": self.short_batches,
            "token_lost": self.token_lost,
        }

    @property
    def active(self) -> bool:
        return bool(
            self.duplicates
            or self.reorder
            or self.early_lock_expiry
            or self.short_batches
            or self.token_lost
        )

    def _chance(self, probability: float) -> bool:
        return probability > 0 and self._random.random() < probability

    def batch_size(self, max_events: int) -> int:
        if max_events > 1 and self._chance(self.short_batches):
            return self._random.randint(1, max_events - 1)
        return max_events

    def pick(self, count: int) -> int:
        """Which of `count` waiting events, in publish order, to hand out next
        (`reorder`): the first, or half the time the last."""
        return count - 1 if self.reorder and self._random.random() < 0.5 else 0

    def lock_duration(self, duration: float) -> float:
        """The lock's duration: sometimes cut short, half of those times to nothing (the
        lock is already gone when the consumer settles, however fast it is)."""
        if self._chance(self.early_lock_expiry):
            if self._random.random() < 0.5:
                return 0.0
            return self._random.uniform(1.0, duration / 2)
        return duration

    def lose_token(self) -> bool:
        return self._chance(self.token_lost)

    def duplicate(self) -> bool:
        return self._chance(self.duplicates)


CALM = ChaosSettings()

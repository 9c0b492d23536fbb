"""Chaos: the liberties an at-least-once broker may take, taken on purpose (seeded)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from .._errors import UsageError, docs


@dataclass
class ChaosSettings:
    """How much chaos the broker adds. Every chance is per event (or per receive).

    Attributes:
        duplicates: Chance that an acknowledged event is delivered once more, as a
            new copy under a new lock token (at-least-once delivery).
        reorder: Hand events out of publish order.
        early_lock_expiry: Chance that a lock expires early, after a random part of
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
        for name in ("duplicates", "early_lock_expiry", "short_batches", "token_lost"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                raise UsageError(
                    f"chaos {name} is a chance from 0 to 1; got {value!r}. "
                    f"See {docs('guide/failures/#chaos')}"
                )
        self._random = random.Random(f"chaos:{self.seed}")

    def configure(self, **settings: object) -> None:
        """Change the settings in place (every queue shares this object)."""
        allowed = {"duplicates", "reorder", "early_lock_expiry", "short_batches", "token_lost"}
        unknown = sorted(set(settings) - allowed)
        if unknown:
            raise UsageError(
                f"Unknown chaos setting(s) {', '.join(unknown)}; allowed: "
                f"{', '.join(sorted(allowed))}. See {docs('guide/failures/#chaos')}"
            )
        checked = ChaosSettings(**{**self._settings(), **settings, "seed": self.seed})  # type: ignore[arg-type]
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

    def take_from_back(self) -> bool:
        return self.reorder and self._random.random() < 0.5

    def lock_duration(self, duration: float) -> float:
        if self._chance(self.early_lock_expiry):
            return self._random.uniform(1.0, duration / 2)
        return duration

    def lose_token(self) -> bool:
        return self._chance(self.token_lost)

    def duplicate(self) -> bool:
        return self._chance(self.duplicates)


CALM = ChaosSettings()

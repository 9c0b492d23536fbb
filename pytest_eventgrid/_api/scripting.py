"""Scripting: the faults and the chaos of one fake, from its settings and from its API.

The fault script itself (which requests a fault catches, what it does to them) lives
in the wire; this module checks what a test asks for and hands it over.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .._broker import Broker
from .._broker._chaos import ChaosSettings, checked_settings
from .._errors import NotGiven, docs, usage_error
from .._wire._faults import Fault, FaultedRequest, FaultScript
from ..faults import Outcome, _faults_from_specs, _outcome_from_spec

# The keywords of `fail()` a `faults=` mapping may carry besides its outcome.
FAULT_OPTIONS = ("topic", "subscription", "times", "probability", "optional")
DEFAULT_CHAOS: Mapping[str, Any] = {
    "duplicates": 0.3,
    "reorder": True,
    "early_lock_expiry": 0.2,
    "short_batches": 0.5,
    "token_lost": 0.2,
}

# A `faults=` mapping as the arguments of `fail()`: operation, outcome, keywords.
FaultSpec = tuple[str | None, Outcome, dict[str, Any]]


def checked_faults(faults: object) -> list[FaultSpec]:
    """`faults=`: a list of fault mappings, as arguments for `fail()`."""
    if faults is None:
        return []
    return [
        (
            spec.get("operation"),
            _outcome_from_spec(spec),
            {option: spec[option] for option in FAULT_OPTIONS if option in spec},
        )
        for spec in _faults_from_specs(faults)
    ]


def checked_chaos(chaos: object) -> dict[str, Any] | None:
    """`chaos=`: None or False (calm), True (the default mix), or `chaos()` settings."""
    if chaos is None or chaos is False:
        return None
    if chaos is True:
        return dict(DEFAULT_CHAOS)
    if not isinstance(chaos, Mapping):
        raise usage_error(
            "chaos",
            chaos,
            "True (the default mix), or a mapping of chaos() settings",
            "guide/failures/#chaos",
        )
    return checked_settings(chaos)


def _outcomes(outcome: object) -> tuple[Outcome, ...]:
    """`fail(outcome)`: one outcome, or a list of them in turn."""
    if isinstance(outcome, Outcome):
        return (outcome,)
    if isinstance(outcome, list | tuple):
        return tuple(outcome)
    is_int = isinstance(outcome, int) and not isinstance(outcome, bool)
    hint = f" (for a status, write faults.status({outcome!r}))" if is_int else ""
    raise usage_error(
        "fail(outcome)",
        outcome,
        f"an outcome made by pytest_eventgrid.faults, or a list of them{hint}",
        "guide/failures/#outcomes",
    )


def script_fault(
    script: FaultScript,
    operation: str | None,
    outcome: Outcome | Sequence[Outcome],
    *,
    topic: str | None,
    subscription: str | None,
    when: Callable[[FaultedRequest], bool] | None,
    times: int | NotGiven | None,
    probability: float | None,
    optional: bool,
) -> Fault:
    """Add to `script` the fault `EventGrid.fail()` describes; `times` not given is
    1, the length of a sequence, or no limit with a `probability`."""
    outcomes = _outcomes(outcome)
    if isinstance(times, NotGiven):
        times = None if probability is not None else max(len(outcomes), 1)
    fault = Fault(
        operation,
        outcomes,
        topic=topic,
        subscription=subscription,
        when=when,
        times=times,
        probability=probability,
        optional=optional,
    )
    return script.add(fault)


def verify_faults(script: FaultScript) -> None:
    """An `AssertionError` listing the faults of `script` that never fired (unless optional)."""
    __tracebackhide__ = True
    unfired = script.unfired()
    if unfired:
        lines = "\n".join(f"  - {fault.describe()}" for fault in unfired)
        raise AssertionError(
            f"{len(unfired)} scripted fault(s) never fired:\n{lines}\n"
            "No request they select was made. Fix the selector, drop the fault, or "
            "pass optional=True to fail() if the test may not reach it. "
            f"See {docs('guide/failures/#strictness')}"
        )


def configure_chaos(broker: Broker, **settings: Any) -> ChaosSettings:
    """Set `broker`'s chaos (checked; all zero is calm) and return it."""
    broker.chaos.configure(**settings)
    return broker.chaos

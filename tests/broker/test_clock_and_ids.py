"""The virtual clock, and seeded ids and lock tokens."""

from __future__ import annotations

import base64
import threading
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from pytest_eventgrid import Clock, UsageError
from pytest_eventgrid._broker import IdGenerator, is_decodable_lock_token

from ._support import QueueHarness, tokens

START = datetime(2030, 1, 1, 12, tzinfo=timezone.utc)

# -- clock -----------------------------------------------------------------------------


def test_the_clock_starts_at_zero_and_moves_only_when_told() -> None:
    clock = Clock(start=START)

    assert clock.now() == 0
    assert clock.advance(1.5) == 1.5
    assert clock.advance(timedelta(minutes=1)) == 61.5
    assert clock.utcnow() == START + timedelta(seconds=61.5)
    assert clock.start == START
    assert repr(clock) == "<Clock t=61.500s autojump=True>"


def test_the_clock_never_goes_back() -> None:
    clock = Clock()
    clock.advance_to(100)

    assert clock.advance_to(50) == 100
    assert clock.now() == 100


def test_a_start_in_another_zone_is_kept_in_utc() -> None:
    east = timezone(timedelta(hours=2))

    clock = Clock(start=datetime(2030, 1, 1, 14, tzinfo=east))

    assert clock.utcnow() == START
    assert clock.utcnow().tzinfo == timezone.utc


@pytest.mark.parametrize("duration", [-1, -0.001, float("nan"), "5", None, True])
def test_advance_takes_a_duration_of_zero_or_more(duration: object) -> None:
    clock = Clock()

    with pytest.raises(UsageError) as error:
        clock.advance(duration)  # type: ignore[arg-type]

    assert str(error.value) == (
        f"clock.advance(seconds): got {duration!r}. Expected a number of seconds or a "
        "timedelta, finite and >= 0. "
        "See https://pytest-eventgrid.readthedocs.io/en/latest/guide/#the-clock"
    )
    assert clock.now() == 0


def test_listeners_hear_forward_moves_only_until_removed() -> None:
    clock = Clock()
    heard: list[float] = []

    def listener() -> None:
        heard.append(clock.now())

    clock.add_listener(listener)
    clock.advance(10)
    clock.advance(0)
    clock.advance_to(5)
    clock.remove_listener(listener)
    clock.remove_listener(listener)  # unknown listeners are ignored
    clock.advance(10)

    assert heard == [10]


def test_advances_from_several_threads_add_up() -> None:
    clock = Clock()
    start = threading.Barrier(8)

    def advance_many() -> None:
        start.wait()
        for _ in range(1000):
            clock.advance(1)

    threads = [threading.Thread(target=advance_many) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert clock.now() == 8000


# -- ids and tokens --------------------------------------------------------------------


def test_lock_tokens_have_the_services_shape() -> None:
    token = IdGenerator(0).lock_token()

    raw = base64.b64decode(token)
    assert (len(token), len(raw)) == (80, 60)
    assert raw[:4] == b"\x0a\x26\x0a\x24"
    assert raw[40:44] == b"\x12\x12\x0a\x10"
    assert str(uuid.UUID(raw[4:40].decode("ascii"))).upper() == raw[4:40].decode("ascii")
    assert is_decodable_lock_token(token)


@pytest.mark.parametrize("token", [None, 42, "", "x" * 80, "!" * 80])
def test_other_values_are_not_decodable(token: object) -> None:
    assert not is_decodable_lock_token(token)


def test_guids_are_version_4_and_tracking_ids_upper_case() -> None:
    ids = IdGenerator(0)

    guid = ids.guid()
    tracking_id = ids.tracking_id()

    assert uuid.UUID(guid).version == 4
    assert guid == guid.lower()
    assert tracking_id == tracking_id.upper()
    assert uuid.UUID(tracking_id).version == 4


def _sequence(seed: int | str) -> list[str]:
    ids = IdGenerator(seed)
    return [ids.guid(), ids.lock_token(), ids.tracking_id(), ids.lock_token()]


def test_the_same_seed_gives_the_same_ids_and_tokens() -> None:
    assert _sequence(7) == _sequence(7)
    assert _sequence("seed") == _sequence("seed")


def test_another_seed_gives_other_ids_and_tokens() -> None:
    first, second = _sequence(7), _sequence(8)

    assert all(a != b for a, b in zip(first, second, strict=True))


def _received_tokens(seed: int) -> list[str]:
    harness = QueueHarness(seed=seed)
    harness.publish(1, 2, 3)
    return tokens(harness.receive())


def test_a_queue_hands_out_the_same_tokens_for_the_same_seed() -> None:
    assert _received_tokens(1) == _received_tokens(1)
    assert set(_received_tokens(1)).isdisjoint(_received_tokens(2))


def test_tokens_stay_unique_across_threads() -> None:
    ids = IdGenerator(0)
    made: list[list[str]] = []

    def make() -> None:
        made.append([ids.lock_token() for _ in range(2000)])

    threads = [threading.Thread(target=make) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    every = [token for batch in made for token in batch]
    assert len(every) == len(set(every)) == 16000

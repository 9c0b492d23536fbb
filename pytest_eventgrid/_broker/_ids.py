"""Seeded ids and lock tokens shaped like the service's."""

from __future__ import annotations

import base64
import binascii
import random
import threading
import uuid

# A real lock token is base64 of protobuf-like bytes:
#   0A 26 0A 24 <36-char upper-case GUID> 12 12 0A 10 <16 random bytes>
# 60 bytes, so 80 base64 characters with no padding.
_TOKEN_HEAD = b"\x0a\x26\x0a\x24"
_TOKEN_MIDDLE = b"\x12\x12\x0a\x10"
_TOKEN_BYTES = 60


class IdGenerator:
    """Deterministic ids: the same seed gives the same ids, tokens and tracking ids."""

    def __init__(self, seed: int | str = 0) -> None:
        self._random = random.Random(str(seed))
        self._lock = threading.Lock()
        self._partition = self.guid().upper().encode("ascii")

    def guid(self) -> str:
        """A random version-4 UUID, as lower-case text."""
        with self._lock:
            bits = self._random.getrandbits(128)
        return str(uuid.UUID(int=bits, version=4))

    def tracking_id(self) -> str:
        """An upper-case GUID, as the service puts in `error.tracking_id`."""
        return self.guid().upper()

    def lock_token(self) -> str:
        """A fresh lock token in the service's format."""
        with self._lock:
            tail = self._random.randbytes(16)
        raw = _TOKEN_HEAD + self._partition + _TOKEN_MIDDLE + tail
        return base64.b64encode(raw).decode("ascii")


def is_decodable_lock_token(token: object) -> bool:
    """Whether `token` has the shape of a lock token (else the service says BadToken)."""
    if not isinstance(token, str) or len(token) != 80:
        return False
    try:
        raw = base64.b64decode(token, validate=True)
    except (binascii.Error, ValueError):
        return False
    return len(raw) == _TOKEN_BYTES and raw[:4] == _TOKEN_HEAD and raw[40:44] == _TOKEN_MIDDLE

"""Shared access signatures, as `azure.eventgrid.generate_sas` makes them.

A token is `r=<resource>&e=<expiry>&s=<signature>`, each part URL-encoded; the
signature is base64(HMAC-SHA256(base64decode(key), "r=<resource>&e=<expiry>")) over
the encoded text exactly as sent. The key is decoded leniently, as the SDK decodes
it. A token is valid for every resource whose URI starts with the signed one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class SasCheck:
    """The outcome of checking a token: `None` reason means it is valid."""

    reason: str | None = None

    @property
    def valid(self) -> bool:
        return self.reason is None


def _parse_expiry(text: str) -> datetime | None:
    try:
        expiry = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return expiry if expiry.tzinfo else expiry.replace(tzinfo=timezone.utc)


def _resource_covers(resource: str, url: str) -> bool:
    signed = urlsplit(resource)
    requested = urlsplit(url)
    return (signed.hostname or "").lower() == (requested.hostname or "").lower() and (
        requested.path.rstrip("/") + "/"
    ).startswith(signed.path.rstrip("/") + "/")


def check_sas_token(token: str, *, key: str, url: str, now: datetime) -> SasCheck:
    """Whether `token` was signed with `key`, covers `url` and is unexpired at `now`."""
    unsigned, separator, encoded_signature = token.rpartition("&s=")
    fields = dict(part.partition("=")[::2] for part in unsigned.split("&")) if separator else {}
    if "r" not in fields or "e" not in fields:
        return SasCheck("the token is not of the form r=...&e=...&s=...")
    try:
        # As `generate_sas` decodes it: characters outside the alphabet are dropped.
        secret = base64.b64decode(key)
    except (binascii.Error, ValueError):
        return SasCheck("the access key is not valid base64")
    expected = base64.b64encode(
        hmac.new(secret, unsigned.encode("ascii", errors="replace"), hashlib.sha256).digest()
    )
    signature = unquote(encoded_signature).encode("utf-8", errors="replace")
    if not hmac.compare_digest(expected, signature):
        return SasCheck("the signature does not match")
    expiry = _parse_expiry(unquote(fields["e"]))
    if expiry is None:
        return SasCheck("the expiry is not a valid date")
    if expiry <= now:
        return SasCheck(f"the token expired at {expiry.isoformat()}")
    if not _resource_covers(unquote(fields["r"]), url):
        return SasCheck("the token was signed for another resource")
    return SasCheck()

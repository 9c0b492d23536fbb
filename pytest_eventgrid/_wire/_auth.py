"""Checking the credentials a request carries."""

from __future__ import annotations

from ._http import WireRequest


def namespace_key_accepted(request: WireRequest, key: str | None) -> bool:
    """Whether the request may use a namespace whose access key is `key`.

    With no key configured, every request is accepted, as moto does. Otherwise the
    request must carry `Authorization: SharedAccessKey <key>` (or the `aeg-sas-key`
    header); a Bearer token is accepted as it stands, since the fake has no
    Entra ID to check it against.
    """
    if key is None:
        return True
    authorization = request.header("authorization") or ""
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return True
    if scheme.lower() == "sharedaccesskey":
        return value.strip() == key
    return request.header("aeg-sas-key") == key

"""Reading the ``Idempotency-Key`` of an API request: the one parser every view uses
(the mechanism behind it is ``erp.services.idempotency``)."""

import hashlib
import json
from typing import Any, Literal, overload

from rest_framework.request import Request

from erp.api.exceptions import ApiError
from erp.models import IdempotentRequest

HEADER = "Idempotency-Key"
# The longest key the stores keep (``orders.IdempotencyKey.key`` has the same length;
# a test holds them equal).
MAX_KEY_LENGTH: int = IdempotentRequest._meta.get_field("key").max_length  # type: ignore[assignment]


@overload
def parse_idempotency_key(
    request: Request,
    *,
    required: Literal[True],
    missing_detail: str = ...,
    too_long_code: str = ...,
) -> str: ...
@overload
def parse_idempotency_key(
    request: Request,
    *,
    required: bool,
    missing_detail: str = ...,
    too_long_code: str = ...,
) -> str | None: ...
def parse_idempotency_key(
    request: Request,
    *,
    required: bool,
    missing_detail: str = "",
    too_long_code: str = "idempotency_key_invalid",
) -> str | None:
    """The request's ``Idempotency-Key``, stripped; None when it sent none and the
    endpoint does not require one.

    Refused with 400: a missing key where ``required`` (``idempotency_key_required``,
    with ``missing_detail`` saying why the endpoint needs it), a key longer than
    ``MAX_KEY_LENGTH`` (``too_long_code``).
    """
    key = request.headers.get(HEADER, "").strip()
    if not key:
        if required:
            raise ApiError(
                missing_detail or f"Send an {HEADER} header (e.g. a UUID).",
                code="idempotency_key_required",
            )
        return None
    if len(key) > MAX_KEY_LENGTH:
        raise ApiError(
            f"The {HEADER} is longer than {MAX_KEY_LENGTH} characters.", code=too_long_code
        )
    return key


def request_fingerprint(data: Any) -> str:
    """SHA-256 of the parsed body in canonical form: whitespace and key order do not
    make two requests different, any changed value does."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()

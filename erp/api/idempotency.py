"""Helpers for endpoints that take an ``Idempotency-Key``."""

import hashlib
import json
from typing import Any


def request_fingerprint(data: Any) -> str:
    """SHA-256 of the parsed body in canonical form: whitespace and key order do not
    make two requests different, any changed value does."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()

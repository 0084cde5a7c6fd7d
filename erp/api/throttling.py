"""The API's throttles: every one counts by ``erp.client_address`` (the socket's
address unless trusted proxies are configured), never by what a client writes
into ``X-Forwarded-For``, and in the cache all web processes share."""

from typing import Any

from django.core.cache import caches
from rest_framework.throttling import AnonRateThrottle

from erp.client_address import client_address


class ClientAddressThrottleMixin:
    def get_ident(self, request: Any) -> str:
        return client_address(request) or "unknown"


class LoginThrottle(ClientAddressThrottleMixin, AnonRateThrottle):
    """Token login requests per client address (``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    ["login"]``), counted in the cache all web processes share, so N workers allow N
    times nothing. Failed logins also lock the account and the address (django-axes)."""

    scope = "login"
    cache = caches["shared"]

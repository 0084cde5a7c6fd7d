"""Personalised pages must never be served to someone else by a cache.

Prices depend on who is logged in (B2B price lists) and every storefront page
shows the visitor's basket, so HTML and API responses are marked
``Cache-Control: private`` and ``Vary: Cookie, Authorization``. A shared cache
(a CDN, a proxy, Django's cache middleware) then never stores one buyer's
page for another.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers


class PrivateResponses:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if content_type.startswith(
            ("text/html", "application/json", "text/csv", "application/pdf")
        ):
            patch_vary_headers(response, ("Cookie", "Authorization"))
            if "no-store" not in response.get("Cache-Control", ""):
                patch_cache_control(response, private=True)
        return response

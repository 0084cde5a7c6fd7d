"""Every URL the project serves, walked with hostile values: never a 500.

The walker takes every pattern of ``get_resolver()`` (storefront, account,
admin, API, warehouse), fills its path parameters with a bad value, and
requests it with GET and POST as an anonymous visitor, a customer and a
superuser under ``DEBUG=False``. Bad values: text containing NUL (PostgreSQL
refuses NUL in text, psycopg raises before the query is sent), 10,000
characters, and non-numeric text where numbers are expected. Each request runs
inside a savepoint rolled back afterwards, so a request that logs the client
out or deletes something leaves the next one the same database.
"""

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.regex_helper import normalize

from erp import urls as project_urls  # now, while DEBUG has its session value: see below
from tests.factories import UserFactory

NUMERIC = re.compile(r"^\\d[+*]?$|^\[0-9\][+*]?$")


@dataclass(frozen=True)
class Route:
    template: str  # "accounts/orders/%(order_number)s/"
    numeric: frozenset[str]  # parameters only digits match


def _param_regexes(pattern: str) -> dict[str, str]:
    """Name -> inner regex of each named group, nested groups included."""
    found: dict[str, str] = {}
    for match in re.finditer(r"\(\?P<(\w+)>", pattern):
        depth, index = 1, match.end()
        while depth and index < len(pattern):
            if pattern[index] == "\\":
                index += 2
                continue
            depth += {"(": 1, ")": -1}.get(pattern[index], 0)
            index += 1
        found[match.group(1)] = pattern[match.end() : index - 1]
    return found


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for entry in patterns:
        regex = entry.pattern.regex.pattern.lstrip("^")
        if regex.endswith("$") and not regex.endswith("\\$"):
            regex = regex[:-1]
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + regex)
        elif isinstance(entry, URLPattern):
            yield prefix + regex


def all_routes() -> list[Route]:
    routes: dict[str, Route] = {}
    for regex in _walk(get_resolver().url_patterns):
        params = _param_regexes(regex)
        numeric = frozenset(name for name, inner in params.items() if NUMERIC.match(inner))
        for template, _names in normalize(regex):
            routes.setdefault(template, Route(template, numeric))
    return sorted(routes.values(), key=lambda route: route.template)


def url_for(route: Route, text: str, number: str) -> str:
    names = re.findall(r"%\((\w+)\)s", route.template)
    values = {name: (number if name in route.numeric else text) for name in names}
    return "/" + quote(route.template % values, safe="/")


@dataclass(frozen=True)
class Hostile:
    name: str
    text: str  # what text parameters and form fields get
    number: str  # what numeric parameters get
    query: dict[str, str]


NUL = Hostile("NUL in path", "1\x00x", "1", {})
NUL_QUERY = Hostile("NUL in query", "1", "1", {"q": "\x00", "status": "\x00"})
LONG = Hostile("10,000 characters", "9" * 10_000, "9" * 10_000, {"q": "x" * 10_000})
# short enough to pass the 4096-character address limit and reach the views
LONGISH = Hostile("1,000 characters", "9" * 1_000, "9" * 1_000, {"q": "x" * 1_000})
NON_NUMERIC = Hostile(
    "non-numeric", "abc", "abc", {"page": "abc", "status": "abc", "q": "abc", "sort_by": "abc"}
)


def _request(client: Client, method: str, url: str, hostile: Hostile) -> int:
    cookies = copy.deepcopy(client.cookies)
    savepoint = transaction.savepoint()
    try:
        if method == "GET":
            response = client.get(url, hostile.query)
        else:
            form = {"q": hostile.text, "status": hostile.text, "number": hostile.text}
            response = client.post(url + "?" + urlencode(hostile.query), form)
    finally:
        transaction.savepoint_rollback(savepoint)
        client.cookies = cookies
    return response.status_code


def _walk_as(client: Client, hostile: Hostile) -> list[str]:
    failures = []
    for route in all_routes():
        url = url_for(route, hostile.text, hostile.number)
        for method in ("GET", "POST"):
            status = _request(client, method, url, hostile)
            if status >= 500:
                failures.append(f"{status} {method} {url[:120]}")
    return failures


def _still_logged_in(client: Client) -> bool:
    """The walk (logout URLs included) left the client as it found it."""
    return client.session.get("_auth_user_id") is not None


@pytest.fixture
def clients(settings: Any, db: None) -> dict[str, Client]:
    settings.DEBUG = False
    anonymous = Client(raise_request_exception=False)
    customer = Client(raise_request_exception=False)
    customer.force_login(UserFactory(username="walker-customer"))
    superuser = Client(raise_request_exception=False)
    superuser.force_login(UserFactory(username="walker-admin", is_staff=True, is_superuser=True))
    return {"anonymous": anonymous, "customer": customer, "superuser": superuser}


def test_the_walker_finds_the_storefront_account_admin_and_api_urls() -> None:
    templates = {route.template for route in all_routes()}

    assert "accounts/orders/%(order_number)s/" in templates
    assert "api/v1/invoices/%(number)s/" in templates
    assert "admin/order/order/%(object_id)s/change/" in templates
    assert "catalogue/%(product_slug)s_%(pk)s/" in templates
    assert len(templates) > 400
    # the development media server is in the walk when this session serves media
    # (erp.urls mounts it at import, imported above while DEBUG still has the
    # environment's value: the test session turns DEBUG off later)
    assert ("media/%(path)s" in templates) is bool(project_urls.settings.SERVE_MEDIA)


@pytest.mark.parametrize("who", ["anonymous", "customer", "superuser"])
@pytest.mark.parametrize("hostile", [NUL, NUL_QUERY], ids=lambda hostile: hostile.name)
def test_no_url_answers_500_to_a_nul_byte(
    clients: dict[str, Client], who: str, hostile: Hostile
) -> None:
    assert _walk_as(clients[who], hostile) == []
    assert _still_logged_in(clients[who]) is (who != "anonymous")


@pytest.mark.parametrize("who", ["anonymous", "customer", "superuser"])
@pytest.mark.parametrize("hostile", [LONG, LONGISH, NON_NUMERIC], ids=lambda hostile: hostile.name)
def test_no_url_answers_500_to_over_long_or_non_numeric_values(
    clients: dict[str, Client], who: str, hostile: Hostile
) -> None:
    assert _walk_as(clients[who], hostile) == []
    assert _still_logged_in(clients[who]) is (who != "anonymous")

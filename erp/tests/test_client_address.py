"""One client address for every throttle and lockout (erp.client_address): the
socket's, unless TRUSTED_PROXY_COUNT proxies say otherwise; a client never picks
its own by sending X-Forwarded-For."""

import pytest
from axes.models import AccessAttempt
from django.core.cache import caches
from django.test import Client, RequestFactory
from rest_framework.request import Request
from rest_framework.test import APIClient
from rest_framework.throttling import BaseThrottle

from erp.api.throttling import LoginThrottle
from erp.client_address import client_address
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
PASSWORD = "correct-horse-battery"  # UserFactory's


@pytest.fixture(autouse=True)
def _quick_hashes_and_fresh_counts(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    caches["shared"].clear()
    yield
    caches["shared"].clear()


def request_from(remote: str, forwarded: str | None = None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


def test_with_no_trusted_proxy_a_forwarded_for_header_changes_nothing(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    addresses = {
        client_address(request_from("203.0.113.7", forwarded))
        for forwarded in (None, "198.51.100.1", "198.51.100.2, 10.0.0.1", "garbage")
    }

    assert addresses == {"203.0.113.7"}


def test_with_one_trusted_proxy_the_right_most_forwarded_address_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    # the client wrote "1.1.1.1" itself; our proxy appended what it saw
    address = client_address(request_from("10.0.0.2", "1.1.1.1, 198.51.100.9"))

    assert address == "198.51.100.9"


def test_with_two_trusted_proxies_the_second_address_from_the_right_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 2

    address = client_address(request_from("10.0.0.3", "1.1.1.1, 198.51.100.9, 10.0.0.2"))

    assert address == "198.51.100.9"


@pytest.mark.parametrize("forwarded", [None, "", "198.51.100.9"])
def test_a_request_that_did_not_pass_every_trusted_proxy_counts_by_its_socket(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 2

    assert client_address(request_from("203.0.113.7", forwarded)) == "203.0.113.7"


@pytest.mark.parametrize("entry", ["unknown", "<script>", "999.1.1.1", "_hidden"])
def test_a_forwarded_entry_that_is_not_an_address_counts_by_the_socket(settings, entry):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_address(request_from("203.0.113.7", f"1.1.1.1, {entry}")) == "203.0.113.7"


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("198.51.100.9:51234", "198.51.100.9"),
        ("[2001:db8::1]:443", "2001:db8::"),
        ("::ffff:198.51.100.9", "198.51.100.9"),
    ],
)
def test_ports_brackets_and_mapped_ipv4_are_read_as_the_address(settings, entry, expected):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_address(request_from("10.0.0.2", entry)) == expected


def test_ipv6_clients_count_by_their_64_network_so_rotating_addresses_does_not_help():
    first = client_address(request_from("2001:db8:1:2:aaaa::1"))
    second = client_address(request_from("2001:db8:1:2:bbbb:cccc:dddd:eeee"))
    neighbour = client_address(request_from("2001:db8:1:3::1"))

    assert (first, second, neighbour) == ("2001:db8:1:2::", "2001:db8:1:2::", "2001:db8:1:3::")


def test_no_socket_address_is_none():
    request = RequestFactory().get("/")
    del request.META["REMOTE_ADDR"]

    assert client_address(request) is None


def test_drf_throttles_without_our_get_ident_follow_the_same_setting(settings):
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.TRUSTED_PROXY_COUNT == 0
    request = Request(request_from("203.0.113.7", "198.51.100.1"))

    assert BaseThrottle().get_ident(request) == "203.0.113.7"
    assert LoginThrottle().get_ident(request) == "203.0.113.7"


def test_a_new_forwarded_for_on_every_api_login_does_not_escape_the_throttle():
    UserFactory(username="erika")
    api = APIClient(REMOTE_ADDR="203.0.113.7")
    allowed = LoginThrottle().num_requests
    assert allowed is not None
    for attempt in range(allowed):
        response = api.post(
            TOKEN,
            {"username": "erika", "password": PASSWORD},
            format="json",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}",
        )
        assert response.status_code == 200

    refused = api.post(
        TOKEN,
        {"username": "erika", "password": PASSWORD},
        format="json",
        HTTP_X_FORWARDED_FOR="198.51.100.250",
    )

    assert (refused.status_code, refused.json()["code"]) == (429, "throttled")


def test_behind_one_trusted_proxy_api_clients_are_throttled_each_by_its_own_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="erika")
    proxy = APIClient(REMOTE_ADDR="10.0.0.2")  # every request arrives from our proxy
    allowed = LoginThrottle().num_requests
    assert allowed is not None

    def login(client_seen_by_proxy: str) -> int:
        return proxy.post(
            TOKEN,
            {"username": "erika", "password": PASSWORD},
            format="json",
            HTTP_X_FORWARDED_FOR=client_seen_by_proxy,
        ).status_code

    statuses = [login("198.51.100.1") for _ in range(allowed + 1)]

    assert statuses == [200] * allowed + [429]
    assert login("198.51.100.2") == 200


def test_the_login_lockout_records_the_socket_address_not_a_spoofed_one():
    UserFactory(username="erika", email="erika@example.com")
    client = Client(REMOTE_ADDR="203.0.113.7")

    for attempt in range(3):
        client.post(
            "/accounts/login/",
            {
                "login-username": "erika@example.com",
                "login-password": "guess",
                "login_submit": "1",
            },
            HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}",
        )

    assert list(AccessAttempt.objects.values_list("ip_address", "failures_since_start")) == [
        ("203.0.113.7", 3)
    ]

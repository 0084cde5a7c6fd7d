"""The anonymous order-status lookup (number + e-mail) is throttled and opens only
guests' orders; a registered customer's order needs its owner logged in or the
signed link every confirmation e-mail carries (orders.status_links)."""

import re
from decimal import Decimal

import pytest
from django.contrib.sites.models import Site
from django.core import mail
from django.core.cache import caches
from django.test import Client
from oscar.core.loading import get_class

from orders.status_links import order_status_path, order_status_url
from tests.factories import ProductFactory, UserFactory, place_order

pytestmark = pytest.mark.django_db

OrderDispatcher = get_class("order.utils", "OrderDispatcher")

LOOKUP = "/order-status/"
PASSWORD = "correct-horse-battery"  # UserFactory's
ACCOUNT_ORDER = (
    "This order belongs to a customer account: log in to see it, or open the link "
    "in the order confirmation e-mail."
)
TOO_MANY = "Too many order look-ups; please try again in"
STREET = "Heidestraße 17"  # tests.factories.shipping_address


@pytest.fixture(autouse=True)
def _quick_hashes_and_fresh_counts(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    caches["shared"].clear()
    yield
    caches["shared"].clear()


@pytest.fixture
def erika():
    return UserFactory(username="erika", email="erika@example.com")


@pytest.fixture
def tent():
    return ProductFactory(title="Granite Tent", listing=Decimal("100.00"), stock=20)


def look_up(client: Client, number: str, email: str, **extra):
    return client.post(LOOKUP, {"order_number": number, "email": email}, **extra)


def shows_the_order(response, order) -> bool:
    body = response.content.decode()
    return "Granite Tent" in body or order.shipping_address.line1 in body


def test_a_registered_customers_order_is_not_shown_for_number_and_email(erika, tent):
    order = place_order([(tent, 1)], user=erika)
    client = Client()

    response = look_up(client, order.number, "ERIKA@example.com")

    detail = f"/accounts/orders/{order.number}/"
    assert (response.status_code, response["Location"]) == (
        302,
        f"/accounts/login/?next={detail}",
    )
    login_page = client.get(response["Location"])
    assert ACCOUNT_ORDER in login_page.content.decode()
    assert not shows_the_order(login_page, order)
    assert "anon_order_email" not in client.session
    assert client.get(order_status_path(order)).status_code == 302  # the form, no order


def test_after_logging_in_the_owner_lands_on_the_order(erika, tent):
    order = place_order([(tent, 1)], user=erika)
    client = Client()
    detail = f"/accounts/orders/{order.number}/"
    look_up(client, order.number, "erika@example.com")

    response = client.post(
        f"/accounts/login/?next={detail}",
        {
            "login-username": "erika@example.com",
            "login-password": PASSWORD,
            "login-redirect_url": detail,
            "login_submit": "1",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == detail
    assert shows_the_order(response, order)


def test_the_owner_logged_in_goes_straight_to_the_order(erika, tent):
    order = place_order([(tent, 1)], user=erika)
    client = Client()
    client.force_login(erika)

    response = look_up(client, order.number, "erika@example.com")

    assert response["Location"] == f"/accounts/orders/{order.number}/"


def test_another_logged_in_customer_is_told_to_log_in_as_the_owner(erika, tent):
    order = place_order([(tent, 1)], user=erika)
    client = Client()
    client.force_login(UserFactory(username="mallory"))

    response = look_up(client, order.number, "erika@example.com")

    assert response.status_code == 200
    assert "This order belongs to another customer account" in response.content.decode()
    assert not shows_the_order(response, order)


def test_the_signed_link_opens_a_registered_customers_order_with_the_email(erika, tent):
    order = place_order([(tent, 1)], user=erika)
    client = Client()
    link = order_status_path(order)

    asked = client.get(link)
    answered = client.post(asked["Location"], {"email": "erika@example.com"})
    page = client.get(answered["Location"])

    assert answered["Location"] == link
    assert page.status_code == 200
    assert shows_the_order(page, order)


def test_a_guest_still_finds_the_order_by_number_and_email(tent):
    order = place_order([(tent, 1)])  # guest@example.com
    client = Client()

    response = look_up(client, order.number, "Guest@Example.com")

    assert response["Location"] == order_status_path(order)
    assert shows_the_order(client.get(response["Location"]), order)


def test_lookups_are_refused_after_the_limit_per_client_address(settings, tent):
    assert settings.ORDER_LOOKUP_RATE == "10/hour"
    order = place_order([(tent, 1)])
    client = Client(REMOTE_ADDR="203.0.113.7")
    for number in range(10):
        assert look_up(client, f"999{number}", f"someone{number}@example.com").status_code == 200

    response = look_up(client, order.number, "guest@example.com")  # even the right pair

    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert not shows_the_order(response, order)
    assert "anon_order_email" not in client.session


def test_lookups_are_refused_after_the_limit_per_email_from_any_address(tent):
    order = place_order([(tent, 1)])
    for number in range(10):  # guessing numbers for one known address, from many addresses
        look_up(Client(REMOTE_ADDR=f"198.51.100.{number}"), f"999{number}", "guest@example.com")

    response = look_up(Client(REMOTE_ADDR="203.0.113.7"), order.number, "GUEST@example.com")

    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()


def test_a_spoofed_forwarded_for_does_not_escape_the_lookup_limit(tent):
    client = Client(REMOTE_ADDR="203.0.113.7")
    statuses = [
        look_up(
            client,
            f"999{number}",
            f"someone{number}@example.com",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{number}",
        ).status_code
        for number in range(11)
    ]

    assert statuses == [200] * 10 + [429]


def test_the_status_link_is_absolute_on_the_sites_domain(settings, tent):
    Site.objects.filter(pk=settings.SITE_ID).update(domain="shop.example.com")
    Site.objects.clear_cache()
    order = place_order([(tent, 1)])

    url = order_status_url(order)

    assert url == (
        f"{settings.OSCAR_URL_SCHEMA}://shop.example.com/accounts/order-status/"
        f"{order.number}/{order.verification_hash()}/"
    )
    assert order.check_verification_hash(url.rstrip("/").rsplit("/", 1)[1])


@pytest.mark.parametrize("registered", [False, True])
def test_the_confirmation_email_carries_the_signed_link_for_every_order(erika, tent, registered):
    order = place_order([(tent, 1)], user=erika if registered else None)

    OrderDispatcher().send_order_placed_email_for_user(order, {"order": order, "lines": []})

    [message] = mail.outbox
    link = order_status_url(order)
    assert link in message.body
    html = message.alternatives[0][0]
    assert f'href="{link}"' in html
    assert ("log in to your account" in message.body) is registered
    assert len(re.findall(r"/accounts/order-status/", message.body)) == 1

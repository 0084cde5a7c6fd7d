"""A carrier's tracking link is an http(s) link to the carrier's host, or nothing:
refused when staff save it, and never shown, mailed or returned by the API when a
bad one is already stored."""

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.test import Client

from erp.permissions import SYSTEM
from orders.models import Carrier, Shipment, validate_tracking_url_pattern
from orders.services import shipment_pack, shipment_ship
from tests.api.conftest import client_for
from tests.factories import (
    ProductFactory,
    StaffFactory,
    UserFactory,
    WarehouseFactory,
    place_order,
)

pytestmark = pytest.mark.django_db

SCRIPT_PATTERN = "javascript:alert(document.cookie)//{tracking_number}"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def shipped_order(customer, carrier_code: str = "dhl", tracking_number: str = "00340434161"):
    order = place_order([(ProductFactory(stock=5), 1)], user=customer)
    shipment = shipment_pack(
        user=SYSTEM,
        order=order,
        warehouse=WarehouseFactory(code="MAIN"),
        quantities={line.pk: line.quantity for line in order.lines.all()},
    )
    shipment_ship(
        user=SYSTEM,
        shipment=shipment,
        carrier=Carrier.objects.get(code=carrier_code),
        tracking_number=tracking_number,
    )
    return order, Shipment.objects.select_related("carrier").get(pk=shipment.pk)


def carrier_form(pattern: str) -> dict[str, str]:
    return {
        "code": "swift",
        "name": "Swift Parcel",
        "tracking_url_pattern": pattern,
        "is_active": "on",
    }


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (SCRIPT_PATTERN, "The tracking link must start with http:// or https://."),
        ("JavaScript:alert(1)", "The tracking link must start with http:// or https://."),
        (
            "data:text/html,{tracking_number}",
            "The tracking link must start with http:// or https://.",
        ),
        (
            " https://swift.example/t/{tracking_number}",
            "The tracking link may not contain spaces or control characters.",
        ),
        (
            "java\tscript:alert(1)//{tracking_number}",
            "The tracking link may not contain spaces or control characters.",
        ),
        (
            "https://swift.example/track",
            "The tracking link must contain {tracking_number} where the number goes.",
        ),
        (
            "https://{tracking_number}.swift.example/",
            "The tracking link must name the carrier's host, e.g. "
            "https://carrier.example/track?number={tracking_number}.",
        ),
        (
            "https://evil.example@swift.example/{tracking_number}",
            "The tracking link must name the carrier's host, e.g. "
            "https://carrier.example/track?number={tracking_number}.",
        ),
        (
            "https:///{tracking_number}",
            "The tracking link must name the carrier's host, e.g. "
            "https://carrier.example/track?number={tracking_number}.",
        ),
    ],
)
def test_carrier_clean_refuses_a_pattern_that_is_not_an_http_link_with_the_placeholder(
    pattern, message
):
    carrier = Carrier(code="swift", name="Swift Parcel", tracking_url_pattern=pattern)

    with pytest.raises(ValidationError) as refused:
        carrier.full_clean()

    assert refused.value.message_dict == {"tracking_url_pattern": [message]}


@pytest.mark.parametrize(
    "pattern",
    [
        "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={tracking_number}",
        "http://tracking.swift.example/parcel/{tracking_number}",
        "HTTPS://WWW.ROYALMAIL.COM/track-your-item#/tracking-results/{tracking_number}",
    ],
)
def test_http_and_https_patterns_with_the_placeholder_are_valid(pattern):
    Carrier(code="swift", name="Swift Parcel", tracking_url_pattern=pattern).full_clean()

    assert Carrier(tracking_url_pattern=pattern).tracking_url("123").endswith("123")


def test_every_carrier_the_installation_seeds_has_a_valid_pattern():
    patterns = list(Carrier.objects.values_list("tracking_url_pattern", flat=True))

    assert len(patterns) == 5
    for pattern in patterns:
        validate_tracking_url_pattern(pattern)


def test_the_carrier_admin_form_refuses_a_javascript_pattern_and_saves_nothing():
    admin_user = StaffFactory(username="root", is_superuser=True)

    response = logged_in(admin_user).post("/admin/order/carrier/add/", carrier_form(SCRIPT_PATTERN))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "tracking_url_pattern": ["The tracking link must start with http:// or https://."]
    }
    assert not Carrier.objects.filter(code="swift").exists()


def test_the_carrier_admin_form_saves_an_https_pattern():
    admin_user = StaffFactory(username="root", is_superuser=True)

    response = logged_in(admin_user).post(
        "/admin/order/carrier/add/", carrier_form("https://swift.example/t/{tracking_number}")
    )

    assert response.status_code == 302
    assert Carrier.objects.get(code="swift").tracking_url_pattern == (
        "https://swift.example/t/{tracking_number}"
    )


def test_the_tracking_number_is_url_quoted_into_the_pattern():
    carrier = Carrier(tracking_url_pattern="https://swift.example/track?number={tracking_number}")

    assert carrier.tracking_url("A1/B2?x=1#top &c") == (
        "https://swift.example/track?number=A1%2FB2%3Fx%3D1%23top%20%26c"
    )


def test_a_stored_javascript_pattern_builds_no_link():
    carrier = Carrier(tracking_url_pattern=SCRIPT_PATTERN)

    assert carrier.tracking_url("00340434161") == ""


def test_the_api_returns_no_tracking_url_for_a_stored_javascript_pattern():
    customer = UserFactory()
    order, _ = shipped_order(customer)
    Carrier.objects.filter(code="dhl").update(tracking_url_pattern=SCRIPT_PATTERN)

    seen = client_for(customer).get(f"/api/v1/orders/{order.number}/").json()

    assert [(s["tracking_number"], s["tracking_url"]) for s in seen["shipments"]] == [
        ("00340434161", "")
    ]


def test_the_account_page_shows_the_number_without_a_link_for_a_stored_javascript_pattern():
    customer = UserFactory()
    order, _ = shipped_order(customer)
    Carrier.objects.filter(code="dhl").update(tracking_url_pattern=SCRIPT_PATTERN)

    response = logged_in(customer).get(f"/accounts/orders/{order.number}/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "javascript:" not in body
    assert 'class="tracking-link"' not in body
    assert "00340434161" in body


def test_the_back_office_order_pages_show_no_link_for_a_stored_javascript_pattern():
    customer = UserFactory()
    order, _ = shipped_order(customer)
    Carrier.objects.filter(code="dhl").update(tracking_url_pattern=SCRIPT_PATTERN)
    admin_client = logged_in(StaffFactory(username="root", is_superuser=True))

    change = admin_client.get(f"/admin/order/order/{order.pk}/change/")
    fulfil = admin_client.get(f"/admin/order/order/{order.pk}/fulfil/")

    assert (change.status_code, fulfil.status_code) == (200, 200)
    assert "javascript:" not in change.content.decode()
    assert "javascript:" not in fulfil.content.decode()


def test_the_shipping_email_has_no_link_for_a_stored_javascript_pattern():
    customer = UserFactory(email="erika@example.com")
    order, shipment = shipped_order(customer)
    Carrier.objects.filter(code="dhl").update(tracking_url_pattern=SCRIPT_PATTERN)
    shipment.carrier.refresh_from_db()
    context = {"order": order, "shipment": shipment, "lines": [], "shop_name": "Kontor"}

    text = render_to_string("orders/email/shipped.txt", context)
    html = render_to_string("orders/email/shipped.html", context)

    assert "javascript:" not in text + html
    assert "Track your parcel" not in text + html
    assert "Tracking number: 00340434161" in text
    assert "Tracking number 00340434161" in html

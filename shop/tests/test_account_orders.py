"""Customer self-service: order tracking, cancel, returns, and the guest order lookup."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from oscar.core.loading import get_model

from erp.permissions import SYSTEM
from inventory import selectors as stock
from orders import statuses
from orders.models import Carrier, ReturnLine, ReturnRequest
from orders.services import order_start_picking, shipment_pack, shipment_ship
from shop.account.selectors import PLACED
from tests.factories import ProductFactory, UserFactory, WarehouseFactory, place_order

Order = get_model("order", "Order")
pytestmark = pytest.mark.django_db

DHL_TRACKING = (
    "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode=00340434161"
)
NOT_FOUND = "We could not find an order with that number and e-mail address."


@pytest.fixture
def customer():
    return UserFactory(username="erika", email="erika@example.com")


@pytest.fixture
def tent():
    return ProductFactory(title="Granite Tent", listing=Decimal("100.00"), stock=5)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ship(order, tracking_number="00340434161"):
    warehouse = WarehouseFactory(code="MAIN")
    shipment = shipment_pack(
        user=SYSTEM,
        order=order,
        warehouse=warehouse,
        quantities={line.pk: line.quantity for line in order.lines.all()},
    )
    shipment_ship(
        user=SYSTEM,
        shipment=shipment,
        carrier=Carrier.objects.get(code="dhl"),
        tracking_number=tracking_number,
    )
    order.refresh_from_db()
    return order


def test_order_page_shows_timeline_parcel_and_tracking_link(customer, tent):
    order = ship(place_order([(tent, 2)], user=customer))

    response = logged_in(customer).get(f"/accounts/orders/{order.number}/")

    assert response.status_code == 200
    timeline = [(step.label, step.is_reached) for step in response.context["tracking"].timeline]
    assert timeline == [
        (PLACED, True),
        (statuses.READY, True),
        (statuses.PICKING, True),
        (statuses.PACKED, True),
        (statuses.SHIPPED, True),
        (statuses.DELIVERED, False),
    ]
    body = response.content.decode()
    assert (
        f'<a class="tracking-link" href="{DHL_TRACKING}" target="_blank" '
        'rel="noopener noreferrer">00340434161</a>'
    ) in body
    assert "2 × Granite Tent" in body
    assert 'id="return_items_link"' in body
    assert 'id="cancel_order_form"' not in body


def test_owner_cancels_an_order_and_its_stock_is_released(customer, tent):
    order = place_order([(tent, 2)], user=customer)
    assert stock.available_to_promise([tent.pk]) == {tent.pk: 3}
    client = logged_in(customer)
    assert (
        'id="cancel_order_form"' in client.get(f"/accounts/orders/{order.number}/").content.decode()
    )

    response = client.post(f"/accounts/orders/{order.number}/cancel/", follow=True)

    assert response.redirect_chain == [(f"/accounts/orders/{order.number}/", 302)]
    order.refresh_from_db()
    assert order.status == statuses.CANCELLED
    assert stock.available_to_promise([tent.pk]) == {tent.pk: 5}
    body = response.content.decode()
    assert f"Order {order.number} has been cancelled." in body
    assert 'id="cancel_order_form"' not in body
    timeline = [step.label for step in response.context["tracking"].timeline]
    assert timeline == [PLACED, statuses.READY, statuses.CANCELLED]


def test_cancel_after_picking_started_is_refused_and_changes_nothing(customer, tent):
    order = place_order([(tent, 2)], user=customer)
    order_start_picking(user=SYSTEM, order=order)

    response = logged_in(customer).post(f"/accounts/orders/{order.number}/cancel/", follow=True)

    order.refresh_from_db()
    assert order.status == statuses.PICKING
    assert stock.available_to_promise([tent.pk]) == {tent.pk: 3}
    assert (
        f"Order {order.number} is already “Picking” and can no longer be cancelled online. "
        "Please contact us."
    ) in response.content.decode()


def test_cancel_is_post_only(customer, tent):
    order = place_order([(tent, 1)], user=customer)

    response = logged_in(customer).get(f"/accounts/orders/{order.number}/cancel/")

    assert response.status_code == 405
    order.refresh_from_db()
    assert order.status == statuses.READY


def test_return_form_lists_returnable_lines_and_creates_the_request(customer, tent):
    order = ship(place_order([(tent, 2)], user=customer))
    client = logged_in(customer)
    line = order.lines.get()

    form = client.get(f"/accounts/orders/{order.number}/return/")
    assert form.status_code == 200
    assert f'name="quantity_{line.pk}"' in form.content.decode()
    assert 'max="2"' in form.content.decode()

    response = client.post(
        f"/accounts/orders/{order.number}/return/",
        {f"quantity_{line.pk}": "1", f"reason_{line.pk}": "damaged", f"note_{line.pk}": "torn"},
        follow=True,
    )

    assert response.redirect_chain == [(f"/accounts/orders/{order.number}/", 302)]
    request = ReturnRequest.objects.get(order=order)
    assert list(request.lines.values_list("order_line_id", "quantity", "reason", "note")) == [
        (line.pk, 1, "damaged", "torn")
    ]
    order.refresh_from_db()
    assert order.status == statuses.RETURN_REQUESTED
    body = response.content.decode()
    assert (
        f"We have received your return request {request.number} for order {order.number}. "
        "We will e-mail you how to send the items back." in body
    )
    assert f"Return {request.number}:" in body
    assert "1 × Granite Tent (Arrived damaged: torn)" in body


@pytest.mark.parametrize(
    ("quantity", "reason", "message"),
    [
        ("3", "damaged", "You can return at most 2 of “Granite Tent”."),
        ("0", "damaged", "Choose at least one item and how many to return."),
        ("1", "", "Choose a reason for returning “Granite Tent”."),
        ("-1", "damaged", "Ensure this value is greater than or equal to 0."),
    ],
)
def test_bad_return_is_refused_with_the_message_and_creates_nothing(
    customer, tent, quantity, reason, message
):
    order = ship(place_order([(tent, 2)], user=customer))
    line = order.lines.get()

    response = logged_in(customer).post(
        f"/accounts/orders/{order.number}/return/",
        {f"quantity_{line.pk}": quantity, f"reason_{line.pk}": reason},
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ReturnRequest.objects.exists()
    assert not ReturnLine.objects.exists()
    order.refresh_from_db()
    assert order.status == statuses.SHIPPED


def test_return_page_of_an_unshipped_order_sends_back_to_the_order(customer, tent):
    order = place_order([(tent, 1)], user=customer)

    response = logged_in(customer).get(f"/accounts/orders/{order.number}/return/", follow=True)

    assert response.redirect_chain == [(f"/accounts/orders/{order.number}/", 302)]
    assert (
        f"Order {order.number} has not shipped yet; nothing can be returned yet."
        in response.content.decode()
    )


def test_another_customer_gets_404_everywhere_and_cannot_cancel(customer, tent):
    order = place_order([(tent, 1)], user=customer)
    shipped = ship(place_order([(tent, 1)], user=customer))
    stranger = logged_in(UserFactory(username="mallory"))

    assert stranger.get(f"/accounts/orders/{order.number}/").status_code == 404
    assert stranger.post(f"/accounts/orders/{order.number}/cancel/").status_code == 404
    assert stranger.get(f"/accounts/orders/{shipped.number}/return/").status_code == 404
    line = shipped.lines.get()
    returned = stranger.post(
        f"/accounts/orders/{shipped.number}/return/",
        {f"quantity_{line.pk}": "1", f"reason_{line.pk}": "damaged"},
    )
    assert returned.status_code == 404

    order.refresh_from_db()
    assert order.status == statuses.READY
    assert stock.available_to_promise([tent.pk]) == {tent.pk: 3}
    assert not ReturnRequest.objects.exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/accounts/orders/{number}/"),
        ("post", "/accounts/orders/{number}/cancel/"),
        ("get", "/accounts/orders/{number}/return/"),
        ("post", "/accounts/orders/{number}/return/"),
    ],
)
def test_anonymous_visitors_are_sent_to_login(customer, tent, method, path):
    order = place_order([(tent, 1)], user=customer)
    url = path.format(number=order.number)

    response = getattr(Client(), method)(url)

    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={url}")
    order.refresh_from_db()
    assert order.status == statuses.READY


def test_guest_finds_the_order_by_number_and_email_and_sees_tracking(tent):
    order = ship(place_order([(tent, 1)]))  # guest@example.com
    client = Client()
    storefront = client.get("/catalogue/").content.decode()
    assert 'id="order_status_link" href="/order-status/"' in storefront
    assert 'id="footer_order_status" href="/order-status/"' in storefront
    assert client.get("/order-status/").status_code == 200

    response = client.post(
        "/order-status/", {"order_number": order.number, "email": "Guest@Example.COM"}
    )

    status_url = f"/accounts/order-status/{order.number}/{order.verification_hash()}/"
    assert (response.status_code, response["Location"]) == (302, status_url)
    page = client.get(status_url)
    assert page.status_code == 200
    body = page.content.decode()
    assert f'href="{DHL_TRACKING}"' in body
    assert "1 × Granite Tent" in body
    assert [step.label for step in page.context["tracking"].timeline][-2:] == [
        statuses.SHIPPED,
        statuses.DELIVERED,
    ]


@pytest.mark.parametrize(
    ("number", "email"),
    [("right", "someone@example.com"), ("100999", "guest@example.com"), ("right", "")],
)
def test_lookup_with_a_wrong_number_or_email_shows_one_generic_message(tent, number, email):
    order = place_order([(tent, 1)])
    client = Client()

    response = client.post(
        "/order-status/",
        {"order_number": order.number if number == "right" else number, "email": email},
    )

    assert response.status_code == 200
    body = response.content.decode()
    if email:
        assert NOT_FOUND in body
    else:
        assert NOT_FOUND not in body
        assert "This field is required." in body
    assert "anon_order_email" not in client.session


def test_status_link_without_the_email_asks_for_it(tent):
    order = place_order([(tent, 1)])
    client = Client()
    status_url = f"/accounts/order-status/{order.number}/{order.verification_hash()}/"

    first = client.get(status_url)
    form_url = f"/accounts/order-status-form/{order.number}/{order.verification_hash()}/"
    assert (first.status_code, first["Location"]) == (302, form_url)
    answered = client.post(form_url, {"email": "GUEST@example.com"})

    assert (answered.status_code, answered["Location"]) == (302, status_url)
    assert client.get(status_url).status_code == 200
    forged = f"/accounts/order-status/{order.number}/{order.number}:forged/"
    assert client.get(forged).status_code == 302


def test_order_page_costs_the_same_queries_for_one_parcel_as_for_three(customer):
    products = [ProductFactory(stock=5) for _ in range(3)]
    one_parcel = ship(place_order([(product, 1) for product in products], user=customer))
    three_parcels = place_order([(product, 1) for product in products], user=customer)
    for index, line in enumerate(three_parcels.lines.order_by("pk")):
        shipment = shipment_pack(
            user=SYSTEM,
            order=three_parcels,
            warehouse=WarehouseFactory(code="MAIN"),
            quantities={line.pk: 1},
        )
        shipment_ship(
            user=SYSTEM,
            shipment=shipment,
            carrier=Carrier.objects.get(code="dhl"),
            tracking_number=f"T{index}",
        )
    client = logged_in(customer)
    client.get(f"/accounts/orders/{one_parcel.number}/")  # warm the session and caches

    with CaptureQueriesContext(connection) as one:
        client.get(f"/accounts/orders/{one_parcel.number}/")
    with CaptureQueriesContext(connection) as three:
        response = client.get(f"/accounts/orders/{three_parcels.number}/")

    assert response.content.decode().count('class="tracking-link"') == 3
    assert len(three.captured_queries) == len(one.captured_queries)

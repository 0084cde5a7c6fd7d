"""A placed order is a posted document: no admin, API call or UPDATE changes
its lines, prices, totals, customer or addresses; corrections are services
that leave a trail, and ``orders_audit`` finds an order that disagrees with
its allocations, parcels and invoices."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client
from oscar.core.loading import get_model

from erp.permissions import SYSTEM, PermissionRefused
from inventory.models import Allocation
from orders import statuses
from orders.models import Carrier, ShipmentLine
from orders.services import (
    OrderError,
    order_cancel,
    order_shipping_address_correct,
    return_authorise,
    return_receive,
    return_request_create,
    shipment_pack,
    shipment_ship,
)
from orders.services.returns import ReturnItem
from tests.api.conftest import client_for
from tests.factories import ProductFactory, StaffFactory, UserFactory, WarehouseFactory, place_order

Order = get_model("order", "Order")
Line = get_model("order", "Line")
LinePrice = get_model("order", "LinePrice")
ShippingAddress = get_model("order", "ShippingAddress")
BillingAddress = get_model("order", "BillingAddress")
OrderNote = get_model("order", "OrderNote")
InvoiceLine = get_model("accounting", "InvoiceLine")
pytestmark = pytest.mark.django_db


@pytest.fixture
def berlin():
    return WarehouseFactory(code="BER-1", priority=1)


@pytest.fixture
def stove(berlin):
    from inventory.services import stock_receive

    product = ProductFactory(title="Camp Stove", listing=Decimal("188.95"))
    stock_receive(
        user=SYSTEM, product=product, warehouse=berlin, quantity=20, unit_cost=Decimal("60")
    )
    return product


def ship(order, warehouse, units=None, tracking="JJD1"):
    line = order.lines.get()
    shipment = shipment_pack(
        user=SYSTEM, order=order, warehouse=warehouse, quantities={line.pk: units or line.quantity}
    )
    return shipment_ship(
        user=SYSTEM,
        shipment=shipment,
        carrier=Carrier.objects.get(code="dhl"),
        tracking_number=tracking,
    )


def snapshot(order) -> tuple:
    order = Order.objects.get(pk=order.pk)
    return (
        order.total_incl_tax,
        order.total_excl_tax,
        order.user_id,
        order.guest_email,
        order.shipping_address_id,
        order.billing_address_id,
        list(order.lines.values_list("quantity", "line_price_incl_tax", "product_id")),
        list(LinePrice.objects.filter(order=order).values_list("quantity", "price_incl_tax")),
        list(ShippingAddress.objects.filter(pk=order.shipping_address_id).values_list("line1")),
    )


def test_no_admin_page_changes_a_delivered_invoiced_order_not_even_for_a_superuser(
    client: Client, stove, berlin
):
    customer = UserFactory(username="erika")
    order = place_order([(stove, 1)], user=customer)
    ship(order, berlin)
    line = order.lines.get()
    before = snapshot(order)
    other = UserFactory(username="mallory")
    price = LinePrice.objects.get(line=line)

    for role in ("Manager", None):
        staff = (
            StaffFactory(username="manager", role="Manager")
            if role
            else StaffFactory(username="root", is_superuser=True)
        )
        client.force_login(staff)
        # the report: the record page's line inline, quantity 1 -> 5, price 188.95 -> 1.00
        record = client.post(
            f"/admin/order/order/{order.pk}/change/",
            {
                "user": other.pk,
                "total_incl_tax": "1.00",
                "lines-TOTAL_FORMS": "1",
                "lines-INITIAL_FORMS": "1",
                "lines-0-id": line.pk,
                "lines-0-order": order.pk,
                "lines-0-quantity": "5",
                "lines-0-line_price_incl_tax": "1.00",
            },
        )
        posts = {
            f"/admin/order/line/{line.pk}/change/": {"quantity": "5", "order": order.pk},
            f"/admin/order/lineprice/{price.pk}/change/": {"price_incl_tax": "1.00"},
            f"/admin/order/shippingaddress/{order.shipping_address_id}/change/": {
                "line1": "Elsewhere 1"
            },
            f"/admin/order/billingaddress/{order.billing_address_id}/change/": {
                "line1": "Elsewhere 1"
            },
            f"/admin/order/line/{line.pk}/delete/": {"post": "yes"},
            f"/admin/order/order/{order.pk}/delete/": {"post": "yes"},
            "/admin/order/line/add/": {"order": order.pk, "quantity": "1"},
        }
        answers = {url: client.post(url, data).status_code for url, data in posts.items()}

        assert record.status_code == 403, role
        assert set(answers.values()) == {403}, (role, answers)
        assert client.get(f"/admin/order/order/{order.pk}/change/").status_code == 200
    assert snapshot(order) == before


def test_every_order_record_admin_is_read_only_for_everyone():
    from django.contrib import admin
    from django.test import RequestFactory

    root = StaffFactory(username="root", is_superuser=True)
    request = RequestFactory().get("/admin/")
    request.user = root  # type: ignore[assignment]
    records = [
        "Order",
        "Line",
        "LinePrice",
        "LineAttribute",
        "OrderDiscount",
        "Surcharge",
        "ShippingAddress",
        "BillingAddress",
        "OrderNote",
        "OrderStatusChange",
        "PaymentEvent",
        "ShippingEvent",
        "CommunicationEvent",
        "Shipment",
    ]
    models = [get_model("order", name) for name in records]
    models += [get_model("payment", "Source"), get_model("payment", "Transaction")]

    for model in models:
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(request), model
        assert not model_admin.has_change_permission(request), model
        assert not model_admin.has_delete_permission(request), model
        assert model_admin.has_view_permission(request), model


def test_postgresql_refuses_to_change_a_placed_orders_totals_customer_and_lines(stove):
    order = place_order([(stove, 2)], user=UserFactory(username="erika"))
    line = order.lines.get()
    before = snapshot(order)
    tampering = [
        lambda: Order.objects.filter(pk=order.pk).update(total_incl_tax=Decimal("1.00")),
        lambda: Order.objects.filter(pk=order.pk).update(shipping_incl_tax=Decimal("9.99")),
        lambda: Order.objects.filter(pk=order.pk).update(user=UserFactory(username="mallory")),
        lambda: Order.objects.filter(pk=order.pk).update(guest_email="mallory@example.com"),
        lambda: Order.objects.filter(pk=order.pk).update(number="999999"),
        lambda: Order.objects.filter(pk=order.pk).update(customer_reference="PO-FORGED"),
        lambda: Line.objects.filter(pk=line.pk).update(quantity=5),
        lambda: Line.objects.filter(pk=line.pk).update(line_price_incl_tax=Decimal("1.00")),
        lambda: Line.objects.filter(pk=line.pk).update(unit_price_excl_tax=Decimal("1.00")),
        lambda: Line.objects.filter(pk=line.pk).update(product=ProductFactory()),
        lambda: LinePrice.objects.filter(line=line).update(price_incl_tax=Decimal("1.00")),
    ]

    for number, tamper in enumerate(tampering):
        with pytest.raises(IntegrityError, match=r"placed order|is placed"), transaction.atomic():
            tamper()
        assert snapshot(order) == before, number


def test_postgresql_still_lets_status_and_bookkeeping_through_and_a_deleted_account_go(stove):
    customer = UserFactory(username="erika")
    order = place_order([(stove, 1)], user=customer)
    line = order.lines.get()

    Order.objects.filter(pk=order.pk).update(status=statuses.PICKING)
    Line.objects.filter(pk=line.pk).update(status="picked", num_allocated=1)
    order.refresh_from_db()
    order.save()  # Oscar's set_status saves every column again, unchanged
    customer.delete()

    order.refresh_from_db()
    assert (order.status, order.user_id, order.total_incl_tax) == (
        statuses.PICKING,
        None,
        Decimal("188.95"),
    )


def test_the_api_offers_no_way_to_change_a_placed_order(stove):
    order = place_order([(stove, 1)], user=UserFactory(username="erika"))
    before = snapshot(order)
    api = client_for(StaffFactory(username="manager", role="Manager"))
    url = f"/api/v1/orders/{order.number}/"

    answers = [
        api.put(url, {"lines": [{"sku": "X", "quantity": 5}]}, format="json").status_code,
        api.patch(url, {"total": "1.00"}, format="json").status_code,
        api.delete(url).status_code,
    ]

    assert answers == [405, 405, 405]
    assert snapshot(order) == before


def test_sales_corrects_the_shipping_address_before_shipping_and_the_notes_keep_the_old_one(
    client: Client, stove, berlin
):
    order = place_order([(stove, 1)], user=UserFactory(username="erika"))
    old = order.shipping_address
    client.force_login(StaffFactory(username="sam", role="Sales"))
    url = f"/admin/order/order/{order.pk}/fulfil/"
    form = {
        "action": "address",
        "first_name": "Erika",
        "last_name": "Mustermann",
        "line1": "Heidestraße 17, 3. OG",
        "line4": "Köln",
        "postcode": "51147",
        "reason": "customer called: third floor",
    }

    page = client.get(url)
    no_reason = client.post(url, {**form, "reason": ""})
    bad_postcode = client.post(url, {**form, "postcode": "ABCDEFGHIJ"})
    corrected = client.post(url, form, follow=True)

    assert 'id="correct-address"' in page.content.decode()
    assert no_reason.status_code == 200 and "This field is required." in no_reason.content.decode()
    assert "is not valid for Germany" in bad_postcode.content.decode()
    assert "Shipping address corrected" in corrected.content.decode()
    order.refresh_from_db()
    assert order.shipping_address.line1 == "Heidestraße 17, 3. OG"
    assert order.shipping_address.country_id == old.country_id
    assert ShippingAddress.objects.get(pk=old.pk).line1 == "Heidestraße 17"  # kept as it was
    note = OrderNote.objects.get(order=order)
    assert note.user.username == "sam"
    assert "Heidestraße 17, Köln, 51147" in note.message
    assert "Heidestraße 17, 3. OG" in note.message
    assert note.message.endswith("Reason: customer called: third floor")


def test_an_address_correction_needs_the_permission_no_parcel_gone_and_the_same_country(
    client: Client, stove, berlin
):
    order = place_order([(stove, 2)], user=UserFactory(username="erika"))
    warehouse_clerk = StaffFactory(username="wes", role="Warehouse")
    sales = StaffFactory(username="sam", role="Sales")
    change = {"line1": "Neue Straße 1"}

    with pytest.raises(PermissionRefused, match="correct shipping addresses"):
        order_shipping_address_correct(
            order=order, user=warehouse_clerk, address=change, reason="asked"
        )
    with pytest.raises(OrderError, match="not country"):
        order_shipping_address_correct(
            order=order, user=sales, address={"country": "FR"}, reason="moved"
        )
    with pytest.raises(OrderError, match="Say why"):
        order_shipping_address_correct(order=order, user=sales, address=change, reason=" ")
    ship(order, berlin, units=1)
    with pytest.raises(OrderError, match="can no longer be corrected"):
        order_shipping_address_correct(order=order, user=sales, address=change, reason="asked")
    client.force_login(warehouse_clerk)
    page = client.post(
        f"/admin/order/order/{order.pk}/fulfil/",
        {"action": "address", "line1": "Neue Straße 1", "reason": "asked"},
        follow=True,
    )

    assert "role does not allow you to correct shipping addresses" in page.content.decode()
    order.refresh_from_db()
    assert order.shipping_address.line1 == "Heidestraße 17"
    assert not OrderNote.objects.filter(message__startswith="Shipping address").exists()


def audit() -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("orders_audit", stdout=out)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_the_orders_audit_passes_after_every_flow(stove, berlin):
    quarantine = WarehouseFactory(code="RET-Q", is_sellable=False, priority=99)
    waiting = place_order([(stove, 2)])
    partly = place_order([(stove, 3)])
    ship(partly, berlin, units=1, tracking="P1")
    cancelled = place_order([(stove, 1)], payment_method="bank_transfer")
    order_cancel(user=SYSTEM, order=cancelled)
    returned = place_order([(stove, 2)])
    ship(returned, berlin, tracking="R1")
    request = return_request_create(
        user=SYSTEM, order=returned, items=[ReturnItem(returned.lines.get().pk, 1, "damaged")]
    )
    return_authorise(user=SYSTEM, return_request=request)
    return_receive(user=SYSTEM, return_request=request, warehouse=quarantine)

    code, out = audit()

    assert (code, out.strip()) == (0, "orders audit: all 4 orders agree")
    assert waiting.status == statuses.READY


def test_the_orders_audit_reports_orders_tampered_with_behind_the_services_back(stove, berlin):
    clean = place_order([(stove, 1)])
    line_changed = place_order([(stove, 1)])
    ship(line_changed, berlin, tracking="L1")
    allocation_gone = place_order([(stove, 2)])
    parcel_grown = place_order([(stove, 2)])
    ship(parcel_grown, berlin, units=1, tracking="S1")
    invoice_changed = place_order([(stove, 1)])
    ship(invoice_changed, berlin, tracking="I1")
    with connection.cursor() as cursor:
        # the order line as the report had it: 1 -> 5 at 1.00, the trigger switched off
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending trigger events
        cursor.execute("ALTER TABLE order_line DISABLE TRIGGER order_line_placed_is_immutable")
        cursor.execute(
            "UPDATE order_line SET quantity = 5, line_price_incl_tax = 1.00, "
            "line_price_excl_tax = 0.84 WHERE order_id = %s",
            [line_changed.pk],
        )
        cursor.execute("ALTER TABLE order_line ENABLE TRIGGER order_line_placed_is_immutable")
    Allocation.objects.filter(order_line__order=allocation_gone).update(quantity=1)
    ShipmentLine.objects.filter(order_line__order=parcel_grown).update(quantity=2)
    InvoiceLine.objects.filter(invoice__order=invoice_changed, is_shipping=False).update(quantity=3)

    code, out = audit()

    assert code == 1
    reported = {line.split(":")[0] for line in out.splitlines()[:-1]}
    assert reported == {
        f"order {line_changed.number}",
        f"order {allocation_gone.number}",
        f"order {parcel_grown.number}",
        f"order {invoice_changed.number}",
    }
    assert f"order {clean.number}" not in out
    assert f"order {line_changed.number}: total incl. tax is 188.95" in out
    assert f"order {line_changed.number}: line " in out and "5 ordered, but 0 allocated" in out
    assert f"order {allocation_gone.number}: line" in out
    assert "2 ordered, but 1 allocated + 0 shipped" in out
    assert "2 ordered, but 1 allocated + 2 shipped" in out
    assert f"invoice {invoice_changed.invoices.get().number} of parcel" in out
    assert out.splitlines()[-1] == "orders audit: 4 order(s) disagree"

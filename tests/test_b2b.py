"""B2B: negotiated prices, quantity breaks, terms and credit limits."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from oscar.core.loading import get_model

from crm.models import CategoryDiscount, Company, PriceListItem
from crm.selectors import price_quotes, usable_price_list
from erp.permissions import SYSTEM
from inventory.services import stock_receive
from orders import statuses
from orders.services.credit import CreditLimitExceeded
from tests.factories import (
    CategoryFactory,
    CompanyFactory,
    ProductFactory,
    WarehouseFactory,
    buyer_for,
    place_order,
)

Order = get_model("order", "Order")
pytestmark = pytest.mark.django_db


@pytest.fixture
def warehouse():
    return WarehouseFactory(code="BER-1", priority=1)


def stocked(title: str, gross: str, warehouse, quantity: int = 100):
    product = ProductFactory(title=title, listing=Decimal(gross))
    stock_receive(
        user=SYSTEM,
        product=product,
        warehouse=warehouse,
        quantity=quantity,
        unit_cost=Decimal("10"),
    )
    return product


def test_price_resolution_order_fixed_breaks_then_category_then_list(warehouse):
    tents = CategoryFactory(name="Tents")
    family = tents.add_child(name="Family tents")
    tent = stocked("Tent", "119.00", warehouse)  # list net 100.00
    tent.categories.add(family)
    lamp = stocked("Lamp", "23.80", warehouse)  # list net 20.00
    lamp.categories.add(tents)
    stove = stocked("Stove", "59.50", warehouse)  # list net 50.00, no category
    company = CompanyFactory()
    PriceListItem.objects.create(
        price_list=company.price_list, product=tent, min_quantity=1, price=Decimal("80.00")
    )
    PriceListItem.objects.create(
        price_list=company.price_list, product=tent, min_quantity=10, price=Decimal("70.00")
    )
    CategoryDiscount.objects.create(
        price_list=company.price_list, category=tents, percent=Decimal("15")
    )
    nets = {tent.pk: Decimal("100.00"), lamp.pk: Decimal("20.00"), stove.pk: Decimal("50.00")}

    one = price_quotes(price_list=company.price_list, list_nets=nets)
    ten = price_quotes(price_list=company.price_list, list_nets=nets, quantities={tent.pk: 12})

    assert (one[tent.pk].net, one[tent.pk].source) == (Decimal("80.00"), "price_list")
    assert ten[tent.pk].net == Decimal("70.00")
    assert one[tent.pk].breaks == ((1, Decimal("80.00")), (10, Decimal("70.00")))
    assert (one[lamp.pk].net, one[lamp.pk].source) == (Decimal("17.00"), "category")  # ancestor
    assert (one[stove.pk].net, one[stove.pk].source) == (Decimal("50.00"), "list")


def test_an_expired_price_list_falls_back_to_list_prices():
    company = CompanyFactory()
    company.price_list.valid_to = timezone.localdate() - timedelta(days=1)
    company.price_list.save()

    assert usable_price_list(company) is None


def test_buyer_sees_net_price_list_struck_through_and_breaks_consumer_sees_gross(
    client: Client, warehouse
):
    tent = stocked("Granite Tent", "119.00", warehouse)
    company = CompanyFactory()
    PriceListItem.objects.create(
        price_list=company.price_list, product=tent, min_quantity=1, price=Decimal("80.00")
    )
    PriceListItem.objects.create(
        price_list=company.price_list, product=tent, min_quantity=10, price=Decimal("70.00")
    )
    url = tent.get_absolute_url()

    consumer_page = client.get(url).content.decode()
    client.force_login(buyer_for(company, "bea"))
    buyer_page = client.get(url).content.decode()

    assert "€119.00" in consumer_page and "excl. VAT" not in consumer_page
    assert "€80.00" in buyer_page and "excl. VAT" in buyer_page
    assert "<s>€100.00</s>" in buyer_page
    assert 'id="quantity_breaks"' in buyer_page and "€70.00" in buyer_page
    assert "€119.00" not in buyer_page


def test_basket_order_and_invoice_carry_the_negotiated_price_for_the_quantity(
    client: Client, warehouse
):
    tent = stocked("Granite Tent", "119.00", warehouse)
    company = CompanyFactory(payment_terms=Company.Terms.NET_30)
    PriceListItem.objects.create(
        price_list=company.price_list, product=tent, min_quantity=10, price=Decimal("70.00")
    )
    buyer = buyer_for(company, "bea")

    order = place_order([(tent, 10)], user=buyer, payment_method="on_account")

    line = order.lines.get()
    assert line.line_price_excl_tax == Decimal("700.00")
    assert line.line_price_incl_tax == Decimal("833.00")
    assert order.status == statuses.READY
    from orders.models import Carrier
    from orders.services import shipment_pack, shipment_ship

    shipment = shipment_pack(
        user=SYSTEM, order=order, warehouse=warehouse, quantities={line.pk: 10}
    )
    shipment_ship(
        user=SYSTEM,
        shipment=shipment,
        carrier=Carrier.objects.get(code="dhl"),
        tracking_number="B2B",
    )
    invoice = order.invoices.get()
    assert (invoice.net_total, invoice.total, invoice.status) == (
        Decimal("700.00"),
        Decimal("833.00"),
        "open",
    )
    assert invoice.due_date == invoice.issue_date + timedelta(days=30)
    assert invoice.payment_terms == "Net 30"
    assert invoice.billing_name == company.name


def test_an_order_over_the_credit_limit_is_refused_with_the_credit_available(warehouse):
    tent = stocked("Granite Tent", "119.00", warehouse)
    company = CompanyFactory(credit_limit=Decimal("300.00"), price_list=None)
    buyer = buyer_for(company, "bea")
    place_order([(tent, 2)], user=buyer, payment_method="on_account")  # 238.00

    with pytest.raises(CreditLimitExceeded) as refused:
        place_order([(tent, 1)], user=buyer, payment_method="on_account")

    assert "credit available to" in str(refused.value)
    assert "(62.00 EUR of 300.00)" in str(refused.value)
    assert Order.objects.count() == 1


def test_over_the_limit_can_go_on_credit_hold_for_release_by_credit_control(
    client: Client, warehouse
):
    from tests.factories import StaffFactory

    tent = stocked("Granite Tent", "119.00", warehouse)
    company = CompanyFactory(credit_limit=Decimal("100.00"), over_limit="hold", price_list=None)
    order = place_order([(tent, 1)], user=buyer_for(company, "bea"), payment_method="on_account")
    assert order.status == statuses.CREDIT_HOLD

    sales = Client()
    sales.force_login(StaffFactory(username="sam", role="Sales"))
    sales.post(
        "/admin/order/order/", {"action": "release_credit_hold", "_selected_action": [order.pk]}
    )
    order.refresh_from_db()
    assert order.status == statuses.CREDIT_HOLD  # Sales may not override credit

    client.force_login(StaffFactory(username="alex", role="Accounting"))
    client.force_login(StaffFactory(username="mia", role="Manager"))
    client.post(
        "/admin/order/order/", {"action": "release_credit_hold", "_selected_action": [order.pk]}
    )
    order.refresh_from_db()
    assert order.status == statuses.READY


def test_credit_controllers_are_told_once_by_e_mail_when_an_order_goes_on_hold(
    warehouse, mailoutbox, django_capture_on_commit_callbacks
):
    from erp.celery import app as celery_app
    from orders.tasks import send_credit_hold_alert
    from tests.factories import StaffFactory, UserFactory

    StaffFactory(username="alex", email="alex@kontor.example", role="Accounting")
    StaffFactory(username="mia", email="mia@kontor.example", role="Manager")
    StaffFactory(username="sam", email="sam@kontor.example", role="Sales")  # may not release
    StaffFactory(username="wes", email="wes@kontor.example", role="Warehouse")
    UserFactory(username="nina", email="nina@example.com")  # a customer
    tent = stocked("Granite Tent", "119.00", warehouse)
    company = CompanyFactory(
        name="Nordwerk AG", credit_limit=Decimal("100.00"), over_limit="hold", price_list=None
    )

    celery_app.conf.task_always_eager = True  # the task runs at commit, as a worker would
    try:
        with django_capture_on_commit_callbacks(execute=True):
            order = place_order(
                [(tent, 1)], user=buyer_for(company, "bea"), payment_method="on_account"
            )
    finally:
        celery_app.conf.task_always_eager = False
    assert order.status == statuses.CREDIT_HOLD
    # enqueued at commit, sent by the tasks: the buyer's order confirmation, and the alert
    alert_subject = f"Order {order.number} of Nordwerk AG is on credit hold"
    assert [m.to for m in mailoutbox if m.subject != alert_subject] == [[order.email]]

    assert send_credit_hold_alert(order.pk) is False  # a retry or a duplicate message
    (mail,) = [m for m in mailoutbox if m.subject == alert_subject]
    assert mail.to == ["alex@kontor.example", "mia@kontor.example"]
    assert mail.subject == f"Order {order.number} of Nordwerk AG is on credit hold"
    assert "Credit limit: 100.00 EUR" in mail.body
    assert "goes over the limit by: 19.00 EUR" in mail.body  # 119.00 against 100.00
    assert "Other orders on account, not yet invoiced: 0.00 EUR" in mail.body
    assert f"/admin/order/order/{order.pk}/change/" in mail.body
    assert order.notes.get().message == (
        "Credit hold: alex@kontor.example, mia@kontor.example told by e-mail."
    )


def test_no_credit_hold_alert_for_orders_within_the_limit_or_released(warehouse, mailoutbox):
    from orders.services import order_release_credit_hold
    from orders.tasks import send_credit_hold_alert
    from tests.factories import StaffFactory

    StaffFactory(username="alex", email="alex@kontor.example", role="Accounting")
    tent = stocked("Granite Tent", "119.00", warehouse)
    roomy = CompanyFactory(credit_limit=Decimal("1000.00"), over_limit="hold", price_list=None)
    tight = CompanyFactory(credit_limit=Decimal("100.00"), over_limit="hold", price_list=None)
    fine = place_order([(tent, 1)], user=buyer_for(roomy, "ann"), payment_method="on_account")
    held = place_order([(tent, 1)], user=buyer_for(tight, "bea"), payment_method="on_account")
    order_release_credit_hold(user=SYSTEM, order=held)

    assert send_credit_hold_alert(fine.pk) is False
    assert send_credit_hold_alert(held.pk) is False
    assert send_credit_hold_alert(999999) is False
    assert mailoutbox == []


def test_consumers_cannot_pay_on_account(warehouse):
    tent = stocked("Granite Tent", "119.00", warehouse)
    from orders.services import OrderError
    from tests.factories import UserFactory

    with pytest.raises(OrderError, match="Only business customers can order on account"):
        place_order([(tent, 1)], user=UserFactory(), payment_method="on_account")


def test_quick_order_adds_good_lines_and_reports_each_bad_one(client: Client, warehouse):
    tent = stocked("Granite Tent", "119.00", warehouse, quantity=3)
    lamp = stocked("Basalt Lamp", "23.80", warehouse)
    client.force_login(buyer_for(CompanyFactory(), "bea"))

    response = client.post(
        "/accounts/quick-order/",
        {"lines": f"SKU-{lamp.upc} 4\nNOPE-1 2\nSKU-{tent.upc} 5\nSKU-{lamp.upc} zwei\n"},
        follow=True,
    )

    messages = [str(m) for m in response.context["messages"]]
    assert "Line 2: no product has the SKU or EAN “NOPE-1”." in messages
    assert any("Line 4" in m and "whole number above zero" in m for m in messages)
    assert "Only 3 of “Granite Tent” available (you asked for 5)." in messages
    assert "Added to your basket: 4 × Basalt Lamp." in messages
    basket = response.context["basket"]
    assert [(line.product.title, line.quantity) for line in basket.all_lines()] == [
        ("Basalt Lamp", 4)
    ]


def test_account_statement_shows_open_invoices_and_credit(client: Client, warehouse):
    tent = stocked("Granite Tent", "119.00", warehouse)
    company = CompanyFactory(credit_limit=Decimal("1000.00"), price_list=None)
    buyer = buyer_for(company, "bea")
    colleague = buyer_for(company, "carl")
    order = place_order([(tent, 2)], user=colleague, payment_method="on_account")
    from orders.models import Carrier
    from orders.services import shipment_pack, shipment_ship

    shipment = shipment_pack(
        user=SYSTEM, order=order, warehouse=warehouse, quantities={order.lines.get().pk: 2}
    )
    shipment_ship(
        user=SYSTEM, shipment=shipment, carrier=Carrier.objects.get(code="dhl"), tracking_number="S"
    )
    invoice = order.invoices.get()
    client.force_login(buyer)

    page = client.get("/accounts/statement/")
    pdf = client.get(f"/accounts/invoices/{invoice.number}/pdf/")

    body = page.content.decode()
    assert invoice.number in body
    assert "€238.00" in body  # balance due
    assert "€762.00" in body  # credit available
    assert pdf.status_code == 200  # a colleague's invoice of the same company
    assert page["Cache-Control"] == "private, no-store"


def test_statement_is_404_for_consumers(client: Client):
    from tests.factories import UserFactory

    client.force_login(UserFactory())

    assert client.get("/accounts/statement/").status_code == 404

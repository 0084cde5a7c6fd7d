"""The payables aging and the payment proposal: what we owe each supplier and
when, for Accounting and Managers, as pages and CSV, in a constant number of
queries; nobody else sees them."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounting.selectors import role_balance
from erp.permissions import SYSTEM
from purchasing.models import SupplierBill
from purchasing.payables import payables_aging
from purchasing.services import (
    BillLineRequest,
    ReceiptLineRequest,
    ReturnLineRequest,
    purchase_order_receive,
    supplier_bill_enter,
    supplier_payment_record,
    supplier_return,
)
from purchasing.tests.factories import SupplierFactory, sent_order
from tests.factories import ProductFactory, StaffFactory

pytestmark = pytest.mark.django_db
D = Decimal
AGING = reverse("purchasing-documents:payables-aging")
PROPOSAL = reverse("purchasing-documents:payment-proposal")


def posted_bill(
    supplier: Any,
    *,
    amount: str,
    days_ago: int = 0,
    reference: str | None = None,
    terms: int = 30,
    tax_rate: str = "0",
) -> SupplierBill:
    """A bill of ``amount`` (net) dated ``days_ago``, matched and posted, due ``terms`` later."""
    supplier.payment_terms_days = terms
    supplier.save(update_fields=["payment_terms_days"])
    product = ProductFactory()
    order = sent_order((product, 1, D(amount)), supplier=supplier)
    purchase_order_receive(
        user=SYSTEM, order=order, lines=[ReceiptLineRequest(product=product, quantity=1)]
    )
    bill = supplier_bill_enter(
        user=SYSTEM,
        order=order,
        supplier_reference=reference or f"R-{order.number}",
        bill_date=timezone.localdate() - timedelta(days=days_ago),
        lines=[
            BillLineRequest(product=product, quantity=1, unit_cost=D(amount), tax_rate=D(tax_rate))
        ],
    )
    assert bill.status == SupplierBill.Status.MATCHED
    return bill


@pytest.fixture
def accountant() -> Client:
    client = Client()
    client.force_login(StaffFactory(role="Accounting"))
    return client


def test_the_aging_puts_each_suppliers_open_balances_in_buckets_by_days_past_due():
    alpine = SupplierFactory(code="ALPINE", name="Alpine Gear AG")
    borealis = SupplierFactory(code="BOR", name="Borealis Oy")
    posted_bill(alpine, amount="100.00", days_ago=10)  # due in 20 days: current
    posted_bill(alpine, amount="200.00", days_ago=45)  # 15 days late
    part_paid = posted_bill(alpine, amount="300.00", days_ago=100)  # 70 days late
    supplier_payment_record(user=SYSTEM, bill=part_paid, amount=D("120.00"))
    paid = posted_bill(borealis, amount="50.00", days_ago=200)
    supplier_payment_record(user=SYSTEM, bill=paid, amount=D("50.00"))
    posted_bill(borealis, amount="80.00", days_ago=150)  # 120 days late
    posted_bill(borealis, amount="40.00", days_ago=60, terms=0)  # due the same day: 31-60

    rows = payables_aging(timezone.localdate())

    assert [(row.supplier_code, row.supplier, row.currency) for row in rows] == [
        ("ALPINE", "Alpine Gear AG", "EUR"),
        ("BOR", "Borealis Oy", "EUR"),
    ]
    assert [row.buckets for row in rows] == [
        {"current": D("100.00"), "1-30": D("200.00"), "31-60": 0, "61-90": D("180.00"), "90+": 0},
        {"current": 0, "1-30": 0, "31-60": D("40.00"), "61-90": 0, "90+": D("80.00")},
    ]
    assert sum(row.total for row in rows) == -role_balance("payable") == D("600.00")


def test_bills_on_hold_are_not_owed_and_debit_notes_reduce_what_we_owe():
    alpine = SupplierFactory(code="ALPINE")
    tent = ProductFactory()
    order = sent_order((tent, 4, D("25.00")), supplier=alpine)
    purchase_order_receive(user=SYSTEM, order=order, lines=[ReceiptLineRequest(tent, 4)])
    supplier_bill_enter(
        user=SYSTEM,
        order=order,
        supplier_reference="A-1",
        bill_date=timezone.localdate(),
        lines=[BillLineRequest(product=tent, quantity=4, unit_cost=D("25.00"), tax_rate=D("0.19"))],
    )
    supplier_return(user=SYSTEM, order=order, lines=[ReturnLineRequest(tent, 1)], reason="Torn")
    held_order = sent_order((tent, 1, D("10.00")), supplier=alpine)
    purchase_order_receive(user=SYSTEM, order=held_order, lines=[ReceiptLineRequest(tent, 1)])
    held = supplier_bill_enter(
        user=SYSTEM,
        order=held_order,
        supplier_reference="A-2",
        bill_date=timezone.localdate(),
        lines=[BillLineRequest(product=tent, quantity=1, unit_cost=D("99.00"))],
    )
    assert held.status == SupplierBill.Status.ON_HOLD

    (row,) = payables_aging(timezone.localdate())

    # 119.00 billed (100 + 19 % VAT) less the 29.75 debit note (25 + 19 % VAT)
    assert row.buckets["current"] == D("89.25")
    assert row.total == -role_balance("payable")


def test_the_aging_page_shows_the_table_the_chart_and_totals_and_its_csv(accountant):
    alpine = SupplierFactory(code="ALPINE", name="Alpine Gear AG")
    posted_bill(alpine, amount="100.00", days_ago=10)
    posted_bill(alpine, amount="200.00", days_ago=45)

    page = accountant.get(AGING)
    download = accountant.get(AGING, {"format": "csv", "date": timezone.localdate().isoformat()})

    assert page.status_code == 200
    html = page.content.decode()
    assert "Alpine Gear AG" in html and "(ALPINE)" in html
    assert '<svg class="report-chart"' in html
    assert f"Open payables in EUR by age on {timezone.localdate():%d %b %Y}" in html
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows == [
        [
            "supplier",
            "supplier_code",
            "currency",
            "current",
            "1-30",
            "31-60",
            "61-90",
            "90+",
            "total",
        ],
        ["Alpine Gear AG", "ALPINE", "EUR", "100.00", "200.00", "0.00", "0.00", "0.00", "300.00"],
        ["Total", "", "EUR", "100.00", "200.00", "0.00", "0.00", "0.00", "300.00"],
    ]


def test_a_bad_date_shows_today_and_says_why(accountant):
    page = accountant.get(AGING, {"date": "yesterday"})

    assert page.status_code == 200
    assert "“yesterday” is not a date for the date; use YYYY-MM-DD." in page.content.decode()
    assert page.context["as_of"] == timezone.localdate()


def test_the_payment_proposal_lists_bills_due_by_the_date_per_supplier_with_totals(accountant):
    alpine = SupplierFactory(code="ALPINE", name="Alpine Gear AG")
    borealis = SupplierFactory(code="BOR", name="Borealis Oy")
    overdue = posted_bill(alpine, amount="100.00", days_ago=40, reference="AL-7")
    part_paid = posted_bill(alpine, amount="300.00", days_ago=25, reference="AL-9")
    supplier_payment_record(user=SYSTEM, bill=part_paid, amount=D("120.00"))
    posted_bill(alpine, amount="999.00", days_ago=0)  # due in 30 days: not yet
    due = posted_bill(borealis, amount="80.00", days_ago=28, reference="B-1")
    by = timezone.localdate() + timedelta(days=7)

    page = accountant.get(PROPOSAL, {"by": by.isoformat()})
    download = accountant.get(PROPOSAL, {"by": by.isoformat(), "format": "csv"})

    suppliers = page.context["suppliers"]
    assert [(s.code, [b.number for b in s.bills], s.total) for s in suppliers] == [
        ("ALPINE", [overdue.number, part_paid.number], D("280.00")),
        ("BOR", [due.number], D("80.00")),
    ]
    assert page.context["totals"] == [("EUR", D("360.00"), 3)]
    html = page.content.decode()
    assert "Total to Alpine Gear AG" in html and "overdue" in html
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[0] == [
        "supplier", "supplier_code", "bill", "supplier_reference", "purchase_order",
        "bill_date", "due_date", "currency", "total", "paid", "debit_notes", "balance",
    ]  # fmt: skip
    assert [row[2:4] + row[8:] for row in rows[1:]] == [
        [overdue.number, "AL-7", "100.00", "0.00", "0.00", "100.00"],
        [part_paid.number, "AL-9", "300.00", "120.00", "0.00", "180.00"],
        [due.number, "B-1", "80.00", "0.00", "0.00", "80.00"],
        ["", "", "", "", "", "360.00"],
    ]
    assert rows[-1][0] == "Total"


def test_the_payment_proposal_defaults_to_a_week_ahead(accountant):
    page = accountant.get(PROPOSAL)

    assert page.context["by"] == timezone.localdate() + timedelta(days=7)
    assert "No posted supplier bill is due by this date." in page.content.decode()


@pytest.mark.parametrize("url", [AGING, PROPOSAL])
def test_the_pages_run_the_same_number_of_queries_for_one_bill_or_many(
    url, accountant, django_assert_num_queries
):
    first = SupplierFactory(code="ONE")
    posted_bill(first, amount="10.00", days_ago=35)
    with django_assert_num_queries(6) as one:
        accountant.get(url)
    for number in range(4):
        posted_bill(SupplierFactory(code=f"MANY{number}"), amount="10.00", days_ago=35 + number)
    with django_assert_num_queries(len(one.captured_queries)):
        response = accountant.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("role", ["Accounting", "Manager"])
def test_accounting_and_managers_see_the_reports_listed_on_the_reports_index(role):
    client = Client()
    client.force_login(StaffFactory(role=role))

    index = client.get(reverse("reports:index")).content.decode()

    assert f'href="{AGING}"' in index and f'href="{PROPOSAL}"' in index
    assert client.get(AGING).status_code == 200
    assert client.get(PROPOSAL).status_code == 200


@pytest.mark.parametrize("role", ["Purchasing", "Warehouse", "Sales", "HR"])
def test_other_staff_are_refused_and_visitors_sent_to_log_in(role):
    client = Client()
    client.force_login(StaffFactory(role=role))

    assert client.get(AGING).status_code == 403
    assert client.get(PROPOSAL, {"format": "csv"}).status_code == 403
    visitor = Client().get(AGING)
    assert visitor.status_code == 302 and visitor["Location"].startswith("/admin/login/")


def test_an_as_of_date_before_a_bill_leaves_it_out():
    posted_bill(SupplierFactory(), amount="10.00", days_ago=3)

    assert payables_aging(timezone.localdate() - timedelta(days=4)) == []
    assert payables_aging(date(2000, 1, 1)) == []

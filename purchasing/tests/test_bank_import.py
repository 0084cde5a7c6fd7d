"""Outgoing bank statement lines pay supplier bills: by our bill number (as banks
mangle it) or by the supplier's own bill number with the supplier named; once
however often the statement is imported; anything else stays unmatched with
the reason."""

from decimal import Decimal

import pytest
from django.utils import timezone

from accounting.bank import bank_statement_import
from accounting.models import BankStatementLine
from accounting.selectors import role_balance, unbalanced_entries
from erp.permissions import SYSTEM
from purchasing.models import SupplierBill, SupplierPayment
from purchasing.tests.factories import SupplierFactory
from purchasing.tests.test_payables import posted_bill
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
D = Decimal
HEADER = "date,amount,currency,reference,payer"
Outcome = BankStatementLine.Outcome


def statement(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def today() -> str:
    return timezone.localdate().isoformat()


def mangled(number: str) -> str:
    """BILL-2026-000001 as a bank prints it: "bill 2026 000001"."""
    return number.replace("-", " ").lower()


@pytest.fixture
def accountant():
    return StaffFactory(role="Accounting")


def test_a_line_naming_our_bill_number_pays_the_bill(accountant):
    bill = posted_bill(SupplierFactory(code="ALPINE"), amount="100.00", reference="AL-77")
    text = statement(f"{today()},-60.00,EUR,Payment {mangled(bill.number)},Alpine Gear AG")

    result = bank_statement_import(file_bytes_or_text=text, user=accountant)

    assert (result.imported, result.paid_out, result.matched, result.unmatched) == (1, 1, 0, 0)
    line = BankStatementLine.objects.get()
    assert (line.outcome, line.note) == (
        Outcome.PAID_OUT,
        f"Paid to {bill.number} of ALPINE, their bill AL-77.",
    )
    payment = SupplierPayment.objects.get()
    assert (payment.bill, payment.amount, payment.bank_line, payment.date) == (
        bill,
        D("60.00"),
        line,
        timezone.localdate(),
    )
    assert payment.source == f"bank:{line.fingerprint[:40]}"
    assert payment.recorded_by == accountant
    bill.refresh_from_db()
    assert bill.amount_paid == D("60.00")
    assert -role_balance("payable") == D("40.00")
    assert unbalanced_entries() == []


@pytest.mark.parametrize("written", ["{number}", "{compact}", "Inv. {slashed}", "re {lower}"])
def test_our_bill_number_is_found_however_the_bank_wrote_it(written):
    bill = posted_bill(SupplierFactory(), amount="10.00")
    year, serial = bill.number.split("-")[1:]
    reference = written.format(
        number=bill.number,
        compact=f"BILL{year}{serial}",
        slashed=f"BILL/{year}/{serial}",
        lower=bill.number.lower(),
    )

    result = bank_statement_import(
        file_bytes_or_text=statement(f"{today()},-10.00,EUR,{reference},X"), user=SYSTEM
    )

    assert result.paid_out == 1
    assert SupplierBill.objects.get(pk=bill.pk).balance == 0


def test_a_line_naming_the_suppliers_own_bill_number_and_the_supplier_pays_that_bill():
    alpine = SupplierFactory(code="ALPINE", name="Alpine Gear AG")
    borealis = SupplierFactory(code="BOR", name="Borealis Oy")
    ours = posted_bill(alpine, amount="50.00", reference="2026-4711")
    posted_bill(borealis, amount="50.00", reference="2026-4711")  # same number, other supplier
    text = statement(
        f"{today()},-50.00,EUR,Rechnung 2026-4711,ALPINE GEAR AG",
        f"{today()},-50.00,EUR,Invoice 2026-4711 BOR,Payments Ltd",
    )

    result = bank_statement_import(file_bytes_or_text=text, user=SYSTEM)

    assert result.paid_out == 2
    assert sorted(SupplierPayment.objects.values_list("bill__supplier__code", flat=True)) == [
        "ALPINE",
        "BOR",
    ]
    ours.refresh_from_db()
    assert ours.balance == 0


def test_importing_the_same_statement_again_pays_nothing_twice():
    bill = posted_bill(SupplierFactory(), amount="30.00")
    text = statement(
        f"{today()},-10.00,EUR,{bill.number},X", f"{today()},-10.00,EUR,{bill.number},X"
    )

    first = bank_statement_import(file_bytes_or_text=text, user=SYSTEM)
    again = bank_statement_import(file_bytes_or_text=text, user=SYSTEM)

    assert (first.paid_out, again.paid_out, again.skipped) == (2, 0, 2)
    assert SupplierPayment.objects.count() == 2
    bill.refresh_from_db()
    assert bill.amount_paid == D("20.00")


def test_outgoing_lines_that_cannot_pay_a_bill_are_kept_with_the_reason():
    alpine = SupplierFactory(code="ALPINE", name="Alpine Gear AG")
    paid = posted_bill(alpine, amount="20.00")
    bank_statement_import(
        file_bytes_or_text=statement(f"{today()},-20.00,EUR,{paid.number} first,X"), user=SYSTEM
    )
    small = posted_bill(alpine, amount="50.00", reference="AL-1")
    other = posted_bill(alpine, amount="5.00")
    rows = [
        f"{today()},-19.99,EUR,Rent December,Landlord",
        f"{today()},-20.00,EUR,{paid.number} again,X",
        f"{today()},-50.01,EUR,{small.number},X",
        f"{today()},-5.00,USD,{other.number},X",
        f"{today()},-1.00,EUR,BILL-1999-000001,X",
        f"{today()},-2.00,EUR,{small.number} and {other.number},X",
        f"{today()},-50.00,EUR,AL-1,Someone Else",  # their number, but not the supplier
    ]

    result = bank_statement_import(file_bytes_or_text=statement(*rows), user=SYSTEM)

    assert (result.imported, result.paid_out, result.unmatched) == (7, 0, 7)
    assert [line.note for line in result.unmatched_lines] == [
        "Outgoing payment; its reference names nothing of ours to pay.",
        f"Bill {paid.number} is already paid.",
        f"The amount 50.01 is larger than the open balance 50.00 of {small.number}.",
        f"The line is in USD, bill {other.number} in EUR.",
        "No supplier bill BILL-1999-000001 exists.",
        f"Several bill numbers ({', '.join(sorted([small.number, other.number]))}); "
        "pay them by hand.",
        "Outgoing payment; its reference names nothing of ours to pay.",
    ]
    assert SupplierPayment.objects.count() == 1


def test_a_bill_on_hold_is_not_paid_from_the_bank():
    from purchasing.services import (
        BillLineRequest,
        ReceiptLineRequest,
        purchase_order_receive,
        supplier_bill_enter,
    )
    from purchasing.tests.factories import sent_order
    from tests.factories import ProductFactory

    tent = ProductFactory()
    order = sent_order((tent, 1, D("10.00")))
    purchase_order_receive(user=SYSTEM, order=order, lines=[ReceiptLineRequest(tent, 1)])
    held = supplier_bill_enter(
        user=SYSTEM,
        order=order,
        supplier_reference="H-1",
        bill_date=timezone.localdate(),
        lines=[BillLineRequest(product=tent, quantity=1, unit_cost=D("50.00"))],
    )

    result = bank_statement_import(
        file_bytes_or_text=statement(f"{today()},-10.00,EUR,{held.number},X"), user=SYSTEM
    )

    assert [line.note for line in result.unmatched_lines] == [
        f"Bill {held.number} is on hold; it is not owed yet."
    ]


def test_an_importer_whose_role_may_not_pay_suppliers_leaves_the_line_unmatched():
    bill = posted_bill(SupplierFactory(), amount="10.00")
    clerk = StaffFactory(role="Purchasing")

    result = bank_statement_import(
        file_bytes_or_text=statement(f"{today()},-10.00,EUR,{bill.number},X"), user=clerk
    )

    (line,) = result.unmatched_lines
    assert line.note == (
        f"Could not record the payment for {bill.number}: "
        "Your account's role does not allow you to pay suppliers."
    )
    assert SupplierPayment.objects.count() == 0
    assert line.outcome == Outcome.UNMATCHED


def test_the_import_page_counts_the_lines_that_paid_supplier_bills(client, accountant):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bill = posted_bill(SupplierFactory(), amount="10.00")
    text = statement(f"{today()},-10.00,EUR,{bill.number},X", f"{today()},-3.00,EUR,Fees,Bank")
    client.force_login(accountant)

    page = client.post(
        "/admin/accounting/bankstatementline/import/",
        {"file": SimpleUploadedFile("statement.csv", text.encode(), content_type="text/csv")},
    )

    html = page.content.decode()
    assert '<th scope="row">Paid to supplier bills (payment recorded)</th><td>1</td>' in html
    assert '<th scope="row">Not matched</th><td>1</td>' in html
    assert "Outgoing payment; its reference names nothing of ours to pay." in html
    assert SupplierBill.objects.get(pk=bill.pk).balance == 0

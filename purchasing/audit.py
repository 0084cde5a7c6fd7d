"""Purchasing's checks of the books, run by ``ledger_audit`` (registered in
``PurchasingConfig.ready()`` through ``accounting.audit``).

- Accounts payable (role ``payable``, a credit balance) equals the posted bills'
  totals less the debit notes' totals less the payments to suppliers: nothing
  else posts to it, so a hand-made entry there shows up.
- Goods received not invoiced, as far as purchasing moved it, equals the value
  received on purchase order lines and not yet billed, Σ(received_value -
  billed_value). GRNI is also credited by receipts without a purchase order
  (the scan station's free receipts) and cleared by hand for those, so the
  ledger side counts only the GRNI lines of entries purchasing caused: the
  stock moves of its receipts and returns (``stock-move:<pk>`` of
  ``ReceiptLine.stock_move`` and ``SupplierBillLine.stock_move``), its bills and
  debit notes (``SupplierBill.entry``) and its payments (``SupplierPayment.entry``).
"""

from decimal import Decimal

from django.db.models import CharField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Cast, Coalesce, Concat

from accounting.audit import BooksCheck
from accounting.models import JournalLine
from accounting.selectors import SIGNED, account_for_role, role_balance
from purchasing.models import (
    PurchaseOrderLine,
    ReceiptLine,
    SupplierBill,
    SupplierBillLine,
    SupplierPayment,
)

ZERO = Decimal("0")
POSTED = (SupplierBill.Status.MATCHED, SupplierBill.Status.APPROVED)


def _total(queryset: QuerySet, expression: object) -> Decimal:
    return queryset.aggregate(total=Coalesce(Sum(expression), ZERO))["total"]


def payables_from_documents() -> Decimal:
    """Posted bills - debit notes - payments."""
    bills = _total(
        SupplierBill.objects.filter(kind=SupplierBill.Kind.BILL, status__in=POSTED), "total"
    )
    notes = _total(
        SupplierBill.objects.filter(kind=SupplierBill.Kind.DEBIT_NOTE).exclude(entry=None), "total"
    )
    paid = _total(SupplierPayment.objects.all(), "amount")
    return bills - notes - paid


def grni_from_documents() -> Decimal:
    """Value received on purchase order lines and not yet billed."""
    return _total(PurchaseOrderLine.objects.all(), F("received_value") - F("billed_value"))


def _move_sources(lines: QuerySet) -> QuerySet:
    """``stock-move:<pk>``, the journal source of each line's stock move."""
    return (
        lines.exclude(stock_move=None)
        .annotate(
            move_source=Concat(
                Value("stock-move:"), Cast("stock_move_id", CharField()), output_field=CharField()
            )
        )
        .values("move_source")
    )


def grni_from_purchasing_entries() -> Decimal:
    """The credit balance of GRNI over the entries purchasing caused."""
    caused = (
        Q(entry__source__in=_move_sources(ReceiptLine.objects.all()))
        | Q(entry__source__in=_move_sources(SupplierBillLine.objects.all()))
        | Q(entry__supplier_bill__isnull=False)
        | Q(entry__supplier_payment__isnull=False)
    )
    lines = JournalLine.objects.filter(caused, account=account_for_role("grni"))
    return -_total(lines, SIGNED)


def purchasing_books_checks() -> list[BooksCheck]:
    return [
        BooksCheck(
            "accounts payable account",
            -role_balance("payable"),
            "posted supplier bills - debit notes - supplier payments",
            payables_from_documents(),
        ),
        BooksCheck(
            "GRNI posted by purchasing",
            grni_from_purchasing_entries(),
            "value received on purchase orders and not billed",
            grni_from_documents(),
        ),
    ]

"""Invoices, credit notes, payments and refunds, each posted in its own
transaction or in the caller's (the business event's) one.

Receivables work like this:

- an invoice debits receivables and credits revenue, shipping income and tax;
- a credit note does the opposite and, when its invoice is still open, settles
  it (no money moves); otherwise it stays open until the refund is paid;
- money received for an invoice debits the bank and credits receivables;
  money received before there is an invoice (a bank transfer for an order not
  yet shipped) is a customer prepayment, moved to receivables when the
  invoice is issued;
- a refund credits the bank and debits receivables, settling a credit note.

So the receivables account always equals the open invoice balances minus the
open credit-note balances (``ledger_audit`` proves it).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F

from accounting.models import Invoice, InvoiceLine, Payment, PaymentAllocation
from accounting.seller import seller_now
from accounting.services.errors import AccountingError
from accounting.services.journal import (
    business_date,
    credit,
    debit,
    journal_entry_post,
    money,
    money_json,
)
from erp.services.outbox import outbox_event_record
from erp.services.sequences import sequence_next

ZERO = Decimal("0")


@dataclass(frozen=True)
class InvoiceLineData:
    description: str
    quantity: Decimal
    unit_price: Decimal  # excluding tax
    tax_rate: Decimal = ZERO
    sku: str = ""
    is_shipping: bool = False
    #: when the order priced the line already, its exact totals (avoid re-rounding)
    net: Decimal | None = None
    tax: Decimal | None = None

    def amounts(self) -> tuple[Decimal, Decimal]:
        net = money(self.net if self.net is not None else self.quantity * self.unit_price)
        tax = money(self.tax if self.tax is not None else net * self.tax_rate)
        return net, tax


@dataclass(frozen=True)
class Customer:
    email: str
    name: str
    #: the postal address without the name (the document prints the name once)
    address: str
    user: Any = None
    #: the buyer's VAT ID: a business buyer's, printed on its invoices
    vat_id: str = ""


def _number(kind: str, day: date) -> str:
    series = "INV" if kind == Invoice.Kind.INVOICE else "CRN"
    return f"{series}-{day.year}-{sequence_next(series=series, year=day.year):06d}"


def _settle(document: Invoice, amount: Decimal) -> None:
    Invoice.objects.filter(pk=document.pk).update(amount_settled=F("amount_settled") + amount)
    document.refresh_from_db(fields=["amount_settled"])
    if document.is_credit_note:
        return
    if document.amount_settled == document.total:
        status = (
            Invoice.Status.CREDITED
            if document.allocations.filter(credit_note__isnull=False).exists()
            and not document.allocations.filter(payment__isnull=False).exists()
            else Invoice.Status.PAID
        )
    elif document.amount_settled > 0:
        status = Invoice.Status.PARTIALLY_PAID
    else:
        status = Invoice.Status.OPEN
    Invoice.objects.filter(pk=document.pk).update(status=status)
    document.status = status


def _create_document(
    *,
    kind: str,
    source: str,
    customer: Customer,
    lines: Sequence[InvoiceLineData],
    currency: str,
    day: date,
    due_in_days: int,
    terms: str,
    order_id: int | None,
    order_number: str,
    customer_reference: str = "",
    credits: Invoice | None = None,
    user: Any = None,
) -> Invoice:
    if not lines:
        raise AccountingError("An invoice needs at least one line.")
    amounts = [line.amounts() for line in lines]
    net = sum((n for n, _ in amounts), ZERO)
    tax = sum((t for _, t in amounts), ZERO)
    goods = sum(
        (n for (n, _), line in zip(amounts, lines, strict=True) if not line.is_shipping), ZERO
    )
    shipping = net - goods
    total = net + tax
    is_invoice = kind == Invoice.Kind.INVOICE
    sales_side, receivable_side = (credit, debit) if is_invoice else (debit, credit)
    label = "Invoice" if is_invoice else "Credit note"
    entry = journal_entry_post(
        source=source,
        kind=kind,
        description=f"{label} for order {order_number or '-'} ({customer.name})",
        postings=[
            receivable_side("receivable", total),
            sales_side("revenue", goods),
            sales_side("shipping_income", shipping),
            sales_side("tax_payable", tax),
        ],
        day=day,
        currency=currency,
        user=user,
    )
    if entry is None:
        raise AccountingError("An invoice for nothing cannot be issued.")
    document = Invoice.objects.create(
        number=_number(kind, day),
        kind=kind,
        issue_date=day,
        due_date=day + timedelta(days=due_in_days),
        currency=currency,
        net_total=net,
        tax_total=tax,
        total=total,
        customer=customer.user if getattr(customer.user, "pk", None) else None,
        customer_email=customer.email,
        billing_name=customer.name,
        billing_address=customer.address,
        order_id=order_id,
        order_number=order_number,
        customer_reference=customer_reference,
        buyer_vat_id=customer.vat_id,
        credits=credits,
        source=source,
        payment_terms=terms,
        entry=entry,
        **seller_now().as_fields(),
    )
    InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(
                invoice=document,
                description=line.description[:255],
                sku=line.sku,
                quantity=line.quantity,
                unit_price=line.unit_price,
                tax_rate=line.tax_rate,
                net=line_net,
                tax=line_tax,
                total=line_net + line_tax,
                is_shipping=line.is_shipping,
            )
            for line, (line_net, line_tax) in zip(lines, amounts, strict=True)
        ]
    )
    outbox_event_record(
        event="invoice.created",
        payload={
            "number": document.number,
            "kind": document.kind,
            "order": document.order_number,
            "customer_reference": document.customer_reference,
            "customer_email": document.customer_email,
            "issue_date": document.issue_date.isoformat(),
            "due_date": document.due_date.isoformat(),
            "net": money_json(document.net_total, document.currency),
            "tax": money_json(document.tax_total, document.currency),
            "total": money_json(document.total, document.currency),
            "credits": document.credits.number if document.credits else None,
        },
    )
    return document


def invoice_issue(
    *,
    source: str,
    customer: Customer,
    lines: Sequence[InvoiceLineData],
    currency: str | None = None,
    day: date | None = None,
    due_in_days: int = 0,
    terms: str = "Due on receipt",
    order_id: int | None = None,
    order_number: str = "",
    customer_reference: str = "",
    user: Any = None,
) -> Invoice:
    """Issue (and post) an invoice once per source; prepayments of the order settle it.

    The seller is copied from the settings as they are now, with the buyer
    (name, address, VAT ID) and the customer's order reference: the invoice
    prints these ever after."""
    with transaction.atomic():
        existing = Invoice.objects.filter(source=source).first()
        if existing is not None:
            return existing
        day = day or business_date()
        invoice = _create_document(
            kind=Invoice.Kind.INVOICE,
            source=source,
            customer=customer,
            lines=lines,
            currency=currency or settings.OSCAR_DEFAULT_CURRENCY,
            day=day,
            due_in_days=due_in_days,
            terms=terms,
            order_id=order_id,
            order_number=order_number,
            customer_reference=customer_reference,
            user=user,
        )
        if order_id is not None:
            for payment in unapplied_payments(order_id=order_id):
                available = payment_unapplied(payment)
                if invoice.balance <= 0:
                    break
                payment_allocate(
                    payment=payment, invoice=invoice, amount=min(available, invoice.balance)
                )
        return invoice


def credit_note_issue(
    *,
    source: str,
    invoice: Invoice,
    lines: Sequence[InvoiceLineData],
    day: date | None = None,
    user: Any = None,
) -> Invoice:
    """Credit (part of) an invoice; settles it if still open, else awaits a refund.

    It bills the invoice's buyer (VAT ID and order reference included), and
    names the seller as the settings say at its own issue."""
    with transaction.atomic():
        existing = Invoice.objects.filter(source=source).first()
        if existing is not None:
            return existing
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        day = day or business_date()
        credit_note = _create_document(
            kind=Invoice.Kind.CREDIT_NOTE,
            source=source,
            customer=Customer(
                invoice.customer_email,
                invoice.billing_name,
                invoice.billing_address,
                invoice.customer,
                vat_id=invoice.buyer_vat_id,
            ),
            lines=lines,
            currency=invoice.currency,
            day=day,
            due_in_days=0,
            terms="Credit",
            order_id=invoice.order_id,
            order_number=invoice.order_number,
            customer_reference=invoice.customer_reference,
            credits=invoice,
            user=user,
        )
        settle = min(invoice.balance, credit_note.total)
        if settle > 0:
            PaymentAllocation.objects.create(
                credit_note=credit_note, invoice=invoice, amount=settle
            )
            _settle(invoice, settle)
            _settle(credit_note, settle)
        return credit_note


def unapplied_payments(*, order_id: int) -> list[Payment]:
    return [
        payment
        for payment in Payment.objects.filter(
            order_id=order_id, direction=Payment.Direction.RECEIVED
        ).order_by("pk")
        if payment_unapplied(payment) > 0
    ]


def payment_unapplied(payment: Payment) -> Decimal:
    """What is left of money received: not applied to invoices, not refunded."""
    allocated = sum((a.amount for a in payment.allocations.all()), ZERO)
    refunded = sum((r.amount for r in payment.refunds.all()), ZERO)
    return payment.amount - allocated - refunded


def payment_receive(
    *,
    source: str,
    amount: Decimal,
    method: str,
    reference: str = "",
    payer: str = "",
    currency: str | None = None,
    day: date | None = None,
    customer: Any = None,
    order_id: int | None = None,
    invoice: Invoice | None = None,
    user: Any = None,
) -> Payment:
    """Money in; settles ``invoice`` (as far as it goes), the rest is a prepayment."""
    amount = money(amount)
    if amount <= 0:
        raise AccountingError("A payment must be more than zero.")
    with transaction.atomic():
        existing = Payment.objects.filter(source=source).first()
        if existing is not None:
            return existing
        if invoice is not None:
            invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
            if invoice.is_credit_note:
                raise AccountingError("Money received cannot settle a credit note.")
        applied = min(amount, invoice.balance) if invoice is not None else ZERO
        entry = journal_entry_post(
            source=source,
            kind="payment",
            description=f"Payment {reference or ''} from {payer or 'customer'}".strip(),
            postings=[
                debit("bank", amount),
                credit("receivable", applied),
                credit("customer_prepayments", amount - applied),
            ],
            day=day,
            currency=currency,
            user=user,
        )
        assert entry is not None  # the bank line is never zero
        payment = Payment.objects.create(
            direction=Payment.Direction.RECEIVED,
            method=method,
            date=day or business_date(),
            amount=amount,
            currency=currency or settings.OSCAR_DEFAULT_CURRENCY,
            reference=reference[:255],
            payer=payer[:255],
            customer=customer if getattr(customer, "pk", None) else None,
            order_id=order_id,
            source=source,
            entry=entry,
        )
        if invoice is not None and applied > 0:
            PaymentAllocation.objects.create(payment=payment, invoice=invoice, amount=applied)
            _settle(invoice, applied)
        return payment


def payment_allocate(
    *, payment: Payment, invoice: Invoice, amount: Decimal, user: Any = None
) -> PaymentAllocation:
    """Apply part of a prepayment to an invoice: prepayments -> receivables."""
    amount = money(amount)
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if invoice.is_credit_note:
            raise AccountingError("A payment cannot be applied to a credit note.")
        if amount <= 0 or amount > payment_unapplied(payment) or amount > invoice.balance:
            raise AccountingError(
                f"Can apply at most {min(payment_unapplied(payment), invoice.balance)} "
                f"of this payment to {invoice.number}."
            )
        count = payment.allocations.count()
        entry = journal_entry_post(
            source=f"payment:{payment.pk}:{count + 1}",
            kind="payment_applied",
            description=f"Prepayment applied to {invoice.number}",
            postings=[debit("customer_prepayments", amount), credit("receivable", amount)],
            currency=payment.currency,
            user=user,
        )
        allocation = PaymentAllocation.objects.create(
            payment=payment, invoice=invoice, amount=amount, entry=entry
        )
        _settle(invoice, amount)
        return allocation


def refund_pay(
    *,
    source: str,
    amount: Decimal,
    method: str,
    credit_note: Invoice | None = None,
    prepayment: Payment | None = None,
    order_id: int | None = None,
    reference: str = "",
    customer: Any = None,
    day: date | None = None,
    user: Any = None,
) -> Payment:
    """Money out: settles a credit note, or gives back an unapplied prepayment."""
    amount = money(amount)
    if amount <= 0:
        raise AccountingError("A refund must be more than zero.")
    with transaction.atomic():
        existing = Payment.objects.filter(source=source).first()
        if existing is not None:
            return existing
        if credit_note is not None:
            credit_note = Invoice.objects.select_for_update().get(pk=credit_note.pk)
            if amount > credit_note.balance:
                raise AccountingError(
                    f"Only {credit_note.balance} of {credit_note.number} is left to refund."
                )
            counter = debit("receivable", amount)
        elif prepayment is not None:
            prepayment = Payment.objects.select_for_update().get(pk=prepayment.pk)
            if amount > payment_unapplied(prepayment):
                raise AccountingError(
                    f"Only {payment_unapplied(prepayment)} of that payment is left to refund."
                )
            counter = debit("customer_prepayments", amount)
        else:
            raise AccountingError("Say what the refund is for: a credit note or a prepayment.")
        entry = journal_entry_post(
            source=source,
            kind="refund",
            description=f"Refund {reference}".strip(),
            postings=[counter, credit("bank", amount)],
            day=day,
            user=user,
        )
        assert entry is not None  # the bank line is never zero
        refund = Payment.objects.create(
            direction=Payment.Direction.REFUNDED,
            method=method,
            date=day or business_date(),
            amount=amount,
            currency=settings.OSCAR_DEFAULT_CURRENCY,
            reference=reference[:255],
            customer=customer if getattr(customer, "pk", None) else None,
            order_id=order_id,
            source=source,
            entry=entry,
            refund_of=prepayment,
        )
        if credit_note is not None:
            PaymentAllocation.objects.create(payment=refund, invoice=credit_note, amount=amount)
            _settle(credit_note, amount)
        return refund

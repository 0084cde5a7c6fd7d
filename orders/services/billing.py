"""Orders' side of the books: what an order's events post, through accounting.

- shipping a parcel issues the invoice for what is in it (plus the shipping
  charge with the first parcel); a card order's capture pays it at once, a
  bank-transfer order's prepayment settles it;
- the payment of a bank-transfer order is a customer prepayment until then;
- a cancelled, already-paid order gives its prepayment back;
- a received return issues a credit note for the returned lines, and the
  refund (to the card) settles it.
All of it runs inside the caller's transaction, so the books change exactly
when the order does.
"""

from collections import defaultdict
from decimal import Decimal
from typing import Any

from accounting import services as accounting
from accounting.models import Invoice, InvoiceLine, Payment
from crm.selectors import company_for
from orders.models import ReturnRequest, Shipment
from orders.payment_gateways import PaymentMethod

ZERO = Decimal("0")


def _terms(order: Any) -> tuple[int, str]:
    """Days to pay and the terms' name: the company's for orders on account."""
    if order.payment_method == PaymentMethod.ON_ACCOUNT:
        company = company_for(order.user)
        if company is not None:
            return company.payment_terms, company.get_payment_terms_display()
    return 0, "Due on receipt"


def without_name(lines: list[str], name: str) -> str:
    """The address lines, without a first line that repeats the name (the
    documents print the name once, above the address)."""
    lines = [line.strip() for line in lines if line and line.strip()]
    if lines and lines[0].casefold() == name.strip().casefold():
        lines = lines[1:]
    return "\n".join(lines)


def postal_lines(address: Any) -> list[str]:
    """An order address's lines below the addressee's name."""
    fields = [field for field in address.base_fields if field != "salutation"]
    return [str(line) for line in address.get_address_field_values(fields)]


def _customer(order: Any) -> accounting.Customer:
    """Who the invoice bills: a business buyer's company, with its VAT ID, at
    the billing address of the order (else the company's); a consumer at the
    order's billing (else shipping) address. The name is kept apart from the
    address lines, so the documents print it once."""
    company = company_for(order.user)
    if company is not None:
        lines = (
            postal_lines(order.billing_address)
            if order.billing_address is not None
            else company.billing_address.splitlines()
        )
        return accounting.Customer(
            email=order.email or company.email,
            name=company.name,
            address=without_name(lines, company.name),
            user=order.user,
            vat_id=company.tax_id.strip(),
        )
    address = order.billing_address or order.shipping_address
    name = (address.salutation if address else "") or order.email or "Customer"
    return accounting.Customer(
        email=order.email or "",
        name=name,
        address=without_name(postal_lines(address) if address else [], name),
        user=order.user,
    )


def _tax_rate(net: Decimal, gross: Decimal) -> Decimal:
    return ((gross - net) / net).quantize(Decimal("0.0001")) if net else ZERO


def invoice_shipment(
    *, order: Any, shipment: Shipment, first_parcel: bool, user: Any = None
) -> Invoice:
    lines = []
    for shipment_line in shipment.lines.select_related("order_line"):
        line = shipment_line.order_line
        share = Decimal(shipment_line.quantity) / Decimal(line.quantity)
        net = accounting.money(line.line_price_excl_tax * share)
        gross = accounting.money(line.line_price_incl_tax * share)
        lines.append(
            accounting.InvoiceLineData(
                description=line.title,
                sku=line.partner_sku,
                quantity=Decimal(shipment_line.quantity),
                unit_price=(line.line_price_excl_tax / line.quantity).quantize(Decimal("0.0001")),
                tax_rate=_tax_rate(net, gross),
                net=net,
                tax=gross - net,
            )
        )
    if first_parcel and order.shipping_incl_tax:
        lines.append(
            accounting.InvoiceLineData(
                description=f"Shipping: {order.shipping_method}",
                quantity=Decimal(1),
                unit_price=order.shipping_excl_tax,
                tax_rate=_tax_rate(order.shipping_excl_tax, order.shipping_incl_tax),
                is_shipping=True,
                net=order.shipping_excl_tax,
                tax=order.shipping_incl_tax - order.shipping_excl_tax,
            )
        )
    due_in_days, terms = _terms(order)
    return accounting.invoice_issue(
        source=f"shipment:{shipment.pk}",
        customer=_customer(order),
        lines=lines,
        due_in_days=due_in_days,
        terms=terms,
        currency=order.currency,
        order_id=order.pk,
        order_number=order.number,
        customer_reference=order.customer_reference,
        user=user,
    )


def card_capture_post(
    *, order: Any, invoice: Invoice, amount: Decimal, reference: str, user: Any = None
) -> None:
    """Post a card capture to the ledger: the money received settles ``invoice``."""
    if amount <= 0:
        return
    accounting.payment_receive(
        source=f"capture:{invoice.source}",
        amount=amount,
        method=Payment.Method.CARD,
        reference=reference or f"card payment for order {order.number}",
        payer=invoice.billing_name,
        currency=order.currency,
        customer=order.user,
        order_id=order.pk,
        invoice=invoice,
        user=user,
    )


def bank_transfer_received(*, order: Any, reference: str, user: Any = None) -> None:
    accounting.payment_receive(
        source=f"order-paid:{order.pk}",
        amount=order.total_incl_tax,
        method=Payment.Method.BANK_TRANSFER,
        reference=reference or f"order {order.number}",
        currency=order.currency,
        customer=order.user,
        order_id=order.pk,
        user=user,
    )


def prepayments_refunded(*, order: Any, user: Any = None) -> Decimal:
    refunded = ZERO
    for payment in accounting.unapplied_payments(order_id=order.pk):
        amount = accounting.payment_unapplied(payment)
        accounting.refund_pay(
            source=f"refund-prepayment:{payment.pk}",
            amount=amount,
            method=Payment.Method.BANK_TRANSFER,
            prepayment=payment,
            order_id=order.pk,
            reference=f"refund for cancelled order {order.number}",
            customer=order.user,
            user=user,
        )
        refunded += amount
    return refunded


def credit_return(*, order: Any, return_request: ReturnRequest, user: Any = None) -> list[Invoice]:
    """Credit notes for the returned lines, against the invoices that billed them."""
    wanted: dict[str, Decimal] = defaultdict(Decimal)
    order_lines = {}
    for line in return_request.lines.select_related("order_line"):
        wanted[line.order_line.partner_sku] += Decimal(line.quantity)
        order_lines[line.order_line.partner_sku] = line.order_line
    per_invoice: dict[int, list[accounting.InvoiceLineData]] = defaultdict(list)
    invoices = {}
    billed = (
        InvoiceLine.objects.filter(
            invoice__order_id=order.pk,
            invoice__kind=Invoice.Kind.INVOICE,
            is_shipping=False,
            sku__in=list(wanted),
        )
        .select_related("invoice")
        .order_by("invoice_id", "pk")
    )
    for invoice_line in billed:
        remaining = wanted[invoice_line.sku]
        if remaining <= 0:
            continue
        quantity = min(remaining, invoice_line.quantity)
        # priced from the order line, as the invoice was: gross stays exact
        order_line = order_lines[invoice_line.sku]
        share = quantity / Decimal(order_line.quantity)
        net = accounting.money(order_line.line_price_excl_tax * share)
        gross = accounting.money(order_line.line_price_incl_tax * share)
        per_invoice[invoice_line.invoice_id].append(
            accounting.InvoiceLineData(
                description=f"Return: {invoice_line.description}",
                sku=invoice_line.sku,
                quantity=quantity,
                unit_price=invoice_line.unit_price,
                tax_rate=invoice_line.tax_rate,
                net=net,
                tax=gross - net,
            )
        )
        invoices[invoice_line.invoice_id] = invoice_line.invoice
        wanted[invoice_line.sku] -= quantity
    return [
        accounting.credit_note_issue(
            source=f"return:{return_request.pk}:invoice:{invoice_id}",
            invoice=invoices[invoice_id],
            lines=lines,
            user=user,
        )
        for invoice_id, lines in per_invoice.items()
    ]


def refund_credit_notes(
    *, order: Any, credit_notes: list[Invoice], method: str, reference: str, user: Any = None
) -> Decimal:
    refunded = ZERO
    for credit_note in credit_notes:
        credit_note.refresh_from_db()
        if credit_note.balance <= 0:
            continue
        accounting.refund_pay(
            source=f"refund:{credit_note.number}",
            amount=credit_note.balance,
            method=method,
            credit_note=credit_note,
            order_id=order.pk,
            reference=reference,
            customer=order.user,
            user=user,
        )
        refunded += credit_note.total
    return refunded

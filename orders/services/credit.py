"""Credit control for orders on account.

A company's exposure is what it owes (open invoices of its buyers, less open
credit notes) plus what it has ordered on account and not yet been invoiced
for. A new on-account order must keep the exposure within the credit limit.
The check runs inside the order's transaction with the company row locked,
so concurrent orders of one company are checked one after the other and can
never together pass the limit.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from oscar.core.loading import get_model

from accounting.models import Invoice
from crm.lock_objects import company_for_update
from crm.models import Company
from crm.selectors import company_for
from orders import statuses
from orders.payment_gateways import PaymentMethod
from orders.services.errors import OrderError

Order = get_model("order", "Order")
ZERO = Decimal("0")


class CreditLimitExceeded(OrderError):
    def __init__(self, company: Company, available: Decimal, total: Decimal, currency: str) -> None:
        self.available = available
        self.currency = currency
        super().__init__(
            f"This order ({total} {currency}) is more than the credit available to "
            f"{company.name} ({max(available, ZERO)} {currency} of {company.credit_limit}). "
            "Pay by card or bank transfer, or ask us to raise the limit."
        )


@dataclass(frozen=True)
class CreditPosition:
    limit: Decimal
    receivables: Decimal
    uninvoiced: Decimal

    @property
    def exposure(self) -> Decimal:
        return self.receivables + self.uninvoiced

    @property
    def available(self) -> Decimal:
        return self.limit - self.exposure


def credit_position(company: Company) -> CreditPosition:
    buyers = company.buyers.values("user_id")
    documents = Invoice.objects.filter(customer_id__in=buyers).aggregate(
        owed=Coalesce(
            Sum(F("total") - F("amount_settled"), filter=Q(kind=Invoice.Kind.INVOICE)), ZERO
        ),
        credited=Coalesce(
            Sum(F("total") - F("amount_settled"), filter=Q(kind=Invoice.Kind.CREDIT_NOTE)), ZERO
        ),
    )
    open_orders = Order.objects.filter(
        user_id__in=buyers,
        payment_method=PaymentMethod.ON_ACCOUNT,
        status__in=statuses.OPEN_ON_ACCOUNT,
    )
    ordered = open_orders.aggregate(total=Coalesce(Sum("total_incl_tax"), ZERO))["total"]
    invoiced = Invoice.objects.filter(order__in=open_orders, kind=Invoice.Kind.INVOICE).aggregate(
        total=Coalesce(Sum("total"), ZERO)
    )["total"]
    return CreditPosition(
        limit=company.credit_limit,
        receivables=documents["owed"] - documents["credited"],
        uninvoiced=ordered - invoiced,
    )


def check_on_account_order(*, user: Any, total: Decimal, currency: str) -> str:
    """The status an on-account order may be placed in; raises when refused.

    Call inside the order's transaction: the company row stays locked until
    the order commits.
    """
    company = company_for(user)
    if company is None:
        raise OrderError("Only business customers can order on account.")
    company = company_for_update(company.pk)
    position = credit_position(company)
    if total <= position.available:
        return statuses.READY
    if company.over_limit == Company.OverLimit.HOLD:
        return statuses.CREDIT_HOLD
    raise CreditLimitExceeded(company, position.available, total, currency)

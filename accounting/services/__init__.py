"""Writes of accounting: the journal, invoices and credit notes, payments.

Other apps post their business events through these functions, inside their
own transactions; accounting imports none of them.
"""

from accounting.services.errors import AccountingError
from accounting.services.invoicing import (
    Customer,
    InvoiceLineData,
    credit_note_issue,
    invoice_issue,
    payment_allocate,
    payment_receive,
    payment_unapplied,
    refund_pay,
    unapplied_payments,
)
from accounting.services.journal import (
    Posting,
    backdated,
    business_date,
    credit,
    debit,
    journal_entry_post,
    journal_entry_reverse,
    money,
    money_json,
    period_close,
    period_reopen,
)

__all__ = [
    "AccountingError",
    "Customer",
    "InvoiceLineData",
    "Posting",
    "backdated",
    "business_date",
    "credit",
    "credit_note_issue",
    "debit",
    "invoice_issue",
    "journal_entry_post",
    "journal_entry_reverse",
    "money",
    "money_json",
    "payment_allocate",
    "payment_receive",
    "payment_unapplied",
    "period_close",
    "period_reopen",
    "refund_pay",
    "unapplied_payments",
]

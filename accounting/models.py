"""Accounting models: the single truth about money.

Invariants, enforced by PostgreSQL (migration 0002) and not only by Python:

- every journal entry balances: per entry, debits = credits (a deferred
  constraint trigger checks at commit, so lines can be inserted one by one);
- journal entries and lines are immutable once written: corrections are
  reversing entries;
- each business event posts at most once: ``(source, kind)`` is unique;
- line amounts are positive; the side says debit or credit;
- an entry is dated in an open fiscal period (checked by the posting service).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models


class Account(models.Model):
    class Type(models.TextChoices):
        ASSET = "asset", "Asset"
        LIABILITY = "liability", "Liability"
        EQUITY = "equity", "Equity"
        INCOME = "income", "Income"
        EXPENSE = "expense", "Expense"

    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=128)
    type = models.CharField(max_length=16, choices=Type.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_debit_normal(self) -> bool:
        return self.type in {self.Type.ASSET, self.Type.EXPENSE}


class PostingRule(models.Model):
    """Which account each kind of posting uses: the one place to configure it."""

    class Role(models.TextChoices):
        BANK = "bank", "Bank"
        CASH = "cash", "Cash"
        RECEIVABLE = "receivable", "Accounts receivable"
        CUSTOMER_PREPAYMENTS = "customer_prepayments", "Customer prepayments"
        INVENTORY = "inventory", "Inventory"
        GRNI = "grni", "Goods received not invoiced"
        PAYABLE = "payable", "Accounts payable"
        TAX_PAYABLE = "tax_payable", "Sales tax payable"
        REVENUE = "revenue", "Sales revenue"
        SHIPPING_INCOME = "shipping_income", "Shipping income"
        COGS = "cogs", "Cost of goods sold"
        INVENTORY_ADJUSTMENT = "inventory_adjustment", "Inventory adjustments"
        WAGES = "wages", "Wages expense"
        INPUT_TAX = "input_tax", "Input VAT (recoverable)"
        PURCHASE_PRICE_VARIANCE = "purchase_price_variance", "Purchase price variance"
        LANDED_COST_ACCRUAL = "landed_cost_accrual", "Freight and duty accrued"
        EQUITY = "equity", "Owner's equity"
        OPENING_BALANCE = "opening_balance", "Opening balance equity"
        RETAINED_EARNINGS = "retained_earnings", "Retained earnings"

    role = models.CharField(max_length=32, choices=Role.choices, unique=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["role"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} -> {self.account}"


class FiscalPeriod(models.Model):
    """A month of the books; once closed, nothing can be posted into it."""

    start = models.DateField(unique=True)
    end = models.DateField()
    is_closed = models.BooleanField(default=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="period_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.start:%B %Y}" + (" (closed)" if self.is_closed else "")


class JournalEntry(models.Model):
    date = models.DateField(db_index=True)
    description = models.CharField(max_length=255)
    source = models.CharField(
        max_length=64, help_text="The document that caused it, e.g. shipment:42."
    )
    kind = models.CharField(max_length=32, help_text="What the posting is, e.g. invoice, cogs.")
    currency = models.CharField(max_length=3)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    posted_at = models.DateTimeField(auto_now_add=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "journal entries"
        ordering = ["-date", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["source", "kind"], name="journal_entry_posts_once"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.kind} {self.source}"


class JournalLine(models.Model):
    class Side(models.TextChoices):
        DEBIT = "D", "Debit"
        CREDIT = "C", "Credit"

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lines")
    side = models.CharField(max_length=1, choices=Side.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    memo = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["account", "entry"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="journal_line_amount_gt_0"
            ),
            models.CheckConstraint(
                condition=models.Q(side__in=["D", "C"]), name="journal_line_side"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_side_display()} {self.account} {self.amount}"

    @property
    def signed_amount(self) -> Decimal:
        return self.amount if self.side == self.Side.DEBIT else -self.amount


class Invoice(models.Model):
    """A customer invoice or credit note, with a gap-free number per series and year."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", "Invoice"
        CREDIT_NOTE = "credit_note", "Credit note"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PARTIALLY_PAID = "partially_paid", "Partially paid"
        PAID = "paid", "Paid"
        CREDITED = "credited", "Credited"

    number = models.CharField(max_length=32, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.INVOICE)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    issue_date = models.DateField()
    due_date = models.DateField()
    currency = models.CharField(max_length=3)
    net_total = models.DecimalField(max_digits=14, decimal_places=2)
    tax_total = models.DecimalField(max_digits=14, decimal_places=2)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    amount_settled = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        help_text="Paid, credited or refunded so far.",
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    customer_email = models.EmailField()
    billing_name = models.CharField(max_length=255)
    billing_address = models.TextField()
    order = models.ForeignKey(
        "order.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    order_number = models.CharField(max_length=128, blank=True)
    credits = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes"
    )
    source = models.CharField(max_length=64, unique=True)
    payment_terms = models.CharField(max_length=64, default="Due on receipt")
    entry = models.OneToOneField(JournalEntry, on_delete=models.PROTECT, related_name="invoice")
    # the buyer's VAT ID (B2B) and own order reference (their PO number)
    buyer_vat_id = models.CharField("buyer's VAT ID", max_length=32, blank=True)
    customer_reference = models.CharField("customer's order reference", max_length=64, blank=True)
    # the seller as the settings said when the document was issued: a document
    # prints what it was issued with, whatever the settings say later
    seller_legal_name = models.CharField(max_length=255, blank=True)
    seller_address = models.TextField(blank=True)
    seller_vat_id = models.CharField("seller's VAT ID", max_length=32, blank=True)
    seller_registration = models.CharField(max_length=255, blank=True)
    seller_bank_iban = models.CharField("seller's IBAN", max_length=42, blank=True)
    seller_bank_bic = models.CharField("seller's BIC", max_length=11, blank=True)

    class Meta:
        ordering = ["-issue_date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(total__gte=0), name="invoice_total_gte_0"),
            models.CheckConstraint(
                condition=models.Q(amount_settled__gte=0)
                & models.Q(amount_settled__lte=models.F("total")),
                name="invoice_not_oversettled",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def balance(self) -> Decimal:
        return self.total - self.amount_settled

    @property
    def is_credit_note(self) -> bool:
        return self.kind == self.Kind.CREDIT_NOTE


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    description = models.CharField(max_length=255)
    sku = models.CharField(max_length=128, blank=True)
    quantity = models.DecimalField(max_digits=12, decimal_places=2)
    unit_price = models.DecimalField(max_digits=14, decimal_places=4, help_text="Excluding tax.")
    tax_rate = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0"))
    net = models.DecimalField(max_digits=14, decimal_places=2)
    tax = models.DecimalField(max_digits=14, decimal_places=2)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    is_shipping = models.BooleanField(default=False)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.description}"


class Payment(models.Model):
    """Money in (a receipt) or out (a refund), allocated to invoices."""

    class Direction(models.TextChoices):
        RECEIVED = "received", "Received from customer"
        REFUNDED = "refunded", "Refunded to customer"

    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", "Bank transfer"
        CARD = "card", "Card"
        CASH = "cash", "Cash"

    direction = models.CharField(
        max_length=16, choices=Direction.choices, default=Direction.RECEIVED
    )
    method = models.CharField(max_length=16, choices=Method.choices)
    date = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    reference = models.CharField(max_length=255, blank=True)
    payer = models.CharField(max_length=255, blank=True)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )
    order = models.ForeignKey(
        "order.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    source = models.CharField(max_length=64, unique=True)
    entry = models.OneToOneField(JournalEntry, on_delete=models.PROTECT, related_name="payment")
    refund_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds",
        help_text="The prepayment this refund gives back.",
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.amount} {self.currency} ({self.reference})"


class PaymentAllocation(models.Model):
    """The part of a payment (or credit note) that settles an invoice."""

    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="allocations"
    )
    credit_note = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    entry = models.OneToOneField(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="allocation_amount_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} to {self.invoice}"


class BankStatementLine(models.Model):
    """One line of an imported bank statement; imported once, however often the file is."""

    class Outcome(models.TextChoices):
        MATCHED = "matched", "Matched to an invoice"
        PREPAYMENT = "prepayment", "Matched to an unshipped order"
        PAID_OUT = "paid_out", "Paid to a supplier bill"
        UNMATCHED = "unmatched", "Not matched"

    fingerprint = models.CharField(max_length=64, unique=True)
    date = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    reference = models.CharField(max_length=255)
    payer = models.CharField(max_length=255, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    note = models.CharField(max_length=255, blank=True)
    payment = models.OneToOneField(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="statement_line"
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.date} {self.amount} {self.reference}"

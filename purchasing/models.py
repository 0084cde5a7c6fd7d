"""Purchasing models: what we ordered from whom, what arrived, what we owe.

Invariants, enforced by PostgreSQL (CHECK constraints) and not only by Python:

- per purchase-order line ``0 <= billed_quantity <= received_quantity`` (received
  is net of goods sent back); received never passes ordered by more than the
  over-receipt tolerance (checked by ``purchasing.services`` under the order's
  row lock);
- ``received_value`` is what the line's receipts credited to "goods received not
  invoiced" (GRNI) at the PO price, ``billed_value`` what bills and debit notes
  took back out of it; GRNI of the line is their difference, never negative;
- document numbers (``PO-2026-000001``, ``BILL-...``, ``DN-...``) are gap-free per
  series and year (``erp.services.sequences``);
- a supplier's bill number is unique per supplier (a rejected bill frees it);
- posted bills, debit notes, receipts and payments are never edited: corrections
  are new documents (a debit note, a reversing entry);
- only ``purchasing.services`` writes these tables.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper

ZERO = Decimal("0")


class Supplier(models.Model):
    code = models.CharField(max_length=16, unique=True, help_text="Short code, e.g. ALPINE.")
    name = models.CharField("legal name", max_length=255)
    tax_id = models.CharField("tax ID", max_length=32, blank=True)
    address = models.TextField(blank=True)
    email = models.EmailField(help_text="Purchase orders are e-mailed here.")
    currency = models.CharField(max_length=3, default="EUR")
    payment_terms_days = models.PositiveSmallIntegerField(
        default=30, help_text="Bills are due this many days after their date."
    )
    lead_time_days = models.PositiveSmallIntegerField(
        default=14, help_text="Days from sending an order to its arrival, unless the item says."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code=Upper("code")), name="supplier_code_upper"),
            models.CheckConstraint(condition=Q(currency=Upper("currency")), name="supplier_ccy"),
        ]

    def __str__(self) -> str:
        return f"{self.code} - {self.name}"


class SupplierItem(models.Model):
    """What one supplier sells us of one product, and on which terms."""

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="items")
    product = models.ForeignKey(
        "catalogue.Product", on_delete=models.PROTECT, related_name="supplier_items"
    )
    supplier_sku = models.CharField("supplier's SKU", max_length=64, blank=True)
    unit_cost = models.DecimalField(max_digits=14, decimal_places=4)
    lead_time_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Empty: the supplier's default lead time."
    )
    min_order_quantity = models.PositiveIntegerField(default=1)
    pack_size = models.PositiveIntegerField(default=1, help_text="Order in multiples of this.")
    is_preferred = models.BooleanField(
        default=False, help_text="The supplier replenishment orders from first."
    )

    class Meta:
        ordering = ["supplier__code", "product_id"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "product"], name="supplier_item_once"),
            models.UniqueConstraint(
                fields=["product"], condition=Q(is_preferred=True), name="one_preferred_supplier"
            ),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="supplier_item_cost"),
            models.CheckConstraint(condition=Q(min_order_quantity__gte=1), name="supplier_moq"),
            models.CheckConstraint(condition=Q(pack_size__gte=1), name="supplier_pack_size"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier.code}: {self.product.title}"

    @property
    def effective_lead_time_days(self) -> int:
        if self.lead_time_days is not None:
            return self.lead_time_days
        return self.supplier.lead_time_days


class PurchaseOrder(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent"
        PARTIALLY_RECEIVED = "partially_received", "Partially received"
        RECEIVED = "received", "Received"
        BILLED = "billed", "Billed (closed)"
        CANCELLED = "cancelled", "Cancelled"

    class Origin(models.TextChoices):
        MANUAL = "manual", "Entered by staff"
        REPLENISHMENT = "replenishment", "Proposed by demand planning"

    number = models.CharField(max_length=32, unique=True)
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="purchase_orders")
    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.PROTECT, related_name="purchase_orders"
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.MANUAL)
    currency = models.CharField(max_length=3)
    order_date = models.DateField()
    expected_date = models.DateField()
    payment_terms_days = models.PositiveSmallIntegerField()
    notes = models.TextField(blank=True, help_text="Printed on the order the supplier gets.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-order_date", "-pk"]
        indexes = [models.Index(fields=["supplier", "status"])]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        """Goods may still arrive on it."""
        return self.status in {self.Status.SENT, self.Status.PARTIALLY_RECEIVED}


class PurchaseOrderLine(models.Model):
    order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="lines")
    product = models.ForeignKey(
        "catalogue.Product", on_delete=models.PROTECT, related_name="purchase_order_lines"
    )
    supplier_sku = models.CharField("supplier's SKU", max_length=64, blank=True)
    quantity = models.PositiveIntegerField()
    unit_cost = models.DecimalField(max_digits=14, decimal_places=4)
    received_quantity = models.IntegerField(default=0, help_text="Net of goods sent back.")
    returned_quantity = models.IntegerField(default=0)
    billed_quantity = models.IntegerField(default=0)
    # GRNI of the line = received_value - billed_value (at the PO price)
    received_value = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    billed_value = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["order", "product"], name="po_line_one_per_product"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="po_line_quantity_gt_0"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="po_line_cost_gte_0"),
            models.CheckConstraint(condition=Q(received_quantity__gte=0), name="po_received_gte_0"),
            models.CheckConstraint(condition=Q(returned_quantity__gte=0), name="po_returned_gte_0"),
            models.CheckConstraint(
                condition=Q(billed_quantity__gte=0)
                & Q(billed_quantity__lte=F("received_quantity")),
                name="po_billed_lte_received",
            ),
            models.CheckConstraint(
                condition=Q(billed_value__gte=0) & Q(billed_value__lte=F("received_value")),
                name="po_grni_gte_0",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order.number}: {self.quantity} x {self.product.title}"

    @property
    def open_quantity(self) -> int:
        """Ordered and not yet arrived (never below zero); goods sent back may be
        replaced, so they count as not arrived."""
        return max(self.quantity - self.received_quantity, 0)

    @property
    def total(self) -> Decimal:
        return (self.quantity * self.unit_cost).quantize(Decimal("0.01"))


class Receipt(models.Model):
    """Goods arrived against a purchase order, with what it cost to bring them in."""

    class Basis(models.TextChoices):
        VALUE = "value", "By value"
        QUANTITY = "quantity", "By quantity"

    number = models.CharField(max_length=32, unique=True)
    order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="receipts")
    warehouse = models.ForeignKey("inventory.Warehouse", on_delete=models.PROTECT, related_name="+")
    charges_basis = models.CharField(max_length=8, choices=Basis.choices, default=Basis.VALUE)
    charges_total = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    idempotency_key = models.CharField(max_length=255, blank=True)
    received_at = models.DateTimeField()
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="receipt_idempotency_once",
            ),
            models.CheckConstraint(condition=Q(charges_total__gte=0), name="receipt_charges_gte_0"),
        ]

    def __str__(self) -> str:
        return self.number


class ReceiptLine(models.Model):
    receipt = models.ForeignKey(Receipt, on_delete=models.PROTECT, related_name="lines")
    order_line = models.ForeignKey(
        PurchaseOrderLine, on_delete=models.PROTECT, related_name="receipt_lines"
    )
    quantity = models.PositiveIntegerField()
    unit_cost = models.DecimalField(max_digits=14, decimal_places=4, help_text="The PO price.")
    value = models.DecimalField(
        max_digits=14, decimal_places=2, help_text="Credited to GRNI: quantity at the PO price."
    )
    charges = models.DecimalField(
        max_digits=14, decimal_places=2, default=ZERO, help_text="Landed cost allocated here."
    )
    stock_move = models.OneToOneField(
        "inventory.StockMove", on_delete=models.PROTECT, related_name="purchase_receipt_line"
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="receipt_line_qty_gt_0"),
            models.CheckConstraint(condition=Q(charges__gte=0), name="receipt_line_charges"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} received on {self.receipt_id}"

    @property
    def landed_unit_cost(self) -> Decimal:
        return ((self.value + self.charges) / self.quantity).quantize(Decimal("0.0001"))


class ReceiptCharge(models.Model):
    class Kind(models.TextChoices):
        FREIGHT = "freight", "Freight"
        DUTY = "duty", "Duty"
        INSURANCE = "insurance", "Insurance"
        OTHER = "other", "Other"

    receipt = models.ForeignKey(Receipt, on_delete=models.PROTECT, related_name="charges")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="receipt_charge_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class SupplierBill(models.Model):
    """A supplier's invoice to us (bill) or our claim back for returned goods (debit note)."""

    class Kind(models.TextChoices):
        BILL = "bill", "Bill"
        DEBIT_NOTE = "debit_note", "Debit note"

    class Status(models.TextChoices):
        ON_HOLD = "on_hold", "On hold"
        MATCHED = "matched", "Matched and posted"
        APPROVED = "approved", "Approved and posted"
        REJECTED = "rejected", "Rejected"

    number = models.CharField(max_length=32, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.BILL)
    status = models.CharField(max_length=16, choices=Status.choices, db_index=True)
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="bills")
    order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="bills")
    supplier_reference = models.CharField(
        "supplier's bill number", max_length=64, blank=True, help_text="As printed on their bill."
    )
    bill_date = models.DateField()
    due_date = models.DateField()
    currency = models.CharField(max_length=3)
    net_total = models.DecimalField(max_digits=14, decimal_places=2)
    tax_total = models.DecimalField(max_digits=14, decimal_places=2)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    amount_paid = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    amount_credited = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=ZERO,
        help_text="A bill: debit notes set off against it. A debit note: how much of it is.",
    )
    hold_reasons = models.JSONField(default=list, blank=True)
    credits = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="debit_notes"
    )
    reason = models.CharField(max_length=255, blank=True, help_text="Why goods went back.")
    entry = models.OneToOneField(
        "accounting.JournalEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supplier_bill",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-bill_date", "-pk"]
        permissions = [("approve_supplierbill", "Can approve supplier bills on hold")]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "supplier_reference"],
                condition=Q(kind="bill") & ~Q(status="rejected"),
                name="supplier_bill_reference_once",
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="supplier_bill_total_gte_0"),
            models.CheckConstraint(
                condition=Q(amount_paid__gte=0)
                & Q(amount_credited__gte=0)
                & Q(total__gte=F("amount_paid") + F("amount_credited")),
                name="supplier_bill_settled_within_total",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_posted(self) -> bool:
        return self.status in {self.Status.MATCHED, self.Status.APPROVED}

    @property
    def balance(self) -> Decimal:
        """What is still owed on a posted bill, after payments and debit notes set
        off against it (a debit note owes nothing)."""
        if self.kind != self.Kind.BILL or not self.is_posted:
            return ZERO
        return self.total - self.amount_paid - self.amount_credited

    @property
    def credit_left(self) -> Decimal:
        """A debit note: what the supplier still owes us back (not set off yet)."""
        if self.kind != self.Kind.DEBIT_NOTE:
            return ZERO
        return self.total - self.amount_credited


class SupplierBillLine(models.Model):
    bill = models.ForeignKey(SupplierBill, on_delete=models.PROTECT, related_name="lines")
    order_line = models.ForeignKey(
        PurchaseOrderLine, on_delete=models.PROTECT, related_name="bill_lines"
    )
    quantity = models.PositiveIntegerField()
    unit_cost = models.DecimalField(max_digits=14, decimal_places=4, help_text="Their price.")
    order_unit_cost = models.DecimalField(max_digits=14, decimal_places=4, help_text="PO price.")
    tax_rate = models.DecimalField(max_digits=5, decimal_places=4)
    net = models.DecimalField(max_digits=14, decimal_places=2)
    tax = models.DecimalField(max_digits=14, decimal_places=2)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    stock_move = models.OneToOneField(
        "inventory.StockMove",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supplier_return_line",
        help_text="Debit notes: the goods that went back.",
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="bill_line_qty_gt_0"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="bill_line_cost_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} at {self.unit_cost}"


class SupplierPayment(models.Model):
    """Money paid to a supplier against one of their bills."""

    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", "Bank transfer"
        CASH = "cash", "Cash"

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="payments")
    bill = models.ForeignKey(SupplierBill, on_delete=models.PROTECT, related_name="payments")
    date = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=16, choices=Method.choices, default=Method.BANK_TRANSFER)
    reference = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=64, unique=True)
    entry = models.OneToOneField(
        "accounting.JournalEntry", on_delete=models.PROTECT, related_name="supplier_payment"
    )
    bank_line = models.OneToOneField(
        "accounting.BankStatementLine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supplier_payment",
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="supplier_payment_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.amount} {self.currency} to {self.supplier.code}"

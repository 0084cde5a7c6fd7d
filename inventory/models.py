"""Inventory models: the single truth about stock.

Invariants, enforced by PostgreSQL and not only by Python:

- a stock row never goes negative or oversold: ``0 <= allocated <= on_hand``
  (CHECK constraints);
- stock moves are append-only: a trigger rejects UPDATE and DELETE on
  ``inventory_stockmove`` (corrections are new moves);
- ``on_hand`` of a stock row equals the sum of its moves' quantities and
  ``allocated`` equals the sum of its open allocations (``inventory_audit``
  proves both);
- only ``inventory.services`` writes these tables.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper


class Warehouse(models.Model):
    code = models.CharField(max_length=16, unique=True, help_text="Short code, e.g. BER-1.")
    name = models.CharField(max_length=128)
    address = models.TextField(blank=True)
    is_sellable = models.BooleanField(
        default=True,
        help_text="Stock here is offered on the storefront (off for returns/quarantine).",
    )
    priority = models.PositiveSmallIntegerField(
        default=100, help_text="Lower numbers are allocated from first."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["priority", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code=Upper("code")), name="warehouse_code_upper"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} - {self.name}"

    def save(self, *args, **kwargs):
        self.clean()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.code = self.code.strip().upper()


class Stock(models.Model):
    """What one warehouse holds of one product."""

    product = models.ForeignKey(
        "catalogue.Product", on_delete=models.PROTECT, related_name="stock_rows"
    )
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock_rows")
    on_hand = models.IntegerField(default=0)
    allocated = models.IntegerField(default=0, help_text="Promised to open orders.")
    reorder_level = models.PositiveIntegerField(
        default=5, help_text="At or below this many available, the row counts as low stock."
    )

    class Meta:
        verbose_name = "stock"
        verbose_name_plural = "stock"
        ordering = ["warehouse__priority", "product_id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "warehouse"], name="stock_one_row"),
            models.CheckConstraint(condition=models.Q(on_hand__gte=0), name="stock_on_hand_gte_0"),
            models.CheckConstraint(
                condition=models.Q(allocated__gte=0), name="stock_allocated_gte_0"
            ),
            models.CheckConstraint(
                condition=models.Q(allocated__lte=models.F("on_hand")),
                name="stock_not_oversold",
            ),
        ]

    def __str__(self) -> str:
        # names, not row ids: staff read it in titles and lists (select the related rows)
        return f"{self.product.title} in {self.warehouse.code}: {self.on_hand} on hand"

    @property
    def available(self) -> int:
        return self.on_hand - self.allocated


class StockMove(models.Model):
    """One change of on-hand stock, never edited or deleted."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", "Receipt"
        SHIPMENT = "shipment", "Shipment"
        TRANSFER_OUT = "transfer_out", "Transfer out"
        TRANSFER_IN = "transfer_in", "Transfer in"
        ADJUSTMENT = "adjustment", "Adjustment"
        COUNT = "count", "Count"
        RETURN = "return", "Return"
        SUPPLIER_RETURN = "supplier_return", "Returned to supplier"
        OPENING = "opening", "Opening balance"

    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="moves")
    product = models.ForeignKey("catalogue.Product", on_delete=models.PROTECT, related_name="+")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    quantity = models.IntegerField(help_text="Positive adds to on hand, negative removes.")
    unit_cost = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal("0"))
    reference = models.CharField(
        max_length=64, blank=True, help_text="The document that caused it, e.g. order 100023."
    )
    reason = models.CharField(max_length=255, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    occurred_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["stock", "occurred_at"])]
        constraints = [
            models.CheckConstraint(condition=~models.Q(quantity=0), name="stock_move_not_zero"),
            models.CheckConstraint(
                condition=models.Q(unit_cost__gte=0), name="stock_move_cost_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity:+d} of {self.product.title}"


class Allocation(models.Model):
    """Units of a stock row promised to an order line; ``quantity`` is what is still open."""

    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="allocations")
    order_line = models.ForeignKey(
        "order.Line", on_delete=models.PROTECT, related_name="allocations"
    )
    quantity = models.IntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="allocation_gte_0"),
            models.UniqueConstraint(fields=["order_line", "stock"], name="allocation_one_row"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of {self.stock} for order {self.order_line.order.number}"


class ProductCost(models.Model):
    """Moving-average cost of a product over all warehouses.

    ``quantity`` is the product's on hand everywhere and ``value`` what it is
    worth in the books: every move changes both by exactly the amount posted
    to the inventory account, so the stock valuation (sum of ``value``) equals
    that account to the cent.
    """

    product = models.OneToOneField(
        "catalogue.Product", on_delete=models.PROTECT, related_name="inventory_cost"
    )
    average_cost = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal("0"))
    quantity = models.IntegerField(default=0)
    value = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(average_cost__gte=0), name="product_cost_gte_0"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=0), name="product_cost_qty_gte_0"
            ),
            models.CheckConstraint(
                condition=models.Q(value__gte=0), name="product_cost_value_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.title}: {self.average_cost}"


class ProductSpecification(models.Model):
    """What the warehouse and the carriers need to know about a product beyond
    Oscar's catalogue: weight and outer dimensions of one packed unit, and the
    standard cost (book currency) used before the first receipt gives a moving
    average. One row per product, written by the importer and the admin."""

    product = models.OneToOneField(
        "catalogue.Product", on_delete=models.CASCADE, related_name="specification"
    )
    weight_kg = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    length_cm = models.DecimalField(max_digits=8, decimal_places=1, null=True, blank=True)
    width_cm = models.DecimalField(max_digits=8, decimal_places=1, null=True, blank=True)
    height_cm = models.DecimalField(max_digits=8, decimal_places=1, null=True, blank=True)
    standard_cost = models.DecimalField(
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Expected unit cost in the book currency until stock is received.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight_kg__gte=0)
                & models.Q(length_cm__gte=0)
                & models.Q(width_cm__gte=0)
                & models.Q(height_cm__gte=0)
                & models.Q(standard_cost__gte=0),
                name="product_specification_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"Specification of product {self.product_id}"


class SkuRepair(models.Model):
    """A SKU the SKU-policy migration could not simply normalise: it collided with
    another listing's SKU after normalisation, or held characters the policy does not
    allow. The listing got ``assigned_sku`` (unique, keeping the policy) and this row
    asks a person to choose the real one; the data-quality report lists the rows
    whose listing still carries the assigned SKU."""

    class Reason(models.TextChoices):
        COLLISION = "collision", "Same SKU as another listing after normalising"
        INVALID = "invalid", "Characters the SKU policy does not allow"

    stock_record = models.ForeignKey(
        "partner.StockRecord", on_delete=models.CASCADE, related_name="+"
    )
    original_sku = models.CharField(max_length=128)
    assigned_sku = models.CharField(max_length=64)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.original_sku} -> {self.assigned_sku}"

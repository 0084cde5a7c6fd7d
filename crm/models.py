"""CRM: B2B customer accounts, their buyers and contacts, and price lists.

Invariants:

- a user buys for at most one company (``Buyer.user`` is unique);
- a price list item is unique per product and minimum quantity; its price
  excludes tax (B2B prices are net), in the list's currency;
- a category discount is a percentage between 0 and 100;
- credit limits and prices are never taken from a client: every price is
  resolved by ``crm.selectors.price_quotes`` on the server;
- a company address is for billing, shipping or both (never neither); a buyer
  picks one of their own company's at checkout and the order gets a copy, so
  editing or deleting the company's address later never changes an order.
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class PriceList(models.Model):
    name = models.CharField(max_length=128)
    currency = models.CharField(max_length=3, default="EUR")
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="price_list_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_valid_on(self, day: date) -> bool:
        return (
            self.is_active
            and (self.valid_from is None or self.valid_from <= day)
            and (self.valid_to is None or day <= self.valid_to)
        )


class PriceListItem(models.Model):
    """A fixed net price for a product, from a minimum quantity (quantity breaks)."""

    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey("catalogue.Product", on_delete=models.CASCADE, related_name="+")
    min_quantity = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    price = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        ordering = ["price_list", "product", "min_quantity"]
        constraints = [
            models.UniqueConstraint(
                fields=["price_list", "product", "min_quantity"], name="price_list_item_once"
            ),
            models.CheckConstraint(
                condition=models.Q(min_quantity__gte=1), name="min_quantity_gte_1"
            ),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="price_list_price_gte_0"),
        ]

    def __str__(self) -> str:
        # product and price list come with it in the admin (select_related there)
        return (
            f"{self.product.get_title()} from {self.min_quantity}: "
            f"{self.price} {self.price_list.currency}"
        )


class CategoryDiscount(models.Model):
    """A percentage off the list price for every product in a category (and below)."""

    price_list = models.ForeignKey(
        PriceList, on_delete=models.CASCADE, related_name="category_discounts"
    )
    category = models.ForeignKey("catalogue.Category", on_delete=models.CASCADE, related_name="+")
    percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["price_list", "category"], name="category_discount_once"
            ),
            models.CheckConstraint(
                condition=models.Q(percent__gte=0) & models.Q(percent__lte=100),
                name="category_discount_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.percent} % off {self.category.name}"


class Company(models.Model):
    class Terms(models.IntegerChoices):
        DUE_ON_RECEIPT = 0, "Due on receipt"
        NET_15 = 15, "Net 15"
        NET_30 = 30, "Net 30"
        NET_60 = 60, "Net 60"

    class OverLimit(models.TextChoices):
        REFUSE = "refuse", "Refuse the order"
        HOLD = "hold", "Place it on credit hold for approval"

    name = models.CharField(max_length=255)
    tax_id = models.CharField("tax id (VAT number)", max_length=32, blank=True)
    billing_address = models.TextField()
    email = models.EmailField(help_text="Where invoices and statements go.")
    payment_terms = models.IntegerField(choices=Terms.choices, default=Terms.NET_30)
    credit_limit = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    over_limit = models.CharField(max_length=8, choices=OverLimit.choices, default=OverLimit.REFUSE)
    price_list = models.ForeignKey(
        PriceList, null=True, blank=True, on_delete=models.SET_NULL, related_name="companies"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name_plural = "companies"
        ordering = ["name"]
        permissions = [("override_credit_hold", "Can release orders on credit hold")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(credit_limit__gte=0), name="credit_limit_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Buyer(models.Model):
    """A login that orders for a company, on its account and at its prices."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="buyer"
    )
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="buyers")

    class Meta:
        ordering = ["company", "user"]

    def __str__(self) -> str:
        return f"{self.user} for {self.company}"


class Contact(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=255)
    role = models.CharField(max_length=128, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["company", "name"]

    def __str__(self) -> str:
        return self.name


class CompanyAddress(models.Model):
    """An address of a company its buyers choose at checkout (billing, shipping or both)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(
        max_length=64, help_text="How buyers recognise it, e.g. “Head office” or “Warehouse Ulm”."
    )
    attention = models.CharField("for the attention of", max_length=128, blank=True)
    line1 = models.CharField("street and number", max_length=255)
    line2 = models.CharField("address line 2", max_length=255, blank=True)
    postcode = models.CharField(max_length=64)
    city = models.CharField(max_length=255)
    state = models.CharField("state / region", max_length=255, blank=True)
    country = models.ForeignKey("address.Country", on_delete=models.PROTECT, related_name="+")
    phone_number = models.CharField(max_length=32, blank=True)
    is_billing = models.BooleanField("billing address", default=False)
    is_shipping = models.BooleanField("shipping address", default=True)

    class Meta:
        verbose_name_plural = "company addresses"
        ordering = ["company", "label", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_billing=True) | models.Q(is_shipping=True),
                name="company_address_billing_or_shipping",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.line1}, {self.postcode} {self.city}"

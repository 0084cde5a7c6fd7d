"""Sales staff manage B2B accounts and price lists here.

A company's credit limit and what happens over it are credit control: of
those who edit companies, only staff who may also release credit holds
(``crm.override_credit_hold``: the Manager) change them; for Sales they are
read-only.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from crm.models import (
    Buyer,
    CategoryDiscount,
    Company,
    CompanyAddress,
    Contact,
    PriceList,
    PriceListItem,
)


class BuyerInline(admin.TabularInline):
    model = Buyer
    extra = 0
    autocomplete_fields = ["user"]


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


class CompanyAddressInline(admin.StackedInline):
    model = CompanyAddress
    extra = 0
    fields = [
        ("label", "is_billing", "is_shipping"),
        "attention",
        "line1",
        "line2",
        ("postcode", "city"),
        ("state", "country"),
        "phone_number",
    ]


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "tax_id", "payment_terms", "credit_limit", "price_list", "is_active"]
    list_filter = ["payment_terms", "is_active", "price_list"]
    list_select_related = ["price_list"]
    search_fields = ["name", "tax_id", "email"]
    inlines = [CompanyAddressInline, BuyerInline, ContactInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("crm.override_credit_hold"):
            readonly += ["credit_limit", "over_limit"]
        return readonly


class PriceListItemInline(admin.TabularInline):
    model = PriceListItem
    extra = 0
    autocomplete_fields = ["product"]

    def get_queryset(self, request: Any) -> Any:
        return super().get_queryset(request).select_related("product", "price_list")


class CategoryDiscountInline(admin.TabularInline):
    model = CategoryDiscount
    extra = 0

    def get_queryset(self, request: Any) -> Any:
        return super().get_queryset(request).select_related("category")


@admin.register(PriceList)
class PriceListAdmin(admin.ModelAdmin):
    list_display = ["name", "currency", "valid_from", "valid_to", "is_active"]
    list_filter = ["is_active", "currency"]
    search_fields = ["name"]
    inlines = [PriceListItemInline, CategoryDiscountInline]

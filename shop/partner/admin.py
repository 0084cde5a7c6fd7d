"""Listings in the back office: SKU, list price, currency per product.

Oscar's stock fields (num_in_stock, num_allocated, low_stock_threshold) are
left out of every form: stock lives in ``inventory`` and nowhere else.
"""

from django.contrib import admin
from oscar.core.loading import get_model

Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")

LISTING_FIELDS: list[str | list[str] | tuple[str, ...] | tuple[()]] = [
    "product",
    "partner",
    "partner_sku",
    "price_currency",
    "price",
]


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(StockRecord)
class StockRecordAdmin(admin.ModelAdmin):
    fields = LISTING_FIELDS
    list_display = ["partner_sku", "product", "partner", "price", "price_currency"]
    list_filter = ["partner", "price_currency"]
    list_select_related = ["product", "partner"]
    autocomplete_fields = ["product", "partner"]
    search_fields = ["partner_sku", "product__title", "product__upc"]

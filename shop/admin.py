"""Catalogue screens of the back office.

Oscar registers its catalogue admin; this adds what staff need on the product
page itself: images and the sellable listing (SKU, price), with stock fields
left out (stock lives in ``inventory``).
"""

from django.contrib import admin
from oscar.apps.catalogue.admin import ProductAdmin as OscarProductAdmin
from oscar.core.loading import get_model

from shop.partner.admin import LISTING_FIELDS

Product = get_model("catalogue", "Product")
ProductImage = get_model("catalogue", "ProductImage")
StockRecord = get_model("partner", "StockRecord")


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0
    fields = ["original", "caption", "display_order"]


class ListingInline(admin.TabularInline):
    model = StockRecord
    extra = 0
    fields = [field for field in LISTING_FIELDS if field != "product"]
    verbose_name = "listing (SKU and list price)"
    verbose_name_plural = "listings (SKU and list price)"


class ProductAdmin(OscarProductAdmin):
    list_display = [
        "get_title",
        "upc",
        "get_product_class",
        "structure",
        "is_public",
        "date_created",
    ]
    list_filter = ["structure", "is_public", "product_class", "categories"]
    inlines = [ListingInline, ProductImageInline, *OscarProductAdmin.inlines]
    search_fields = ["upc", "title", "stockrecords__partner_sku"]


admin.site.unregister(Product)
admin.site.register(Product, ProductAdmin)

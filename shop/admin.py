"""Catalogue and storefront-content screens of the back office.

Oscar registers its catalogue admin; this adds what staff need on the product
page itself: images and the sellable listing (SKU, price), with stock fields
left out (stock lives in ``inventory``).

Every screen where staff type HTML the shop shows (product, category, offer,
range and shipping method descriptions, a rich-text attribute, flat pages)
stores it cleaned by the allow-list of ``erp.sanitize``; the templates clean it
again when they show it (``|rich_text``), so rows written before this rule, or
by other means, are safe too.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.flatpages.admin import FlatPageAdmin as DjangoFlatPageAdmin
from django.contrib.flatpages.models import FlatPage
from django.http import HttpRequest
from oscar.apps.catalogue.admin import AttributeInline as OscarAttributeInline
from oscar.apps.catalogue.admin import CategoryAdmin as OscarCategoryAdmin
from oscar.apps.catalogue.admin import ProductAdmin as OscarProductAdmin
from oscar.apps.offer.admin import ConditionalOfferAdmin as OscarConditionalOfferAdmin
from oscar.apps.shipping.admin import OrderChargesAdmin as OscarOrderChargesAdmin
from oscar.apps.shipping.admin import WeightBasedAdmin as OscarWeightBasedAdmin
from oscar.core.loading import get_model

from data_exchange.quality import FILTER_PARAMETER, PRODUCT_FILTER_CHOICES, product_filter
from erp.sanitize import RichTextFormField
from inventory.models import ProductSpecification
from inventory.product_codes import CodeError, barcode_clean
from shop.partner.admin import LISTING_FIELDS, ListingForm, ListingFormSet

Category = get_model("catalogue", "Category")
ConditionalOffer = get_model("offer", "ConditionalOffer")
OrderAndItemCharges = get_model("shipping", "OrderAndItemCharges")
Product = get_model("catalogue", "Product")
ProductImage = get_model("catalogue", "ProductImage")
Range = get_model("offer", "Range")
StockRecord = get_model("partner", "StockRecord")
WeightBased = get_model("shipping", "WeightBased")


class RichTextFields:
    """Admin (or inline) mixin: the model fields named in ``rich_text_fields``
    are saved cleaned by the allow-list."""

    rich_text_fields: tuple[str, ...] = ("description",)

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name in self.rich_text_fields:
            kwargs["form_class"] = RichTextFormField
        return super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0
    fields = ["original", "caption", "display_order"]


class ListingInline(admin.TabularInline):
    model = StockRecord
    form = ListingForm
    formset = ListingFormSet
    extra = 0
    fields = [field for field in LISTING_FIELDS if field != "product"]
    verbose_name = "listing (SKU and list price)"
    verbose_name_plural = "listings (SKU and list price)"


class SpecificationInline(admin.StackedInline):
    model = ProductSpecification
    extra = 0
    max_num = 1
    can_delete = False
    fields = [("weight_kg", "length_cm", "width_cm", "height_cm"), "standard_cost"]
    verbose_name = "weight, dimensions and standard cost"
    verbose_name_plural = verbose_name


class ProductForm(forms.ModelForm):
    """The barcode (Oscar's ``upc``) is an EAN-13, UPC-A or EAN-8 with a right check
    digit, stored as digits; a product may have none."""

    def clean_upc(self) -> str | None:
        raw = self.cleaned_data.get("upc") or ""
        if not raw.strip():
            return None
        try:
            return barcode_clean(raw)
        except CodeError as refused:
            raise forms.ValidationError(str(refused)) from None


class DataQualityFilter(admin.SimpleListFilter):
    """The products one check of the data-quality report finds (its links lead here)."""

    title = "data quality"
    parameter_name = FILTER_PARAMETER

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return PRODUCT_FILTER_CHOICES

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        code = self.value()
        return product_filter(queryset, code) if code else queryset


class AttributeInline(RichTextFields, OscarAttributeInline):
    rich_text_fields = ("value_richtext",)


class ProductAdmin(RichTextFields, OscarProductAdmin):
    form = ProductForm
    list_display = [
        "get_title",
        "upc",
        "get_product_class",
        "structure",
        "is_public",
        "date_created",
    ]
    list_filter = ["structure", "is_public", "product_class", "categories", DataQualityFilter]
    inlines = [
        ListingInline,
        SpecificationInline,
        ProductImageInline,
        *(
            AttributeInline if inline is OscarAttributeInline else inline
            for inline in OscarProductAdmin.inlines
        ),
    ]
    search_fields = ["upc", "title", "stockrecords__partner_sku"]


class CategoryAdmin(RichTextFields, OscarCategoryAdmin):
    rich_text_fields = ("description", "long_description")


class ConditionalOfferAdmin(RichTextFields, OscarConditionalOfferAdmin):
    pass


class RangeAdmin(RichTextFields, admin.ModelAdmin):
    pass


class OrderChargesAdmin(RichTextFields, OscarOrderChargesAdmin):
    pass


class WeightBasedAdmin(RichTextFields, OscarWeightBasedAdmin):
    pass


class FlatPageAdmin(RichTextFields, DjangoFlatPageAdmin):
    rich_text_fields = ("content",)


REGISTRATIONS: list[tuple[Any, Any]] = [
    (Product, ProductAdmin),
    (Category, CategoryAdmin),
    (ConditionalOffer, ConditionalOfferAdmin),
    (Range, RangeAdmin),
    (OrderAndItemCharges, OrderChargesAdmin),
    (WeightBased, WeightBasedAdmin),
    (FlatPage, FlatPageAdmin),
]
for model, model_admin in REGISTRATIONS:
    admin.site.unregister(model)
    admin.site.register(model, model_admin)

"""Listings in the back office: SKU, list price, currency per product.

Oscar's stock fields (num_in_stock, num_allocated, low_stock_threshold) are
left out of every form: stock lives in ``inventory`` and nowhere else.
"""

from django import forms
from django.contrib import admin
from oscar.core.loading import get_model

from inventory.product_codes import CodeError, sku_clean

Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")

LISTING_FIELDS: list[str | list[str] | tuple[str, ...] | tuple[()]] = [
    "product",
    "partner",
    "partner_sku",
    "price_currency",
    "price",
]


class ListingForm(forms.ModelForm):
    """A listing's SKU keeps the SKU policy (``inventory.product_codes``): it is
    saved normalised, and one already used by another listing is refused by name."""

    def clean_partner_sku(self) -> str:
        try:
            sku = sku_clean(self.cleaned_data.get("partner_sku") or "")
        except CodeError as refused:
            raise forms.ValidationError(str(refused)) from None
        clash = (
            StockRecord.objects.filter(partner_sku=sku)
            .exclude(pk=self.instance.pk)
            .select_related("product")
            .first()
        )
        if clash is not None:
            raise forms.ValidationError(
                f"SKU {sku} is already the SKU of “{clash.product.get_title()}”."
            )
        return sku


class ListingFormSet(forms.BaseInlineFormSet):
    """Two listings of one product cannot share a SKU once normalised."""

    def clean(self) -> None:
        super().clean()
        seen: set[str] = set()
        for form in self.forms:
            sku = getattr(form, "cleaned_data", {}).get("partner_sku")
            if not sku or form.cleaned_data.get("DELETE"):
                continue
            if sku in seen:
                form.add_error("partner_sku", f"SKU {sku} appears twice on this product.")
            seen.add(sku)


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(StockRecord)
class StockRecordAdmin(admin.ModelAdmin):
    form = ListingForm
    fields = LISTING_FIELDS
    list_display = ["partner_sku", "product", "partner", "price", "price_currency"]
    list_filter = ["partner", "price_currency"]
    list_select_related = ["product", "partner"]
    autocomplete_fields = ["product", "partner"]
    search_fields = ["partner_sku", "product__title", "product__upc"]

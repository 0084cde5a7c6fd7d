"""Suppliers and what each sells us: master data, written through the services
(``supplier_create``, ``supplier_update``, ``supplier_item_set``), searchable by
what people type."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from oscar.core.loading import get_model

from purchasing import services
from purchasing.models import Supplier, SupplierItem

StockRecord = get_model("partner", "StockRecord")


class SupplierForm(forms.ModelForm):
    class Meta:
        model = Supplier
        fields = [
            "code",
            "name",
            "tax_id",
            "address",
            "email",
            "currency",
            "payment_terms_days",
            "lead_time_days",
            "is_active",
        ]

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().upper()

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].strip().upper()


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    form = SupplierForm
    list_display = [
        "code",
        "name",
        "email",
        "tax_id",
        "currency",
        "payment_terms_days",
        "lead_time_days",
        "is_active",
    ]
    list_filter = ["is_active", "currency"]
    search_fields = ["code", "name", "email", "tax_id"]
    fields = [
        "code",
        "name",
        "tax_id",
        "address",
        "email",
        "currency",
        "payment_terms_days",
        "lead_time_days",
        "is_active",
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # the code names the supplier on orders, bills and in the API
        return ["code", "currency"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # orders and bills point at it: deactivate instead

    def save_model(self, request: HttpRequest, obj: Supplier, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            services.supplier_update(
                user=request.user,
                supplier=obj,
                name=data["name"],
                email=data["email"],
                payment_terms_days=data["payment_terms_days"],
                lead_time_days=data["lead_time_days"],
                tax_id=data["tax_id"],
                address=data["address"],
                is_active=data["is_active"],
            )
            return
        created = services.supplier_create(
            user=request.user,
            code=data["code"],
            name=data["name"],
            email=data["email"],
            currency=data["currency"],
            payment_terms_days=data["payment_terms_days"],
            lead_time_days=data["lead_time_days"],
            tax_id=data["tax_id"],
            address=data["address"],
        )
        obj.pk, obj._state.adding = created.pk, False


@admin.register(SupplierItem)
class SupplierItemAdmin(admin.ModelAdmin):
    list_display = [
        "supplier",
        "product_title",
        "sku",
        "supplier_sku",
        "unit_cost",
        "lead_time_days",
        "min_order_quantity",
        "pack_size",
        "is_preferred",
    ]
    list_filter = ["is_preferred", "supplier"]
    list_select_related = ["supplier", "product"]
    search_fields = [
        "supplier_sku",
        "product__stockrecords__partner_sku",
        "product__upc",
        "product__title",
        "supplier__code",
    ]
    raw_id_fields = ["product"]
    fields = [
        "supplier",
        "product",
        "supplier_sku",
        "unit_cost",
        "lead_time_days",
        "min_order_quantity",
        "pack_size",
        "is_preferred",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[SupplierItem]:
        sku = StockRecord.objects.filter(product=OuterRef("product_id")).values("partner_sku")
        return super().get_queryset(request).annotate(sku=Subquery(sku[:1]))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["supplier", "product"] if obj is not None else []

    @admin.display(description="product", ordering="product__title")
    def product_title(self, item: SupplierItem) -> str:
        return item.product.title

    @admin.display(description="SKU", ordering="sku")
    def sku(self, item: Any) -> str:
        return item.sku or ""

    def save_model(self, request: HttpRequest, obj: SupplierItem, form: Any, change: bool) -> None:
        """Add and change alike: the service's upsert of (supplier, product)."""
        data = form.cleaned_data
        saved = services.supplier_item_set(
            user=request.user,
            supplier=obj.supplier,
            product=obj.product,
            unit_cost=data["unit_cost"],
            supplier_sku=data["supplier_sku"],
            lead_time_days=data["lead_time_days"],
            min_order_quantity=data["min_order_quantity"],
            pack_size=data["pack_size"],
            is_preferred=data["is_preferred"],
        )
        obj.pk, obj._state.adding = saved.pk, False

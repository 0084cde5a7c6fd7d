"""Back-office screens for stock: display, filters and forms that call services.

Nothing here writes stock directly: on hand and allocated are read-only, the
move ledger is read-only, and transfers, counts and adjustments are forms
whose ``save`` is an ``inventory.services`` call.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from oscar.core.loading import get_model

from inventory import selectors, services
from inventory.models import Allocation, ProductCost, Stock, StockMove, Warehouse

StockRecord = get_model("partner", "StockRecord")


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_sellable", "priority", "is_active"]
    list_filter = ["is_sellable", "is_active"]
    search_fields = ["code", "name"]


class LowStockFilter(admin.SimpleListFilter):
    title = "stock level"
    parameter_name = "level"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("low", "Low (at or below reorder level)"), ("out", "Nothing available")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Stock]) -> QuerySet[Stock]:
        if self.value() == "low":
            return selectors.with_free(queryset).filter(selectors.LOW)
        if self.value() == "out":
            return selectors.with_free(queryset).filter(selectors.OUT)
        return queryset


class TransferForm(forms.Form):
    destination = forms.ModelChoiceField(queryset=Warehouse.objects.none())
    quantity = forms.IntegerField(min_value=1)
    reason = forms.CharField(max_length=255, required=False)

    def __init__(self, *args: Any, stock: Stock, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stock = stock
        self.fields["destination"].queryset = selectors.active_warehouses().exclude(  # type: ignore[attr-defined]
            pk=stock.warehouse_id
        )

    def save(self, user: Any) -> str:
        services.stock_transfer(
            product=self.stock.product,
            source=self.stock.warehouse,
            destination=self.cleaned_data["destination"],
            quantity=self.cleaned_data["quantity"],
            reason=self.cleaned_data["reason"],
            user=user,
        )
        return f"Moved {self.cleaned_data['quantity']} to {self.cleaned_data['destination'].code}."


class CountForm(forms.Form):
    counted = forms.IntegerField(min_value=0, label="Counted on the shelf")
    reason = forms.CharField(max_length=255, required=False, initial="cycle count")

    def __init__(self, *args: Any, stock: Stock, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stock = stock

    def save(self, user: Any) -> str:
        move = services.stock_count(
            product=self.stock.product,
            warehouse=self.stock.warehouse,
            counted=self.cleaned_data["counted"],
            reason=self.cleaned_data["reason"],
            user=user,
        )
        if move is None:
            return "The count matches the books; nothing changed."
        return f"Count recorded: on hand corrected by {move.quantity:+d}."


class AdjustForm(forms.Form):
    quantity = forms.IntegerField(help_text="Positive adds, negative removes, e.g. -2.")
    reason = forms.CharField(max_length=255, help_text="Damaged, lost, found...")

    def __init__(self, *args: Any, stock: Stock, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stock = stock

    def save(self, user: Any) -> str:
        move = services.stock_adjust(
            product=self.stock.product,
            warehouse=self.stock.warehouse,
            quantity=self.cleaned_data["quantity"],
            reason=self.cleaned_data["reason"],
            user=user,
        )
        return f"Adjusted on hand by {move.quantity:+d}."


STOCK_FORMS: dict[str, tuple[Any, str]] = {
    "transfer": (TransferForm, "Transfer to another warehouse"),
    "count": (CountForm, "Record a count"),
    "adjust": (AdjustForm, "Adjust on hand"),
}


@admin.register(Stock)
class StockAdmin(admin.ModelAdmin):
    list_display = [
        "product_title",
        "sku",
        "warehouse",
        "on_hand",
        "allocated",
        "available_units",
        "reorder_level",
        "stock_actions",
    ]
    list_filter = ["warehouse", LowStockFilter]
    list_select_related = ["product", "warehouse"]
    search_fields = ["sku", "product__upc", "product__title"]
    fields = ["product", "warehouse", "on_hand", "allocated", "reorder_level"]
    readonly_fields = ["product", "warehouse", "on_hand", "allocated"]
    ordering = ["product__title", "warehouse__priority"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Stock]:
        sku = StockRecord.objects.filter(product=OuterRef("product_id")).values("partner_sku")
        return super().get_queryset(request).annotate(sku=Subquery(sku[:1]))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # stock rows appear with the first receipt

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_list_display(self, request: HttpRequest) -> Any:
        """The transfer / count / adjust links only for who may write stock moves
        (the forms answer 403 to everyone else)."""
        shown = list(super().get_list_display(request))
        if not (
            self.has_change_permission(request) and request.user.has_perm("inventory.add_stockmove")
        ):
            shown.remove("stock_actions")
        return shown

    @admin.display(description="product", ordering="product__title")
    def product_title(self, stock: Stock) -> str:
        return stock.product.title

    @admin.display(description="SKU", ordering="sku")
    def sku(self, stock: Any) -> str:
        return stock.sku or ""

    @admin.display(description="available")
    def available_units(self, stock: Stock) -> int:
        return stock.available

    @admin.display(description="")
    def stock_actions(self, stock: Stock) -> str:
        links = [
            format_html(
                '<a href="{}">{}</a>',
                reverse(f"admin:inventory_stock_{name}", args=[stock.pk]),
                name,
            )
            for name in STOCK_FORMS
        ]
        return format_html(" · ".join(["{}"] * len(links)), *links)

    def get_urls(self) -> list[Any]:
        return [
            path(
                f"<int:pk>/{name}/",
                self.admin_site.admin_view(self.stock_form_view),
                {"form_name": name},
                name=f"inventory_stock_{name}",
            )
            for name in STOCK_FORMS
        ] + super().get_urls()

    def stock_form_view(self, request: HttpRequest, pk: int, form_name: str) -> HttpResponse:
        stock = get_object_or_404(Stock.objects.select_related("product", "warehouse"), pk=pk)
        # each form writes stock moves: the ledger's permission as well as the row's
        if not (
            self.has_change_permission(request, stock)
            and request.user.has_perm("inventory.add_stockmove")
        ):
            raise PermissionDenied
        form_class, title = STOCK_FORMS[form_name]
        form = form_class(request.POST or None, stock=stock)
        if request.method == "POST" and form.is_valid():
            try:
                message = form.save(request.user)
            except services.InventoryError as refused:
                form.add_error(None, str(refused))
            else:
                self.message_user(request, message, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:inventory_stock_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": f"{title}: {stock.product.title} in {stock.warehouse.code}",
            "stock": stock,
            "form": form,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/inventory/stock_form.html", context)


@admin.register(StockMove)
class StockMoveAdmin(admin.ModelAdmin):
    """The ledger: read-only, filterable by kind, warehouse and date."""

    list_display = [
        "occurred_at",
        "kind",
        "product",
        "warehouse",
        "quantity",
        "unit_cost",
        "reference",
        "reason",
        "user",
    ]
    list_filter = ["kind", "warehouse", "occurred_at"]
    list_select_related = ["product", "warehouse", "user"]
    date_hierarchy = "occurred_at"
    search_fields = ["product__title", "product__upc", "reference", "reason"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Allocation)
class AllocationAdmin(admin.ModelAdmin):
    list_display = ["order_line", "stock", "quantity", "created_at"]
    list_select_related = ["order_line__order", "stock__product", "stock__warehouse"]
    list_filter = ["stock__warehouse"]
    search_fields = ["order_line__order__number", "stock__product__title"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ProductCost)
class ProductCostAdmin(admin.ModelAdmin):
    list_display = ["product", "average_cost", "updated_at"]
    list_select_related = ["product"]
    search_fields = ["product__title", "product__upc"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

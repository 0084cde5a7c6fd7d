"""The back office: the Django admin is the one staff interface.

Its home page (``/admin/``) is the role's dashboard of the ``backoffice`` app
(mounted before the admin in ``erp/urls.py``). The models listed in
:data:`HIDDEN_FROM_NAVIGATION` are records no role works with directly (an
order's line attributes, Oscar's own stock records beside ``inventory``'s, the
storefront's baskets): their admins stay registered, so links from the records
they belong to and the role matrix still reach them, but their module
permission is false, so no navigation lists them.
"""

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest

#: model labels kept out of every navigation (see the module docstring)
HIDDEN_FROM_NAVIGATION = frozenset(
    {
        *(
            f"order.{name}"
            for name in (
                "Line",
                "LinePrice",
                "LineAttribute",
                "OrderDiscount",
                "Surcharge",
                "ShippingAddress",
                "BillingAddress",
                "OrderNote",
                "OrderStatusChange",
                "PaymentEvent",
                "PaymentEventType",
                "ShippingEvent",
                "ShippingEventType",
                "CommunicationEvent",
            )
        ),
        # payments are accounting's; Oscar's payment records are kept for the order
        "payment.Bankcard",
        "payment.Source",
        "payment.SourceType",
        "payment.Transaction",
        # a product's listing is edited on the product; stock lives in inventory
        "partner.StockRecord",
        # edited on the product page
        "catalogue.ProductAttributeValue",
        "catalogue.ProductCategory",
        "catalogue.ProductImage",
        # the storefront's own working records
        "basket.Basket",
        "basket.Line",
        "basket.LineAttribute",
        "analytics.ProductRecord",
        "analytics.UserProductView",
        "analytics.UserRecord",
        "analytics.UserSearch",
        "voucher.VoucherApplication",
        "wishlists.Line",
        "wishlists.WishList",
        "wishlists.WishListSharedEmail",
        "reviews.Vote",
        "customer.ProductAlert",
        "communication.Email",
        "communication.Notification",
    }
)


def _no_module_permission(request: HttpRequest) -> bool:
    return False


class BackOfficeSite(admin.AdminSite):
    site_header = f"{settings.PRODUCT_NAME} back office"
    site_title = f"{settings.PRODUCT_NAME} back office"
    index_title = "Run the business"
    site_url = "/"
    # the bar of the role's screens (backoffice) is the navigation; the sidebar
    # of every model took a third of a laptop's width from the lists
    enable_nav_sidebar = False

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        """Register as Django does; an internal model's admin gets no module
        permission, whoever registers it (Oscar, a fork, an app of ours)."""
        super().register(model_or_iterable, admin_class, **options)
        models = (
            model_or_iterable
            if isinstance(model_or_iterable, list | tuple)
            else [model_or_iterable]
        )
        for model in models:
            if model._meta.label in HIDDEN_FROM_NAVIGATION:
                self._registry[model].has_module_permission = _no_module_permission  # type: ignore[method-assign]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Listed and opened by whoever may view; written only by services."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

"""Oscar's root app config, without Oscar's dashboard.

The Django admin is the one back office, so the dashboard is not installed.
Oscar code that still reverses ``dashboard:...`` names (the customer login
redirect for staff, a few templates) gets a ``dashboard`` namespace whose
views send staff to the matching admin page.
"""

from types import SimpleNamespace

from django.apps import apps
from django.urls import include, path, reverse
from django.views.generic.base import RedirectView
from oscar import config
from oscar.apps.dashboard.apps import DashboardConfig
from oscar.core.loading import get_class


class _AdminRedirect(RedirectView):
    admin_url_name = "admin:index"

    def get_redirect_url(self, *args: object, **kwargs: object) -> str:
        return reverse(self.admin_url_name, args=list(kwargs.values()))


dashboard_to_admin = (
    [
        path("", _AdminRedirect.as_view(), name="index"),
        path(
            "catalogue/products/<int:pk>/",
            _AdminRedirect.as_view(admin_url_name="admin:catalogue_product_change"),
            name="catalogue-product",
        ),
        path(
            "catalogue/categories/<int:pk>/update/",
            _AdminRedirect.as_view(admin_url_name="admin:catalogue_category_change"),
            name="catalogue-category-update",
        ),
    ],
    "dashboard",
)


class Storefront(config.Shop):
    def ready(self) -> None:
        import oscar.checks  # noqa: F401 - registers Oscar's system checks
        from django.contrib.auth.forms import SetPasswordForm

        self.catalogue_app = apps.get_app_config("catalogue")
        self.customer_app = apps.get_app_config("customer")
        self.basket_app = apps.get_app_config("basket")
        self.checkout_app = apps.get_app_config("checkout")
        self.search_app = apps.get_app_config("search")
        self.offer_app = apps.get_app_config("offer")
        self.wishlists_app = apps.get_app_config("wishlists")
        self.password_reset_form = get_class("customer.forms", "PasswordResetForm")
        self.set_password_form = SetPasswordForm

        # Oscar's get_urls mounts ``self.dashboard_app.urls`` at dashboard/
        self.dashboard_app = SimpleNamespace(urls=include(dashboard_to_admin))


class DashboardNotMounted(DashboardConfig):
    """Oscar's dashboard package, registered but inert.

    Oscar's ``dashboard_tags`` template library resolves ``dashboard.menu``
    through the app registry, so the ``dashboard`` label must exist; nothing
    of the dashboard is loaded or routed.
    """

    def ready(self) -> None:
        pass

    def get_urls(self) -> list[object]:
        return []

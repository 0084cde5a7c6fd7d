"""Customer order pages, mounted in erp/urls.py just before Oscar's URLs.

The order history, the order detail and the two anonymous order-status patterns repeat the paths
of Oscar's ``customer:order-list``, ``customer:order``, ``customer:anon-order-form`` and
``customer:anon-order`` (Oscar mounts its customer app at ``accounts/``), so
those names keep reversing to the same addresses and our views answer them.
The password reset form repeats Oscar's ``password-reset`` path the same way.
"""

from django.contrib.auth.decorators import login_required
from django.urls import path, re_path
from oscar.views.decorators import login_forbidden

from shop.account import views, wishlists

app_name = "shop"

ORDER_STATUS_HASH = r"(?P<order_number>[\w-]*)/(?P<hash>[A-z0-9-_=:]+)"

urlpatterns = [
    path("order-status/", views.order_lookup_view, name="order-status"),
    path(
        "password-reset/",
        login_forbidden(views.PasswordResetView.as_view()),
        name="password-reset",
    ),
    path(
        "accounts/orders/",
        login_required(views.OrderHistoryView.as_view()),
        name="order-list",
    ),
    path(
        "accounts/orders/<str:order_number>/",
        login_required(views.OrderDetailView.as_view()),
        name="order-detail",
    ),
    path(
        "accounts/orders/<str:order_number>/cancel/",
        views.order_cancel_view,
        name="order-cancel",
    ),
    path(
        "accounts/orders/<str:order_number>/return/",
        views.order_return_view,
        name="order-return",
    ),
    path("accounts/invoices/", views.invoice_list_view, name="invoice-list"),
    path("accounts/quick-order/", views.quick_order_view, name="quick-order"),
    path(  # Oscar's path and view, but a missing product is a message, not a 500
        "accounts/wishlists/create/with-product/<int:product_pk>/",
        login_required(wishlists.WishListCreateWithProductView.as_view()),
    ),
    path("accounts/statement/", views.statement_view, name="statement"),
    path("accounts/invoices/<str:number>/pdf/", views.invoice_pdf_view, name="invoice-pdf"),
    re_path(
        rf"^accounts/order-status-form/{ORDER_STATUS_HASH}/$",
        views.AnonymousOrderFormView.as_view(),
        name="anon-order-form",
    ),
    re_path(
        rf"^accounts/order-status/{ORDER_STATUS_HASH}/$",
        views.AnonymousOrderDetailView.as_view(),
        name="anon-order",
    ),
]

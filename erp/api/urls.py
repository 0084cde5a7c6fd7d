"""The API under /api/v1/: the root and the token login here, each app's endpoints
from its own ``<app>/api/urls.py`` (included by name, so the kernel imports none)."""

from django.urls import include, path, re_path

from erp.api import views

app_name = "api"

urlpatterns = [
    path("", views.ApiRootView.as_view(), name="root"),
    path("auth/token/", views.TokenLoginView.as_view(), name="token"),
    path("", include("shop.api.urls")),
    path("", include("orders.api.urls")),
    path("", include("inventory.api.urls")),
    path("", include("purchasing.api.urls")),
    path("", include("accounting.api.urls")),
    re_path(r"^(?P<path>.*)$", views.not_found, name="not-found"),
]

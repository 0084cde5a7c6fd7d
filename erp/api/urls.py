"""The API under /api/v1/: the root and the token login here, each app's endpoints
from its own ``<app>/api/urls.py`` (included by name, so the kernel imports none)."""

from django.urls import include, path

from erp.api import views

app_name = "api"

urlpatterns = [
    path("", views.ApiRootView.as_view(), name="root"),
    path("auth/token/", views.TokenLoginView.as_view(), name="token"),
    path("", include("orders.api.urls")),
]

"""The back office's home page, mounted at /admin/ before the admin itself
(``erp/urls.py``), so ``admin:index`` and every "Home" link lead here."""

from django.contrib import admin
from django.urls import path

from backoffice import views

app_name = "backoffice"

urlpatterns = [
    path("", admin.site.admin_view(views.home), name="home"),
]

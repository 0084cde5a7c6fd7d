"""The back office: the Django admin is the one staff interface."""

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest


class BackOfficeSite(admin.AdminSite):
    site_header = f"{settings.PRODUCT_NAME} back office"
    site_title = f"{settings.PRODUCT_NAME} back office"
    index_title = "Run the business"
    site_url = "/"


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

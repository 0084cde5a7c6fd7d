"""What the accounting admin screens share: the amount type of their subqueries,
the permission check of their extra views and the page of their forms."""

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import DecimalField, Value
from django.http import HttpRequest
from django.template.response import TemplateResponse

AMOUNT = DecimalField(max_digits=16, decimal_places=2)
ZERO = Value(0, output_field=AMOUNT)


def require_perms(request: HttpRequest, *permissions: str) -> None:
    if not request.user.has_perms(permissions):
        raise PermissionDenied


def form_page(
    admin_: admin.ModelAdmin, request: HttpRequest, title: str, form: Any, **extra: Any
) -> TemplateResponse:
    context = {
        **admin_.admin_site.each_context(request),
        "opts": admin_.opts,
        "title": title,
        "form": form,
        "submit_label": "Save",
        **extra,
    }
    return TemplateResponse(request, "admin/accounting/form.html", context)

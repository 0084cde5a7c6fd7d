"""What the purchasing admin screens share: the permission check of their extra
views, the page their forms are shown on, and money with its currency."""

from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.template.response import TemplateResponse
from oscar.templatetags.currency_filters import currency as money_filter


def require_perms(request: HttpRequest, *permissions: str) -> None:
    if not request.user.has_perms(permissions):
        raise PermissionDenied


def money(amount: Decimal | None, currency: str) -> str:
    return money_filter(amount if amount is not None else Decimal("0"), currency)


def form_page(
    admin_: admin.ModelAdmin,
    request: HttpRequest,
    title: str,
    form: Any,
    *,
    obj: Any = None,
    **extra: Any,
) -> TemplateResponse:
    """A form (with, for line forms, a table of lines) on the admin's frame."""
    headers, rows = form.table() if hasattr(form, "table") else ([], [])
    context = {
        **admin_.admin_site.each_context(request),
        "opts": admin_.opts,
        "original": obj,
        "title": title,
        "form": form,
        "header_fields": form.header_fields() if hasattr(form, "header_fields") else None,
        "line_headers": headers,
        "line_rows": rows,
        "submit_label": "Save",
        **extra,
    }
    return TemplateResponse(request, "admin/purchasing/form.html", context)

"""Bank statement lines: read-only; new lines come from importing a statement file
(the form on the list page, which needs the right to record payments too).
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path

from accounting.admin.common import require_perms
from accounting.forms import BankStatementForm
from accounting.models import BankStatementLine
from erp.admin_site import ReadOnlyAdmin


@admin.register(BankStatementLine)
class BankStatementLineAdmin(ReadOnlyAdmin):
    list_display = [
        "date",
        "amount",
        "currency",
        "reference",
        "payer",
        "outcome",
        "note",
        "payment",
        "imported_at",
    ]
    list_filter = ["outcome", "date"]
    list_select_related = ["payment"]
    search_fields = ["reference", "payer", "note"]
    date_hierarchy = "date"

    def get_urls(self) -> list[Any]:
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="accounting_bankstatementline_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        require_perms(request, "accounting.add_bankstatementline", "accounting.add_payment")
        form = BankStatementForm(request.POST or None, request.FILES or None)
        result = None
        if request.method == "POST" and form.is_valid():
            result = form.save(request.user)
            form = BankStatementForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import bank statement",
            "form": form,
            "result": result,
        }
        return TemplateResponse(request, "admin/accounting/bankstatementline/import.html", context)

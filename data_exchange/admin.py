"""The import and export screens of the back office.

"Import data" takes a file of one kind and shows its dry run: the rows it would
create, update or leave unchanged, and every error with its row, column and value.
Only a file without errors can be confirmed; confirming applies it once. A large
file is checked and applied by a worker while its page refreshes itself with the
progress. "Export data" downloads a kind in its import columns. The list of imports
shows each person their own (a Manager everyone's).

Every view parses its input and calls one ``data_exchange.jobs`` function, which
checks the permission; an import is never written here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from data_exchange.forms import ExportForm, ImportForm
from data_exchange.jobs import (
    ADD_JOB,
    ImportJobRefused,
    data_export,
    import_job_apply,
    import_job_create,
    import_job_result,
    import_jobs_visible_to,
    kinds_exportable_by,
    kinds_importable_by,
)
from data_exchange.kinds import KINDS
from data_exchange.models import ImportJob
from erp.permissions import PermissionRefused, has_permissions

#: errors shown per page of a preview
PROBLEMS_PER_PAGE = 100
#: seconds between refreshes of a running job's page
REFRESH_SECONDS = 2
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def kind_title(kind: str) -> str:
    importer = KINDS.get(kind)
    return importer.title if importer else kind


class KindFilter(admin.SimpleListFilter):
    title = "kind"
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(kind, importer.title) for kind, importer in KINDS.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ImportJob]) -> QuerySet[ImportJob]:
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "kind_name",
        "filename",
        "status",
        "created_by",
        "created_at",
        "row_count",
        "create_count",
        "update_count",
        "unchanged_count",
        "problem_count",
    ]
    list_display_links = None  # the number opens the import's own page
    list_filter = ["status", KindFilter]
    list_select_related = ["created_by"]
    search_fields = ["filename", "created_by__username"]
    date_hierarchy = "created_at"
    fields = readonly_fields = (
        "kind",
        "filename",
        "size",
        "options",
        "status",
        "error",
        "row_count",
        "create_count",
        "update_count",
        "unchanged_count",
        "problem_count",
        "created_by",
        "created_at",
        "applied_by",
        "finished_at",
        "in_background",
        "attempts",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[ImportJob]:
        return import_jobs_visible_to(request.user).defer("content", "check_result", "apply_result")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a job is an upload on the "Import data" page

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # a job a worker is running stays until it is done
        return super().has_delete_permission(request, obj) and not (obj and obj.is_running)

    @admin.display(description="import", ordering="pk")
    def number(self, job: ImportJob) -> str:
        url = reverse("admin:data_exchange_importjob_preview", args=[job.pk])
        return format_html('<a href="{}">#{}</a>', url, job.pk)

    @admin.display(description="kind", ordering="kind")
    def kind_name(self, job: ImportJob) -> str:
        return kind_title(job.kind)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        extra = {
            "may_import": bool(kinds_importable_by(request.user)),
            "may_export": bool(kinds_exportable_by(request.user)),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=extra)

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="data_exchange_importjob_import"),
            path("export/", view(self.export_view), name="data_exchange_importjob_export"),
            path(
                "<int:job_id>/preview/",
                view(self.preview_view),
                name="data_exchange_importjob_preview",
            ),
            path(
                "<int:job_id>/apply/",
                view(require_POST(self.apply_view)),
                name="data_exchange_importjob_apply",
            ),
            *super().get_urls(),
        ]

    def _page(self, request: HttpRequest, template: str, title: str, **extra: Any) -> Any:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            **extra,
        }
        return TemplateResponse(request, f"admin/data_exchange/importjob/{template}", context)

    # --- import -----------------------------------------------------------------

    def import_view(self, request: HttpRequest) -> HttpResponse:
        kinds = kinds_importable_by(request.user)
        if not kinds:
            raise PermissionDenied
        offered = {importer.kind: importer for importer in kinds}
        chosen = request.POST.get("kind") or request.GET.get("kind") or kinds[0].kind
        if chosen not in offered:
            chosen = kinds[0].kind
        form = ImportForm(kinds, request.POST or None, request.FILES or None)
        form.initial["kind"] = chosen
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = import_job_create(
                    user=request.user,
                    kind=form.cleaned_data["kind"],
                    filename=upload.name,
                    content=upload.read(),
                    options=form.options(),
                )
            except (PermissionRefused, ImportJobRefused) as refused:
                self.message_user(request, str(refused), messages.ERROR)
            else:
                return HttpResponseRedirect(
                    reverse("admin:data_exchange_importjob_preview", args=[job.pk])
                )
        importer = offered[chosen]
        return self._page(
            request,
            "import.html",
            "Import data",
            form=form,
            # plain values: a template calls whatever is callable, an Importer class too
            kinds=[(other.kind, other.title) for other in kinds],
            chosen_kind=importer.kind,
            chosen_title=importer.title,
            columns=importer.columns,
        )

    # --- a job: progress, preview, result -------------------------------------------

    def preview_view(self, request: HttpRequest, job_id: int) -> HttpResponse:
        job = get_object_or_404(
            import_jobs_visible_to(request.user)
            .select_related("created_by", "applied_by")
            .defer("content"),
            pk=job_id,
        )
        result = import_job_result(job)
        problems = result.problems if result else []
        page = Paginator(problems, PROBLEMS_PER_PAGE).get_page(request.GET.get("page"))
        importer = KINDS.get(job.kind)
        may_apply = (
            job.status == ImportJob.Status.CHECKED
            and importer is not None
            and has_permissions(request.user, ADD_JOB, *importer.permissions)
        )
        percent = 100 * job.done // job.total if job.total else 0
        elapsed = int((timezone.now() - job.created_at).total_seconds())
        return self._page(
            request,
            "job.html",
            f"Import #{job.pk}: {job.filename}",
            job=job,
            kind=kind_title(job.kind),
            result=result,
            problems=page,
            problem_count=result.problem_count if result else 0,
            listed_count=len(problems),
            sample=result.sample if result and not result.refused else [],
            may_apply=may_apply,
            refresh=REFRESH_SECONDS if job.is_running else None,
            percent=percent,
            elapsed=elapsed,
        )

    def apply_view(self, request: HttpRequest, job_id: int) -> HttpResponse:
        job = get_object_or_404(import_jobs_visible_to(request.user).only("pk"), pk=job_id)
        try:
            job = import_job_apply(user=request.user, job_id=job.pk)
        except (PermissionRefused, ImportJobRefused) as refused:
            self.message_user(request, str(refused), messages.ERROR)
        else:
            result = import_job_result(job)
            if job.status == ImportJob.Status.APPLIED and result:
                self.message_user(request, f"Imported: {result.summary()}.", messages.SUCCESS)
            elif job.status == ImportJob.Status.APPLYING:
                self.message_user(
                    request, "The import is being applied; this page shows its progress."
                )
            else:
                self.message_user(request, job.error or "The import failed.", messages.ERROR)
        return HttpResponseRedirect(reverse("admin:data_exchange_importjob_preview", args=[job_id]))

    # --- export -------------------------------------------------------------------

    def export_view(self, request: HttpRequest) -> HttpResponse:
        kinds = kinds_exportable_by(request.user)
        if not kinds:
            raise PermissionDenied
        form = ExportForm(kinds, request.POST or None)
        if request.method == "POST" and form.is_valid():
            kind, file_format = form.cleaned_data["kind"], form.cleaned_data["file_format"]
            try:
                content = data_export(user=request.user, kind=kind, file_format=file_format)
            except (PermissionRefused, ImportJobRefused) as refused:
                self.message_user(request, str(refused), messages.ERROR)
            else:
                response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
                filename = f"{kind}-{timezone.localdate():%Y-%m-%d}.{file_format}"
                response["Content-Disposition"] = f'attachment; filename="{filename}"'
                return response
        return self._page(request, "export.html", "Export data", form=form)

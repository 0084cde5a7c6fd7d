"""The data-quality report in the back office, mounted at /admin/data-quality/
(``erp/urls.py``): the table of checks with counts, a page per check listing its
records (the first ``DISPLAY_LIMIT``), and the CSV of every record of every check.

The pages only read (``data_exchange.quality``); a role without
``data_exchange.view_data_quality`` is answered 403, an unknown check 404.
"""

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.timezone import localdate

from data_exchange.quality import (
    DISPLAY_LIMIT,
    PERMISSION,
    quality_check_get,
    quality_csv_rows,
    quality_findings,
    quality_summary,
)
from erp.csv_export import csv_cell, query, wants_csv
from erp.permissions import staff_permission_required


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(filename: str, rows: Iterable[Iterable[Any]]) -> StreamingHttpResponse:
    """A CSV download written while the rows are read: the full report of a large
    catalogue never sits in memory."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        for row in rows:
            yield writer.writerow([csv_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _render(request: HttpRequest, template: str, title: str, **context: Any) -> HttpResponse:
    return render(
        request,
        f"admin/data_exchange/{template}",
        {**admin.site.each_context(request), "title": title, **context},
    )


@staff_permission_required(PERMISSION)
def report(request: HttpRequest) -> HttpResponse:
    if wants_csv(request):
        rows = quality_csv_rows(user=request.user)
        # a streamed response; the permission decorator's type names HttpResponse
        return csv_stream(f"data-quality-{localdate()}.csv", rows)  # type: ignore[return-value]
    summary = quality_summary(user=request.user)
    return _render(
        request,
        "quality.html",
        "Data quality",
        summary=summary,
        problems=sum(line.count for line in summary),
        csv_url=query(format="csv"),
    )


@staff_permission_required(PERMISSION)
def check_detail(request: HttpRequest, code: str) -> HttpResponse:
    check = quality_check_get(code)
    if check is None:
        raise Http404("There is no such data-quality check.")
    if wants_csv(request):
        rows = quality_csv_rows(user=request.user, checks=[check])
        filename = f"data-quality-{check.code}-{localdate()}.csv"
        return csv_stream(filename, rows)  # type: ignore[return-value]
    findings = quality_findings(user=request.user, check=check, limit=DISPLAY_LIMIT + 1)
    return _render(
        request,
        "quality_check.html",
        check.title,
        check=check,
        findings=findings[:DISPLAY_LIMIT],
        more=len(findings) > DISPLAY_LIMIT,
        limit=DISPLAY_LIMIT,
        csv_url=query(format="csv"),
    )

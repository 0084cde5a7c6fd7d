"""CSV downloads of back-office pages (reports, the valuation list).

A page offers its CSV at its own URL with ``format=csv`` (:func:`wants_csv`,
:func:`query` builds the link) and answers with :func:`csv_response`: amounts
as plain text with cents, and cells that a spreadsheet would run as formulas
defused with a leading apostrophe.
"""

import csv
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse


def wants_csv(request: HttpRequest) -> bool:
    return request.GET.get("format") == "csv"


def query(**params: Any) -> str:
    """A query string (``?name=value&...``) for a link to this page: its CSV, another period."""
    return "?" + urlencode({name: str(value) for name, value in params.items()})


def csv_cell(value: Any) -> Any:
    """Numbers as plain text with cents; text that a spreadsheet would run as a
    formula gets a leading apostrophe."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return response

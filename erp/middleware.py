"""What every request passes through first: input PostgreSQL cannot take is
refused, and a database out of reach is a 503, never a 500 or a debug page.

Invariants kept here:

- No text containing NUL reaches a view from a request's path, query string,
  headers (cookies included) or form fields, and those parts are valid UTF-8:
  PostgreSQL refuses NUL in text (psycopg raises before sending the query), and
  Django replaces invalid UTF-8 silently. Such a request is answered ``400``
  with a page saying what is wrong (for ``/api/`` the API's error shape
  ``{"code", "detail", "fields"}``), before a session, a basket or a view runs.
  JSON bodies are the API parser's to check (``erp.api.parsers``).
- A request line longer than :data:`MAX_URI_LENGTH` is answered ``414``, as
  gunicorn does by default; so every number in an address stays within what
  Python converts to ``int`` (4,300 digits) and no view meets a longer one.
- A value the database still refuses (``DataError``: a text too long for its
  column, a number out of range, a NUL from somewhere not checked above), or an
  admin list filter on a field the list does not have, is the client's bad
  input: ``400``, never ``500``.
- While PostgreSQL cannot be reached (stopped, restarting, starting up, the
  connection lost), every request that needs it is answered ``503`` at once:
  the plain page ``503.html``, rendered without the database (no request
  context, no context processors), or ``{"code": "unavailable"}`` for the API,
  with ``Retry-After``. This holds with ``DEBUG`` on too, and also when it is a
  middleware (session, basket, login lockout) that met the dead connection.
  Nothing here starts or stops the server (``erp.db_backend``).
"""

import logging
import sys
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from django.contrib.admin.options import IncorrectLookupParameters
from django.core.signals import got_request_exception
from django.db import DataError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

MAX_URI_LENGTH = 4096
RETRY_AFTER_SECONDS = 5
API_PREFIX = "/api/"

NUL_MESSAGE = "contains a NUL character (%00), which no field accepts."
UTF8_MESSAGE = "is not valid UTF-8 text."
UNAVAILABLE_DETAIL = (
    "The database cannot be reached at the moment. Please try again in a few seconds."
)
LOOKUP_DETAIL = "The list cannot be filtered or sorted by what the address asks for."
UNSTORABLE_DETAIL = "A value in this request cannot be stored (too long, out of range or not text)."


class BadInput(Exception):
    """What is wrong with a request (``detail``), and in which fields."""

    def __init__(
        self, detail: str, fields: dict[str, list[str]] | None = None, *, status: int = 400
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.fields = fields or {}
        self.status = status
        self.code = "uri_too_long" if status == 414 else "invalid"


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def is_database_unavailable(error: BaseException | None) -> bool:
    return isinstance(error, OperationalError | InterfaceError)


def error_response(
    request: HttpRequest,
    *,
    status: int,
    code: str,
    detail: str,
    fields: dict[str, list[str]] | None = None,
    template: str = "400.html",
) -> HttpResponse:
    """The API's error shape under ``/api/``, else a static page that needs no
    database (rendered without the request: no context processors run)."""
    response: HttpResponse
    if is_api(request):
        response = JsonResponse(
            {"code": code, "detail": detail, "fields": fields or {}}, status=status
        )
    else:
        page = render_to_string(template, {"status": status, "detail": detail, "fields": fields})
        response = HttpResponse(page, status=status)
    response["Cache-Control"] = "no-store"
    return response


def unavailable_response(request: HttpRequest) -> HttpResponse:
    response = error_response(
        request, status=503, code="unavailable", detail=UNAVAILABLE_DETAIL, template="503.html"
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


# --- reading the raw request ---------------------------------------------------


def _raw(wsgi_text: str) -> bytes | None:
    """The bytes behind a WSGI environ string (ISO-8859-1 by the WSGI spec);
    None when it is already decoded text (ASGI)."""
    try:
        return wsgi_text.encode("iso-8859-1")
    except UnicodeEncodeError:
        return None


def _raw_path(request: HttpRequest) -> bytes | None:
    """The address's path as the client sent it, percent-decoded, when the server
    passes it on (gunicorn's ``RAW_URI``, uWSGI's ``REQUEST_URI``): Django's
    ``path_info`` has already re-escaped bytes that are not UTF-8."""
    uri = request.META.get("RAW_URI") or request.META.get("REQUEST_URI")
    raw = _raw(uri) if isinstance(uri, str) else None
    if not raw:
        return None
    return unquote_to_bytes(urlsplit(raw).path)


def _decode_component(raw: bytes) -> str:
    """A percent-encoded query or form component as text; UnicodeDecodeError if
    it is not UTF-8."""
    return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")


def _field_problems(fields: dict[str, list[str]], where: str) -> BadInput:
    if len(fields) == 1:
        ((name, (problem, *_)),) = fields.items()
        return BadInput(f"The {where} field “{name}”: {problem}", fields)
    return BadInput(f"Some {where} fields cannot be read; see fields.", fields)


def _check_encoded_pairs(raw: bytes, where: str) -> None:
    """``name=value&...`` (a query string, a urlencoded body): every name and
    value is UTF-8 without NUL."""
    fields: dict[str, list[str]] = {}
    for pair in raw.split(b"&"):
        name_raw, _, value_raw = pair.partition(b"=")
        try:
            name = _decode_component(name_raw)
        except UnicodeDecodeError:
            raise BadInput(f"A {where} field name {UTF8_MESSAGE}") from None
        if "\x00" in name:
            raise BadInput(f"A {where} field name {NUL_MESSAGE}")
        try:
            value = _decode_component(value_raw)
        except UnicodeDecodeError:
            fields.setdefault(name, []).append(f"This value {UTF8_MESSAGE}")
            continue
        if "\x00" in value:
            fields.setdefault(name, []).append(f"This value {NUL_MESSAGE}")
    if fields:
        raise _field_problems(fields, where)


def _check_texts(texts: Iterable[tuple[str, str]], where: str) -> None:
    fields: dict[str, list[str]] = {}
    for name, text in texts:
        if "\x00" in name:
            raise BadInput(f"A {where} field name {NUL_MESSAGE}")
        if "\x00" in text:
            fields.setdefault(name, []).append(f"This value {NUL_MESSAGE}")
    if fields:
        raise _field_problems(fields, where)


def check_request(request: HttpRequest) -> None:
    """Raise :class:`BadInput` when the request carries what no view may see."""
    query = request.META.get("QUERY_STRING", "")
    if len(request.path_info) + len(query) + 1 > MAX_URI_LENGTH:
        raise BadInput(f"The address is longer than {MAX_URI_LENGTH} characters.", status=414)
    raw_path = _raw_path(request)
    if raw_path is not None:
        try:
            raw_path.decode("utf-8")
        except UnicodeDecodeError:
            raise BadInput(f"The address {UTF8_MESSAGE}") from None
    if "\x00" in request.path_info:
        raise BadInput(f"The address {NUL_MESSAGE}")
    raw_query = _raw(query)
    if raw_query:
        _check_encoded_pairs(raw_query, "query")
    headers = sorted(
        name[5:].replace("_", "-").title()
        for name, value in request.META.items()
        if name.startswith("HTTP_") and isinstance(value, str) and "\x00" in value
    )
    if headers:
        raise BadInput(f"The request header {', '.join(headers)} {NUL_MESSAGE}")
    if request.method in ("GET", "HEAD", "OPTIONS") or is_api(request):
        return  # the API reads JSON only; its parser checks the strings in it
    content_type = request.content_type or ""
    if content_type == "application/x-www-form-urlencoded":
        _check_encoded_pairs(request.body, "form")
    elif content_type == "multipart/form-data":
        _check_texts(
            ((name, value) for name, values in request.POST.lists() for value in values), "form"
        )
        _check_texts(
            (
                (name, upload.name or "")
                for name, uploads in request.FILES.lists()
                for upload in uploads
            ),
            "file",
        )


# --- the middleware ------------------------------------------------------------


def _remember_database_failure(
    sender: Any, request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """An uncaught exception anywhere (a view, a middleware, an error page): note
    on the request whether it was the database being unreachable."""
    if request is not None and is_database_unavailable(sys.exc_info()[1]):
        request.database_unavailable = True  # type: ignore[attr-defined]


got_request_exception.connect(_remember_database_failure, dispatch_uid="kontor-database-failure")


class RequestGuard:
    """Refuses malformed input and answers for a database that cannot be reached.

    Placed before the session, authentication and basket middleware, so neither
    bad input nor a dead database reaches them first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            check_request(request)
        except BadInput as bad:
            return error_response(
                request, status=bad.status, code=bad.code, detail=bad.detail, fields=bad.fields
            )
        response = self.get_response(request)
        if getattr(request, "database_unavailable", False):
            # whatever answer came after that (a 500 page, a debug page, the session
            # middleware's "session interrupted" 400) is not the one to give
            return unavailable_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A view (or its template) failed on the database."""
        if is_database_unavailable(exception):
            logger.warning(
                "database unavailable: %s %s: %s", request.method, request.path, exception
            )
            return unavailable_response(request)
        if isinstance(exception, DataError):
            logger.warning("refused a value: %s %s: %s", request.method, request.path, exception)
            return error_response(request, status=400, code="invalid", detail=UNSTORABLE_DETAIL)
        if isinstance(exception, IncorrectLookupParameters):
            # an admin list asked to filter on what it does not have (Django's own
            # change list turns this into "?e=1"; views built on it, such as
            # treebeard's children view, let it through)
            return error_response(request, status=400, code="invalid", detail=LOOKUP_DETAIL)
        return None

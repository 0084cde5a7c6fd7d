"""Health check and the error pages Django falls back to.

The error views answer without the database (their pages are rendered without
the request, so no context processor runs), in the API's error shape under
``/api/``; a failure that was the database being out of reach is a 503 (see
``erp.middleware``), never a 500.
"""

import logging
import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponsePermanentRedirect,
    HttpResponseServerError,
    JsonResponse,
)
from django.http.response import HttpResponseBase
from django.template.loader import render_to_string
from django.templatetags.static import static as static_url
from django.utils.html import escape
from django.views import static
from django.views.decorators.cache import never_cache

from erp import selectors
from erp.middleware import error_response, is_api, is_database_unavailable, unavailable_response

logger = logging.getLogger(__name__)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: 200 when database and broker answer, else 503.

    Anyone sees which part is down; versions, error texts and worker names only
    staff (and DEBUG) see."""
    healthy, report = selectors.health()
    if not settings.DEBUG and not (report["database"]["ok"] and request.user.is_staff):
        report = selectors.health_public(report)
    return JsonResponse(report, status=200 if healthy else 503)


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """``/favicon.ico``, which browsers ask for where a page names no icon (PDFs,
    JSON, images): the shop's icon, the one every page's ``<link rel=icon>`` names."""
    return HttpResponsePermanentRedirect(static_url("img/kontor.svg"))


def serve_media(request: HttpRequest, path: str, document_root: str) -> HttpResponseBase:
    """Django's development file server for ``MEDIA_URL`` (``SERVE_MEDIA`` with
    ``DEBUG``); a name the file system refuses (longer than it allows) is a 404."""
    try:
        return static.serve(request, path, document_root=document_root)
    except OSError as error:
        raise Http404("No such file.") from error


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler400``: a request Django could not read (a body over the upload
    limit, too many fields, a malformed multipart body, a forbidden host)."""
    if isinstance(exception, RequestDataTooBig):
        return error_response(
            request,
            status=413,
            code="payload_too_large",
            detail="The request body is larger than the server accepts.",
        )
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        detail = "The request has more fields or files than the server accepts."
    else:
        detail = "The request is malformed and cannot be read."
    return error_response(request, status=400, code="invalid", detail=detail)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``; a database out of reach is a 503 instead."""
    if is_database_unavailable(sys.exc_info()[1]):
        return unavailable_response(request)
    if is_api(request):
        return JsonResponse(
            {
                "code": "server_error",
                "detail": "Something went wrong on our side; it has been logged.",
                "fields": {},
            },
            status=500,
        )
    page: str
    try:
        # the storefront's look without the request: no context processor, no query
        page = render_to_string("oscar/500.html", {"shop_name": settings.OSCAR_SHOP_NAME})
    except Exception:  # the error page itself must never fail
        logger.exception("The 500 page could not be rendered; answered the plain one")
        page = PLAIN_SERVER_ERROR
    return HttpResponseServerError(page)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: a form sent without a valid CSRF token (a page left
    open past its session, cookies blocked, or a form posted from another site).
    Nothing was changed; the person is told so and how to go on, on the
    storefront's look (or a JSON error for the API). The reason is logged, not shown."""
    logger.warning("CSRF check refused %s %s: %s", request.method, request.path, reason)
    detail = (
        "Nothing was changed: the form you sent had expired or did not come from this "
        "site. Go back, reload the page and send it again (your browser must accept "
        "cookies from this site)."
    )
    if is_api(request):
        return JsonResponse({"code": "csrf_failed", "detail": detail, "fields": {}}, status=403)
    in_back_office = request.path.startswith("/admin/")
    context = {
        "shop_name": settings.OSCAR_SHOP_NAME,
        "title": "Form expired",
        "heading": "This form has expired",
        "message": detail,
        "back_url": "/admin/" if in_back_office else "/",
        "back_label": "Go to the back office" if in_back_office else "Go to the shop",
    }
    page: str
    try:
        page = render_to_string("oscar/500.html", context)
    except Exception:  # the error page itself must never fail
        logger.exception("The refused-form page could not be rendered; answered the plain one")
        page = f"<!DOCTYPE html><title>Form expired</title><p>{escape(detail)}</p>"
    return HttpResponseForbidden(page)


#: the answer when even the styled page cannot render (a static file missing
#: from the manifest, a broken template)
PLAIN_SERVER_ERROR = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Server error</title>'
    "</head><body><h1>Something went wrong on our side</h1><p>The error has been logged."
    '</p><p><a href="/">Go to the shop</a></p></body></html>'
)

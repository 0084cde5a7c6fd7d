"""One error shape for the whole API: ``{"code", "detail", "fields"}``.

``code`` is a stable machine-readable string, ``detail`` a sentence for
people, ``fields`` maps request fields to their messages (empty when the
error is not about one field). Extra keys (``lines`` of a stock conflict)
may be added by the error that knows them. Bad input is never a 500.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response


class ApiError(exceptions.APIException):
    """An error with its own code and, optionally, extra keys in the body."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"
    default_detail = "The request could not be processed."

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        status_code: int | None = None,
        fields: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.default_detail, code or self.default_code)
        if status_code is not None:
            self.status_code = status_code
        self.error_code = code or self.default_code
        self.fields = fields or {}
        self.extra = extra or {}


class Conflict(ApiError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The request conflicts with the current state."


class Unprocessable(ApiError):
    status_code = 422
    default_code = "unprocessable"
    default_detail = "The request is well-formed but cannot be processed."


class PayloadTooLarge(ApiError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = "The request body is larger than the API accepts."


def payload_too_large() -> PayloadTooLarge:
    """The answer to a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``, saying the limit."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None:
        return PayloadTooLarge()
    return PayloadTooLarge(
        f"The request body is larger than {limit} bytes, the most the API accepts."
    )


_CODES = {
    status.HTTP_400_BAD_REQUEST: "invalid",
    status.HTTP_401_UNAUTHORIZED: "not_authenticated",
    status.HTTP_403_FORBIDDEN: "permission_denied",
    status.HTTP_404_NOT_FOUND: "not_found",
    status.HTTP_405_METHOD_NOT_ALLOWED: "method_not_allowed",
    status.HTTP_406_NOT_ACCEPTABLE: "not_acceptable",
    status.HTTP_409_CONFLICT: "conflict",
    status.HTTP_413_REQUEST_ENTITY_TOO_LARGE: "payload_too_large",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "unsupported_media_type",
    422: "unprocessable",
    status.HTTP_429_TOO_MANY_REQUESTS: "throttled",
}


def _flatten(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [f"{key}: {message}" for key, inner in value.items() for message in _flatten(inner)]
    if isinstance(value, list | tuple):
        return [message for item in value for message in _flatten(item)]
    return [str(value)]


def _fields(detail: Any) -> dict[str, list[str]]:
    if not isinstance(detail, dict):
        return {}
    return {
        str(name): _flatten(messages)
        for name, messages in detail.items()
        if name != "non_field_errors"
    }


def exception_handler(error: Exception, context: dict[str, Any]) -> Response | None:
    # imported here: rest_framework.views loads DEFAULT_PARSER_CLASSES, and the
    # parsers (erp.api.parsers) import this module's errors
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(error, DjangoValidationError):
        messages = (
            error.message_dict
            if hasattr(error, "error_dict")
            else {"non_field_errors": error.messages}
        )
        error = exceptions.ValidationError(messages)
    elif isinstance(error, Http404):
        error = exceptions.NotFound()
    elif isinstance(error, DjangoPermissionDenied):
        error = exceptions.PermissionDenied()
    elif isinstance(error, RequestDataTooBig):  # a view or form read the body past the limit
        error = payload_too_large()
    response = drf_exception_handler(error, context)
    if response is None:
        return None  # a real bug: let Django report it
    assert isinstance(error, exceptions.APIException)
    if isinstance(error, ApiError):
        body: dict[str, Any] = {
            "code": error.error_code,
            "detail": str(error.detail),
            "fields": error.fields,
            **error.extra,
        }
    elif isinstance(error, exceptions.ValidationError):
        fields = _fields(error.detail)
        general = (
            _flatten(error.detail.get("non_field_errors", []))
            if isinstance(error.detail, dict)
            else _flatten(error.detail)
        )
        body = {
            "code": "invalid",
            "detail": " ".join(general) or "Some fields are not valid; see fields.",
            "fields": fields,
        }
    else:
        detail = error.detail
        code = _CODES.get(response.status_code, "error")
        if isinstance(error, exceptions.Throttled):
            code = "throttled"
        body = {"code": code, "detail": " ".join(_flatten(detail)), "fields": {}}
    response.data = body
    return response

"""The API reads JSON request bodies and nothing else.

Invariants:

- ``application/json`` is the one request media type (``DEFAULT_PARSER_CLASSES``);
  any other body gets ``415 unsupported_media_type`` in the error shape, and the
  schema documents JSON only, so a generated client sends what the server reads.
- Parsing never recurses without a bound: a body nested deeper than
  ``MAX_JSON_DEPTH`` arrays/objects is refused with ``400 invalid`` after a flat
  scan of the decoded text, before ``json.loads`` sees it.
- A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is refused with
  ``413 payload_too_large`` before it is read into memory (``PayloadTooLarge``).
- The body is read whole through ``HttpRequest.body``, which enforces the size
  limit; Django's ``RequestDataTooBig`` becomes ``PayloadTooLarge`` here.
- No string or key of a parsed body contains NUL (``\\u0000``): PostgreSQL refuses
  NUL in text, so such a body is ``400 invalid`` here, naming the field
  (``refuse_nul``); NUL in the address, query or headers is refused before the
  API (``erp.middleware``).
"""

import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.utils import json

from erp.api.exceptions import payload_too_large

# Far deeper than any body the API documents (an order is 3 levels deep), far
# shallower than Python's recursion limit.
MAX_JSON_DEPTH = 64

# a JSON string (skipped whole, brackets inside it do not nest) or one bracket
# (an unterminated string runs to the end: no match is ever retried, so linear time)
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.DOTALL)


def json_depth_exceeds(text: str, limit: int) -> bool:
    """Whether ``text`` opens more than ``limit`` arrays/objects inside each other,
    brackets inside strings not counted. A flat scan: no recursion, linear time."""
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        found = match.group()
        if found in "[{":
            depth += 1
            if depth > limit:
                return True
        elif found in "]}":
            depth -= 1
    return False


def read_body(parser_context: Mapping[str, Any] | None) -> bytes:
    """The whole request body, with Django's size limit answered as 413."""
    request = (parser_context or {}).get("request")
    django_request = getattr(request, "_request", None)
    if django_request is None:
        raise ParseError("The request body could not be read.")
    try:
        return django_request.body
    except RequestDataTooBig as error:
        raise payload_too_large() from error


NUL_IN_KEY = "JSON keys may not contain the NUL character (\\u0000)."
NUL_IN_STRING = "JSON strings may not contain the NUL character (\\u0000)."
NUL_IN_VALUE = "This value contains the NUL character (\\u0000), which no field accepts."


def _holds_nul(data: Any) -> bool:
    """Whether a string or key anywhere in ``data`` holds NUL; a list, not recursion."""
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return True
        elif isinstance(value, dict):
            pending.extend(value)
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


def refuse_nul(data: Any) -> None:
    """PostgreSQL cannot store NUL in text: a body whose strings or keys hold one
    (``\\u0000``) is refused here with 400, naming the request field it is in,
    not met as a 500 where it reaches the database."""
    if not isinstance(data, dict):
        if _holds_nul(data):
            raise ParseError(NUL_IN_STRING)
        return
    fields: dict[str, list[str]] = {}
    for name, value in data.items():
        if "\x00" in name:
            raise ParseError(NUL_IN_KEY)
        if _holds_nul(value):
            fields[name] = [NUL_IN_VALUE]
    if fields:
        raise ValidationError(fields)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a nesting bound and the upload limit in the API's shape."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        body = read_body(parser_context)
        try:
            text = body.decode(encoding)
        except LookupError as error:  # also bytes-to-bytes codecs such as bz2_codec
            raise ParseError(
                f'Unsupported charset "{encoding}" in the Content-Type header.'
            ) from error
        except UnicodeDecodeError as error:
            raise ParseError(f"JSON parse error - the body is not valid {encoding}.") from error
        if json_depth_exceeds(text, MAX_JSON_DEPTH):
            raise ParseError(
                f"JSON parse error - the body is nested more than {MAX_JSON_DEPTH} levels deep."
            )
        try:
            parse_constant = json.strict_constant if self.strict else None
            data = json.loads(text, parse_constant=parse_constant)
        except ValueError as error:
            raise ParseError(f"JSON parse error - {error}") from error
        except RecursionError as error:  # the scan above makes this unreachable; belt and braces
            raise ParseError("JSON parse error - the body is nested too deeply.") from error
        if "\\u0000" in text:  # the only way a NUL gets into parsed JSON
            refuse_nul(data)
        return data

"""OpenAPI post-processing: every operation documents the one error shape for the
statuses any endpoint can answer (bad input, no or bad credentials, no permission,
not found or a page past the end, wrong method or media type, throttled), and an
operation that takes a body also its 413 (``erp.api.parsers``)."""

from typing import Any

ERROR_STATUSES = {
    "400": "Invalid input; `fields` says which fields and why.",
    "401": "No credentials, or a token that is not valid.",
    "403": "Authenticated, but not allowed to do this.",
    "404": "Not found, or not yours.",
    "405": "Method not allowed.",
    "406": "The Accept header asks for a format the API does not speak.",
    "415": "The request body's media type is not supported.",
    "429": "Too many requests; retry later.",
}
BODY_ERROR_STATUSES = {
    "413": "The request body is larger than the API accepts (DATA_UPLOAD_MAX_MEMORY_SIZE).",
}
ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["code", "detail", "fields"],
}


def add_error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR_SCHEMA)
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            responses = operation.setdefault("responses", {})
            statuses = ERROR_STATUSES | (BODY_ERROR_STATUSES if "requestBody" in operation else {})
            for status, description in sorted(statuses.items()):
                responses.setdefault(status, {"content": reference, "description": description})
    return result

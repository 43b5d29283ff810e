"""API errors as RFC 9457 problem details, for every 4xx and 5xx under ``/api/``.

The handlers (django-ninja's, ours) answer ``{"detail": …}``; Django itself answers an
unknown ``/api/`` path or a server error with an HTML page, and django-ninja a wrong method
with plain text. ``ApiProblemMiddleware`` turns each into one shape, in the request's
language, with ``Content-Type: application/problem+json``::

    {"type": "about:blank", "title": "The values were refused", "status": 422,
     "code": "validation_error", "detail": "home_region: No region with code “NOPE”.",
     "errors": [{"field": "home_region", "message": "No region with code “NOPE”."}]}

``code`` is stable (clients branch on it); ``title`` and the messages are for people.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
PROBLEM_TYPE = "application/problem+json"

CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "throttled",
    500: "server_error",
    503: "unavailable",
}


def _titles() -> dict[int, str]:
    return {
        400: _("The request could not be read"),
        401: _("Sign in or send a valid token"),
        403: _("Not yours to do"),
        404: _("Not found"),
        405: _("Method not allowed"),
        409: _("Conflict"),
        413: _("Too large"),
        415: _("Unsupported media type"),
        422: _("The values were refused"),
        429: _("Too many requests"),
        500: _("Server error"),
        503: _("Unavailable"),
    }


def code_for(status: int) -> str:
    return CODES.get(status, "client_error" if status < 500 else "server_error")


# Where pydantic says a value came from (the body, the query…): not part of a field's name.
_WRAPPERS = ("body", "query", "path", "payload", "filters")


def _field_errors(detail: Any) -> list[dict[str, str]]:
    """Field → messages (Django's ValidationError) or pydantic's error list, as
    ``[{"field", "message"}]``; nothing for a plain message."""
    errors: list[dict[str, str]] = []
    if isinstance(detail, dict):
        for field, messages in detail.items():
            for message in messages if isinstance(messages, list) else [messages]:
                errors.append(
                    {"field": "" if field == "__all__" else str(field), "message": str(message)}
                )
    elif isinstance(detail, list):
        for item in detail:
            if isinstance(item, dict):
                location = [str(p) for p in item.get("loc", []) if p not in _WRAPPERS]
                errors.append({"field": ".".join(location), "message": str(item.get("msg", item))})
            else:
                errors.append({"field": "", "message": str(item)})
    return errors


def problem(status: int, detail: Any = None, *, allow: str | None = None) -> HttpResponse:
    """The problem-details response for ``status``; ``detail`` as the handlers give it."""
    title = _titles().get(status, _("Error"))
    errors = _field_errors(detail)
    if errors:
        text = "; ".join(
            f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors
        )
    else:
        text = str(detail) if detail not in (None, "") else title
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "code": code_for(status),
        "detail": text[:2000],
    }
    if errors:
        body["errors"] = errors
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_TYPE
    )
    if allow:
        response["Allow"] = allow
    return response


class ApiProblemMiddleware:
    """Every error answer under ``/api/`` as problem details (see the module's note)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX) and request.GET:
            unknown = unknown_parameters(request.method or "GET", request.path, set(request.GET))
            if unknown:
                # A misspelt filter ignored would answer every row, as if it had matched.
                message = _("Unknown query parameter: this operation takes no such filter.")
                return problem(422, {name: [message] for name in sorted(unknown)})
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith(PROBLEM_TYPE):
            return response
        detail: Any = None
        if response.get("Content-Type", "").startswith("application/json"):
            try:
                detail = json.loads(response.content).get("detail")
            except (ValueError, AttributeError):
                detail = None
        return problem(response.status_code, detail, allow=response.get("Allow"))

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A crash under ``/api/`` still answers JSON (logged, never shown)."""
        if not request.path.startswith(API_PREFIX):
            return None
        logger.exception("API request %s %s failed", request.method, request.path)
        return problem(500)


@functools.cache
def _operations() -> list[tuple[re.Pattern[str], str, frozenset[str]]]:
    """(path pattern, method, the query parameters it takes) of every API operation, from
    the OpenAPI document (``QUDAO_API``: the project's API object)."""
    api = import_string(settings.QUDAO_API)
    document = api.get_openapi_schema()
    found = []
    for template, operations in document["paths"].items():
        pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")
        for method, operation in operations.items():
            names = frozenset(
                p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"
            )
            found.append((pattern, method.upper(), names))
    return found


def unknown_parameters(method: str, path: str, names: set[str]) -> set[str]:
    """The query parameters the operation at ``method path`` does not take (none when no
    operation matches: that is a 404 or 405 of its own)."""
    method = "GET" if method == "HEAD" else method
    for pattern, operation_method, allowed in _operations():
        if operation_method == method and pattern.match(path):
            return names - allowed
    return set()

"""What every app's API shares (django-ninja): token authentication, the OpenAPI document's
declared refusals, lookups by code, PATCH semantics, filters and pagination. The API itself
is assembled at the project level (``qudao/api.py``).

The REST API lives under ``/api/`` (OpenAPI 3.1 at ``/api/openapi.json``).

Integrations authenticate with ``Authorization: Bearer <token>`` (``qudao token USER``);
the browser session works too. Every handler reads through the same selectors and
filtersets as the pages, so the API sees exactly what the user sees in the console.
"""

from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination
from ninja.security import HttpBearer

from qudao.core.models import ApiToken

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <key>``: a token neither revoked nor expired; a read-only
    token reads only (a write is refused, 403, whatever the user's role may change)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        try:
            api_token = ApiToken.objects.select_related("user").get(
                key_hash=ApiToken.hash_key(token)
            )
        except ApiToken.DoesNotExist:
            return None
        if not api_token.user.is_active or not api_token.usable:
            return None
        if api_token.read_only and request.method not in SAFE_METHODS:
            raise HttpError(403, _("This token is read-only: it may not change anything."))
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=timezone.now())
        request.user = api_token.user
        return api_token.user


class FieldProblem(Schema):
    field: str  # "" for the request as a whole
    message: str


class Problem(Schema):
    """Every refusal, as RFC 9457 problem details (``core.problems``): ``code`` is stable,
    ``title``, ``detail`` and the messages are in the request's language."""

    type: str = "about:blank"
    title: str
    status: int
    code: str
    detail: str
    errors: list[FieldProblem] | None = None


ERROR_DESCRIPTIONS = {
    400: "The request could not be read (malformed JSON or form, or too large).",
    401: "No valid token or session.",
    403: "Not yours to change: the role may not write this, or the result would be outside "
    "the partners you may change.",
    404: "No such record among those you may see (or change, for a write).",
    422: "The values were refused; ``errors`` names each field and why.",
}


class QudaoAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document declares the refusals every operation can give, so
    a client (and schemathesis) knows each status it may meet."""

    def get_openapi_operation_id(self, operation: Any) -> str:
        """The handler's own name — ``list_partners``, not ``qudao_partners_api_list_
        partners``: what a generated client calls its functions (names are unique, tested)."""
        return str(operation.view_func.__name__)

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(problem_schema.pop("$defs", {}))
        schemas["Problem"] = problem_schema
        for operations in document["paths"].values():
            for method, operation in operations.items():
                for status in _refusals(method, operation):
                    operation["responses"].setdefault(
                        status,
                        {
                            "description": ERROR_DESCRIPTIONS[status],
                            "content": {
                                "application/problem+json": {
                                    "schema": {"$ref": "#/components/schemas/Problem"}
                                }
                            },
                        },
                    )
        return document


def _refusals(method: str, operation: dict[str, Any]) -> list[int]:
    """The error statuses an operation can answer."""
    parameters = operation.get("parameters", [])
    writes = method.lower() != "get"
    statuses = [401]
    if writes:
        statuses += [400, 403, 404]
    elif any(p.get("in") == "path" for p in parameters):
        statuses.append(404)
    if writes or parameters:
        statuses.append(422)
    return statuses


def resolve_code(model: type[models.Model], code: str | None, *, user: Any, field: str) -> Any:
    """Look a referenced record up by code, through the access gate; 422 when unknown."""
    if code is None or code == "":
        return None
    if "\x00" in code:  # no code holds a NUL, and PostgreSQL refuses to look one up
        raise _no_such_code(model, field, code)
    obj = model._default_manager.restrict(user).filter(code=code).first()  # type: ignore[attr-defined]
    if obj is None:
        raise _no_such_code(model, field, code)
    return obj


def _no_such_code(model: type[models.Model], field: str, code: str) -> ValidationError:
    return ValidationError(
        {
            field: [
                _("No %(what)s with code “%(code)s”.")
                % {"what": model._meta.verbose_name, "code": code[:100]}
            ]
        }
    )


def patch_values(payload: Schema, model: type[models.Model]) -> dict[str, Any]:
    """The fields a PATCH sets. ``null`` clears a field that may be empty (text becomes
    "", a nullable field None); for a field that must hold a value it is a 422 naming the
    field, never a database error."""
    data = payload.dict(exclude_unset=True)
    refused: dict[str, list[str]] = {}
    for name, value in data.items():
        if value is not None:
            continue
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:  # not a model field: its handler decides
            field = None
        if field is None or getattr(field, "null", False):
            continue
        if isinstance(field, models.CharField | models.TextField) and field.blank:
            data[name] = ""
        else:
            refused[name] = ["This field cannot be empty."]
    if refused:
        raise ValidationError(refused)
    return data


def filtered(
    filterset_class: type,
    params: dict[str, Any],
    queryset: Any,
    *,
    codes: dict[str, type[models.Model]] | None = None,
) -> Any:
    """Apply a page's filterset to an API query, so pages and API filter alike. ``codes``:
    filters the API takes by code (what it returns) where the page's filterset takes the
    row's id; an unknown code is a 422 naming the filter."""
    data = {k: v for k, v in params.items() if v is not None}
    for name, model in (codes or {}).items():
        if name in data:
            code = str(data[name])[:100]
            # no code holds a NUL, and PostgreSQL refuses to look one up: unknown, at once
            found = (
                None
                if "\x00" in code
                else model._default_manager.filter(code=code).values_list("pk", flat=True).first()
            )
            if found is None:
                raise _no_such_code(model, name, code)
            data[name] = found
    filterset = filterset_class(data, queryset=queryset)
    if not filterset.is_valid():
        raise HttpError(422, str(dict(filterset.errors)))
    return filterset.qs


class Pagination(PageNumberPagination):
    """Page-number pagination whose page and size stay within what a database can offset,
    with links to the next and previous pages beside ``count`` (None at either end)."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int | None = Field(None, ge=1, le=500)

    class Output(Schema):
        items: list[Any]
        count: int
        next: str | None = None
        previous: str | None = None

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        size = self._get_page_size(pagination.page_size)
        last = max(1, -(-page["count"] // size))

        def link(number: int) -> str:
            query = request.GET.copy()
            query["page"] = str(number)
            return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

        page["next"] = link(pagination.page + 1) if pagination.page < last else None
        page["previous"] = link(pagination.page - 1) if pagination.page > 1 else None
        return page

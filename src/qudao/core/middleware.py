"""Request-wide rules: the language a user chose, the methods pages take, security headers."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils import translation


class UserLanguageMiddleware:
    """Activate the language a signed-in user chose last, overriding the browser's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user and user.is_authenticated else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


# Scripts only from our own static files (no inline script, no eval); inline style
# attributes stay allowed (bar widths, chart SVG). The API's docs page too: Swagger UI is
# served from our static files (django-ninja's), its settings a JSON block, not a script.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeadersMiddleware:
    """A Content-Security-Policy on every page, and no caching of what a signed-in user
    sees (a shared computer's back button must not show a partner's figures)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response.headers["Cache-Control"] = "no-store"
        return response


class PageMethodsMiddleware:
    """Pages are HTML forms and links: they take GET, HEAD and POST (OPTIONS is harmless).
    PUT, PATCH and DELETE belong to the API; anywhere else they are 405, before any view
    (Django's form views would otherwise treat PUT as POST)."""

    PAGE_METHODS = ("GET", "HEAD", "POST", "OPTIONS")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in self.PAGE_METHODS and not request.path.startswith("/api/"):
            return HttpResponseNotAllowed(self.PAGE_METHODS)
        return self.get_response(request)

"""Console views shared by every app: home, language, and the generic list and edit views."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any, NoReturn

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.forms import BaseForm
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import (
    content_disposition_header,
    url_has_allowed_host_and_scheme,
    urlsafe_base64_decode,
)
from django.utils.text import slugify
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_http_methods, require_POST
from django_tables2 import RequestConfig

from qudao.core.auth import password_reset_by_email
from qudao.core.exporting import CONTENT_TYPES, to_csv, to_xlsx
from qudao.core.forms import ApiTokenForm
from qudao.core.models import ApiToken
from qudao.core.permissions import can_change, is_partner_user, restrict
from qudao.core.services import api_token_create, api_token_revoke, user_set_language


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch language; a signed-in user's choice is remembered on their account."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if check_for_language(language):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax"
        )
        if request.user.is_authenticated:
            user_set_language(user=request.user, language=language)
    return response


def export_response(
    *, headers: list[str], rows: list[list[Any]], fmt: str, filename: str
) -> HttpResponse:
    """A download named for what it holds, in the reader's language (计分卡-2019Q4.xlsx);
    the header carries the name both ways browsers read it (RFC 6266)."""
    data = to_xlsx(headers, rows) if fmt == "xlsx" else to_csv(headers, rows)
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(True, f"{filename}.{fmt}") or ""
    return response


def attachment_response(stored: Any, name: str) -> FileResponse:
    """A kept file (an upload's ``FieldFile``) as a download under its own name — always
    a download, never shown inline, whatever it claims to be."""
    return FileResponse(
        stored.open("rb"),
        as_attachment=True,
        filename=name,
        content_type="application/octet-stream",
    )


def int_param(text: str | None) -> int:
    """A query parameter as a primary key: 0 (matches nothing) unless a plausible one."""
    return int(text) if text and text.isdigit() and len(text) < 18 else 0


def refuse(request: HttpRequest) -> NoReturn:
    """A write the user may not make: 403 for the brand's staff; a partner's users get
    404, as for everything of the brand's they may not see."""
    if is_partner_user(request.user):
        raise Http404
    raise PermissionDenied


def act_on(request: HttpRequest, obj: Any, action: Callable[[], Any], done: str) -> HttpResponse:
    """A button's write, through its service: refused as the pages refuse (``refuse``), a
    validation error shown as a message, and back to the object's page either way."""
    try:
        action()
    except PermissionDenied:
        refuse(request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect(obj.get_absolute_url())


def form_action(
    request: HttpRequest,
    obj: Any,
    form_class: type[BaseForm],
    action: Callable[[dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    """A button's write that takes a small form: an invalid form is said as a message, a
    valid one runs ``action(cleaned_data)`` as ``act_on`` does."""
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect(obj.get_absolute_url())
    return act_on(request, obj, lambda: action(form.cleaned_data), done)


def form_error_text(form: BaseForm) -> str:
    """A form's errors in one line, for a message beside the page it came from."""
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def export_filename(title: Any, request: HttpRequest) -> str:
    """A list's title, then the period it is filtered to, if any: "计分卡-2019Q4"."""
    name = slugify(str(title), allow_unicode=True) or "export"
    period = (request.GET.get("period") or "").strip()
    if period and re.fullmatch(r"[0-9A-Za-z-]{4,10}", period):
        name += f"-{period}"
    return name


class ObjectListView(LoginRequiredMixin, View):
    """A filtered, sorted, paginated table with CSV and Excel export of the same rows.

    ``selector(user)`` returns the rows the user may see (already restricted);
    the filterset narrows them; the table shows them. Export writes exactly
    the filtered rows, all pages, with the table's headers.
    """

    selector: Callable[..., models.QuerySet[Any]]
    filterset_class: type
    table_class: type
    title: Any = ""
    model: type[models.Model]
    add_url_name: str = ""
    template_name = "core/object_list.html"
    empty_hint: Any = ""
    empty_command = ""  # the same from the command line, shown beside the hint
    per_page = 50
    # columns partner users never see (the brand's internals, e.g. costs)
    internal_columns: tuple[str, ...] = ()
    rows: models.QuerySet[Any]  # set by get(): the rows the filters left
    # the brand's own list (follow-ups, pilots, market intelligence): not found for partners
    internal = False

    def get(self, request: HttpRequest) -> HttpResponse:
        if self.internal and is_partner_user(request.user):
            raise Http404
        queryset = type(self).selector(user=request.user)
        filterset = self.filterset_class(request.GET or None, queryset=queryset, request=request)
        rows = filterset.qs if filterset.is_bound and filterset.is_valid() else queryset
        self.rows = rows  # what the filters left, for a page's extra_context
        editable = can_change(request.user, self.model)
        hidden = (() if editable else ("edit",)) + (
            self.internal_columns if is_partner_user(request.user) else ()
        )
        table = self.table_class(
            rows, request=request, exclude=hidden, **self.table_kwargs(request, filterset)
        )
        export = request.GET.get("export")
        if export in ("csv", "xlsx"):
            values = list(table.as_values())
            return export_response(
                headers=[str(h) for h in values[0]],
                rows=values[1:],
                fmt=export,
                filename=export_filename(
                    self.title or self.model._meta.verbose_name_plural, request
                ),
            )
        RequestConfig(request, paginate={"per_page": self.per_page}).configure(table)
        # The filter form swaps only the table; boosted navigation gets the whole page.
        htmx = getattr(request, "htmx", None)
        partial = htmx is not None and htmx.target == "table-region"
        template = "core/_table_region.html" if partial else self.template_name
        return render(
            request,
            template,
            {
                "title": self.title,
                "table": table,
                "filter": filterset,
                "model": self.model,
                "can_add": bool(self.add_url_name) and self.may_add(request),
                "add_url_name": self.add_url_name,
                "empty_hint": self.empty_hint,
                "empty_command": self.empty_command,
                **self.extra_context(request),
            },
        )

    def may_add(self, request: HttpRequest) -> bool:
        """Whether the page offers "Add" (those who change the model; a page may say more)."""
        return can_change(request.user, self.model)

    def extra_context(self, request: HttpRequest) -> dict[str, Any]:
        """What a page adds to the shared list template (e.g. whether rows can be decided)."""
        return {}

    def table_kwargs(self, request: HttpRequest, filterset: Any) -> dict[str, Any]:
        """What a page's table takes besides its rows (e.g. the columns chosen)."""
        return {}


class ObjectEditView(LoginRequiredMixin, View):
    """Create or edit one object through its service; validation errors land on the form."""

    model: type[models.Model]
    form_class: type[BaseForm]
    template_name = "core/object_edit.html"
    create_service: Callable[..., models.Model]
    update_service: Callable[..., models.Model]
    instance_kw: str

    def get_object(self, request: HttpRequest, pk: int | None) -> models.Model | None:
        if pk is None:
            if not can_change(request.user, self.model):
                raise PermissionDenied
            return None
        # Out of scope, or not editable by this user: 404, never 403.
        return get_object_or_404(
            restrict(self.model._default_manager.all(), request.user, "change"), pk=pk
        )

    def get_form(
        self, request: HttpRequest, instance: models.Model | None, data: Any = None
    ) -> BaseForm:
        # A ModelForm writes cleaned values onto its instance while validating; give it a
        # copy, so the service still sees the stored values and records a true before/after.
        form_instance = copy.copy(instance) if instance is not None else None
        files = request.FILES if data is not None else None  # a form with files takes them
        return self.form_class(data, files, instance=form_instance, user=request.user)  # type: ignore[call-arg]

    def render_form(
        self, request: HttpRequest, form: BaseForm, instance: models.Model | None
    ) -> HttpResponse:
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "object": instance,
                "model": self.model,
                "title": (_("Edit %(name)s") % {"name": instance})
                if instance
                else _("New %(model)s") % {"model": self.model._meta.verbose_name},
            },
        )

    def create_data(self, request: HttpRequest) -> dict[str, Any]:
        """Fields a new object gets from the URL rather than the form (e.g. its partner)."""
        return {}

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        instance = self.get_object(request, pk)
        return self.render_form(request, self.get_form(request, instance), instance)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        instance = self.get_object(request, pk)
        form = self.get_form(request, instance, request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                if instance is None:
                    data.update(self.create_data(request))
                    obj = type(self).create_service(actor=request.user, **data)
                else:
                    obj = type(self).update_service(
                        **{self.instance_kw: instance}, actor=request.user, **data
                    )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.error_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, exc)
            else:
                messages.success(request, _("Saved %(name)s.") % {"name": obj})
                return redirect(obj.get_absolute_url())  # type: ignore[attr-defined]
        return self.render_form(request, form, instance)


class PasswordResetView(auth_views.PasswordResetView):
    """ "Forgot password": a mail with a link, where this installation sends mail; else a
    page saying who can help (the administrator resets it in the admin)."""

    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not password_reset_by_email():
            return render(request, "registration/password_reset_unavailable.html")
        return super().dispatch(request, *args, **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    post_reset_login = False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # An invitation's link sets a first password even where resets are not mailed.
        if not password_reset_by_email() and not _invited(kwargs.get("uidb64", "")):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


def _invited(uidb64: str) -> bool:
    """Whether the link is for someone invited who has no password yet."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, UnicodeDecodeError):
        return False
    user = get_user_model().objects.filter(pk=pk, is_active=True).first()
    return user is not None and not user.has_usable_password()


def _own_tokens(request: HttpRequest) -> models.QuerySet[ApiToken]:
    return ApiToken.objects.filter(user_id=int(request.user.pk or 0))


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The user's own API tokens: make one (its key shown once, on this answer only), see
    when each was last used, revoke one."""
    form = ApiTokenForm(request.POST or None)
    key = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, key = api_token_create(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            form = ApiTokenForm()
    tokens = _own_tokens(request).order_by("-created_at")
    return render(
        request,
        "core/api_tokens.html",
        {"title": _("API tokens"), "form": form, "tokens": tokens, "key": key},
    )


@login_required
@require_POST
def api_token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    # another person's token does not exist for this user (404), as every other record
    token = get_object_or_404(_own_tokens(request), pk=pk)
    api_token_revoke(token=token, actor=request.user)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("api_tokens")

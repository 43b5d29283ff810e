"""Project-level pages: the home page reads several apps, so it lives beside ``urls.py``."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from qudao.core.permissions import is_partner_user
from qudao.dashboard import cockpit, home_summary


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/home.html",
        {
            "summary": home_summary(request.user),
            "cockpit": cockpit(request.user),
            "partner_view": is_partner_user(request.user),
        },
    )

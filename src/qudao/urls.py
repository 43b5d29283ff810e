from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from qudao import views as site_views
from qudao.api import api
from qudao.core import views as core_views
from qudao.core.auth import ThrottledAuthenticationForm
from qudao.recruitment import views as recruitment_views

urlpatterns = [
    path("", site_views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Every user changes their own password; the other sessions end (Django's session hash).
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(template_name="registration/password_change.html"),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("account/tokens/", core_views.api_tokens, name="api_tokens"),
    path(
        "account/tokens/<int:pk>/revoke/", core_views.api_token_revoke_view, name="api_token_revoke"
    ),
    # Forgotten password: a mailed link where e-mail is configured (QUDAO_EMAIL_HOST).
    path("password/reset/", core_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/password_reset_done.html"
        ),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        core_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("i18n/setlang/", core_views.set_language, name="set_language"),
    path("partners/", include("qudao.partners.urls")),
    path("regions/", include("qudao.territories.urls")),
    path("products/", include("qudao.catalog.urls")),
    path("imports/", include("qudao.facts.urls")),
    path("review/", include("qudao.analytics.urls")),
    path("risk/", include("qudao.governance.urls")),
    path("rebates/", include("qudao.programs.urls")),
    path("recruitment/", include("qudao.recruitment.urls")),
    path("activities/", include("qudao.collaboration.urls")),
    path("deals/", include("qudao.deals.urls")),
    path("notifications/", include("qudao.notifications.urls")),
    path("feedback/", include("qudao.feedback.urls")),
    path("campaigns/", include("qudao.marketing.urls")),
    path("supply/", include("qudao.supply.urls")),
    # the public application form: no sign-in
    path("apply/", recruitment_views.apply, name="apply"),
    path("apply/thanks/", recruitment_views.apply_thanks, name="apply_thanks"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]

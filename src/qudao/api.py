"""The REST API, assembled from the apps' routers (the kernel, ``core``, knows none of them)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from ninja.security import django_auth

from qudao.analytics.api import router as review_router
from qudao.catalog.api import router as catalog_router
from qudao.collaboration.api import router as activities_router
from qudao.collaboration.api import training_router
from qudao.core.api import QudaoAPI, TokenAuth
from qudao.deals.api import router as deals_router
from qudao.facts.api import router as facts_router
from qudao.feedback.api import router as feedback_router
from qudao.governance.api import complaints_router, compliance_router, risk_router
from qudao.governance.api import router as governance_router
from qudao.notifications.api import router as notifications_router
from qudao.partners.api import router as partners_router
from qudao.programs.api import (
    expenses_router,
    funds_router,
    mdf_router,
    programs_router,
    settlements_router,
    statements_router,
)
from qudao.recruitment.api import router as recruitment_router
from qudao.supply.api import router as supply_router
from qudao.territories.api import router as territories_router

api = QudaoAPI(
    title="Qudao API",
    version="1.0.0",
    description="Channel master data (partners, regions, products, price lists, targets), "
    "imports, the review, violations with their workflow, complaints, licences and "
    "agreements, partner risk, rebates (programs, settlements, statements), marketing "
    "funds (MDF requests and claims), expense claims, applicants in the recruitment funnel "
    "activities with partners and their people's training records, deal registrations, "
    "product feedback, notifications and supply alerts.",
    auth=[TokenAuth(), django_auth],
)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    """A refused write (outside the actor's scope, or not the actor's to make)."""
    return api.create_response(request, {"detail": str(exc) or "Permission denied."}, status=403)


api.add_router("/partners", partners_router)
api.add_router("/regions", territories_router)
api.add_router("/applicants", recruitment_router)
api.add_router("/activities", activities_router)
api.add_router("/training-records", training_router)
api.add_router("/deals", deals_router)
api.add_router("/notifications", notifications_router)
api.add_router("/supply-alerts", supply_router)
api.add_router("/feedback", feedback_router)
api.add_router("/catalog", catalog_router)
api.add_router("/imports", facts_router)
api.add_router("/review", review_router)
api.add_router("/violations", governance_router)
api.add_router("/complaints", complaints_router)
api.add_router("/compliance-items", compliance_router)
api.add_router("/risk", risk_router)
api.add_router("/rebate-programs", programs_router)
api.add_router("/rebate-statements", statements_router)
api.add_router("/rebate-settlements", settlements_router)
api.add_router("/mdf-funds", funds_router)
api.add_router("/mdf-requests", mdf_router)
api.add_router("/expense-claims", expenses_router)

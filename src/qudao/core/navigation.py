"""The left navigation, grouped by the five parts of the channel team's job (UI.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from qudao.core.choices import Role


@dataclass(frozen=True)
class NavItem:
    label: Any
    url_name: str
    roles: frozenset[Role] | None = None  # None: the channel team, its colleagues and partners


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: Any
    items: tuple[NavItem, ...]


INTERNAL = frozenset({Role.CHANNEL_DIRECTOR, Role.CHANNEL_MANAGER, Role.FINANCE, Role.SALES})
PARTNER = frozenset({Role.PARTNER_ADMIN, Role.PARTNER_USER})
# the product team and supply chain see their own pages only, not the channel's
CHANNEL_AND_PARTNERS = INTERNAL | PARTNER
FEEDBACK_READERS = CHANNEL_AND_PARTNERS | {Role.PRODUCT}
SUPPLY_READERS = CHANNEL_AND_PARTNERS | {Role.SUPPLY_CHAIN}

NAVIGATION: tuple[NavGroup, ...] = (
    NavGroup(
        "plan",
        _("Plan"),
        (
            NavItem(_("Partners"), "partners:partner_list"),
            NavItem(_("Regions"), "territories:region_list"),
            NavItem(_("Segments"), "territories:segment_list", INTERNAL),
            NavItem(_("Coverage and white space"), "territories:coverage", INTERNAL),
            NavItem(_("Competitor notes"), "collaboration:competitor_note_list", INTERNAL),
            NavItem(_("Competitors"), "collaboration:competitor_list", INTERNAL),
            NavItem(_("Applicants"), "recruitment:applicant_list", INTERNAL | {Role.PARTNER_ADMIN}),
            NavItem(_("Recruitment funnel"), "recruitment:funnel", INTERNAL),
            NavItem(_("Entry thresholds"), "recruitment:entry_model_list", INTERNAL),
            NavItem(_("Pilots"), "recruitment:pilot_list", INTERNAL),
        ),
    ),
    NavGroup(
        "manage",
        _("Manage"),
        (
            NavItem(_("Products"), "catalog:product_list"),
            NavItem(_("Price list"), "catalog:price_list"),
            NavItem(_("Violations"), "governance:violation_list"),
            NavItem(_("At-risk partners"), "governance:flag_list", INTERNAL),
            NavItem(_("Partner risk"), "governance:risk_dashboard", INTERNAL),
            NavItem(_("Complaints"), "governance:complaint_list"),
            NavItem(_("Agreements"), "partners:agreement_list"),
            NavItem(_("Activities"), "collaboration:activity_list"),
            NavItem(_("Follow-ups"), "collaboration:follow_up_list", INTERNAL),
            NavItem(_("Visits overdue"), "collaboration:visits_overdue", INTERNAL),
            NavItem(_("My calendar"), "collaboration:calendar", INTERNAL),
            NavItem(_("Courses"), "collaboration:course_list"),
            NavItem(_("Training records"), "collaboration:enrolment_list"),
            NavItem(_("Training compliance"), "collaboration:training_compliance"),
            NavItem(_("Training requirements"), "collaboration:requirement_list", INTERNAL),
            NavItem(_("Licences and agreements"), "governance:compliance_list"),
            NavItem(_("Improvement plans"), "governance:plan_list", INTERNAL),
            NavItem(_("Risk rules"), "governance:rule_list", INTERNAL),
        ),
    ),
    NavGroup(
        "performance",
        _("Performance"),
        (
            NavItem(_("Review overview"), "analytics:overview"),
            NavItem(_("Scorecards"), "analytics:scorecard_list"),
            NavItem(_("Channel reviews"), "analytics:run_list", INTERNAL),
            NavItem(_("Grade proposals"), "analytics:proposal_list", INTERNAL),
            NavItem(_("Grading model"), "analytics:grading", INTERNAL),
            NavItem(_("KPI dictionary"), "analytics:kpi_list"),
            NavItem(_("Targets"), "partners:target_list"),
        ),
    ),
    NavGroup(
        "collaborate",
        _("Collaborate"),
        (
            NavItem(_("Deal registrations"), "deals:deal_list", INTERNAL | {Role.PARTNER_ADMIN}),
            NavItem(_("Deal conflicts"), "deals:conflict_list", INTERNAL),
            NavItem(_("Direct accounts"), "deals:account_list", INTERNAL),
            NavItem(_("Product feedback"), "feedback:feedback_list", FEEDBACK_READERS),
            NavItem(_("Supply alerts"), "supply:alert_list", SUPPLY_READERS),
            NavItem(_("Days of supply"), "supply:position_list", SUPPLY_READERS),
            NavItem(_("Rebate programs"), "programs:program_list", INTERNAL),
            NavItem(_("Rebate settlements"), "programs:settlement_list", INTERNAL),
            NavItem(_("Rebate statements"), "programs:statement_list"),
            NavItem(_("My rebates"), "programs:mine", PARTNER),
            NavItem(_("Market development funds"), "programs:fund_list", INTERNAL),
            NavItem(_("MDF requests"), "programs:mdf_list"),
            NavItem(_("Joint marketing"), "marketing:campaign_list"),
            NavItem(_("Expense claims"), "programs:expense_list", INTERNAL),
        ),
    ),
    NavGroup(
        "insights",
        _("Insights"),
        (
            NavItem(_("Imports"), "facts:batch_list", INTERNAL | {Role.PARTNER_ADMIN}),
            NavItem(_("Submission calendar"), "facts:calendar"),
            NavItem(_("Master-data imports"), "facts:master_import_list", INTERNAL),
            NavItem(_("Saved mappings"), "facts:mapping_list", INTERNAL),
            NavItem(
                _("Webhooks"), "notifications:webhook_list", frozenset({Role.CHANNEL_DIRECTOR})
            ),
        ),
    ),
)


def navigation_for(user: Any) -> list[tuple[NavGroup, list[NavItem]]]:
    """The groups and items ``user`` may open; empty groups are left out."""
    visible = []
    for group in NAVIGATION:
        items = [
            i
            for i in group.items
            if user.is_superuser
            or user.has_role(*(CHANNEL_AND_PARTNERS if i.roles is None else i.roles))
        ]
        if items:
            visible.append((group, items))
    return visible

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "qudao.governance"
    verbose_name = _("Risk and improvement")

    def ready(self) -> None:
        # The at-risk and exit rules run as a step of every review (analytics.steps).
        from qudao.analytics.contributions import register_scorecard_column
        from qudao.analytics.steps import register_step
        from qudao.governance.steps import RISK_FLAGS_STEP, VIOLATIONS_STEP, scorecard_at_risk

        register_step(RISK_FLAGS_STEP)
        register_step(VIOLATIONS_STEP)  # the detectors of 窜货 and below-floor sales
        # Whether a run found the partner at risk: shown with its scorecards.
        register_scorecard_column("at_risk", scorecard_at_risk)
        # A downgrade penalty follows the decision of its grade proposal.
        from qudao.analytics.contributions import register_proposal_decided

        register_proposal_decided(_penalties_follow_proposal)
        # No better grade for a partner with a violation confirmed in the last quarters.
        from qudao.analytics.contributions import register_upgrade_hold

        register_upgrade_hold(_partners_held_at_grade)

        from qudao.core.importing.registry import register_export

        register_export("violations", _violations_export)

        # Receivables imported or reverted: every partner's credit and ageing moved.
        from qudao.facts.signals import fact_changed

        fact_changed.connect(_refresh_partner_risk, dispatch_uid="governance-risk")

        # An agreement added, changed or renewed: the partner's alerts at once.
        from qudao.partners.services import register_agreement_changed

        register_agreement_changed(_partner_changed)
        # A training record recorded (refused, missed, completed): the same, at once.
        from qudao.collaboration.services import register_training_changed

        register_training_changed(_partner_changed)


def _violations_export(period: str | None, user: Any) -> tuple[list[str], list[Any]]:
    from qudao.governance.selectors import violations_export  # deferred: the rules load Ibis

    return violations_export(period, user)


def _penalties_follow_proposal(*, proposal: Any, actor: Any) -> None:
    from qudao.governance.services import penalties_follow_proposal  # deferred: loads Ibis

    penalties_follow_proposal(proposal=proposal, actor=actor)


def _partners_held_at_grade(period: str) -> set[int]:
    from qudao.governance.services import partners_held_at_grade  # deferred: loads Ibis

    return partners_held_at_grade(period)


def _refresh_partner_risk(sender: Any, fact: str, **kwargs: Any) -> None:
    if fact == "receivable":
        from qudao.governance.tasks import refresh_partner_risk_task  # deferred: the worker

        refresh_partner_risk_task.enqueue()


def _partner_changed(partner: Any) -> None:
    from qudao.governance.services import risk_profiles_refresh  # deferred: loads Ibis

    risk_profiles_refresh(partners=type(partner).objects.filter(pk=partner.pk))

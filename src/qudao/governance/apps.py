from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "qudao.governance"
    verbose_name = _("Risk and improvement")

    def ready(self) -> None:
        # The at-risk and exit rules run as a step of every review (analytics.steps).
        from qudao.analytics.contributions import register_scorecard_column
        from qudao.analytics.steps import register_step
        from qudao.governance.steps import RISK_FLAGS_STEP, scorecard_at_risk

        register_step(RISK_FLAGS_STEP)
        # Whether a run found the partner at risk: shown with its scorecards.
        register_scorecard_column("at_risk", scorecard_at_risk)

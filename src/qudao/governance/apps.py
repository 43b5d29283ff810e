from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "qudao.governance"
    verbose_name = _("Risk and improvement")

    def ready(self) -> None:
        # The at-risk and exit rules run as a step of every review (analytics.steps).
        from qudao.analytics.steps import register_step
        from qudao.governance.steps import RISK_FLAGS_STEP

        register_step(RISK_FLAGS_STEP)

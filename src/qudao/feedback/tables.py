from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from qudao.core.tables import StatusColumn
from qudao.feedback.models import Feedback


class FeedbackTable(tables.Table):
    created_at = tables.DateColumn(verbose_name=_("Submitted"))
    title = tables.Column(linkify=True)
    subject = tables.Column(
        verbose_name=_("Product or category"), accessor="pk", orderable=False, empty_values=()
    )
    partner = tables.Column(accessor="partner__code", verbose_name=_("Partner"), default="—")
    kind = tables.Column()
    severity = StatusColumn()
    status = StatusColumn()
    routed_to = tables.Column()

    class Meta:
        model = Feedback
        fields = ("created_at", "title", "subject", "partner", "kind", "severity", "status")
        order_by = ("-created_at",)

    def render_subject(self, record: Feedback) -> str:
        return subject_of(record)

    def value_subject(self, record: Feedback) -> str:
        return subject_of(record)


def subject_of(feedback: Feedback) -> str:
    if feedback.product is not None:
        return f"{feedback.product.code} {feedback.product.name}"
    return f"{feedback.category.code} {feedback.category.name}" if feedback.category else ""

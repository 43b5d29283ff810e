"""Writes for product feedback. Partners' staff submit for their own tree, the channel team
and sales for any partner in scope (or none); the channel team routes it to someone in the
product team (or declines it); the product team answers. Every refusal is made here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qudao.core.choices import Role
from qudao.core.models import User
from qudao.core.permissions import ensure_may_change_row, is_partner_user
from qudao.core.services import ensure_storable_text, model_create
from qudao.core.uploads import attachment_name_checked
from qudao.feedback.models import (
    Feedback,
    FeedbackFile,
    FeedbackKind,
    FeedbackSeverity,
    FeedbackStatus,
)
from qudao.notifications.models import Event
from qudao.notifications.services import Message, notify
from qudao.partners.models import DIRECTOR_AND_MANAGER


@transaction.atomic
def feedback_submit(
    *, actor: Any | None = None, attachments: Sequence[Any] = (), **data: Any
) -> Feedback:
    """Submit feedback (new). A partner's staff submit for their own partner only."""
    if actor is not None and is_partner_user(actor):
        data["partner"] = data.get("partner") or actor.partner
    if (
        actor is not None
        and actor.has_role(Role.PRODUCT)
        and not actor.has_role(*DIRECTOR_AND_MANAGER, Role.SALES)
    ):
        raise PermissionDenied(_("The product team answers feedback; it does not submit it."))
    names = [attachment_name_checked(f, "attachments") for f in attachments]
    data.update(status=FeedbackStatus.NEW, submitted_by=actor)
    feedback = model_create(model=Feedback, data=data, actor=actor)
    for upload, name in zip(attachments, names, strict=True):
        FeedbackFile.objects.create(feedback=feedback, file=upload, name=name)
    return feedback


def _ensure_channel_team(feedback: Feedback, actor: Any | None) -> None:
    if actor is not None and not actor.is_superuser and not actor.has_role(*DIRECTOR_AND_MANAGER):
        raise PermissionDenied(_("The channel team routes feedback."))
    ensure_may_change_row(feedback, actor)


def _ensure_status(feedback: Feedback, *allowed: str) -> None:
    if feedback.status not in allowed:
        raise ValidationError(
            _("This feedback is %(status)s: this cannot be done now.")
            % {"status": feedback.get_status_display()}
        )


def _save(feedback: Feedback, actor: Any | None, fields: list[str]) -> Feedback:
    ensure_storable_text(feedback)  # a note with a NUL: refused, not a database error
    if actor is not None:
        feedback._history_user = actor  # type: ignore[attr-defined]
    feedback.save(update_fields=[*fields, "updated_at"])
    return feedback


@transaction.atomic
def feedback_route(
    *,
    feedback: Feedback,
    owner: Any,
    actor: Any | None = None,
    severity: str | None = None,
    note: str = "",
) -> Feedback:
    """Triage: the severity confirmed, routed to ``owner`` in the product team."""
    _ensure_channel_team(feedback, actor)
    _ensure_status(feedback, FeedbackStatus.NEW, FeedbackStatus.ROUTED)
    if owner is None or not owner.is_active or not owner.has_role(Role.PRODUCT):
        raise ValidationError({"owner": _("Route it to someone in the product team.")})
    feedback.routed_to, feedback.status, feedback.triage_note = owner, FeedbackStatus.ROUTED, note
    if severity:
        feedback.severity = severity
        feedback.full_clean()
    _save(feedback, actor, ["routed_to", "status", "triage_note", "severity"])
    _tell_product_owner(feedback)
    return feedback


@transaction.atomic
def feedback_decline(*, feedback: Feedback, actor: Any | None = None, note: str) -> Feedback:
    """Not for the product team (a duplicate, a support question): why, for the submitter."""
    _ensure_channel_team(feedback, actor)
    _ensure_status(feedback, FeedbackStatus.NEW, FeedbackStatus.ROUTED)
    if not (note or "").strip():
        raise ValidationError({"note": _("Say why: the submitter reads it.")})
    feedback.status, feedback.answer = FeedbackStatus.DECLINED, note.strip()
    feedback.answered_by, feedback.answered_at = actor, timezone.now()
    _save(feedback, actor, ["status", "answer", "answered_by", "answered_at"])
    _tell_submitter(feedback)
    return feedback


@transaction.atomic
def feedback_answer(*, feedback: Feedback, actor: Any | None = None, answer: str) -> Feedback:
    """The product team's answer, which the submitter sees."""
    if actor is not None and not actor.is_superuser and not actor.has_role(Role.PRODUCT):
        raise PermissionDenied(_("The product team answers feedback."))
    ensure_may_change_row(feedback, actor)
    _ensure_status(feedback, FeedbackStatus.ROUTED, FeedbackStatus.ANSWERED)
    if not (answer or "").strip():
        raise ValidationError({"answer": _("Write the answer.")})
    feedback.status, feedback.answer = FeedbackStatus.ANSWERED, answer.strip()
    feedback.answered_by, feedback.answered_at = actor, timezone.now()
    _save(feedback, actor, ["status", "answer", "answered_by", "answered_at"])
    _tell_submitter(feedback)
    return feedback


def product_team() -> list[User]:
    return list(User.objects.filter(groups__name=Role.PRODUCT.value, is_active=True).distinct())


def _tell_product_owner(feedback: Feedback) -> None:
    notify(
        event=Event.FEEDBACK_ROUTED,
        recipients=[feedback.routed_to],
        title=Message(
            gettext_lazy("Feedback for you: %(title)s (%(kind)s, %(severity)s)"),
            {
                "title": feedback.title,
                "kind": FeedbackKind(feedback.kind).label,
                "severity": FeedbackSeverity(feedback.severity).label,
            },
        ),
        body=Message("%(note)s", {"note": feedback.triage_note or feedback.text}),
        url=feedback.get_absolute_url(),
        partner=feedback.partner,
        data=_data(feedback),
    )


def _tell_submitter(feedback: Feedback) -> None:
    notify(
        event=Event.FEEDBACK_ANSWERED,
        recipients=[feedback.submitted_by],
        title=Message(
            gettext_lazy("Your feedback “%(title)s”: %(status)s"),
            {"title": feedback.title, "status": FeedbackStatus(feedback.status).label},
        ),
        body=Message("%(answer)s", {"answer": feedback.answer}),
        url=feedback.get_absolute_url(),
        partner=feedback.partner,
        data=_data(feedback),
    )


def _data(feedback: Feedback) -> dict[str, Any]:
    return {
        "feedback_id": feedback.pk,
        "kind": feedback.kind,
        "severity": feedback.severity,
        "status": feedback.status,
        "product": feedback.product.code if feedback.product else None,
        "category": feedback.category.code if feedback.category else None,
    }

"""Writes for visits and communication: activities, their follow-ups, the visit frequency
by grade. The channel director and managers (for the partners in their scope) log them;
a follow-up is closed by its owner or by them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.collaboration.models import Activity, FollowUp, VisitFrequency
from qudao.core.permissions import ensure_may_change, ensure_may_change_row
from qudao.core.services import model_create, model_update
from qudao.partners.models import Grade


def _check_attendees(partner: Any, data: dict[str, Any]) -> None:
    """The contacts attending are the partner's (or its sub-partners'); the staff are the
    brand's."""
    strangers = [
        c.name for c in data.get("contacts") or [] if not c.partner.path.startswith(partner.path)
    ]
    if strangers:
        raise ValidationError(
            {
                "contacts": _("Not contacts of %(partner)s: %(names)s.")
                % {"partner": partner.code, "names": ", ".join(strangers)}
            }
        )
    outsiders = [str(u) for u in data.get("staff") or [] if getattr(u, "partner_id", None)]
    if outsiders:
        raise ValidationError(
            {"staff": _("Not the brand's staff: %(names)s.") % {"names": ", ".join(outsiders)}}
        )


@transaction.atomic
def activity_create(*, actor: Any | None = None, **data: Any) -> Activity:
    """Log an activity; the one who logs it owns it unless someone else is named."""
    if actor is not None and data.get("owner") is None:
        data["owner"] = actor
    if data.get("partner") is not None:
        _check_attendees(data["partner"], data)
    return model_create(model=Activity, data=data, actor=actor)


@transaction.atomic
def activity_update(*, activity: Activity, actor: Any | None = None, **data: Any) -> Activity:
    _check_attendees(data.get("partner") or activity.partner, data)
    return model_update(instance=activity, data=data, actor=actor)[0]


@transaction.atomic
def follow_up_add(
    *, activity: Activity, task: str, owner: Any, due_on: Any, actor: Any | None = None
) -> FollowUp:
    """A task the activity left, for ``owner`` (one of the brand's staff) by ``due_on``."""
    ensure_may_change_row(activity, actor)
    if owner is None or getattr(owner, "partner_id", None):
        raise ValidationError({"owner": _("A follow-up is owned by one of the brand's staff.")})
    return model_create(
        model=FollowUp,
        data={"activity": activity, "task": task, "owner": owner, "due_on": due_on},
        actor=actor,
    )


@transaction.atomic
def follow_up_done(*, follow_up: FollowUp, actor: Any | None = None) -> FollowUp:
    """Close a follow-up: its owner may, and those who change the activity."""
    if actor is not None and follow_up.owner_id != actor.pk:
        try:
            ensure_may_change_row(follow_up.activity, actor)
        except PermissionDenied:
            raise PermissionDenied(
                _("Only its owner or the partner's managers close it.")
            ) from None
    if follow_up.done_at is not None:
        return follow_up
    follow_up.done_at = timezone.now()
    if actor is not None:
        follow_up._history_user = actor  # type: ignore[attr-defined]
    follow_up.save(update_fields=["done_at", "updated_at"])
    return follow_up


UNGRADED = 0  # the key of the rule for partners without a grade


@transaction.atomic
def visit_frequencies_save(*, every_days: dict[int, int | None], actor: Any | None = None) -> int:
    """Set how often each grade should be visited (grade id → days, ``UNGRADED`` for the
    partners without a grade; None: no rule). Returns how many rules stand afterwards."""
    ensure_may_change(VisitFrequency, actor)
    grades = Grade.objects.in_bulk([g for g in every_days if g != UNGRADED])
    for grade_id, days in every_days.items():
        grade = grades.get(grade_id)
        if grade is None and grade_id != UNGRADED:
            raise ValidationError(_("No such grade: %(id)s.") % {"id": grade_id})
        rule = VisitFrequency.objects.filter(grade=grade).first()
        if days is None:
            if rule is not None:
                rule.delete()
            continue
        if not 1 <= days <= 730:
            raise ValidationError({f"grade_{grade_id}": _("Between 1 and 730 days.")})
        if rule is None:
            rule = VisitFrequency(grade=grade, every_days=days)
        rule.every_days = days
        if actor is not None:
            rule._history_user = actor  # type: ignore[attr-defined,union-attr]
        rule.save()
    return VisitFrequency.objects.count()

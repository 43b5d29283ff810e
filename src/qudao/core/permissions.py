"""The one access gate (CONVENTIONS §3): ``restrict(queryset, user, action)``.

Every queryset a user can reach — pages, exports, the API, the CLI's
``--as-user`` — passes through here. Each model declares an ``AccessPolicy``
(class attribute ``access_policy``) saying how its rows relate to a partner;
the rules by role live in this one function:

* channel directors see and change everything;
* finance and sales see everything and change nothing;
* the product team and supply chain see only the models that name them readers (feedback,
  supply alerts);
* channel managers see all reference data, and see and change partner data of
  partners whose home region lies in their managed regions or whom they own;
* partner admins and partner users see the data of their own partner and its
  sub-partners (plus the reference data marked partner-visible), and change only what a
  model lets its partner editors change (their deal registrations, their feedback) —
  within that same subtree.

Objects outside a user's scope are simply absent from the queryset, so
``get_object_or_404`` answers 404, never 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any, Literal, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

from qudao.core.choices import Role

Action = Literal["view", "change"]
QS = TypeVar("QS", bound=models.QuerySet[Any])


@dataclass(frozen=True)
class AccessPolicy:
    """How rows of one model relate to partners.

    ``partner_field`` is the lookup path from the model to ``partners.Partner``
    (``""`` for Partner itself, ``None`` for reference data such as regions).
    ``partner_visible`` lets partner users read reference data.
    ``partner_q`` narrows reference data for partner users (e.g. price lists that apply to them).
    ``editor_roles`` may change rows (always within their scope).
    """

    partner_field: str | None = None
    partner_visible: bool = False
    partner_q: Callable[[Any], Q] | None = None
    # For rows tied to partners some other way (an import batch holds many): what a
    # channel manager may see of them; None = all (reference data).
    manager_q: Callable[[Any], Q] | None = None
    # The brand's internal view of a partner (risk flags, grade proposals): partner users
    # see none of it, not even about themselves.
    internal: bool = False
    editor_roles: frozenset[Role] = field(
        default_factory=lambda: frozenset({Role.CHANNEL_DIRECTOR})
    )
    # For partner data a partner's staff see only in part (the activities shared with
    # them): narrows their rows further, after their own subtree.
    partner_shared_q: Callable[[Any], Q] | None = None
    # Partner staff who may change their own (and their sub-partners') rows — a partner's
    # admin registers its deals, submits its feedback. Never for internal rows.
    partner_editor_roles: frozenset[Role] = frozenset()
    # Personal rows (an inbox, one's preferences): everyone — the director too — sees and
    # changes only their own, by this lookup to the user.
    personal_field: str | None = None
    # Rows only these roles (and the editors) see at all — a webhook's secret is the
    # director's, not every reader's. None: the rules by role below.
    viewer_roles: frozenset[Role] | None = None
    # Colleagues outside the channel team who read every row of this model and nothing
    # else (the product team its feedback); they change rows if also an editor role.
    reader_roles: frozenset[Role] = frozenset()
    # Rows with no partner (the channel team's own feedback) are the whole team's: a
    # manager sees them beside those of the partners in scope.
    unpartnered_shared: bool = False


def _lookup(partner_field: str, rest: str) -> str:
    return f"{partner_field}__{rest}" if partner_field else rest


def partner_subtree_q(partner_field: str, partner: Any) -> Q:
    """Rows belonging to ``partner`` or any partner below it."""
    return Q(**{_lookup(partner_field, "path__startswith"): partner.path})


def manager_scope_q(partner_field: str, user: Any) -> Q:
    """Rows of partners in the manager's regions, or owned by the manager."""
    region_paths = list(user.managed_regions.values_list("path", flat=True))
    clauses = [Q(**{_lookup(partner_field, "owner"): user})]
    clauses += [
        Q(**{_lookup(partner_field, "home_region__path__startswith"): p}) for p in region_paths
    ]
    return reduce(or_, clauses)


def restrict(queryset: QS, user: Any, action: Action = "view") -> QS:
    """Return the part of ``queryset`` that ``user`` may see or change."""
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    policy: AccessPolicy = getattr(queryset.model, "access_policy", AccessPolicy())
    if policy.personal_field is not None:
        return queryset.filter(**{policy.personal_field: user})
    if user.is_superuser:
        return queryset
    if policy.viewer_roles is not None and not user.has_role(
        *policy.viewer_roles, *policy.editor_roles
    ):
        return queryset.none()

    if action == "change" and not user.has_role(*policy.editor_roles, *policy.partner_editor_roles):
        return queryset.none()

    if user.has_role(Role.CHANNEL_DIRECTOR):
        return queryset
    if user.has_role(Role.CHANNEL_MANAGER):
        if policy.partner_field is None:
            return queryset if policy.manager_q is None else queryset.filter(policy.manager_q(user))
        # No .distinct(): every partner_field is a chain of foreign keys and the scope
        # follows two more (owner, home region), so no row can repeat — and DISTINCT
        # would pull the model's default ordering into every GROUP BY built on top
        # (a manager's trend summed per partner, not per period).
        scope = manager_scope_q(policy.partner_field, user)
        if policy.unpartnered_shared:
            scope |= Q(**{f"{policy.partner_field}__isnull": True})
        return queryset.filter(scope)
    if user.has_role(Role.FINANCE, Role.SALES):
        # Read-only, except what names them an editor (finance approves rebate statements).
        editor = user.has_role(*policy.editor_roles)
        return queryset if action == "view" or editor else queryset.none()
    if user.has_role(Role.PARTNER_ADMIN, Role.PARTNER_USER) and user.partner_id:
        if policy.internal:
            return queryset.none()
        if action != "view" and (
            policy.partner_field is None or not user.has_role(*policy.partner_editor_roles)
        ):
            return queryset.none()
        if policy.partner_field is not None:
            own = queryset.filter(partner_subtree_q(policy.partner_field, user.partner))
            return (
                own
                if policy.partner_shared_q is None
                else own.filter(policy.partner_shared_q(user))
            )
        if not policy.partner_visible:
            return queryset.none()
        if policy.partner_q is not None:
            return queryset.filter(policy.partner_q(user))
        return queryset
    if user.has_role(*policy.reader_roles):
        return (
            queryset if action == "view" or user.has_role(*policy.editor_roles) else queryset.none()
        )
    return queryset.none()


def may_view(user: Any, model: type[models.Model]) -> bool:
    """Whether ``user`` may see any row of ``model`` — asked of ``restrict`` itself, so that
    a selector of reference data (settings, with no partner to scope by) can refuse even
    when no row is stored yet."""
    return not restrict(model._default_manager.all(), user, "view").query.is_empty()


def ensure_may_change(model: type[models.Model], user: Any) -> None:
    """Before a write: the actor's role must be one that changes ``model`` at all (finance
    and sales read only; partners change nothing). ``user=None`` is the console operator."""
    if user is not None and not can_change(user, model):
        raise PermissionDenied(
            _("You may not change %(model)s.") % {"model": model._meta.verbose_name_plural}
        )


def ensure_within_scope(instance: models.Model, user: Any) -> None:
    """After a write, inside its transaction: the row must still be one ``user`` may change
    (a manager may not create a partner in another region, nor move one out of theirs).
    Raises PermissionDenied, which rolls the write back. Checked for partner data only;
    ``user=None`` is the operator at the console."""
    policy: AccessPolicy | None = getattr(type(instance), "access_policy", None)
    if user is None or policy is None or policy.partner_field is None:
        return
    if not _changeable(instance, user):
        raise PermissionDenied(
            _("The result would be outside the partners you may change: %(object)s.")
            % {"object": instance}
        )


def ensure_may_change_row(instance: models.Model, user: Any) -> None:
    """Before changing an existing row (a revert, a decision): it must be one ``user`` may
    change — 403 for a row they may see, as the services refuse it for web, API and CLI."""
    if user is not None and not _changeable(instance, user):
        raise PermissionDenied(_("You may not change %(object)s.") % {"object": instance})


def _changeable(instance: models.Model, user: Any) -> bool:
    rows = type(instance)._default_manager.filter(pk=instance.pk)
    return restrict(rows, user, "change").exists()


def is_partner_user(user: Any) -> bool:
    """A partner's own staff (not the brand's): they see their data, never the brand's
    internals (costs, risk flags, grading, rule thresholds)."""
    return bool(
        user is not None
        and user.is_authenticated
        and not user.is_superuser
        and user.has_role(Role.PARTNER_ADMIN, Role.PARTNER_USER)
        and not user.has_role(Role.CHANNEL_DIRECTOR, Role.CHANNEL_MANAGER, Role.FINANCE, Role.SALES)
    )


def can_change(user: Any, model: type[models.Model]) -> bool:
    """Whether ``user`` may change any row of ``model`` (used to show or hide buttons)."""
    if not user.is_authenticated:
        return False
    policy: AccessPolicy = getattr(model, "access_policy", AccessPolicy())
    if user.is_superuser or policy.personal_field is not None:
        return True
    if user.has_role(*policy.editor_roles):
        return True
    # a partner's editors change their own rows only; a brand user holds no partner
    return bool(user.partner_id) and user.has_role(*policy.partner_editor_roles)

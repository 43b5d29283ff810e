"""Reads for recruitment, always through the access gate: applicants, their scores and
timeline, the entry-threshold models, white space and the funnel's figures."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    DecimalField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.utils import timezone

from qudao.analytics.kpis import KPI_BY_ID
from qudao.core.permissions import is_partner_user, restrict
from qudao.partners.choices import SELLING_STATUSES
from qudao.partners.models import ChannelModel, Partner, PartnerTerritory
from qudao.recruitment.choices import FUNNEL, Stage
from qudao.recruitment.models import (
    Applicant,
    ApplicantScore,
    EntryModel,
    Pilot,
    PilotGroup,
    StageChange,
)
from qudao.recruitment.pilots import evaluate
from qudao.territories.coverage import uncovered_share
from qudao.territories.models import Region

SECONDS_PER_DAY = Decimal(86400)


def applicant_list(*, user: Any) -> QuerySet[Applicant]:
    """The applicants ``user`` may see, each with its current ``score`` and ``passed``
    (empty for partners' staff: the brand's judgement is its own)."""
    rows = Applicant.objects.restrict(user).select_related(
        "channel_model", "home_region", "owner", "sponsor", "partner"
    )
    if is_partner_user(user):
        return rows.annotate(score=Value(None, DecimalField()), passed=Value(None, BooleanField()))
    current = ApplicantScore.objects.filter(applicant=OuterRef("pk"), current=True)
    return rows.annotate(
        score=Subquery(
            current.values("score")[:1], output_field=DecimalField(max_digits=5, decimal_places=2)
        ),
        passed=Subquery(current.values("passed")[:1]),
    )


def applicant_get(*, user: Any, pk: int) -> Applicant:
    """The applicant, if ``user`` may see it; ``Applicant.DoesNotExist`` otherwise (→ 404)."""
    return applicant_list(user=user).get(pk=pk)


def applicant_scores(*, user: Any, applicant: Applicant) -> QuerySet[ApplicantScore]:
    """Every score the applicant was given, newest first (the current one among them)."""
    return (
        restrict(ApplicantScore.objects.all(), user)
        .filter(applicant=applicant)
        .select_related("entry_model")
    )


def applicant_timeline(*, user: Any, applicant: Applicant) -> list[dict[str, Any]]:
    """The stage changes, each with how long the applicant stayed in the stage it entered."""
    changes = list(
        restrict(StageChange.objects.all(), user)
        .filter(applicant=applicant)
        .select_related("by")
        .order_by("at", "pk")
    )
    now = timezone.now()
    rows = []
    for change, following in zip(changes, [*changes[1:], None], strict=True):
        until = following.at if following is not None else now
        rows.append(
            {"change": change, "days": _days(until - change.at), "ongoing": following is None}
        )
    return rows


def _days(delta: Any) -> Decimal:
    return (Decimal(delta.total_seconds()) / SECONDS_PER_DAY).quantize(
        Decimal("0.1"), ROUND_HALF_UP
    )


def entry_model_current(channel_model: ChannelModel | int) -> EntryModel | None:
    """The newest version of the entry thresholds of a channel model, if any."""
    return EntryModel.objects.filter(channel_model=channel_model).order_by("-version").first()


def entry_model_list(*, user: Any) -> list[dict[str, Any]]:
    """Every channel model with its current entry thresholds (or none yet) and how many
    open applicants they score."""
    models = restrict(EntryModel.objects.all(), user).select_related("created_by")
    latest: dict[int, EntryModel] = {}
    versions: dict[int, int] = defaultdict(int)
    for model in models.order_by("channel_model_id", "version"):
        latest[model.channel_model_id] = model
        versions[model.channel_model_id] += 1
    return [
        {"channel_model": cm, "model": latest.get(cm.pk), "versions": versions.get(cm.pk, 0)}
        for cm in ChannelModel.objects.all()
    ]


def entry_model_versions(*, user: Any, channel_model: ChannelModel) -> QuerySet[EntryModel]:
    return restrict(EntryModel.objects.all(), user).filter(channel_model=channel_model)


def region_fit(
    regions: list[Region], *, on: date | None = None, books: dict[str, Any] | None = None
) -> Decimal | None:
    """The region-fit measure of an applicant: of the market potential of the regions it
    wants, the share not yet sold (``territories.coverage``); where no potential is
    recorded for them, the white space instead."""
    if not regions:
        return None
    uncovered = uncovered_share(regions, books=books)
    return uncovered if uncovered is not None else region_white_space(regions, on=on)


def region_white_space(regions: list[Region], *, on: date | None = None) -> Decimal | None:
    """The share (%) of ``regions`` where no partner sells today: none is at home in the
    region or below it, and none holds an authorised territory on it or below it. (A
    territory above — a whole country for a reseller in one city — does not make every city
    in it served.)"""
    if not regions:
        return None
    today = on or timezone.localdate()
    selling = Partner.objects.filter(status__in=SELLING_STATUSES)
    territories = PartnerTerritory.objects.filter(
        partner__in=selling, valid_from__lte=today
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
    served = set(territories.values_list("region__path", flat=True)) | set(
        selling.values_list("home_region__path", flat=True)
    )
    uncovered = sum(
        1 for region in regions if not any(path.startswith(region.path) for path in served)
    )
    return (Decimal(uncovered) * 100 / len(regions)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def applicant_regions(applicant: Applicant) -> list[Region]:
    """The main region wanted first, then the others."""
    others = [r for r in applicant.regions.all() if r.pk != applicant.home_region_id]
    return [applicant.home_region, *others]


# --- the funnel ---------------------------------------------------------------------------------


@dataclass
class FunnelStep:
    stage: Stage
    reached: int = 0  # reached this stage or one after it
    now: int = 0  # in it today
    rejected_here: int = 0  # turned away while in it
    conversion: Decimal | None = None  # % of those who reached it that reached the next
    median_days: Decimal | None = None  # over stays that ended (time in the stage)
    stays: list[Decimal] = field(default_factory=list)


@dataclass
class FunnelGroup:
    key: int | None
    label: str
    reached: list[int]  # per FUNNEL stage
    rejected: int
    median_days_to_sign: Decimal | None

    @property
    def applied(self) -> int:
        return self.reached[0]

    @property
    def signed_rate(self) -> Decimal | None:
        return _percent(self.reached[-1], self.reached[0])


@dataclass
class Funnel:
    steps: list[FunnelStep]
    by_region: list[FunnelGroup]
    by_channel_model: list[FunnelGroup]
    applicants: int
    region: Region | None


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _median(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    return Decimal(statistics.median(values)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def recruitment_funnel(
    *,
    user: Any,
    region: Region | None = None,
    channel_model: ChannelModel | None = None,
    applied_from: date | None = None,
    applied_to: date | None = None,
) -> Funnel:
    """The funnel of the applicants ``user`` may see, filtered by the region wanted (and
    everything below it), the channel model and the day they applied.

    *Reached* a stage: the applicant is or was in it or in a later step of the funnel.
    *Conversion* from a stage: reached the next ÷ reached this one. *Median days* in a
    stage: over the stays in it that ended (an applicant still in it is not counted yet).
    """
    applicants = applicant_list(user=user)
    if region is not None:
        applicants = applicants.filter(home_region__path__startswith=region.path)
    if channel_model is not None:
        applicants = applicants.filter(channel_model=channel_model)
    if applied_from is not None:
        applicants = applicants.filter(created_at__date__gte=applied_from)
    if applied_to is not None:
        applicants = applicants.filter(created_at__date__lte=applied_to)
    rows = list(applicants.values("pk", "stage", "channel_model_id", "home_region__path"))
    changes: dict[int, list[tuple[str, str, datetime]]] = defaultdict(list)
    for applicant_id, from_stage, to_stage, at in (
        StageChange.objects.filter(applicant__in=applicants)
        .order_by("applicant_id", "at", "pk")
        .values_list("applicant_id", "from_stage", "to_stage", "at")
    ):
        changes[applicant_id].append((from_stage, to_stage, at))

    order: dict[str, int] = {stage.value: i for i, stage in enumerate(FUNNEL)}
    steps = [FunnelStep(stage) for stage in FUNNEL]
    furthest: dict[int, int] = {}
    days_to_sign: dict[int, Decimal] = {}
    rejected: set[int] = set()
    for row in rows:
        pk = row["pk"]
        history = changes.get(pk, [])
        reached = [order[to] for _from, to, _at in history if to in order]
        reached.append(order.get(row["stage"], 0))
        furthest[pk] = max(reached)
        if row["stage"] in order:
            steps[order[row["stage"]]].now += 1
        else:
            rejected.add(pk)
        for (_from, stage, at), following in zip(history, [*history[1:], None], strict=True):
            if following is not None and stage in order:
                steps[order[stage]].stays.append(_days(following[2] - at))
            if stage == Stage.REJECTED and _from in order:
                steps[order[_from]].rejected_here += 1
            if stage == Stage.SIGNED and history:
                days_to_sign[pk] = _days(at - history[0][2])
    for index, step in enumerate(steps):
        step.reached = sum(1 for f in furthest.values() if f >= index)
        if index + 1 < len(steps):
            step.conversion = _percent(
                sum(1 for f in furthest.values() if f >= index + 1), step.reached
            )
        step.median_days = _median(step.stays)

    def group(key_of: Any, labels: dict[Any, str]) -> list[FunnelGroup]:
        members: dict[Any, list[int]] = defaultdict(list)
        for row in rows:
            members[key_of(row)].append(row["pk"])
        groups = [
            FunnelGroup(
                key=key,
                label=labels.get(key, "—"),
                reached=[sum(1 for pk in pks if furthest[pk] >= i) for i in range(len(FUNNEL))],
                rejected=sum(1 for pk in pks if pk in rejected),
                median_days_to_sign=_median([days_to_sign[pk] for pk in pks if pk in days_to_sign]),
            )
            for key, pks in members.items()
        ]
        return sorted(groups, key=lambda g: (-g.applied, g.label))

    level = (region.depth + 1) if region is not None else 1

    def region_key(row: Any) -> int | None:
        ids = [int(pk) for pk in row["home_region__path"].strip("/").split("/") if pk]
        return ids[min(level, len(ids)) - 1] if ids else None

    region_ids = {region_key(row) for row in rows}
    region_labels = {r.pk: r.name for r in Region.objects.filter(pk__in=region_ids)}
    model_labels = {m.pk: m.name for m in ChannelModel.objects.all()}
    return Funnel(
        steps=steps,
        by_region=group(region_key, region_labels),
        by_channel_model=group(lambda row: row["channel_model_id"], model_labels),
        applicants=len(rows),
        region=region,
    )


def shows_scores(user: Any) -> bool:
    """Scores and thresholds are the brand's own judgement: never shown to partners."""
    return not is_partner_user(user)


# --- pilots -------------------------------------------------------------------------------------


def pilot_list(*, user: Any) -> QuerySet[Pilot]:
    return Pilot.objects.restrict(user).prefetch_related("regions")


def pilot_evaluation(*, pilot: Pilot, user: Any) -> dict[str, Any]:
    """The pilot's groups, goals and evaluation (``recruitment.pilots``) from the current
    scorecards ``user`` may read."""
    from qudao.analytics.models import Scorecard  # deferred: analytics sits above recruitment

    members = list(pilot.members.select_related("partner", "partner__home_region"))
    in_pilot = {m.partner_id for m in members if m.group == PilotGroup.PILOT}
    in_control = {m.partner_id for m in members if m.group == PilotGroup.CONTROL}
    goals = list(pilot.goals.all())
    kpi_ids = [g.kpi for g in goals] or ["revenue", "sell_through_rate", "new_customers"]
    rows = (
        restrict(Scorecard.objects.filter(is_current=True), user)
        .filter(partner_id__in=in_pilot | in_control)
        .values("partner_id", "period", *kpi_ids)
    )
    periods, results = evaluate(
        kpi_ids=kpi_ids,
        targets={g.kpi: g.target for g in goals},
        pilot_partners=in_pilot,
        control_partners=in_control,
        starts_on=pilot.starts_on,
        ends_on=pilot.ends_on,
        scorecards=rows,
    )
    return {
        "pilot_members": [m.partner for m in members if m.group == PilotGroup.PILOT],
        "control_members": [m.partner for m in members if m.group == PilotGroup.CONTROL],
        "goals": goals,
        "goal_rows": [(KPI_BY_ID[g.kpi], g.target) for g in goals if g.kpi in KPI_BY_ID],
        "periods": periods,
        "results": results,
    }

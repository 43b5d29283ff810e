"""Writes of risk governance: evaluate the rules after a review, run improvement plans."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache, partial
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from qudao.analytics.engine import Backend, backend, default_engine
from qudao.analytics.inputs import RunInputs
from qudao.analytics.masters import partner_master
from qudao.analytics.models import GradeProposal, ProposalOrigin, ProposalStatus
from qudao.analytics.services import grade_proposal_decide
from qudao.collaboration.models import Enrolment, EnrolmentStatus
from qudao.core.bulk import bulk_insert
from qudao.core.choices import Role
from qudao.core.numbers import rounded_or_none
from qudao.core.periods import Period
from qudao.core.permissions import ensure_may_change, is_partner_user, restrict
from qudao.core.services import (
    alert_acknowledge,
    ensure_storable_text,
    model_create,
    model_update,
)
from qudao.core.uploads import attachment_name_checked
from qudao.facts.store import fact_table
from qudao.governance.detectors import (
    below_floor,
    cloned_scans,
    floor_in_force,
    outside_lines,
    priced_codes,
    scan_lines,
    scan_pairs,
    scans_unassigned,
    sell_in_lines,
    sell_through_lines,
    stuffed_quarters,
    stuffing_lines,
    stuffing_unjudged,
    with_injured,
    within,
    without_floor,
    without_territory,
)
from qudao.governance.masters import price_master, region_closure, territory_master
from qudao.governance.models import (
    AlertKind,
    Complaint,
    ComplaintStatus,
    ComplianceItem,
    ComplianceState,
    DetectionRun,
    FlagStatus,
    ImprovementPlan,
    Penalty,
    PenaltyKind,
    PenaltyStatus,
    PlanStatus,
    RiskAlert,
    RiskFlag,
    RiskProfile,
    RiskRuleSetting,
    RunAtRisk,
    Severity,
    Violation,
    ViolationComment,
    ViolationEvidence,
    ViolationStatus,
    ViolationType,
)
from qudao.governance.risk import (
    AGEING_BUCKETS,
    COMPLAINT_DAYS,
    HIGH_FROM,
    VIOLATION_DAYS,
    RiskInputs,
    Score,
    risk_score,
)
from qudao.governance.rules import (
    DETECTOR_SETTING_BY_ID,
    DETECTOR_SETTINGS,
    RULE_BY_ID,
    DetectorSetting,
    Rule,
    flagged_partners,
)
from qudao.governance.selectors import detector_states, rule_history, rule_states
from qudao.notifications.models import Event
from qudao.notifications.services import Message, notify, partner_people
from qudao.partners.choices import AgreementState, PartnerStatus
from qudao.partners.models import Agreement, Grade, Partner
from qudao.partners.services import partner_change_status


def enabled_rules() -> list[tuple[Rule, dict[str, Any]]]:
    """The rules that run with the review and their parameters (stored over defaults)."""
    return [(rule, params) for rule, params, enabled in rule_states(user=None) if enabled]


HOLD_QUARTERS = 4


def partners_held_at_grade(period: str) -> set[int]:
    """Partners not to propose for a better grade in the review of ``period``: those with a
    violation confirmed (closed ones too) for one of the four quarters ending with the
    period's last quarter (``analytics.contributions.upgrade_holds``)."""
    last = Period.parse(period).quarters[-1]
    quarters = [last.shifted(-i).key for i in range(HOLD_QUARTERS)]
    return set(
        Violation.objects.filter(confirmed_at__isnull=False, period__in=quarters)
        .exclude(status=ViolationStatus.DISMISSED)
        .values_list("partner_id", flat=True)
    )


def _evaluation(runner: Backend, rule: Rule, params: dict[str, Any]) -> Callable[[], Any]:
    """The rule's expression over the history registered on ``runner``, built on demand."""
    return lambda: rule.evaluate(runner.table("history"), params)


def rules_set_aside(
    *, run: Any, rules: list[tuple[Rule, dict[str, Any]]]
) -> list[tuple[Rule, dict[str, Any]]]:
    """The rules that do not judge this run: those comparing with whole periods, where the
    sell-in covers the run's period only in part."""
    if run.partial_sell_in is None:
        return []
    return [(rule, params) for rule, params in rules if rule.whole_periods_only]


def risk_flags_refresh(
    *,
    run: Any,
    inputs: RunInputs | None = None,
    rules: list[tuple[Rule, dict[str, Any]]] | None = None,
) -> int:
    """Evaluate ``rules`` (default: the enabled ones) for the run's period and raise flags
    with evidence. The scorecard history they read comes through ``inputs`` (recorded with
    the run, or replayed from the run being re-run).

    Open flags of an earlier run of the period are superseded (kept for history); flags
    already taken into an improvement plan stay as they are. Returns the flags raised.
    """

    period = Period.parse(run.period)
    rules = enabled_rules() if rules is None else rules
    aside = {rule.id for rule, _params in rules_set_aside(run=run, rules=rules)}
    rules = [(rule, params) for rule, params in rules if rule.id not in aside]
    inputs = inputs if inputs is not None else RunInputs()
    if not rules:
        return 0
    depth = max(rule.window(params) for rule, params in rules)
    # The rules run on the review's engine, like its KPIs.
    runner = backend(run.engine)
    runner.register("history", inputs.take("rules.history", lambda: rule_history(period, depth)))
    RiskFlag.objects.filter(period=run.period, status=FlagStatus.OPEN).update(
        status=FlagStatus.SUPERSEDED
    )
    planned = set(
        RiskFlag.objects.filter(period=run.period, status=FlagStatus.IN_PLAN).values_list(
            "partner_id", "rule"
        )
    )
    flags = []
    for rule, params in rules:
        rows = runner.run(
            _evaluation(runner, rule, params), parameters=["rule", rule.id, params]
        ).to_pylist()
        for partner_id, evidence in flagged_partners(rule, params, rows).items():
            if (partner_id, rule.id) in planned:
                continue
            flags.append(
                {
                    "partner_id": partner_id,
                    "period": run.period,
                    "rule": rule.id,
                    "run_id": run.pk,
                    "status": FlagStatus.OPEN.value,
                    "evidence": [
                        {"period": r["period"], "value": r["value"], "reference": r["reference"]}
                        for r in evidence
                    ],
                }
            )
    bulk_insert(RiskFlag, flags)
    at_risk = set(
        RiskFlag.objects.filter(
            period=run.period, status__in=(FlagStatus.OPEN, FlagStatus.IN_PLAN)
        ).values_list("partner_id", flat=True)
    )
    RunAtRisk.objects.filter(run=run).delete()
    bulk_insert(RunAtRisk, [{"run_id": run.pk, "partner_id": pk} for pk in sorted(at_risk)])
    return len(flags)


@transaction.atomic
def plan_create(
    *,
    partner: Any,
    owner: Any,
    actions: str,
    due_date: date,
    follow_up_date: date,
    flags: list[RiskFlag] | None = None,
    actor: Any | None = None,
) -> ImprovementPlan:
    """Start an improvement plan; the flags it answers move into it. Its owner must be
    someone who may work on the partner (a plan nobody can open helps nobody)."""
    if follow_up_date > due_date:
        raise ValidationError({"follow_up_date": _("The follow-up must come before the due date.")})
    if not plan_owner_may_take(owner=owner, partner=partner):
        raise ValidationError(
            {"owner": _("%(user)s may not work on this partner: choose someone who may.")
             % {"user": owner}}
        )  # fmt: skip
    plan = model_create(
        model=ImprovementPlan,
        data={
            "partner": partner,
            "owner": owner,
            "actions": actions,
            "due_date": due_date,
            "follow_up_date": follow_up_date,
        },
        actor=actor,
    )
    for flag in flags or []:
        if flag.partner_id != partner.pk:
            raise ValidationError(_("A plan answers the flags of its own partner only."))
        flag.status, flag.plan = FlagStatus.IN_PLAN, plan
        flag.save(update_fields=["status", "plan", "updated_at"])
    return plan


def plan_owner_may_take(*, owner: Any, partner: Any) -> bool:
    """Whether ``owner`` may change ``partner``'s data (and so see and run its plan)."""
    return restrict(Partner.objects.filter(pk=partner.pk), owner, "change").exists()


@transaction.atomic
def plan_close(
    *, plan: ImprovementPlan, succeeded: bool, outcome: str, actor: Any
) -> ImprovementPlan:
    """Close an active plan: success clears its flags; failure proposes termination."""
    if plan.status != PlanStatus.ACTIVE:
        raise ValidationError(_("Only an active plan can be closed."))
    status = PlanStatus.SUCCEEDED if succeeded else PlanStatus.TERMINATION_PROPOSED
    plan = model_update(instance=plan, data={"status": status, "outcome": outcome}, actor=actor)[0]
    if succeeded:
        plan.flags.update(status=FlagStatus.CLEARED)
    return plan


@transaction.atomic
def plan_decide_termination(
    *, plan: ImprovementPlan, terminate: bool, actor: Any, note: str = ""
) -> ImprovementPlan:
    """A channel director ends the partnership, or keeps the partner after a failed plan."""
    if actor is not None and not (actor.is_superuser or actor.has_role(Role.CHANNEL_DIRECTOR)):
        raise PermissionDenied(_("Only a channel director decides on ending a partnership."))
    if plan.status != PlanStatus.TERMINATION_PROPOSED:
        raise ValidationError(_("No termination is proposed for this plan."))
    if terminate:
        partner_change_status(partner=plan.partner, status=PartnerStatus.TERMINATED, actor=actor)
    outcome = f"{plan.outcome}\n{note}".strip() if note else plan.outcome
    return model_update(
        instance=plan,
        data={
            "status": PlanStatus.TERMINATED if terminate else PlanStatus.KEPT,
            "decided_by": actor,
            "outcome": outcome,
        },
        actor=actor,
    )[0]


@transaction.atomic
def rule_setting_save(
    *, rule: str, enabled: bool, parameters: dict[str, Any], actor: Any | None = None
) -> RiskRuleSetting:
    """Switch a rule on or off and set its parameters (audited); the next review uses it.
    Only the director; only the parameters the rule takes, as numbers of 0 or more."""
    ensure_may_change(RiskRuleSetting, actor)
    definition = RULE_BY_ID.get(rule) or DETECTOR_SETTING_BY_ID.get(rule)
    if definition is None:
        raise ValidationError({"rule": _("No rule “%(rule)s”.") % {"rule": rule}})
    if rule in DETECTOR_SETTING_BY_ID and not enabled:
        # a detector left out would read as its violations' evidence being withdrawn
        raise ValidationError({"enabled": _("Violation detectors always run.")})
    problem = parameter_problem(parameters, definition)
    if problem:
        raise ValidationError({"parameters": problem})
    setting = RiskRuleSetting.objects.filter(rule=rule).first()
    data = {"enabled": enabled, "parameters": parameters}
    if setting is None:
        return model_create(model=RiskRuleSetting, data={"rule": rule, **data}, actor=actor)
    return model_update(instance=setting, data=data, actor=actor)[0]


def parameter_problem(value: Any, definition: Rule | DetectorSetting) -> str:
    """What is wrong with ``value`` as the parameters of ``definition`` ("" when nothing):
    only the names it takes, each a number in its range, whole where it counts."""
    if not isinstance(value, dict):
        return _('Write the parameters as {"name": value}.')
    unknown = sorted(set(value) - set(definition.defaults))
    if unknown:
        return _("Unknown parameter(s) %(names)s; this rule takes %(known)s.") % {
            "names": ", ".join(unknown),
            "known": ", ".join(definition.defaults),
        }
    if any(isinstance(v, bool) or not isinstance(v, int | float) for v in value.values()):
        return _("Parameters are numbers.")
    for name, number in value.items():
        spec = definition.parameters[name]
        if not spec.minimum <= number <= spec.maximum:
            low, high = spec.minimum, spec.maximum
            if spec.unit == "rate":
                shown = {"low": f"{low:.0%}", "high": f"{high:.0%}"}
            else:
                shown = {"low": f"{low:g}", "high": f"{high:g}"}
            return _("“%(name)s” is between %(low)s and %(high)s.") % {
                "name": spec.label,
                **shown,
            }
        if spec.whole and int(number) != number:
            return _("“%(name)s” is a whole number.") % {"name": spec.label}
    return ""


# --- violations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Detector:
    """One detector: the violation it finds, the fact whose rows are its evidence, and the
    check it makes (``territory``, ``floor``, ``clone`` or ``stuffing``)."""

    type: ViolationType
    fact: str
    check: str

    @property
    def name(self) -> str:
        return f"{self.type}:{self.fact}"


DETECTORS = (
    Detector(ViolationType.CROSS_REGION_SALE, "sell_through", "territory"),
    Detector(ViolationType.CROSS_REGION_SHIP, "sell_in", "territory"),
    Detector(ViolationType.CROSS_REGION_CODE, "code_scan", "territory"),
    Detector(ViolationType.CLONED_CODE, "code_scan", "clone"),
    Detector(ViolationType.BELOW_FLOOR, "sell_through", "floor"),
    Detector(ViolationType.BELOW_FLOOR, "sell_in", "floor"),
    Detector(ViolationType.CHANNEL_STUFFING, "sell_in", "stuffing"),
)
# Violations counted in codes: quantity is the number of codes, value their list prices.
CODE_TYPES = (ViolationType.CROSS_REGION_CODE, ViolationType.CLONED_CODE)
# Settings of the detectors (``RiskRuleSetting`` rows by these ids, over the defaults).
DETECTOR_DEFAULTS: dict[str, dict[str, Any]] = {s.id: s.defaults for s in DETECTOR_SETTINGS}
WINDOW_SCHEMA = pa.schema([("first_day", pa.date32()), ("last_day", pa.date32())])
# A violation is severe when it hurts a partner's exclusive territory, or is large.
SEVERE_VALUE = Decimal("10000")
# The facts the detectors read, registered under their own names.
DETECTOR_FACTS = ("sell_in", "sell_through", "code_assignment", "code_scan", "inventory")
# The facts whose lines are checked against the floor price.
FLOOR_FACTS = ("sell_in", "sell_through")


def detector_parameters() -> dict[str, dict[str, Any]]:
    return {setting.id: params for setting, params in detector_states(user=None)}


def _detector_inputs(runner: Backend, inputs: RunInputs) -> None:
    for fact in DETECTOR_FACTS:
        runner.register_fact(fact, fact)
    runner.register("territories", inputs.take("territories", territory_master))
    runner.register("closure", inputs.take("regions", region_closure))
    runner.register("prices", inputs.take("prices", price_master))
    runner.register("partners", inputs.take("partners", partner_master))


@dataclass(frozen=True)
class _Sources:
    """The registered inputs as the detectors take them (built afresh for each expression:
    a compiled query is reused, so building is only paid once per code version)."""

    runner: Backend
    parameters: dict[str, dict[str, Any]]

    def table(self, name: str) -> ir.Table:
        return self.runner.table(name)

    def partners(self) -> ir.Table:
        table = self.table("partners")
        return table.select("partner", "channel_model", "grade", home_region=table.region)

    def window_lines(self, fact: str) -> ir.Table:
        """The period's lines of ``fact`` (a scan is a line of the partner its code was
        shipped to)."""
        window = self.table("window")
        if fact == "sell_through":
            return within(sell_through_lines(self.table(fact)), window)
        if fact == "sell_in":
            return within(sell_in_lines(self.table(fact)), window)
        # the period's scans first, then whom each code was shipped to: half the join
        scans = self.table("code_scan")
        dated = within(scans.mutate(day=scans.scanned_at.date()), window).drop("day")
        return scan_lines(dated, self.table("code_assignment"))

    def lines(self, fact: str) -> ir.Table:
        return self.table(f"lines_{fact}")

    def priced(self, codes: ir.Table) -> ir.Table:
        closure = self.table("closure")
        return priced_codes(codes, self.partners(), self.table("prices"), closure)

    def stuffed(self) -> ir.Table:
        return stuffed_quarters(
            self.table("sell_in"),
            self.table("sell_through"),
            self.table("inventory"),
            **self.parameters["channel_stuffing"],
        )

    def materialize(self) -> None:
        """What several detectors read, computed once for the run, each step reading the
        ones before: the period's lines of each fact, their floor prices in force, the
        lines outside their partner's territories, the stuffed quarters."""
        run = self.runner.materialize
        for fact in _evidence_facts():
            run(f"lines_{fact}", partial(self.window_lines, fact), parameters=["lines", fact])
        for fact in FLOOR_FACTS:
            run(f"priced_{fact}", partial(self._floored, fact), parameters=["floor", fact])
        for fact in _evidence_facts():
            run(f"outside_{fact}", partial(self._outside, fact), parameters=["outside", fact])
        run("stuffed", self.stuffed, parameters=["stuffed", self.parameters["channel_stuffing"]])
        clone = self.parameters["cloned_code"]
        run("scan_pairs", self._pairs, parameters=["scan pairs", clone])
        run("cloned", self._cloned, parameters=["cloned", clone])

    def _pairs(self) -> ir.Table:
        hours = float(self.parameters["cloned_code"]["hours"])
        return scan_pairs(self.table("code_scan"), hours=hours)

    def _cloned(self) -> ir.Table:
        max_scans = int(self.parameters["cloned_code"]["max_scans"])
        scans, pairs, closure = (self.table(n) for n in ("code_scan", "scan_pairs", "closure"))
        return cloned_scans(scans, pairs, closure, max_scans=max_scans)

    def _floored(self, fact: str) -> ir.Table:
        closure = self.table("closure")
        return floor_in_force(self.lines(fact), self.partners(), self.table("prices"), closure)

    def _outside(self, fact: str) -> ir.Table:
        keep = ("code", "scanned_at") if fact == "code_scan" else ()
        territories, closure = self.table("territories"), self.table("closure")
        return outside_lines(self.lines(fact), territories, closure, keep=keep)

    def found(self, detector: Detector) -> ir.Table:
        fact, closure = detector.fact, self.table("closure")
        if detector.check == "territory":
            outside = self.table(f"outside_{fact}")
            found = with_injured(outside, self.table("territories"), closure)
            return self.priced(found) if fact == "code_scan" else found
        if detector.check == "floor":
            tolerance = float(self.parameters["below_floor"]["tolerance"])
            return below_floor(self.table(f"priced_{fact}"), tolerance=tolerance)
        if detector.check == "clone":
            found = self.lines(fact).semi_join(self.table("cloned"), ["_batch", "_row"])
            return self.priced(found.mutate(injured=ibis.null("string")))
        return stuffing_lines(self.lines(fact), self.table("stuffed"))

    def unjudged(self, detector: Detector) -> ir.Table:
        lines = self.lines(detector.fact)
        if detector.check == "floor":
            return without_floor(self.table(f"priced_{detector.fact}"))
        if detector.check == "stuffing":
            return stuffing_unjudged(lines, self.table("stuffed"))
        if detector.check == "territory":
            left = without_territory(lines, self.table("territories"))
        else:
            left = lines.filter(lines.region.isnull())
        if detector.fact != "code_scan":
            return left
        # scans of codes never shipped to anyone cannot be laid at a partner's door
        scans = self.table("code_scan")
        unassigned = scans_unassigned(scans, self.table("code_assignment"))
        unassigned = within(unassigned.mutate(day=unassigned.scanned_at.date()),
                            self.table("window"))  # fmt: skip
        return left.select("_batch", "_row").union(unassigned.select("_batch", "_row"))


def _detect(sources: _Sources, detector: Detector) -> tuple[pa.Table, int]:
    """The offending rows of ``detector`` in the registered ``window``, and how many rows it
    could not judge."""
    runner, parameters = sources.runner, sources.parameters
    key = ["detector", detector.type, detector.fact, detector.check, parameters]
    rows = runner.run(lambda: sources.found(detector), parameters=key)
    counted = (
        runner.run(
            lambda: sources.unjudged(detector).count().as_table(), parameters=[*key, "unjudged"]
        )
        .column(0)[0]
        .as_py()
    )
    return rows, int(counted or 0)


def _lines_in_window(sources: _Sources, fact: str) -> int:
    counted = sources.runner.run(
        lambda: sources.lines(fact).count().as_table(), parameters=["lines in window", fact]
    )
    return int(counted.column(0)[0].as_py() or 0)


@transaction.atomic
def violations_detect(
    *,
    period: str,
    engine: str | None = None,
    actor: Any | None = None,
    inputs: RunInputs | None = None,
    parameters: dict[str, dict[str, Any]] | None = None,
    review_run: Any | None = None,
) -> DetectionRun:
    """Run every detector over ``period`` and keep what they find as violations with their
    evidence. A violation is one (type, offending partner, injured partner or none,
    quarter); detecting again replaces its evidence within ``period`` (new rows added,
    rows of reverted batches gone) and never duplicates it; one left with no evidence
    closes. ``inputs`` and ``parameters`` come from a review run when the detectors are
    its step. Returns the run, with the rows found and those no detector could judge."""
    ensure_may_change(Violation, actor)
    current = Period.parse(period)
    engine = engine or default_engine()
    inputs = inputs if inputs is not None else RunInputs()
    parameters = parameters if parameters is not None else detector_parameters()
    runner = backend(engine)
    _detector_inputs(runner, inputs)
    window = {"first_day": [current.start], "last_day": [current.end]}
    runner.register("window", pa.table(window, schema=WINDOW_SCHEMA))
    sources = _Sources(runner, parameters)
    sources.materialize()
    found: list[tuple[Detector, dict[str, Any]]] = []
    counts: dict[str, Any] = {"unjudged": {}}
    for detector in DETECTORS:
        rows, unjudged = _detect(sources, detector)
        found += [(detector, row) for row in rows.to_pylist()]
        counts[detector.name] = rows.num_rows
        counts["unjudged"][detector.name] = unjudged
    # how many lines of each fact the period holds
    counts["lines"] = {fact: _lines_in_window(sources, fact) for fact in _evidence_facts()}
    run = DetectionRun.objects.create(
        period=current.key,
        engine=engine,
        review_run=review_run,
        started_by=actor,
        parameters=parameters,
        row_counts=counts,
    )
    counts["violations"] = _violations_keep(run, current, found)
    DetectionRun.objects.filter(pk=run.pk).update(row_counts=counts)
    run.row_counts = counts
    return run


def _evidence_facts() -> list[str]:
    return sorted({d.fact for d in DETECTORS})


def _violations_keep(
    run: DetectionRun, period: Period, found: list[tuple[Detector, dict[str, Any]]]
) -> int:
    partners = dict(Partner.objects.values_list("code", "pk"))
    quarter_of = cache(lambda day: Period.quarter_of(day).key)  # tens of thousands of rows
    grouped: dict[str, list[tuple[Detector, dict[str, Any]]]] = {}
    for detector, row in found:
        quarter = quarter_of(row["day"])
        identity = f"{detector.type}|{row['partner']}|{row['injured'] or '-'}|{quarter}"
        grouped.setdefault(identity, []).append((detector, row))
    types = sorted({d.type.value for d in DETECTORS})
    # Evidence of this period is found afresh; evidence of other periods stays.
    ViolationEvidence.objects.filter(
        violation__type__in=types, day__gte=period.start, day__lte=period.end
    ).delete()
    existing = {v.identity: v for v in Violation.objects.filter(identity__in=list(grouped))}
    new = [
        Violation(
            identity=identity,
            type=rows[0][0].type,
            partner_id=partners[rows[0][1]["partner"]],
            injured_partner_id=partners.get(rows[0][1]["injured"] or ""),
            period=quarter_of(rows[0][1]["day"]),
        )
        for identity, rows in grouped.items()
        if identity not in existing
    ]
    created = bulk_create_with_history(new, Violation, batch_size=500)
    existing |= {v.identity: v for v in created}
    bulk_insert(
        ViolationEvidence,
        (
            {
                "violation_id": existing[identity].pk,
                "fact": detector.fact,
                "batch_id": row["_batch"],
                "row": row["_row"],
                "day": row["day"],
                "region": row["region"] or "",
                "product": row["product"] or "",
                "code": row.get("code") or "",
                "time": row["scanned_at"].time() if row.get("scanned_at") else None,
                "quantity": row["quantity"],
                "value": rounded_or_none(row["value"], 2),
            }
            for identity, rows in grouped.items()
            for detector, row in rows
        ),
    )
    # Every violation whose evidence this period held is summed again; none left: closed.
    resummed = Violation.objects.filter(
        Q(type__in=types, period__in=[q.key for q in period.quarters])
        | Q(identity__in=list(grouped))
    )
    totals = {
        row["violation"]: row
        for row in ViolationEvidence.objects.filter(violation__in=resummed)
        .values("violation")
        .annotate(quantity=Sum("quantity"), value=Sum("value"), count=Count("pk"))
    }
    totals |= _code_totals(resummed)
    # Only what moved is written, with its history row; every one names this run.
    changed = []
    for violation in resummed:
        before = [getattr(violation, f) for f in SUMMED_FIELDS]
        _violation_resummed(violation, totals.get(violation.pk), run)
        if [getattr(violation, f) for f in SUMMED_FIELDS] != before:
            changed.append(violation)
    resummed.update(last_run=run)
    bulk_update_with_history(changed, Violation, RESUMMED_FIELDS, batch_size=500)
    _tell_of_new_violations(created)
    return len(grouped)


def _tell_of_new_violations(created: list[Violation]) -> None:
    """The partner a violation was opened against — its users and its owner — is told."""
    partners = Partner.objects.select_related("owner").in_bulk({v.partner_id for v in created})
    for violation in created:
        partner = partners[violation.partner_id]
        notify(
            event=Event.VIOLATION_OPENED,
            recipients=partner_people(partner),
            title=Message(
                gettext_lazy("%(partner)s: %(type)s, %(period)s"),
                {
                    "partner": partner.code,
                    "type": ViolationType(violation.type).label,
                    "period": violation.period,
                },
            ),
            body=Message(
                gettext_lazy(
                    "A violation was opened against %(partner)s. Its evidence is on its page, "
                    "where it can be answered or appealed."
                ),
                {"partner": partner},
            ),
            url=violation.get_absolute_url(),
            partner=partner,
            data={"violation_id": violation.pk, "type": violation.type, "period": violation.period},
        )


def _code_totals(violations: Any) -> dict[int, dict[str, Any]]:
    """Sums of the violations counted in codes: each code once, however often it was
    scanned — quantity the number of codes, value Σ their list prices (None if none)."""
    per_code = (
        ViolationEvidence.objects.filter(violation__in=violations, violation__type__in=CODE_TYPES)
        .values("violation", "code")
        .annotate(price=Max("value"), scans=Count("pk"))
    )
    totals: dict[int, dict[str, Any]] = {}
    for row in per_code:
        total = totals.setdefault(
            row["violation"], {"quantity": Decimal(0), "value": None, "count": 0}
        )
        total["quantity"] += 1
        total["count"] += row["scans"]
        if row["price"] is not None:
            total["value"] = (total["value"] or Decimal(0)) + row["price"]
    return totals


SUMMED_FIELDS = ("quantity", "value", "evidence_count", "severity", "status", "closed_reason")
RESUMMED_FIELDS = [
    "quantity",
    "value",
    "evidence_count",
    "last_run",
    "severity",
    "status",
    "closed_reason",
    "updated_at",
]


def _violation_resummed(
    violation: Violation, totals: dict[str, Any] | None, run: DetectionRun
) -> Violation:
    """``violation`` with its sums over its evidence (``totals``: none left when None), its
    severity, and closed — or open again — as its evidence went or came back."""
    count = totals["count"] if totals else 0
    violation.quantity = totals["quantity"] if totals else Decimal(0)
    violation.value = totals["value"] if totals else None
    violation.evidence_count = count
    violation.last_run = run
    violation.updated_at = timezone.now()
    if count:
        hurt = violation.injured_partner_id is not None
        large = (violation.value or 0) >= SEVERE_VALUE
        violation.severity = Severity.HIGH if hurt or large else Severity.MEDIUM
        if violation.status == ViolationStatus.CLOSED and violation.closed_reason:
            violation.status, violation.closed_reason = ViolationStatus.OPEN, ""  # came back
    elif violation.is_undecided:  # a decided one keeps its decision, with no evidence left
        violation.status = ViolationStatus.CLOSED
        violation.closed_reason = _("Its evidence was withdrawn (the batches were reverted).")
    return violation


# --- the violation workflow -------------------------------------------------------------------
# open → investigating → confirmed (with penalties) or dismissed → closed. Who may change a
# violation (directors; managers within their partners) moves it; a refused write changes
# nothing — web, API and CLI all come through here.

COMMENT_MAX_CHARS = 5000
# Penalties that cost money name an amount; the others must not.
PENALTIES_WITH_AMOUNT = frozenset({PenaltyKind.FINE, PenaltyKind.REBATE_DEDUCTION})


@dataclass(frozen=True)
class PenaltyOrder:
    """A penalty asked for when confirming: its kind, the amount of a fine or rebate
    deduction, and the settlement period a rebate deduction applies to (default: the
    violation's quarter)."""

    kind: str
    amount: Decimal | None = None
    period: str = ""


def _violation_to_change(violation: Violation, actor: Any | None) -> Violation:
    """The violation, locked for the change, when ``actor`` may change it."""
    rows = Violation.objects.filter(pk=violation.pk)
    if actor is not None and not restrict(rows, actor, "change").exists():
        raise PermissionDenied(_("You may not change %(object)s.") % {"object": violation})
    return rows.select_for_update().get()


def _undecided(violation: Violation) -> None:
    if not violation.is_undecided:
        raise ValidationError(
            _("This violation is already %(status)s.")
            % {"status": violation.get_status_display().lower()}
        )


def violation_assignee_may_take(*, user: Any, violation: Violation) -> bool:
    """Whether ``user`` may work on ``violation`` (and so be its assignee)."""
    return restrict(Violation.objects.filter(pk=violation.pk), user, "change").exists()


@transaction.atomic
def violation_investigate(
    *, violation: Violation, assignee: Any, due_date: date | None, actor: Any | None
) -> Violation:
    """Start (or re-assign) the investigation: someone who may work on the partner, by a
    date."""
    locked = _violation_to_change(violation, actor)
    _undecided(locked)
    if not violation_assignee_may_take(user=assignee, violation=locked):
        raise ValidationError(
            {"assignee": _("%(user)s may not work on this partner: choose someone who may.")
             % {"user": assignee}}
        )  # fmt: skip
    data = {"status": ViolationStatus.INVESTIGATING, "assignee": assignee, "due_date": due_date}
    return model_update(instance=locked, data=data, actor=actor)[0]


@transaction.atomic
def violation_confirm(
    *, violation: Violation, penalties: list[PenaltyOrder], note: str, actor: Any | None
) -> Violation:
    """Confirm the violation and impose its penalties; each reaches its target (a grade
    proposal, a suspension for the director, a deduction the rebate settlement reads)."""
    locked = _violation_to_change(violation, actor)
    _undecided(locked)
    if not locked.evidence_count:
        raise ValidationError(_("A violation with no evidence left cannot be confirmed."))
    orders = _penalty_orders_checked(penalties, locked)
    now = timezone.now()
    data = {
        "status": ViolationStatus.CONFIRMED,
        "decision_note": note.strip(),
        "decided_by": actor,
        "decided_at": now,
        "confirmed_at": now,
    }
    locked = model_update(instance=locked, data=data, actor=actor)[0]
    for order in orders:
        _penalty_impose(locked, order, actor)
    _partner_risk_refreshed(locked.partner)  # a confirmed violation weighs on the score
    return locked


def _penalty_orders_checked(orders: list[PenaltyOrder], violation: Violation) -> list[PenaltyOrder]:
    kinds = [order.kind for order in orders]
    if len(set(kinds)) != len(kinds):
        raise ValidationError({"penalties": _("Each kind of penalty once.")})
    checked = []
    for order in orders:
        if order.kind not in PenaltyKind.values:
            raise ValidationError({"penalties": _("No penalty “%(kind)s”.") % {"kind": order.kind}})
        label = PenaltyKind(order.kind).label
        if order.kind in PENALTIES_WITH_AMOUNT:
            if order.amount is None or not order.amount.is_finite() or order.amount <= 0:
                raise ValidationError(
                    {"amount": _("A %(penalty)s needs an amount above 0.") % {"penalty": label}}
                )
        elif order.amount is not None:
            raise ValidationError(
                {"amount": _("A %(penalty)s has no amount.") % {"penalty": label}}
            )
        period = ""
        if order.kind == PenaltyKind.REBATE_DEDUCTION:
            period = order.period.strip() or violation.period
            try:
                period = Period.parse(period).key
            except ValueError as exc:
                raise ValidationError({"period": str(exc)}) from exc
        amount = None if order.amount is None else rounded_or_none(order.amount, 2)
        checked.append(PenaltyOrder(order.kind, amount, period))
    return checked


def _saved_by(instance: Any, actor: Any | None) -> Any:
    """Save a row a decision made (its history names the decider). The decision itself was
    authorised: a manager's confirmation proposes a downgrade the director then decides."""
    instance.full_clean()
    if actor is not None:
        instance._history_user = actor
    instance.save()
    return instance


def _penalty_impose(violation: Violation, order: PenaltyOrder, actor: Any | None) -> Penalty:
    partner = violation.partner
    status = PenaltyStatus.APPLIED
    proposal = None
    if order.kind in (PenaltyKind.GRADE_DOWNGRADE, PenaltyKind.SUSPENSION):
        status = PenaltyStatus.PROPOSED
    if order.kind == PenaltyKind.GRADE_DOWNGRADE:
        lower = (
            Grade.objects.filter(rank__gt=partner.grade.rank).order_by("rank", "code").first()
            if partner.grade
            else None
        )
        if lower is None:
            raise ValidationError(
                {
                    "penalties": _("%(partner)s has no lower grade to move to.")
                    % {"partner": partner}
                }
            )
        proposal = _saved_by(
            GradeProposal(
                partner=partner,
                period=violation.period,
                from_grade=partner.grade,
                to_grade=lower,
                origin=ProposalOrigin.VIOLATION,
                evidence=[{"violation": violation.pk, "type": violation.type}],
                note=_("Penalty for violation %(id)d: %(violation)s")
                % {"id": violation.pk, "violation": violation},
            ),
            actor,
        )
    if order.kind == PenaltyKind.SUSPENSION and partner.status != PartnerStatus.ACTIVE:
        raise ValidationError(
            {"penalties": _("Only an active partner can be suspended; %(partner)s is %(status)s.")
             % {"partner": partner, "status": partner.get_status_display().lower()}}
        )  # fmt: skip
    return _saved_by(
        Penalty(
            violation=violation,
            partner=partner,
            kind=order.kind,
            amount=order.amount,
            period=order.period,
            status=status,
            grade_proposal=proposal,
        ),
        actor,
    )


@transaction.atomic
def violation_dismiss(*, violation: Violation, reason: str, actor: Any | None) -> Violation:
    """Dismiss the violation, saying why (a reason is required)."""
    locked = _violation_to_change(violation, actor)
    _undecided(locked)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the violation is dismissed.")})
    data = {
        "status": ViolationStatus.DISMISSED,
        "decision_note": reason.strip(),
        "decided_by": actor,
        "decided_at": timezone.now(),
    }
    return model_update(instance=locked, data=data, actor=actor)[0]


@transaction.atomic
def violation_close(*, violation: Violation, note: str, actor: Any | None) -> Violation:
    """Close a decided violation; a confirmed one still counts against the partner."""
    locked = _violation_to_change(violation, actor)
    if locked.status not in (ViolationStatus.CONFIRMED, ViolationStatus.DISMISSED):
        raise ValidationError(_("Only a confirmed or dismissed violation can be closed."))
    text = (
        f"{locked.decision_note}\n{note.strip()}".strip() if note.strip() else locked.decision_note
    )
    data = {"status": ViolationStatus.CLOSED, "decision_note": text}
    return model_update(instance=locked, data=data, actor=actor)[0]


@transaction.atomic
def penalty_decide(*, penalty: Penalty, approve: bool, actor: Any, note: str = "") -> Penalty:
    """The director decides a proposed suspension (the partner is suspended, audited) or a
    proposed grade downgrade (through its grade proposal)."""
    rows = Penalty.objects.filter(pk=penalty.pk)
    if not restrict(rows, actor, "change").exists():
        raise PermissionDenied(_("You may not decide this penalty."))
    locked = rows.select_for_update().get()
    if locked.status != PenaltyStatus.PROPOSED:
        raise ValidationError(_("This penalty was already decided."))
    if locked.grade_proposal is not None:
        # the proposal's decision changes the grade and marks this penalty
        grade_proposal_decide(
            proposal=locked.grade_proposal, approve=approve, actor=actor, note=note
        )
        locked.refresh_from_db()
        return locked
    if approve:
        partner_change_status(partner=locked.partner, status=PartnerStatus.SUSPENDED, actor=actor)
    data = {
        "status": PenaltyStatus.APPROVED if approve else PenaltyStatus.REJECTED,
        "decided_by": actor,
        "decided_at": timezone.now(),
        "note": note.strip(),
    }
    return model_update(instance=locked, data=data, actor=actor)[0]


def penalties_follow_proposal(*, proposal: GradeProposal, actor: Any | None) -> int:
    """Mark the downgrade penalties of ``proposal`` as it was decided."""
    status = {
        ProposalStatus.APPROVED: PenaltyStatus.APPROVED,
        ProposalStatus.REJECTED: PenaltyStatus.REJECTED,
    }.get(ProposalStatus(proposal.status))
    if status is None:
        return 0
    penalties = list(Penalty.objects.filter(grade_proposal=proposal, status=PenaltyStatus.PROPOSED))
    for penalty in penalties:
        penalty.status, penalty.decided_by, penalty.decided_at = status, actor, proposal.decided_at
        _saved_by(penalty, actor)
    return len(penalties)


@transaction.atomic
def violation_comment_add(
    *,
    violation: Violation,
    text: str,
    actor: Any,
    internal: bool = False,
    attachment: UploadedFile | None = None,
) -> ViolationComment:
    """A comment, perhaps with a file. Those who may change the violation comment (an
    internal note stays hidden from the partner); the offender's own users answer — their
    comment is an appeal (申诉). Finance, sales and anyone else only read."""
    visible = restrict(Violation.objects.filter(pk=violation.pk), actor, "view").exists()
    offender = visible and is_partner_user(actor)
    reviewer = restrict(Violation.objects.filter(pk=violation.pk), actor, "change").exists()
    if not (offender or reviewer):
        raise PermissionDenied(_("You may not comment on %(object)s.") % {"object": violation})
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write a comment.")})
    if len(text) > COMMENT_MAX_CHARS:
        raise ValidationError(
            {"text": _("A comment has at most %(n)d characters.") % {"n": COMMENT_MAX_CHARS}}
        )
    comment = ViolationComment(
        violation=violation,
        author=actor,
        text=text,
        appeal=offender,
        internal=internal and reviewer,
    )
    ensure_storable_text(comment)
    if attachment is not None:
        name = attachment_name_checked(attachment)
        comment.attachment_name, comment.attachment_size = name, attachment.size
        # the last step before the row: a refused comment leaves no file behind
        comment.attachment.save(name, attachment, save=False)
    comment.save()
    return comment


# --- partner risk -----------------------------------------------------------------------

CENT = Decimal("0.01")
ZERO_MONEY = Decimal("0.00")
OPEN_COMPLAINTS = (ComplaintStatus.OPEN, ComplaintStatus.INVESTIGATING)


@dataclass(frozen=True)
class RiskRefresh:
    """What one refresh did: the day it judged, profiles written, alerts raised and cleared."""

    as_of: date
    profiles: int
    alerts_raised: int
    alerts_cleared: int

    def summary(self) -> str:
        return (
            f"risk as of {self.as_of}: {self.profiles} partner(s); "
            f"{self.alerts_raised} alert(s) raised, {self.alerts_cleared} cleared"
        )


def _receivable_snapshots(
    as_of: date, codes: list[str] | None
) -> dict[str, tuple[date, dict[str, Decimal]]]:
    """Each partner's last receivables snapshot on or before ``as_of``: its date and the
    amounts per ageing bucket (every bucket present, 0 where nothing is owed)."""
    rows = fact_table("receivable", connection=ibis.duckdb.connect())
    rows = rows.filter(rows.as_of <= as_of)
    if codes is not None:
        rows = rows.filter(rows.partner.isin(codes))
    last = rows.group_by("partner").aggregate(last_day=rows.as_of.max())
    snapshot = rows.join(last, ["partner", rows.as_of == last.last_day])
    buckets = [
        (snapshot.days_overdue <= last_day, name)
        for name, last_day, _weight in AGEING_BUCKETS
        if last_day is not None
    ]
    bucket = ibis.cases(*buckets, else_=AGEING_BUCKETS[-1][0])
    sums = snapshot.group_by(partner=snapshot.partner, day=snapshot.as_of, bucket=bucket).aggregate(
        amount=snapshot.amount.sum()
    )
    found: dict[str, tuple[date, dict[str, Decimal]]] = {}
    for row in sums.to_pyarrow().to_pylist():
        day, amounts = found.setdefault(
            row["partner"], (row["day"], {name: ZERO_MONEY for name, _d, _w in AGEING_BUCKETS})
        )
        amounts[row["bucket"]] = Decimal(row["amount"]).quantize(CENT)
    return found


@dataclass(frozen=True)
class Gathered:
    """What one partner's risk profile and alerts are made from."""

    inputs: RiskInputs
    receivables_day: date | None
    complaints: list[Complaint]
    items: list[ComplianceItem]
    agreements: list[Agreement]
    training_missed: int  # mandatory training refused or missed in the last year
    certificates_expiring: list[Enrolment]


def _risk_inputs(partners: list[Partner], as_of: date) -> dict[int, Gathered]:
    """Everything each partner's score and alerts are made from."""
    receivables = _receivable_snapshots(as_of, [p.code for p in partners])
    ids = [p.pk for p in partners]
    since = as_of - timedelta(days=COMPLAINT_DAYS)
    complaints: dict[int, list[Complaint]] = {}
    # the year's complaints for the score, and any still open (older too) for the alerts
    for complaint in Complaint.objects.filter(
        Q(received_on__gt=since) | Q(status__in=OPEN_COMPLAINTS),
        partner_id__in=ids,
        received_on__lte=as_of,
    ).exclude(status=ComplaintStatus.DISMISSED):
        complaints.setdefault(complaint.partner_id, []).append(complaint)
    items: dict[int, list[ComplianceItem]] = {}
    for item in ComplianceItem.objects.filter(partner_id__in=ids):
        items.setdefault(item.partner_id, []).append(item)
    # an agreement counts like a licence, in its newest version only (a renewed one is done)
    agreements: dict[int, list[Agreement]] = {}
    for agreement in Agreement.objects.filter(partner_id__in=ids, renewal__isnull=True):
        agreements.setdefault(agreement.partner_id, []).append(agreement)
    violations = dict(
        Violation.objects.filter(
            partner_id__in=ids,
            confirmed_at__date__gt=as_of - timedelta(days=VIOLATION_DAYS),
            confirmed_at__date__lte=as_of,
        )
        .values_list("partner_id")
        .annotate(n=Count("pk"))
    )
    missed, expiring = _training_inputs(ids, as_of)
    gathered = {}
    for partner in partners:
        day, buckets = receivables.get(partner.code, (None, None))
        mine = complaints.get(partner.pk, [])
        of_the_year = [c for c in mine if c.received_on > since]
        states = [item.state_on(as_of) for item in items.get(partner.pk, [])] + [
            agreement.state_on(as_of) for agreement in agreements.get(partner.pk, [])
        ]
        inputs = RiskInputs(
            credit_limit=partner.credit_limit,
            buckets=buckets,
            complaints={s: sum(c.severity == s for c in of_the_year) for s in Severity.values},
            compliance_expired=states.count(ComplianceState.EXPIRED),
            compliance_expiring=states.count(ComplianceState.EXPIRING),
            confirmed_violations=violations.get(partner.pk, 0),
        )
        gathered[partner.pk] = Gathered(
            inputs,
            day,
            mine,
            items.get(partner.pk, []),
            agreements.get(partner.pk, []),
            missed.get(partner.pk, 0),
            expiring.get(partner.pk, []),
        )
    return gathered


# A certificate's reminder is raised this many days before it runs out.
CERTIFICATE_REMIND_DAYS = 60


def _training_inputs(
    ids: list[int], as_of: date
) -> tuple[dict[int, int], dict[int, list[Enrolment]]]:
    """Per partner: mandatory training refused or missed in the year up to ``as_of``; and
    the certificates running out within ``CERTIFICATE_REMIND_DAYS`` that no later one
    of the same person and course replaces."""
    missed = dict(
        Enrolment.objects.filter(
            contact__partner_id__in=ids,
            status__in=(EnrolmentStatus.MISSED, EnrolmentStatus.REFUSED),
            session__course__mandatory=True,
            session__starts_at__date__gt=as_of - timedelta(days=365),
            session__starts_at__date__lte=as_of,
        )
        .values_list("contact__partner_id")
        .annotate(n=Count("pk"))
    )
    latest: dict[tuple[int, int], Enrolment] = {}
    for enrolment in (
        Enrolment.objects.filter(contact__partner_id__in=ids, certified_until__isnull=False)
        .select_related("contact", "session__course")
        .order_by("certified_until")
    ):
        latest[(enrolment.contact_id, enrolment.session.course_id)] = enrolment
    expiring: dict[int, list[Enrolment]] = {}
    for enrolment in latest.values():
        left = (enrolment.certified_until - as_of).days  # type: ignore[operator]
        if 0 <= left <= CERTIFICATE_REMIND_DAYS:
            expiring.setdefault(enrolment.contact.partner_id, []).append(enrolment)
    return missed, expiring


def _alerts_wanted(
    partner: Partner, gathered: Gathered, score: Score, as_of: date
) -> dict[tuple[str, int], dict[str, Any]]:
    """The alerts that should stand for ``partner``: (kind, subject) → detail."""
    inputs, complaints, items = gathered.inputs, gathered.complaints, gathered.items
    wanted: dict[tuple[str, int], dict[str, Any]] = {}
    if score.total >= HIGH_FROM:
        wanted[(AlertKind.SCORE_HIGH, 0)] = {"score": str(score.total)}
    exposure = inputs.exposure
    if exposure is not None and 0 < partner.credit_limit < exposure:
        wanted[(AlertKind.CREDIT_OVER_LIMIT, 0)] = {
            "exposure": str(exposure),
            "limit": str(partner.credit_limit),
        }
    if inputs.buckets is not None and inputs.buckets["overdue_over_90"] > 0:
        wanted[(AlertKind.OVERDUE_OVER_90, 0)] = {"amount": str(inputs.buckets["overdue_over_90"])}
    for complaint in complaints:
        if complaint.severity == Severity.HIGH and complaint.status in OPEN_COMPLAINTS:
            wanted[(AlertKind.COMPLAINT_HIGH, complaint.pk)] = {
                "received_on": complaint.received_on.isoformat()
            }
    for item in items:
        state = item.state_on(as_of)
        if state != ComplianceState.VALID:
            kind = (
                AlertKind.COMPLIANCE_EXPIRED
                if state == ComplianceState.EXPIRED
                else AlertKind.COMPLIANCE_EXPIRING
            )
            wanted[(kind, item.pk)] = {
                "name": item.name,
                "expires_on": item.expires_on.isoformat(),  # type: ignore[union-attr]
            }
    if gathered.training_missed:
        wanted[(AlertKind.TRAINING_MISSED, 0)] = {"count": gathered.training_missed}
    for enrolment in gathered.certificates_expiring:
        wanted[(AlertKind.CERTIFICATE_EXPIRING, enrolment.pk)] = {
            "name": f"{enrolment.contact.name} · {enrolment.session.course.code}",
            "expires_on": enrolment.certified_until.isoformat(),  # type: ignore[union-attr]
        }
    for agreement in gathered.agreements:
        term = agreement.state_on(as_of)
        if term in (AgreementState.EXPIRING, AgreementState.EXPIRED):
            kind = (
                AlertKind.AGREEMENT_EXPIRED
                if term == AgreementState.EXPIRED
                else AlertKind.AGREEMENT_EXPIRING
            )
            wanted[(kind, agreement.pk)] = {
                "name": str(agreement),
                "expires_on": agreement.ends_on.isoformat(),
            }
    return wanted


@transaction.atomic
def risk_profiles_refresh(
    *,
    as_of: date | None = None,
    partners: QuerySet[Partner] | None = None,
    actor: Any | None = None,
) -> RiskRefresh:
    """Compute the risk profile of ``partners`` (default: every partner the actor may
    see; ``actor=None`` is the system) on ``as_of`` (default today), and raise or clear
    their alerts. Running it twice changes nothing."""
    day = as_of or timezone.localdate()
    chosen = Partner.objects.all() if partners is None else partners
    if actor is not None:
        ensure_may_change(RiskProfile, actor)
        chosen = restrict(chosen, actor, "view")
    partner_list = list(chosen.order_by("pk"))
    now = timezone.now()
    gathered = _risk_inputs(partner_list, day)
    profiles = []
    wanted: dict[tuple[int, str, int], dict[str, Any]] = {}
    for partner in partner_list:
        found = gathered[partner.pk]
        inputs, snapshot_day = found.inputs, found.receivables_day
        score = risk_score(inputs)
        buckets = inputs.buckets or {}
        profiles.append(
            RiskProfile(
                partner=partner,
                as_of=day,
                computed_at=now,
                receivables_as_of=snapshot_day,
                credit_limit=partner.credit_limit,
                exposure=inputs.exposure,
                **{name: buckets.get(name) for name, _d, _w in AGEING_BUCKETS},
                complaints=sum(inputs.complaints.values()),
                compliance_expiring=inputs.compliance_expiring,
                compliance_expired=inputs.compliance_expired,
                confirmed_violations=inputs.confirmed_violations,
                components=score.components,
                score=score.total,
                level=score.level,
            )
        )
        for (kind, subject), detail in _alerts_wanted(partner, found, score, day).items():
            wanted[(partner.pk, kind, subject)] = detail
    kept = [f.name for f in RiskProfile._meta.concrete_fields if f.name not in ("id", "partner")]
    RiskProfile.objects.bulk_create(
        profiles, update_conflicts=True, unique_fields=["partner"], update_fields=kept
    )
    standing = {
        (a.partner_id, a.kind, a.subject): a
        for a in RiskAlert.objects.filter(
            partner__in=[p.pk for p in partner_list], cleared_at__isnull=True
        )
    }
    gone = [a.pk for key, a in standing.items() if key not in wanted]
    RiskAlert.objects.filter(pk__in=gone).update(cleared_at=now)
    new = [
        RiskAlert(partner_id=p, kind=k, subject=s, detail=d, raised_at=now)
        for (p, k, s), d in wanted.items()
        if (p, k, s) not in standing
    ]
    RiskAlert.objects.bulk_create(new)
    _remind_owners([a for a in new if a.kind in REMINDED_ALERTS])
    return RiskRefresh(day, len(profiles), len(new), len(gone))


# Alerts that are reminders to people, not only marks on a dashboard: mailed once, when
# raised, to the partner's owner (where this installation sends mail).
REMINDED_ALERTS = frozenset(
    {
        AlertKind.AGREEMENT_EXPIRING,
        AlertKind.AGREEMENT_EXPIRED,
        AlertKind.COMPLIANCE_EXPIRING,
        AlertKind.CERTIFICATE_EXPIRING,
    }
)


# which notification each reminder is
REMINDER_EVENTS = {
    AlertKind.AGREEMENT_EXPIRING: Event.AGREEMENT_EXPIRING,
    AlertKind.AGREEMENT_EXPIRED: Event.AGREEMENT_EXPIRING,
    AlertKind.COMPLIANCE_EXPIRING: Event.AGREEMENT_EXPIRING,
    AlertKind.CERTIFICATE_EXPIRING: Event.CERTIFICATE_EXPIRING,
}


def _remind_owners(alerts: list[RiskAlert]) -> None:
    """Each reminder to the partner's owner: in the inbox, and mailed as they choose."""
    partners = {
        p.pk: p
        for p in Partner.objects.filter(pk__in={a.partner_id for a in alerts}).select_related(
            "owner"
        )
    }
    for alert in alerts:
        partner = partners[alert.partner_id]
        if partner.owner is None:
            continue
        name, day = alert.detail.get("name", ""), alert.detail.get("expires_on", "")
        notify(
            event=REMINDER_EVENTS[AlertKind(alert.kind)],
            recipients=[partner.owner],
            title=Message(
                gettext_lazy("%(code)s: %(name)s — a reminder"),
                {"code": partner.code, "name": name},
            ),
            body=Message(
                gettext_lazy(
                    "%(partner)s: %(kind)s — %(name)s, ends %(day)s. You are the partner's "
                    "owner in Qudao. Renew it, or record why not, on the partner's page."
                ),
                {"partner": partner, "kind": AlertKind(alert.kind).label, "name": name, "day": day},
            ),
            url=partner.get_absolute_url(),
            partner=partner,
            data={"kind": alert.kind, "name": name, "ends_on": day},
        )


def _partner_risk_refreshed(*partners: Partner) -> None:
    """After a record the score reads changed: those partners' profiles, at once (one read
    of the receivables for all of them)."""
    risk_profiles_refresh(partners=Partner.objects.filter(pk__in={p.pk for p in partners}))


@transaction.atomic
def complaint_create(*, actor: Any | None = None, **data: Any) -> Complaint:
    complaint = model_create(model=Complaint, data=data, actor=actor)
    _partner_risk_refreshed(complaint.partner)
    return complaint


@transaction.atomic
def complaint_update(*, complaint: Complaint, actor: Any | None = None, **data: Any) -> Complaint:
    before = complaint.partner
    complaint = model_update(instance=complaint, data=data, actor=actor)[0]
    _partner_risk_refreshed(before, complaint.partner)
    return complaint


@transaction.atomic
def compliance_item_create(*, actor: Any | None = None, **data: Any) -> ComplianceItem:
    item = model_create(model=ComplianceItem, data=data, actor=actor)
    _partner_risk_refreshed(item.partner)
    return item


@transaction.atomic
def compliance_item_update(
    *, item: ComplianceItem, actor: Any | None = None, **data: Any
) -> ComplianceItem:
    before = item.partner
    item = model_update(instance=item, data=data, actor=actor)[0]
    _partner_risk_refreshed(before, item.partner)
    return item


def risk_alert_acknowledge(*, alert: RiskAlert, actor: Any) -> RiskAlert:
    """Mark an alert seen (it stays until its condition is gone)."""
    return alert_acknowledge(alert=alert, actor=actor)

"""Recruitment's writes: the funnel's moves, signing into a partner, scores kept on record
when the thresholds change, and who may do what (a refused write changes nothing)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from qudao.partners.choices import PartnerStatus
from qudao.partners.models import ChannelModel, Partner, PartnerTerritory
from qudao.partners.services import partner_territory_create
from qudao.recruitment.choices import Stage
from qudao.recruitment.models import Applicant, ApplicantScore, EntryModel, StageChange
from qudao.recruitment.scoring import DEFAULT_CRITERIA
from qudao.recruitment.selectors import region_white_space
from qudao.recruitment.services import (
    applicant_create,
    applicant_move,
    applicant_sign,
    applicant_update,
    entry_model_defaults,
    entry_model_save,
)
from tests.conftest import World
from tests.recruitment.helpers import applicant, walk


@pytest.fixture
def reseller() -> ChannelModel:
    return ChannelModel.objects.get(code="reseller")


def test_moves_follow_the_funnel_and_a_rejection_needs_its_reason(world: World) -> None:
    made = applicant(world.berlin)
    with pytest.raises(ValidationError, match="cannot go from"):
        applicant_move(applicant=made, stage=Stage.PILOT)
    with pytest.raises(ValidationError, match="Say why"):
        applicant_move(applicant=made, stage=Stage.REJECTED)
    applicant_move(applicant=made, stage=Stage.SCREENING)
    applicant_move(applicant=made, stage=Stage.REJECTED, note="Too small")
    made.refresh_from_db()
    assert made.stage == Stage.REJECTED and made.rejection_reason == "Too small"
    assert list(made.stage_changes.values_list("from_stage", "to_stage")) == [
        ("", "applied"),
        ("applied", "screening"),
        ("screening", "rejected"),
    ]


def test_signing_makes_an_active_partner_with_territories_and_contact(world: World) -> None:
    made = applicant(world.berlin, sponsor=world.p_de, contact_phone="+49 30 1234")
    made.regions.set([world.de])
    walk(made, ("screening", 1), ("due_diligence", 2))
    partner = applicant_sign(applicant=made, code="NEW-1", name_en="Acme", on=date(2026, 2, 1))
    assert partner.status == PartnerStatus.ACTIVE and partner.joined_on == date(2026, 2, 1)
    assert partner.parent == world.p_de and partner.home_region == world.berlin
    assert sorted(partner.territories.values_list("region__code", flat=True)) == ["BER", "DE"]
    contact = partner.contacts.get()
    assert (contact.name, contact.phone, contact.is_primary) == ("Li Wei", "+49 30 1234", True)
    made.refresh_from_db()
    assert made.stage == Stage.SIGNED and made.partner == partner


def test_a_clash_with_a_protected_territory_signs_nothing(world: World) -> None:
    partner_territory_create(
        partner=world.p_us, region=world.de, exclusive=True, valid_from=date(2020, 1, 1)
    )
    made = walk(applicant(world.berlin), ("screening", 1), ("due_diligence", 2))
    before = Partner.objects.count(), PartnerTerritory.objects.count()
    with pytest.raises(ValidationError, match="would overlap"):
        applicant_sign(applicant=made, code="NEW-2", name_en="Acme")
    made.refresh_from_db()
    assert made.stage == Stage.DUE_DILIGENCE and made.partner is None
    assert (Partner.objects.count(), PartnerTerritory.objects.count()) == before


def test_only_an_applicant_past_due_diligence_is_signed(world: World) -> None:
    made = applicant(world.berlin)
    with pytest.raises(ValidationError, match="past due diligence"):
        applicant_sign(applicant=made, code="NEW-3", name_en="Acme")
    with pytest.raises(ValidationError, match="use “Sign”"):
        applicant_move(applicant=walk(made, ("screening", 1), ("due_diligence", 2)), stage="signed")


def test_a_new_version_rescores_the_open_applicants_and_keeps_the_old_scores(
    world: World, reseller: ChannelModel
) -> None:
    first, _count = entry_model_defaults(channel_model=reseller)
    open_one = applicant(world.berlin, company="Open")
    closed = walk(applicant(world.berlin, company="Closed"), ("rejected", 1))
    assert ApplicantScore.objects.filter(applicant=open_one, entry_model=first).count() == 1
    old = ApplicantScore.objects.get(applicant=open_one, current=True)

    criteria = [dict(c, weight="0") for c in DEFAULT_CRITERIA]
    criteria[1] = dict(criteria[1], weight="1", bands=[["10", 100]])  # team size alone
    second, rescored = entry_model_save(
        channel_model=reseller, pass_score=Decimal(90), criteria=criteria
    )
    assert second.version == 2 and rescored == 1
    new = ApplicantScore.objects.get(applicant=open_one, current=True)
    assert new.entry_model == second and new.score == Decimal("100.00") and new.passed
    old.refresh_from_db()
    assert not old.current and old.entry_model == first  # on record, as it was
    assert not ApplicantScore.objects.filter(applicant=closed, entry_model=second).exists()


def test_changing_what_is_scored_rescores(world: World, reseller: ChannelModel) -> None:
    entry_model_defaults(channel_model=reseller)
    made = applicant(world.berlin)
    before = made.scores.get(current=True).score
    applicant_update(applicant=made, team_size=40)
    after = made.scores.get(current=True)
    assert after.score > before and made.scores.count() == 2
    applicant_update(applicant=made, message="Hello")  # not scored: no new score
    assert made.scores.count() == 2


def test_the_starting_thresholds_score_a_known_applicant(
    world: World, reseller: ChannelModel
) -> None:
    entry_model_defaults(channel_model=reseller)
    # capital 3,000,000 → 70 × 20; team 12 → 40 × 15; warehouse — ; founded 2015, scored
    # in 2026 → 11 years → 100 × 10; sales — ; fit — ; region fit: Berlin has P-DE at
    # home → 0 % white space → 0; credit not checked → 0. Sum of weights 100.
    made = applicant(world.berlin)
    score = made.scores.get(current=True)
    rows = {r["measure"]: r for r in score.breakdown}
    assert rows["registered_capital"]["contribution"] == "14.00"
    assert rows["team_size"]["contribution"] == "6.00"
    assert rows["region_fit"]["value"] == "0.00"
    assert rows["credit_check"]["value"] is None
    years = timezone.localdate().year - 2015
    expected_years = 100 if years >= 10 else 70
    assert rows["years_in_business"]["points"] == expected_years
    assert score.score == Decimal("20.00") + Decimal(expected_years) / 10
    assert not score.passed


def test_white_space_counts_regions_no_selling_partner_covers(world: World) -> None:
    # P-DE at home in Berlin serves Berlin, and Germany above it; P-US, the United States
    assert region_white_space([world.berlin]) == Decimal("0.00")
    assert region_white_space([world.na]) == Decimal("0.00")
    Partner.objects.filter(pk=world.p_us.pk).update(status=PartnerStatus.TERMINATED)
    assert region_white_space([world.us, world.berlin]) == Decimal("50.00")
    # a territory above a region does not serve it: P-US authorised for all of Europe
    Partner.objects.filter(pk__in=[world.p_de.pk, world.p_de_sub.pk]).update(status="suspended")
    Partner.objects.filter(pk=world.p_us.pk).update(status=PartnerStatus.ACTIVE)
    partner_territory_create(partner=world.p_us, region=world.eu, valid_from=date(2020, 1, 1))
    assert region_white_space([world.berlin]) == Decimal("100.00")
    assert region_white_space([world.eu]) == Decimal("0.00")


# --- who may ------------------------------------------------------------------------------------


def test_a_manager_may_not_file_an_applicant_outside_their_regions(world: World) -> None:
    manager = world.users["manager"]  # manages Europe
    with pytest.raises(PermissionDenied):
        applicant(world.us, actor=manager)
    assert not Applicant.objects.exists() and not StageChange.objects.exists()
    made = applicant(world.berlin, actor=manager)
    assert made.owner == manager


@pytest.mark.parametrize("role", ["finance", "sales", "partner_user", "no_role"])
def test_roles_that_do_not_recruit_are_refused(world: World, role: str) -> None:
    with pytest.raises(PermissionDenied):
        applicant(world.berlin, actor=world.users[role])
    assert not Applicant.objects.exists()


def test_a_partner_admin_proposes_its_own_sub_partner_and_nothing_more(world: World) -> None:
    admin = world.users["partner_admin"]  # of P-DE
    made = applicant(world.berlin, actor=admin)
    assert made.sponsor == world.p_de and made.source == "partner"
    applicant_update(applicant=made, actor=admin, team_size=20)
    with pytest.raises(PermissionDenied):
        applicant_update(applicant=made, actor=admin, brand_fit=5)
    with pytest.raises(PermissionDenied):
        applicant_move(applicant=made, stage=Stage.SCREENING, actor=admin)
    with pytest.raises(PermissionDenied):
        applicant(world.berlin, actor=admin, sponsor=world.p_us)
    other = applicant(world.us, company="Not theirs")
    with pytest.raises(PermissionDenied):
        applicant_update(applicant=other, actor=admin, team_size=1)
    made.refresh_from_db()
    other.refresh_from_db()
    assert (made.brand_fit, made.stage, other.team_size) == (None, Stage.APPLIED, 12)


def test_the_entry_thresholds_are_the_director_and_managers_to_change(
    world: World, reseller: ChannelModel
) -> None:
    for role in ("finance", "sales", "partner_admin"):
        with pytest.raises(PermissionDenied):
            entry_model_defaults(channel_model=reseller, actor=world.users[role])
    assert not EntryModel.objects.exists()
    model, _count = entry_model_defaults(channel_model=reseller, actor=world.users["manager"])
    assert model.created_by == world.users["manager"]


def test_a_staff_editor_sets_what_a_partner_may_not(world: World) -> None:
    made = applicant_create(
        actor=world.users["director"],
        company="Direct",
        contact_name="Zhang San",
        channel_model=ChannelModel.objects.get(code="reseller"),
        home_region=world.berlin,
        brand_fit=4,
        credit_check="passed",
    )
    assert (made.brand_fit, made.credit_check, made.source) == (4, "passed", "staff")

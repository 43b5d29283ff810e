"""Agreements: versions by renewal, reminders raised once before the end (and mailed to
the partner's owner once), a lapsed agreement flagged, and who may change them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from qudao.governance.models import AlertKind, RiskAlert
from qudao.governance.services import risk_profiles_refresh
from qudao.partners.models import Agreement
from qudao.partners.services import agreement_create, agreement_renew
from tests.conftest import World


@pytest.fixture(autouse=True)
def _mail(settings: Any, tmp_path: Any) -> None:
    settings.QUDAO = {**settings.QUDAO, "SENDS_MAIL": True}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"


def _agreement(world: World, ends_on: date, **data: Any) -> Agreement:
    return agreement_create(
        partner=world.p_de,
        number="DA-2026-01",
        kind="dealer",
        starts_on=ends_on - timedelta(days=365),
        ends_on=ends_on,
        **data,
    )


def _alerts(world: World) -> list[tuple[str, bool]]:
    return sorted(
        (a.kind, a.cleared_at is None)
        for a in RiskAlert.objects.filter(partner=world.p_de, kind__startswith="agreement")
    )


def test_a_reminder_is_raised_and_mailed_once_then_the_lapse_once(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    owner = world.users["manager"]
    owner.email, owner.language = "owner@example.com", "zh-hans"
    owner.save()
    world.p_de.owner = owner
    world.p_de.save()
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        agreement = _agreement(world, today + timedelta(days=50), remind_days=60)
    assert _alerts(world) == [(AlertKind.AGREEMENT_EXPIRING, True)]
    (reminder,) = mail.outbox
    assert reminder.to == ["owner@example.com"] and "DA-2026-01" in reminder.subject
    assert "提醒" in reminder.subject  # in the owner's language
    with django_capture_on_commit_callbacks(execute=True):
        risk_profiles_refresh()
        risk_profiles_refresh(as_of=today + timedelta(days=10))
    assert len(mail.outbox) == 1 and _alerts(world) == [(AlertKind.AGREEMENT_EXPIRING, True)]
    with django_capture_on_commit_callbacks(execute=True):
        risk_profiles_refresh(as_of=agreement.ends_on + timedelta(days=1))
        risk_profiles_refresh(as_of=agreement.ends_on + timedelta(days=2))
    assert _alerts(world) == [
        (AlertKind.AGREEMENT_EXPIRED, True),
        (AlertKind.AGREEMENT_EXPIRING, False),
    ]
    assert len(mail.outbox) == 2


def test_outside_the_reminder_window_nothing_is_raised(world: World) -> None:
    _agreement(world, timezone.localdate() + timedelta(days=61), remind_days=60)
    assert _alerts(world) == [] and not mail.outbox


def test_renewal_makes_the_next_version_and_clears_the_reminder(world: World) -> None:
    today = timezone.localdate()
    first = _agreement(world, today + timedelta(days=20), yearly_target=Decimal("500000"))
    first.territories.set([world.berlin])
    renewed = agreement_renew(
        agreement=first,
        starts_on=first.ends_on + timedelta(days=1),
        ends_on=today + timedelta(days=400),
    )
    assert (renewed.number, renewed.version, renewed.previous) == ("DA-2026-01", 2, first)
    assert renewed.yearly_target == Decimal("500000")
    assert list(renewed.territories.values_list("code", flat=True)) == ["BER"]
    first.refresh_from_db()
    assert first.state_on(today) == "renewed" and renewed.state_on(today) == "upcoming"
    assert _alerts(world) == [(AlertKind.AGREEMENT_EXPIRING, False)]
    with pytest.raises(ValidationError, match="renewed already"):
        agreement_renew(agreement=first, starts_on=today, ends_on=today + timedelta(days=9))


def test_a_named_rebate_program_must_exist(world: World) -> None:
    with pytest.raises(ValidationError, match="NOPE"):
        _agreement(world, date(2030, 1, 1), rebate_programs="NOPE")


def test_who_may_change_agreements(world: World) -> None:
    for role in ("finance", "sales", "partner_admin"):
        with pytest.raises(PermissionDenied):
            _agreement(world, date(2030, 1, 1), actor=world.users[role])
    with pytest.raises(PermissionDenied):  # a manager of Europe, for a partner in the US
        agreement_create(
            partner=world.p_us,
            number="X",
            kind="dealer",
            starts_on=date(2029, 1, 1),
            ends_on=date(2030, 1, 1),
            actor=world.users["manager"],
        )
    first = _agreement(world, date(2030, 1, 1))
    with pytest.raises(PermissionDenied):
        agreement_renew(
            agreement=first,
            starts_on=date(2030, 1, 2),
            ends_on=date(2031, 1, 1),
            actor=world.users["finance"],
        )
    assert Agreement.objects.count() == 1


def test_the_pages_add_renew_and_show_an_agreement(world: World) -> None:
    client = Client()
    client.force_login(world.users["director"])
    answer = client.post(
        reverse("partners:agreement_add"),
        {
            "partner": world.p_de.pk,
            "number": "DA-1",
            "kind": "dealer",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "territories": [world.berlin.pk],
            "payment_terms": "30 days net",
            "remind_days": "60",
            "signed_copies": [SimpleUploadedFile("signed.pdf", b"%PDF-1.4 signed")],
        },
    )
    agreement = Agreement.objects.get()
    assert answer.status_code == 302 and answer["Location"] == agreement.get_absolute_url()
    page = client.get(agreement.get_absolute_url())
    assert "signed.pdf" in page.text and "30 days net" in page.text
    renewed = client.post(
        agreement.get_absolute_url(),
        {"starts_on": "2027-01-01", "ends_on": "2027-12-31", "payment_terms": "45 days net"},
    )
    new = Agreement.objects.get(version=2)
    assert renewed["Location"] == new.get_absolute_url() and new.payment_terms == "45 days net"
    tab = client.get(world.p_de.get_absolute_url() + "?tab=agreements")
    assert "DA-1 v2" in tab.text and "DA-1 v1" in tab.text
    export = client.get(reverse("partners:agreement_list") + "?export=csv")
    assert export.status_code == 200 and "DA-1" in export.content.decode()
    reader = Client()
    reader.force_login(world.users["finance"])
    assert reader.post(agreement.get_absolute_url(), {}).status_code == 403
    partner = Client()
    partner.force_login(world.users["partner_user"])
    assert partner.get(new.get_absolute_url()).status_code == 200  # its own agreement
    assert partner.post(new.get_absolute_url(), {}).status_code == 404

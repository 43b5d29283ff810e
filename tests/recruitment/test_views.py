"""The recruitment pages: the public application (honeypot, a flood from one address,
the confirmation mail in the applicant's language, documents), the applicant's page with
its score, the funnel with its export, the thresholds form and signing."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from qudao.partners.models import ChannelModel, Partner
from qudao.recruitment.models import Applicant, ApplicantScore, EntryModel
from qudao.recruitment.services import entry_model_defaults
from tests.conftest import World
from tests.recruitment.helpers import applicant, walk


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.QUDAO = {**settings.QUDAO, "SENDS_MAIL": True}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _form(world: World, **extra: Any) -> dict[str, Any]:
    return {
        "company": "深圳前海单车有限公司",
        "contact_name": "王芳",
        "contact_email": "wang@example.cn",
        "channel_model": ChannelModel.objects.get(code="reseller").pk,
        "home_region": world.berlin.pk,
        "regions": [world.de.pk],
        "registered_capital": "2000000",
        "team_size": "8",
        "founded_year": "2018",
        "website": "",
        **extra,
    }


def _client(user: Any = None, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_anyone_applies_and_gets_a_confirmation_in_their_language(
    world: World, language: str
) -> None:
    entry_model_defaults(channel_model=ChannelModel.objects.get(code="reseller"))
    client = _client(language=language)
    page = client.get(reverse("apply"))
    assert page.status_code == 200
    assert ("成为合作伙伴" if language == "zh-hans" else "Become a partner") in page.text
    answer = client.post(reverse("apply"), _form(world))
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("apply_thanks"))
    made = Applicant.objects.get()
    assert (made.source, made.stage, made.submitted_from, made.language) == (
        "web_form",
        "applied",
        "127.0.0.1",
        language,
    )
    assert [r.code for r in made.regions.all()] == ["DE"]
    assert ApplicantScore.objects.filter(applicant=made, current=True).exists()
    (sent,) = mail.outbox
    assert sent.to == ["wang@example.cn"]
    assert ("已收到" if language == "zh-hans" else "We have received") in sent.subject
    assert "深圳前海单车有限公司" in sent.body
    thanks = client.get(answer["Location"])
    assert ("确认邮件" if language == "zh-hans" else "confirmation is on its way") in thanks.text


def test_a_filled_trap_is_thanked_and_dropped(world: World) -> None:
    answer = _client().post(reverse("apply"), _form(world, website="http://spam.example"))
    assert answer.status_code == 302
    assert not Applicant.objects.exists() and not mail.outbox


def test_a_flood_from_one_address_is_refused(world: World, settings: Any) -> None:
    settings.QUDAO = {**settings.QUDAO, "APPLICATIONS_PER_HOUR_PER_ADDRESS": 3}
    client = _client()
    for n in range(3):
        assert client.post(reverse("apply"), _form(world, company=f"Co {n}")).status_code == 302
    refused = client.post(reverse("apply"), _form(world, company="Co 4"))
    assert refused.status_code == 429 and "try again later" in refused.text
    assert Applicant.objects.count() == 3
    other = Client(REMOTE_ADDR="10.1.2.3").post(reverse("apply"), _form(world, company="Co 5"))
    assert other.status_code == 302 and Applicant.objects.count() == 4


def test_bad_input_is_named_and_nothing_is_kept(world: World) -> None:
    answer = _client().post(
        reverse("apply"),
        {
            **_form(world, registered_capital="lots", contact_email=""),
            "documents": [SimpleUploadedFile("setup.exe", b"MZ")],
        },
    )
    assert answer.status_code == 200
    assert "Enter a number." in answer.text and "This field is required." in answer.text
    refused = _client().post(
        reverse("apply"),
        {**_form(world), "documents": [SimpleUploadedFile("setup.exe", b"MZ")]},
    )
    assert "only pdf" in refused.text
    assert not Applicant.objects.exists()


def test_documents_are_kept_and_shown_to_the_funnel_staff_only(world: World) -> None:
    answer = _client().post(
        reverse("apply"),
        {**_form(world), "documents": [SimpleUploadedFile("licence.pdf", b"%PDF-1.4 licence")]},
    )
    assert answer.status_code == 302
    made = Applicant.objects.get()
    document = made.documents.get()
    url = reverse("recruitment:applicant_document", args=[made.pk, document.pk])
    download = _client(world.users["director"]).get(url)
    assert b"".join(download.streaming_content) == b"%PDF-1.4 licence"  # type: ignore[attr-defined]
    assert _client(world.users["partner_user"]).get(url).status_code == 404


def test_the_applicant_page_explains_the_score(world: World) -> None:
    entry_model_defaults(channel_model=ChannelModel.objects.get(code="reseller"))
    made = applicant(world.berlin)
    page = _client(world.users["director"]).get(made.get_absolute_url())
    assert page.status_code == 200
    score = made.scores.get(current=True)
    assert f'<span class="score-total">{score.score}</span>' in page.text
    assert "Registered capital" in page.text and "14.00" in page.text


def test_a_sponsoring_partner_sees_its_applicant_but_not_the_score(world: World) -> None:
    entry_model_defaults(channel_model=ChannelModel.objects.get(code="reseller"))
    made = applicant(world.berlin, sponsor=world.p_de)
    other = applicant(world.us, company="Someone else's")
    client = _client(world.users["partner_user"])
    page = client.get(made.get_absolute_url())
    assert page.status_code == 200 and 'id="score"' not in page.text
    assert 'id="history"' not in page.text  # the brand's assessments are in it
    assert client.get(other.get_absolute_url()).status_code == 404
    listing = client.get(reverse("recruitment:applicant_list"))
    assert "Acme Trading" in listing.text and "Someone else" not in listing.text


def test_a_partner_admin_proposes_an_applicant_through_its_pages(world: World) -> None:
    client = _client(world.users["partner_admin"])
    assert client.get(reverse("recruitment:applicant_add")).status_code == 200
    data = _form(world)
    del data["website"]
    answer = client.post(reverse("recruitment:applicant_add"), data)
    assert answer.status_code == 302
    made = Applicant.objects.get()
    assert made.sponsor == world.p_de and made.source == "partner"
    assert (
        _client(world.users["partner_user"]).get(reverse("recruitment:applicant_add")).status_code
        == 404
    )


def test_the_funnel_page_and_its_excel(world: World) -> None:
    walk(applicant(world.berlin, company="A"), ("screening", 1), ("rejected", 3))
    applicant(world.us, company="B")
    client = _client(world.users["director"], "zh-hans")
    page = client.get(reverse("recruitment:funnel"))
    assert page.status_code == 200 and "<svg" in page.text and "招募漏斗" in page.text
    export = client.get(reverse("recruitment:funnel") + "?export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("表", "行号", "已申请")
    assert rows[1][:3] == ("漏斗", "已申请", 2)
    assert (
        _client(world.users["partner_admin"]).get(reverse("recruitment:funnel")).status_code == 404
    )


def test_the_thresholds_form_saves_a_version_and_names_a_bad_band(world: World) -> None:
    reseller = ChannelModel.objects.get(code="reseller")
    made = applicant(world.berlin)
    url = reverse("recruitment:entry_model_edit", args=[reseller.pk])
    client = _client(world.users["director"])
    form = client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(knock_out_competing_exclusive="on", knock_out_failed_credit="on", pass_score="50")
    bad = client.post(url, {**data, "team_size_bands": "5: 50\nten: 100"})
    assert bad.status_code == 200 and "Line 2, “ten: 100”" in bad.text
    assert not EntryModel.objects.exists()
    saved = client.post(url, data)
    assert saved.status_code == 302
    model = EntryModel.objects.get()
    assert model.version == 1 and model.pass_score == Decimal(50)
    assert made.scores.get(current=True).entry_model == model
    assert _client(world.users["finance"]).post(url, data).status_code == 403


def test_signing_through_the_page(world: World) -> None:
    made = walk(applicant(world.berlin), ("screening", 1), ("due_diligence", 2))
    client = _client(world.users["director"])
    url = reverse("recruitment:applicant_sign", args=[made.pk])
    assert client.get(url).status_code == 200
    answer = client.post(url, {"code": "ACME", "name_en": "Acme", "name_zh": "阿克米"})
    partner = Partner.objects.get(code="ACME")
    assert answer.status_code == 302 and answer["Location"] == partner.get_absolute_url()
    assert _client(world.users["sales"]).post(url, {"code": "X", "name_en": "X"}).status_code == 403

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from qudao.partners.models import Contact, Partner
from tests.conftest import World


def _form_data(partner: Partner, **changes: object) -> dict[str, object]:
    data = {
        "code": partner.code,
        "name_en": partner.name_en,
        "name_zh": partner.name_zh,
        "channel_model": partner.channel_model_id,
        "parent": partner.parent_id or "",
        "grade": partner.grade_id or "",
        "home_region": partner.home_region_id,
        "owner": partner.owner_id or "",
        "credit_limit": partner.credit_limit,
        "joined_on": "",
        "notes": "",
    }
    data.update(changes)
    return data


def test_edit_form_saves_through_the_service_and_records_history(world: World) -> None:
    client = Client()
    client.force_login(world.users["manager"])
    url = reverse("partners:partner_edit", args=[world.p_de.pk])
    response = client.post(url, _form_data(world.p_de, name_zh="柏林自行车", credit_limit="900"))
    assert response.status_code == 302
    world.p_de.refresh_from_db()
    assert world.p_de.name_zh == "柏林自行车"
    latest = world.p_de.history.first()
    assert latest.history_user == world.users["manager"]
    changed = {c.field for c in latest.diff_against(world.p_de.history.all()[1]).changes}
    assert changed == {"name_zh", "credit_limit"}


def test_edit_form_shows_errors_next_to_fields(world: World) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(world.users["director"])
    url = reverse("partners:partner_edit", args=[world.p_de.pk])
    response = client.post(url, _form_data(world.p_de, parent=world.p_de_sub.pk, code=""))
    page = response.content.decode()
    assert response.status_code == 200
    assert "这个字段是必填项" in page  # Django's own zh-hans "required" message
    world.p_de.refresh_from_db()
    assert world.p_de.parent is None


def test_manager_cannot_choose_a_parent_outside_scope(world: World) -> None:
    client = Client()
    client.force_login(world.users["manager"])
    response = client.post(
        reverse("partners:partner_add"), _form_data(world.p_de, code="NEW", parent=world.p_us.pk)
    )
    assert response.status_code == 200 and not Partner.objects.filter(code="NEW").exists()
    response = client.post(
        reverse("partners:partner_add"), _form_data(world.p_de, code="NEW", parent=world.p_de.pk)
    )
    assert response.status_code == 302
    assert Partner.objects.get(code="NEW").depth == 2


def test_status_change_refuses_disallowed_transition(world: World) -> None:
    client = Client()
    client.force_login(world.users["director"])
    url = reverse("partners:partner_status", args=[world.p_de.pk])
    client.post(url, {"status": "prospect"})
    world.p_de.refresh_from_db()
    assert world.p_de.status == "active"


def test_a_partner_admin_keeps_its_own_contacts_only(world: World) -> None:
    """A partner's admin adds and edits its own company's contacts (and its
    sub-partners'); another partner's answer 404, and its plain users change nothing."""
    client = Client()
    client.force_login(world.users["partner_admin"])
    response = client.post(
        reverse("partners:contact_add", args=[world.p_de_sub.pk]), {"name": "Li Na"}
    )
    assert response.status_code == 302
    assert Contact.objects.get(name="Li Na").partner == world.p_de_sub
    assert (
        client.post(
            reverse("partners:contact_add", args=[world.p_us.pk]), {"name": "X"}
        ).status_code
        == 404
    )
    client.force_login(world.users["partner_user"])
    assert client.get(reverse("partners:contact_add", args=[world.p_de.pk])).status_code == 404
    assert not Contact.objects.filter(name="X").exists()

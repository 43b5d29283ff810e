"""Headers every page sends: a Content-Security-Policy with no inline script, and no
caching of what a signed-in user sees."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tests.conftest import World


def test_pages_carry_a_strict_policy_and_are_not_cached_once_signed_in(world: World) -> None:
    anonymous = Client().get(reverse("login"))
    policy = anonymous["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "'unsafe-eval'" not in policy
    assert "frame-ancestors 'none'" in policy
    client = Client()
    client.force_login(world.users["partner_admin"])
    for url in (reverse("home"), reverse("partners:partner_list"), "/api/partners"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "no-store", url
        assert "script-src 'self'" in response["Content-Security-Policy"], url


def test_no_page_template_holds_inline_script() -> None:
    """The policy forbids inline script: a template with one would break in the browser."""
    from pathlib import Path

    import qudao

    root = Path(qudao.__file__).parent
    offenders = []
    for template in root.rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        for marker in ("<script>", " onclick=", " onchange=", " onsubmit=", "javascript:"):
            if marker in text:
                offenders.append(f"{template.relative_to(root)}: {marker.strip()}")
    assert offenders == []

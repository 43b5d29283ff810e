"""简体中文 must be complete: a fresh ``makemessages`` may leave no entry untranslated or fuzzy."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

import qudao

SOURCE = Path(qudao.__file__).parent


def _untranslated(po_text: str) -> list[str]:
    problems = []
    for block in po_text.split("\n\n")[1:]:
        msgid = re.search(r'^msgid "(.*)"', block, re.M)
        label = msgid[1] if msgid and msgid[1] else block.splitlines()[-2:]
        if "#, fuzzy" in block:
            problems.append(f"fuzzy: {label}")
        elif re.search(r'^msgstr(\[0\])? ""\s*$', block, re.M) and not re.search(
            r'^msgstr(\[0\])? ""\n"', block, re.M
        ):
            problems.append(f"untranslated: {label}")
    return problems


@pytest.mark.skipif(
    shutil.which("xgettext") is None,
    reason="GNU gettext is installed by `make test` (scripts/setup-system.sh)",
)
def test_makemessages_leaves_nothing_untranslated(tmp_path: Path, monkeypatch) -> None:
    # Given a copy of the source tree with its Chinese catalogue
    copy = tmp_path / "qudao"
    shutil.copytree(SOURCE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    monkeypatch.chdir(copy)
    # when makemessages collects every string in it
    with override_settings(LOCALE_PATHS=[copy / "locale"]):
        call_command(
            "makemessages", locale=["zh_Hans"], no_obsolete=True, no_location=True, verbosity=0
        )
    # then every entry has a translation
    po = (copy / "locale/zh_Hans/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    assert _untranslated(po) == []


def test_compiled_catalogue_is_current() -> None:
    po = SOURCE / "locale/zh_Hans/LC_MESSAGES/django.po"
    mo = po.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime - 1, "run `make messages`"


@pytest.mark.django_db
def test_browser_language_and_saved_choice(django_user_model) -> None:
    # Given a user whose browser asks for Chinese
    user = django_user_model.objects.create_user("li", password="pw")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    client.force_login(user)
    # then the console speaks Chinese
    assert "渠道伙伴" in client.get("/partners/").content.decode()
    # when the user switches to English, the choice sticks on the account
    client.post("/i18n/setlang/", {"language": "en", "next": "/partners/"})
    user.refresh_from_db()
    assert user.language == "en"
    other_device = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    other_device.force_login(user)
    assert ">Partners<" in other_device.get("/partners/").content.decode()

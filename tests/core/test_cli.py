"""The ``qudao`` commands as a person runs them: exit codes, summaries, files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from qudao.partners.models import Partner
from tests.conftest import World

DEMO_DIR = Path(__file__).resolve().parents[2] / "src/qudao/demo"


def test_import_reports_and_exits_non_zero_on_bad_rows(world: World, tmp_path: Path) -> None:
    source = tmp_path / "partners.csv"
    source.write_text(
        "code,name_en,channel_model,home_region\nOK-1,Fine,agent,DE\nBAD-1,Broken,agent,ATLANTIS\n",
        encoding="utf-8",
    )
    out = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import", "partners", str(source), stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert "1 rejected" in text and "error report:" in text
    assert not Partner.objects.filter(code="OK-1").exists()


def test_import_dry_run_then_real(world: World, tmp_path: Path) -> None:
    source = tmp_path / "partners.csv"
    source.write_text(
        "code,name_en,channel_model,home_region\nOK-1,Fine,agent,DE\n", encoding="utf-8"
    )
    out = StringIO()
    call_command("import", "partners", str(source), "--dry-run", stdout=out, stderr=StringIO())
    assert "dry run" in out.getvalue() and not Partner.objects.filter(code="OK-1").exists()
    call_command("import", "partners", str(source), stdout=StringIO(), stderr=StringIO())
    assert Partner.objects.get(code="OK-1").home_region == world.de


def test_bad_mapping_and_unknown_target_exit_with_message(world: World, tmp_path: Path) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text('target = "partners"\n[columns]\ncolour = "x"\n', encoding="utf-8")
    with pytest.raises(CommandError, match="colour"):
        call_command("import", "partners", str(tmp_path / "x.csv"), mapping=str(mapping))
    with pytest.raises(CommandError, match="Unknown target"):
        call_command("import", "customers", str(tmp_path / "x.csv"))


def test_export_formats_and_scope(world: World, tmp_path: Path, capsysbinary) -> None:
    out = tmp_path / "partners.xlsx"
    call_command("export", "partners", format="xlsx", output=out, stderr=StringIO())
    sheet = openpyxl.load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("code", "name_en", "name_zh") and len(rows) == 4
    call_command("export", "partners", format="json", user="manager")
    records = json.loads(capsysbinary.readouterr().out)
    assert {r["code"] for r in records} == {"P-DE", "P-DE-SUB"}


def test_qudao_help_lists_our_commands() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "qudao.settings"}
    result = subprocess.run(
        [sys.executable, "-m", "qudao.cli", "help"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    for name in ("demo", "serve", "import", "export", "token"):
        assert name in result.stdout


def test_token_command_prints_a_working_key(world: World, client) -> None:
    out = StringIO()
    call_command("token", "finance", stdout=out)
    key = out.getvalue().strip()
    response = client.get("/api/partners", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200 and response.json()["count"] == 3
    # a read-only one that expires: it reads, refuses writes, and says when it ends
    out = StringIO()
    call_command("token", "director", "--read-only", "--days", "7", stdout=out)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {out.getvalue().strip()}"}
    assert client.get("/api/partners", **bearer).status_code == 200
    refused = client.post("/api/partners", {}, content_type="application/json", **bearer)
    assert refused.status_code == 403
    with pytest.raises(CommandError, match="3650"):
        call_command("token", "director", "--days", "0", stdout=StringIO())


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "qudao.settings",
        "QUDAO_HOME": str(tmp_path),
        "SECRET_KEY": "x" * 64 + "-production-secret-key-0123456789",
        "QUDAO_HTTPS": "1",
        "ALLOWED_HOSTS": "qudao.example.com",
        "DEBUG": "0",
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only
    result = subprocess.run(
        [sys.executable, "-m", "qudao.cli", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_demo_builds_the_real_channel_idempotently() -> None:
    from qudao.catalog.models import Product
    from qudao.core.models import User
    from qudao.demo.build import build_demo
    from qudao.territories.models import Region

    # through the command `make demo` runs (it once crashed after building, on printing)
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out, stderr=StringIO())
    printed = out.getvalue()
    assert "partners: 701 rows read, 701 accepted (701 new" in printed
    assert "sell_in: batch" in printed and "demo targets:" in printed
    assert "reviews: " in printed and "quarters (" in printed and "manager.eu" in printed
    assert "deal registrations: 56 generated" in printed
    assert Partner.objects.count() == 701 and Product.objects.count() == 397
    # group → country → territory → city
    assert Region.objects.filter(kind="group").count() == 3
    assert Region.objects.get(code="G637").depth == 4
    assert Partner.objects.filter(channel_model__code="distributor").count() == 232
    manager = User.objects.get(username="manager.eu")
    europe = Partner.objects.restrict(manager)
    assert europe.count() > 0
    assert set(europe.values_list("home_region__path", flat=True)) <= {
        p
        for p in Partner.objects.values_list("home_region__path", flat=True)
        if p.startswith(Region.objects.get(code="EU").path)
    }
    partner_user = User.objects.get(username="partner")
    assert list(Partner.objects.restrict(partner_user).values_list("code", flat=True)) == [
        "AW00000001"
    ]
    again = build_demo(progress=lambda step: None)
    assert again["partners"].unchanged == 701 and again["regions"].unchanged == 674
    assert again["reviews"] == sorted(again["reviews"]) and len(again["reviews"]) >= 8


def test_sqlite_runs_in_wal_mode_under_qudao_home(tmp_path: Path) -> None:
    # The web server, the worker and the CLI share one SQLite file: WAL lets them read
    # while one of them writes.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "qudao.settings", "QUDAO_HOME": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    script = (
        "import django; django.setup();"
        "from django.db import connection;"
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.strip() == "wal"
    assert (tmp_path / "qudao.sqlite3").exists()


def test_serve_refuses_the_development_secret_key(tmp_path: Path) -> None:
    env = {**os.environ, "QUDAO_HOME": str(tmp_path), "DEBUG": "0"}
    for variable in ("SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(variable, None)
    result = subprocess.run(
        [sys.executable, "-m", "qudao.cli", "serve", "--bind", "127.0.0.1:1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr and "qudao demo" in result.stderr
    assert not (tmp_path / "qudao.sqlite3").exists() or "Qudao at" not in result.stdout


def test_a_command_started_inside_the_package_keeps_its_home_outside_it() -> None:
    """`make messages` runs in src/qudao: the default home must not land in the source tree."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import qudao

    package = Path(qudao.__file__).resolve().parent
    env = {k: v for k, v in os.environ.items() if k != "QUDAO_HOME"}
    env["DJANGO_SETTINGS_MODULE"] = "qudao.settings"
    shown = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.QUDAO_HOME)"],
        cwd=package,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert not Path(shown).is_relative_to(package), shown
    assert not (package / "var").exists()


def test_the_progress_bar_redraws_on_a_terminal_only() -> None:
    """Into a log file the bar is a line per tenth, never carriage returns."""
    from qudao.core.management.progress import draw_progress, end_progress

    class Terminal(StringIO):
        def isatty(self) -> bool:
            return True

    log, terminal = StringIO(), Terminal()
    for step in range(101):
        draw_progress(log, step / 100, f"{step * 1000:,} rows")
        draw_progress(terminal, step / 100, f"{step * 1000:,} rows")
    end_progress(log)
    end_progress(terminal)
    lines = log.getvalue().splitlines()
    assert "\r" not in log.getvalue() and len(lines) == 11
    assert lines[0].strip().startswith("0%") and lines[-1].startswith("100%  100,000 rows")
    assert terminal.getvalue().count("\r") == 101


def test_a_missing_postgresql_database_is_explained_not_a_traceback() -> None:
    import os

    env = {
        **os.environ,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/qudao_no_such_database",
        "DJANGO_SETTINGS_MODULE": "qudao.settings",
    }
    done = subprocess.run(
        [sys.executable, "-m", "qudao.cli", "migrate"], capture_output=True, text=True, env=env
    )  # fmt: skip
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "qudao_no_such_database" in done.stderr
    assert "createdb" in done.stderr or "check DATABASE_URL" in done.stderr


def test_the_systemd_units_run_real_commands_and_restart_on_failure() -> None:
    """deploy/'s promise: two units, each a qudao command with options that exist."""
    import configparser
    import shlex
    from pathlib import Path

    from django.core.management import load_command_class

    deploy = Path(__file__).resolve().parents[2] / "deploy"
    commands = {}
    for name in ("qudao-web.service", "qudao-worker.service"):
        unit = configparser.ConfigParser(strict=False, interpolation=None)
        unit.optionxform = str  # type: ignore[assignment,method-assign]
        unit.read(deploy / name)
        assert unit["Service"]["Restart"] == "on-failure", name
        argv = shlex.split(unit["Service"]["ExecStart"])
        assert argv[0].endswith("/qudao"), name
        commands[argv[1]] = argv[2:]
    assert set(commands) == {"serve", "worker"}
    assert "--no-worker" in commands["serve"]  # the worker has its own unit
    for command, options in commands.items():
        parser = load_command_class("qudao.core", command).create_parser("qudao", command)
        parser.parse_args(options)  # every option the unit passes exists
    # the nightly unit: each of its commands runs as written (a oneshot, on a timer)
    daily = (deploy / "qudao-daily.service").read_text(encoding="utf-8").splitlines()
    steps = [
        shlex.split(line.removeprefix("ExecStart="))
        for line in daily
        if line.startswith("ExecStart=")
    ]
    assert [argv[1] for argv in steps] == ["governance", "deals"]
    for argv in steps:
        app = {"governance": "qudao.governance", "deals": "qudao.deals"}[argv[1]]
        load_command_class(app, argv[1]).create_parser("qudao", argv[1]).parse_args(argv[2:])
    timer = (deploy / "qudao-daily.timer").read_text(encoding="utf-8")
    assert "OnCalendar=" in timer and "Persistent=true" in timer

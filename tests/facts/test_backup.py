"""``qudao backup`` while an import runs (held mid-way by SIGSTOP, so the timing is sure),
``qudao restore`` into a fresh home: the same master data, exactly the batches committed
at the backup's moment, no half batch — driven through the command line, as an operator
would (separate processes, real files).

On SQLite always; on PostgreSQL too when ``DATABASE_URL`` is set (a second, fresh database
is created for the restore and dropped after)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import polars as pl
import pytest

ROWS_SCRIPT = """
import django, json; django.setup()
from qudao.facts.models import Batch
from qudao.facts.store import fact_table
batches = {b.pk: [b.fact, b.status] for b in Batch.objects.order_by("pk")}
rows = fact_table("sell_through").to_pyarrow().num_rows
print(json.dumps({"batches": batches, "sell_through_rows": rows}))
"""


def _env(home: Path, database_url: str | None) -> dict[str, str]:
    env = {**os.environ, "QUDAO_HOME": str(home), "DJANGO_SETTINGS_MODULE": "qudao.settings"}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _qudao(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "qudao.cli", *args], env=env, capture_output=True, text=True
    )  # fmt: skip
    assert done.returncode == 0, f"qudao {' '.join(args)}:\n{done.stderr[-3000:]}"
    return done.stdout


def _state(env: dict[str, str]) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", ROWS_SCRIPT], env=env, capture_output=True, text=True, check=True
    )  # fmt: skip
    state: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return state


# PostgreSQL when the run has one (the CI's second pass sets DATABASE_URL).
ENGINES = ["sqlite", *(["postgresql"] if os.environ.get("DATABASE_URL") else [])]


@pytest.fixture
def fresh_postgres() -> Iterator[tuple[str, str] | None]:
    """Two new PostgreSQL databases (source, restore target), dropped afterwards."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        yield None
        return
    import psycopg

    parsed = urlparse(url)
    names = [f"qudao_backup_{uuid.uuid4().hex[:8]}", f"qudao_restore_{uuid.uuid4().hex[:8]}"]
    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as pg:
        for name in names:
            pg.execute(f'CREATE DATABASE "{name}"')
    try:
        yield (
            urlunparse(parsed._replace(path=f"/{names[0]}")),
            urlunparse(parsed._replace(path=f"/{names[1]}")),
        )
    finally:
        with psycopg.connect(admin, autocommit=True) as pg:
            for name in names:
                pg.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _big_flow(source: Path, target: Path, copies: int) -> None:
    """A large sell-through file of the generated channel's own partners and products."""
    flow = pl.read_csv(source, infer_schema=False)
    pl.concat(flow.with_columns(pl.col("document_id") + f"-{n}") for n in range(copies)).write_csv(
        target
    )


def _pending_batches(home: Path, database_url: str | None) -> list[int]:
    query = "SELECT id FROM facts_batch WHERE status = 'pending'"
    if database_url:
        import psycopg

        with psycopg.connect(database_url) as pg:
            return [row[0] for row in pg.execute(query).fetchall()]
    with sqlite3.connect(f"file:{home / 'qudao.sqlite3'}?mode=ro", uri=True) as db:
        return [row[0] for row in db.execute(query).fetchall()]


def _wait_for_running_import(
    home: Path, database_url: str | None, importing: subprocess.Popen[str]
) -> None:
    """Until the import has begun its batch (PENDING until its last step commits it)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if _pending_batches(home, database_url):
            return
        assert importing.poll() is None, "the import finished before the backup could start"
        time.sleep(0.05)
    raise AssertionError("the import never began a batch")


@pytest.mark.parametrize("engine", ENGINES)
def test_backup_during_an_import_restores_the_same_committed_state(
    tmp_path: Path, engine: str, fresh_postgres: tuple[str, str] | None
) -> None:
    urls = fresh_postgres if engine == "postgresql" and fresh_postgres else (None, None)
    source_url, target_url = urls
    home, restored, backup, data = (tmp_path / n for n in ("home", "restored", "backup", "data"))
    env = _env(home, source_url)
    _qudao(env, "migrate", "-v0")
    _qudao(env, "generate", "--partners", "20", "--lines", "2000", "--out", str(data), "--load")
    before = _state(env)
    big = tmp_path / "big-flow.csv"
    _big_flow(data / "sell_through.csv", big, copies=400)  # 800,000 lines

    importing = subprocess.Popen(
        [sys.executable, "-m", "qudao.cli", "import", "sell_through", str(big)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        _wait_for_running_import(home, source_url, importing)
        # Held mid-way while the backup takes its moment: however fast this machine, the
        # import is running then (a stopped process keeps its locks and its half batch).
        importing.send_signal(signal.SIGSTOP)
        try:
            summary = _qudao(env, "backup", str(backup))
        finally:
            importing.send_signal(signal.SIGCONT)
    finally:
        out, err = importing.communicate(timeout=600)
    assert importing.returncode == 0, err[-2000:]
    after = _state(env)
    assert len(after["batches"]) == len(before["batches"]) + 1  # type: ignore[arg-type]
    manifest = json.loads((backup / "manifest.json").read_text())
    assert f"{len(manifest['batches'])} committed batches" in summary
    # the in-flight batch is not in the backup: no file of it, in the manifest or on disk
    in_flight = max(int(k) for k in after["batches"])  # type: ignore[attr-defined]
    assert ["sell_through", in_flight] not in manifest["batches"]
    assert not list(backup.rglob(f"batch={in_flight}"))

    restored_env = _env(restored, target_url)
    if engine == "postgresql":
        _qudao(restored_env, "migrate", "-v0")  # an empty, migrated database is "fresh"
    _qudao(restored_env, "restore", str(backup))
    again = _state(restored_env)
    assert again["sell_through_rows"] == before["sell_through_rows"]
    committed = {k: v for k, v in again["batches"].items() if v[1] == "committed"}  # type: ignore[attr-defined]
    assert committed == {
        k: v
        for k, v in before["batches"].items()  # type: ignore[attr-defined]
        if v[1] == "committed"
    }
    assert str(in_flight) not in committed
    for dataset in ("partners", "regions", "products", "targets"):
        assert _qudao(restored_env, "export", dataset) == _qudao(env, "export", dataset), dataset
    # a second restore over it is refused: it would mix two homes
    refused = subprocess.run(
        [sys.executable, "-m", "qudao.cli", "restore", str(backup)],
        env=restored_env, capture_output=True, text=True,
    )  # fmt: skip
    assert refused.returncode != 0 and "restore into a new home" in refused.stderr


def test_a_damaged_backup_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    home, restored, backup, data = (tmp_path / n for n in ("home", "restored", "backup", "data"))
    env = _env(home, None)
    _qudao(env, "migrate", "-v0")
    _qudao(env, "generate", "--partners", "5", "--lines", "50", "--out", str(data), "--load")
    _qudao(env, "backup", str(backup))
    part = next(backup.rglob("part-*.parquet"))
    part.write_bytes(part.read_bytes()[:-10])  # a truncated copy
    done = subprocess.run(
        [sys.executable, "-m", "qudao.cli", "restore", str(backup)],
        env=_env(restored, None), capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode != 0 and "damaged" in done.stderr
    database = restored / "qudao.sqlite3"
    if database.exists():  # settings may create the file; it holds no table of ours
        tables = sqlite3.connect(database).execute("SELECT name FROM sqlite_master").fetchall()
        assert ("facts_batch",) not in tables
    assert not (restored / "facts").exists()

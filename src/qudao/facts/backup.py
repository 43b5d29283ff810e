"""``qudao backup DIR`` and ``qudao restore DIR``: the app database and the fact store
together, consistent while the app runs.

A backup is one moment of the database — SQLite's online backup, or ``pg_dump`` of an
exported snapshot — and the files of exactly the batches committed at that moment. Batch
files never change once committed (``facts.store``), so copying them after the snapshot
gives the same store the snapshot names; a batch being imported meanwhile is PENDING in
the snapshot and none of its files are taken. Uploaded attachments (``media``) and error
reports come along. ``manifest.json`` lists every file with its size and SHA-256, and a
restore checks them all before it writes anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from qudao.facts.models import Batch
from qudao.facts.store import batch_dir, store_root

FORMAT = 1
SQLITE_FILE = "qudao.sqlite3"
PG_FILE = "qudao.pgdump"
# Folders of the home copied as they are (files people attached; import error reports).
PLAIN_FOLDERS = ("media", "reports")

Progress = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore that cannot be made, and why (translated)."""


@dataclass
class BackupSummary:
    folder: Path
    database: str
    batches: int
    files: int
    bytes: int

    def text(self) -> str:
        return _(
            "%(folder)s: the %(database)s database, %(batches)d committed batches, "
            "%(files)d files (%(mb).1f MB)."
        ) % {
            "folder": self.folder,
            "database": self.database,
            "batches": self.batches,
            "files": self.files,
            "mb": self.bytes / 1e6,
        }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _empty_folder(folder: Path) -> None:
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(
            _("%(folder)s is not empty: back up into a new folder.") % {"folder": folder}
        )
    folder.mkdir(parents=True, exist_ok=True)


# -- backup --------------------------------------------------------------------------------


def backup_create(folder: Path, *, progress: Progress | None = None) -> BackupSummary:
    """Write a consistent backup of this home into ``folder`` (new or empty)."""
    say = progress or (lambda _message: None)
    _empty_folder(folder)
    vendor = connection.vendor
    say(_("Copying the database…"))
    if vendor == "sqlite":
        batches = _sqlite_snapshot(folder / SQLITE_FILE)
    elif vendor == "postgresql":
        batches = _postgres_snapshot(folder / PG_FILE)
    else:
        raise BackupError(
            _("Backups support SQLite and PostgreSQL, not %(vendor)s.") % {"vendor": vendor}
        )
    files: list[dict[str, Any]] = []
    say(_("Copying the fact files of %(n)d committed batches…") % {"n": len(batches)})
    for fact, batch_id in batches:
        source = batch_dir(fact, batch_id)
        if not source.is_dir():
            raise BackupError(
                _("The files of batch %(id)d (%(fact)s) are missing from the fact store.")
                % {"id": batch_id, "fact": fact}
            )
        files += _copy_tree(
            source, folder / "facts" / fact / source.name, Path("facts") / fact / source.name
        )
    home = Path(settings.QUDAO_HOME)
    for name in PLAIN_FOLDERS:
        if (home / name).is_dir():
            say(_("Copying %(folder)s…") % {"folder": name})
            files += _copy_tree(home / name, folder / name, Path(name))
    database_file = folder / (SQLITE_FILE if vendor == "sqlite" else PG_FILE)
    files.append(_entry(database_file, Path(database_file.name)))
    manifest = {
        "format": FORMAT,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": vendor,
        "home": str(home),
        "batches": [[fact, batch_id] for fact, batch_id in batches],
        "files": files,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return BackupSummary(folder, vendor, len(batches), len(files), sum(f["size"] for f in files))


def _entry(path: Path, relative: Path) -> dict[str, Any]:
    return {"path": relative.as_posix(), "size": path.stat().st_size, "sha256": _sha256(path)}


def _copy_tree(source: Path, target: Path, relative: Path) -> list[dict[str, Any]]:
    copied = []
    for path in sorted(source.rglob("*")):
        if not path.is_file():
            continue
        inner = path.relative_to(source)
        (target / inner).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target / inner)
        copied.append(_entry(target / inner, relative / inner))
    return copied


_COMMITTED = "SELECT fact, id FROM facts_batch WHERE status = 'committed' ORDER BY id"


def _sqlite_snapshot(target: Path) -> list[tuple[str, int]]:
    """SQLite's online backup: a page-by-page copy that restarts if a writer changes the
    database meanwhile, so the copy is one moment of it; the batches committed in it."""
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        return [(fact, int(pk)) for fact, pk in copy.execute(_COMMITTED)]
    finally:
        copy.close()


def _pg_environment() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = {**os.environ}
    for key, name in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
    ):
        if db.get(name):
            env[key] = str(db[name])
    env["PGDATABASE"] = str(db["NAME"])
    return env


def _postgres_snapshot(target: Path) -> list[tuple[str, int]]:
    """``pg_dump`` of a snapshot this connection exports, holding it open meanwhile: the
    dump and the list of committed batches see the same moment."""
    if shutil.which("pg_dump") is None:
        raise BackupError(_("pg_dump is not installed (Debian: postgresql-client)."))
    with _snapshot() as (snapshot, batches):
        done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            ["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={target}"],  # noqa: S607
            env=_pg_environment(),
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode:
        raise BackupError(_("pg_dump failed: %(error)s") % {"error": done.stderr.strip()[-500:]})
    return batches


@contextmanager
def _snapshot() -> Iterator[tuple[str, list[tuple[str, int]]]]:
    import psycopg  # deferred: only PostgreSQL homes back up this way

    db = settings.DATABASES["default"]
    with psycopg.connect(
        dbname=str(db["NAME"]),
        user=str(db.get("USER") or "") or None,
        password=str(db.get("PASSWORD") or "") or None,
        host=str(db.get("HOST") or "") or None,
        port=str(db.get("PORT") or "") or None,
        autocommit=True,  # the snapshot's transaction is begun here, explicitly
    ) as pg:
        pg.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        row = pg.execute("SELECT pg_export_snapshot()").fetchone()
        assert row is not None  # noqa: S101 - the function always answers
        batches = [(fact, int(pk)) for fact, pk in pg.execute(_COMMITTED).fetchall()]
        yield str(row[0]), batches
        pg.execute("COMMIT")


# -- restore -------------------------------------------------------------------------------


def backup_restore(folder: Path, *, progress: Progress | None = None) -> BackupSummary:
    """Restore the backup in ``folder`` into this home, which must hold no data yet; every
    file is checked against the manifest before anything is written."""
    say = progress or (lambda _message: None)
    manifest = _manifest(folder)
    say(_("Checking %(n)d files…") % {"n": len(manifest["files"])})
    for entry in manifest["files"]:
        path = folder / entry["path"]
        if (
            not path.is_file()
            or path.stat().st_size != entry["size"]
            or _sha256(path) != entry["sha256"]
        ):
            raise BackupError(
                _("%(path)s is missing or differs from the manifest: the backup is damaged.")
                % {"path": entry["path"]}
            )
    vendor = connection.vendor
    if manifest["database"] != vendor:
        raise BackupError(
            _("This backup holds a %(theirs)s database; this home uses %(ours)s.")
            % {"theirs": manifest["database"], "ours": vendor}
        )
    _ensure_fresh_home()
    home = Path(settings.QUDAO_HOME)
    say(_("Restoring the database…"))
    if vendor == "sqlite":
        _sqlite_restore(folder / SQLITE_FILE)
    else:
        _postgres_restore(folder / PG_FILE)
    say(_("Restoring the fact store and files…"))
    database_files = {SQLITE_FILE, PG_FILE}
    for entry in manifest["files"]:
        if entry["path"] in database_files:
            continue
        target = home / entry["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(folder / entry["path"], target)
    _rehome_reports(old=str(manifest["home"]), new=str(home))
    call_command("migrate", verbosity=0)  # a backup of an older Qudao is brought up to date
    files = manifest["files"]
    return BackupSummary(
        home, vendor, len(manifest["batches"]), len(files), sum(f["size"] for f in files)
    )


def _manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads(
            (folder / "manifest.json").read_text(encoding="utf-8")
        )
    except (OSError, ValueError) as exc:
        raise BackupError(
            _("%(folder)s holds no Qudao backup (no readable manifest.json).") % {"folder": folder}
        ) from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(_("This backup's format is not one this Qudao reads."))
    return manifest


def _ensure_fresh_home() -> None:
    """Restoring over data would mix two homes: refused while the fact store or the
    database holds anything (a migrated, empty database is fine)."""
    facts = store_root()
    if facts.exists() and any(p for p in facts.rglob("*.parquet")):
        raise BackupError(_("This home's fact store is not empty: restore into a new home."))
    tables = connection.introspection.table_names()
    if "facts_batch" in tables:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM partners_partner")
            partners = cursor.fetchone()[0]
            cursor.execute("SELECT COUNT(*) FROM facts_batch")
            batches = cursor.fetchone()[0]
        if partners or batches:
            raise BackupError(_("This home's database holds data: restore into a new home."))


def _sqlite_restore(source: Path) -> None:
    connection.ensure_connection()
    original = sqlite3.connect(source)
    try:
        original.backup(connection.connection)  # page by page into the live file
    finally:
        original.close()
    connection.close()


def _postgres_restore(source: Path) -> None:
    if shutil.which("pg_restore") is None:
        raise BackupError(_("pg_restore is not installed (Debian: postgresql-client)."))
    connection.close()
    done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",  # noqa: S607
         f"--dbname={settings.DATABASES['default']['NAME']}", str(source)],
        env=_pg_environment(),
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    if done.returncode:
        raise BackupError(_("pg_restore failed: %(error)s") % {"error": done.stderr.strip()[-500:]})


def _rehome_reports(*, old: str, new: str) -> None:
    """Error reports are kept by path: the backed-up home's paths become this home's."""
    if old == new:
        return
    Batch.objects.filter(error_report__startswith=old).update(
        error_report=Concat(Value(new), Substr("error_report", len(old) + 1))
    )

"""The review's roll-ups, kept as Parquet so that a review reads aggregates, not lines.

Each roll-up of ``metrics.ROLLUPS`` (partner × month sell-in, partner × customer × month
sell-through, …) depends on one fact only. It is built from that fact's committed rows
and stored under ``$QUDAO_HOME/rollups/<name>/<key>/``, where the key digests what the
rows depend on: the roll-up version, the fact's committed batches and the periods they
replace. Importing or reverting a batch changes the key, so a stale roll-up is never read;
the import then builds the new one in the background (``rollups_refresh_task``), and a
review that finds none builds it first.

Folders appear by an atomic rename, like fact batches: a reader sees a whole roll-up or
none. Superseded folders are removed once they have been superseded for a while (a review
that started before may still be reading them).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

from qudao.analytics.choices import Engine
from qudao.analytics.metrics import ROLLUPS
from qudao.facts import store
from qudao.facts.choices import BatchStatus
from qudao.facts.models import Batch

if TYPE_CHECKING:
    from qudao.analytics.engine import Backend

# Bump when a roll-up's definition changes: every stored roll-up is then rebuilt.
ROLLUP_VERSION = "2026.11-3"
KEEP_SUPERSEDED_SECONDS = 3600


def rollup_root() -> Path:
    return Path(settings.QUDAO_HOME) / "rollups"


def rollup_key(fact: str) -> tuple[str, list[int]]:
    """The key of ``fact``'s roll-ups as the store stands now, and its committed batches."""
    committed = Batch.objects.filter(fact=fact, status=BatchStatus.COMMITTED).order_by("pk")
    # Checksum and creation time beside the id: a database restored from a backup may
    # hand out an id again, for other rows.
    batches = [
        (b.pk, b.checksum, b.created_at.isoformat(), str(b.replaces_from), str(b.replaces_to),
         sorted(b.replaced_partners) if b.replaces_from else [])
        for b in committed
    ]  # fmt: skip
    digest = hashlib.sha256(json.dumps([ROLLUP_VERSION, fact, batches]).encode()).hexdigest()
    return digest[:20], [b[0] for b in batches]


def _prune(folder: Path, keep: str) -> None:
    """Remove what in ``folder`` is not ``keep`` and older than an hour: superseded
    roll-ups (a review that began before may still read them), abandoned builds."""
    cutoff = time.time() - KEEP_SUPERSEDED_SECONDS
    for old in folder.iterdir():
        if old.name != keep and old.stat().st_mtime < cutoff:
            shutil.rmtree(old, ignore_errors=True)


def rollup_folders(runner: Backend) -> tuple[dict[str, Path], dict[str, list[int]]]:
    """The folder of every roll-up (built first on ``runner``'s engine where missing or
    stale), and the committed batches they were made from, by fact."""
    folders, batches = {}, {}
    for name, (fact, build) in ROLLUPS.items():
        key, batch_ids = rollup_key(fact)
        folder = rollup_root() / name / key
        if not folder.exists():
            staging = rollup_root() / "_staging" / f"{name}-{uuid.uuid4().hex}"
            staging.parent.mkdir(parents=True, exist_ok=True)
            _prune(staging.parent, keep="")  # builds a killed process left behind
            rollup = build(store.fact_table(fact, connection=runner.con, with_batch=True))
            # in month order, so a review of a few months skips the rest of the file
            runner.write_parquet(rollup.order_by("month"), staging)
            # A batch committed meanwhile would make this roll-up newer than its key says.
            if rollup_key(fact)[0] == key:
                folder.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.replace(staging, folder)
                except OSError:  # another process published the same roll-up first
                    shutil.rmtree(staging, ignore_errors=True)
                _prune(folder.parent, keep=key)
            else:
                shutil.rmtree(staging, ignore_errors=True)
                return rollup_folders(runner)
        folders[name] = folder
        batches[fact] = batch_ids
    return folders, batches


def rollups_refresh() -> None:
    """Build whatever roll-up is missing for the store as it stands (after an import or a
    revert), so the next review reads aggregates only."""
    from qudao.analytics.engine import backend  # a cycle: the engine reads the roll-ups

    rollup_folders(backend(Engine.DUCKDB))

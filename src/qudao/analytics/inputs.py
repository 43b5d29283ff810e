"""What a review run read, kept so that its figures can be made again.

Facts never change (a run records its batches). Master data does: a target edited after
the run, a partner moved to another channel model, a new grading weight. So every table a
run hands to an engine — partners, products, targets, report delays, the rules' scorecard
history — goes through ``RunInputs.take``, which stores it content-addressed as an Arrow
file under ``$QUDAO_HOME/snapshots/`` (identical tables are kept once) and records its
digest on the run. A re-run (``qudao review --rerun RUN``) takes the recorded tables
instead of building them from the database.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
from django.conf import settings


def snapshot_root() -> Path:
    return Path(settings.QUDAO_HOME) / "snapshots"


class SnapshotMissingError(LookupError):
    """A recorded input is no longer on disk (the home was moved without it)."""


def _serialise(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table.combine_chunks())
    return bytes(sink.getvalue().to_pybytes())


def snapshot_write(table: pa.Table) -> str:
    """Store ``table`` once under its content digest; return the digest."""
    data = _serialise(table)
    digest = hashlib.sha256(data).hexdigest()
    path = snapshot_root() / digest[:2] / f"{digest}.arrows"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
        partial.write_bytes(data)
        os.replace(partial, path)  # whole or absent, whoever writes it first
    return digest


def snapshot_read(digest: str) -> pa.Table:
    path = snapshot_root() / digest[:2] / f"{digest}.arrows"
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise SnapshotMissingError(digest) from exc
    if hashlib.sha256(data).hexdigest() != digest:
        raise SnapshotMissingError(digest)
    return pa.ipc.open_stream(pa.py_buffer(data)).read_all()


class RunInputs:
    """The tables one run reads, by name: built and recorded, or replayed."""

    def __init__(self, replay: dict[str, str] | None = None) -> None:
        self.replay = replay
        self.recorded: dict[str, str] = {}

    def take(self, name: str, build: Callable[[], pa.Table]) -> pa.Table:
        """The input ``name``: as recorded by the run being replayed, else ``build()``."""
        if self.replay is not None:
            if name not in self.replay:
                raise SnapshotMissingError(name)
            table = snapshot_read(self.replay[name])
            self.recorded[name] = self.replay[name]
            return table
        table = build()
        self.recorded[name] = snapshot_write(table)
        return table

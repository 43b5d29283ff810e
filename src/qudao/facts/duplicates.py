"""Duplicate rows: the one place that knows uniqueness keys — their hashes, kept beside the
rows, and the exact check (``duplicate_errors``).

Key hashes: one 64-bit hash of each row's uniqueness key, kept beside the rows.

Every batch holds, next to each ``part-N.parquet``, a ``_keys-<tag>-N.hashes`` with the key
hash of each of its rows, in the same order (8 bytes a row, stored plain: hashes do not
compress). They are Parquet too, named so that a glob for the facts' ``*.parquet`` (or a
Spark or Arrow dataset, which skip ``_`` names) never takes them for rows.

The duplicate check reads these rather than the key columns. It holds the file's hashes in
memory while there are at most ``KEYS_IN_MEMORY`` and streams the store's past them, so
memory does not grow with the store; a larger file is checked in DuckDB, which spills to
disk. Memory stays bounded whatever the size of the file or of the store.

Hashes only narrow the search: rows whose hash repeats are compared exactly on their keys,
so a collision costs a little time, never a wrong verdict. Polars may change its hash
between releases, so the tag names the version that made the files; batches without
files of the current tag have theirs computed again, once, into the cache.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow.parquet as pq
from django.conf import settings
from django.utils.translation import gettext as _

from qudao.facts import store
from qudao.facts.pipeline import no_errors
from qudao.facts.readers import ROW, as_frame
from qudao.facts.schemas import FactSchema

KEY_TAG = hashlib.sha256(f"polars {pl.__version__} struct-hash seed 0".encode()).hexdigest()[:8]
KEYS_IN_MEMORY = 32_000_000  # the file's hashes with their rows: 512 MB


def key_hash(schema: FactSchema) -> pl.Expr:
    return pl.struct(list(schema.key)).hash(seed=0).alias("h")


def key_file(folder: Path, number: int) -> Path:
    return folder / f"_keys-{KEY_TAG}-{number:05d}.hashes"


def write_keys(rows: pl.DataFrame, path: Path, schema: FactSchema) -> None:
    """The key hashes of ``rows`` (a part's rows, in its order), as one key file."""
    rows.select(key_hash(schema)).write_parquet(path, compression="uncompressed", statistics=False)


def _cached_keys(schema: FactSchema, batch_id: int) -> Path:
    """A committed batch's key hashes made by this Polars, computed from its parts once."""
    fact = schema.name
    path = Path(settings.QUDAO_HOME) / "cache" / "keys" / KEY_TAG / fact / f"{batch_id}.hashes"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{uuid.uuid4().hex[:8]}.tmp")
        pl.scan_parquet(store.batch_files(fact, batch_id)).select(key_hash(schema)).sink_parquet(
            partial, compression="uncompressed", statistics=False
        )
        os.replace(partial, path)  # whole or absent, whoever else is computing it
    return path


def committed_key_files(schema: FactSchema) -> list[Path]:
    """The key files of every committed batch of the fact."""
    files: list[Path] = []
    for batch_id in store.committed_batch_ids(schema.name):
        if not store.batch_files(schema.name, batch_id):
            continue
        own = sorted(store.batch_dir(schema.name, batch_id).glob(f"_keys-{KEY_TAG}-*.hashes"))
        files += own or [_cached_keys(schema, batch_id)]
    return files


def _rows_in(files: list[Path]) -> int:
    return sum(pq.ParquetFile(f).metadata.num_rows for f in files)


def duplicate_candidates(
    parts: list[Path], part_keys: list[Path], committed: list[Path]
) -> tuple[pl.Series, pl.Series]:
    """Rows of the staged parts whose key hash (1) repeats among them, (2) is found among
    the committed key files: the rows to compare exactly. ``part_keys`` are the parts' key
    files, in the same order."""
    if not parts:
        empty = pl.Series(ROW, [], dtype=pl.Int64)
        return empty, empty
    if _rows_in(part_keys) > KEYS_IN_MEMORY:
        return _candidates_in_duckdb(parts, part_keys, committed)
    hashes = pl.concat(
        [pl.read_parquet(parts, columns=[ROW]), pl.read_parquet(part_keys)], how="horizontal"
    )
    ordered = hashes.get_column("h").sort()  # sorting beats a hash table here, by 3x
    twice = ordered.filter(ordered == ordered.shift(1)).unique()
    repeated = hashes.filter(pl.col("h").is_in(twice.implode())).get_column(ROW)
    clashing = pl.Series(ROW, [], dtype=pl.Int64)
    if committed:  # the store's hashes stream past the file's: memory holds the file's only
        met = (
            pl.scan_parquet(committed)
            .join(hashes.lazy().select("h"), on="h", how="semi")
            .collect(engine="streaming")
            .get_column("h")
        )
        clashing = hashes.filter(pl.col("h").is_in(met.implode())).get_column(ROW)
    return repeated, clashing


def _candidates_in_duckdb(
    parts: list[Path], part_keys: list[Path], committed: list[Path]
) -> tuple[pl.Series, pl.Series]:
    spill = Path(settings.QUDAO_HOME) / "tmp"
    spill.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    # insertion order kept: the positional join pairs each part's rows with its hashes
    con.execute("SET threads TO 2; SET preserve_insertion_order = true")
    con.execute("SET memory_limit = '768MB'")
    con.execute("SET temp_directory = $dir", {"dir": str(spill)})
    staged = (
        f'(SELECT p."{ROW}", k.h FROM (SELECT "{ROW}" FROM read_parquet($parts)) p '  # noqa: S608
        "POSITIONAL JOIN read_parquet($keys) k)"
    )
    params = {"parts": [str(p) for p in parts], "keys": [str(p) for p in part_keys]}
    repeated = con.sql(
        f'SELECT "{ROW}" FROM {staged} WHERE h IN '  # noqa: S608 - our own SQL
        "(SELECT h FROM read_parquet($keys) GROUP BY h HAVING count(*) > 1)",
        params=params,
    ).pl()
    clashing = pl.DataFrame({ROW: pl.Series([], dtype=pl.Int64)})
    if committed:
        clashing = con.sql(
            f'SELECT s."{ROW}" FROM {staged} s '  # noqa: S608 - our own SQL
            "SEMI JOIN read_parquet($committed) c USING (h)",
            params={**params, "committed": [str(p) for p in committed]},
        ).pl()
    con.close()
    return repeated.get_column(ROW), clashing.get_column(ROW)


def duplicate_errors(
    schema: FactSchema,
    staged: list[Path],
    staged_keys: list[Path],
    replace: tuple[date, date] | None = None,
) -> pl.DataFrame:
    """Rows whose key repeats an earlier row of this file or a row of a committed batch.

    The SQL is assembled only from the schema's own field names (constants in code);
    file names and texts travel as parameters.
    """
    empty = no_errors()
    if not staged:
        return empty
    repeated, clashing = duplicate_candidates(staged, staged_keys, committed_key_files(schema))
    if repeated.is_empty() and clashing.is_empty():
        return empty

    key_columns = ", ".join(f'"{k}"' for k in schema.key)
    key_text = " || ' / ' || ".join(f"coalesce(CAST(s.\"{k}\" AS VARCHAR), '')" for k in schema.key)
    column = " + ".join(schema.key)
    con = duckdb.connect()
    # Bounded memory whatever the number of candidates: DuckDB spills to disk past this.
    spill = Path(settings.QUDAO_HOME) / "tmp"
    spill.mkdir(parents=True, exist_ok=True)
    con.execute(
        "SET threads TO 2; SET preserve_insertion_order = false; SET memory_limit = '768MB'"
    )
    con.execute("SET temp_directory = $dir", {"dir": str(spill)})
    staged_list = [str(p) for p in staged]
    frames = []
    if not repeated.is_empty():
        con.register("candidates", pl.DataFrame({"row": repeated}).to_arrow())
        # Identifiers come from the schema (constants in code); values are parameters.
        within_sql = (
            f'SELECT s."{ROW}" AS row, $column AS column, {key_text} AS value, first_row '  # noqa: S608
            f'FROM (SELECT *, min("{ROW}") OVER (PARTITION BY {key_columns}) AS first_row '
            f'FROM read_parquet($staged) WHERE "{ROW}" IN (SELECT row FROM candidates)) s '
            f'WHERE s."{ROW}" <> first_row'
        )
        within = as_frame(
            con.sql(within_sql, params={"column": column, "staged": staged_list}).to_arrow_table()
        )
        if within.height:
            frames.append(
                within.select(
                    "row",
                    "column",
                    "value",
                    pl.format(
                        _("Repeats row {} of this file (same {})."),
                        pl.col("first_row"),
                        pl.lit(column),
                    ).alias("reason"),
                )
            )
    visible = store.visible_rows_sql(schema.name)
    if visible is not None and not clashing.is_empty():
        con.register("clashing", pl.DataFrame({"row": clashing}).to_arrow())
        # Rows this import replaces (its partners, inside the replaced period) are no
        # duplicates: they are about to stop counting.
        scope = ""
        params: dict[str, Any] = {"column": column, "staged": staged_list}
        if replace is not None:
            scope = (
                "WHERE NOT (partner IN (SELECT DISTINCT partner FROM read_parquet($staged)) "  # noqa: S608
                f'AND "{schema.date_field}" BETWEEN $first AND $last)'
            )
            params.update(first=replace[0], last=replace[1])
        before_sql = (
            f'SELECT s."{ROW}" AS row, $column AS column, {key_text} AS value, '  # noqa: S608
            f"c._batch AS batch FROM (SELECT * FROM read_parquet($staged) "
            f'WHERE "{ROW}" IN (SELECT row FROM clashing)) s '
            f"JOIN (SELECT {key_columns}, _batch FROM ({visible}) {scope}) c USING ({key_columns})"
        )
        before = as_frame(con.sql(before_sql, params=params).to_arrow_table())
        if before.height:
            frames.append(
                before.select(
                    "row",
                    "column",
                    "value",
                    pl.format(_("Already imported in batch {}."), pl.col("batch")).alias("reason"),
                )
            )
    con.close()
    return pl.concat(frames) if frames else empty

"""Running the metrics on an engine: gather the inputs, execute, hand back Arrow.

DuckDB (embedded) is the default; Spark runs the same expressions. Master data reaches the
engine as Arrow tables (DESIGN §6: the engines' database scanners are not available
offline); facts arrive as their roll-ups (``rollups``), built from the one reader,
``qudao.facts.store.fact_table``.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import ibis
import ibis.backends.duckdb  # noqa: F401 - the default engine, loaded with the module
import ibis.expr.types as ir
import pandas  # noqa: F401 - pyarrow imports it at its first array whenever it is installed
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.utils.translation import gettext as _

from qudao.analytics import kpis, metrics
from qudao.analytics.choices import Engine
from qudao.analytics.inputs import RunInputs
from qudao.analytics.kpis import (
    KPIS,
    Direction,
    SellThroughRate,
    sell_through_rate_definition,
)
from qudao.analytics.masters import (
    partner_master,
    period_targets,
    period_windows,
    product_master,
    report_delay_days,
    window_months,
)
from qudao.analytics.metrics import grade_scores, partner_kpis
from qudao.analytics.rollups import rollup_folders
from qudao.analytics.steps import step_versions
from qudao.core.periods import Period
from qudao.facts.store import fact_table, sql_literal


@dataclass
class EngineResult:
    table: pa.Table
    input_batches: dict[str, list[int]]
    timings: dict[str, float] = field(default_factory=dict)


ENGINES = tuple(Engine.values)


def duckdb_connection() -> Any:
    con = ibis.duckdb.connect()
    spill = Path(settings.QUDAO_HOME) / "cache" / "duckdb"
    spill.mkdir(parents=True, exist_ok=True)
    con.raw_sql(
        "SET preserve_insertion_order = false; SET enable_progress_bar = false; "
        f"SET memory_limit = {sql_literal(settings.QUDAO_DUCKDB_MEMORY_LIMIT)}; "
        f"SET temp_directory = {sql_literal(spill)}"
    )
    return con


def spark_session() -> Any:
    """This process's local Spark (started once: a JVM takes seconds to start). A cluster is
    reached the usual Spark way, e.g. ``SPARK_REMOTE`` or ``spark-defaults.conf``."""
    from pyspark.sql import SparkSession  # deferred: the optional spark extra

    cores = os.cpu_count() or 2
    session = (
        SparkSession.builder.appName("qudao-review")
        .master(os.environ.get("QUDAO_SPARK_MASTER", f"local[{cores}]"))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(cores))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", os.environ.get("QUDAO_SPARK_MEMORY", "2g"))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def spark_stop() -> None:
    """Stop this process's Spark *and its JVM*. A long-lived worker calls it after each
    Spark review: a local JVM keeps its heap (gigabytes) resident otherwise. The next
    review starts a fresh one (a few seconds)."""
    if "pyspark" not in sys.modules:
        return  # Spark never ran here
    from pyspark import SparkContext  # deferred: the optional spark extra
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession()
    if session is not None:
        session.stop()
    gateway = SparkContext._gateway
    if gateway is None:
        return
    process = getattr(gateway, "proc", None)
    gateway.shutdown()
    SparkContext._gateway = None
    SparkContext._jvm = None
    if process is not None:
        process.stdin.close()  # the gateway JVM exits when its stdin closes
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _code_digest() -> str:
    """What the compiled SQL depends on besides its inputs: the metric code and the
    versions of the libraries that compile and run it."""
    global _CODE_DIGEST
    if _CODE_DIGEST is None:
        digest = hashlib.sha256(f"{ibis.__version__} {duckdb.__version__}".encode())
        for module in (metrics, kpis, sys.modules[__name__]):
            digest.update(Path(str(module.__file__)).read_bytes())
        # the registered steps' code (the rules' expressions run through this cache too)
        digest.update(json.dumps(step_versions(), sort_keys=True).encode())
        _CODE_DIGEST = digest.hexdigest()
    return _CODE_DIGEST


_CODE_DIGEST: str | None = None
_COMPILED: dict[str, tuple[str, pa.Schema]] = {}


class Backend:
    """One engine: how inputs get in, how results come out. The metrics themselves
    (``metrics``, and the expressions of registered review steps) know none of this.

    DuckDB keeps the SQL that Ibis compiled, by what it depends on (the code, the
    parameters, the names and types of the inputs): building and compiling the review's
    expression takes longer than DuckDB takes to run it on one quarter. Kept in memory and
    under ``$QUDAO_HOME/cache/sql`` for the next process.
    """

    def __init__(self) -> None:
        self.con = duckdb_connection()
        self.schemas: dict[str, pa.Schema] = {}  # of every input, for the cache key

    def register(self, name: str, table: pa.Table) -> None:
        """``table`` as the input ``name`` (names are part of the compiled SQL)."""
        self.con.con.register(name, table)
        self.schemas[name] = table.schema

    def register_parquet(self, name: str, folder: Path) -> None:
        files = sorted(folder.glob("*.parquet"))
        listing = ", ".join(sql_literal(f) for f in files)
        self.con.raw_sql(f"CREATE TEMP VIEW {name} AS SELECT * FROM read_parquet([{listing}])")  # noqa: S608 - our paths, escaped
        self.schemas[name] = pq.read_schema(files[0])

    def register_fact(self, name: str, fact: str) -> None:
        """The rows of ``fact`` that count, with the batch and source row each came from
        (``_batch``, ``_row``), as the input ``name`` (detectors name their evidence so)."""
        rows = fact_table(fact, connection=self.con, with_batch=True, with_row=True)
        self.con.create_view(name, rows, overwrite=True)
        self.schemas[name] = rows.schema().to_pyarrow()

    def table(self, name: str) -> ir.Table:
        return self.con.table(name)

    def run(self, build: Callable[[], ir.Table], *, parameters: Any) -> pa.Table:
        """The result of the expression ``build()`` makes of the registered inputs, through
        the SQL compiled for the same code, parameters and input types if there is one."""
        sql, schema = self._compiled(build, parameters)
        return self.con.con.sql(sql).to_arrow_table().cast(schema)

    def materialize(self, name: str, build: Callable[[], ir.Table], *, parameters: Any) -> None:
        """Keep what ``build()`` makes as the input ``name`` of the expressions that follow:
        computed once, read by many (DuckDB would compute a subquery again each time an
        expression names it). A temporary table, gone with the connection."""
        sql, schema = self._compiled(build, parameters)
        self.con.raw_sql(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
        self.schemas[name] = schema

    def _compiled(self, build: Callable[[], ir.Table], parameters: Any) -> tuple[str, pa.Schema]:
        inputs = {name: str(schema) for name, schema in sorted(self.schemas.items())}
        key = hashlib.sha256(
            json.dumps([_code_digest(), parameters, inputs], sort_keys=True, default=str).encode()
        ).hexdigest()[:24]
        compiled = _COMPILED.get(key) or _read_compiled(key)
        if compiled is None:
            expression = build()
            compiled = (str(self.con.compile(expression)), expression.schema().to_pyarrow())
            _write_compiled(key, *compiled)
        _COMPILED[key] = compiled
        return compiled

    def write_parquet(self, expression: ir.Table, folder: Path) -> None:
        folder.mkdir(parents=True)
        self.con.to_parquet(expression, folder / "part-0.parquet")


def _compiled_path(key: str) -> Path:
    return Path(settings.QUDAO_HOME) / "cache" / "sql" / f"{key}.sql"


def _read_compiled(key: str) -> tuple[str, pa.Schema] | None:
    path = _compiled_path(key)
    try:
        schema = pa.ipc.read_schema(pa.py_buffer(path.with_suffix(".schema").read_bytes()))
        return path.read_text(encoding="utf-8"), schema
    except (OSError, pa.ArrowInvalid):
        return None


def _write_compiled(key: str, sql: str, schema: pa.Schema) -> None:
    path = _compiled_path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    # schema first, SQL last: a reader that finds the SQL finds its schema
    for target, data in (
        (path.with_suffix(".schema"), schema.serialize().to_pybytes()),
        (path, sql.encode("utf-8")),
    ):
        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
        partial.write_bytes(data)
        os.replace(partial, target)


class SparkBackend(Backend):
    def __init__(self) -> None:
        self.con = ibis.pyspark.connect(spark_session())
        self.views: dict[str, str] = {}

    def register(self, name: str, table: pa.Table) -> None:
        # Ibis 12 turns Arrow into pandas for Spark and fails on null decimals; Spark 4
        # takes Arrow as it is. The session outlives runs: view names are made unique.
        self.views[name] = f"{name}_{uuid.uuid4().hex[:8]}"
        self.con._session.createDataFrame(table).createOrReplaceTempView(self.views[name])

    def register_parquet(self, name: str, folder: Path) -> None:
        self.views[name] = f"{name}_{uuid.uuid4().hex[:8]}"
        # Not cached: the session outlives the run, and nothing would release the memory.
        self.con._session.read.parquet(str(folder)).createOrReplaceTempView(self.views[name])

    def register_fact(self, name: str, fact: str) -> None:
        rows = fact_table(fact, connection=self.con, with_batch=True, with_row=True)
        self.views[name] = f"{name}_{uuid.uuid4().hex[:8]}"
        self.con._session.sql(self.con.compile(rows)).createOrReplaceTempView(self.views[name])

    def table(self, name: str) -> ir.Table:
        return self.con.table(self.views[name])

    def to_arrow(self, expression: ir.Table) -> pa.Table:
        # Straight from Spark's Arrow output (Ibis would go through pandas: floats for
        # integers with gaps), cast to the expression's types — Spark reads a literal like
        # 0.9 as a decimal where Ibis means a double.
        table = self.con._session.sql(self.con.compile(expression)).toArrow()
        return table.cast(expression.schema().to_pyarrow())

    def run(self, build: Callable[[], ir.Table], *, parameters: Any) -> pa.Table:
        return self.to_arrow(build())

    def materialize(self, name: str, build: Callable[[], ir.Table], *, parameters: Any) -> None:
        # A view, not cached: the session outlives the run, and nothing would release it.
        self.views[name] = f"{name}_{uuid.uuid4().hex[:8]}"
        frame = self.con._session.sql(self.con.compile(build()))
        frame.createOrReplaceTempView(self.views[name])

    def write_parquet(self, expression: ir.Table, folder: Path) -> None:
        self.con._session.sql(self.con.compile(expression)).write.parquet(str(folder))


def backend(engine: str) -> Backend:
    if engine == "duckdb":
        return Backend()
    if engine == "spark":
        return SparkBackend()
    raise ValueError(f"unknown engine {engine!r}")


@functools.cache  # asked on every page that offers the engine; an install does not change
def spark_available() -> bool:
    """The ``spark`` extra is installed and a Java runtime is on this machine."""
    return importlib.util.find_spec("pyspark") is not None and bool(
        os.environ.get("JAVA_HOME") or shutil.which("java")
    )


def default_engine() -> str:
    """QUDAO["REVIEW_ENGINE"] (env ``QUDAO_REVIEW_ENGINE``): the engine of runs started from
    the web and the API, and of the CLI unless ``--engine`` says otherwise."""
    return str(getattr(settings, "QUDAO", {}).get("REVIEW_ENGINE", "duckdb"))


def check_engine(engine: str) -> None:
    """Refuse, before anything is queued, an engine this installation cannot run."""
    if engine not in ENGINES:
        raise ValueError(
            _("Unknown engine %(engine)s: use one of %(engines)s.")
            % {"engine": engine, "engines": ", ".join(ENGINES)}
        )
    if engine == "spark" and not spark_available():
        raise ValueError(
            _(
                "Spark is not installed here: install the spark extra (uv sync --extra spark) "
                "and a Java runtime (17 or later)."
            )
        )


@dataclass(frozen=True)
class Grading:
    weights: dict[str, float]
    thresholds: list[tuple[str, float]]

    @classmethod
    def from_model(cls, model: Any) -> Grading:
        return cls(
            weights={k: float(v) for k, v in model.weights.items()},
            thresholds=[(str(code), float(lowest)) for code, lowest in model.thresholds],
        )


def run_review(
    periods: list[Period],
    *,
    engine: str = "duckdb",
    grading: Grading | None = None,
    inputs: RunInputs | None = None,
    sell_through_rate: SellThroughRate | None = None,
) -> EngineResult:
    """Compute every KPI of every scored partner for ``periods`` on ``engine``, scored and
    graded by ``grading`` when given. Master data comes through ``inputs`` (recorded, or
    replayed from an earlier run)."""
    inputs = inputs if inputs is not None else RunInputs()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    runner = backend(engine)
    folders, batches = rollup_folders(runner)
    for name, folder in folders.items():
        runner.register_parquet(f"rollup_{name}", folder)
    timings["rollups"] = time.perf_counter() - started
    runner.register("partners", inputs.take("partners", partner_master))
    runner.register("products", inputs.take("products", product_master))
    runner.register("periods", period_windows(periods))
    runner.register("months", window_months(periods))
    runner.register("targets", inputs.take("targets", lambda: period_targets(periods)))
    runner.register("delays", inputs.take("delays", report_delay_days))
    lower_is_better = sorted(k.id for k in KPIS if k.direction is Direction.LOWER)
    rate = sell_through_rate or sell_through_rate_definition()

    def expression() -> ir.Table:
        kpis = partner_kpis(
            rollups={name: runner.table(f"rollup_{name}") for name in folders},
            partners=runner.table("partners"),
            products=runner.table("products"),
            periods=runner.table("periods"),
            months=runner.table("months"),
            targets=runner.table("targets"),
            delays=runner.table("delays"),
            sell_through_rate=rate,
        )
        if grading is None:
            return kpis
        return grade_scores(
            kpis,
            weights=grading.weights,
            lower_is_better=set(lower_is_better),
            thresholds=grading.thresholds,
        )

    timings["prepare"] = time.perf_counter() - started - timings["rollups"]
    parameters = ["review", rate, lower_is_better, grading and dataclasses.asdict(grading)]
    table = runner.run(expression, parameters=parameters)
    timings["compute"] = time.perf_counter() - started - timings["prepare"] - timings["rollups"]
    return EngineResult(table=table, input_batches=batches, timings=timings)

"""A process killed (SIGKILL) at any step of an import leaves nothing visible; the next
start removes what it left behind. Runs real `qudao` processes on a SQLite file."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import json, django; django.setup()
from qudao.facts.models import Batch
from qudao.facts.store import committed_files, fact_table, store_root
print(json.dumps({
    "statuses": list(Batch.objects.order_by("pk").values_list("status", flat=True)),
    "files": len(committed_files("inventory")),
    "rows": int(fact_table("inventory").count().execute()),
    "on_disk": sorted(str(p.relative_to(store_root())) for p in store_root().rglob("*.parquet")),
}))
"""


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "qudao.settings", "QUDAO_HOME": str(home)}
    env.pop("DATABASE_URL", None)
    env.pop("QUDAO_FAULT_INJECTION", None)
    env.update(extra)
    return env


def _qudao(home: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qudao.cli", *args],
        capture_output=True,
        text=True,
        env=_env(home, **extra),
    )


def _probe(home: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=_env(home), check=True
    )
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def prepared_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp_path = tmp_path_factory.mktemp("home")
    files = {
        "regions.csv": "code,name_en\nBER,Berlin\n",
        "partners.csv": "code,name_en,channel_model,home_region\nP1,One,reseller,BER\n",
        "products.csv": "code,name_en\nSKU1,Bike\n",
        "inventory.csv": "snapshot_date,partner,product,quantity_on_hand\n"
        "2020-01-31,P1,SKU1,5\n2020-02-29,P1,SKU1,7\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert _qudao(tmp_path, "migrate", "-v", "0").returncode == 0
    for target in ("regions", "partners", "products"):
        assert _qudao(tmp_path, "import", target, str(tmp_path / f"{target}.csv")).returncode == 0
    return tmp_path


@pytest.fixture
def home(prepared_home: Path, tmp_path: Path) -> Path:
    # A fresh copy per test: the database file and the inputs, no fact store yet.
    copy = tmp_path / "home"
    shutil.copytree(prepared_home, copy)
    return copy


@pytest.mark.parametrize("point", ["staged", "published"])
def test_kill_leaves_nothing_visible_and_is_cleaned_up(home: Path, point: str) -> None:
    # When the importing process is killed at this point
    killed = _qudao(
        home, "import", "inventory", str(home / "inventory.csv"), QUDAO_FAULT_INJECTION=point
    )
    assert killed.returncode == -signal.SIGKILL
    # then readers see nothing, though files may lie on disk
    state = _probe(home)
    assert state["statuses"] == ["pending"] and state["files"] == 0 and state["rows"] == 0
    assert state["on_disk"], "the kill happened after parts were written"
    # and the next import first cleans up, then imports the same file normally
    again = _qudao(home, "import", "inventory", str(home / "inventory.csv"))
    assert again.returncode == 0, again.stderr
    assert "2 accepted, 0 rejected" in again.stdout
    state = _probe(home)
    assert state["statuses"] == ["failed", "committed"]
    assert state["rows"] == 2 and all(p.startswith("inventory/batch=2/") for p in state["on_disk"])

"""Every file of the hostile corpus (tests/fixtures/hostile/) meets its specified outcome."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from qudao.core.importing.errors import MappingError, SourceError
from qudao.core.importing.mapping import parse_mapping
from qudao.facts.services import fact_import
from qudao.facts.store import fact_table
from tests.conftest import World

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"
MANIFEST = tomllib.loads((CORPUS / "manifest.toml").read_text(encoding="utf-8"))["files"]


def test_the_manifest_covers_every_file() -> None:
    on_disk = {p.name for p in CORPUS.iterdir() if p.name != "manifest.toml"}
    assert on_disk == set(MANIFEST)


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_hostile_file(world: World, name: str) -> None:
    spec = MANIFEST[name]
    mapping = parse_mapping(spec["mapping"]) if "mapping" in spec else None
    path = CORPUS / name
    if spec["outcome"] == "refused":
        with pytest.raises((SourceError, MappingError), match=spec["message"]):
            fact_import(fact="inventory", path=path, mapping=mapping)
        assert fact_table("inventory").count().execute() == 0
        return
    result = fact_import(fact="inventory", path=path, mapping=mapping)
    if spec["outcome"] == "committed":
        assert result.committed and result.rows_accepted == spec["accepted"]
        assert fact_table("inventory").count().execute() == spec["accepted"]
    else:
        assert not result.committed
        assert sorted(set(result.errors.get_column("row").to_list())) == spec["rows"]
        assert all(result.errors.get_column("reason").to_list())
        assert fact_table("inventory").count().execute() == 0

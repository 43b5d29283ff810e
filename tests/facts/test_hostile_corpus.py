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


def _lying_workbook(path: Path, inflates_to: int, declares: int) -> None:
    """A zip whose sheet declares ``declares`` bytes but inflates to ``inflates_to``."""
    import struct
    import zipfile

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" * inflates_to)
    data = bytearray(path.read_bytes())
    # patch the uncompressed size in the local header and in the central directory
    local = data.find(b"xl/worksheets/sheet1.xml")
    local_header = data.rfind(b"PK\x03\x04", 0, local)
    struct.pack_into("<I", data, local_header + 22, declares)
    central = data.find(b"PK\x01\x02", local)
    while central != -1:
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_length] == b"xl/worksheets/sheet1.xml":
            struct.pack_into("<I", data, central + 24, declares)
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))


def test_a_lying_archive_is_measured_not_believed(world: World, tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    """The bytes a workbook inflates to are counted while inflating, in bounded memory."""
    import tracemalloc

    from qudao.core.importing.errors import SourceError
    from qudao.core.importing.sources import refuse_zip_bomb
    from qudao.facts.services import fact_import

    settings.QUDAO = {**settings.QUDAO, "XLSX_MAX_UNPACKED_MB": 4}
    bomb = tmp_path / "bomb.xlsx"
    _lying_workbook(bomb, inflates_to=40 << 20, declares=2048)
    assert bomb.stat().st_size < 200_000
    tracemalloc.start()
    with pytest.raises(SourceError, match="more than the 4 MB allowed"):
        refuse_zip_bomb(bomb)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 8 << 20, peak  # one step of output, not the 40 MB
    with pytest.raises(SourceError, match="4 MB"):
        fact_import(fact="inventory", path=bomb)
    # an honest workbook within the limit passes
    honest = tmp_path / "honest.xlsx"
    _lying_workbook(honest, inflates_to=1 << 20, declares=1 << 20)
    refuse_zip_bomb(honest)

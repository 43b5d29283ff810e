"""Import mappings (TOML): which source column feeds which canonical field, and how to read it.

```toml
target = "partners"            # what the file holds
[source]
encoding = "auto"              # auto | utf-8 | utf-8-sig | utf-16 | gb18030 | gbk | big5
sheet = ""                     # xlsx: sheet name, first sheet when empty
null_values = ["NULL", ""]     # cells that mean "no value"
date_formats = ["%Y-%m-%d"]    # tried in order (strptime syntax)
[columns]                      # canonical field = source header (headers may be Chinese)
code = "ResellerKey"
home_region = { column = "GeographyKey", template = "G{}" }   # template applied to the cell
[constants]                    # fields with the same value on every row
status = "active"
[values.channel_model]         # value maps: source value = canonical value
"Warehouse" = "distributor"
```
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from qudao.core.importing.errors import MappingError

DEFAULT_NULLS = ("", "NULL", "null", "N/A", "-")
DEFAULT_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y%m%d", "%d/%m/%Y")
ENCODINGS = {"auto", "utf-8", "utf-8-sig", "utf-16", "gb18030", "gbk", "big5"}


TEMPLATE = re.compile(r"^(?P<before>[^{}]*)\{(?::0>(?P<width>\d{1,2}))?\}(?P<after>[^{}]*)$")


@dataclass(frozen=True)
class ColumnSpec:
    """Where a canonical field comes from.

    ``template`` wraps the cell: ``"G{}"`` turns 637 into G637, ``"AW{:0>8}"`` pads it to
    AW00000637. ``number_within`` (facts only) numbers the rows 1, 2, 3 … within each
    value of ``column``, in file order — e.g. order lines when the export has no line number.
    """

    column: str
    template: str = ""
    number_within: bool = False

    def apply_template(self, value: str) -> str:
        if not self.template:
            return value
        match = TEMPLATE.match(self.template)
        assert match is not None  # checked when the mapping was parsed
        width = int(match["width"] or 0)
        return f"{match['before']}{value.zfill(width) if width else value}{match['after']}"


@dataclass(frozen=True)
class Mapping:
    target: str
    columns: dict[str, ColumnSpec]
    constants: dict[str, Any] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    encoding: str = "auto"
    sheet: str = ""
    null_values: tuple[str, ...] = DEFAULT_NULLS
    date_formats: tuple[str, ...] = DEFAULT_DATE_FORMATS

    @classmethod
    def identity(cls, target: str, fields: list[str]) -> Mapping:
        """The default mapping: every canonical field read from a column of the same name."""
        return cls(target=target, columns={f: ColumnSpec(f) for f in fields})

    def header_for(self, field_name: str) -> str:
        spec = self.columns.get(field_name)
        return spec.column if spec else field_name

    def to_toml(self) -> str:
        """This mapping as TOML that ``parse_mapping`` reads back to the same mapping."""

        def text(value: Any) -> str:
            return json.dumps(str(value), ensure_ascii=False)  # a valid TOML basic string

        def array(values: tuple[str, ...]) -> str:
            return "[" + ", ".join(text(v) for v in values) + "]"

        lines = [
            f"target = {text(self.target)}",
            "",
            "[source]",
            f"encoding = {text(self.encoding)}",
            f"sheet = {text(self.sheet)}",
            f"null_values = {array(self.null_values)}",
            f"date_formats = {array(self.date_formats)}",
            "",
            "[columns]",
        ]
        for name, spec in self.columns.items():
            if spec.number_within:
                lines.append(f"{name} = {{ number_within = {text(spec.column)} }}")
            elif spec.template:
                lines.append(
                    f"{name} = {{ column = {text(spec.column)}, template = {text(spec.template)} }}"
                )
            else:
                lines.append(f"{name} = {text(spec.column)}")
        if self.constants:
            lines += ["", "[constants]"] + [f"{k} = {text(v)}" for k, v in self.constants.items()]
        for name, table in self.values.items():
            lines += ["", f"[values.{name}]"] + [f"{text(a)} = {text(b)}" for a, b in table.items()]
        return "\n".join(lines) + "\n"


def load_mapping(path: Path | str) -> Mapping:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingError(
            _("Cannot read the mapping %(path)s: %(error)s") % {"path": path, "error": exc.strerror}
        ) from exc
    return parse_mapping(text)


def parse_mapping(text: str) -> Mapping:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(_("The mapping is not valid TOML: %(error)s") % {"error": exc}) from exc
    allowed = {"target", "source", "columns", "constants", "values"}
    unknown = set(data) - allowed
    if unknown:
        raise MappingError(
            _("Unknown mapping section(s): %(names)s") % {"names": ", ".join(sorted(unknown))}
        )
    target = data.get("target")
    if not isinstance(target, str) or not target:
        raise MappingError(_('The mapping must name its target, e.g. target = "partners".'))
    source = data.get("source", {})
    encoding = str(source.get("encoding", "auto")).lower()
    if encoding not in ENCODINGS:
        raise MappingError(
            _("Unknown encoding “%(value)s”; use one of %(choices)s.")
            % {"value": encoding, "choices": ", ".join(sorted(ENCODINGS))}
        )
    columns: dict[str, ColumnSpec] = {}
    for name, spec in data.get("columns", {}).items():
        if isinstance(spec, str):
            columns[name] = ColumnSpec(spec)
        elif isinstance(spec, dict) and isinstance(spec.get("number_within"), str):
            columns[name] = ColumnSpec(spec["number_within"], number_within=True)
        elif isinstance(spec, dict) and isinstance(spec.get("column"), str):
            template = str(spec.get("template", ""))
            if template and not TEMPLATE.match(template):
                raise MappingError(
                    _("The template of “%(field)s” must contain {} or {:0>N}.") % {"field": name}
                )
            columns[name] = ColumnSpec(spec["column"], template)
        else:
            raise MappingError(
                _("Column “%(field)s” must be a header name or { column = …, template = … }.")
                % {"field": name}
            )
    values = {k: {str(a): str(b) for a, b in v.items()} for k, v in data.get("values", {}).items()}
    return Mapping(
        target=target,
        columns=columns,
        constants=dict(data.get("constants", {})),
        values=values,
        encoding=encoding,
        sheet=str(source.get("sheet", "")),
        null_values=tuple(str(v) for v in source.get("null_values", DEFAULT_NULLS)),
        date_formats=tuple(source.get("date_formats", DEFAULT_DATE_FORMATS)),
    )


def check_mapping_fields(
    mapping: Mapping, *, target: str, fields: list[str], required: list[str], numbering: bool
) -> None:
    """The one check of a mapping against what it fills (master data and facts alike),
    before any row is read: no field the target lacks, every required field sourced, and
    ``number_within`` only where the target numbers lines (facts)."""
    unknown = (set(mapping.columns) | set(mapping.constants) | set(mapping.values)) - set(fields)
    if unknown:
        raise MappingError(
            _(
                "The mapping names fields that %(target)s does not have: %(names)s. "
                "Known fields: %(known)s."
            )
            % {"target": target, "names": ", ".join(sorted(unknown)), "known": ", ".join(fields)}
        )
    numbered = [name for name, spec in mapping.columns.items() if spec.number_within]
    if numbered and not numbering:
        raise MappingError(
            _("number_within is for facts only (used for %(names)s).")
            % {"names": ", ".join(numbered)}
        )
    missing = [f for f in required if f not in mapping.columns and f not in mapping.constants]
    if missing:
        raise MappingError(
            _("The mapping does not say where the required field(s) %(names)s come from.")
            % {"names": ", ".join(missing)}
        )

"""Fact mappings: which fact a name means, whether a mapping fits it (the check shared with
master data, ``core.importing.mapping.check_mapping_fields``), and the guesses that turn an
uploaded file's headers into a mapping."""

from __future__ import annotations

from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from qudao.core.importing.errors import MappingError
from qudao.core.importing.mapping import ColumnSpec, Mapping, check_mapping_fields, parse_mapping
from qudao.core.importing.master import MasterTarget, validate_mapping
from qudao.core.importing.registry import master_target
from qudao.facts.schemas import FACTS, FactSchema


class MatchedField(NamedTuple):
    name: str
    label: Any
    required: bool


def fact_schema(name: str) -> FactSchema:
    if name not in FACTS:
        raise MappingError(
            _("Unknown fact “%(name)s”; use one of: %(names)s.")
            % {"name": name, "names": ", ".join(FACTS)}
        )
    return FACTS[name]


def validate_fact_mapping(mapping: Mapping, schema: FactSchema) -> None:
    """Check a mapping against a fact before any row is read."""
    if mapping.target != schema.name:
        raise MappingError(
            _("This mapping is for “%(mapped)s”, not “%(target)s”.")
            % {"mapped": mapping.target, "target": schema.name}
        )
    check_mapping_fields(
        mapping,
        target=schema.name,
        fields=schema.field_names,
        required=[f.name for f in schema.fields if f.required],
        numbering=True,
    )


# Header spellings a column matcher recognises at once, besides the canonical names.
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "date": ("日期", "单据日期", "销售日期", "Date"),
    "order_date": ("订单日期", "下单日期", "OrderDate"),
    "snapshot_date": ("日期", "盘点日期", "库存日期"),
    "partner": ("经销商", "经销商编码", "伙伴编码", "渠道编码", "Partner", "ResellerKey"),
    "product": ("产品", "产品编码", "物料编码", "SKU", "Product", "ProductKey"),
    "customer": ("客户", "客户名称", "终端客户", "Customer"),
    "customer_region": ("客户区域", "客户地区", "区域"),
    "quantity": ("数量", "销量", "Quantity", "OrderQuantity"),
    "quantity_on_hand": ("库存", "库存数量", "在库数量"),
    "unit_price": ("单价", "价格", "UnitPrice"),
    "amount": ("金额", "销售额", "Amount", "SalesAmount"),
    "cost": ("成本", "Cost", "TotalProductCost"),
    "document_id": ("单据号", "单号", "出库单号"),
    "order_id": ("订单号", "SalesOrderNumber"),
    "campaign": ("活动", "活动名称"),
    "days_overdue": ("逾期天数",),
}


def column_guesses(schema: FactSchema, headers: list[str]) -> dict[str, str]:
    """For each canonical field, the source header that most likely feeds it (or nothing)."""
    guesses: dict[str, str] = {}
    for f in schema.fields:
        for candidate in (f.name, *HEADER_SYNONYMS.get(f.name, ())):
            match = next((h for h in headers if h.strip().lower() == candidate.lower()), None)
            if match is not None and match not in guesses.values():
                guesses[f.name] = match
                break
    return guesses


def validate_any_mapping(mapping: Mapping, target: str) -> None:
    """Check a mapping for a fact or a master-data target, whichever ``target`` names."""
    if target in FACTS:
        validate_fact_mapping(mapping, FACTS[target])
        return
    master = master_target(target)
    if mapping.target != master.name:
        raise MappingError(
            _("This mapping is for “%(mapped)s”, not “%(target)s”.")
            % {"mapped": mapping.target, "target": master.name}
        )
    validate_mapping(mapping, master)


def check_mapping_text(toml: str, fact: str) -> None:
    """A saved mapping must be valid for its fact or target; the error lands on the TOML
    field."""
    try:
        validate_any_mapping(parse_mapping(toml), fact)
    except MappingError as exc:
        raise ValidationError({"toml": str(exc)}) from exc


def master_fields(target: MasterTarget) -> list[MatchedField]:
    """A master-data target's fields as the column matcher shows them: the model's own
    name for each (translated), the canonical name, whether it is required."""
    fields = []
    for f in target.fields:
        label = target.model._meta.get_field(f.name).verbose_name  # type: ignore[union-attr]
        fields.append(MatchedField(f.name, label, f.required))
    return fields


def master_column_guesses(target: MasterTarget, headers: list[str]) -> dict[str, str]:
    """For each field, the header spelled as its canonical name or its label in either
    language (a file exported by Qudao, or typed by a person)."""
    guesses: dict[str, str] = {}
    for f in master_fields(target):
        spellings = {f.name.lower()}
        for language in ("en", "zh-hans"):
            with translation.override(language):
                spellings.add(str(f.label).lower())
        match = next((h for h in headers if h.strip().lower() in spellings), None)
        if match is not None and match not in guesses.values():
            guesses[f.name] = match
    return guesses


def mapping_from_matches(*, fact: str, matches: dict[str, str]) -> str:
    """The TOML mapping a person built by matching columns in the browser (a fact's or a
    master-data target's)."""
    names = fact_schema(fact).field_names if fact in FACTS else master_target(fact).field_names
    columns = {
        name: ColumnSpec(matches[name].strip()) for name in names if matches.get(name, "").strip()
    }
    return Mapping(target=fact, columns=columns).to_toml()

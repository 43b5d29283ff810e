"""Fact mappings: which fact a name means, whether a mapping fits it (the check shared with
master data, ``core.importing.mapping.check_mapping_fields``), and the guesses that turn an
uploaded file's headers into a mapping."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from qudao.core.importing.errors import MappingError
from qudao.core.importing.mapping import ColumnSpec, Mapping, check_mapping_fields, parse_mapping
from qudao.facts.schemas import FACTS, FactSchema


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


def mapping_from_matches(*, fact: str, matches: dict[str, str]) -> str:
    """The TOML mapping a person built by matching columns in the browser."""
    schema = fact_schema(fact)
    columns = {
        f.name: ColumnSpec(matches[f.name].strip())
        for f in schema.fields
        if matches.get(f.name, "").strip()
    }
    return Mapping(target=fact, columns=columns).to_toml()


def check_mapping_text(toml: str, fact: str) -> None:
    """A saved mapping must be valid for its fact; the error lands on the TOML field."""
    try:
        validate_fact_mapping(parse_mapping(toml), fact_schema(fact))
    except MappingError as exc:
        raise ValidationError({"toml": str(exc)}) from exc

"""Build the demo instance from the bundled AdventureWorks data.

The data is Microsoft's AdventureWorks sample under the MIT licence
(adventureworks/LICENSE.txt).

Idempotent: every step upserts by code, so running it twice changes nothing.
"""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth.models import Group
from django.db.models import Sum

from qudao.analytics.models import ReviewRun, RunStatus, Scorecard
from qudao.analytics.services import grading_model_ensure, review_run
from qudao.core.choices import Role
from qudao.core.importing.mapping import Mapping, load_mapping
from qudao.core.importing.master import ImportResult, import_file, run_master_import
from qudao.core.importing.registry import master_target
from qudao.core.models import User
from qudao.core.periods import Period
from qudao.demo.activities import demo_activities
from qudao.demo.agreements import demo_agreements
from qudao.demo.competitors import demo_competitor_notes
from qudao.demo.deals import demo_deals
from qudao.demo.feedback import demo_feedback
from qudao.demo.marketing import demo_campaigns
from qudao.demo.pilots import demo_pilot
from qudao.demo.recruitment import demo_recruitment
from qudao.demo.training import demo_training
from qudao.facts.choices import BatchStatus
from qudao.facts.models import Batch
from qudao.facts.services import fact_import, file_checksum
from qudao.facts.store import fact_table
from qudao.governance.services import risk_profiles_refresh
from qudao.partners.models import Partner, Target
from qudao.partners.seeds import reference_data_ensure
from qudao.programs.models import Program
from qudao.programs.services import (
    fund_create,
    mdf_request_decide,
    mdf_request_submit,
    program_load,
    rebates_settle,
)
from qudao.territories.models import Region

DATA = Path(__file__).resolve().parent / "adventureworks"
SELL_IN_MAPPING = Path(__file__).resolve().parents[3] / "docs/mappings/adventureworks-sell-in.toml"

GROUP_CODES = {"North America": "NA", "Europe": "EU", "Pacific": "PAC"}
ZH_NAMES = {
    "North America": "北美洲",
    "Europe": "欧洲",
    "Pacific": "太平洋地区",
    "United States": "美国",
    "Canada": "加拿大",
    "France": "法国",
    "Germany": "德国",
    "United Kingdom": "英国",
    "Australia": "澳大利亚",
    "Northwest": "西北区",
    "Northeast": "东北区",
    "Central": "中部区",
    "Southwest": "西南区",
    "Southeast": "东南区",
    "Bikes": "自行车",
    "Components": "零部件",
    "Clothing": "服装",
    "Accessories": "配件",
    "Road Bikes": "公路自行车",
    "Mountain Bikes": "山地自行车",
    "Touring Bikes": "旅行自行车",
    "Road Frames": "公路车架",
    "Mountain Frames": "山地车架",
    "Touring Frames": "旅行车架",
    "Jerseys": "骑行衫",
    "Handlebars": "车把",
    "Wheels": "车轮",
    "Tires and Tubes": "轮胎和内胎",
    "Helmets": "头盔",
    "Gloves": "手套",
    "Saddles": "车座",
    "Shorts": "短裤",
    "Pedals": "脚踏",
    "Socks": "袜子",
    "Caps": "帽子",
    "Forks": "前叉",
    "Headsets": "车头碗组",
    "Lights": "车灯",
    "Tights": "紧身裤",
    "Bib-Shorts": "背带短裤",
    "Vests": "马甲",
    "Bottles and Cages": "水壶和水壶架",
    "Cranksets": "牙盘",
    "Bottom Brackets": "中轴",
    "Pumps": "打气筒",
    "Derailleurs": "变速器",
    "Brakes": "刹车",
    "Panniers": "驮包",
    "Locks": "车锁",
    "Bike Racks": "车架托架",
    "Cleaners": "清洁剂",
    "Fenders": "挡泥板",
    "Bike Stands": "停车架",
    "Hydration Packs": "水袋背包",
    "Chains": "链条",
}

DEMO_PASSWORD = "qudao-demo"  # noqa: S105 - printed to the person running the demo


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    scope: str


DEMO_LOGINS = (
    DemoLogin("director", "channel_director", "all partners"),
    DemoLogin("manager.eu", "channel_manager", "partners in Europe"),
    DemoLogin("manager.na", "channel_manager", "partners in North America"),
    DemoLogin("finance", "finance", "read-only, all partners"),
    DemoLogin("sales", "sales", "read-only; owns the direct accounts"),
    DemoLogin("product", "product", "product feedback only: answers it"),
    DemoLogin("supply", "supply_chain", "supply alerts only: every partner's stock"),
    DemoLogin("partner", "partner_admin", "one reseller (AW00000001)"),
)


def _read(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "-", text.upper()).strip("-")


def region_rows() -> Iterator[dict[str, str]]:
    """Group → country → sales territory → city, from the territory and geography tables."""
    geography = _read("geography.csv")
    country_codes = {g["EnglishCountryRegionName"]: g["CountryRegionCode"] for g in geography}
    seen: set[str] = set()
    for t in _read("sales_territories.csv"):
        group, country = t["SalesTerritoryGroup"], t["SalesTerritoryCountry"]
        for code, name, kind, parent in (
            (GROUP_CODES[group], group, "group", ""),
            (country_codes[country], country, "country", GROUP_CODES[group]),
            (
                f"T{t['SalesTerritoryKey']}",
                t["SalesTerritoryRegion"],
                "territory",
                country_codes[country],
            ),
        ):
            if code not in seen:
                seen.add(code)
                yield {
                    "code": code,
                    "name_en": name,
                    "name_zh": ZH_NAMES.get(name, ""),
                    "kind": kind,
                    "parent": parent,
                }
    for g in geography:
        yield {
            "code": f"G{g['GeographyKey']}",
            "name_en": f"{g['City']}, {g['StateProvinceName']}",
            "name_zh": "",
            "kind": "city",
            "parent": f"T{g['SalesTerritoryKey']}",
        }


# Resellers are authorised for their own sales territory from before the first sale,
# not exclusively (a territory holds many resellers).
DEMO_TERRITORIES_FROM = "2010-01-01"


def territory_rows() -> Iterator[dict[str, str]]:
    """Each reseller authorised for the sales territory of its address."""
    territory_of = {g["GeographyKey"]: g["SalesTerritoryKey"] for g in _read("geography.csv")}
    for reseller in _read("resellers.csv"):
        yield {
            "partner": reseller["ResellerAlternateKey"],
            "region": f"T{territory_of[reseller['GeographyKey']]}",
            "exclusive": "no",
            "valid_from": DEMO_TERRITORIES_FROM,
        }


def category_rows() -> Iterator[dict[str, str]]:
    seen: set[str] = set()
    for p in _read("products.csv"):
        category, sub = p["EnglishProductCategoryName"], p["Subcategory"]
        for code, name, parent in (
            (_slug(category), category, ""),
            (_slug(sub), sub, _slug(category)),
        ):
            if code not in seen:
                seen.add(code)
                yield {
                    "code": code,
                    "name_en": name,
                    "name_zh": ZH_NAMES.get(name, ""),
                    "parent": parent,
                }


def product_rows() -> Iterator[dict[str, str]]:
    for p in _read("products.csv"):
        yield {
            "code": p["ProductKey"],
            "name_en": p["Product"],
            "name_zh": "",
            "category": _slug(p["Subcategory"]),
            "unit": "pcs",
            "standard_cost": p["StandardCost"],
            "is_active": "yes",
        }


def _import_rows(target_name: str, rows: Iterator[dict[str, str]]) -> ImportResult:
    target = master_target(target_name)
    numbered = ((n, row) for n, row in enumerate(rows, start=2))
    mapping = Mapping.identity(target.name, target.field_names)
    result = run_master_import(target=target, mapping=mapping, rows=numbered)
    if result.errors:
        raise RuntimeError(
            f"demo {target_name}: " + "; ".join(e.as_text() for e in result.errors[:5])
        )
    return result


def _ensure_user(login: DemoLogin) -> User:
    user, _created = User.objects.get_or_create(username=login.username)
    user.set_password(DEMO_PASSWORD)
    user.groups.set([Group.objects.get(name=login.role)])
    # The director also administers the instance (Django admin).
    user.is_staff = user.is_superuser = login.role == Role.CHANNEL_DIRECTOR
    user.save()
    return user


def _import_sell_in() -> Any:
    """The 57,851 sales lines, once: a later run finds the same file already committed."""
    source = DATA / "reseller_sales.csv"
    done = Batch.objects.filter(
        fact="sell_in", checksum=file_checksum(source), status=BatchStatus.COMMITTED
    ).first()
    if done is not None:
        return done
    result = fact_import(fact="sell_in", path=source, mapping=load_mapping(SELL_IN_MAPPING))
    if not result.committed:
        raise RuntimeError(f"demo sell_in: {result.summary()} (report: {result.report_path})")
    return result.batch


DEMO_TARGET_BASIS = "demo target: prior-year same quarter × 1.10"
DEMO_TARGET_UPLIFT = Decimal("1.10")


def _quarterly_sales() -> list[tuple[str, int, int, Decimal]]:
    """(partner, year, quarter, sell-in revenue) of every partner-quarter with sales."""
    lines = fact_table("sell_in")
    quarters = lines.group_by(
        partner=lines.partner, year=lines.order_date.year(), quarter=lines.order_date.quarter()
    ).aggregate(revenue=lines.amount.sum())
    return [
        (row["partner"], row["year"], row["quarter"], Decimal(row["revenue"]))
        for row in quarters.to_pyarrow().to_pylist()
    ]


def _demo_targets(sales: list[tuple[str, int, int, Decimal]]) -> int:
    """The dataset has no targets: each partner-quarter gets its prior-year same quarter's
    sell-in × 1.10, labelled as a demo target (DEMO_TARGET_BASIS)."""
    partners = dict(Partner.objects.values_list("code", "pk"))
    revenue = {(p, y, q): amount for p, y, q, amount in sales}
    have = set(Target.objects.values_list("partner_id", "period"))
    targets = []
    for (code, year, quarter), before in sorted(revenue.items()):
        key = f"{year + 1}Q{quarter}"
        if (partners[code], key) in have or before <= 0:
            continue
        period = Period.parse(key)
        targets.append(
            Target(
                partner_id=partners[code],
                period=key,
                period_start=period.start,
                period_end=period.end,
                amount=(before * DEMO_TARGET_UPLIFT).quantize(Decimal("0.01")),
                basis=DEMO_TARGET_BASIS,
            )
        )
    Target.objects.bulk_create(targets, batch_size=1000)
    return len(targets)


def _review_every_quarter(
    sales: list[tuple[str, int, int, Decimal]], progress: Callable[[str], Any]
) -> list[str]:
    quarters = sorted({f"{y}Q{q}" for _p, y, q, _r in sales})
    reviewed = set(
        ReviewRun.objects.filter(status=RunStatus.CURRENT).values_list("period", flat=True)
    )
    for key in quarters:
        if key not in reviewed:
            progress(f"review {key} …")
            review_run(period=key)
    return quarters


def build_demo(progress: Callable[[str], Any] = print, *, review: bool = True) -> dict[str, Any]:
    """Build (or complete) the demo; ``review=False`` leaves out the quarterly reviews,
    for tests that only need the master data and the sales lines."""
    results: dict[str, Any] = {}
    reference_data_ensure()
    progress("regions …")
    results["regions"] = _import_rows("regions", region_rows())
    progress("product categories …")
    results["categories"] = _import_rows("categories", category_rows())
    progress("products …")
    results["products"] = _import_rows("products", product_rows())
    progress("partners …")
    result = import_file(
        target=master_target("partners"),
        path=DATA / "resellers.csv",
        mapping=load_mapping(Path(__file__).parent / "resellers.toml"),
    )
    if result.errors:
        raise RuntimeError("demo partners: " + "; ".join(e.as_text() for e in result.errors[:5]))
    results["partners"] = result
    progress("authorised territories …")
    results["territories"] = _import_rows("territories", territory_rows())
    # Each step is atomic on its own (an import commits all its rows or none), so a
    # failed step leaves the earlier ones in place and a re-run completes the demo.
    progress("sell-in lines …")
    results["sell_in"] = _import_sell_in()
    progress("users …")
    users = {login.username: _ensure_user(login) for login in DEMO_LOGINS}
    users["manager.eu"].managed_regions.set([Region.objects.get(code="EU")])
    users["manager.na"].managed_regions.set([Region.objects.get(code="NA")])
    partner_user = users["partner"]
    partner_user.partner = Partner.objects.get(code="AW00000001")
    partner_user.save(update_fields=["partner"])

    grading_model_ensure()
    progress("demo targets (prior-year same quarter × 1.10) …")
    sales = _quarterly_sales()
    results["targets"] = _demo_targets(sales)
    results["reviews"] = _review_every_quarter(sales, progress) if review else []
    progress("market potential by region (generated) …")
    results["region_potential"] = _import_rows("region_potential", region_potential_rows())
    progress("training and certification (generated) …")
    results["training"] = demo_training()
    progress("agreements (generated) …")
    results["agreements"] = demo_agreements()
    # The dataset holds no receivables, complaints or licences: the profiles say so ("not
    # checkable") until people record them; confirmed violations weigh in as they come.
    progress("partner risk …")
    results["risk"] = risk_profiles_refresh()
    progress("rebate programs and settlements …")
    results["rebates"] = _demo_rebates()
    progress("competitor notes (generated) …")
    results["competitor_notes"] = demo_competitor_notes()
    progress("visits and communication (generated) …")
    results["activities"] = demo_activities()
    progress("a pilot with its control group (generated) …")
    results["pilots"] = demo_pilot()
    progress("recruitment: entry thresholds and applicants (generated) …")
    results["recruitment"] = demo_recruitment()
    progress("direct accounts and deal registrations (generated) …")
    results["deals"] = demo_deals()
    progress("product feedback (generated) …")
    results["feedback"] = demo_feedback()
    progress("joint marketing campaigns (generated) …")
    results["campaigns"] = demo_campaigns()
    return results


# 2019's quarters settled and approved; the last one left a draft for finance to approve.
DEMO_SETTLEMENTS = ("2019Q1", "2019Q2", "2019Q3", "2019-10", "2019-11", "2019Q4")


def _demo_rebates() -> list[str]:
    """The programs under ``demo/programs`` and 2019 settled, once."""
    if Program.objects.exists():
        return []
    for path in sorted((Path(__file__).parent / "programs").glob("*.toml")):
        program_load(text=path.read_text(encoding="utf-8"))
    for period in DEMO_SETTLEMENTS:
        rebates_settle(period=period, approve=period != DEMO_SETTLEMENTS[-1])
    _demo_funds()
    return list(DEMO_SETTLEMENTS)


def _demo_funds() -> None:
    """A market development fund for 2020's first half, one request approved and one
    waiting, so the MDF pages show the whole flow."""
    fund = fund_create(
        code="MDF-2020H1",
        name_en="Market development 2020 H1",
        name_zh="2020 上半年市场发展基金",
        period="2020",
        amount=Decimal(50000),
    )
    for code, activity, budget, approve in (
        ("AW00000001", "Spring test-ride weekend", 6000, True),
        ("AW00000002", "Shop window and posters", 2500, False),
    ):
        request = mdf_request_submit(
            partner=Partner.objects.get(code=code),
            fund=fund,
            activity=activity,
            plan="Two days, 40 riders, a local cycling club",
            budget=Decimal(budget),
            starts_on=date(2020, 4, 4),
            ends_on=date(2020, 4, 5),
        )
        if approve:
            mdf_request_decide(request=request, approve=True, note="Good plan.")


def region_potential_rows(seed: int = 20261210) -> Iterator[dict[str, str]]:
    """Demo market potential (generated — the dataset holds none): for each sales
    territory, 2019's sell-in × 1.5 to 4 (so coverage runs from a quarter to two thirds)
    and an outlet count; labelled as an estimate for the demo."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    sold = dict(
        Scorecard.objects.filter(is_current=True, period__startswith="2019")
        .values_list("region__parent__code")
        .annotate(total=Sum("revenue"))
    )
    for region in Region.objects.filter(kind="territory").order_by("code"):
        base = Decimal(sold.get(region.code) or 0)
        amount = (base * Decimal(str(round(rng.uniform(1.5, 4.0), 2)))).quantize(Decimal("1"))
        yield {
            "region": region.code,
            "period": "2019",
            "potential_amount": str(amount or rng.randint(5, 50) * 100_000),
            "potential_outlets": str(rng.randint(40, 400)),
            "source": "Demo estimate, generated — 演示估算（生成）",
        }

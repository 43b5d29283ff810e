"""Benchmarks for the foundation: master-data import and the partner list.

Run with `make bench`. Everything runs in one process on a fresh SQLite database in a
temporary QUDAO_HOME, on generated data of the stated size; results are printed as
ratios against named baselines measured in the same run.

  import  — `qudao import partners` (parse, validate, upsert through the services,
            history, tree paths) vs. the floor: Django `bulk_create` of the same rows with
            no validation, no history and no paths.
  list    — the partner list page (filter + sort + page 1 + render) vs. the bare ORM
            query for the same page of rows.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import tempfile
import time
from pathlib import Path


def _setup(home: Path) -> None:
    os.environ["QUDAO_HOME"] = str(home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qudao.settings")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _generate(path: Path, partners: int, seed: int) -> None:
    rng = random.Random(seed)
    models = ["distributor", "reseller", "retail_store", "agent"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["code", "name_en", "name_zh", "channel_model", "home_region", "credit_limit", "status"]
        )
        for i in range(partners):
            writer.writerow(
                [
                    f"B{i:07d}",
                    f"Bench Partner {i}",
                    f"测试伙伴{i}",
                    rng.choice(models),
                    f"CITY{rng.randrange(200):03d}",
                    f"{rng.randrange(1, 5_000_000)}.{rng.randrange(100):02d}",
                    "active",
                ]
            )


def _regions() -> None:
    from qudao.territories.services import region_create

    root = region_create(code="BENCH", name_en="Bench", kind="group")
    for c in range(200):
        region_create(code=f"CITY{c:03d}", name_en=f"City {c}", kind="city", parent=root)


def bench_import(tmp: Path, partners: int, seed: int) -> dict[str, float]:
    from decimal import Decimal

    from django.db import transaction

    from qudao.core.importing.master import import_file
    from qudao.core.importing.registry import master_target
    from qudao.partners.models import ChannelModel, Partner
    from qudao.territories.models import Region

    source = tmp / "partners.csv"
    _generate(source, partners, seed)
    started = time.perf_counter()
    result = import_file(target=master_target("partners"), path=source)
    qudao_s = time.perf_counter() - started
    assert result.created == partners and not result.errors, result.summary()

    rows = list(csv.DictReader(source.open(encoding="utf-8")))
    models = dict(ChannelModel.objects.values_list("code", "pk"))
    regions = dict(Region.objects.values_list("code", "pk"))
    started = time.perf_counter()
    with transaction.atomic():
        Partner.objects.bulk_create(
            [
                Partner(
                    code="X" + r["code"],
                    name_en=r["name_en"],
                    name_zh=r["name_zh"],
                    channel_model_id=models[r["channel_model"]],
                    home_region_id=regions[r["home_region"]],
                    credit_limit=Decimal(r["credit_limit"]),
                    status=r["status"],
                )
                for r in rows
            ],
            batch_size=2000,
        )
    baseline_s = time.perf_counter() - started
    Partner.objects.filter(code__startswith="X").delete()
    return {"qudao_s": qudao_s, "baseline_s": baseline_s}


def bench_list(repeats: int) -> dict[str, float]:
    from django.contrib.auth.models import Group
    from django.test import Client

    from qudao.core.models import User
    from qudao.partners.models import Partner

    director = User.objects.create_user("bench")
    director.groups.add(Group.objects.get(name="channel_director"))
    client = Client()
    client.force_login(director)
    page_times, orm_times = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get("/partners/", {"channel_model": 2, "sort": "-credit_limit"})
        page_times.append(time.perf_counter() - started)
        assert response.status_code == 200
        started = time.perf_counter()
        list(
            Partner.objects.filter(channel_model_id=2)
            .select_related("channel_model", "grade", "home_region", "owner")
            .order_by("-credit_limit")[:50]
        )
        Partner.objects.filter(channel_model_id=2).count()
        orm_times.append(time.perf_counter() - started)
    return {"page_s": statistics.median(page_times), "orm_s": statistics.median(orm_times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--partners", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        _setup(Path(tmp))
        _regions()
        imported = bench_import(Path(tmp), args.partners, args.seed)
        listed = bench_list(args.repeats)
    print(
        f"machine: {os.cpu_count()} cores; SQLite in a temporary QUDAO_HOME; "
        f"{args.partners:,} generated partners in 200 regions (seed {args.seed})"
    )
    print(f"{'benchmark':<34}{'qudao':>10}{'baseline':>10}{'ratio':>8}")
    print(
        f"{'import partners (rows/s)':<34}"
        f"{args.partners / imported['qudao_s']:>10,.0f}"
        f"{args.partners / imported['baseline_s']:>10,.0f}"
        f"{imported['qudao_s'] / imported['baseline_s']:>7.1f}x"
    )
    print(f"{'  baseline: bulk_create, no checks':<34}")
    print(
        f"{'partner list page (ms, median)':<34}{listed['page_s'] * 1000:>10.1f}"
        f"{listed['orm_s'] * 1000:>10.1f}{listed['page_s'] / listed['orm_s']:>7.1f}x"
    )
    print(f"{'  baseline: bare ORM page + count':<34}")


if __name__ == "__main__":
    main()

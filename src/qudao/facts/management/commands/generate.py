"""``qudao generate --partners N --lines N --seed S --out DIR [--load]`` — a synthetic channel."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from qudao.facts.generator import generate_channel
from qudao.facts.services import generated_channel_load


class Command(BaseCommand):
    help = (
        "Write a deterministic synthetic channel (master data, eight quarters of facts, "
        "planted anomalies with their ground truth) as CSV files; --load imports them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--partners", type=int, default=500)
        parser.add_argument(
            "--lines",
            type=int,
            default=100_000,
            help="sell-through lines (sell-in gets a fifth as many)",
        )
        parser.add_argument(
            "--inventory-rows",
            type=int,
            help="about this many inventory rows (default: 3 products per partner and month)",
        )
        parser.add_argument(
            "--codes", type=int, help="product codes shipped (default: a twentieth of --lines)"
        )
        parser.add_argument(
            "--scans-per-code",
            type=int,
            default=1,
            help="scans of each code not planted (more: the retailer's before the consumer's)",
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--load", action="store_true", help="import the files here")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["partners"] < 3 or opts["lines"] < 1:
            raise CommandError("use at least 3 partners and 1 line")
        if opts["scans_per_code"] < 1 or (opts["codes"] is not None and opts["codes"] < 1):
            raise CommandError("use at least 1 code and 1 scan per code")
        started = time.perf_counter()
        channel = generate_channel(
            partners=opts["partners"],
            lines=opts["lines"],
            seed=opts["seed"],
            out=opts["out"],
            inventory_rows=opts["inventory_rows"],
            product_codes=opts["codes"],
            scans_per_code=opts["scans_per_code"],
        )
        self.stderr.write(
            f"generated {len(channel.files)} files in {opts['out']} "
            f"({time.perf_counter() - started:.1f} s)"
        )
        if opts["load"]:
            call_command("migrate", interactive=False, verbosity=0)
            try:
                for line in generated_channel_load(files=channel.files):
                    self.stderr.write(f"  {line}")
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{opts['out']}: {opts['partners']:,} partners, {opts['lines']:,} "
            f"sell-through lines, {channel.anomalies} planted anomalies "
            f"(ground_truth.csv)"
        )

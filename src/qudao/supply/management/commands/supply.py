"""``qudao supply check [--as-of DAY] [--user NAME]`` — days of supply, forecasts and the
stock-out and overstock alerts (also run after every inventory or sell-through file and with
every review). ``qudao supply generate --out DIR [--load]`` — stock and sell-through with
planted stock-outs, for trying the check and measuring it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from qudao.core.management.arguments import day
from qudao.core.models import User
from qudao.facts.services import generated_channel_load
from qudao.supply.models import CheckTrigger


class Command(BaseCommand):
    help = "Supply alerts: run a check, or generate data with planted stock-outs."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        check = actions.add_parser("check", help="judge every partner × product family")
        check.add_argument(
            "--as-of", type=day, help="the day judged (default: the latest inventory count)"
        )
        check.add_argument("--user", help="run as this user (their permissions apply)")
        generate = actions.add_parser("generate", help="write generated stock and sell-through")
        generate.add_argument("--partners", type=int, default=200)
        generate.add_argument("--families", type=int, default=8)
        generate.add_argument("--seed", type=int, default=1)
        generate.add_argument("--out", type=Path, required=True)
        generate.add_argument("--load", action="store_true", help="import the files here")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "generate":
            self._generate(opts)
            return
        # deferred: the check loads the engine and statsmodels
        from qudao.supply.services import supply_check_run

        try:
            actor = User.objects.get(username=opts["user"]) if opts["user"] else None
            check = supply_check_run(trigger=CheckTrigger.COMMAND, as_of=opts["as_of"], actor=actor)
        except User.DoesNotExist as exc:
            raise CommandError(f"no user {opts['user']!r}") from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        counts, backtest = check.counts, check.forecast.get("backtest") or {}

        def percent(value: float | None) -> str:
            return "—" if value is None else f"{value:.1%}"

        self.stdout.write(
            f"check {check.pk} as of {check.as_of}: {counts['positions']} positions of "
            f"{counts['partners']} partners ({counts['stale_partners']} with a count too old "
            f"to judge); stock-out {counts['stock_out']}, overstock {counts['overstock']}; "
            f"alerts raised {counts['raised']}, cleared {counts['cleared']}, open "
            f"{counts['open']}. Forecast of {check.forecast['month'][:7]}; backtest of the "
            f"month before: WAPE {percent(backtest.get('wape_smoothing'))} by smoothing, "
            f"{percent(backtest.get('wape_naive'))} naive"
        )

    def _generate(self, opts: dict[str, Any]) -> None:
        from qudao.supply.generator import generate_supply  # numpy: loaded when used

        if opts["partners"] < 1 or opts["families"] < 1:
            raise CommandError("use at least 1 partner and 1 family")
        made = generate_supply(
            partners=opts["partners"],
            families=opts["families"],
            seed=opts["seed"],
            out=opts["out"],
        )
        if opts["load"]:
            call_command("migrate", interactive=False, verbosity=0)
            try:
                for line in generated_channel_load(files=made.files):
                    self.stderr.write(f"  {line}")
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        planted = ", ".join(f"{kind} {len(found)}" for kind, found in made.planted.items())
        self.stdout.write(f"{opts['out']}: planted {planted} (planted.csv)")

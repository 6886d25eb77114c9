from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shuniu.accounts.actors import SystemActor
from shuniu.demo.gen import MissingRegions
from shuniu.demo.scenarios import SCENARIOS
from shuniu.demo.services import DEFAULT_SEED, AlreadyGenerated, UnknownScenario, scenario_generate


class Command(BaseCommand):
    help = "生成演示场景数据（按种子可重现）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scenario", required=True, choices=sorted(SCENARIOS))
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument("--scale", type=float, default=1.0, help="national 场景的规模系数（如 0.01；1 约 90 万个组织，最大 2）")

    def handle(self, *args: Any, **opts: Any) -> None:
        # Above 1 is for benchmarks that need more than the national figure (bench/api.py: 1,000,000 orgs).
        if not 0 < opts["scale"] <= 2:
            raise CommandError("--scale 须在 (0, 2] 之间")
        try:
            run = scenario_generate(actor=SystemActor("cli"), name=opts["scenario"], seed=opts["seed"], scale=opts["scale"])
        except (MissingRegions, AlreadyGenerated, UnknownScenario) as exc:
            raise CommandError(str(exc)) from exc
        c = run.counts
        rows = sum(c.values())
        self.stdout.write(
            f"{run.name}: " + ", ".join(f"{k} {v}" for k, v in c.items())
            + f" in {run.seconds:.1f}s ({rows / max(run.seconds, 1e-9):,.0f} rows/s, "
            f"{c.get('orgs', 0) / max(run.seconds, 1e-9):,.0f} orgs/s)"
        )

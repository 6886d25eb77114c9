"""Reads of the administrative divisions: public reference data, not restricted by scope."""

from __future__ import annotations

from django.db.models import QuerySet

from shuniu.regions.codes import InvalidRegionCode, parse
from shuniu.regions.models import Region


def region_list(*, include_retired: bool = False) -> QuerySet[Region]:
    qs = Region.objects.all()
    return qs if include_retired else qs.filter(retired_on__isnull=True)


def region_get(code: str) -> Region | None:
    """The division for a code in any accepted form (2/4/6/9/12 digits), retired ones too."""
    try:
        short = parse(code).short
    except InvalidRegionCode:
        return None
    return Region.objects.filter(code=short).first()

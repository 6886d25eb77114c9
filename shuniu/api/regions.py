"""Administrative divisions: reference data that any authenticated user may read."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from shuniu.api.common import found, page, region_code
from shuniu.api.schemas import ERRORS, Page, RegionFilters, RegionOut
from shuniu.regions.selectors import region_get, region_list

router = Router(tags=["regions"])


@router.get("/regions", response={200: Page[RegionOut], **ERRORS}, summary="行政区划列表")
def list_regions(request: HttpRequest, filters: Query[RegionFilters]) -> Any:
    qs = region_list(include_retired=filters.include_retired)
    if filters.parent:
        qs = qs.filter(parent_id=region_code("parent", filters.parent).short)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.q:
        qs = qs.filter(name__contains=filters.q)
    return page(qs.order_by("code"), filters)


@router.get("/regions/{code}", response={200: RegionOut, **ERRORS}, summary="行政区划")
def get_region(request: HttpRequest, code: str) -> Any:
    return found(region_get(code))

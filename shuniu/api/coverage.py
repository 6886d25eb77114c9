"""Coverage figures and rule findings, through the coverage selectors and rules over scoped rows."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from shuniu.api.common import in_region, page_of_iterable, region_code, scope_of
from shuniu.api.schemas import ERRORS, CoverageQuery, CoverageRow, FindingOut, FindingQuery, Page
from shuniu.coverage.rules import evaluate
from shuniu.coverage.selectors import coverage_rows
from shuniu.party.selectors import member_list, party_org_list
from shuniu.regions.models import Region
from shuniu.registry.selectors import org_list

router = Router(tags=["coverage"])


@router.get("/coverage", response={200: Page[CoverageRow], **ERRORS}, exclude_none=True,
            summary="党的组织覆盖与工作覆盖统计")
def coverage(request: HttpRequest, query: Query[CoverageQuery]) -> Any:
    """The first row is the region itself (the country for an administrator without ``region``),
    the others its direct sub-regions (``by=level``) or its breakdown by the chosen dimension.
    Rows have the shape printed by ``shuniu coverage --json``."""
    if query.region:
        region_code("region", query.region)
    try:
        rows = coverage_rows(scope_of(request), query.region, by=query.by, as_of=query.as_of)
    except Region.DoesNotExist:
        raise ValidationError({"region": ValidationError(
            _("地区代码“%(code)s”不存在（规则：须为现行行政区划代码）") % {"code": query.region}, code="region")}
        ) from None
    return page_of_iterable(rows, query)


@router.get("/findings", response={200: Page[FindingOut], **ERRORS}, summary="规则检查发现")
def findings(request: HttpRequest, query: Query[FindingQuery]) -> Any:
    """Findings of the enabled rules (or of the ``rule`` given, even if switched off) over the orgs
    and party orgs in the caller's scope, each citing its source."""
    scope = scope_of(request)
    if query.region:
        code = region_code("region", query.region)
        # Like the coverage figures: a region scope may not ask about a region outside it.
        if scope.kind in ("all", "region") and not scope.contains_region(code.short):
            raise PermissionDenied(_("地区 %(code)s 不在您的管辖范围内") % {"code": query.region})
    orgs = in_region(org_list(scope), "region", query.region)
    party_orgs = in_region(party_org_list(scope), "region", query.region)
    members = in_region(member_list(scope), "region", query.region)
    found = evaluate(orgs, party_orgs, rule_ids=list(query.rule) if query.rule else None, members=members)
    return page_of_iterable((asdict(f) for f in found), query)

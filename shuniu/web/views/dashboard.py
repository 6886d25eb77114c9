"""The dashboard (home) and the region browser: coverage figures of a region and its sub-regions."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from shuniu.accounts.scopes import Scope
from shuniu.coverage.selectors import resolve_region
from shuniu.regions.codes import InvalidRegionCode
from shuniu.regions.models import Region
from shuniu.web.figures import dashboard
from shuniu.web.views.common import scope_of
from shuniu.web.views.orglife import life_panel, own_party_org, workspace

# The city level of the municipalities is only a grouping (as in coverage.selectors.sub_regions).
GROUPING_LEVELS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def _breadcrumbs(region: Region | None, root: str) -> list[Region]:
    """The region's ancestors down from the top of the user's scope (``root``, "" for the country),
    leaving out the grouping levels officers do not count (市辖区, 县)."""
    chain: list[Region] = []
    node = region
    while node is not None:
        if node.name not in GROUPING_LEVELS or node == region:
            chain.append(node)
        if node.code == root:
            break
        node = node.parent
    return list(reversed(chain))


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    # A secretary lands on their branch's workspace; the figures of the whole scope stay one link away.
    if scope.kind == "party" and request.GET.get("view") != "overview":
        own = own_party_org(request)
        if own is not None:
            return workspace(request, own)
    region = None
    if scope.kind == "region" and scope.region is not None:
        region = Region.objects.get(code=scope.region.short)
    return _render(request, scope, region, home=True)


@login_required
def region(request: HttpRequest, code: str) -> HttpResponse:
    scope = scope_of(request)
    if scope.kind not in ("all", "region"):
        raise Http404
    try:
        found = resolve_region(scope, code)
    except (PermissionDenied, Region.DoesNotExist, InvalidRegionCode) as exc:
        raise Http404 from exc
    if found is not None and code != found.code:
        return redirect("region", found.code)
    return _render(request, scope, found, home=False)


def _render(request: HttpRequest, scope: Scope, region: Region | None, *, home: bool) -> HttpResponse:
    data = dashboard(scope, region)
    root = scope.region.short if scope.kind == "region" and scope.region else ""
    return render(request, "web/dashboard.html", {
        **data, "region": region, "home": home, "scope": scope, "life": life_panel(scope, data["code"]),
        "crumbs": _breadcrumbs(region, root) if data["by_region"] else [],
    })

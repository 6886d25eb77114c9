from __future__ import annotations

import contextlib
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shuniu.accounts.scopes import Scope
from shuniu.core.selectors import summary
from shuniu.coverage.selectors import coverage_rows
from shuniu.party.models import PartyOrgKind


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = Scope.for_user(request.user)
    data = summary(scope)
    rows: list[dict[str, Any]] = []
    # Hub, party and instructor scopes have no region table.
    with contextlib.suppress(PermissionDenied):
        rows = coverage_rows(scope)
    kinds = [(PartyOrgKind(k).label, n) for k, n in data["party_orgs"]["by_kind"].items() if k in PartyOrgKind.values]
    return render(request, "web/home.html", {"summary": data, "scope": scope, "kinds": kinds,
                                             "top": rows[0] if rows else None, "subregions": rows[1:]})

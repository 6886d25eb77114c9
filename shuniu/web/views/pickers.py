"""Autocomplete for the form pickers: matching objects inside the user's scope, 20 at most."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from shuniu.accounts.scopes import Scope
from shuniu.core.validators import normalize_code
from shuniu.party.models import PartyOrg
from shuniu.party.selectors import instructor_search, party_org_list
from shuniu.registry.models import SocialOrg
from shuniu.registry.selectors import hub_list, org_list, region_list
from shuniu.web.forms import PickerQuery, picker_label
from shuniu.web.views.common import form_errors, scope_of, takes_query

LIMIT = 20
KINDS = ("org", "party_org", "instructor", "region", "hub")


def _options(kind: str, scope: Scope, q: str) -> QuerySet[Any]:
    qs: QuerySet[Any]
    if kind == "org":
        qs = org_list(scope).filter(status="active")
        return qs.filter(Q(name__icontains=q) | Q(uscc__startswith=normalize_code(q))) if q else qs
    if kind == "party_org":
        qs = party_org_list(scope).filter(dissolved_on__isnull=True)
        return qs.filter(name__icontains=q) if q else qs
    if kind == "instructor":
        return instructor_search(scope, q=q)
    if kind == "region":
        qs = region_list(scope)
        return (qs.filter(code__startswith=q) if q.isdigit() else qs.filter(name__icontains=q)) if q else qs
    if kind == "hub":
        qs = hub_list(scope)
        return qs.filter(name__icontains=q) if q else qs
    raise Http404


@login_required
@takes_query(PickerQuery)
def pick(request: HttpRequest, kind: str, query: PickerQuery) -> HttpResponse:
    if kind not in KINDS:
        raise Http404
    if not query.is_valid():
        # Typed into a search box letter by letter: a search that cannot match (too long, control
        # characters) lists nothing, and says why, where the matches would be (a 200, which htmx shows).
        return render(request, "web/_picker_options.html", {"options": [], "error": form_errors(query)[0],
                                                            "kind": kind})
    q = query.cleaned_data["q"]
    objects = list(_options(kind, scope_of(request), q)[:LIMIT])
    options = []
    for obj in objects:
        value = obj.code if kind == "region" else obj.pk
        note = ""
        if kind == "instructor":
            note = f"{obj.load}/{obj.capacity}"
        elif kind == "party_org":
            note = obj.get_kind_display()

        elif kind == "region":
            note = obj.get_level_display()
        elif kind == "org":
            note = obj.get_coverage_status_display()
        options.append({"value": value, "label": picker_label(kind, obj), "note": note})
    return render(request, "web/_picker_options.html", {"options": options, "q": q, "kind": kind})


@login_required
@takes_query(PickerQuery)
def party_org_directory(request: HttpRequest, query: PickerQuery) -> HttpResponse:
    """The receiving side of a transfer letter, anywhere in the country (it is usually outside the
    sender's jurisdiction): a directory of active party orgs' names and places, found by a name
    search, and nothing else about them (no members, no figures, no secretary)."""
    kind = "party_org_directory"
    if not query.is_valid():
        return render(request, "web/_picker_options.html", {"options": [], "error": form_errors(query)[0],
                                                            "kind": kind})
    q = query.cleaned_data["q"]
    rows = (PartyOrg.objects.filter(dissolved_on__isnull=True, name__icontains=q).select_related("region")
            .only("id", "name", "region__name", "region__code").order_by("name", "id")[:LIMIT]) if q else []
    options = [{"value": p.pk, "label": picker_label(kind, p), "note": p.region.code} for p in rows]
    return render(request, "web/_picker_options.html", {"options": options, "q": q, "kind": kind})


@login_required
@takes_query(PickerQuery)
def org_directory(request: HttpRequest, query: PickerQuery) -> HttpResponse:
    """A member's new workplace named on a transfer letter, anywhere in the country: a directory of
    active registered social orgs' names and places (public registration facts), found by a name
    search, and nothing else about them (no members, no coverage, no figures)."""
    kind = "org_directory"
    if not query.is_valid():
        return render(request, "web/_picker_options.html", {"options": [], "error": form_errors(query)[0],
                                                            "kind": kind})
    q = query.cleaned_data["q"]
    rows = (SocialOrg.objects.filter(status="active", name__icontains=q).select_related("region")
            .only("id", "name", "region__name", "region__code").order_by("name", "id")[:LIMIT]) if q else []
    options = [{"value": o.pk, "label": picker_label(kind, o), "note": o.region.code} for o in rows]
    return render(request, "web/_picker_options.html", {"options": options, "q": q, "kind": kind})

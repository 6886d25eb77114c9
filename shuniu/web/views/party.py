"""Party orgs: the tree (children loaded with htmx), the filtered list, the detail, the form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shuniu.accounts.actors import SignedInRequest
from shuniu.coverage import engine
from shuniu.coverage.rules import evaluate
from shuniu.party.models import PartyOrg, PartyOrgCoverage, PartyOrgKind
from shuniu.party.selectors import (
    member_search,
    party_org_child_groups,
    party_org_children,
    party_org_get,
    party_org_history,
    party_org_roots,
    party_org_search,
    party_org_totals,
    with_totals,
)
from shuniu.party.services import party_org_create
from shuniu.party.terms import term_alert, term_end
from shuniu.regions.codes import parse
from shuniu.registry.models import SocialOrg
from shuniu.registry.selectors import org_list
from shuniu.rulesettings.selectors import params
from shuniu.transfers.selectors import batches
from shuniu.web.forms import FilterForm, PartyChildrenFilters, PartyOrgFilters, PartyOrgForm, prefill_form, submit
from shuniu.web.views.common import (
    bad_query,
    history,
    paginate,
    region_in_scope,
    render_form,
    render_page,
    scope_of,
    takes_query,
)


@login_required
@takes_query(PartyOrgFilters)
def party_tree(request: HttpRequest, query: PartyOrgFilters) -> HttpResponse:
    context: dict[str, Any] = {"form": query, "kinds": PartyOrgKind.choices, "f": query.values()}
    if query.is_valid():
        scope = scope_of(request)
        f = {k: query.cleaned_data[k] for k in ("q", "kind", "region", "dissolved")}
        region_in_scope(scope, f["region"])
        flat = any(f.values())
        qs = party_org_search(scope, **f).order_by("path") if flat else party_org_roots(scope)
        page = paginate(qs, query.cleaned_data["page"])
        page.object_list = with_totals(scope, page.object_list)
        context.update(page=page, flat=flat)
    return render_page(request, "web/party_tree.html", "web/_party_results.html", context)


@login_required
@takes_query(PartyChildrenFilters)
def party_children(request: HttpRequest, pk: int, query: PartyChildrenFilters) -> HttpResponse:
    """One level of the tree below a party org (htmx): its children, or, when they are many, the
    districts or streets they lie in (each opened the same way, ``?region=``); a long list a page
    at a time."""
    scope = scope_of(request)
    parent = party_org_get(scope, pk)
    if parent is None:
        raise Http404
    if not query.is_valid():
        return bad_query(request, query)
    region, here = query.cleaned_data["region"], query.cleaned_data["here"]
    groups = party_org_child_groups(scope, parent, region=region, here=here)
    if groups is not None:
        level = next((parse(g.code).level for g in groups if not g.here), "")
        return render(request, "web/_party_groups.html", {
            "parent": parent, "groups": groups, "level": level, "count": sum(g.party_orgs for g in groups)})
    page = paginate(party_org_children(scope, parent, region=region, here=here), query.cleaned_data["page"])
    return render(request, "web/_party_nodes.html", {
        "nodes": with_totals(scope, page.object_list), "group_page": page, "parent": parent})


@login_required
def party_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    party_org = party_org_get(scope, pk)
    if party_org is None:
        raise Http404
    coverages = list(PartyOrgCoverage.objects.filter(party_org=party_org).select_related("org")
                     .order_by("-started_on"))
    coverages.sort(key=lambda c: c.ended_on is not None)
    visible_orgs = set(org_list(scope).filter(pk__in=[c.org_id for c in coverages]).values_list("pk", flat=True))
    # Only the covered orgs inside the scope, as in the API: a joint branch that a hub's staff may
    # see (it covers one of the hub's orgs) does not tell them which other orgs it covers.
    coverages = [c for c in coverages if c.org_id in visible_orgs]
    roster = member_search(scope, party_org=str(party_org.pk))
    end = term_end(party_org)
    term = params("TERM", party_org.region_id)
    alert = term_alert(end, engine.today(), notice_months=term["notice_months"], urgent_days=term["urgent_days"])
    findings = [x for x in evaluate(SocialOrg.objects.none(), PartyOrg.objects.filter(pk=party_org.pk))
                if x.subject_type == "party_org"]
    entries = party_org_history(party_org)
    return render(request, "web/party_detail.html", {
        "party": party_org, "coverages": coverages, "totals": party_org_totals(scope, [party_org])[party_org.pk],
        "roster": roster[:200], "roster_total": roster.count(),
        "term_end": end, "term_alert": alert,
        "findings": findings, "history": history(list(entries[:100]), PartyOrg),
        "superior_visible": party_org.superior_id is not None and party_org_get(scope, party_org.superior_id) is not None,
        "transfer_batches": list(batches(scope).filter(party_org=party_org)[:5]),
    })


@login_required
@takes_query(prefill_form(PartyOrgForm, ["superior", "covers", "kind"]))
def party_new(request: SignedInRequest, query: FilterForm) -> HttpResponse:
    scope = scope_of(request)
    form = PartyOrgForm(request.POST or None, scope=scope, initial=query.given())
    if request.method == "POST" and form.is_valid():
        party_org = submit(form, lambda: party_org_create(actor=request.user, **form.service_data()))
        if party_org is not None:
            messages.success(request, _("已建立“%(name)s”") % {"name": party_org.name})
            return redirect("party_detail", party_org.pk)
    return render_form(request, {
        "form": form, "title": _("建立党组织"), "cancel": "party_tree",
        "intro": _("正式党员 3 人以上的社会组织应单独建立党组织；不足 3 人的可联合建立党支部（《意见》第八、十条）。"),
    }, query)

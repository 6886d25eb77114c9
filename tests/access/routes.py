"""Every route of the project, found by walking the URL resolver, and the matrix's rule for each.

A rule says what a route's path parameters name (an org, a party org, a batch...), what shape the
route has (a list, an object, a form that creates, public reference data) and how to reach
outside the scope through it (the payloads of writes). A route found in the resolver without a rule,
or with a path parameter its rule does not fill, fails the matrix: a new page or endpoint is
covered the day it is added, or the suite says what to add here.

Django admin is walked too: ``user_create`` makes every user staff (``is_staff=True``), so every
persona can open /admin/, and its changelists, change pages, history and autocomplete are read
paths like any other. Its routes are generated per registered model from ``ADMIN_OBJECTS``; a model
registered in the admin without an entry there fails the matrix.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from tests.access.world import FOREIGN_STREET, INSIDE_STREET, REGION_OF, World
from tests.factories import CHAOYANG, HEHUACHI, JIANWAI, ZHONGLOU, make_uscc

Values = Callable[[World, str], Sequence[str]] | Sequence[str]
Payloads = Callable[[World, str], Sequence[dict[str, Any]]]


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name", or the route itself for unnamed patterns
    route: str  # the full pattern, e.g. "orgs/<int:pk>/"
    params: tuple[str, ...]
    regex: bool


@dataclass(frozen=True)
class Rule:
    #: "list": shows many objects (lists, searches, exports, pickers, dashboards): 200 without anything
    #:   from outside the scope, whatever the query; "object": its id parameter names one object of
    #:   ``obj``: 200 inside, 403/404 outside; "create": a form or endpoint that creates: refused or
    #:   invalid for ``payloads`` that reach outside, the database unchanged; "public": no data of
    #:   anybody's jurisdiction (reference data, login, schema).
    shape: str
    obj: str | None = None
    method: str = "GET"
    #: values for the path parameters other than the object id
    values: Mapping[str, Values] = field(default_factory=dict)
    #: query-string variants of the route (e.g. the list's csv and xlsx exports)
    queries: Sequence[Mapping[str, str]] = ({},)
    #: bodies that try to write outside the scope (create routes; object routes: sent to the object
    #: outside the scope, and to the object inside it when ``reach`` is set)
    payloads: Payloads | None = None
    reach: Payloads | None = None
    #: personas for whom the in-scope request must answer ``ok_status`` (None: all of them); the
    #: others may be refused (403/404) but never get a 5xx or see anything outside their scope
    ok: Callable[[str, Mapping[str, str]], bool] | None = None
    ok_status: int = 200
    #: for lists: the kind of object whose in-scope name a search must find (proves the list works)
    finds: str | None = None
    #: the query parameters to probe, when the route reads them all at once (the admin's changelist
    #: reads every parameter; it searches with ``q`` and filters only by its declared list_filter)
    probe_params: frozenset[str] | None = None
    #: whether the page's view takes a POST (Django admin's history and its /<id>/ redirect do not)
    writes: bool = True
    api: bool = False
    admin: bool = False

    def works(self, persona: str, fill: Mapping[str, str]) -> bool:
        """Whether the in-scope request must succeed for ``persona`` with these path values."""
        if fill.get("kind") == "unknown":
            return False
        return self.ok is None or self.ok(persona, fill)


def regional(persona: str, fill: Mapping[str, str]) -> bool:
    return persona in REGION_OF


def nobody(persona: str, fill: Mapping[str, str]) -> bool:
    return False


def only_admin(persona: str, fill: Mapping[str, str]) -> bool:
    return persona == "admin"


def regional_for_coverage(persona: str, fill: Mapping[str, str]) -> bool:
    """The coverage and org-life tables are by region: hub, party and instructor scopes have none (403)."""
    return fill.get("kind") not in ("coverage", "life_compliance") or persona in REGION_OF


def admin_apps(persona: str, fill: Mapping[str, str]) -> bool:
    """Officers see the admin's data apps; users, groups are administrators' only."""
    return persona == "admin" or fill.get("app_label") not in ("accounts", "auth")


# ---- payload builders -------------------------------------------------------------------------

def _today() -> str:
    return f"{dt.date.today():%Y-%m-%d}"


def _pk(w: World, persona: str, kind: str, inside: bool) -> Any:
    obj = w.first_inside(persona, kind) if inside else w.target(persona, kind)
    return obj.pk if obj is not None else ""


def _org_form(w: World, persona: str, region: str | None) -> dict[str, Any]:
    return {"name": "越界登记协会", "type": "social_group", "uscc": make_uscc(9001, (region or JIANWAI)[:6]),
            "region": region or "", "registration_level": "county", "full_time_staff": "3"}


def web_org_new(w: World, persona: str) -> list[dict[str, Any]]:
    out = [_org_form(w, persona, FOREIGN_STREET[persona])] if FOREIGN_STREET[persona] else []
    if (hub := w.target(persona, "hub")) is not None and persona in INSIDE_STREET:
        # A hub outside the scope, for an org placed inside it.
        out.append({**_org_form(w, persona, INSIDE_STREET[persona]), "hub": hub.pk})
    return out


def _inside_street(persona: str) -> str | None:
    return INSIDE_STREET.get(persona)


def web_org_new_duplicate(w: World, persona: str) -> list[dict[str, Any]]:
    """An org placed inside the scope with the USCC of one outside it: the error may say the code
    is taken, not by whom."""
    org = w.target(persona, "org")
    if org is None or _inside_street(persona) is None:
        return []
    return [{**_org_form(w, persona, _inside_street(persona)), "uscc": org.markers[1]}]


def web_party_new(w: World, persona: str) -> list[dict[str, Any]]:
    base = {"name": "越界党支部", "kind": "branch", "established_on": _today()}
    out = []
    if (org := w.target(persona, "org")) is not None:
        out.append({**base, "covers": org.pk})
    if (party := w.target(persona, "party_org")) is not None:
        out.append({**base, "superior": party.pk})
    if FOREIGN_STREET[persona]:
        out.append({**base, "kind": "joint_branch", "region": FOREIGN_STREET[persona]})
    return out


def web_member_new(w: World, persona: str) -> list[dict[str, Any]]:
    base = {"name": "越界党员", "gender": "male", "status": "full", "admitted_on": "2015-06-01",
            "full_on": "2016-06-01"}
    out = []
    if (org := w.target(persona, "org")) is not None:
        out.append({**base, "workplace": org.pk})
    if (party := w.target(persona, "party_org")) is not None:
        out.append({**base, "relation_org": party.pk})
    return out


def web_member_duplicate(w: World, persona: str) -> list[dict[str, Any]]:
    """A member recorded inside the scope with the ID number of one outside it."""
    member, org = w.target(persona, "member"), w.first_inside(persona, "org")
    if member is None or org is None:
        return []
    return [{"name": "重号党员", "gender": "male", "status": "full", "admitted_on": "2015-06-01",
             "full_on": "2016-06-01", "workplace": org.pk, "id_number": member.personal[0]}]


def web_applicant_new(w: World, persona: str) -> list[dict[str, Any]]:
    """A new applicant at an org outside the scope, or developed by a party org outside it."""
    base = {"name": "越界申请人", "gender": "male", "birth_date": "1990-01-01", "applied_on": _today()}
    out = []
    org, party = w.target(persona, "org"), w.target(persona, "party_org")
    org_in, party_in = w.first_inside(persona, "org"), w.first_inside(persona, "party_org")
    if org is not None and party_in is not None:
        out.append({**base, "workplace": org.pk, "branch": party_in.pk})
    if party is not None and org_in is not None:
        out.append({**base, "workplace": org_in.pk, "branch": party.pk})
    return out


def web_coverage_new(w: World, persona: str) -> list[dict[str, Any]]:
    if w.target(persona, "org") is None:
        return []
    return [
        {"org": _pk(w, persona, "org", False), "party_org": _pk(w, persona, "party_org", True), "started_on": _today()},
        {"org": _pk(w, persona, "org", True), "party_org": _pk(w, persona, "party_org", False), "started_on": _today()},
    ]


def web_assignment_new(w: World, persona: str) -> list[dict[str, Any]]:
    if w.target(persona, "org") is None:
        return []
    return [
        {"instructor": _pk(w, persona, "instructor", False), "org": _pk(w, persona, "org", True),
         "started_on": _today()},
        {"instructor": _pk(w, persona, "instructor", True), "org": _pk(w, persona, "org", False),
         "started_on": _today()},
    ]


def web_org_edit(w: World, persona: str) -> list[dict[str, Any]]:
    return [{**_org_form(w, persona, HEHUACHI), "name": "越权改名协会", "uscc": ""}]


def web_org_reach(w: World, persona: str) -> list[dict[str, Any]]:
    """Changes to an org inside the scope that would move it, or link it, outside."""
    org = w.first_inside(persona, "org")
    if org is None:
        return []
    i = org.instance
    base = {"name": i.name, "type": i.type, "uscc": i.uscc or "", "region": i.region_id,
            "registration_level": i.registration_level, "full_time_staff": str(i.full_time_staff),
            "established_on": f"{i.established_on:%Y-%m-%d}" if i.established_on else ""}
    out = []
    if FOREIGN_STREET[persona]:
        out.append({**base, "region": FOREIGN_STREET[persona]})
    if (hub := w.target(persona, "hub")) is not None:
        out.append({**base, "hub": hub.pk})
    return out


def web_party_edit(w: World, persona: str) -> list[dict[str, Any]]:
    return [{"name": "越权改名党支部", "kind": "branch", "established_on": "2019-07-01", "term_years": "3"}]


def web_party_reach(w: World, persona: str) -> list[dict[str, Any]]:
    party = w.first_inside(persona, "party_org")
    target = w.target(persona, "party_org")
    member = w.target(persona, "member")
    if party is None:
        return []
    p = party.instance
    base = {"name": p.name, "kind": p.kind, "established_on": f"{p.established_on:%Y-%m-%d}",
            "term_years": str(p.term_years or "")}
    out = []
    if target is not None:
        out.append({**base, "superior": target.pk})
    if member is not None:
        out.append({**base, "secretary": member.pk})
    return out


def web_member_edit(w: World, persona: str) -> list[dict[str, Any]]:
    return [{"name": "越权改名", "gender": "male", "status": "full"}]


def web_member_reach(w: World, persona: str) -> list[dict[str, Any]]:
    member = w.first_inside(persona, "member")
    if member is None:
        return []
    m = member.instance
    base = {"name": m.name, "gender": m.gender, "status": m.status}
    out = []
    if (org := w.target(persona, "org")) is not None:
        out.append({**base, "workplace": org.pk})
    if (party := w.target(persona, "party_org")) is not None:
        out.append({**base, "relation_org": party.pk})
    return out


def web_org_body(w: World, persona: str) -> list[dict[str, Any]]:
    """An org outside the scope given a body inside it (or cleared)."""
    inside = w.first_inside(persona, "party_org")
    return [{"party_org": inside.pk if inside is not None else "", "reason": "越权指定"}, {"reason": "越权清除"}]


def web_org_body_reach(w: World, persona: str) -> list[dict[str, Any]]:
    """An org inside the scope given a body outside it."""
    target = w.target(persona, "party_org")
    return [{"party_org": target.pk, "reason": "越权指定"}] if target is not None else []


def dated(w: World, persona: str) -> list[dict[str, Any]]:
    return [{"on": _today(), "reason": "越权操作"}]


def empty(w: World, persona: str) -> list[dict[str, Any]]:
    return [{}]


def api_create_org(w: World, persona: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if FOREIGN_STREET[persona]:
        out.append({"name": "越界登记协会", "uscc": make_uscc(9002, FOREIGN_STREET[persona][:6]), "type": "social_group",
                    "region_code": FOREIGN_STREET[persona]})
    if (hub := w.target(persona, "hub")) is not None and persona in INSIDE_STREET:
        place = INSIDE_STREET[persona]
        out.append({"name": "越界枢纽协会", "uscc": make_uscc(9003, place[:6]), "type": "social_group",
                    "region_code": place, "hub": hub.pk})
    return out


def api_create_org_duplicate(w: World, persona: str) -> list[dict[str, Any]]:
    org = w.target(persona, "org")
    if org is None or _inside_street(persona) is None:
        return []
    return [{"name": "重码协会", "uscc": org.markers[1], "type": "social_group", "region_code": _inside_street(persona)}]


def api_org_reach(w: World, persona: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if FOREIGN_STREET[persona]:
        out.append({"region_code": FOREIGN_STREET[persona]})
    if (hub := w.target(persona, "hub")) is not None:
        out.append({"hub": hub.pk})
    return out


def api_create_party_org(w: World, persona: str) -> list[dict[str, Any]]:
    base = {"name": "越界党支部", "kind": "branch", "established_on": _today()}
    out: list[dict[str, Any]] = []
    if (org := w.target(persona, "org")) is not None:
        out.append({**base, "covers": [org.pk]})
    if (party := w.target(persona, "party_org")) is not None:
        out.append({**base, "superior": party.pk})
    if FOREIGN_STREET[persona]:
        out.append({**base, "kind": "joint_branch", "region_code": FOREIGN_STREET[persona]})
    return out


def api_add_coverage(w: World, persona: str) -> list[dict[str, Any]]:
    org = w.first_inside(persona, "org")
    return [{"org": org.pk if org else 1, "started_on": _today()}]


def api_coverage_reach(w: World, persona: str) -> list[dict[str, Any]]:
    org = w.target(persona, "org")
    return [{"org": org.pk, "started_on": _today()}] if org else []


def api_create_member(w: World, persona: str) -> list[dict[str, Any]]:
    base = {"name": "越界党员", "gender": "male", "status": "full", "admitted_on": "2015-06-01",
            "full_on": "2016-06-01"}
    out: list[dict[str, Any]] = []
    if (org := w.target(persona, "org")) is not None:
        out.append({**base, "workplace": org.pk})
    if (party := w.target(persona, "party_org")) is not None:
        out.append({**base, "relation_org": party.pk})
    if FOREIGN_STREET[persona] and (org := w.first_inside(persona, "org")) is not None:
        out.append({**base, "workplace": org.pk, "region_code": FOREIGN_STREET[persona]})
    if (member := w.target(persona, "member")) is not None and (org := w.first_inside(persona, "org")) is not None:
        # The ID number of a member outside: the error may say it is taken, not by whom.
        out.append({**base, "workplace": org.pk, "id_number": member.personal[0]})
    return out


def api_create_applicant(w: World, persona: str) -> list[dict[str, Any]]:
    return [{**d, "birth_date": "1990-01-01"} for d in web_applicant_new(w, persona)]


def mobile_outflow(w: World, persona: str) -> list[dict[str, Any]]:
    return [{"destination": "越权外出地", "since": _today(), "reason": "越权"}]


def mobile_take_in(w: World, persona: str) -> list[dict[str, Any]]:
    return [{"host": _pk(w, persona, "party_org", True), "started_on": _today()}]


def mobile_take_in_reach(w: World, persona: str) -> list[dict[str, Any]]:
    """A member inside the scope taken in by a party org outside it."""
    target = w.target(persona, "party_org")
    return [{"host": target.pk, "started_on": _today()}] if target is not None else []


def mobile_ended(w: World, persona: str) -> list[dict[str, Any]]:
    return [{"ended_on": _today(), "reason": "returned"}]


def _this_year() -> str:
    return str(dt.date.today().year)


def web_meeting_new(w: World, persona: str) -> list[dict[str, Any]]:
    """A meeting recorded for a party org outside the scope, and one inside naming a member outside."""
    base = {"kinds": "general_meeting", "held_on": _today(), "topic": "越权会议"}
    out: list[dict[str, Any]] = []
    party, member = w.target(persona, "party_org"), w.target(persona, "member")
    if party is not None:
        out.append({**base, "party_org": party.pk})
    inside = w.first_inside(persona, "party_org")
    if inside is not None and member is not None:
        out.append({**base, "party_org": inside.pk, "present": member.pk, "roster": member.pk})
    return out


def web_meeting_correct(w: World, persona: str) -> list[dict[str, Any]]:
    return [{"reason": "越权更正", "kinds": "general_meeting", "held_on": _today(), "topic": "越权更正主题"}]


def web_meeting_reach(w: World, persona: str) -> list[dict[str, Any]]:
    """A meeting inside the scope corrected to name a member outside it as present."""
    member = w.target(persona, "member")
    if member is None:
        return []
    return [{**web_meeting_correct(w, persona)[0], "present": member.pk, "roster": member.pk}]


def web_review(w: World, persona: str) -> list[dict[str, Any]]:
    member = w.target(persona, "member")
    out = {"year": _this_year(), "reviewed_on": _today()}
    return [{**out, f"grade_{member.pk}": "qualified"}] if member is not None else [out]


# ---- the rules ----------------------------------------------------------------------------------

def api_open_case(w: World, persona: str) -> list[dict[str, Any]]:
    """A change report of a party org outside the scope, and an establishment for an org outside."""
    out = [{"kind": "change_report", "party_org": o.pk, "data": {"event": "rename", "event_on": "2024-01-01"}}
           for o in w.nearest_outside(persona, "party_org")]
    out += [{"kind": "establishment", "org": o.pk, "data": {"name": "越权党支部"}}
            for o in w.nearest_outside(persona, "org")]
    return out


def _last_year() -> str:
    return str(dt.date.today().year - 1)


def web_report(w: World, persona: str) -> list[dict[str, Any]]:
    return [{"year": _last_year(), "mode": "on_site", "text": "越权述职正文", "submit_now": "on"}]


def api_report_new(w: World, persona: str) -> list[dict[str, Any]]:
    """A report of a party org outside the scope (the year is free: only the scope refuses it)."""
    return [{"party_org": o.pk, "year": dt.date.today().year - 2, "text": "越权述职正文", "submit": True}
            for o in w.nearest_outside(persona, "party_org")]


def _incoming(w: World, persona: str) -> dict[str, Any]:
    return {"number": "越权转入001", "from_elsewhere": "越权来源党支部", "issued_on": _today(), "received_on": _today()}


def transfer_incoming(w: World, persona: str) -> list[dict[str, Any]]:
    """A paper letter registered for a party org outside the scope."""
    return [{**_incoming(w, persona), "name": "越权转入党员", "gender": "male", "status": "full"}]


def transfer_incoming_reach(w: World, persona: str) -> list[dict[str, Any]]:
    """A party org inside the scope receiving a member recorded outside it."""
    member = w.target(persona, "member")
    return [{**_incoming(w, persona), "member": member.pk}] if member is not None else []


def _receiving(w: World, persona: str) -> Any:
    """A party org a letter may go to: any in the country (one inside the scope will do)."""
    return _pk(w, persona, "party_org", True) or _pk(w, persona, "party_org", False)


def api_letter_new(w: World, persona: str) -> list[dict[str, Any]]:
    """A letter for a member outside the scope (the receiving side may be anywhere)."""
    return [{"member": o.pk, "to_org": _receiving(w, persona)} for o in w.nearest_outside(persona, "member")]


def api_outgoing_new(w: World, persona: str) -> list[dict[str, Any]]:
    return [{"member": o.pk, "number": "越权001", "to_elsewhere": "越权去向党支部", "issued_on": _today()}
            for o in w.nearest_outside(persona, "member")]


def api_incoming_new(w: World, persona: str) -> list[dict[str, Any]]:
    """A paper letter for a party org outside the scope, and for one inside naming a member outside."""
    base = _incoming(w, persona)
    out = [{**base, "to_org": o.pk, "person": {"name": "越权转入党员", "gender": "male"}}
           for o in w.nearest_outside(persona, "party_org")]
    inside, member = w.first_inside(persona, "party_org"), w.target(persona, "member")
    if inside is not None and member is not None:
        out.append({**base, "to_org": inside.pk, "member": member.pk})
    return out


def api_batch_new(w: World, persona: str) -> list[dict[str, Any]]:
    return [{"party_org": o.pk, "to_org": _receiving(w, persona), "reason": "越权批量"}
            for o in w.nearest_outside(persona, "party_org")]


def own_region(w: World, persona: str) -> list[str]:
    return [REGION_OF.get(persona) or ZHONGLOU]


# ---- organizational life (API) -------------------------------------------------------------------
# The world's meetings: one at the branch, one at 西林 and one in 朝阳区, each with a member of its own.

def _meeting_body(w: World, party: Any, member: Any) -> dict[str, Any]:
    return {"party_org": party.pk, "kinds": ["party_lecture"], "held_on": _today(), "topic": "越界组织生活",
            "attendees": [member.pk]}


def api_meeting_new(w: World, persona: str) -> list[dict[str, Any]]:
    """A meeting of a party org outside the scope; one inside with a member from outside present."""
    out = []
    party, member = w.target(persona, "party_org"), w.target(persona, "member")
    if party is not None and member is not None:
        out.append(_meeting_body(w, party, member))
    inside = w.first_inside(persona, "party_org")
    if inside is not None and member is not None:
        out.append(_meeting_body(w, inside, member))
    return out


def api_meeting_reach(w: World, persona: str) -> list[dict[str, Any]]:
    """A meeting inside the scope corrected to have a member from outside present or absent."""
    member = w.target(persona, "member")
    if member is None:
        return []
    return [{"reason": "越界更正", "attendees": [member.pk]},
            {"reason": "越界更正", "absentees": [{"member": member.pk, "reason": "leave"}]}]


def api_review_body(w: World, persona: str) -> list[dict[str, Any]]:
    member = w.first_inside(persona, "member") or w.target(persona, "member")
    return [{"year": dt.date.today().year, "reviewed_on": _today(),
             "results": [{"member": member.pk if member else 1, "grade": "qualified"}]}]


def api_review_reach(w: World, persona: str) -> list[dict[str, Any]]:
    """A party org inside the scope reviewing a member from outside."""
    member = w.target(persona, "member")
    return [{"year": dt.date.today().year, "reviewed_on": _today(),
             "results": [{"member": member.pk, "grade": "qualified"}]}] if member else []


EXPORT_KINDS = ["orgs", "party_orgs", "members", "instructors", "coverage", "inspections", "evaluations", "applicants",
                "life_compliance", "life_orgs"]
IMPORT_KINDS = ["orgs", "party_orgs", "members", "instructors", "coverage_links", "inspections", "evaluations",
                "applicants", "transfers", "meetings"]

RULES: dict[str, Rule] = {
    # pages
    "home": Rule("list"),
    "region": Rule("object", obj="region_code", ok=regional),
    "org_list": Rule("list", queries=({}, {"format": "csv"}, {"format": "xlsx"}, {"state": "all"}), finds="org"),
    "org_new": Rule("create", payloads=lambda w, p: [*web_org_new(w, p), *web_org_new_duplicate(w, p)], ok=regional),
    "org_detail": Rule("object", obj="org"),
    "org_edit": Rule("object", obj="org", payloads=web_org_edit, reach=web_org_reach),
    "org_deregister": Rule("object", obj="org", payloads=dated),
    "org_body": Rule("object", obj="org", payloads=web_org_body, reach=web_org_body_reach),
    "org_inspection_new": Rule("object", obj="org", payloads=lambda w, p: [{"year": "2023", "conclusion": "pass"}]),
    "org_evaluation_new": Rule("object", obj="org", payloads=lambda w, p: [
        {"year": "2023", "grade": "4A", "decided_on": "2023-12-01"}]),
    "party_tree": Rule("list", queries=({}, {"dissolved": "1"}), finds="party_org"),
    "establishment_new": Rule("object", obj="org", payloads=lambda w, p: [{"party_kind": "branch", "name": "越权党支部"}]),
    "case_list": Rule("list", queries=({}, {"overdue": "1"}, {"waiting": "applicant"}), finds="case"),
    "party_case_new": Rule("object", obj="party_org", values={"kind": ["change_report", "election_request",
                                                                        "election_result", "term_postponement"]},
                           payloads=lambda w, p: [{"event": "rename", "event_on": "2024-01-01", "submit_now": "on"}]),
    "case_detail": Rule("object", obj="case"),
    # Inside the scope the world's cases are left as they are (a withdrawal would close them).
    "case_act": Rule("object", obj="case", method="POST", ok=nobody, payloads=lambda w, p: [{"action": "withdraw"}]),
    # Only an establishment application has the edit form; the world's cases are change reports.
    "case_edit": Rule("object", obj="case", ok=nobody, payloads=lambda w, p: [{"name": "越权党支部"}]),
    "attachment_download": Rule("object", obj="attachment"),
    "inbox": Rule("list"),
    "todo_count": Rule("list"),
    "party_new": Rule("create", payloads=web_party_new),
    "party_detail": Rule("object", obj="party_org"),
    "party_children": Rule("object", obj="party_org"),
    "party_edit": Rule("object", obj="party_org", payloads=web_party_edit, reach=web_party_reach),
    "party_dissolve": Rule("object", obj="party_org", payloads=dated),
    "member_list": Rule("list", finds="member"),
    "member_new": Rule("create", payloads=lambda w, p: [*web_member_new(w, p), *web_member_duplicate(w, p)]),
    "member_edit": Rule("object", obj="member", payloads=web_member_edit, reach=web_member_reach),
    "member_end": Rule("object", obj="member", payloads=dated),
    "instructor_list": Rule("list", finds="instructor"),
    # the development pipeline
    "development_board": Rule("list", queries=({}, {"overdue": "1"}, {"stage": "applicant"}), finds="applicant"),
    "development_new": Rule("create", payloads=web_applicant_new),
    "development_person": Rule("object", obj="applicant"),
    "development_step": Rule("object", obj="applicant", payloads=lambda w, p: [{"step": "talk", "on": _today()}]),
    "development_end": Rule("object", obj="applicant", payloads=lambda w, p: [{"on": _today(), "reason": "withdrawn"}]),
    # secretaries' reports: the board (figures for region scopes, the party orgs for all), a report,
    # writing one from a party org's page, revising one (only while it is back with its writer)
    "report_board": Rule("list", queries=({}, {"format": "csv"}, {"format": "xlsx"}, {"figure": "not_reported"},
                                          {"year": _last_year(), "figure": "reported"})),
    "report_detail": Rule("object", obj="report"),
    "report_edit": Rule("object", obj="report", ok=nobody, payloads=web_report),
    "report_new": Rule("object", obj="party_org", payloads=web_report),
    "mobile_list": Rule("list", queries=({}, {"format": "csv"}, {"format": "xlsx"}, {"finding": "over_limit"})),
    "mobile_outflow_new": Rule("object", obj="member", payloads=mobile_outflow),
    # The world's members are not away: ending an outflow or an inflow finds none (404) even inside.
    "mobile_outflow_end": Rule("object", obj="member", ok=nobody, payloads=mobile_ended),
    "mobile_inflow_new": Rule("object", obj="member", payloads=mobile_take_in, reach=mobile_take_in_reach),
    "mobile_inflow_end": Rule("object", obj="member", ok=nobody, payloads=mobile_ended),
    "mobile_lost_contact": Rule("object", obj="member", payloads=lambda w, p: [{"lost_since": "2024-01-01"}]),
    # Only a member whose standing was stopped is removed: none in the world (404 inside too).
    "mobile_removal": Rule("object", obj="member", ok=nobody, payloads=lambda w, p: [{"lost_since": "2024-01-01"}]),
    "coverage_new": Rule("create", payloads=web_coverage_new),
    "coverage_end": Rule("object", obj="coverage", payloads=dated),
    "assignment_new": Rule("create", payloads=web_assignment_new),
    "assignment_end": Rule("object", obj="assignment", payloads=dated),
    # Relation transfers: the letters a jurisdiction sends or receives (the world's letter goes from the
    # branch to 朝阳区: both sides see it once issued, a third party never; a draft only its sender).
    "transfer_list": Rule("list", queries=({}, {"format": "csv"}, {"format": "xlsx"}, {"direction": "in"},
                                           {"direction": "out"}, {"overdue": "1"}), finds="letter"),
    "transfer_detail": Rule("object", obj="letter"),
    # Only a letter sent out of the system takes a receipt; the world's letter is internal (a 404 inside).
    "transfer_receipt": Rule("object", obj="letter", ok=nobody,
                             payloads=lambda w, p: [{"received_on": _today(), "received_by": "越权经办"}]),
    "transfer_pocket": Rule("list"),
    "transfer_batch": Rule("object", obj="transfer_batch"),
    # A letter for a member outside the scope is refused, whatever party org receives it (the
    # receiving side is any active party org of the country: the letter goes there).
    "transfer_new": Rule("object", obj="member", payloads=lambda w, p: [
        {"to_org": _pk(w, p, "party_org", True) or _pk(w, p, "party_org", False), "reason": "越权转出"}]),
    "transfer_outgoing": Rule("object", obj="member", payloads=lambda w, p: [
        {"number": "越权001", "to_elsewhere": "越权去向党支部", "issued_on": _today()}]),
    "transfer_incoming": Rule("object", obj="party_org", payloads=transfer_incoming, reach=transfer_incoming_reach),
    "transfer_batch_new": Rule("object", obj="party_org", payloads=lambda w, p: [
        {"to_org": _pk(w, p, "party_org", True) or _pk(w, p, "party_org", False), "reason": "越权批量"}]),
    # Organizational life: the compliance table is by region (a party scope is sent to its own party
    # org's page, hub and instructor scopes to the meeting list: 302); the party orgs behind a figure,
    # a party org's org life and its member review, the meetings and their files are read and written
    # like the party org they belong to.
    "life_table": Rule("list", ok=regional, queries=({}, {"format": "csv"}, {"format": "xlsx"}, {"by": "type"},
                                                     {"by": "hub"}, {"year": _this_year(), "as_of": f"{_this_year()}-01-31"})),
    "life_orgs": Rule("list", queries=({}, {"figure": "incomplete"}, {"format": "csv"}, {"format": "xlsx"})),
    "life_org": Rule("object", obj="party_org"),
    "life_review": Rule("object", obj="party_org", payloads=web_review, reach=web_review),
    "meeting_list": Rule("list", finds="meeting", queries=({}, {"kind": "general_meeting"}, {"year": _this_year()})),
    "meeting_new": Rule("create", payloads=web_meeting_new),
    "meeting_roster": Rule("list"),
    "meeting_detail": Rule("object", obj="meeting"),
    "meeting_correct": Rule("object", obj="meeting", payloads=web_meeting_correct, reach=web_meeting_reach),
    # Inside the scope the world's meetings are left as they are (deleting is checked in tests/orglife).
    "meeting_delete": Rule("object", obj="meeting", method="POST", ok=nobody,
                           payloads=lambda w, p: [{"reason": "越权删除"}]),
    "meeting_file": Rule("object", obj="meeting_file"),
    "tokens": Rule("list"),
    "token_revoke": Rule("object", obj="token", method="POST", ok=nobody),
    "pick": Rule("list", values={"kind": ["org", "party_org", "instructor", "region", "hub", "unknown"]}),
    # The receiving side of a transfer letter is picked from the whole country: a directory of active
    # party orgs' names and places (no members, figures or secretaries), found only by a name search.
    # Any signed-in user may read it, like the regions; with no search it lists nothing.
    "pick_directory": Rule("public"),
    # Likewise the new workplace named on a letter: active registered social orgs' names and places
    # (public registration facts), by a name search only.
    "pick_org_directory": Rule("public"),
    "login": Rule("public"),
    "logout": Rule("public"),
    "password_change": Rule("public"),
    "password_change_done": Rule("public"),
    "set_language": Rule("public"),
    # imports and exports
    "imports:index": Rule("list", ok=regional),
    "imports:batch": Rule("object", obj="batch"),
    "imports:progress": Rule("object", obj="batch"),
    # Committing or undoing one's own batch starts a job: only the refusals are checked here.
    "imports:commit": Rule("object", obj="batch", method="POST", ok=nobody),
    "imports:rollback": Rule("object", obj="batch", method="POST", ok=nobody),
    # The world's batches have no stored file: even their owner gets a 404.
    "imports:errors_file": Rule("object", obj="batch", ok=nobody),
    "imports:template": Rule("public", values={"kind": IMPORT_KINDS}),
    "imports:export": Rule("list", values={"kind": EXPORT_KINDS, "fmt": ["xlsx", "csv"]}, ok=regional_for_coverage),
    # the REST API
    "api:openapi-json": Rule("public", api=True),
    "api:openapi-view": Rule("public", api=True),
    "api:api-root": Rule("public", api=True),
    "api:ping": Rule("public", api=True),
    "api:list_regions": Rule("public", api=True, queries=({}, {"parent": ZHONGLOU}, {"parent": CHAOYANG})),
    "api:get_region": Rule("public", api=True, values={"code": [ZHONGLOU, CHAOYANG, HEHUACHI, JIANWAI]}),
    "api:list_orgs": Rule("list", api=True, finds="org"),
    "api:create_org": Rule("create", api=True, method="POST",
                           payloads=lambda w, p: [*api_create_org(w, p), *api_create_org_duplicate(w, p)]),
    "api:get_org": Rule("object", obj="org", api=True),
    "api:update_org": Rule("object", obj="org", api=True, method="PATCH", payloads=lambda w, p: [{"name": "越权改名"}],
                           reach=api_org_reach),
    # An org's inspections and evaluations: read like the org; recording outside the scope refused
    # (inside, the empty body of the matrix's request is a 422).
    "api:list_inspections": Rule("object", obj="org", api=True),
    "api:create_inspection": Rule("object", obj="org", api=True, method="POST", ok=nobody,
                                  payloads=lambda w, p: [{"year": 2023, "conclusion": "pass"}]),
    "api:list_evaluations": Rule("object", obj="org", api=True),
    "api:create_evaluation": Rule("object", obj="org", api=True, method="POST", ok=nobody,
                                  payloads=lambda w, p: [{"year": 2023, "grade": "4A", "decided_on": "2023-12-01"}]),
    "api:list_party_orgs": Rule("list", api=True, finds="party_org"),
    "api:create_party_org": Rule("create", api=True, method="POST", payloads=api_create_party_org),
    "api:get_party_org": Rule("object", obj="party_org", api=True),
    "api:add_coverage": Rule("object", obj="party_org", api=True, method="POST", payloads=api_add_coverage,
                             reach=api_coverage_reach, ok=nobody),
    "api:list_members": Rule("list", api=True, finds="member"),
    "api:create_member": Rule("create", api=True, method="POST", payloads=api_create_member),
    "api:get_member": Rule("object", obj="member", api=True),
    # Ending a member outside the scope is refused; inside, the world's members are left as they are.
    "api:end_member": Rule("object", obj="member", api=True, method="POST", ok=nobody,
                           payloads=lambda w, p: [{"ended_on": "2024-01-01", "reason": "died"}]),
    "api:list_instructors": Rule("list", api=True, finds="instructor"),
    "api:get_instructor": Rule("object", obj="instructor", api=True),
    "api:coverage": Rule("list", api=True, queries=({}, {"by": "hub"}, {"by": "industry"}), ok=regional),
    "api:findings": Rule("list", api=True),
    "api:list_cases": Rule("list", api=True, finds="case"),
    "api:get_case": Rule("object", obj="case", api=True),
    "api:open_case": Rule("create", api=True, method="POST", payloads=api_open_case),
    "api:update_case": Rule("object", obj="case", api=True, method="PATCH", ok=nobody,
                            payloads=lambda w, p: [{"data": {"description": "越权修改"}}]),
    "api:act_on_case": Rule("object", obj="case", api=True, method="POST", ok=nobody,
                            payloads=lambda w, p: [{"action": "withdraw"}]),
    "api:upload_attachment": Rule("object", obj="case", api=True, method="POST", ok=nobody,
                                  payloads=lambda w, p: [{}]),
    "api:list_attachments": Rule("object", obj="case", api=True),
    "api:todo": Rule("list", api=True),
    # the development pipeline: reads like the pages; steps and ends outside the scope refused (inside,
    # the world's people are left as they are)
    "api:list_applicants": Rule("list", api=True, finds="applicant", queries=({}, {"stage": "applicant"})),
    "api:get_applicant": Rule("object", obj="applicant", api=True),
    "api:create_applicant": Rule("create", api=True, method="POST", payloads=api_create_applicant),
    "api:record_step": Rule("object", obj="applicant", api=True, method="POST", ok=nobody,
                            payloads=lambda w, p: [{"step": "talk", "on": _today()}]),
    "api:end_applicant": Rule("object", obj="applicant", api=True, method="POST", ok=nobody,
                              payloads=lambda w, p: [{"ended_on": _today(), "reason": "withdrawn"}]),
    "api:development_board": Rule("list", api=True),
    "api:list_secretary_reports": Rule("list", api=True, queries=({}, {"year": _last_year()}, {"grade": "good"})),
    "api:secretary_report_summary": Rule("list", api=True, ok=regional, queries=({}, {"year": _last_year()})),
    "api:get_secretary_report": Rule("object", obj="report", api=True),
    "api:create_secretary_report": Rule("create", api=True, method="POST", payloads=api_report_new),
    "api:list_outflows": Rule("list", api=True, queries=({}, {"finding": "over_limit"}, {"region": ZHONGLOU})),
    "api:register_outflow": Rule("object", obj="member", api=True, method="POST", ok=nobody, payloads=mobile_outflow),
    "api:end_outflow": Rule("object", obj="member", api=True, method="POST", ok=nobody, payloads=mobile_ended),
    "api:take_in": Rule("object", obj="member", api=True, method="POST", ok=nobody, payloads=mobile_take_in,
                        reach=mobile_take_in_reach),
    "api:end_inflow": Rule("object", obj="member", api=True, method="POST", ok=nobody, payloads=mobile_ended),
    # Relation transfers (the world's letter: from the branch to 朝阳区, seen by both sides only).
    "api:list_transfers": Rule("list", api=True, finds="letter",
                               queries=({}, {"direction": "in"}, {"direction": "out"}, {"overdue": "true"})),
    "api:pocket": Rule("list", api=True),
    "api:get_transfer": Rule("object", obj="letter", api=True),
    "api:create_transfer": Rule("create", api=True, method="POST", payloads=api_letter_new),
    "api:create_outgoing": Rule("create", api=True, method="POST", payloads=api_outgoing_new),
    # Only a letter sent out of the system takes a receipt (the world's is internal: a 422 inside).
    "api:record_receipt": Rule("object", obj="letter", api=True, method="POST", ok=nobody,
                               payloads=lambda w, p: [{"received_on": _today()}]),
    "api:create_incoming": Rule("create", api=True, method="POST", payloads=api_incoming_new),
    "api:open_batch": Rule("create", api=True, method="POST", payloads=api_batch_new),
    "api:get_batch": Rule("object", obj="transfer_batch", api=True),
    "api:member_relation": Rule("object", obj="member", api=True, queries=({}, {"as_of": "2024-01-01"})),
    # ---- organizational life (API): meetings, a party org's life, reviews, the compliance table ----
    "api:list_meetings": Rule("list", api=True, queries=({}, {"kind": "party_lecture"}, {"year": "2026"},
                                                         {"from": "2020-01-01", "to": "2030-12-31"})),
    "api:get_meeting": Rule("object", obj="meeting", api=True),
    "api:create_meeting": Rule("create", api=True, method="POST", payloads=api_meeting_new),
    # Correcting or deleting a meeting outside the scope is refused; inside, the world's are left as they are.
    "api:correct_meeting": Rule("object", obj="meeting", api=True, method="POST", ok=nobody,
                                payloads=lambda w, p: [{"reason": "越权更正", "topic": "越权更正"}],
                                reach=api_meeting_reach),
    "api:delete_meeting": Rule("object", obj="meeting", api=True, method="DELETE", ok=nobody,
                               payloads=lambda w, p: [{"reason": "越权删除"}]),
    "api:party_org_life": Rule("object", obj="party_org", api=True),
    "api:record_review": Rule("object", obj="party_org", api=True, method="POST", ok=nobody,
                              payloads=api_review_body, reach=api_review_reach),
    "api:life_compliance": Rule("list", api=True, queries=({}, {"by": "type"}, {"by": "hub"}, {"as_of": "2025-12-31"}),
                                ok=regional),
    "api:life_compliance_orgs": Rule("list", api=True, queries=({}, {"figure": "incomplete"}, {"by": "type", "key": "branch"},
                                                                {"as_of": "2025-12-31"})),
    # ---- end of organizational life ----
    # admin pages that are not about one model
    "admin:index": Rule("list", admin=True),
    "admin:login": Rule("public", admin=True),
    "admin:logout": Rule("public", admin=True),
    "admin:password_change": Rule("public", admin=True),
    "admin:password_change_done": Rule("public", admin=True),
    "admin:jsi18n": Rule("public", admin=True),
    "admin:autocomplete": Rule("list", admin=True, ok=nobody, queries=(
        {"app_label": "party", "model_name": "partymember", "field_name": "workplace"},
        {"app_label": "registry", "model_name": "socialorg", "field_name": "hub"})),
    # No model has get_absolute_url, so "view on site" is a 404 for every object, in scope or not.
    "admin:view_on_site": Rule("object", obj="org", admin=True, ok=nobody,
                               values={"content_type_id": lambda w, p: [str(_content_type("registry.socialorg"))]}),
    "admin:app_list": Rule("list", admin=True, ok=admin_apps, values={"app_label": [
        "registry", "party", "passes", "imports", "audit",
                                                                     "regions", "accounts", "auth"]}),
    # Django names the user admin's password page after auth.User whatever the user model.
    "admin:auth_user_password_change": Rule(
        "object", obj="user", admin=True, ok=only_admin,
        payloads=lambda w, p: [{"password1": "Xx-123456789", "password2": "Xx-123456789"}]),
    "admin/(?P<url>.*)$": Rule("public", admin=True, values={"url": ["registry/nothing/", "x"]}),
    "favicon.ico": Rule("public"),
}

# Every model registered in the admin, and the kind of world object its object_id names. Regions
# are public reference data (the API lists them to anybody authenticated).
ADMIN_OBJECTS: dict[str, str] = {
    "registry.socialorg": "org", "registry.hub": "hub", "registry.hublink": "hub_link",
    "registry.incubator": "incubator",
    "passes.inspectionrecord": "inspection", "passes.evaluationrecord": "evaluation",
    "party.partyorg": "party_org", "party.partyorgcoverage": "coverage", "party.partymember": "member",
    "party.instructor": "instructor", "party.instructorassignment": "assignment",
    "imports.importbatch": "batch", "audit.auditentry": "audit", "accounts.user": "user", "auth.group": "group",
    "regions.region": "public",
    # Local rule settings: read-only reference for every officer (the values their figures use).
    "rulesettings.rulesetting": "public",
}
# Admins reserved to administrators (superusers), whatever the persona's scope.
ADMIN_ONLY = {"accounts.user", "auth.group", "audit.auditentry", "imports.importbatch"}
_ADMIN_NAME = re.compile(r"^admin:(?P<app>[a-z_]+)_(?P<model>[a-z]+)_(?P<view>changelist|add|history|delete|change|password_change)$")
_ADMIN_REDIRECT = re.compile(r"^admin/(?P<app>[a-z_]+)/(?P<model>[a-z]+)/<path:object_id>/$")


def _content_type(label: str) -> int:
    from django.contrib.contenttypes.models import ContentType

    app, model = label.split(".")
    return ContentType.objects.get(app_label=app, model=model).pk


def admin_rule(route: Route) -> Rule | None:
    """The rule of a per-model admin route, from ``ADMIN_OBJECTS``; None for an unknown model."""
    for pattern in (_ADMIN_NAME, _ADMIN_REDIRECT):
        m = pattern.match(route.key)
        if m:
            break
    else:
        return None
    label = f"{m['app']}.{m['model']}"
    kind = ADMIN_OBJECTS.get(label)
    if kind is None:
        return None
    view = m.groupdict().get("view") or "redirect"
    restricted = only_admin if label in ADMIN_ONLY else None
    if kind == "public":
        codes = [ZHONGLOU, CHAOYANG, HEHUACHI, JIANWAI]
        return Rule("public", admin=True, values={"object_id": codes, "id": codes})
    if view == "changelist":
        return Rule("list", admin=True, ok=restricted, probe_params=frozenset({"q"}))
    if view == "add":
        # The scoped admins are read-only (writes go through the services): nobody adds there.
        return Rule("create", admin=True, payloads=empty,
                    ok=only_admin if label in ("accounts.user", "auth.group") else nobody)
    if view == "delete":
        return Rule("object", obj=kind, admin=True, ok=nobody, payloads=lambda w, p: [{"post": "yes"}])
    if view == "redirect":
        return Rule("object", obj=kind, admin=True, ok=restricted, ok_status=302, writes=False)
    if view == "history":
        return Rule("object", obj=kind, admin=True, ok=restricted, writes=False)
    if view == "password_change":
        return Rule("object", obj=kind, admin=True, ok=restricted,
                    payloads=lambda w, p: [{"password1": "Xx-123456789", "password2": "Xx-123456789"}])
    return Rule("object", obj=kind, admin=True, ok=restricted, payloads=empty)


def rule_for(route: Route) -> Rule | None:
    return RULES.get(route.key) or (admin_rule(route) if route.key.startswith("admin") else None)


# ---- walking the resolver -----------------------------------------------------------------------

def _params(pattern: Any) -> list[str]:
    if isinstance(pattern, RoutePattern):
        return list(pattern.converters) or re.findall(r"<(?:\w+:)?(\w+)>", str(pattern))
    if isinstance(pattern, RegexPattern):
        return list(pattern.regex.groupindex)
    return []


def all_routes() -> list[Route]:
    """Every URL pattern, recursively, keyed by its namespaced name (or its route if unnamed).

    The API's operations share a path per method (GET and POST /orgs): each is its own route here,
    keyed by its operation name (ninja names a URL pattern after its view function)."""
    out: list[Route] = []
    seen: set[str] = set()

    def walk(patterns: Sequence[Any], prefix: str, ns: str, params: list[str], regex: bool) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                inner = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
                walk(p.url_patterns, prefix + str(p.pattern), inner, params + _params(p.pattern),
                     regex or isinstance(p.pattern, RegexPattern))
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                key = f"{ns}:{p.name}" if ns and p.name else (p.name or route)
                if key in seen:
                    continue
                seen.add(key)
                out.append(Route(key, route, tuple(params + _params(p.pattern)),
                                 regex or isinstance(p.pattern, RegexPattern)))

    walk(get_resolver().url_patterns, "", "", [], False)
    return out


def api_methods() -> dict[str, set[str]]:
    """Operation name -> HTTP methods, from the NinjaAPI's routers."""
    from shuniu.api.api import api

    out: dict[str, set[str]] = {}
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for op in path_view.operations:
                out.setdefault(f"api:{op.view_func.__name__}", set()).update(op.methods)
    return out


ID_PARAMS = {"pk", "id", "object_id", "code"}


def missing_rules(route: Route) -> list[str]:
    """What the matrix lacks to test ``route`` (empty when it has everything)."""
    rule = rule_for(route)
    if rule is None:
        param = route.params[0] if route.params else "(none)"
        return [f"route {route.route!r} ({route.key}) has no rule in the access matrix"
                f" (first parameter: {param}); add one to tests/access/routes.py"]
    problems = []
    for param in route.params:
        if param in rule.values:
            continue
        if param in ID_PARAMS and rule.obj is not None:
            continue
        problems.append(f"route {route.route!r} ({route.key}) has parameter {param!r} with no rule in the access "
                        f"matrix; add it to tests/access/routes.py")
    if rule.api:
        methods = api_methods().get(route.key)  # None for the schema, docs and root pages
        if methods is not None and rule.method not in methods:
            problems.append(f"API route {route.key} answers {sorted(methods)}, the matrix tests {rule.method}")
    return problems


_SUB = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def build_url(route: Route, fill: Mapping[str, str]) -> str:
    """The concrete path of ``route`` with its parameters from ``fill``."""
    if route.regex:
        path = route.route
        path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: fill[m.group(1)], path)
        path = path.replace("^", "").replace("$", "")
        for name, value in fill.items():
            path = path.replace(f"<path:{name}>", value).replace(f"<{name}>", value)
        return "/" + path
    return "/" + _SUB.sub(lambda m: str(fill[m.group("name")]), route.route)

"""Every public service function, found by walking ``shuniu.*.services``, and the matrix's rule for each.

A service is a public function of an app's ``services`` module that takes ``actor``. Its rule says
who may call it:

- ``scoped``: a write held to the actor's jurisdiction. ``calls(world, persona)`` gives calls that
  touch objects inside and outside the persona's scope: the subject, and every object linked or
  unlinked (a superior, a secretary, a workplace, a covered org, a hub...). Each call names what it
  touches (world keys, ``region:<code>`` for a place); the test expects it to succeed when the
  persona sees all of that in the hand-written zones of ``world.py``, else PermissionDenied with
  the database unchanged.
- ``admin``: system-wide (users, rules, snapshots, divisions, demo data): administrators (and
  system actors) only, everyone else refused.
- ``self``: a person's own things (API tokens): themselves or an administrator.
- ``import``: an import step: a region scope is needed (other personas refused); rows naming
  objects outside the scope are refused row by row, with the row and column, and nothing is written.
- ``helper``: not a write a user reaches (listed with the reason).

A service found without a rule fails the matrix, so a new service is covered the day it is added.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import inspect
import itertools
import pkgutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError

import shuniu
from shuniu.party.models import PartyOrgCoverage
from tests.access.world import FOREIGN_STREET, REGION_OF, World
from tests.factories import HEHUACHI, JIANWAI, SYSTEM, ZHONGLOU, make_id_number, make_uscc

DATA = Path(__file__).parent.parent / "data"


def discover() -> dict[str, Callable[..., Any]]:
    """``app.function`` -> function, for every public function taking ``actor`` in ``shuniu.<app>.services``."""
    found: dict[str, Callable[..., Any]] = {}
    for app in pkgutil.iter_modules(shuniu.__path__):
        if not app.ispkg:
            continue
        try:
            module = importlib.import_module(f"shuniu.{app.name}.services")
        except ModuleNotFoundError as exc:
            if exc.name != f"shuniu.{app.name}.services":
                raise
            continue
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not name.startswith("_") and \
                    "actor" in inspect.signature(fn).parameters:
                found[f"{app.name}.{name}"] = fn
    return found


# ---- calls ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Ref:
    """A world object, read afresh from the database when the call is made (calls change what they get)."""

    key: str


@dataclass
class Call:
    label: str
    #: the arguments besides ``actor`` (``Ref``s resolved at call time), or a function of the world and
    #: the acting user that makes them (None: the call cannot be made for this persona)
    kwargs: dict[str, Any] | Callable[[World, Any], dict[str, Any] | None]
    #: what the call touches: world keys, "region:<code>", "import" (needs a region scope)
    touches: tuple[str, ...]
    #: an exception other than PermissionDenied that the call may end with inside the scope (the
    #: permission check passed: e.g. an unknown scenario, which spares generating a real one)
    raises: type[Exception] | None = None


@dataclass(frozen=True)
class Rule:
    kind: str  # "scoped" | "admin" | "self" | "import" | "helper"
    calls: Callable[[World, str], list[Call]] | None = None
    why: str = ""
    #: import steps that keep a preview batch even for a refused row (the upload page's)
    keeps_preview: bool = False


_serial = itertools.count(1)


def serial() -> int:
    return next(_serial)


def sees(world: World, persona: str, touch: str) -> bool:
    """Whether ``persona`` may write what ``touch`` names, from the world's hand-written zones."""
    if touch == "import":
        return persona in REGION_OF
    if touch == "admin-only":
        return persona == "admin"
    if touch.startswith("batch_owner:"):
        return persona in ("admin", touch.removeprefix("batch_owner:"))
    if touch.startswith("region:"):
        return persona in REGION_OF and touch.removeprefix("region:").startswith(REGION_OF[persona])
    return world.sees(persona, world.objects[touch])


def key_of(world: World, instance: Any) -> str | None:
    """The world key of a database row (None for None)."""
    if instance is None:
        return None
    for obj in world.objects.values():
        if obj.instance is not None and type(obj.instance) is type(instance) and obj.pk == instance.pk:
            return obj.key
    raise KeyError(f"{instance!r} is not in the world")


def inside(world: World, persona: str, kind: str) -> list[str]:
    return [o.key for o in world.inside(persona, kind)]


def outside(world: World, persona: str, kind: str, n: int = 1) -> list[str]:
    return [o.key for o in world.nearest_outside(persona, kind, n)]


def first(keys: list[str]) -> list[str]:
    return keys[:1]


# Where each persona places new things: a street of their own region (for the others, the street of
# their objects, which their scope holds no place of); and a street of another district.
NEAR_STREET = {"admin": HEHUACHI, "beijing_city": JIANWAI, "chaoyang": JIANWAI, "zhonglou": HEHUACHI,
               "hehuachi_street": HEHUACHI, "secretary": HEHUACHI, "hub_staff": HEHUACHI, "instructor": HEHUACHI}


def streets(persona: str) -> list[str]:
    return [s for s in (NEAR_STREET[persona], FOREIGN_STREET[persona]) if s]


def region_touch(world: World, key: str) -> str:
    return f"region:{world[key].region_id}"


# ---- registry ---------------------------------------------------------------------------------

def _org_data(street: str) -> dict[str, Any]:
    n = 900_000 + serial()
    return {"name": f"服务矩阵协会{n}", "type": "social_group", "uscc": make_uscc(n, street[:6]), "region_code": street,
            "registration_level": "county", "established_on": "2020-01-01"}


def org_create(w: World, p: str) -> list[Call]:
    calls = [Call(f"in {s}", _org_data(s), (f"region:{s}",)) for s in streets(p)]
    calls += [Call(f"with hub {h}", {**_org_data(NEAR_STREET[p]), "hub": Ref(h)}, (f"region:{NEAR_STREET[p]}", h))
              for h in first(inside(w, p, "hub")) + outside(w, p, "hub")]
    return calls


def _hub_touches(w: World, org: str, hub: str | None) -> tuple[str, ...]:
    """An org linked to ``hub``: the org, the hub, and the hub it leaves."""
    old = key_of(w, w[org].hub)
    return tuple(k for k in (org, hub, old if old != hub else None) if k)


def org_update(w: World, p: str) -> list[Call]:
    calls = [Call(f"{o} staff", {"org": Ref(o), "full_time_staff": 7}, (o,))
             for o in first(inside(w, p, "org")) + outside(w, p, "org")]
    for o in first(inside(w, p, "org")):
        for h in first(inside(w, p, "hub")) + outside(w, p, "hub"):
            calls.append(Call(f"{o} to hub {h}", {"org": Ref(o), "hub": Ref(h)}, _hub_touches(w, o, h)))
        for s in streets(p):
            calls.append(Call(f"{o} moved to {s}", {"org": Ref(o), "region_code": s}, (o, f"region:{s}")))
    return calls


def org_deregister(w: World, p: str) -> list[Call]:
    return [Call(o, {"org": Ref(o), "on": "2024-06-01", "reason": "服务矩阵"}, (o,))
            for o in first(inside(w, p, "org")) + outside(w, p, "org")]


def inspection_record(w: World, p: str) -> list[Call]:
    return [Call(o, {"org": Ref(o), "year": 2023, "conclusion": "pass", "life_held": True}, (o,))
            for o in first(inside(w, p, "org")) + outside(w, p, "org")]


def evaluation_record(w: World, p: str) -> list[Call]:
    return [Call(o, {"org": Ref(o), "year": 2024, "grade": "4A", "decided_on": "2024-12-01"}, (o,))
            for o in first(inside(w, p, "org")) + outside(w, p, "org")]


def hub_create(w: World, p: str) -> list[Call]:
    return [Call(s, {"name": f"服务矩阵枢纽{serial()}", "level": "street", "region_code": s}, (f"region:{s}",))
            for s in streets(p)]


def hub_link_set(w: World, p: str) -> list[Call]:
    today = dt.date.today()
    pairs = [(o, h) for o in first(inside(w, p, "org")) for h in first(inside(w, p, "hub")) + outside(w, p, "hub")]
    pairs += [(o, h) for o in outside(w, p, "org") for h in first(inside(w, p, "hub"))]
    calls = [Call(f"{o} to {h}", {"org": Ref(o), "hub": Ref(h), "on": today}, _hub_touches(w, o, h)) for o, h in pairs]
    calls += [Call(f"{o} unlinked", {"org": Ref(o), "hub": None, "on": today}, _hub_touches(w, o, None))
              for o in first(inside(w, p, "org"))]
    return calls


# ---- party orgs -------------------------------------------------------------------------------

# Kinds that may stand above another party org.
_SUPERIOR_KINDS = ("committee", "comprehensive_committee", "industry_committee", "general_branch")


def _superiors(w: World, keys: list[str]) -> list[str]:
    """The first of these party orgs that may take a new party org under it (rule NESTING): under a
    branch the call would be refused for its kind, whoever makes it."""
    return [k for k in keys if w[k].kind in _SUPERIOR_KINDS][:1]


def party_org_create(w: World, p: str) -> list[Call]:
    base = {"kind": "temporary_branch", "established_on": "2021-01-01"}
    calls = [Call(f"in {s}", {**base, "name": f"服务矩阵党支部{serial()}", "region_code": s}, (f"region:{s}",))
             for s in streets(p)]
    calls += [Call(f"under {sup}", {**base, "name": f"服务矩阵党支部{serial()}", "superior": Ref(sup)}, (sup,))
              for sup in _superiors(w, inside(w, p, "party_org")) + _superiors(w, outside(w, p, "party_org"))]
    # Without a superior, a party org covering orgs is placed in the first org's region.
    calls += [Call(f"covering {o}", {"kind": "joint_branch", "established_on": "2021-01-01",
                                     "name": f"服务矩阵联合党支部{serial()}", "covers": [Ref(o)]},
                   (o, region_touch(w, o))) for o in first(inside(w, p, "org")) + outside(w, p, "org")]
    return calls


def _subtree(w: World, key: str) -> set[str]:
    path = w[key].path
    return {o.key for o in w.objects.values() if o.kind == "party_org" and o.instance.path.startswith(path)}


def party_org_update(w: World, p: str) -> list[Call]:
    calls = [Call(f"{po} renamed", {"party_org": Ref(po), "name": f"服务矩阵改名{serial()}"}, (po,))
             for po in first(inside(w, p, "party_org")) + outside(w, p, "party_org")]
    for po in first(inside(w, p, "party_org")):
        old = key_of(w, w[po].superior)
        # Under a party org outside (the issue's example: a branch of 110105 moved under a committee
        # of 320404), or under one inside that may take it.
        targets = [s for s in outside(w, p, "party_org", 3) if s != old][:1]
        targets += [s for s in inside(w, p, "party_org") if w[s].kind in _SUPERIOR_KINDS and s != old
                    and s not in _subtree(w, po)][:1]
        calls += [Call(f"{po} under {s}", {"party_org": Ref(po), "superior": Ref(s)},
                       tuple(k for k in (po, s, old) if k)) for s in targets]
        # A secretary from outside (a 320404 member made secretary of a 110105 branch), or its own member.
        own = [m for m in inside(w, p, "member") if w[m].relation_org_id == w[po].pk][:1]
        calls += [Call(f"{po} secretary {m}", {"party_org": Ref(po), "secretary": Ref(m)}, (po, m))
                  for m in outside(w, p, "member") + own]
    return calls


def _covered(w: World, po: str) -> tuple[str, ...]:
    links = PartyOrgCoverage.objects.filter(party_org=w[po], ended_on__isnull=True).select_related("org")
    return tuple(k for k in (key_of(w, link.org) for link in links) if k)


def _leaves(keys: list[str], w: World) -> list[str]:
    return [k for k in keys if not any(o.instance.superior_id == w[k].pk for o in w.objects.values()
                                       if o.kind == "party_org")]


def party_org_dissolve(w: World, p: str) -> list[Call]:
    # Dissolving ends its coverage of every org it covers: a write to each of them.
    return [Call(po, {"party_org": Ref(po), "on": dt.date.today(), "reason": "服务矩阵"}, (po, *_covered(w, po)))
            for po in _leaves(inside(w, p, "party_org"), w)[:1] + _leaves(outside(w, p, "party_org", 4), w)[:1]]


def _standalone(w: World, org: str) -> bool:
    return PartyOrgCoverage.objects.filter(org=w[org], ended_on__isnull=True, party_org__formation="standalone").exists()


def _linked(w: World, po: str, org: str) -> bool:
    return PartyOrgCoverage.objects.filter(party_org=w[po], org=w[org], ended_on__isnull=True).exists()


def coverage_add(w: World, p: str) -> list[Call]:
    # Inside: a pair not linked yet, that makes no org covered by two standalone party orgs.
    pairs = [(po, o) for po in inside(w, p, "party_org") for o in inside(w, p, "org")
             if not _linked(w, po, o) and (w[po].formation != "standalone" or not _standalone(w, o))][:1]
    pairs += [(po, o) for po in first(inside(w, p, "party_org")) for o in outside(w, p, "org")]
    pairs += [(po, o) for po in outside(w, p, "party_org") for o in first(inside(w, p, "org"))]
    return [Call(f"{po} covers {o}", {"party_org": Ref(po), "org": Ref(o), "started_on": "2021-01-01"}, (po, o))
            for po, o in pairs]


def body_override_set(w: World, p: str) -> list[Call]:
    # The org and the party org named (committees only: a branch is refused for its kind, whoever
    # asks); the world records no override, so there is no old body to leave.
    def committees(keys: list[str]) -> list[str]:
        return [k for k in keys if w[k].kind in ("committee", "comprehensive_committee", "industry_committee")
                and w[k].dissolved_on is None][:1]

    pairs = [(o, po) for o in first(inside(w, p, "org")) for po in committees(inside(w, p, "party_org"))
             + committees(outside(w, p, "party_org", 6))]
    pairs += [(o, po) for o in outside(w, p, "org") for po in committees(inside(w, p, "party_org"))]
    return [Call(f"{o} to {po}", {"org": Ref(o), "party_org": Ref(po), "reason": "服务矩阵"}, (o, po))
            for o, po in pairs if w[o].status == "active"]


def coverage_end(w: World, p: str) -> list[Call]:
    calls = []
    # Every link inside: one may be held through its org while its party org lies outside.
    for c in inside(w, p, "coverage") + outside(w, p, "coverage"):
        link = w[c]
        touches = (c, key_of(w, link.org), key_of(w, link.party_org))
        calls.append(Call(c, {"coverage": Ref(c), "ended_on": dt.date.today()}, tuple(k for k in touches if k)))
    return calls


# ---- members ----------------------------------------------------------------------------------

def _member_data(county: str = ZHONGLOU) -> dict[str, Any]:
    n = 7000 + serial()
    return {"name": f"服务矩阵党员{n}", "gender": "male", "status": "full", "id_number": make_id_number(n, county),
            "admitted_on": "2015-07-01", "full_on": "2016-07-01"}


def member_create(w: World, p: str) -> list[Call]:
    calls = [Call(f"at {o}", {**_member_data(), "workplace": Ref(o)}, (o,))
             for o in first(inside(w, p, "org")) + outside(w, p, "org")]
    for o in first(inside(w, p, "org")):
        calls += [Call(f"at {o} relation {po}", {**_member_data(), "workplace": Ref(o), "relation_org": Ref(po)}, (o, po))
                  for po in first(inside(w, p, "party_org")) + outside(w, p, "party_org")]
        calls += [Call(f"at {o} placed in {s}", {**_member_data(), "workplace": Ref(o), "region_code": s},
                       (o, f"region:{s}")) for s in streets(p)]
    return calls


def member_update(w: World, p: str) -> list[Call]:
    calls = [Call(f"{m} mobile", {"member": Ref(m), "is_mobile": True}, (m,))
             for m in first(inside(w, p, "member")) + outside(w, p, "member")]
    for m in first(inside(w, p, "member")):
        member = w[m]
        for field_name, kind in (("workplace", "org"), ("relation_org", "party_org")):
            old = key_of(w, getattr(member, field_name))
            others = [k for k in inside(w, p, kind) if k != old][:1] + outside(w, p, kind)
            calls += [Call(f"{m} {field_name} {k}", {"member": Ref(m), field_name: Ref(k)},
                           tuple(x for x in (m, k, old) if x)) for k in others]
        calls += [Call(f"{m} placed in {s}", {"member": Ref(m), "region_code": s}, (m, f"region:{s}"))
                  for s in streets(p)]
    return calls


def member_end(w: World, p: str) -> list[Call]:
    return [Call(m, {"member": Ref(m), "on": dt.date.today(), "reason": "转出"}, (m,))
            for m in first(inside(w, p, "member")) + outside(w, p, "member")]


def participation_add(w: World, p: str) -> list[Call]:
    pairs = [(m, po) for m in inside(w, p, "member") for po in inside(w, p, "party_org")
             if w[m].relation_org_id != w[po].pk][:1]
    pairs += [(m, po) for m in first(inside(w, p, "member")) for po in outside(w, p, "party_org")]
    pairs += [(m, po) for m in outside(w, p, "member") for po in first(inside(w, p, "party_org"))]
    return [Call(f"{m} in {po}", {"member": Ref(m), "party_org": Ref(po), "started_on": "2022-01-01"}, (m, po))
            for m, po in pairs]


def relation_move(w: World, p: str) -> list[Call]:
    """The member, the party org that receives the relation and the one it leaves."""
    calls: list[Call] = []
    for m in first(inside(w, p, "member")) + outside(w, p, "member"):
        old = key_of(w, w[m].relation_org)
        for po in [k for k in inside(w, p, "party_org") if k != old and w[k].dissolved_on is None][:1] + \
                [k for k in outside(w, p, "party_org") if k != old and w[k].dissolved_on is None]:
            calls.append(Call(f"{m} to {po}", {"member": Ref(m), "to_org": Ref(po), "on": dt.date.today(),
                                                "reason": "矩阵"}, tuple(x for x in (m, po, old) if x)))
        calls.append(Call(f"{m} elsewhere", {"member": Ref(m), "to_elsewhere": "外省某党支部", "on": dt.date.today(),
                                             "reason": "矩阵"}, tuple(x for x in (m, old) if x)))
    return calls


# ---- transfers ----------------------------------------------------------------------------------
# The receiving party org of a letter may lie anywhere (it is usually outside the sender's scope):
# the sender writes nothing to it, so it is not among what a call touches.

def _receiving(w: World, m: str) -> str:
    old = w[m].relation_org_id
    return next(k for k in ("cy_joint", "xilin_party", "cy_party", "branch") if w[k].pk != old)


def _with_relation(keys: list[str], w: World) -> list[str]:
    """Members whose relation is held here and who have no letter under way (one letter at a time)."""
    from shuniu.transfers.letters import open_letter

    return [k for k in keys if w[k].relation_org_id is not None and open_letter(w[k]) is None]


def letter_issue(w: World, p: str) -> list[Call]:
    return [Call(f"{m} to {_receiving(w, m)}", {"member": Ref(m), "to_org": Ref(_receiving(w, m)), "reason": "矩阵"},
                 (m,), raises=ValidationError)
            for m in first(inside(w, p, "member")) + outside(w, p, "member")]


def outgoing_record(w: World, p: str) -> list[Call]:
    return [Call(m, {"member": Ref(m), "number": f"矩阵{serial()}", "to_elsewhere": "外省某党支部",
                     "issued_on": dt.date.today()}, (m, key_of(w, w[m].relation_org) or m))
            for m in first(_with_relation(inside(w, p, "member"), w)) + _with_relation(outside(w, p, "member", 3), w)[:1]]


def outgoing_receipt(w: World, p: str) -> list[Call]:
    def make(m: str) -> Callable[[World, Any], dict[str, Any]]:
        def kwargs(w: World, actor: Any) -> dict[str, Any]:
            from shuniu.transfers.services import outgoing_record as record_letter

            # A fresh row: the service changes the instance it is given, and the world's must stay as built.
            member = type(w[m]).objects.get(pk=w[m].pk)
            letter = record_letter(actor=SYSTEM, member=member, number=f"矩阵{serial()}", to_elsewhere="外省某党支部",
                                   issued_on=dt.date.today())
            return {"letter": letter, "received_on": dt.date.today()}
        return kwargs
    return [Call(m, make(m), (key_of(w, w[m].relation_org) or m,))
            for m in first(_with_relation(inside(w, p, "member"), w)) + _with_relation(outside(w, p, "member", 3), w)[:1]]


def incoming_register(w: World, p: str) -> list[Call]:
    def person() -> dict[str, Any]:
        n = 7500 + serial()
        return {"name": f"服务矩阵转入{n}", "gender": "male", "id_number": make_id_number(n),
                "admitted_on": "2015-07-01", "full_on": "2016-07-01"}
    return [Call(po, {"to_org": Ref(po), "number": f"矩阵{serial()}", "from_elsewhere": "外省某党支部",
                      "issued_on": dt.date.today(), "received_on": dt.date.today(), "person": person()}, (po,))
            for po in first(inside(w, p, "party_org")) + outside(w, p, "party_org")]


def batch_open(w: World, p: str) -> list[Call]:
    return [Call(po, {"party_org": Ref(po), "to_org": Ref("cy_joint" if po != "cy_joint" else "branch"),
                      "reason": "矩阵"}, (po,), raises=ValidationError)
            for po in first(inside(w, p, "party_org")) + outside(w, p, "party_org")]


# ---- instructors ------------------------------------------------------------------------------

def instructor_create(w: World, p: str) -> list[Call]:
    return [Call(s, {"name": f"服务矩阵指导员{serial()}", "kind": "liaison", "region_code": s}, (f"region:{s}",))
            for s in streets(p)]


def _assigned(w: World, i: str, o: str) -> bool:
    return w[i].assignments.filter(org=w[o], ended_on__isnull=True).exists()


def assignment_start(w: World, p: str) -> list[Call]:
    pairs = [(i, o) for i in inside(w, p, "instructor") for o in inside(w, p, "org") if not _assigned(w, i, o)][:1]
    pairs += [(i, o) for i in first(inside(w, p, "instructor")) for o in outside(w, p, "org")]
    pairs += [(i, o) for i in outside(w, p, "instructor") for o in first(inside(w, p, "org"))]
    return [Call(f"{i} to {o}", {"instructor": Ref(i), "org": Ref(o), "started_on": "2022-01-01"}, (i, o))
            for i, o in pairs]


def assignment_end(w: World, p: str) -> list[Call]:
    calls = []
    for a in inside(w, p, "assignment") + outside(w, p, "assignment"):
        touches = (a, key_of(w, w[a].org), key_of(w, w[a].instructor))
        calls.append(Call(a, {"assignment": Ref(a), "ended_on": dt.date.today()}, tuple(k for k in touches if k)))
    return calls


# ---- development ----------------------------------------------------------------------------------

def applicant_create(w: World, p: str) -> list[Call]:
    def data(o: str, po: str) -> dict[str, Any]:
        n = 9500 + serial()
        return {"name": f"服务矩阵申请人{n}", "gender": "male", "id_number": make_id_number(n),
                "applied_on": dt.date.today() - dt.timedelta(days=5), "workplace": Ref(o), "branch": Ref(po)}

    pairs = [(o, po) for o in first(inside(w, p, "org")) for po in first(inside(w, p, "party_org"))
             + outside(w, p, "party_org")]
    pairs += [(o, po) for o in outside(w, p, "org") for po in first(inside(w, p, "party_org"))]
    return [Call(f"at {o} by {po}", data(o, po), (o, po)) for o, po in pairs]


def step_record(w: World, p: str) -> list[Call]:
    return [Call(a, {"applicant": Ref(a), "step": "talk", "on": dt.date.today()}, (a,))
            for a in first(inside(w, p, "applicant")) + outside(w, p, "applicant")]


def applicant_end(w: World, p: str) -> list[Call]:
    return [Call(a, {"applicant": Ref(a), "on": dt.date.today(), "reason": "withdrawn"}, (a,))
            for a in first(inside(w, p, "applicant")) + outside(w, p, "applicant")]


# ---- organizational life -----------------------------------------------------------------------

# The branches of the world with a member of their own: the one each records a meeting or a review with.
_LIFE_MEMBER = {"branch": "branch_member", "xilin_party": "xilin_member", "cy_party": "cy_member"}


def _life_orgs(w: World, p: str) -> list[str]:
    return first([k for k in inside(w, p, "party_org") if k in _LIFE_MEMBER]) + [
        k for k in outside(w, p, "party_org", 3) if k in _LIFE_MEMBER][:1]


def meeting_record(w: World, p: str) -> list[Call]:
    return [Call(po, lambda world, actor, po=po: {
        "party_org": Ref(po), "kinds": ["party_lecture"], "held_on": dt.date.today(), "topic": f"服务矩阵党课{serial()}",
        "attendees": [world[_LIFE_MEMBER[po]].pk]}, (po,)) for po in _life_orgs(w, p)]


def _meetings(w: World, p: str) -> list[str]:
    return first(inside(w, p, "meeting")) + outside(w, p, "meeting")


def meeting_correct(w: World, p: str) -> list[Call]:
    return [Call(m, {"meeting": Ref(m), "reason": "服务矩阵更正", "topic": "服务矩阵更正主题"}, (m,))
            for m in _meetings(w, p)]


def meeting_delete(w: World, p: str) -> list[Call]:
    return [Call(m, {"meeting": Ref(m), "reason": "服务矩阵删除"}, (m,)) for m in _meetings(w, p)]


def meeting_file_add(w: World, p: str) -> list[Call]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.orglife.conftest import png_bytes

    return [Call(m, lambda world, actor, m=m: {"meeting": Ref(m), "upload": SimpleUploadedFile(
        "服务矩阵照片.png", png_bytes(), content_type="image/png")}, (m,)) for m in _meetings(w, p)]


def review_record(w: World, p: str) -> list[Call]:
    return [Call(po, lambda world, actor, po=po: {
        "party_org": Ref(po), "year": dt.date.today().year, "reviewed_on": dt.date.today(),
        "results": [{"member": world[_LIFE_MEMBER[po]].pk, "grade": "qualified"}]}, (po,)) for po in _life_orgs(w, p)]


# ---- system-wide, personal --------------------------------------------------------------------

def system(kwargs: dict[str, Any], raises: type[Exception] | None = None) -> Callable[[World, str], list[Call]]:
    return lambda w, p: [Call("system-wide", kwargs, ("admin-only",), raises)]


def tokens_of(w: World, p: str, make: Callable[[str], dict[str, Any]]) -> list[Call]:
    """The persona's own token, and another persona's (a token acts with its user's whole scope)."""
    other = "zhonglou" if p != "zhonglou" else "chaoyang"
    return [Call(f"of {who}", make(who), (f"token_{who}",)) for who in (p, other)]


# ---- cases ------------------------------------------------------------------------------------

_REPORT = {"event": "other", "event_on": "2024-01-01", "description": "服务矩阵"}
_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _draft(w: World, po: str) -> Any:
    """A change report of party org ``po``, opened by the system: a case on the applicant's side."""
    from shuniu.cases.services import case_open

    return case_open(actor=SYSTEM, kind="change_report", party_org=w[po], data=dict(_REPORT))


def _on_drafts(make: Callable[[Any], dict[str, Any]]) -> Callable[[World, str], list[Call]]:
    """Calls on a draft case of a party org inside the scope and of one outside it (the applicant's
    side of a case is a write to its subject)."""
    def calls(w: World, p: str) -> list[Call]:
        return [Call(po, lambda w, actor, po=po: make(_draft(w, po)), (po,))
                for po in first(inside(w, p, "party_org")) + outside(w, p, "party_org")]
    return calls


def case_open(w: World, p: str) -> list[Call]:
    return [Call(po, {"kind": "change_report", "party_org": Ref(po), "data": dict(_REPORT)}, (po,))
            for po in first(inside(w, p, "party_org")) + outside(w, p, "party_org")]


def _upload(case: Any) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"case": case, "upload": SimpleUploadedFile("服务矩阵.pdf", _PDF)}


# ---- relation transfers -------------------------------------------------------------------------
# A letter is a write to the member (and the party org holding their relation); the receiving party
# org may be any in the country (it is not the sender's to write: it decides on receipt). Members
# who cannot have a letter now (a draft or a letter under way, no relation here) end with a
# ValidationError once the permission check has passed.

# ---- imports ----------------------------------------------------------------------------------

_FILES = Path(tempfile.mkdtemp(prefix="shuniu-service-matrix-"))


def member_file(rows: list[dict[str, str]]) -> Path:
    """A members CSV with the given rows (Chinese headers, as the template has them)."""
    headers = {"name": "姓名", "gender": "性别", "id_number": "公民身份号码", "status": "党员状态",
               "admitted_on": "入党日期", "full_on": "转正日期", "workplace": "工作单位统一社会信用代码", "relation_org": "组织关系所在党组织", "region_code": "所在地区代码"}
    path = _FILES / f"members-{serial()}.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers.values())
        for row in rows:
            writer.writerow([row.get(k, "") for k in headers])
    return path


def member_row(w: World, workplace: str, relation: str | None = None) -> dict[str, str]:
    n = 8000 + serial()
    row = {"name": f"导入矩阵党员{n}", "gender": "男", "id_number": make_id_number(n), "status": "正式党员",
           "admitted_on": "2015-07-01", "full_on": "2016-07-01", "workplace": w[workplace].uscc}
    if relation:
        row["relation_org"] = w[relation].name
    return row


def member_imports(w: World, p: str) -> list[tuple[str, Path, tuple[str, ...]]]:
    """(label, file, touches): a member at an org inside; at an org outside; with a relation org outside."""
    out = []
    for o in first(inside(w, p, "org")) + outside(w, p, "org"):
        out.append((f"member at {o}", member_file([member_row(w, o)]), ("import", o)))
    for o in first(inside(w, p, "org")):
        for po in outside(w, p, "party_org"):
            out.append((f"member at {o} relation {po}", member_file([member_row(w, o, po)]), ("import", o, po)))
    return out


def import_calls(make: Callable[[Path], dict[str, Any]]) -> Callable[[World, str], list[Call]]:
    return lambda w, p: [Call(label, make(path), touches) for label, path, touches in member_imports(w, p)]


def _maker(p: str) -> str:
    """A region persona who makes the batch or preview another persona then acts on."""
    return "zhonglou" if p != "zhonglou" else "hehuachi_street"


def _own_and_others(make: Callable[[World, Any, Any], dict[str, Any]]) -> Callable[[World, str], list[Call]]:
    """The persona's own preview or batch (a region persona's only) and another officer's."""
    def calls(w: World, p: str) -> list[Call]:
        out = []
        for who in (p, _maker(p)):
            def kwargs(world: World, actor: Any, who: str = who) -> dict[str, Any] | None:
                if who not in REGION_OF:
                    return None  # only a region scope makes previews
                owner = world.users[who] if who != p else actor
                return make(world, owner, member_file([member_row(world, first(inside(world, who, "org"))[0])]))
            out.append(Call(f"of {who}", kwargs, ("import", f"batch_owner:{who}")))
        return out
    return calls


def _preview(w: World, owner: Any, path: Path) -> dict[str, Any]:
    from shuniu.imports.services import import_preview

    return {"preview": import_preview(actor=owner, kind="members", path=path)}


def _stored(w: World, owner: Any, path: Path) -> dict[str, Any]:
    import shutil

    from django.conf import settings

    from shuniu.imports.services import batch_preview_upload

    stored = Path(settings.VAR_DIR) / "imports" / f"matrix-{serial()}.csv"
    stored.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, stored)
    return {"batch": batch_preview_upload(actor=owner, kind="members", path=stored, filename=path.name)}


def _committed(w: World, owner: Any, path: Path) -> dict[str, Any]:
    from shuniu.imports.services import import_run

    _preview, batch = import_run(actor=owner, kind="members", path=path)
    assert batch is not None, _preview.errors
    return {"batch": batch}


def _unknown_scenario() -> type[Exception]:
    from shuniu.demo.services import UnknownScenario

    return UnknownScenario


# ---- mobile members -------------------------------------------------------------------------

def _related(w: World, keys: list[str]) -> list[str]:
    """Members whose relation is held by a party org of the world (an outflow is registered there)."""
    return [m for m in keys if w[m].relation_org_id is not None]


def _live_hosts(w: World, keys: list[str], member: str) -> list[str]:
    return [po for po in keys if w[po].dissolved_on is None and w[po].pk != w[member].relation_org_id]


def _away(w: World, m: str) -> Any:
    from shuniu.mobile.services import outflow_register

    return outflow_register(actor=SYSTEM, member=w[m], destination="服务矩阵外出地", since="2024-01-01",
                            reason="服务矩阵")


def outflow_register(w: World, p: str) -> list[Call]:
    return [Call(m, {"member": Ref(m), "destination": "服务矩阵外出地", "since": dt.date.today(), "reason": "矩阵"}, (m,))
            for m in _related(w, inside(w, p, "member"))[:1] + _related(w, outside(w, p, "member"))]


def outflow_end(w: World, p: str) -> list[Call]:
    return [Call(m, lambda world, actor, m=m: {"outflow": _away(world, m), "ended_on": dt.date.today()}, (m,))
            for m in _related(w, inside(w, p, "member"))[:1] + _related(w, outside(w, p, "member"))]


def inflow_take_in(w: World, p: str) -> list[Call]:
    pairs = [(m, po) for m in _related(w, inside(w, p, "member"))[:1]
             for po in _live_hosts(w, inside(w, p, "party_org"), m)[:1] + _live_hosts(w, outside(w, p, "party_org"), m)]
    pairs += [(m, po) for m in _related(w, outside(w, p, "member"))
              for po in _live_hosts(w, inside(w, p, "party_org"), m)[:1]]
    return [Call(f"{m} in {po}", lambda world, actor, m=m, po=po: {
        "outflow": _away(world, m), "host": Ref(po), "started_on": dt.date.today()}, (m, po)) for m, po in pairs]


def _hosted(w: World, m: str, po: str) -> Any:
    from shuniu.mobile.services import inflow_take_in as take_in

    return take_in(actor=SYSTEM, outflow=_away(w, m), host=w[po], started_on="2024-02-01")


def inflow_end(w: World, p: str) -> list[Call]:
    """The host ends it: only the host party org is written (the relation side's member is not)."""
    members = _related(w, [k for k, o in w.objects.items() if o.kind == "member"])
    calls = []
    for po in first(inside(w, p, "party_org")) + outside(w, p, "party_org"):
        m = next((k for k in members if w[k].relation_org_id != w[po].pk), None)
        if m is not None and w[po].dissolved_on is None:
            calls.append(Call(f"{m} in {po}", lambda world, actor, m=m, po=po: {
                "inflow": _hosted(world, m, po), "ended_on": dt.date.today()}, (po,)))
    return calls


def _ended(w: World, m: str) -> Any:
    from shuniu.party.models import PartyMember
    from shuniu.party.services import member_end as end

    # A fresh row: the world's instance outlives the rolled-back calls.
    return end(actor=SYSTEM, member=PartyMember.objects.get(pk=w[m].pk), on=dt.date.today(), reason="stopped")


def member_end_reason_set(w: World, p: str) -> list[Call]:
    """A member whose standing was stopped, later removed (the member is ended first, by the system)."""
    return [Call(m, lambda world, actor, m=m: {"member": _ended(world, m), "reason": "removed"}, (m,))
            for m in first(inside(w, p, "member")) + outside(w, p, "member")]


def participation_end(w: World, p: str) -> list[Call]:
    from shuniu.party.services import participation_add as add

    members = [k for k, o in w.objects.items() if o.kind == "member"]
    calls = []
    for po in first(inside(w, p, "party_org")) + outside(w, p, "party_org"):
        m = next((k for k in members if w[k].relation_org_id != w[po].pk), None)
        if m is not None:
            calls.append(Call(f"{m} in {po}", lambda world, actor, m=m, po=po: {
                "participation": add(actor=SYSTEM, member=world[m], party_org=world[po], started_on="2022-01-01"),
                "ended_on": dt.date.today()}, (po,)))
    return calls


# ---- the rules --------------------------------------------------------------------------------

RULES: dict[str, Rule] = {
    # registry
    "registry.org_create": Rule("scoped", org_create),
    "registry.org_update": Rule("scoped", org_update),
    "registry.org_deregister": Rule("scoped", org_deregister),
    "registry.hub_create": Rule("scoped", hub_create),
    "registry.hub_link_set": Rule("scoped", hub_link_set),
    # party
    "party.party_org_create": Rule("scoped", party_org_create),
    "party.party_org_update": Rule("scoped", party_org_update),
    "party.party_org_dissolve": Rule("scoped", party_org_dissolve),
    "party.coverage_add": Rule("scoped", coverage_add),
    "party.coverage_end": Rule("scoped", coverage_end),
    "party.body_override_set": Rule("scoped", body_override_set),
    "party.member_create": Rule("scoped", member_create),
    "party.member_update": Rule("scoped", member_update),
    "party.member_end": Rule("scoped", member_end),
    "party.participation_add": Rule("scoped", participation_add),
    "party.participation_end": Rule("scoped", participation_end),
    "party.member_end_reason_set": Rule("scoped", member_end_reason_set),
    "party.relation_move": Rule("scoped", relation_move),
    "party.instructor_create": Rule("scoped", instructor_create),
    "party.assignment_start": Rule("scoped", assignment_start),
    "party.assignment_end": Rule("scoped", assignment_end),
    # mobile members
    "mobile.outflow_register": Rule("scoped", outflow_register),
    "mobile.outflow_end": Rule("scoped", outflow_end),
    "mobile.inflow_take_in": Rule("scoped", inflow_take_in),
    "mobile.inflow_end": Rule("scoped", inflow_end),
    # organizational life
    "orglife.meeting_record": Rule("scoped", meeting_record),
    "orglife.meeting_correct": Rule("scoped", meeting_correct),
    "orglife.meeting_delete": Rule("scoped", meeting_delete),
    "orglife.meeting_file_add": Rule("scoped", meeting_file_add),
    "orglife.review_record": Rule("scoped", review_record),
    # passes
    "passes.inspection_record": Rule("scoped", inspection_record),
    "passes.evaluation_record": Rule("scoped", evaluation_record),
    # development
    "development.applicant_create": Rule("scoped", applicant_create),
    "development.step_record": Rule("scoped", step_record),
    "development.applicant_end": Rule("scoped", applicant_end),
    "development.clean_applicant_fields": Rule("helper", why="the rules of a person entering the pipeline that "
                                                             "applicant_create and the import apply after their own "
                                                             "checks; the actor decides only how much a refused ID "
                                                             "number reveals"),
    # accounts
    "cases.case_open": Rule("scoped", case_open),
    "transfers.letter_issue": Rule("scoped", letter_issue),
    "transfers.outgoing_record": Rule("scoped", outgoing_record),
    "transfers.outgoing_receipt": Rule("scoped", outgoing_receipt),
    "transfers.incoming_register": Rule("scoped", incoming_register),
    "transfers.batch_open": Rule("scoped", batch_open),
    "cases.case_update": Rule("scoped", _on_drafts(lambda case: {"case": case, "data": {"description": "改"}})),
    "cases.case_act": Rule("scoped", _on_drafts(lambda case: {"case": case, "action": "withdraw"})),
    "cases.attachment_add": Rule("scoped", _on_drafts(_upload)),
    "cases.acts_for": Rule("helper", why="a read: whether the actor decides for a body; case_act and attachment_add "
                           "call it (tests/cases/test_mechanism.py: a body's user decides, another district's is refused)"),

    "accounts.user_create": Rule("admin", lambda w, p: [Call("a district officer", {
        "username": f"matrix{serial()}", "role": "district_officer", "scope": ZHONGLOU}, ("admin-only",))]),
    "accounts.token_create": Rule("self", lambda w, p: tokens_of(
        w, p, lambda who: {"user": Ref(f"user_{who}"), "label": "矩阵"})),
    "accounts.token_revoke": Rule("self", lambda w, p: tokens_of(w, p, lambda who: {"token": Ref(f"token_{who}")})),
    # coverage
    "coverage.snapshot_take": Rule("admin", system({})),
    # rule settings: a region's setting needs the region in the actor's scope; the country's, an administrator
    "rulesettings.rule_setting_set": Rule("scoped", lambda w, p: [
        *(Call(f"threshold in {s}", {"rule_id": "ESTABLISH", "region": s, "params": {"min_full_members": 4},
                                     "source": "服务矩阵"}, (f"region:{s}",)) for s in streets(p)),
        Call("country-wide", {"rule_id": "ESTABLISH", "region": "", "params": {"min_full_members": 4},
                              "source": "服务矩阵"}, ("admin-only",))]),
    "rulesettings.rule_setting_clear": Rule("scoped", lambda w, p: [
        *(Call(f"cleared in {s}", {"rule_id": "ESTABLISH", "region": s}, (f"region:{s}",)) for s in streets(p)),
        Call("country-wide", {"rule_id": "ESTABLISH", "region": ""}, ("admin-only",))]),
    # demo: an unknown scenario spares generating one; the check comes first
    "demo.scenario_generate": Rule("admin", lambda w, p: [Call("unknown scenario", {"name": "no-such-scenario"},
                                                                ("admin-only",), _unknown_scenario())]),
    # regions: a load that changes nothing
    "regions.load_divisions": Rule("admin", system({"rows": [], "levels": ["community"], "source": "matrix",
                                                    "retire_within_parents": True})),
    "regions.load_shipped": Rule("admin", system({})),
    "regions.load_communities": Rule("admin", system({"path": DATA / "villages-320404.csv"})),
    # imports
    "imports.import_preview": Rule("import", import_calls(lambda path: {"kind": "members", "path": path})),
    "imports.import_run": Rule("import", import_calls(lambda path: {"kind": "members", "path": path})),
    "imports.import_file": Rule("import", import_calls(lambda path: {"kind": "members", "path": path})),
    "imports.batch_preview_upload": Rule("import", import_calls(
        lambda path: {"kind": "members", "path": path, "filename": path.name}), keeps_preview=True),
    "imports.import_commit": Rule("scoped", _own_and_others(_preview)),
    "imports.batch_record_preview": Rule("scoped", _own_and_others(_preview)),
    "imports.batch_commit_stored": Rule("scoped", _own_and_others(_stored)),
    "imports.batch_rollback": Rule("scoped", _own_and_others(_committed)),
    # helpers
    "audit.record": Rule("helper", why="writes the audit entry of the service that calls it, after that "
                                       "service's own checks; refuses anything but an actor"),
    "audit.record_export": Rule("helper", why="records an export that its caller made through the actor's scope; "
                                              "refuses anything but an actor"),
    "party.clean_member_fields": Rule("helper", why="the member rules that member_create, member_update and the "
                                                    "import apply after their own checks; the actor decides only how "
                                                    "much a refused ID number reveals (shuniu.party.privacy)"),
    "imports.batch_list": Rule("helper", why="a read: the actor's own batches, all of them for a scope over "
                                             "everything"),
    "imports.actor_scope": Rule("helper", why="a read: the scope an import is checked against (PermissionDenied "
                                              "without a region scope)"),
}



def missing_rules(names: list[str]) -> list[str]:
    return [f"service {name} has no rule in the service matrix; add one to tests/access/services.py"
            for name in names if name not in RULES]

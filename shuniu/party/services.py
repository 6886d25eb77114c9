"""Writes to party orgs, members and instructors: validate, one transaction, one audit entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from stdnum.cn import ric

from shuniu.accounts.actors import Actor
from shuniu.accounts.scopes import check_write, placed_code
from shuniu.audit.services import diff, record, snapshot
from shuniu.core import crypto
from shuniu.core.derived import track
from shuniu.core.services import (
    Errors,
    add_years,
    as_date,
    choice,
    not_before,
    not_in_future,
    require,
)
from shuniu.core.validators import validate_id_number, validate_phone
from shuniu.party import privacy
from shuniu.party.bodies import BODY_KINDS
from shuniu.party.models import (
    ALLOWED_SUPERIOR_KINDS,
    DEFAULT_TERM_YEARS,
    MAX_TERM_YEARS,
    MIN_APPLICATION_AGE,
    NO_TERM_KINDS,
    PARTY_FOUNDED,
    PROBATION_MAX_EXTENSION_YEARS,
    PROBATION_YEARS,
    BodyOverride,
    EndReason,
    Formation,
    Gender,
    Instructor,
    InstructorAssignment,
    InstructorKind,
    MemberStatus,
    Participation,
    PartyMember,
    PartyOrg,
    PartyOrgCoverage,
    PartyOrgKind,
    RelationChange,
    own_party_q,
)
from shuniu.registry.models import Industry, OrgStatus, SocialOrg, SupervisoryUnit
from shuniu.registry.services import OrgLookups, region_get

# An instructor or liaison works with a handful of orgs (the seeds: 1 to 6 each); 100 is a bound
# against typing errors, not a policy number.
MAX_INSTRUCTOR_CAPACITY = 100

_DEFAULT_FORMATION = {
    PartyOrgKind.JOINT_BRANCH: Formation.JOINT,
    PartyOrgKind.INDUSTRY_COMMITTEE: Formation.INDUSTRY,
    PartyOrgKind.COMPREHENSIVE_COMMITTEE: Formation.REGIONAL,
}


# ---- party orgs -------------------------------------------------------------------------------

def _set_path(party_org: PartyOrg) -> None:
    parent = party_org.superior.path if party_org.superior_id and party_org.superior else "/"
    party_org.path = f"{parent}{party_org.pk}/"
    PartyOrg.objects.filter(pk=party_org.pk).update(path=party_org.path)


@transaction.atomic
def party_org_create(
    *, actor: Actor, name: str, kind: str, established_on: Any, region_code: str | None = None,
    formation: str | None = None, superior: PartyOrg | None = None, term_started_on: Any = None,
    term_years: int | None = None, covers: Iterable[SocialOrg] = (), is_demo: bool = False,
    industry: Industry | str | None = None, supervisory_unit: SupervisoryUnit | str | None = None,
) -> PartyOrg:
    """Establish a party org, optionally covering orgs from its establishment date.

    The region defaults to that of the first covered org, else the superior's. ``industry`` (an
    industry committee's, by code or name) and ``supervisory_unit`` (the government unit whose party
    org this is, by name) are the lines of the responsible party body (``shuniu.party.bodies``).
    """
    covers = list(covers)
    # Covering an org is a write to it, as in coverage_add. A party org under a superior is placed
    # by that superior (a secretary adds one under their own); without one, by its region, which an
    # explicit region code must name inside the jurisdiction in any case.
    check_write(actor, superior, *covers, region_code=placed_code(region_code))
    errors = Errors()
    formation, est, region = clean_party_org(errors, name=name, kind=kind, formation=formation,
                                             established_on=established_on, superior=superior,
                                             region_code=region_code, covers=covers)
    term_start, years = clean_term(errors, term_started_on, term_years, established_on=est, kind=kind)
    lines = clean_lines(errors, kind=kind, industry=industry, supervisory_unit=supervisory_unit)
    errors.raise_if_any()
    assert region is not None and est is not None
    if superior is None:
        check_write(actor, region_code=region.code)
    party_org = PartyOrg(
        name=name.strip(), kind=kind, formation=formation, superior=superior, established_on=est,
        is_demo=is_demo, **default_term(kind, term_start, years, est), **lines,
    )
    party_org.set_region(region)
    with track() as t:
        t.touch(orgs=[o.pk for o in covers])
        party_org.save()
        t.created(party_orgs=[party_org.pk])
        _set_path(party_org)
        for org in covers:
            _coverage_add(errors, party_org, org, est)
        errors.raise_if_any()
    record(actor=actor, action="party_org.create", target=party_org, changes=diff({}, snapshot(party_org)))
    return party_org


def clean_party_org(errors: Errors, *, name: str, kind: str, formation: str | None, established_on: Any,
                    superior: PartyOrg | None, region_code: str | None, covers: list[SocialOrg],
                    lookups: OrgLookups | None = None) -> tuple[str, dt.date | None, Any]:
    """The rules for establishing a party org (``party_org_create`` and the import): returns the
    formation (defaulted from the kind), the establishment date and the region (given, else the
    first covered org's, else the superior's)."""
    require(errors, "name", (name or "").strip(), _("名称"))
    choice(errors, "kind", kind, PartyOrgKind, _("类别"))
    formation = formation or _DEFAULT_FORMATION.get(kind, Formation.STANDALONE)  # type: ignore[call-overload]
    choice(errors, "formation", formation, Formation, _("组建方式"))
    est = as_date(errors, "established_on", established_on, _("成立日期"))
    require(errors, "established_on", est, _("成立日期"))
    not_in_future(errors, "established_on", est, _("成立日期"))
    not_before(errors, "established_on", est, PARTY_FOUNDED, _("成立日期"), _("中国共产党成立于 1921 年 7 月"))
    more = [lookups] if lookups else []
    if region_code:
        region = region_get(errors, "region_code", region_code, *more)
    elif covers:
        region = covers[0].region
    elif superior is not None:
        region = superior.region
    else:
        region = region_get(errors, "region_code", region_code, *more)
    if superior is not None and superior.dissolved_on is not None:
        errors.add("superior", _("上级党组织已撤销（规则：须隶属现有党组织）"), "superior")
    if kind == PartyOrgKind.JOINT_BRANCH and formation == Formation.STANDALONE:
        errors.add("formation", _("联合党支部不能为单独组建（规则：Opinions art. 10）"), "formation")
    if superior is not None:
        clean_nesting(errors, kind, superior)
    return str(formation), est, region


def clean_lines(errors: Errors, *, kind: str, industry: Industry | str | None,
                supervisory_unit: SupervisoryUnit | str | None,
                lookups: OrgLookups | None = None) -> dict[str, Any]:
    """The lines of the responsible party body a party org stands for (rule RESPONSIBLE_BODY): an
    industry committee's industry (an ``Industry``, its code or its name) and the supervisory unit
    whose party org it is (a ``SupervisoryUnit`` or its name, found or recorded as the orgs' are)."""
    found = lookups or OrgLookups()
    out: dict[str, Any] = {"industry": None, "supervisory_unit": None}
    if isinstance(industry, str) and industry.strip():
        out["industry"] = found.industry(industry.strip())
        if out["industry"] is None:
            errors.add("industry", _("行业“%(v)s”不存在（规则：须为已登记的行业）") % {"v": industry}, "industry")
    elif isinstance(industry, Industry):
        out["industry"] = industry
    if out["industry"] is not None and kind != PartyOrgKind.INDUSTRY_COMMITTEE:
        errors.add("industry", _("只有行业党委记录所属行业（规则 RESPONSIBLE_BODY：行业党委负责本行业社会组织的党建工作；"
                                 "依据：《意见》第六条）"), "industry_kind")
    if isinstance(supervisory_unit, str) and supervisory_unit.strip():
        name = supervisory_unit.strip()
        limit = SupervisoryUnit._meta.get_field("name").max_length or 120
        if len(name) > limit:
            errors.add("supervisory_unit", _("业务主管单位名称过长（规则：不超过 %(n)s 个字符）") % {"n": limit}, "max_length")
        else:
            out["supervisory_unit"] = found.supervisory_unit(name)
    elif isinstance(supervisory_unit, SupervisoryUnit):
        out["supervisory_unit"] = supervisory_unit
    return out


def _kind_label(kind: str) -> str:
    return str(PartyOrgKind(kind).label) if kind in PartyOrgKind.values else kind


def clean_nesting(errors: Errors, kind: str, superior: PartyOrg) -> None:
    """Rule NESTING: a party org of ``kind`` may sit directly under ``superior`` only as the
    table ``ALLOWED_SUPERIOR_KINDS`` allows (no branch under a branch)."""
    allowed = ALLOWED_SUPERIOR_KINDS.get(kind)
    if allowed is None or superior.kind in allowed:
        return
    errors.add("superior", _("%(kind)s不能设在%(sup)s“%(name)s”之下（规则 NESTING：%(kind)s的上级应为%(allowed)s；"
                             "依据：党章第三十条、《中国共产党支部工作条例（试行）》第二章）")
               % {"kind": _kind_label(kind), "sup": _kind_label(superior.kind), "name": superior.name,
                  "allowed": _("、").join(_kind_label(k) for k in PartyOrgKind.values if k in allowed)}, "nesting")


def default_term(kind: str, start: dt.date | None, years: int | None, established_on: dt.date) -> dict[str, Any]:
    """The term fields of a new party org: those given, else from its establishment for the kind's
    default length (rule TERM); none for a kind without an elected term (a temporary branch)."""
    if kind in NO_TERM_KINDS:
        return {"term_started_on": None, "term_years": None}
    return {"term_started_on": start or established_on,
            "term_years": years or DEFAULT_TERM_YEARS.get(kind, DEFAULT_TERM_YEARS[PartyOrgKind.BRANCH])}


def clean_term(errors: Errors, term_started_on: Any, term_years: Any, *,
               established_on: dt.date | None, kind: str | None = None) -> tuple[dt.date | None, int | None]:
    """Rule TERM: the current term's start (not in the future, not before the establishment) and
    its length in years (1 to ``MAX_TERM_YEARS``); shared by the services and the import. A kind
    without an elected term (a temporary branch) takes neither."""
    if kind in NO_TERM_KINDS:
        for field, value in (("term_started_on", term_started_on), ("term_years", term_years)):
            if value not in (None, ""):
                errors.add(field, _("临时党支部没有任期，不能填写任期（规则 TERM：临时党支部由批准其成立的党组织指定负责人，"
                                    "不选举、不换届，任务完成后撤销；依据：《中国共产党支部工作条例（试行）》）"), "no_term")
        return None, None
    start = as_date(errors, "term_started_on", term_started_on, _("本届任期开始"))
    not_in_future(errors, "term_started_on", start, _("本届任期开始"))
    if start is not None and established_on is not None and start < established_on:
        errors.add("term_started_on", _("本届任期开始不能早于成立日期（规则：任期自成立或换届之日起算）"), "date_order")
    years = None
    if term_years not in (None, ""):
        if isinstance(term_years, int) and not isinstance(term_years, bool) and 1 <= term_years <= MAX_TERM_YEARS:
            years = term_years
        else:
            errors.add("term_years", _("任期“%(v)s”无效（规则 TERM：1 至 %(max)s 年的整数；党章第三十一条，基层党委每届"
                                       " 3 至 5 年，总支、支部 3 年）") % {"v": term_years, "max": MAX_TERM_YEARS}, "range")
    return start, years


@transaction.atomic
def party_org_update(*, actor: Actor, party_org: PartyOrg, **data: Any) -> PartyOrg:  # noqa: C901
    # The new secretary and superior; and on a move, the superior it leaves, whose subtree (and
    # secretary's jurisdiction) it leaves. Moving to no superior places it at the top of the tree.
    moving = "superior" in data and data["superior"] != party_org.superior
    check_write(actor, party_org, data.get("secretary"), data.get("superior"),
                party_org.superior if moving else None)
    if moving and data["superior"] is None:
        check_write(actor, region_code=party_org.region_id)
    errors = Errors()
    before = snapshot(party_org)
    allowed = {"name", "term_started_on", "term_years", "secretary", "superior", "industry", "supervisory_unit"}
    for field in sorted(set(data) - allowed):
        errors.add(field, _("未知或不可修改的字段“%(f)s”") % {"f": field}, "unknown")
    if "name" in data:
        require(errors, "name", (data["name"] or "").strip(), _("名称"))
        party_org.name = (data["name"] or "").strip()
    if "term_started_on" in data or "term_years" in data:
        start, years = clean_term(errors, data.get("term_started_on"), data.get("term_years"),
                                  established_on=party_org.established_on, kind=party_org.kind)
        if party_org.kind not in NO_TERM_KINDS:  # a temporary branch: refused above unless both are empty
            if "term_started_on" in data:
                party_org.term_started_on = start
            if "term_years" in data:
                require(errors, "term_years", data["term_years"], _("任期（年）"))
                if years is not None:
                    party_org.term_years = years
    if "industry" in data or "supervisory_unit" in data:
        lines = clean_lines(errors, kind=party_org.kind, industry=data.get("industry", party_org.industry),
                            supervisory_unit=data.get("supervisory_unit", party_org.supervisory_unit))
        for field, value in lines.items():
            setattr(party_org, field, value)
    if "secretary" in data:
        secretary = data["secretary"]
        if secretary is not None and secretary.status != MemberStatus.FULL:
            errors.add("secretary", _("书记须为正式党员（规则：党章）"), "secretary")
        party_org.secretary = secretary
    move = "superior" in data and data["superior"] != party_org.superior
    if move:
        sup = data["superior"]
        if sup is not None and sup.path.startswith(party_org.path):
            errors.add("superior", _("上级党组织不能是本组织或其下级（规则：组织树无环）"), "cycle")
        elif sup is not None:
            if sup.dissolved_on is not None:
                errors.add("superior", _("上级党组织已撤销（规则：须隶属现有党组织）"), "superior")
            clean_nesting(errors, party_org.kind, sup)
        party_org.superior = sup
    errors.raise_if_any()
    if party_org.industry_id != before.get("industry_id") or party_org.kind != before.get("kind"):
        # The figures kept by kind and industry (org life's roll-up) move with it.
        with track() as t:
            t.touch(party_orgs=[party_org.pk])
            party_org.save()
    else:
        party_org.save()
    if move:
        old_path = before["path"]
        _set_path(party_org)
        for child in PartyOrg.objects.filter(path__startswith=old_path).exclude(pk=party_org.pk):
            child.path = party_org.path + child.path[len(old_path):]
            child.save(update_fields=["path"])
    changes = diff(before, snapshot(party_org))
    if changes:
        record(actor=actor, action="party_org.update", target=party_org, changes=changes)
    return party_org


@transaction.atomic
def party_org_dissolve(*, actor: Actor, party_org: PartyOrg, on: Any, reason: str) -> PartyOrg:
    """Dissolve a party org (CHANGE_DISSOLVE): its coverage links end on the same day."""
    # Every org it covers now loses that coverage: a write to each of them.
    check_write(actor, party_org, *SocialOrg.objects.filter(
        party_coverages__party_org=party_org, party_coverages__ended_on__isnull=True))
    errors = Errors()
    day = as_date(errors, "dissolved_on", on, _("撤销日期"))
    require(errors, "dissolved_on", day, _("撤销日期"))
    not_in_future(errors, "dissolved_on", day, _("撤销日期"))
    require(errors, "dissolved_reason", (reason or "").strip(), _("撤销原因"))
    if party_org.dissolved_on is not None:
        errors.add("dissolved_on", _("该党组织已撤销"), "state")
    if day and day < party_org.established_on:
        errors.add("dissolved_on", _("撤销日期不能早于成立日期"), "date_order")
    # The open coverage links end on the same day, which must not precede their start.
    if day and PartyOrgCoverage.objects.filter(party_org=party_org, ended_on__isnull=True,
                                               started_on__gt=day).exists():
        errors.add("dissolved_on", _("撤销日期不能早于其覆盖组织的覆盖起始日期"), "date_order")
    if PartyOrg.objects.filter(superior=party_org, dissolved_on__isnull=True).exists():
        errors.add("dissolved_on", _("尚有未撤销的下级党组织（规则：先撤销或调整下级党组织）"), "children")
    errors.raise_if_any()
    before = snapshot(party_org)
    open_links = PartyOrgCoverage.objects.filter(party_org=party_org, ended_on__isnull=True)
    with track() as t:
        t.touch(orgs=open_links.values_list("org_id", flat=True), party_orgs=[party_org.pk])
        party_org.dissolved_on = day
        party_org.dissolved_reason = reason.strip()
        party_org.save(update_fields=["dissolved_on", "dissolved_reason", "updated_at"])
        open_links.update(ended_on=day, end_reason=_("党组织撤销"))
    record(actor=actor, action="party_org.dissolve", target=party_org, changes=diff(before, snapshot(party_org)))
    return party_org


def clean_coverage(errors: Errors, party_org: PartyOrg, org: SocialOrg, start: dt.date, *,
                   already_open: bool, own_links: Iterable[OwnLink] = ()) -> None:
    """The rules for a party org starting to cover an org (``coverage_add`` and the import).

    ``own_links`` are the org's links to party orgs of its own (``own_links_of``), to which the
    caller adds those it is about to write: an org has at most one such party org at a time."""
    not_in_future(errors, "started_on", start, _("覆盖起始日期"))
    if party_org.is_own:
        other = own_conflict(own_links, start, party_org)
        if other is not None:
            errors.add("org", _("“%(o)s”已有单独组建的党组织“%(p)s”（规则 OWN_UNIQUE：一个社会组织同一时间只能有一个"
                                "单独组建的党组织，另一个应先撤销或结束覆盖；依据：《意见》第八条）")
                       % {"o": org, "p": other}, "own_unique")
    if org.status != OrgStatus.ACTIVE:
        errors.add("org", _("“%(o)s”已注销，不能纳入党组织覆盖") % {"o": org}, "state")
    if party_org.dissolved_on is not None:
        errors.add("party_org", _("党组织已撤销"), "state")
    if start < party_org.established_on:
        errors.add("started_on", _("覆盖起始日期不能早于党组织成立日期"), "date_order")
    if already_open:
        errors.add("org", _("“%(o)s”已由该党组织覆盖") % {"o": org}, "unique")


class OwnLink(NamedTuple):
    """A link of an org to a party org of its own (standalone, not joint): who, from when, until when."""

    party_org_id: int | None
    party_org_name: str
    started_on: dt.date
    ended_on: dt.date | None


def own_links_of(org_ids: Iterable[int]) -> dict[int, list[OwnLink]]:
    """Each org's links to party orgs of its own (``own_party_q``), ended or not."""
    out: dict[int, list[OwnLink]] = {}
    ids = sorted(set(org_ids))
    for start in range(0, len(ids), 900):
        rows = (PartyOrgCoverage.objects.filter(own_party_q("party_org__"), org_id__in=ids[start:start + 900])
                .values_list("org_id", "party_org_id", "party_org__name", "started_on", "ended_on"))
        for org_id, pid, name, started, ended in rows:
            out.setdefault(org_id, []).append(OwnLink(pid, name, started, ended))
    return out


def own_conflict(links: Iterable[OwnLink], start: dt.date, party_org: PartyOrg) -> str | None:
    """The name of another party org of the org's own whose link is still running on or after
    ``start`` (a new link is open-ended, so any such link overlaps it), else None."""
    for link in links:
        if party_org.pk is not None and link.party_org_id == party_org.pk:
            continue
        if link.ended_on is None or link.ended_on > start:
            return link.party_org_name
    return None


def _coverage_add(errors: Errors, party_org: PartyOrg, org: SocialOrg, start: dt.date) -> PartyOrgCoverage | None:
    clean_coverage(errors, party_org, org, start, already_open=PartyOrgCoverage.objects.filter(
        party_org=party_org, org=org, ended_on__isnull=True).exists(),
        own_links=own_links_of([org.pk]).get(org.pk, []) if party_org.is_own else [])
    if errors.by_field:
        return None
    return PartyOrgCoverage.objects.create(party_org=party_org, org=org, started_on=start)


@transaction.atomic
def coverage_add(*, actor: Actor, party_org: PartyOrg, org: SocialOrg, started_on: Any) -> PartyOrgCoverage:
    check_write(actor, party_org, org)
    errors = Errors()
    start = as_date(errors, "started_on", started_on, _("起始日期"))
    require(errors, "started_on", start, _("起始日期"))
    errors.raise_if_any()
    assert start is not None
    with track() as t:
        t.touch(orgs=[org.pk])
        link = _coverage_add(errors, party_org, org, start)
        errors.raise_if_any()
    assert link is not None
    record(actor=actor, action="coverage.add", target=org,
           changes={"party_org_id": [None, party_org.pk], "started_on": [None, str(start)]})
    return link


@transaction.atomic
def coverage_end(*, actor: Actor, coverage: PartyOrgCoverage, ended_on: Any, reason: str = "") -> PartyOrgCoverage:
    check_write(actor, coverage, coverage.org, coverage.party_org)
    errors = Errors()
    end = as_date(errors, "ended_on", ended_on, _("结束日期"))
    require(errors, "ended_on", end, _("结束日期"))
    not_in_future(errors, "ended_on", end, _("结束日期"))
    if coverage.ended_on is not None:
        errors.add("ended_on", _("该覆盖关系已结束"), "state")
    if end and end < coverage.started_on:
        errors.add("ended_on", _("结束日期不能早于起始日期"), "date_order")
    errors.raise_if_any()
    with track() as t:
        t.touch(orgs=[coverage.org_id])
        coverage.ended_on = end
        coverage.end_reason = reason
        coverage.save(update_fields=["ended_on", "end_reason", "updated_at"])
    record(actor=actor, action="coverage.end", target=coverage.org,
           changes={"party_org_id": [coverage.party_org_id, None], "ended_on": [None, str(end)], "reason": [None, reason]})
    return coverage


# ---- members ----------------------------------------------------------------------------------

def _id_hash_owner(digest: str) -> int | None:
    """The member registered with this ID-number hash, if any (one query)."""
    return PartyMember.objects.filter(id_number_hash=digest).values_list("pk", flat=True).first()


def clean_member_fields(errors: Errors, data: dict[str, Any], member: PartyMember | Any | None,  # noqa: C901
                        id_hash_owner: Callable[[str], int | None] = _id_hash_owner, *,
                        actor: Any) -> dict[str, Any]:
    """Validate and convert a member's fields: the rules of ``member_create`` / ``member_update`` and
    of the member import, which passes ``id_hash_owner`` answered from memory for a whole file and,
    for ``member``, anything with ``pk``, ``status``, ``full_on``, ``admitted_on``, ``relation_org``
    and ``relation_elsewhere``. An ID number held by another member is refused as
    ``shuniu.party.privacy`` says (what ``actor`` is told, audit, limit)."""
    out: dict[str, Any] = {}
    id_birth: dt.date | None = None
    if "name" in data:
        require(errors, "name", (data["name"] or "").strip(), _("姓名"))
        out["name"] = (data["name"] or "").strip()
    if "gender" in data:
        out["gender"] = choice(errors, "gender", data["gender"], Gender, _("性别"))
    if "status" in data:
        out["status"] = choice(errors, "status", data["status"], MemberStatus, _("党员状态"))
    if "id_number" in data:
        raw = (data["id_number"] or "").strip()
        if raw:
            try:
                number = validate_id_number(raw)
            except ValidationError as exc:
                errors.merge(exc)
            else:
                digest = crypto.keyed_hash(number)
                owner = id_hash_owner(digest)
                if owner is not None and (member is None or owner != member.pk):
                    errors.add("id_number", privacy.refuse(actor, number, owner), privacy.REFUSED_CODE)
                out.update(crypto.id_number_fields(number, digest))
                id_birth = ric.get_birth_date(number)
                if "birth_date" not in data:
                    out["birth_date"] = id_birth
        else:
            out.update(id_number_encrypted="", id_number_hash="", id_number_masked="")
    if "phone" in data:
        raw = (data["phone"] or "").strip()
        if raw:
            try:
                phone = validate_phone(raw)
            except ValidationError as exc:
                errors.merge(exc)
            else:
                out.update(crypto.phone_fields(phone))
        else:
            out.update(phone_encrypted="", phone_masked="")
    for field, label in (("birth_date", _("出生日期")), ("admitted_on", _("入党日期")), ("full_on", _("转正日期"))):
        if field in data:
            out[field] = as_date(errors, field, data[field], label)
            not_in_future(errors, field, out[field], label)
    for field in ("workplace", "relation_org"):
        if field in data:
            out[field] = data[field]
    if "relation_elsewhere" in data:
        out["relation_elsewhere"] = (data["relation_elsewhere"] or "").strip()
    if "is_mobile" in data:
        out["is_mobile"] = bool(data["is_mobile"])
    if "is_demo" in data:
        out["is_demo"] = bool(data["is_demo"])
    if member is None or _DATED.intersection(data):
        clean_member_dates(errors, out, member, id_birth)
    relation_org = out.get("relation_org", member.relation_org if member else None)
    elsewhere = out.get("relation_elsewhere", member.relation_elsewhere if member else "")
    if relation_org is not None and elsewhere:
        errors.add("relation_elsewhere", _("组织关系只能在一个党组织（规则：一方隶属）"), "relation")
    if relation_org is not None and relation_org.dissolved_on is not None:
        errors.add("relation_org", _("组织关系所在党组织已撤销"), "state")
    unknown = set(data) - _MEMBER_FIELDS
    for field in sorted(unknown):
        errors.add(field, _("未知字段“%(f)s”") % {"f": field}, "unknown")
    return out


def _stored_id_number(member: Any) -> str:
    """The encrypted ID number of the member being changed, if any (an import passes a namespace)."""
    return str(getattr(member, "id_number_encrypted", None) or "")


# The fields the date rules read: a change to any of them (or a new member) checks them all; a
# change to anything else leaves an old record's dates alone.
_DATED = {"status", "admitted_on", "full_on", "birth_date", "id_number"}


def clean_member_dates(errors: Errors, out: dict[str, Any], member: PartyMember | Any | None,
                       id_birth: dt.date | None) -> None:
    """The date rules of a member (rule MEMBER_DATES, and PROBATION for what is refused at once).

    A member needs a date of admission (入党日期: every roster has it; probation and Party standing
    count from it); the date of becoming full (转正日期) is optional, since older records often lack
    it, but a probationary member has none."""
    def current(field: str) -> Any:
        return out[field] if field in out else getattr(member, field, None)

    status, admitted, full_on = current("status"), current("admitted_on"), current("full_on")
    birth = current("birth_date")
    if status in MemberStatus.values and admitted is None and "admitted_on" not in errors.by_field:
        errors.add("admitted_on", _("入党日期不能为空（规则：党员须有入党日期，预备期和党龄自此起算；党章第七条）"), "required")
    if status == MemberStatus.PROBATIONARY and full_on is not None:
        errors.add("full_on", _("预备党员不能有转正日期（规则 PROBATION：转正后为正式党员；党章第七条）"), "state")
    if id_birth is not None:
        if id_birth > dt.date.today():
            errors.add("id_number", _("公民身份号码中的出生日期 %(d)s 在未来（规则：GB 11643-1999，出生日期码）")
                       % {"d": id_birth.isoformat()}, "future")
        given = out.get("birth_date")
        if given is not None and given != id_birth:
            errors.add("birth_date", _("出生日期 %(b)s 与公民身份号码中的 %(d)s 不一致（规则：出生日期以身份号码为准）")
                       % {"b": given.isoformat(), "d": id_birth.isoformat()}, "mismatch")
    elif "birth_date" in out and out["birth_date"] is not None and (encrypted := _stored_id_number(member)):
        stored = ric.get_birth_date(crypto.decrypt(encrypted))
        if stored != out["birth_date"]:
            errors.add("birth_date", _("出生日期 %(b)s 与公民身份号码中的 %(d)s 不一致（规则：出生日期以身份号码为准）")
                       % {"b": out["birth_date"].isoformat(), "d": stored.isoformat()}, "mismatch")
    if admitted is None:
        return
    not_before(errors, "admitted_on", admitted, PARTY_FOUNDED, _("入党日期"), _("中国共产党成立于 1921 年 7 月"))
    # (A birth date in the future is reported as such, not also as an age.)
    if birth is not None and birth <= dt.date.today() and admitted < add_years(birth, MIN_APPLICATION_AGE):
        errors.add("admitted_on", _("入党时未满 %(age)s 周岁（出生日期 %(b)s）（规则：党章第一条，年满十八岁方可申请入党）")
                   % {"age": MIN_APPLICATION_AGE, "b": birth.isoformat()}, "age")
    longest = PROBATION_YEARS + PROBATION_MAX_EXTENSION_YEARS
    if status == MemberStatus.FULL and full_on is not None:
        earliest, latest = add_years(admitted, PROBATION_YEARS), add_years(admitted, longest)
        if full_on < earliest:
            errors.add("full_on", _("转正日期不能早于入党满 1 年之日 %(d)s（规则 PROBATION：预备期一年；党章第七条）")
                       % {"d": earliest.isoformat()}, "probation")
        elif full_on > latest:
            errors.add("full_on", _("转正日期不能晚于入党满 2 年之日 %(d)s（规则 PROBATION：预备期一年，延长不超过一年；"
                                    "党章第七条）") % {"d": latest.isoformat()}, "probation")
    if status == MemberStatus.PROBATIONARY and add_years(admitted, longest) < dt.date.today():
        errors.add("status", _("%(d)s 入党的预备党员，预备期已超过 %(n)s 年（规则 PROBATION：预备期一年，延长不超过一年；"
                               "党章第七条）：应登记为正式党员并填写转正日期，或按规定办理") % {"d": admitted.isoformat(),
                                                                          "n": longest}, "probation")


_MEMBER_FIELDS = {
    "name", "gender", "status", "id_number", "phone", "birth_date", "admitted_on", "full_on", "workplace",
    "relation_org", "relation_elsewhere", "is_mobile", "is_demo", "region_code",
}


def place_member(member: PartyMember, errors: Errors, region_code: str | None,
                  lookups: OrgLookups | None = None) -> None:
    if region_code:
        region = region_get(errors, "region_code", region_code, *([lookups] if lookups else []))
    elif member.workplace_id:
        region = member.workplace.region  # type: ignore[union-attr]
    elif member.relation_org_id:
        region = member.relation_org.region  # type: ignore[union-attr]
    else:
        region = None
        errors.add("workplace", _("须填写工作单位、组织关系所在党组织或所在地区之一（规则：党员须有所在地）"), "place")
    if region is not None:
        member.set_region(region)


@privacy.guarded
@transaction.atomic
def member_create(*, actor: Actor, **data: Any) -> PartyMember:
    """Record a party member. Required: name, gender, status, and a workplace, relation org or region."""
    # An explicit place must lie in the actor's jurisdiction too, not only the org it works in.
    check_write(actor, data.get("workplace"), data.get("relation_org"), region_code=placed_code(data.get("region_code")))
    errors = Errors()
    for field, label in (("name", _("姓名")), ("gender", _("性别")), ("status", _("党员状态"))):
        if not data.get(field):
            require(errors, field, data.get(field), label)
    region_code = data.get("region_code")
    values = clean_member_fields(errors, {k: v for k, v in data.items() if k != "region_code"}, None, actor=actor)
    member = PartyMember(**values)
    place_member(member, errors, region_code)
    errors.raise_if_any()
    with track() as t:
        t.touch(orgs=[member.workplace_id])
        member.save()
        t.created(members=[member.pk])
    record(actor=actor, action="member.create", target=member, changes=diff({}, snapshot(member)))
    return member


@privacy.guarded
@transaction.atomic
def member_update(*, actor: Actor, member: PartyMember, **data: Any) -> PartyMember:
    """Change a member's data: status (e.g. 转正), workplace, relation, ID or phone."""
    # The new workplace and relation org, and those it leaves (a hub's staff and a party org's
    # secretary hold their members through these).
    links = [obj for field in ("workplace", "relation_org") if field in data
             for obj in (data[field], getattr(member, field)) if data[field] != getattr(member, field)]
    check_write(actor, member, *links, region_code=placed_code(data.get("region_code")))
    errors = Errors()
    before = snapshot(member)
    old_workplace = member.workplace_id
    region_code = data.get("region_code")
    values = clean_member_fields(errors, {k: v for k, v in data.items() if k != "region_code"}, member,
                                 actor=actor)
    for key, value in values.items():
        setattr(member, key, value)
    if region_code or "workplace" in data or "relation_org" in data:
        place_member(member, errors, region_code)
    errors.raise_if_any()
    moved = (before.get("relation_org_id"), before.get("relation_elsewhere")) != (member.relation_org_id,
                                                                                  member.relation_elsewhere)
    with track() as t:
        t.touch(orgs=[old_workplace, member.workplace_id], members=[member.pk])
        member.save()
    if moved:
        # A correction of the record: the history says where the relation was before today.
        RelationChange.objects.create(
            member=member, on=dt.date.today(), from_org_id=before.get("relation_org_id"),
            from_elsewhere=before.get("relation_elsewhere") or "", to_org=member.relation_org,
            to_elsewhere=member.relation_elsewhere, reason=_("党员信息更正"))
    changes = diff(before, snapshot(member))
    if changes:
        record(actor=actor, action="member.update", target=member, changes=changes)
    return member


def clean_end_reason(errors: Errors, reason: Any, note: Any) -> tuple[str, str]:
    """A member's reduction reason: one of the statistics' categories (``EndReason``, by value or by
    its Chinese name), with a note that ``other`` requires (shared by ``member_end`` and the forms)."""
    value = (reason or "").strip() if isinstance(reason, str) else reason
    value = _END_REASON_NAMES.get(value, value) if isinstance(value, str) else value
    if value in (None, ""):
        require(errors, "end_reason", None, _("减少原因"))
    else:
        choice(errors, "end_reason", value, EndReason, _("减少原因"))
    text = (note or "").strip() if isinstance(note, str) else ""
    if value == EndReason.OTHER and not text:
        errors.add("end_note", _("减少原因为“其他”时须说明具体原因（规则：减少原因按统计分类，其他须注明）"), "required")
    if len(text) > _END_NOTE_MAX:
        errors.add("end_note", _("减少原因说明过长（规则：不超过 %(n)s 个字符）") % {"n": _END_NOTE_MAX}, "max_length")
    return str(value or ""), text


_END_REASON_NAMES = {"转出": EndReason.TRANSFERRED_OUT, "死亡": EndReason.DIED, "出党": EndReason.LEFT_PARTY,
                     "停止党籍": EndReason.STOPPED, "除名": EndReason.REMOVED, "其他": EndReason.OTHER}
_END_NOTE_MAX = PartyMember._meta.get_field("end_note").max_length or 200


def clean_member_end(errors: Errors, on: Any, reason: Any, note: Any, *,
                     already_ended: bool) -> tuple[dt.date | None, str, str]:
    """The rules of a member leaving the roster (``member_end`` and the member import): the date
    (required, not in the future), the reason as a category, its note."""
    day = as_date(errors, "ended_on", on, _("减少日期"))
    require(errors, "ended_on", day, _("减少日期"))
    not_in_future(errors, "ended_on", day, _("减少日期"))
    category, text = clean_end_reason(errors, reason, note)
    if already_ended:
        errors.add("ended_on", _("该党员已减少"), "state")
    return day, category, text


@transaction.atomic
def member_end(*, actor: Actor, member: PartyMember, on: Any, reason: str, note: str = "") -> PartyMember:
    """Record that a member left this system's records, for a reason of the statistics' categories
    (``EndReason``: transferred out, died, left the Party, stopped, removed, other with a note); the
    row is kept."""
    check_write(actor, member)
    errors = Errors()
    day, category, text = clean_member_end(errors, on, reason, note, already_ended=member.ended_on is not None)
    errors.raise_if_any()
    before = snapshot(member)
    with track() as t:
        t.touch(orgs=[member.workplace_id], members=[member.pk])
        member.ended_on = day
        member.end_reason = category
        member.end_note = text
        member.save(update_fields=["ended_on", "end_reason", "end_note", "updated_at"])
    Participation.objects.filter(member=member, ended_on__isnull=True).update(ended_on=day)
    record(actor=actor, action="member.end", target=member, changes=diff(before, snapshot(member)))
    return member


@transaction.atomic
def member_end_reason_set(*, actor: Actor, member: PartyMember, reason: str, note: str = "") -> PartyMember:
    """Reclassify why a member left the roster, by a later decision (a member whose standing was
    stopped, removed two years later: 停止党籍 → 除名, EDU 2019 art. 24); the date stays."""
    check_write(actor, member)
    errors = Errors()
    category, text = clean_end_reason(errors, reason, note)
    if member.ended_on is None:
        errors.add("end_reason", _("该党员仍在册，减少原因在登记减少时填写（规则：先减少，后更正原因）"), "state")
    errors.raise_if_any()
    before = snapshot(member)
    member.end_reason, member.end_note = category, text
    member.save(update_fields=["end_reason", "end_note", "updated_at"])
    record(actor=actor, action="member.end_reason", target=member, changes=diff(before, snapshot(member)))
    return member


@transaction.atomic
def relation_move(*, actor: Actor, member: PartyMember, on: Any, to_org: PartyOrg | None = None,
                  to_elsewhere: str = "", reason: str, workplace: SocialOrg | Any | None = ...) -> RelationChange:
    """Move a member's organizational relation on the date ``on`` (a transfer's receipt, a letter
    to or from outside the system): to ``to_org`` here or to a party org ``to_elsewhere``; with the
    new workplace when given. The member row takes the new relation; the history keeps the old one
    until the day before (``shuniu.party.relations``)."""
    links = [to_org, member.relation_org, *([workplace, member.workplace] if workplace is not ... else [])]
    check_write(actor, member, *links)
    errors = Errors()
    day = as_date(errors, "on", on, _("变动日期"))
    require(errors, "on", day, _("变动日期"))
    not_in_future(errors, "on", day, _("变动日期"))
    elsewhere = (to_elsewhere or "").strip()
    if (to_org is None) == (not elsewhere):
        errors.add("to_org", _("须指定接收的党组织，或系统外党组织的名称（规则：一方隶属）"), "relation")
    if member.ended_on is not None:
        errors.add("member", _("该党员已于 %(d)s 减少，不能转移组织关系") % {"d": member.ended_on.isoformat()}, "state")
    if to_org is not None and to_org.pk == member.relation_org_id:
        errors.add("to_org", _("组织关系已在“%(o)s”") % {"o": to_org.name}, "relation")
    if to_org is not None and day is not None and (to_org.dissolved_on is not None or to_org.established_on > day):
        errors.add("to_org", _("“%(o)s”在 %(d)s 不是存续的党组织（已撤销或尚未成立），不能接收组织关系")
                   % {"o": to_org.name, "d": day.isoformat()}, "state")
    last = member.relation_changes.order_by("-on", "-id").values_list("on", flat=True).first()
    if day is not None and last is not None and day < last:
        errors.add("on", _("变动日期 %(d)s 早于上一次组织关系变动 %(last)s（规则：组织关系按时间先后变动）")
                   % {"d": day.isoformat(), "last": last.isoformat()}, "order")
    errors.raise_if_any()
    assert day is not None
    before = snapshot(member)
    change = RelationChange(member=member, on=day, from_org=member.relation_org,
                            from_elsewhere=member.relation_elsewhere, to_org=to_org, to_elsewhere=elsewhere,
                            reason=(reason or "").strip()[:200])
    old_workplace = member.workplace_id
    with track() as t:
        if workplace is not ...:
            t.touch(orgs=[old_workplace, getattr(workplace, "pk", None)], members=[member.pk])
            member.workplace = workplace
        else:
            t.touch(members=[member.pk])
        member.relation_org = to_org
        member.relation_elsewhere = elsewhere
        if member.workplace_id or member.relation_org_id:
            place_member(member, Errors(), None)  # the region follows the workplace, else the relation
        member.save()
    change.save()
    record(actor=actor, action="member.relation_move", target=member, changes=diff(before, snapshot(member)))
    return change


@transaction.atomic
def participation_add(*, actor: Actor, member: PartyMember, party_org: PartyOrg, started_on: Any) -> Participation:
    check_write(actor, party_org, member)
    errors = Errors()
    start = as_date(errors, "started_on", started_on, _("起始日期"))
    require(errors, "started_on", start, _("起始日期"))
    not_in_future(errors, "started_on", start, _("起始日期"))
    if member.relation_org_id == party_org.pk:
        errors.add("party_org", _("组织关系已在该党组织，无需另行参加（规则：一方隶属、参加多重组织生活）"), "relation")
    errors.raise_if_any()
    assert start is not None  # required above
    part = Participation.objects.create(member=member, party_org=party_org, started_on=start)
    record(actor=actor, action="participation.add", target=member, changes={"party_org_id": [None, party_org.pk]})
    return part


@transaction.atomic
def participation_end(*, actor: Actor, participation: Participation, ended_on: Any) -> Participation:
    """End a member's org life in a party org that does not hold the relation (the host lets them go)."""
    check_write(actor, participation.party_org)
    errors = Errors()
    end = as_date(errors, "ended_on", ended_on, _("结束日期"))
    require(errors, "ended_on", end, _("结束日期"))
    not_in_future(errors, "ended_on", end, _("结束日期"))
    if participation.ended_on is not None:
        errors.add("ended_on", _("该参加组织生活记录已结束"), "state")
    if end is not None and end < participation.started_on:
        errors.add("ended_on", _("结束日期不能早于起始日期"), "date_order")
    errors.raise_if_any()
    participation.ended_on = end
    participation.save(update_fields=["ended_on", "updated_at"])
    record(actor=actor, action="participation.end", target=participation.member,
           changes={"party_org_id": [participation.party_org_id, None]})
    return participation


# ---- the responsible party body ---------------------------------------------------------------

@transaction.atomic
def body_override_set(*, actor: Actor, org: SocialOrg, party_org: PartyOrg | None, reason: str) -> BodyOverride | None:
    """Set an org's responsible party body by hand, in place of the one its lines resolve (rule
    RESPONSIBLE_BODY, ``shuniu.party.bodies``); ``party_org`` None clears it. Returns the override
    (None once cleared)."""
    old = BodyOverride.objects.filter(org=org).select_related("party_org").first()
    check_write(actor, org, party_org, old.party_org if old is not None else None)
    errors = Errors()
    text = (reason or "").strip() if isinstance(reason, str) else ""
    require(errors, "reason", text, _("原因"))
    limit = BodyOverride._meta.get_field("reason").max_length or 200
    if len(text) > limit:
        errors.add("reason", _("原因过长（规则：不超过 %(n)s 个字符）") % {"n": limit}, "max_length")
    if party_org is None:
        if old is None:
            errors.add("party_org", _("该组织没有指定的党建工作责任主体，无需清除"), "state")
    else:
        if org.status != OrgStatus.ACTIVE:
            errors.add("org", _("“%(o)s”已注销，不能指定党建工作责任主体") % {"o": org}, "state")
        if party_org.dissolved_on is not None:
            errors.add("party_org", _("党组织“%(p)s”已撤销（规则：须为现有党组织）") % {"p": party_org}, "state")
        if party_org.kind not in BODY_KINDS:
            errors.add("party_org", _("%(kind)s“%(p)s”不能作为党建工作责任主体（规则 RESPONSIBLE_BODY：应为党委、行业党委或"
                                      "综合党委；依据：《关于加强社会组织党的建设工作的意见（试行）》第六条）")
                       % {"kind": _kind_label(party_org.kind), "p": party_org}, "kind")
    errors.raise_if_any()
    before = {"body_party_org_id": old.party_org_id if old else None, "body_reason": old.reason if old else ""}
    if party_org is None:
        assert old is not None
        old.delete()
        override = None
    else:
        override, _created = BodyOverride.objects.update_or_create(
            org=org, defaults={"party_org": party_org, "reason": text, "set_on": dt.date.today()})
    after = {"body_party_org_id": party_org.pk if party_org else None, "body_reason": text}
    record(actor=actor, action="org.body_override", target=org, changes=diff(before, after))
    return override


# ---- instructors ------------------------------------------------------------------------------

@transaction.atomic
def instructor_create(
    *, actor: Actor, name: str, kind: str, region_code: str, phone: str = "", employer: str = "", capacity: int = 5,
    is_demo: bool = False,
) -> Instructor:
    check_write(actor, region_code=placed_code(region_code))
    errors = Errors()
    region, values = clean_instructor(errors, name=name, kind=kind, region_code=region_code, phone=phone,
                                      capacity=capacity)
    errors.raise_if_any()
    assert region is not None
    instructor = Instructor(name=name.strip(), kind=kind, employer=employer, capacity=capacity, is_demo=is_demo,
                            **values)
    instructor.set_region(region)
    instructor.save()
    record(actor=actor, action="instructor.create", target=instructor, changes=diff({}, snapshot(instructor)))
    return instructor


def clean_instructor(errors: Errors, *, name: str, kind: str, region_code: Any, phone: str, capacity: Any,
                     lookups: OrgLookups | None = None) -> tuple[Any, dict[str, Any]]:
    """The rules for an instructor (``instructor_create`` and the import): the region, and the
    encrypted and masked phone."""
    require(errors, "name", (name or "").strip(), _("姓名"))
    choice(errors, "kind", kind, InstructorKind, _("类别"))
    region = region_get(errors, "region_code", region_code, *([lookups] if lookups else []))
    if isinstance(capacity, bool) or not isinstance(capacity, int) or not 1 <= capacity <= MAX_INSTRUCTOR_CAPACITY:
        errors.add("capacity", _("可联系组织数“%(v)s”无效（规则：1 至 %(max)s 之间的整数）")
                   % {"v": capacity, "max": MAX_INSTRUCTOR_CAPACITY}, "range")
    values: dict[str, Any] = {}
    if phone:
        try:
            p = validate_phone(phone)
            values.update(crypto.phone_fields(p))
        except ValidationError as exc:
            errors.merge(exc)
    return region, values


@transaction.atomic
def assignment_start(*, actor: Actor, instructor: Instructor, org: SocialOrg, started_on: Any) -> InstructorAssignment:
    check_write(actor, org, instructor)
    errors = Errors()
    start = as_date(errors, "started_on", started_on, _("起始日期"))
    require(errors, "started_on", start, _("起始日期"))
    not_in_future(errors, "started_on", start, _("起始日期"))
    if instructor.ended_on is not None:
        errors.add("instructor", _("该指导员已离任"), "state")
    if org.status != OrgStatus.ACTIVE:
        errors.add("org", _("“%(o)s”已注销") % {"o": org}, "state")
    if InstructorAssignment.objects.filter(instructor=instructor, org=org, ended_on__isnull=True).exists():
        errors.add("org", _("该指导员已派驻“%(o)s”") % {"o": org}, "unique")
    errors.raise_if_any()
    assert start is not None  # required above
    with track() as t:
        t.touch(orgs=[org.pk])
        assignment = InstructorAssignment.objects.create(instructor=instructor, org=org, started_on=start)
    record(actor=actor, action="assignment.start", target=org, changes={"instructor_id": [None, instructor.pk]})
    return assignment


@transaction.atomic
def assignment_end(*, actor: Actor, assignment: InstructorAssignment, ended_on: Any) -> InstructorAssignment:
    check_write(actor, assignment, assignment.org, assignment.instructor)
    errors = Errors()
    end = as_date(errors, "ended_on", ended_on, _("结束日期"))
    require(errors, "ended_on", end, _("结束日期"))
    not_in_future(errors, "ended_on", end, _("结束日期"))
    if assignment.ended_on is not None:
        errors.add("ended_on", _("该派驻已结束"), "state")
    if end and end < assignment.started_on:
        errors.add("ended_on", _("结束日期不能早于起始日期"), "date_order")
    errors.raise_if_any()
    with track() as t:
        t.touch(orgs=[assignment.org_id])
        assignment.ended_on = end
        assignment.save(update_fields=["ended_on", "updated_at"])
    record(actor=actor, action="assignment.end", target=assignment.org,
           changes={"instructor_id": [assignment.instructor_id, None]})
    return assignment

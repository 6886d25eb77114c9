"""Establishing a party org (成立党组织申请 and 批复): a case of kind ``establishment``.

The application names the orgs (one: standalone; several: a joint branch, generally ≤ 5 units),
the kind and name proposed, the members who will move their relation here or take part in its
org life, and the proposed secretary. The responsible party body of the (first) org decides; on
approval the party org is created through ``party_org_create`` under that body, covering the
orgs from the approval date, the members' relations move or their participation starts, and the
secretary is set: coverage and the due list change in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.accounts.scopes import check_write
from shuniu.cases.kinds import CaseKind, Transition, approval_flow, register
from shuniu.cases.models import Case
from shuniu.core.actors import SystemActor, actor_label
from shuniu.core.services import Errors, as_date, choice, not_in_future, require
from shuniu.organizing.change import Values
from shuniu.party.models import Formation, MemberStatus, PartyMember, PartyOrg, PartyOrgKind
from shuniu.party.services import participation_add, party_org_create, party_org_update
from shuniu.registry.models import SocialOrg

SOURCE = ("《关于加强社会组织党的建设工作的意见（试行）》第八条、第十条、第十一条；《中国共产党支部工作条例（试行）》"
          "第二章（批复时间一般不超过1个月）")
# Kinds an application may ask for (industry and comprehensive committees are set up by the
# organization department, not applied for by an org).
KINDS = (PartyOrgKind.BRANCH, PartyOrgKind.JOINT_BRANCH, PartyOrgKind.GENERAL_BRANCH, PartyOrgKind.COMMITTEE,
         PartyOrgKind.TEMPORARY_BRANCH)
MIN_BRANCH_FULL = 3  # 党章第三十条: 有正式党员三人以上的，都应当成立党的基层组织
JOINT_MAX_UNITS = 5  # 《支部工作条例》第五条: 联合党支部覆盖单位一般不超过5个
GENERAL_BRANCH_ABOVE = 50  # 《支部工作条例》第四条: 党员人数超过50人的，可以成立党总支
COMMITTEE_FROM = 100  # 党员人数100人以上的，可以成立党的基层委员会（经批准）
ROLES = ("relation", "participate")


def _ids(errors: Errors, field: str, value: Any, label: str) -> list[int]:
    if value in (None, ""):
        return []
    items = value if isinstance(value, list | tuple) else [value]
    out: list[int] = []
    for item in items:
        try:
            out.append(int(item))
        except (TypeError, ValueError):
            errors.add(field, _("%(label)s“%(value)s”不是有效的编号") % {"label": label, "value": item}, "id")
    return out


def application_orgs(case: Case) -> list[SocialOrg]:
    ids = [case.org_id, *[i for i in case.data.get("orgs", []) if i != case.org_id]]
    found = {o.pk: o for o in SocialOrg.objects.filter(pk__in=ids)}
    return [found[i] for i in ids if i in found]


def _members(errors: Errors, data: Mapping[str, Any]) -> dict[PartyMember, str]:
    raw = data.get("members") or {}
    if not isinstance(raw, Mapping):
        errors.add("members", _("党员名单须为“党员编号: relation（转入组织关系）或 participate（参加组织生活）”"), "members")
        return {}
    ids = _ids(errors, "members", list(raw), _("党员"))
    found = {m.pk: m for m in PartyMember.objects.filter(pk__in=ids, ended_on__isnull=True)}
    out: dict[PartyMember, str] = {}
    for key, role in raw.items():
        member = found.get(int(key)) if str(key).isdigit() else None
        if member is None:
            errors.add("members", _("党员编号 %(id)s 不存在或已减少") % {"id": key}, "members")
        elif role not in ROLES:
            errors.add("members", _("党员“%(name)s”的方式“%(role)s”无效（relation 或 participate）")
                       % {"name": member.name, "role": role}, "members")
        else:
            out[member] = role
    return out


def _clean_orgs(errors: Errors, case: Case, data: Mapping[str, Any]) -> list[SocialOrg]:
    extra = _ids(errors, "orgs", data.get("orgs"), _("社会组织"))
    orgs = list(SocialOrg.objects.filter(pk__in=extra))
    if len(orgs) != len(set(extra)):
        errors.add("orgs", _("所列社会组织有不存在的编号"), "orgs")
    for org in [o for o in [case.org, *orgs] if o is not None]:
        if org.status != "active":
            errors.add("orgs", _("“%(org)s”已注销，不能建立党组织") % {"org": org.name}, "orgs")
    return orgs


def _clean_kind(errors: Errors, kind: str, units: int, full: int, total: int, warnings: list[str]) -> None:
    if kind == PartyOrgKind.JOINT_BRANCH and units < 2:
        errors.add("party_kind", _("联合党支部须覆盖两个以上单位（规则 JOINT，《意见》第十条）"), "joint")
    if kind != PartyOrgKind.JOINT_BRANCH and units > 1:
        errors.add("party_kind", _("覆盖多个单位须建立联合党支部（规则 JOINT，《意见》第十条）"), "joint")
    if units > JOINT_MAX_UNITS:
        warnings.append(_("联合党支部覆盖 %(n)s 个单位，一般不超过 %(max)s 个（规则 JOINT_SIZE，《支部工作条例》第五条）")
                        % {"n": units, "max": JOINT_MAX_UNITS})
    if kind in (PartyOrgKind.BRANCH, PartyOrgKind.JOINT_BRANCH, PartyOrgKind.TEMPORARY_BRANCH) and full < MIN_BRANCH_FULL:
        errors.add("members", _("正式党员 %(n)s 名，成立党支部须有正式党员 3 名以上（规则 ESTABLISH，党章第三十条）")
                   % {"n": full}, "establish")
    if kind in (PartyOrgKind.BRANCH, PartyOrgKind.JOINT_BRANCH) and total > GENERAL_BRANCH_ABOVE:
        warnings.append(_("党员 %(n)s 名，超过 50 名，可成立%(kind)s（规则 BRANCH_SIZE，《支部工作条例》第四条）")
                        % {"n": total, "kind": _("党委") if total >= COMMITTEE_FROM else _("党总支")})


def _clean_secretary(errors: Errors, data: Mapping[str, Any], members: dict[PartyMember, str],
                     orgs: list[SocialOrg]) -> None:
    secretary_id = _ids(errors, "secretary", data.get("secretary"), _("书记"))
    if not secretary_id:
        return
    secretary = PartyMember.objects.filter(pk=secretary_id[0], ended_on__isnull=True).first()
    if secretary is None:
        errors.add("secretary", _("书记人选不存在"), "secretary")
    elif secretary.status != MemberStatus.FULL:
        errors.add("secretary", _("书记须为正式党员（规则：党章；《意见》第十七条）"), "secretary")
    elif secretary not in members:
        errors.add("secretary", _("书记人选须列入本党组织的党员名单"), "secretary")
    elif secretary.workplace_id not in {o.pk for o in orgs} and not data.get("secretary_dispatched"):
        errors.add("secretary", _("书记人选不在所列社会组织工作：须从本组织内产生，否则注明由上级党组织选派（《意见》第十七条）"),
                   "secretary")


def clean(case: Case, action: str | None, data: Mapping[str, Any], errors: Errors, actor: Any) -> None:
    """The application's checks; all of them on submission and approval, the types on a draft."""
    content = {**case.data, **(data if action is None else {})}
    kind = choice(errors, "party_kind", content.get("party_kind") or PartyOrgKind.BRANCH, _KIND_CHOICES, _("党组织类别"))
    orgs = _clean_orgs(errors, case, content)
    members = _members(errors, content)
    if action in (None, "submit"):
        # The applicant's side names these orgs and members: they must be in its jurisdiction. The
        # deciding body acts on the application as submitted (its own side is checked by the case).
        check_write(actor, *orgs, *members)
    final = action in ("submit", "approve")
    if not final:
        return
    units = [o for o in [case.org, *orgs] if o is not None]
    require(errors, "name", (content.get("name") or "").strip(), _("党组织名称"))
    full = sum(1 for m in members if m.status == MemberStatus.FULL)
    _clean_kind(errors, kind, len({o.pk for o in units}), full, len(members), [])
    _clean_secretary(errors, content, members, units)
    if action == "approve":
        _clean_decision(errors, case, data, kind)


def _clean_decision(errors: Errors, case: Case, data: Mapping[str, Any], kind: str) -> None:
    require(errors, "decision_no", (data.get("decision_no") or "").strip(), _("批复文号"))
    day = as_date(errors, "decided_on", data.get("decided_on"), _("批复日期"))
    require(errors, "decided_on", day, _("批复日期"))
    not_in_future(errors, "decided_on", day, _("批复日期"))
    if day and case.submitted_on and day < case.submitted_on:
        errors.add("decided_on", _("批复日期不能早于提交日期 %(d)s") % {"d": case.submitted_on}, "date_order")
    if not case.data.get("secretary"):
        errors.add("secretary", _("批准前须确定书记人选（《意见》第十七条）：请退回申请方补充"), "secretary")
    body = case.body
    # A committee for a large org with few members needs a party committee at county level or above
    # (《意见》第八条): the deciding body must sit at a county or higher.
    if kind == PartyOrgKind.COMMITTEE and body is not None and len(body.region_id) > 6:
        errors.add("party_kind", _("成立党委须经县级以上党委批准（规则 LARGE_COMMITTEE，《意见》第八条）"), "committee")


_KIND_CHOICES = Values({str(k.value): k.label for k in KINDS})


def apply(case: Case, transition: Transition, data: Mapping[str, Any], actor: Any) -> dict[str, Any] | None:
    """On approval: the party org, its coverage, the members' relations and the secretary."""
    if transition.action != "approve":
        return None
    # The approval is the body's decision on the applicant's orgs and members, which its own
    # jurisdiction need not hold yet (a committee holds orgs once it covers them): the case has
    # checked both sides, so the records are written on the case's authority, in the actor's name.
    on_behalf = SystemActor(f"{actor_label(actor)}（事项 {case.pk} 批复）")
    decided = dt.date.fromisoformat(str(data["decided_on"])) if not isinstance(data["decided_on"], dt.date) \
        else data["decided_on"]
    kind = case.data.get("party_kind") or PartyOrgKind.BRANCH
    orgs = [case.org, *[o for o in application_orgs(case) if o.pk != case.org_id]]
    party_org = party_org_create(
        actor=on_behalf, name=case.data["name"], kind=kind, established_on=decided, superior=case.body,
        formation=Formation.JOINT if kind == PartyOrgKind.JOINT_BRANCH else Formation.STANDALONE,
        covers=[o for o in orgs if o is not None])
    errors = Errors()
    members = _members(errors, case.data)
    for member, role in members.items():
        if role == "relation":
            _move_relation(on_behalf, member, party_org)
        else:
            participation_add(actor=on_behalf, member=member, party_org=party_org, started_on=decided)
    secretary = PartyMember.objects.get(pk=int(case.data["secretary"]))
    party_org_update(actor=on_behalf, party_org=party_org, secretary=secretary)
    return {"party_org": party_org.pk, "decision_no": str(data["decision_no"]).strip(), "decided_on": str(decided)}


def warnings(case: Case) -> list[str]:
    """What the body should weigh without it refusing the application (a joint branch over 5 units,
    a branch large enough for a general branch), shown on the case page."""
    errors = Errors()
    members = _members(errors, case.data)
    units = {o.pk for o in application_orgs(case)}
    found: list[str] = []
    _clean_kind(Errors(), case.data.get("party_kind") or PartyOrgKind.BRANCH, len(units),
                sum(1 for m in members if m.status == MemberStatus.FULL), len(members), found)
    return found


def _move_relation(actor: Any, member: PartyMember, party_org: PartyOrg) -> None:
    from shuniu.party.services import member_update

    member_update(actor=actor, member=member, relation_org=party_org, relation_elsewhere="")


ESTABLISHMENT = register(CaseKind(
    code="establishment", label=gettext_lazy("成立党组织申请"), subject="org", rule_id="ESTABLISH", source=SOURCE,
    transitions=approval_flow(), deadline_days=30, clean=clean, apply=apply,
    fields={"party_kind": gettext_lazy("党组织类别"), "name": gettext_lazy("党组织名称"), "orgs": gettext_lazy("联合组建的其他单位"),
            "members": gettext_lazy("党员（转入组织关系或参加组织生活）"), "secretary": gettext_lazy("书记人选"),
            "secretary_dispatched": gettext_lazy("书记由上级党组织选派"), "reason": gettext_lazy("申请理由")},
    action_fields={"approve": {"decision_no": gettext_lazy("批复文号"), "decided_on": gettext_lazy("批复日期")}},
))

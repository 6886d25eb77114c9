"""Cases the system opens by itself when an org changes, whichever surface wrote the change.

- SYNC_REGISTRATION (《意见》第十一条, "three synchronizations"): an org registered within the rule's
  ``recent_days`` that has (or reaches) the due threshold of full members on its staff and no party
  org of its own gets an establishment application, submitted to its responsible party body at
  once. Once per org: the case's ``origin`` is unique, so a second refresh opens nothing.
- CHANGE_DISSOLVE (《意见》第八条): an org deregistered while a party org covers it gets a change
  report for each such party org, waiting on the party org to complete and submit it.

Both listen to ``shuniu.core.derived.orgs_refreshed``, sent in the writing transaction after the
coverage engine recomputed the orgs, so the page, the API, the import and the commands all start
them, and a refused write opens nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from shuniu.cases.models import Case
from shuniu.cases.services import case_open, resolve_body
from shuniu.core.actors import SystemActor
from shuniu.coverage.due import Thresholds, due_q
from shuniu.party.models import PartyOrgCoverage, PartyOrgKind
from shuniu.registry.models import OrgStatus, SocialOrg
from shuniu.rulesettings.selectors import current

SYSTEM = SystemActor("三同步")


def sync_origin(org_id: int) -> str:
    return f"sync_registration:{org_id}"


def change_origin(org_id: int, party_org_id: int) -> str:
    return f"deregistered:{org_id}:{party_org_id}"


def _chunks(ids: list[int], size: int = 900) -> Iterable[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def open_registration_cases(org_ids: Iterable[int], today: dt.date | None = None) -> list[Case]:
    day = today or dt.date.today()
    settings = current()
    thresholds = Thresholds(settings)
    opened: list[Case] = []
    for chunk in _chunks(sorted(org_ids)):
        candidates = (SocialOrg.objects.filter(pk__in=chunk, status=OrgStatus.ACTIVE, established_on__isnull=False)
                      .filter(due_q(thresholds=thresholds))
                      .exclude(pk__in=Case.objects.filter(origin__startswith="sync_registration:", org_id__in=chunk)
                               .values("org_id")))
        for org in candidates:
            if not settings.enabled("SYNC_REGISTRATION", org.region_id):
                continue
            recent = int(settings.value("SYNC_REGISTRATION", "recent_days", org.region_id))
            if org.established_on is None or org.established_on < day - dt.timedelta(days=recent):
                continue
            opened.append(_open_establishment(org))
    return opened


def _open_establishment(org: SocialOrg) -> Case:
    from shuniu.party.models import MemberStatus, PartyMember

    members = PartyMember.objects.filter(workplace=org, ended_on__isnull=True).order_by("name", "id")
    roles = {str(m.pk): "relation" for m in members}
    full = [m for m in members if m.status == MemberStatus.FULL]
    data: dict[str, Any] = {"party_kind": PartyOrgKind.BRANCH, "name": _("%(org)s党支部") % {"org": org.name},
                            "members": roles, "reason": _("登记时专职人员中有正式党员 %(n)s 名，按“三同步”要求同步建立党组织")
                            % {"n": len(full)}}
    case = case_open(actor=SYSTEM, kind="establishment", org=org, data=data, origin=sync_origin(org.pk),
                     title=_("三同步：%(org)s成立党组织") % {"org": org.name})
    # Submitted to the body at once when one is known; otherwise it waits, as a draft, on the
    # officers of the org's region (the finding SUPERIOR says why).
    if resolve_body_for(case) is not None:
        from shuniu.cases.services import case_act

        case = case_act(actor=SYSTEM, case=case, action="submit",
                        comment=_("登记时已具备建立党组织条件（规则 SYNC_REGISTRATION）"))
    return case


def resolve_body_for(case: Case) -> Any:
    from shuniu.cases.kinds import kind_of

    return resolve_body(kind_of(case.kind), case)


def open_change_reports(org_ids: Iterable[int]) -> list[Case]:
    opened: list[Case] = []
    for chunk in _chunks(sorted(org_ids)):
        links = (PartyOrgCoverage.objects.filter(org_id__in=chunk, ended_on__isnull=True,
                                                 org__status=OrgStatus.DEREGISTERED, party_org__dissolved_on__isnull=True)
                 .select_related("org", "party_org"))
        existing = set(Case.objects.filter(origin__in=[change_origin(link.org_id, link.party_org_id) for link in links])
                       .values_list("origin", flat=True))
        for link in links:
            origin = change_origin(link.org_id, link.party_org_id)
            if origin in existing:
                continue
            opened.append(case_open(
                actor=SYSTEM, kind="change_report", party_org=link.party_org, origin=origin,
                title=_("变更/撤销报告：%(org)s已注销") % {"org": link.org.name},
                data={"event": "deregister", "event_on": str(link.org.deregistered_on), "org": link.org_id,
                      "description": _("所覆盖的“%(org)s”已于 %(date)s 注销") % {
                          "org": link.org.name, "date": link.org.deregistered_on}}))
    return opened


def on_orgs_refreshed(sender: Any, *, org_ids: frozenset[int], **kwargs: Any) -> None:
    open_registration_cases(org_ids)
    open_change_reports(org_ids)

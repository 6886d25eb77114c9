"""Any sequence of case actions mixed with service writes keeps the stored coverage equal to a rebuild."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuniu.cases.models import Case
from shuniu.cases.services import case_act, case_open
from shuniu.party.models import PartyMember, PartyOrg
from shuniu.registry.models import SocialOrg
from tests.coverage.test_engine import OPS, _pick, _run, assert_incremental_equals_rebuild
from tests.factories import SYSTEM, PartyOrgFactory

pytestmark = pytest.mark.django_db

CASE_OPS = ["report", "establish", "submit", "return", "approve", "reject", "withdraw"]
DECISIONS = ["keep", "rename", "merge", "dissolve"]


def _committee() -> PartyOrg:
    return (PartyOrg.objects.filter(kind="comprehensive_committee", dissolved_on__isnull=True).first()
            or PartyOrgFactory(name="钟楼区社会组织综合党委", kind="comprehensive_committee", region_code="320404"))


def _decision(case: Case, n: int) -> dict[str, object]:
    today = dt.date.today()
    if case.kind == "establishment":
        return {"decision_no": f"钟社党〔2026〕{n}号", "decided_on": today}
    decision = DECISIONS[n % len(DECISIONS)]
    target = _pick(PartyOrg.objects.filter(dissolved_on__isnull=True).exclude(pk=case.party_org_id)
                   .exclude(kind="comprehensive_committee"), n)
    return {"decision": decision, "decision_no": f"钟社党〔2026〕{n}号", "decided_on": today,
            "new_name": f"更名党支部{n}", "merge_into": target.pk if target else None}


def _case_op(op: str, n: int, m: int) -> None:
    committee = _committee()
    if op == "report":
        branch = _pick(PartyOrg.objects.filter(dissolved_on__isnull=True).exclude(pk=committee.pk), n)
        if branch is not None and branch.superior_id is None:
            from shuniu.party.services import party_org_update

            party_org_update(actor=SYSTEM, party_org=branch, superior=committee)
        if branch is not None:
            case_open(actor=SYSTEM, kind="change_report", party_org=branch, submit=bool(m % 2),
                      data={"event": "other", "event_on": "2026-01-01"})
    elif op == "establish":
        org = _pick(SocialOrg.objects.filter(status="active").exclude(coverage_status="own"), n)
        if org is not None:
            staff = list(PartyMember.objects.filter(workplace=org, ended_on__isnull=True, status="full"))
            data = {"name": f"{org.name}党支部", "members": {str(p.pk): "relation" for p in staff},
                    "secretary": staff[0].pk if staff else None}
            case_open(actor=SYSTEM, kind="establishment", org=org, data=data, submit=bool(m % 2))
    else:
        case = _pick(Case.objects.all(), n)
        if case is not None:
            action = {"submit": "submit", "return": "return", "approve": "approve", "reject": "reject",
                      "withdraw": "withdraw"}[op]
            case_act(actor=SYSTEM, case=case, action=action, comment="测试",
                     data=_decision(case, m) if action == "approve" else {})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from([*OPS, *CASE_OPS, *CASE_OPS]), st.integers(0, 50), st.integers(0, 50)),
                min_size=5, max_size=30))
def test_after_any_sequence_of_case_actions_and_service_writes_coverage_equals_a_rebuild(ops):
    _committee()
    for op, n, m in ops:
        # A refused action must leave nothing behind, which the comparison below also checks.
        with contextlib.suppress(ValidationError):
            (_case_op if op in CASE_OPS else _run)(op, n, m)
    assert_incremental_equals_rebuild()

"""Orgs for the passes: one due and not established in Zhonglou (Changzhou), one in Jianwai (Beijing),
one covered by its own branch; the local rules switched on where a test asks."""

from __future__ import annotations

from typing import Any

import pytest

from shuniu.audit.models import AuditEntry
from shuniu.passes.models import EvaluationRecord, InspectionRecord
from shuniu.registry.models import SocialOrg
from shuniu.rulesettings.services import rule_setting_set
from tests.factories import JIANWAI, SYSTEM, PartyMemberFactory, PartyOrgFactory, SocialOrgFactory

CHANGZHOU_SOURCE = "《常州市社会组织等级评估实施办法》第九条"
BEIJING_SOURCE = "北京市社会组织评估工作规程"


def with_members(org: SocialOrg, full: int = 3) -> SocialOrg:
    for _ in range(full):
        PartyMemberFactory(workplace=org, relation_org=None, relation_elsewhere="中共某街道工作委员会")
    org.refresh_from_db()
    return org


@pytest.fixture
def due_org(db: Any) -> SocialOrg:
    """钟楼区 (Changzhou): 3 full members on staff, no party org of its own."""
    return with_members(SocialOrgFactory(name="钟楼区应建未建协会"))


@pytest.fixture
def beijing_due_org(db: Any) -> SocialOrg:
    return with_members(SocialOrgFactory(name="建外应建未建促进会", region_code=JIANWAI))


@pytest.fixture
def covered_org(db: Any) -> SocialOrg:
    org = with_members(SocialOrgFactory(name="钟楼区已建党支部协会"))
    PartyOrgFactory(name="钟楼区已建党支部协会党支部", covers=[org])
    org.refresh_from_db()
    return org


def switch_on(rule_id: str, region: str, source: str, **params: Any) -> None:
    rule_setting_set(actor=SYSTEM, rule_id=rule_id, region=region, enabled=True, params=params or None,
                     source=source)


@pytest.fixture
def veto_in_changzhou(db: Any) -> None:
    switch_on("EVALUATION_VETO", "3204", CHANGZHOU_SOURCE)


@pytest.fixture
def eligibility_in_beijing(db: Any) -> None:
    switch_on("EVAL_ELIGIBILITY", "11", BEIJING_SOURCE)


def state(org: SocialOrg) -> tuple[Any, ...]:
    """What a refused write must leave unchanged."""
    org.refresh_from_db()
    return (list(InspectionRecord.objects.filter(org=org).values_list()),
            list(EvaluationRecord.objects.filter(org=org).values_list()),
            org.evaluation_grade, org.evaluation_year, org.updated_at,
            AuditEntry.objects.filter(target_type="registry.socialorg", target_id=str(org.pk)).count())


@pytest.fixture
def api(db: Any) -> Any:
    """``api(user)``: a test client sending a new bearer token of ``user`` (as tests/api does)."""
    from django.test import Client

    from shuniu.accounts.services import token_create

    def client_for(user: Any) -> Client:
        return Client(headers={"Authorization": f"Bearer {token_create(actor=SYSTEM, user=user)}"})

    return client_for

""""Due but not established" (应建未建) is one definition with a local threshold: the figures, the
lists behind them, the API, the findings and the badges agree wherever a city sets its own."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.test import Client

from shuniu.accounts.services import token_create
from shuniu.coverage import engine
from shuniu.coverage.models import Rollup
from shuniu.coverage.rules import evaluate
from shuniu.party.models import PartyOrg
from shuniu.registry.models import SocialOrg
from tests.factories import (
    HEHUACHI,
    JIANWAI,
    SYSTEM,
    XILIN,
    PartyMemberFactory,
    PartyOrgFactory,
    SocialOrgFactory,
)

pytestmark = pytest.mark.django_db
SOURCE = "《常州市社会组织党建工作实施细则》"


def _staffed(name: str, region: str, full: int) -> SocialOrg:
    org = SocialOrgFactory(name=name, region_code=region)
    for _ in range(full):
        PartyMemberFactory(workplace=org)
    PartyMemberFactory(workplace=org, status="probationary")  # never counted towards the threshold
    org.refresh_from_db()
    assert org.full_members == full
    return org


@pytest.fixture
def places():  # type: ignore[no-untyped-def]
    """Orgs with 2 and 3 full members in Changzhou's Zhonglou and in Beijing's Chaoyang, one of each
    with a joint branch (not its own party org: still due), and one with its own branch (never due)."""
    orgs = {
        "cz2": _staffed("钟楼两名党员协会", HEHUACHI, 2),
        "cz3": _staffed("钟楼三名党员协会", XILIN, 3),
        "cz2_joint": _staffed("钟楼联合支部覆盖协会", HEHUACHI, 2),
        "cz2_own": _staffed("钟楼已建支部协会", XILIN, 2),
        "bj2": _staffed("朝阳两名党员协会", JIANWAI, 2),
        "bj3": _staffed("朝阳三名党员协会", JIANWAI, 3),
    }
    PartyOrgFactory(name="钟楼联合党支部", kind="joint_branch", region_code=HEHUACHI, covers=[orgs["cz2_joint"]])
    PartyOrgFactory(name="钟楼已建支部协会党支部", kind="branch", covers=[orgs["cz2_own"]])
    return orgs


def _figure(page: str) -> int:
    match = re.search(r'data-figure="due">([\d,]+)<', page)
    assert match, page[:2000]
    return int(match.group(1).replace(",", ""))


def _listed(client: Client, region: str) -> tuple[int, set[str]]:
    """The drill-down list of due orgs: the count it announces and the names it shows."""
    page = client.get(f"/orgs/?region={region}&due=1").content.decode()
    match = re.search(r"共 (\d+) 个社会组织", page)
    assert match, page[:2000]
    names = {o.name for o in SocialOrg.objects.all() if f">{o.name}<" in page}
    return int(match.group(1)), names


def _badged(client: Client, orgs: dict[str, SocialOrg]) -> set[str]:
    """The orgs whose own page carries the 应建未建 badge."""
    return {o.name for o in orgs.values()
            if 'class="badge big due"' in client.get(f"/orgs/{o.pk}/").content.decode()}


def _agree(places: dict[str, SocialOrg], expected: dict[str, set[str]], people: dict[str, Client]) -> None:
    """Every surface shows exactly the ``expected`` due orgs of Zhonglou (320404) and Beijing (11)."""
    officer, admin, api = people["zhonglou"], people["admin"], people["api"]
    both = expected["320404"] | expected["11"]
    for region, names in expected.items():
        due = len(names)
        assert Rollup.objects.get(dimension="region", key="", region=region).due == due, region
        assert _listed(admin, region) == (due, names), region
        # The whole list marks exactly those rows 应建.
        assert admin.get(f"/orgs/?region={region}").content.decode().count('class="badge due"') == due, region
        assert _figure(admin.get(f"/regions/{region}/").content.decode()) == due, region
        body = api.get("/api/v1/coverage", {"region": region}).json()
        assert body["items"][0]["due_not_established"] == due, region
        findings = api.get("/api/v1/findings", {"rule": "ESTABLISH", "region": region, "limit": 500}).json()
        assert {f["subject_name"] for f in findings["items"]} == names, region
    assert _figure(officer.get("/").content.decode()) == len(expected["320404"])
    assert _listed(officer, "320404") == (len(expected["320404"]), expected["320404"])
    assert _figure(admin.get("/").content.decode()) == len(both)
    assert Rollup.objects.get(dimension="region", key="", region="").due == len(both)
    assert {f.subject_name for f in evaluate(SocialOrg.objects.all(), PartyOrg.objects.none(),
                                             rule_ids=["ESTABLISH"])} == both
    assert _badged(admin, places) == both
    # The stored figures equal a rebuild from scratch.
    stored = engine.stored_rollup()
    engine.rebuild()
    assert engine.stored_rollup() == stored


def test_figures_findings_lists_and_badges_agree_for_a_city_that_sets_its_own_threshold(  # type: ignore[no-untyped-def]
        places, client, zhonglou_officer, admin_user):
    officer = Client()
    officer.force_login(zhonglou_officer)
    client.force_login(admin_user)
    api = Client(headers={"Authorization": f"Bearer {token_create(actor=SYSTEM, user=admin_user)}"})
    people = {"zhonglou": officer, "admin": client, "api": api}

    # The national threshold: 3 full members.
    _agree(places, {"320404": {"钟楼三名党员协会"}, "11": {"朝阳三名党员协会"}}, people)

    # Changzhou lowers it to 2: its orgs with 2 (not their own party org) become due; Beijing's do not.
    call_command("rules", "--set", "ESTABLISH", "--region", "3204", "--param", "min_full_members=2",
                 "--source", SOURCE)
    changzhou_due = {"钟楼两名党员协会", "钟楼三名党员协会", "钟楼联合支部覆盖协会"}
    _agree(places, {"320404": changzhou_due, "11": {"朝阳三名党员协会"}}, people)
    assert Rollup.objects.get(dimension="region", key="", region="3204").due == 3
    assert Rollup.objects.get(dimension="type", key="social_group", region="320404").due == 3
    finding = next(f for f in evaluate(SocialOrg.objects.filter(pk=places["cz2"].pk), PartyOrg.objects.none(),
                                       rule_ids=["ESTABLISH"]))
    assert "（≥2）" in finding.message
    # The JOINT candidates are those below their region's threshold: none left in Zhonglou at 2.
    joint = {f.subject_name for f in evaluate(SocialOrg.objects.all(), PartyOrg.objects.none(), rule_ids=["JOINT"])}
    assert joint == {"朝阳两名党员协会"}

    # A district more specific than the city wins: Zhonglou back to 3, the rest of Changzhou stays at 2.
    call_command("rules", "--set", "ESTABLISH", "--region", "320404", "--param", "min_full_members=3",
                 "--source", "钟楼区规定")
    _agree(places, {"320404": {"钟楼三名党员协会"}, "11": {"朝阳三名党员协会"}}, people)
    assert Rollup.objects.get(dimension="region", key="", region="3204").due == 1

    # Clearing the district's setting brings Changzhou's back; writes after it keep the figures true.
    call_command("rules", "--clear", "ESTABLISH", "--region", "320404")
    PartyMemberFactory(workplace=places["bj2"])  # Beijing's org reaches 3
    _agree(places, {"320404": changzhou_due, "11": {"朝阳两名党员协会", "朝阳三名党员协会"}}, people)


def test_a_threshold_change_is_audited_with_its_source_and_rolled_back_with_a_failed_write(places):  # type: ignore[no-untyped-def]
    from django.core.exceptions import ValidationError

    from shuniu.audit.models import AuditEntry
    from shuniu.rulesettings.services import rule_setting_set

    before = engine.stored_rollup()
    with pytest.raises(ValidationError) as refused:
        rule_setting_set(actor=SYSTEM, rule_id="ESTABLISH", region="3204", params={"min_full_members": 0},
                         source=SOURCE)
    assert "1 至 1000" in str(refused.value.message_dict["params"])
    assert engine.stored_rollup() == before
    rule_setting_set(actor=SYSTEM, rule_id="ESTABLISH", region="3204", params={"min_full_members": 2},
                     source=SOURCE)
    entry = AuditEntry.objects.get(action="rule_setting.set")
    assert entry.changes["value"] == [None, 2] and entry.changes["source"] == [None, SOURCE]
    assert Rollup.objects.get(dimension="region", key="", region="320404").due == 3

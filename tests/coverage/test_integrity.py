"""The data-integrity findings (issue 11, item 9) over whole data sets: the demo scenarios raise none
that they do not mean to show, the rules cite their sources in both languages, and the command and
the API list them with the members that no org reaches."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from shuniu.accounts.services import token_create
from shuniu.coverage.rules import RULES, evaluate
from shuniu.demo.services import scenario_generate
from shuniu.party.models import PartyMember, PartyOrg, PartyOrgCoverage
from shuniu.registry.models import SocialOrg
from tests.factories import HEHUACHI, SYSTEM, PartyMemberFactory, PartyOrgFactory, SocialOrgFactory

pytestmark = pytest.mark.django_db

INTEGRITY = ["OWN_UNIQUE", "NESTING", "NO_MEMBERS", "NO_SECRETARY", "NO_RELATION", "PROBATION", "MEMBER_DATES",
             "FUTURE_DATE", "BOUNDS", "USCC_TYPE", "DUPLICATE_NAME"]
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’]")


def test_the_zhonglou_scenario_raises_no_integrity_finding():
    scenario_generate(actor=SYSTEM, name="zhonglou")
    everything = list(evaluate(SocialOrg.objects.all(), PartyOrg.objects.all(), members=PartyMember.objects.all()))
    by_rule = Counter(f.rule_id for f in everything)
    # What the scenario means to show (orgs due to establish, joint-branch candidates, terms) is there...
    assert by_rule["ESTABLISH"] > 0 and by_rule["JOINT"] > 0
    # ...and nothing of the integrity rules, whose data the generator writes around the services.
    assert {rule: n for rule, n in by_rule.items() if rule in INTEGRITY} == {}
    # The law and CPA firms of the Beijing scenarios are the ones typed as social intermediaries.
    assert not SocialOrg.objects.filter(type="social_intermediary").exists()


def test_every_integrity_rule_cites_a_source_and_has_an_english_message_in_ascii():
    for rule_id in INTEGRITY:
        rule = RULES[rule_id]
        assert rule.source and rule.message_zh
        assert not CJK.search(rule.message_en), rule_id


def test_findings_read_in_english_name_the_kinds_in_english():
    committee = PartyOrgFactory(name="Committee", kind="committee", region_code=HEHUACHI)
    branch = PartyOrgFactory(name="Branch", superior=committee)
    loose = PartyOrgFactory(name="Loose")
    PartyOrg.objects.filter(pk=loose.pk).update(superior=branch, path=f"{branch.path}{loose.pk}/")
    with translation.override("en"):
        [finding] = evaluate(SocialOrg.objects.none(), PartyOrg.objects.all(), rule_ids=["NESTING"])
    assert not CJK.search(finding.message), finding.message


def test_the_findings_command_and_api_list_integrity_findings_with_loose_members(capsys, zhonglou_officer):
    org = SocialOrgFactory(name="荷花池重复覆盖协会")
    PartyOrgFactory(name="第一党支部", covers=[org])
    second = PartyOrgFactory(name="第二党支部", region_code=HEHUACHI)
    PartyOrgCoverage.objects.create(party_org=second, org=org, started_on=dt.date(2022, 1, 1))
    loose = PartyMemberFactory(name="无处可寻", workplace=None, relation_org=None, region_code=HEHUACHI)
    call_command("findings", "--rule", "OWN_UNIQUE", "--rule", "NO_RELATION", "--json")
    found = {(f["rule_id"], f["subject_type"], f["subject_id"]) for f in json.loads(capsys.readouterr().out)}
    assert found == {("OWN_UNIQUE", "org", org.pk), ("NO_RELATION", "member", loose.pk)}
    client = Client(headers={"Authorization": f"Bearer {token_create(actor=SYSTEM, user=zhonglou_officer)}"})
    body = client.get("/api/v1/findings", {"rule": ["OWN_UNIQUE", "NO_RELATION"]}).json()
    assert {(f["rule_id"], f["subject_type"], f["subject_id"]) for f in body["items"]} == found

"""The demo scenarios reproduce the figures of the source texts exactly (DOMAIN.md §5)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Q, Sum
from stdnum.cn import ric, uscc

from shuniu.coverage.rules import evaluate
from shuniu.coverage.selectors import full_members_on_staff, status_counts
from shuniu.demo.models import ScenarioRun
from shuniu.demo.services import scenario_generate
from shuniu.party.models import PartyMember, PartyOrg, PartyOrgCoverage
from shuniu.registry.models import Incubator, SocialOrg
from tests.factories import SYSTEM

pytestmark = pytest.mark.django_db

END_2016 = dt.date(2016, 12, 31)
END_2015 = dt.date(2015, 12, 31)


def summary_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    capsys.readouterr()  # drop what earlier commands printed
    call_command("summary", "--json", *args)
    return json.loads(capsys.readouterr().out)


def rate(counts: dict) -> float:
    return round(counts["org_coverage_rate"] * 100, 1)


def test_beijing_2016_reproduces_seed_000_and_001(capsys):
    call_command("generate", "--scenario", "beijing-2016")
    data = summary_json(capsys, "--region", "11")
    assert data["social_orgs"]["total"] == 10_576
    assert data["party_orgs"]["total"] == 3_547
    assert data["hubs"] == {"city": 36, "district": 211, "street": 403}
    # Spread over Beijing's 16 real districts.
    assert SocialOrg.objects.values("county_code").distinct().count() == 16
    assert set(SocialOrg.objects.values_list("county_code", flat=True)) <= {
        f"1101{n:02d}" for n in (1, 2, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19)}

    now = status_counts(SocialOrg.objects.all(), END_2016)
    assert now["population"] == 10_576
    assert now["own"] + now["joint"] == 7_171
    assert rate(now) == 67.8
    assert rate(status_counts(SocialOrg.objects.all(), END_2015)) == 21.3
    assert rate(status_counts(SocialOrg.objects.filter(industry="legal"), END_2016)) == 68.6
    assert rate(status_counts(SocialOrg.objects.filter(industry="accounting"), END_2016)) == 61.3
    assert status_counts(SocialOrg.objects.filter(hub__level="city"), END_2016)["org_coverage_rate"] >= 0.85
    # Law and CPA firms are social intermediaries, registered by the justice bureau (USCC 31) and by
    # market regulation (91); the law firms by Beijing's municipal justice bureau.
    law, cpa = SocialOrg.objects.filter(industry="legal"), SocialOrg.objects.filter(industry="accounting")
    assert set(law.values_list("type", flat=True)) == set(cpa.values_list("type", flat=True)) == {"social_intermediary"}
    assert {o.registration_authority for o in law.only("uscc")} == {"justice"}
    assert {o.registration_authority for o in cpa.only("uscc")} == {"market_regulation"}
    assert set(law.values_list("registration_level", "registration_region")) == {("province", "11")}
    assert not SocialOrg.objects.exclude(industry__in=["legal", "accounting"]).filter(type="social_intermediary").exists()

    # The 3,547 party orgs cover exactly the 7,171 orgs; joint branches cover at most 5 units.
    covered = PartyOrgCoverage.objects.filter(ended_on__isnull=True).values("org").distinct().count()
    assert covered == 7_171
    biggest_joint = (PartyOrgCoverage.objects.filter(party_org__kind="joint_branch")
                     .values("party_org").annotate(n=Count("id")).order_by("-n").first())
    assert biggest_joint["n"] <= 5
    # Every joint branch has at least three full members (a branch needs three).
    thin = (PartyOrg.objects.filter(kind="joint_branch")
            .annotate(full=Count("members", filter=Q(members__status="full"))).filter(full__lt=3))
    assert not thin.exists()


def test_beijing_cpa_reproduces_seed_000(capsys):
    call_command("generate", "--scenario", "beijing-cpa")
    data = summary_json(capsys)
    kinds = data["party_orgs"]["by_kind"]
    assert (kinds["committee"], kinds["general_branch"], kinds["branch"], kinds["joint_branch"]) == (7, 5, 128, 4)
    assert data["members"]["total"] == 4_775
    assert data["instructors"] == 35
    counts = status_counts(SocialOrg.objects.filter(industry="accounting"), END_2016)
    assert counts["org_coverage_rate"] == pytest.approx(0.70)
    assert counts["work_coverage_rate"] == pytest.approx(1.0)
    firms = SocialOrg.objects.filter(industry="accounting")
    assert set(firms.values_list("type", flat=True)) == {"social_intermediary"}
    assert {o.registration_authority for o in firms.only("uscc")} == {"market_regulation"}
    # No integrity finding: committees whose members sit in their branches have members and a secretary.
    integrity = ["OWN_UNIQUE", "NESTING", "NO_MEMBERS", "NO_SECRETARY", "NO_RELATION", "PROBATION", "MEMBER_DATES",
                 "FUTURE_DATE", "BOUNDS", "USCC_TYPE", "DUPLICATE_NAME"]
    assert not list(evaluate(SocialOrg.objects.all(), PartyOrg.objects.all(), rule_ids=integrity,
                             members=PartyMember.objects.all()))


def test_zhonglou_reproduces_seeds_002_and_003(capsys):
    call_command("generate", "--scenario", "zhonglou")
    data = summary_json(capsys, "--region", "320404")
    orgs = SocialOrg.objects.filter(county_code="320404")
    assert data["social_orgs"]["total"] >= 1_100
    assert set(orgs.values_list("street_code", flat=True)) == {
        "320404001", "320404002", "320404003", "320404004", "320404005", "320404006", "320404007", "320404116"}
    small = full_members_on_staff(orgs).filter(full_on_staff__lt=3).count()
    assert small / orgs.count() > 0.90
    members = PartyMember.objects.filter(workplace__in=orgs).count()
    staff = orgs.aggregate(s=Sum("full_time_staff"))["s"]
    assert members / staff < 0.10
    assert Incubator.objects.filter(county_code="320404").count() == 7
    # Community orgs are filed without a USCC; the others carry a valid one.
    assert orgs.filter(type="community_org", uscc__isnull=True).exists()
    assert all(uscc.is_valid(code) for code in orgs.exclude(uscc__isnull=True).values_list("uscc", flat=True))


def test_national_scale_spans_every_province():
    run = scenario_generate(actor=SYSTEM, name="national", seed=3, scale=0.002)
    assert run.counts["orgs"] == 1_800
    assert SocialOrg.objects.values("province_code").distinct().count() == 31
    per_org = run.counts["members"] / run.counts["orgs"]
    assert 2.5 < per_org < 4.5  # about 3,000,000 members for 900,000 orgs


def _digest() -> str:
    rows = SocialOrg.objects.order_by("uscc").values_list("name", "uscc", "region_id", "full_time_staff")
    members = PartyMember.objects.order_by("id_number_masked", "name").values_list("name", "birth_date", "status")
    return hashlib.sha256(repr((list(rows), list(members))).encode()).hexdigest()


def test_generation_is_deterministic_for_a_seed_and_differs_across_seeds():
    digests = []
    for seed in (7, 7, 8):
        with pytest.raises(RuntimeError), transaction.atomic():
            scenario_generate(actor=SYSTEM, name="beijing-cpa", seed=seed)
            digests.append(_digest())
            raise RuntimeError("roll back")
    assert digests[0] == digests[1]
    assert digests[0] != digests[2]


def test_generated_people_have_valid_ids_stored_encrypted_and_marked_as_demo():
    scenario_generate(actor=SYSTEM, name="beijing-cpa")
    sample = list(PartyMember.objects.order_by("id")[:200])
    assert all(m.is_demo for m in sample)
    assert all(ric.is_valid(m.id_number) for m in sample)
    assert all(m.id_number not in m.id_number_encrypted for m in sample)
    assert all(m.id_number_masked[:6] == m.id_number[:6] and "*" in m.id_number_masked for m in sample)


def test_generating_a_scenario_twice_is_refused_with_a_clear_message():
    call_command("generate", "--scenario", "beijing-cpa")
    with pytest.raises(CommandError, match="已在此数据库中生成"):
        call_command("generate", "--scenario", "beijing-cpa")
    assert ScenarioRun.objects.filter(name="beijing-cpa").count() == 1


def test_demo_without_serving_is_idempotent(capsys):
    call_command("demo", "--scenario", "zhonglou", "--no-serve")
    first = capsys.readouterr().out
    assert "zhonglou" in first and "admin" in first
    orgs = SocialOrg.objects.count()
    call_command("demo", "--scenario", "zhonglou", "--no-serve")
    assert "已存在" in capsys.readouterr().out
    assert SocialOrg.objects.count() == orgs

"""The party-org tree as officers use it: a committee's many children grouped by district and
street, totals rolled up the tree, bodies in administrative order, a bounded number of queries."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from shuniu.accounts.scopes import Scope
from shuniu.party.models import PartyMember, PartyOrg
from shuniu.party.selectors import GROUP_THRESHOLD, party_org_child_groups, party_org_totals
from shuniu.party.services import coverage_add, member_end
from shuniu.registry.models import SocialOrg
from shuniu.registry.services import org_deregister
from tests.factories import (
    CHAOYANG,
    JIANWAI,
    SYSTEM,
    PartyMemberFactory,
    PartyOrgFactory,
    SocialOrgFactory,
    make_id_number,
    make_uscc,
)

CHAOWAI = "110105002"  # 朝外街道
HUJIALOU = "110105003"  # 呼家楼街道
HAIDIAN = "110108"  # 海淀区
BEIJING_CITY = "1101"


def committee(name: str = "中共朝阳区测试综合委员会", region: str = CHAOYANG, kind: str = "comprehensive_committee",
              **kwargs: Any) -> PartyOrg:
    return PartyOrgFactory(name=name, kind=kind, region_code=region, **kwargs)


def branches(parent: PartyOrg, spread: dict[str, int], prefix: str = "测试支部") -> list[PartyOrg]:
    """``spread[region]`` branches under ``parent`` in each region, named ``prefix-region-n``."""
    return [PartyOrgFactory(name=f"{prefix}-{region}-{n:02d}", superior=parent, region_code=region)
            for region, count in spread.items() for n in range(count)]


def children_page(client: Any, parent: PartyOrg, **query: str) -> str:
    response = client.get(f"/party/{parent.pk}/children/", query, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return str(response.content.decode())


def text(html: str) -> str:
    """The text of a page or fragment, tags taken out (a figure's parts are spans)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def positions(page: str, *texts: str) -> list[int]:
    found = [page.find(text) for text in texts]
    assert -1 not in found, dict(zip(texts, found, strict=True))
    return found


# ---- grouping ----------------------------------------------------------------------------------

def test_a_committee_lists_few_children_flat_and_many_by_street_in_region_code_order(client, chaoyang_officer):  # type: ignore[no-untyped-def]
    parent = committee()
    # One below the threshold: listed as they are.
    branches(parent, {HUJIALOU: 7, CHAOWAI: 12, JIANWAI: GROUP_THRESHOLD - 20})
    client.force_login(chaoyang_officer)
    page = children_page(client, parent)
    assert page.count("测试支部-") == GROUP_THRESHOLD - 1
    assert "建外街道" not in page and "按街道" not in page
    # One more, placed at the district itself: at the threshold they are grouped by street.
    PartyOrgFactory(name="测试支部-区本级", superior=parent, region_code=CHAOYANG)
    page = children_page(client, parent)
    assert "测试支部-" not in page  # not a single party org: the streets, each opened on demand
    assert "按街道（乡镇）分列" in page
    # The district's own first, then the streets in region-code order (not by name).
    positions(page, "朝阳区本级", "建外街道", "朝外街道", "呼家楼街道")
    assert sorted(positions(page, "朝阳区本级", "建外街道", "朝外街道", "呼家楼街道")) == positions(
        page, "朝阳区本级", "建外街道", "朝外街道", "呼家楼街道")
    assert "党组织 12 个" in page and "党组织 10 个" in page and "党组织 7 个" in page
    # Each group opens with htmx (no inline script) onto the same route with a region filter.
    assert f'hx-get="/party/{parent.pk}/children/?region={CHAOWAI}"' in page
    assert f'hx-get="/party/{parent.pk}/children/?region={CHAOYANG}&amp;here=1"' in page


def test_a_group_opens_onto_its_own_children_and_a_long_one_a_page_at_a_time(client, chaoyang_officer):  # type: ignore[no-untyped-def]
    parent = committee()
    branches(parent, {JIANWAI: 53, CHAOWAI: 2})
    PartyOrgFactory(name="测试支部-区本级", superior=parent, region_code=CHAOYANG)
    client.force_login(chaoyang_officer)
    street = children_page(client, parent, region=CHAOWAI)
    assert street.count("测试支部-") == 2 and f"测试支部-{CHAOWAI}-01" in street
    here = children_page(client, parent, region=CHAOYANG, here="1")
    assert here.count("测试支部-") == 1 and "测试支部-区本级" in here
    first = children_page(client, parent, region=JIANWAI)
    assert first.count("测试支部-") == 50 and "第 1 / 2 页" in first
    # The pager loads the next page into the group's list (htmx), not the whole page.
    assert f'hx-get="/party/{parent.pk}/children/?region={JIANWAI}&amp;page=2"' in first
    assert 'hx-target="closest ul"' in first
    second = children_page(client, parent, region=JIANWAI, page="2")
    assert second.count("测试支部-") == 3 and f"测试支部-{JIANWAI}-52" in second


def test_a_city_committee_groups_by_district_then_by_street(client, beijing_city_officer):  # type: ignore[no-untyped-def]
    parent = committee("中共北京市测试行业委员会", BEIJING_CITY, "industry_committee")
    branches(parent, {CHAOWAI: 20, JIANWAI: 12, f"{HAIDIAN}001": 3})
    client.force_login(beijing_city_officer)
    page = children_page(client, parent)
    assert "按区县分列" in page and "朝阳区" in page and "海淀区" in page and "建外街道" not in page
    assert positions(page, "朝阳区", "海淀区") == sorted(positions(page, "朝阳区", "海淀区"))
    # 32 in 朝阳区: by street; 3 in 海淀区: as they are.
    chaoyang = children_page(client, parent, region=CHAOYANG)
    assert "建外街道" in chaoyang and "朝外街道" in chaoyang and "测试支部-" not in chaoyang
    assert children_page(client, parent, region=HAIDIAN).count("测试支部-") == 3


def test_the_children_route_shows_only_children_in_scope(client, chaoyang_officer, beijing_city_officer):  # type: ignore[no-untyped-def]
    parent = committee()
    branches(parent, {JIANWAI: 15, CHAOWAI: 15})
    outside = branches(parent, {f"{HAIDIAN}001": 4}, prefix="海淀支部")
    org = SocialOrgFactory(name="海淀测试协会", region_code=f"{HAIDIAN}001", uscc=make_uscc(9001, HAIDIAN))
    PartyMemberFactory(relation_org=outside[0], workplace=org, id_number=make_id_number(9001, HAIDIAN))
    client.force_login(chaoyang_officer)
    page = children_page(client, parent)
    # 朝阳区's officer sees the 30 in 朝阳区, by street; nothing of 海淀区, not even as a group.
    assert "建外街道" in page and "海淀" not in page and "按街道（乡镇）分列" in page
    for query in ({"region": HAIDIAN}, {"region": f"{HAIDIAN}001"}, {"region": HAIDIAN, "here": "1"},
                  {"region": "11"}, {"page": "2"}):
        assert "海淀支部" not in children_page(client, parent, **query), query
    assert "海淀支部" not in client.get(f"/party/{parent.pk}/").content.decode()
    client.force_login(beijing_city_officer)
    page = children_page(client, parent)
    assert "海淀区" in page and "朝阳区" in page  # the city sees both districts
    assert children_page(client, parent, region=HAIDIAN).count("海淀支部") == 4


def test_a_bad_filter_of_the_children_route_is_a_400_naming_it(client, chaoyang_officer):  # type: ignore[no-untyped-def]
    parent = committee()
    client.force_login(chaoyang_officer)
    response = client.get(f"/party/{parent.pk}/children/", {"region": "12345"})
    assert response.status_code == 400
    assert "筛选条件“region”的值“12345”无效" in response.content.decode()


# ---- totals ------------------------------------------------------------------------------------

@pytest.fixture
def tree(db):  # type: ignore[no-untyped-def]
    """A committee, a general branch with two branches under it, a branch directly under the
    committee and a joint branch; members at every level (one ended), coverage links (an org
    covered twice within the subtree, an ended link, a deregistered org)."""
    top = committee()
    general = PartyOrgFactory(name="测试党总支", kind="general_branch", superior=top, region_code=JIANWAI)
    b1 = PartyOrgFactory(name="测试支部一", superior=general, region_code=JIANWAI)
    b2 = PartyOrgFactory(name="测试支部二", superior=general, region_code=JIANWAI)
    b3 = PartyOrgFactory(name="测试支部三", superior=top, region_code=CHAOWAI)
    joint = PartyOrgFactory(name="测试联合支部", kind="joint_branch", superior=top, region_code=CHAOWAI)
    orgs = [SocialOrgFactory(name=f"朝阳测试组织{n}", region_code=JIANWAI, uscc=make_uscc(8000 + n, CHAOYANG))
            for n in range(6)]
    day = dt.date(2024, 1, 1)
    coverage_add(actor=SYSTEM, party_org=b1, org=orgs[0], started_on=day)
    coverage_add(actor=SYSTEM, party_org=b1, org=orgs[1], started_on=day)
    coverage_add(actor=SYSTEM, party_org=joint, org=orgs[1], started_on=day)  # covered twice
    coverage_add(actor=SYSTEM, party_org=joint, org=orgs[2], started_on=day)
    coverage_add(actor=SYSTEM, party_org=b3, org=orgs[3], started_on=day)
    from shuniu.party.services import coverage_end

    ended = coverage_add(actor=SYSTEM, party_org=b2, org=orgs[4], started_on=day)
    coverage_end(actor=SYSTEM, coverage=ended, ended_on=dt.date(2024, 6, 1))
    coverage_add(actor=SYSTEM, party_org=general, org=orgs[5], started_on=day)
    org_deregister(actor=SYSTEM, org=orgs[5], on=dt.date(2024, 6, 1))
    n = 7000
    for party, count in ((top, 1), (general, 2), (b1, 3), (b2, 1), (b3, 4), (joint, 2)):
        for _ in range(count):
            n += 1
            PartyMemberFactory(relation_org=party, workplace=orgs[n % 4], id_number=make_id_number(n, CHAOYANG))
    leaver = PartyMemberFactory(relation_org=b1, workplace=orgs[0], id_number=make_id_number(n + 1, CHAOYANG))
    member_end(actor=SYSTEM, member=leaver, on=dt.date(2024, 6, 1), reason="died")
    return {"top": top, "general": general, "b1": b1, "b2": b2, "b3": b3, "joint": joint}


def raw_counts(paths: list[str]) -> tuple[int, int]:
    """Members and covered orgs below any of ``paths``, counted from the rows with plain ORM
    lookups (the definition, not the implementation)."""
    members = sum(PartyMember.objects.filter(ended_on__isnull=True, relation_org__path__startswith=path).count()
                  for path in paths)
    orgs = set()
    for path in paths:
        orgs |= set(SocialOrg.objects.filter(
            status="active", party_coverages__ended_on__isnull=True,
            party_coverages__party_org__path__startswith=path).values_list("pk", flat=True))
    return members, len(orgs)


def test_totals_roll_up_the_tree_and_equal_counts_from_the_rows(tree):  # type: ignore[no-untyped-def]
    totals = party_org_totals(Scope.everything(), tree.values())
    for party in tree.values():
        t = totals[party.pk]
        assert (t.members, t.covered_orgs) == raw_counts([party.path]), party.name
    # By hand: 13 current members; orgs 0, 1 (twice), 2, 3; the ended link and the deregistered org not.
    assert (totals[tree["top"].pk].members, totals[tree["top"].pk].covered_orgs) == (13, 4)
    assert (totals[tree["general"].pk].members, totals[tree["general"].pk].covered_orgs) == (6, 2)
    # A group's totals: its children's subtrees together (an org counted once).
    groups = party_org_child_groups(Scope.everything(), tree["top"], threshold=1)
    assert groups is not None and [g.code for g in groups] == [JIANWAI, CHAOWAI]
    by_code = {g.code: g for g in groups}
    assert (by_code[JIANWAI].party_orgs, by_code[CHAOWAI].party_orgs) == (1, 2)
    for code, members in ((JIANWAI, [tree["general"]]), (CHAOWAI, [tree["b3"], tree["joint"]])):
        assert (by_code[code].totals.members, by_code[code].totals.covered_orgs) == raw_counts(
            [p.path for p in members])


def test_the_tree_the_party_page_and_the_api_show_the_rolled_up_totals(client, tree, chaoyang_officer):  # type: ignore[no-untyped-def]
    from shuniu.accounts.services import token_create

    client.force_login(chaoyang_officer)
    roots = text(client.get("/party/").content.decode())
    assert re.search(r"中共朝阳区测试综合委员会 综合党委 覆盖 4 个组织 · 党员 13 名 · 下级 3 个", roots)
    children = text(children_page(client, tree["top"]))
    assert re.search(r"测试党总支 党总支 覆盖 2 个组织 · 党员 6 名 · 下级 2 个", children)
    detail = client.get(f"/party/{tree['top'].pk}/").content.decode()
    assert "含下级共 4 个" in detail and "含下级共 13 名" in detail
    assert f'hx-get="/party/{tree["top"].pk}/children/"' in detail  # its children, loaded as in the tree
    listed = client.get("/party/", {"q": "测试综合委员会"}).content.decode()
    assert re.search(r'<td class="r">4</td><td class="r">13</td>', listed)
    secret = token_create(actor=SYSTEM, user=chaoyang_officer, label="tree")
    body = client.get(f"/api/v1/party-orgs/{tree['top'].pk}", headers={"Authorization": f"Bearer {secret}"}).json()
    assert (body["members_total"], body["covered_orgs_total"]) == (13, 4)
    assert body["members"] == 1


def test_totals_count_only_what_the_scope_sees(tree):  # type: ignore[no-untyped-def]
    haidian = SocialOrgFactory(name="海淀测试协会", region_code=f"{HAIDIAN}001", uscc=make_uscc(9001, HAIDIAN))
    coverage_add(actor=SYSTEM, party_org=tree["b3"], org=haidian, started_on=dt.date(2024, 1, 1))
    PartyMemberFactory(relation_org=tree["b3"], workplace=haidian, id_number=make_id_number(9001, HAIDIAN))
    top = tree["top"]
    everything = party_org_totals(Scope.everything(), [top])[top.pk]
    chaoyang = party_org_totals(Scope.of_region(CHAOYANG), [top])[top.pk]
    assert (everything.members, everything.covered_orgs) == (14, 5)
    assert (chaoyang.members, chaoyang.covered_orgs) == (13, 4)


# ---- order and query count ---------------------------------------------------------------------

def test_bodies_come_in_administrative_order_not_by_name(client, admin_user):  # type: ignore[no-untyped-def]
    committee("中共朝阳区测试综合委员会", CHAOYANG)
    committee("中共阿朝阳测试协会委员会", CHAOYANG, "committee")
    committee("中共东城区测试综合委员会", "110101")
    committee("中共北京市测试行业委员会", BEIJING_CITY, "industry_committee")
    committee("中共阿海淀区测试综合委员会", HAIDIAN)
    client.force_login(admin_user)
    page = client.get("/party/").content.decode()
    order = ["北京市测试行业委员会", "东城区测试综合委员会", "朝阳区测试综合委员会", "阿朝阳测试协会委员会",
             "阿海淀区测试综合委员会"]
    assert positions(page, *order) == sorted(positions(page, *order))


@pytest.fixture
def big_committee(db):  # type: ignore[no-untyped-def]
    """A committee with 500 children in three streets and the district itself, written in bulk
    (the services would take a minute), with members and coverage links."""
    from shuniu.party.models import PartyOrgCoverage
    from shuniu.regions.models import Region

    parent = committee()
    regions = {r.code: r for r in Region.objects.filter(code__in=[CHAOYANG, JIANWAI, CHAOWAI, HUJIALOU])}
    made = []
    for n in range(500):
        code = [JIANWAI, CHAOWAI, HUJIALOU, CHAOYANG][n % 4]
        child = PartyOrg(name=f"批量支部{n:03d}", kind="branch", formation="standalone", superior=parent,
                         established_on=dt.date(2019, 7, 1), term_years=3)
        child.set_region(regions[code])
        made.append(child)
    PartyOrg.objects.bulk_create(made)
    made = list(PartyOrg.objects.filter(superior=parent))
    for child in made:
        child.path = f"{parent.path}{child.pk}/"
    PartyOrg.objects.bulk_update(made, ["path"])
    orgs = [SocialOrgFactory(name=f"批量组织{n}", region_code=JIANWAI, uscc=make_uscc(6000 + n, CHAOYANG))
            for n in range(3)]
    for n, child in enumerate(made[:30]):
        PartyOrgCoverage.objects.create(party_org=child, org=orgs[n % 3], started_on=dt.date(2024, 1, 1))
        PartyMemberFactory(relation_org=child, workplace=orgs[n % 3], id_number=make_id_number(5000 + n, CHAOYANG))
    return parent


def test_a_committee_of_500_children_opens_in_a_bounded_number_of_queries(  # type: ignore[no-untyped-def]
        client, chaoyang_officer, big_committee, django_assert_max_num_queries):
    client.force_login(chaoyang_officer)
    client.get("/party/")  # the session and the user, once
    with django_assert_max_num_queries(10):
        page = children_page(client, big_committee)
    assert page.count('class="group"') == 4 and page.count("党组织 125 个") == 4
    with django_assert_max_num_queries(10):
        street = children_page(client, big_committee, region=JIANWAI)
    assert street.count("批量支部") == 50 and "第 1 / 3 页" in street
    with django_assert_max_num_queries(10):
        client.get("/party/")
    # The party page's own figures (findings, history, roster) cost the same whatever its children.
    with django_assert_max_num_queries(25):
        client.get(f"/party/{big_committee.pk}/")
    members, covered = raw_counts([big_committee.path])
    assert f"党员 {members} 名" in text(client.get("/party/").content.decode()) and covered == 3

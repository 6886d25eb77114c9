"""The demo scenarios, each reproducing the figures of the source texts (DOMAIN.md §5) exactly.

Every scenario is deterministic for a seed. Counts that the texts give are hit exactly by
construction (choose the covered set, then partition it into party orgs), not by sampling.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from shuniu.demo.gen import Gen

D = dt.date
END_2015 = D(2015, 12, 31)
END_2016 = D(2016, 12, 31)

FIELDS = [
    "科技", "教育", "文化", "体育", "卫生", "法律服务", "会计", "养老", "慈善", "商业", "工商经济", "社会服务",
    "青少年", "妇女儿童", "残疾人服务", "环境保护", "农业", "旅游", "对外交流", "民族", "社区服务", "志愿服务",
    "城市管理", "互联网", "金融", "交通运输", "住房建设", "知识产权", "人才服务", "社会工作", "新闻出版",
    "广播影视", "医药", "侨务", "红十字", "家庭服务",
]
INDUSTRY_OF_FIELD = {
    "科技": "science", "教育": "education", "文化": "culture", "体育": "sports", "卫生": "health",
    "养老": "elderly_care", "慈善": "charity", "商业": "commerce", "工商经济": "commerce", "社会服务": "social_services",
    "互联网": "internet", "农业": "agriculture", "环境保护": "environment", "医药": "health",
    "社区服务": "social_services", "志愿服务": "charity", "社会工作": "social_services", "交通运输": "taxi",
}
MODIFIERS = ["阳光", "爱心", "和谐", "启明", "春晖", "星光", "同心", "朝阳", "晨曦", "益友", "乐群", "善行", "向善",
             "融爱", "德润", "惠民", "安康", "众和", "博雅", "新知", "弘毅", "馨苑", "悦邻", "青禾", "明德"]
SUFFIX = {"social_group": ["协会", "促进会", "研究会", "联合会", "商会", "学会"],
          "service_institution": ["服务中心", "发展中心", "培训学校", "研究院", "服务社", "工作室"],
          "foundation": ["公益基金会", "发展基金会", "教育基金会"],
          "community_org": ["志愿服务队", "文体队", "互助会", "调解队", "读书会", "睦邻会"]}
TRADE_NAMES = "华信德恒正泰中和安诚明达盛金天元嘉瑞博汇通立新同远鼎泽君合睿永康大成致"
# Beijing's districts by their share of registered social orgs (plausible, not official).
BEIJING_WEIGHTS = {"110101": 9, "110102": 10, "110105": 16, "110106": 7, "110107": 3, "110108": 15, "110109": 2,
                   "110111": 5, "110112": 6, "110113": 5, "110114": 6, "110115": 5, "110116": 3, "110117": 2,
                   "110118": 3, "110119": 3}
# Provinces by population in millions (2020 census, rounded): the national scenario's weights.
PROVINCE_WEIGHTS = {"11": 22, "12": 14, "13": 75, "14": 35, "15": 24, "21": 43, "22": 24, "23": 32, "31": 25,
                    "32": 85, "33": 65, "34": 61, "35": 41, "36": 45, "37": 102, "41": 99, "42": 58, "43": 66,
                    "44": 126, "45": 50, "46": 10, "50": 32, "51": 84, "52": 39, "53": 47, "54": 4, "61": 40,
                    "62": 25, "63": 6, "64": 7, "65": 26}


def partition(total: int, parts: int, lo: int, hi: int, rng: Any) -> list[int]:
    """``parts`` integers in [lo, hi] summing exactly to ``total`` (random but balanced)."""
    if not lo * parts <= total <= hi * parts:
        raise ValueError(f"cannot split {total} into {parts} parts within [{lo}, {hi}]")
    sizes = [lo] * parts
    rest = total - lo * parts
    open_idx = list(range(parts))
    while rest:
        i = rng.choice(open_idx)
        sizes[i] += 1
        rest -= 1
        if sizes[i] == hi:
            open_idx.remove(i)
    return sizes


def even_groups(items: Sequence[Any], groups: int) -> list[list[Any]]:
    """Split ``items`` into ``groups`` consecutive groups whose sizes differ by at most one."""
    q, r = divmod(len(items), groups)
    out, start = [], 0
    for g in range(groups):
        n = q + (1 if g < r else 0)
        out.append(list(items[start:start + n]))
        start += n
    return out


def org_name(g: Gen, place: str, type_: str, field: str, county: str) -> str:
    r = g.rng
    modifier = r.choice(MODIFIERS)
    return g.unique_name(county, f"{place}{modifier}{field}", r.choice(SUFFIX[type_]))


def trade_name(g: Gen) -> str:
    a, b = g.rng.sample(TRADE_NAMES, 2)
    return a + b


def firm_name(g: Gen, county: str, suffix: str) -> str:
    return g.unique_name(county, f"北京{trade_name(g)}", suffix)


def assign_members(g: Gen, *, org_id: int, region: str, n_full: int, n_prob: int, relation_org_id: int | None,
                   elsewhere: str = "", as_of: dt.date = END_2016) -> None:
    for i in range(n_full + n_prob):
        g.member(region=region, workplace_id=org_id, relation_org_id=relation_org_id,
                 relation_elsewhere="" if relation_org_id else elsewhere,
                 status="full" if i < n_full else "probationary", as_of=as_of, is_mobile=g.rng.random() < 0.03)


def own_kind(members: int) -> str:
    # BRANCH_SIZE: ≤ 50 a branch, > 50 a general branch, ≥ 100 a committee.
    return "committee" if members >= 100 else "general_branch" if members > 50 else "branch"


KIND_SUFFIX = {"committee": "委员会", "general_branch": "总支部委员会", "branch": "支部委员会"}


# ---------------------------------------------------------------------------------------------
def beijing_2016(g: Gen, scale: float) -> None:  # noqa: C901
    """Beijing, end of 2016 (seeds 000, 001): 10,576 orgs; 3,547 party orgs covering 7,171."""
    r = g.rng
    g.load_places("11")
    P, COVERED, COVERED_2015, PARTY_ORGS = 10_576, 7_171, 2_253, 3_547  # 2,253 / 10,576 = 21.3 %
    LAW, LAW_COV, CPA, CPA_COV = 500, 343, 300, 184  # 68.6 %, 61.3 %
    OWN = 2_400
    counties = list(BEIJING_WEIGHTS)
    weights = list(BEIJING_WEIGHTS.values())

    units = {f: g.supervisory_unit(f"北京市{f}主管部门" if f not in ("法律服务", "会计") else
                                   {"法律服务": "北京市司法局", "会计": "北京市财政局"}[f], "11") for f in FIELDS}
    # Hubs: 36 city-level, 211 district-level, 403 street-level (seed 001).
    city_hubs = [g.hub(name=f"北京市{f}社会组织联合会", level="city", region="1101", field=f) for f in FIELDS]
    district_hubs: dict[str, list[int]] = {c: [] for c in counties}
    per_district = partition(211, 16, 10, 16, r)
    for county, n in zip(counties, per_district, strict=True):
        for f in r.sample(FIELDS, n):
            district_hubs[county].append(g.hub(name=f"{g.name_of(county)}{f}社会组织联合会", level="district",
                                               region=county, field=f))
    streets = [s for c in counties for s in g.streets_of(c)]
    street_hubs: dict[str, list[int]] = {}
    for i in range(403):
        street = streets[i % len(streets)]
        kind = "社会组织联合会" if i < len(streets) else "社会组织服务中心"
        street_hubs.setdefault(street[:6], []).append(
            g.hub(name=f"{g.name_of(street)}{kind}", level="street", region=street, field="社区服务"))

    # The orgs: industry first, then which are covered (exact counts per industry).
    kinds = ["legal"] * LAW + ["accounting"] * CPA + ["other"] * (P - LAW - CPA)
    covered_flags = ([True] * LAW_COV + [False] * (LAW - LAW_COV) + [True] * CPA_COV + [False] * (CPA - CPA_COV))
    other_cov = COVERED - LAW_COV - CPA_COV
    rest = [True] * other_cov + [False] * (P - LAW - CPA - other_cov)
    r.shuffle(rest)
    covered_flags += rest
    orgs: list[dict[str, Any]] = []
    for kind, covered in zip(kinds, covered_flags, strict=True):
        county = r.choices(counties, weights)[0]
        # Law and CPA firms are social intermediaries (seed 001 社会中介类社会组织), registered by the
        # justice bureau (USCC 31) and by market regulation (91), not by civil affairs.
        if kind == "legal":
            type_, field, industry = "social_intermediary", "法律服务", "legal"
        elif kind == "accounting":
            type_, field, industry = "social_intermediary", "会计", "accounting"
        else:
            type_ = r.choices(["social_group", "service_institution", "foundation"], [50, 45, 5])[0]
            field = r.choice(FIELDS)
            industry = INDUSTRY_OF_FIELD.get(field, "other")
        orgs.append({"kind": kind, "covered": covered, "county": county, "type": type_, "field": field,
                     "industry": industry, "street": g.place_in(county)})

    covered_idx = [i for i, o in enumerate(orgs) if o["covered"]]
    own_idx = set(r.sample(covered_idx, OWN))
    joint_idx = [i for i in covered_idx if i not in own_idx]
    # Joint branches by district (proximity) or, for law and CPA firms, by industry within the city.
    JOINT = PARTY_ORGS - 18 - OWN  # 16 district committees + 2 industry committees are superiors
    pools: dict[str, list[int]] = {}
    for i in joint_idx:
        o = orgs[i]
        pools.setdefault(o["kind"] if o["kind"] != "other" else o["county"], []).append(i)
    keys = sorted(pools)
    mins = [-(-len(pools[k]) // 5) for k in keys]
    extra = partition(JOINT - sum(mins), len(keys), 0, 10**6, r)
    groups: list[tuple[str, list[int]]] = []
    for k, m, e in zip(keys, mins, extra, strict=True):
        n = min(m + e, len(pools[k]))
        groups.extend((k, grp) for grp in even_groups(pools[k], n))
    while len(groups) < JOINT:  # the caps above may leave a few to split further
        k, grp = max(groups, key=lambda kg: len(kg[1]))
        groups.remove((k, grp))
        half = len(grp) // 2
        groups += [(k, grp[:half]), (k, grp[half:])]

    # Which units existed by the end of 2015: exactly 2,253 covered orgs then (21.3 %).
    units_list: list[tuple[str, list[int]]] = [("own", [i]) for i in sorted(own_idx)] + [("joint", grp) for _, grp in groups]
    order = list(range(len(units_list)))
    r.shuffle(order)
    early: set[int] = set()
    acc = 0
    for u in order:
        size = len(units_list[u][1])
        # About half of 2015's coverage came from joint branches; own party orgs make up the rest.
        if units_list[u][0] == "joint" and acc + size <= COVERED_2015 // 2:
            early.add(u)
            acc += size
    for u in order:
        if acc == COVERED_2015:
            break
        if units_list[u][0] == "own" and u not in early:
            early.add(u)
            acc += 1

    for u, (_kind, members) in enumerate(units_list):
        start = g.fakes.date_between(D(2008, 1, 1), D(2015, 6, 30)) if u in early else \
            g.fakes.date_between(D(2016, 1, 1), D(2016, 12, 20))
        for i in members:
            orgs[i]["cover_from"] = start

    # Write the orgs (established before they were covered), hub links and inspections.
    city_linked = 0
    for o in orgs:
        latest = o.get("cover_from", END_2015) - dt.timedelta(days=30)
        o["established_on"] = g.fakes.date_between(D(1988, 1, 1), min(latest, D(2014, 12, 31)))
        hub_id = None
        roll = r.random()
        if o["kind"] == "other" and city_linked < 1_080 and ((o["covered"] and roll < 0.16) or roll < 0.018):
            hub_id, city_linked = r.choice(city_hubs), city_linked + 1
        elif roll < 0.45 and district_hubs[o["county"]]:
            hub_id = r.choice(district_hubs[o["county"]])
        elif roll < 0.70 and street_hubs.get(o["county"]):
            hub_id = r.choice(street_hubs[o["county"]])
        place = g.name_of(o["county"])
        if o["kind"] == "legal":
            name = firm_name(g, o["county"], "律师事务所")
        elif o["kind"] == "accounting":
            name = firm_name(g, o["county"], "会计师事务所（普通合伙）")
        else:
            name = org_name(g, place if r.random() < 0.7 else "北京市", o["type"], o["field"], o["county"])
        city_level = r.random() < 0.25
        # Law firms are licensed by the municipal justice bureau (北京市司法局, province level).
        city_level = city_level or o["kind"] == "legal"
        staff = r.randint(2, 40)
        o["id"] = g.org(
            name=name, type=o["type"], region=o["street"], registration_level="province" if city_level else "county",
            registration_region="11" if city_level else o["county"], industry=o["industry"],
            established_on=o["established_on"], full_time_staff=staff,
            uscc_prefix="31" if o["kind"] == "legal" else "91" if o["kind"] == "accounting" else None,
            hub_id=hub_id, hub_from=max(o["established_on"], D(2012, 1, 1)),
            supervisory_unit_id=units[o["field"]] if o["type"] not in ("service_institution", "social_intermediary")
            or r.random() < 0.5 else None,
            has_trade_union=r.random() < 0.12, has_youth_league=r.random() < 0.05,
            evaluation_grade=r.choice(["1A", "2A", "3A", "3A", "4A", "5A"]) if r.random() < 0.15 else "",
        )
        o["staff"] = staff
        o["name"] = name
        for year in (2015, 2016):
            g.inspection(o["id"], year, r.choices(["pass", "basic_pass", "fail"], [90, 8, 2])[0])

    # Superiors: a comprehensive committee per district, industry committees for law and CPA firms.
    district_committee = {c: g.party_org(name=f"中共{g.name_of(c)}社会组织综合委员会", kind="comprehensive_committee",
                                         formation="regional", region=c, established_on=D(2009, 6, 1))
                          for c in counties}
    industry_committee = {
        "legal": g.party_org(name="中共北京市律师行业委员会", kind="industry_committee", formation="industry",
                             region="1101", established_on=D(2008, 3, 1), industry="legal"),
        "accounting": g.party_org(name="中共北京市注册会计师行业委员会", kind="industry_committee",
                                  formation="industry", region="1101", established_on=D(2008, 3, 1),
                                  industry="accounting"),
    }

    def superior_of(o: dict[str, Any]) -> int:
        return industry_committee.get(o["kind"]) or district_committee[o["county"]]

    # Own party orgs: kind by membership (BRANCH_SIZE).
    for i in sorted(own_idx):
        o = orgs[i]
        n = r.choices([r.randint(3, 15), r.randint(16, 49), r.randint(51, 99), r.randint(100, 180)],
                      [85, 12, 2.5, 0.5])[0]
        kind = own_kind(n)
        pid = g.party_org(name=f"中共{o['name']}{KIND_SUFFIX[kind]}", kind=kind,
                          formation="standalone", region=o["street"], established_on=o["cover_from"],
                          superior_id=superior_of(o))
        g.cover(pid, o["id"], o["cover_from"])
        n_prob = sum(1 for _ in range(n) if r.random() < 0.06)
        assign_members(g, org_id=o["id"], region=o["street"], n_full=n - n_prob, n_prob=n_prob, relation_org_id=pid)
        o["staff"] = max(o["staff"], n + r.randint(0, 20))

    # Joint branches: each has at least 3 full members among the firms it covers.
    for _key, grp in groups:
        first = orgs[grp[0]]
        pid = g.party_org(name=f"中共{g.name_of(first['street'])}社会组织第{r.randint(1, 9)}联合支部委员会"
                          if first["kind"] == "other" else
                          f"中共北京市{'律师' if first['kind'] == 'legal' else '注册会计师'}行业第{len(grp)}联合支部委员会",
                          kind="joint_branch", formation="joint", region=first["street"],
                          established_on=first["cover_from"], superior_id=superior_of(first))
        full_needed = 3
        for j, i in enumerate(grp):
            o = orgs[i]
            g.cover(pid, o["id"], o["cover_from"])
            n = r.choice([0, 1, 1, 2, 2]) if j < len(grp) - 1 else max(full_needed, r.choice([0, 1, 2]))
            if r.random() < 0.01:
                n = r.randint(3, 4)  # should form its own: due-not-established within a joint branch
            n = min(n, 2) if n > 2 and j < len(grp) - 1 and full_needed <= 0 else n
            full_needed -= n
            assign_members(g, org_id=o["id"], region=o["street"], n_full=n, n_prob=0, relation_org_id=pid)

    # Not covered: instructors for some (work coverage), members held elsewhere for others.
    uncovered = [o for o in orgs if not o["covered"]]
    r.shuffle(uncovered)
    with_instructor = uncovered[:1_500]
    by_county: dict[str, list[dict[str, Any]]] = {}
    for o in with_instructor:
        by_county.setdefault(o["county"], []).append(o)
    for county, lst in sorted(by_county.items()):
        for chunk_start in range(0, len(lst), 5):
            iid = g.instructor(region=county, kind="instructor" if r.random() < 0.7 else "liaison", capacity=5,
                               employer=f"中共{g.name_of(county)}社会组织综合委员会")
            for o in lst[chunk_start:chunk_start + 5]:
                g.assign(iid, o["id"], g.fakes.date_between(D(2016, 3, 1), D(2016, 12, 1)))
    for o in uncovered[1_500:]:
        roll = r.random()
        n = r.randint(3, 6) if roll < 0.06 else r.choice([1, 2]) if roll < 0.25 else 0
        assign_members(g, org_id=o["id"], region=o["street"], n_full=n, n_prob=0, relation_org_id=None,
                       elsewhere=f"中共{g.name_of(o['county'])}人才服务中心委员会")


# ---------------------------------------------------------------------------------------------
def beijing_cpa(g: Gen, scale: float) -> None:
    """Beijing's CPA sector (seed 000): 7 committees, 5 general branches, 132 branches of which 4 joint,
    4,775 members, 35 instructors; organization coverage 70 %, work coverage 100 %."""
    r = g.rng
    g.load_places("11")
    N, MEMBERS = 190, 4_775  # 133 covered = 70 %; the 57 others all have an instructor
    counties = list(BEIJING_WEIGHTS)
    weights = list(BEIJING_WEIGHTS.values())
    unit = g.supervisory_unit("北京市财政局", "11")
    hub = g.hub(name="北京注册会计师协会", level="city", region="1101", field="会计")
    top = g.party_org(name="中共北京注册会计师行业委员会", kind="industry_committee", formation="industry",
                      region="1101", established_on=D(2005, 5, 1), industry="accounting")
    firms = []
    for _ in range(N):
        county = r.choices(counties, weights)[0]
        street = g.place_in(county)
        est = g.fakes.date_between(D(1995, 1, 1), D(2012, 12, 31))
        name = firm_name(g, county, "会计师事务所（特殊普通合伙）")
        firm_id = g.org(name=name, type="social_intermediary",
                        region=street, registration_level="province", registration_region="11",
                        industry="accounting", established_on=est, full_time_staff=r.randint(5, 60),
                        uscc_prefix="91", hub_id=hub, supervisory_unit_id=unit)
        firms.append((firm_id, street, county, est, name))
    r.shuffle(firms)
    committees, generals, standalone = firms[:7], firms[7:12], firms[12:113]
    joint_firms, rest = firms[113:133], firms[133:]
    joint_members = [r.choice([1, 1, 2]) for _ in joint_firms]
    for k in range(4):  # each joint branch needs at least 3 full members
        while sum(joint_members[k * 5:(k + 1) * 5]) < 3:
            joint_members[k * 5] += 1
    left = MEMBERS - sum(joint_members)
    committee_sizes = [r.randint(120, 150) for _ in committees]
    general_sizes = [r.randint(60, 90) for _ in generals]
    branch_sizes = partition(left - sum(committee_sizes) - sum(general_sizes), len(standalone), 3, 50, r)

    def est_after(firm_est: dt.date) -> dt.date:
        return g.fakes.date_between(max(firm_est, D(2008, 1, 1)), D(2015, 12, 31))

    def members_into(firm: tuple[int, str, str, dt.date, str], branches: list[int], total: int) -> None:
        for pid, share in zip(branches, partition(total, len(branches), 0, total, r), strict=True):
            n_prob = min(share, sum(1 for _ in range(share) if r.random() < 0.05))
            assign_members(g, org_id=firm[0], region=firm[1], n_full=share - n_prob, n_prob=n_prob,
                           relation_org_id=pid)

    sub_counts = [3] * 7 + [2, 1, 1, 1, 1]  # 27 branches inside committees and general branches
    for firm, size, subs in zip(committees + generals, committee_sizes + general_sizes, sub_counts, strict=True):
        kind = "committee" if firm in committees else "general_branch"
        day = est_after(firm[3])
        pid = g.party_org(name=f"中共{firm[4]}{KIND_SUFFIX[kind]}", kind=kind, formation="standalone",
                          region=firm[1], established_on=day, superior_id=top)
        g.cover(pid, firm[0], day)
        branches = [g.party_org(name=f"中共{firm[4]}第{k + 1}支部委员会", kind="branch",
                                formation="standalone", region=firm[1], established_on=day, superior_id=pid)
                    for k in range(subs)]
        members_into(firm, branches, size)
    for firm, size in zip(standalone, branch_sizes, strict=True):
        day = est_after(firm[3])
        pid = g.party_org(name=f"中共{firm[4]}支部委员会", kind="branch", formation="standalone",
                          region=firm[1], established_on=day, superior_id=top)
        g.cover(pid, firm[0], day)
        members_into(firm, [pid], size)
    for k in range(4):
        grp = joint_firms[k * 5:(k + 1) * 5]
        day = D(2016, 3, 1)
        pid = g.party_org(name=f"中共北京注册会计师行业第{k + 1}联合支部委员会", kind="joint_branch",
                          formation="joint", region=grp[0][1], established_on=day, superior_id=top)
        for firm, n in zip(grp, joint_members[k * 5:(k + 1) * 5], strict=True):
            g.cover(pid, firm[0], day)
            assign_members(g, org_id=firm[0], region=firm[1], n_full=n, n_prob=0, relation_org_id=pid)
    # 35 instructors for the 57 firms without members: 22 take two firms, 13 take one.
    loads = [2] * 22 + [1] * 13
    it = iter(rest)
    for load in loads:
        iid = g.instructor(region="1101", kind="instructor", capacity=3, employer="北京注册会计师协会")
        for _ in range(load):
            firm = next(it)
            g.assign(iid, firm[0], D(2016, 4, 1))


def zhonglou(g: Gen, scale: float) -> None:
    """Changzhou, Zhonglou district 320404 (seeds 002, 003): 1,100+ orgs in its 8 streets, > 90 % with
    fewer than 3 party members among their full-time staff, party members < 10 % of full-time staff,
    7 street-level incubation bases."""
    r = g.rng
    g.load_places("320404")
    N = 1_126
    streets = g.streets_of("320404")
    incubator_streets = [s for s in streets if s != "320404116"][:7]  # the seven urban streets
    for s in incubator_streets:
        g.incubator(name=f"{g.name_of(s)}社会组织孵化基地", region=s,
                    established_on=g.fakes.date_between(D(2013, 1, 1), D(2016, 6, 30)))
    district_hub = g.hub(name="钟楼区社会组织服务中心", level="district", region="320404", field="社会服务")
    street_hubs = {s: g.hub(name=f"{g.name_of(s)}社会组织联合会", level="street", region=s, field="社区服务")
                   for s in streets}
    committee = g.party_org(name="中共常州市钟楼区社会组织综合委员会", kind="comprehensive_committee",
                            formation="regional", region="320404", established_on=D(2012, 7, 1))
    unit = g.supervisory_unit("常州市钟楼区民政局", "320404")
    # Members among staff: 0 for most, 1-2 for some, 3+ for under 10 % of orgs.
    member_counts = [r.choices([0, 1, 2], [64, 20, 16])[0] for _ in range(N)]
    big = r.sample(range(N), 84)  # 84 / 1,126 = 7.5 % with 3 or more
    for i in big:
        member_counts[i] = r.randint(3, 9)
    orgs = []
    for i in range(N):
        street = r.choice(streets)
        type_ = r.choices(["community_org", "social_group", "service_institution", "foundation"], [55, 20, 23, 2])[0]
        field = r.choice(["社区服务", "养老", "志愿服务", "文化", "体育", "教育", "社会工作", "慈善", "家庭服务"])
        region = g.place_in("320404", community_share=0.9) if type_ == "community_org" else street
        street = region[:9]
        n = member_counts[i]
        staff = max(n * r.randint(10, 16), r.randint(2, 12)) if type_ != "community_org" else max(n * 11, r.randint(1, 8))
        est = g.fakes.date_between(D(2005, 1, 1), D(2016, 6, 30))
        org_id = g.org(name=org_name(g, g.name_of(street), type_, field, "320404"), type=type_, region=region,
                       registration_level="county", registration_region="320404",
                       industry=INDUSTRY_OF_FIELD.get(field, "other"), established_on=est, full_time_staff=staff,
                       hub_id=street_hubs[street] if r.random() < 0.6 else (district_hub if r.random() < 0.2 else None),
                       supervisory_unit_id=unit if type_ != "community_org" else None,
                       has_trade_union=r.random() < 0.05, has_youth_league=r.random() < 0.03)
        orgs.append((org_id, region, street, est, n))
    # Own branches for most orgs with 3+ members; joint branches of up to 5 small orgs per street.
    by_street: dict[str, list[tuple[int, str, str, dt.date, int]]] = {}
    for o in orgs:
        if o[4] >= 3 and r.random() < 0.8:
            day = max(o[3], D(2014, 1, 1)) + dt.timedelta(days=r.randint(30, 600))
            pid = g.party_org(name=f"中共{g.name_of(o[2])}社会组织第{o[0]}支部委员会", kind="branch",
                              formation="standalone", region=o[1], established_on=min(day, D(2016, 12, 1)),
                              superior_id=committee)
            g.cover(pid, o[0], min(day, D(2016, 12, 1)))
            assign_members(g, org_id=o[0], region=o[1], n_full=o[4], n_prob=0, relation_org_id=pid)
        elif 1 <= o[4] <= 2:
            by_street.setdefault(o[2], []).append(o)
        else:
            assign_members(g, org_id=o[0], region=o[1], n_full=o[4], n_prob=0, relation_org_id=None,
                           elsewhere="中共常州市钟楼区人才服务中心支部委员会")
    for street, lst in sorted(by_street.items()):
        joined = lst[: len(lst) * 3 // 5]
        done: set[int] = set()
        for k in range(0, len(joined), 5):
            grp = joined[k:k + 5]
            if sum(o[4] for o in grp) < 3:  # a branch needs three full members
                continue
            pid = g.party_org(name=f"中共{g.name_of(street)}社会组织第{k // 5 + 1}联合支部委员会", kind="joint_branch",
                              formation="joint", region=street, established_on=D(2016, 5, 1), superior_id=committee)
            for o in grp:
                g.cover(pid, o[0], D(2016, 5, 1))
                assign_members(g, org_id=o[0], region=o[1], n_full=o[4], n_prob=0, relation_org_id=pid)
                done.add(o[0])
        for o in lst:
            if o[0] not in done:
                assign_members(g, org_id=o[0], region=o[1], n_full=o[4], n_prob=0, relation_org_id=None,
                               elsewhere=f"中共{g.name_of(street)}工作委员会")
    # Liaisons for a share of the orgs without party members.
    empty = [o for o in orgs if o[4] == 0]
    r.shuffle(empty)
    for k in range(0, 240, 6):
        iid = g.instructor(region=streets[k // 6 % len(streets)], kind="liaison", capacity=6,
                           employer="钟楼区社会组织综合党委")
        for o in empty[k:k + 6]:
            g.assign(iid, o[0], D(2016, 9, 1))


def national(g: Gen, scale: float) -> None:
    """About 900,000 orgs and 3,000,000 members over all provinces, for benchmarks (``scale`` shrinks)."""
    r = g.rng
    g.load_places("")
    n_orgs = max(1, round(900_000 * scale))
    provinces = list(PROVINCE_WEIGHTS)
    counties_of = {p: [c for c in g.counties_with_streets(p)] for p in provinces}
    prov_choice = r.choices(provinces, list(PROVINCE_WEIGHTS.values()), k=n_orgs)
    committees: dict[str, int] = {}
    joint_open: dict[str, tuple[int, int, dt.date]] = {}  # street -> (party org, orgs covered, since)
    types = ["social_group", "service_institution", "foundation", "community_org"]
    fields = list(INDUSTRY_OF_FIELD)
    for p in prov_choice:
        county = r.choice(counties_of[p])
        type_ = r.choices(types, [40, 50, 1, 9])[0]
        region = g.place_in(county, community_share=0.5 if type_ == "community_org" else 0.0)
        street = region[:9]
        field = r.choice(fields)
        est = g.fakes.date_between(D(1995, 1, 1), D(2016, 6, 30))
        roll = r.random()
        # Members among staff: own party org (~20 %), joint-covered (~40 %), the rest mostly without.
        # (about 3.3 members an org: 3,000,000 for 900,000 orgs)
        if roll < 0.2:
            n = r.choices([r.randint(3, 12), r.randint(13, 40), r.randint(50, 99)], [80, 18, 2])[0]
        elif roll < 0.6:
            n = r.choice([1, 1, 1, 2, 2])
        else:
            n = r.choice([0, 0, 0, 0, 1, 2, 3])
        level = "county" if r.random() < 0.8 else "city"
        org_id = g.org(name=org_name(g, g.name_of(county), type_, field, county), type=type_, region=region,
                       registration_level=level, registration_region=county if level == "county" else county[:4],
                       industry=INDUSTRY_OF_FIELD[field], established_on=est, full_time_staff=n + r.randint(1, 30),
                       has_trade_union=r.random() < 0.1, has_youth_league=r.random() < 0.04)
        if county not in committees:
            committees[county] = g.party_org(name=f"中共{g.name_of(county)}社会组织综合委员会",
                                             kind="comprehensive_committee", formation="regional", region=county,
                                             established_on=D(2012, 1, 1))
        start = max(est, D(2010, 1, 1)) + dt.timedelta(days=r.randint(10, 300))
        if roll < 0.2:
            kind = own_kind(n)
            pid = g.party_org(name=f"中共{g.name_of(street)}第{org_id}号社会组织{KIND_SUFFIX[kind]}", kind=kind,
                              formation="standalone", region=region, established_on=start,
                              superior_id=committees[county])
            g.cover(pid, org_id, start)
            n_prob = sum(1 for _ in range(n) if r.random() < 0.05)
            assign_members(g, org_id=org_id, region=region, n_full=n - n_prob, n_prob=n_prob, relation_org_id=pid)
        elif roll < 0.6:
            pid, size, since = joint_open.get(street, (0, 5, start))
            if size >= 5:
                since = start
                pid = g.party_org(name=f"中共{g.name_of(street)}社会组织联合支部委员会", kind="joint_branch",
                                  formation="joint", region=street, established_on=since,
                                  superior_id=committees[county])
                size = 0
            g.cover(pid, org_id, max(since, start))
            joint_open[street] = (pid, size + 1, since)
            assign_members(g, org_id=org_id, region=region, n_full=n, n_prob=0, relation_org_id=pid)
        else:
            if roll < 0.75:
                iid = g.instructor(region=county, kind="instructor", capacity=5) if r.random() < 0.2 else None
                if iid is not None:
                    g.assign(iid, org_id, start)
            assign_members(g, org_id=org_id, region=region, n_full=n, n_prob=0, relation_org_id=None,
                           elsewhere=f"中共{g.name_of(county)}人才服务中心委员会")


SCENARIOS: dict[str, Callable[[Gen, float], None]] = {
    "beijing-2016": beijing_2016,
    "beijing-cpa": beijing_cpa,
    "zhonglou": zhonglou,
    "national": national,
}
SERIES = {"beijing-2016": ("B", 1), "beijing-cpa": ("C", 2), "zhonglou": ("H", 3), "national": ("N", 4)}

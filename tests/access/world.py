"""The world the access matrix runs in: objects inside and outside each persona's jurisdiction.

Every object carries the *zones* it belongs to, and every persona the zones it may see. Which
persona sees which object is written out here by hand, not derived from ``Scope``: the matrix
checks the scope layer, so it must not borrow its answers from it (``test_world_matches_the_scope_layer``
compares the two once).

Two districts far apart: 钟楼区 (320404, Changzhou) with two streets, and 朝阳区 (110105, Beijing).
In 荷花池街道 there is a hub with one member org, and an org with its own branch; 西林街道 has an
org with a branch, a hub, an instructor; 朝阳区 the same again. Every name is unique and occurs
in no other text, so finding it in a response means the object leaked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction
from django.test import override_settings

from shuniu.accounts.models import ApiToken, User
from shuniu.accounts.scopes import can_see_personal_data
from shuniu.accounts.services import token_create, user_create
from shuniu.audit.models import AuditEntry
from shuniu.audit.services import NON_WRITE_ACTIONS
from shuniu.imports.models import BatchStatus, ImportBatch
from shuniu.party.models import PartyOrg, PartyOrgCoverage
from shuniu.party.services import assignment_start
from shuniu.passes.services import evaluation_record, inspection_record
from shuniu.registry.models import HubLink
from tests.factories import (
    CHAOYANG,
    HEHUACHI,
    JIANWAI,
    SYSTEM,
    XILIN,
    ZHONGLOU,
    HubFactory,
    InstructorFactory,
    PartyMemberFactory,
    PartyOrgFactory,
    SocialOrgFactory,
    make_id_number,
    make_uscc,
)

# Zones. ``cy``: 朝阳区; ``zl``: 钟楼区; ``hhc``: 荷花池街道; ``branch``: what the branch covers;
# ``hubz``: the hub's orgs; ``instr``: the instructor's assigned orgs. ``self:P`` / ``owner:P``: a
# persona's own tokens and import batches. Objects with no zone are for administrators only.
ALL = "*"

# persona -> (role, scope as for ``shuniu adduser``, zones it may see). The first six are the shared
# personas of tests/conftest.py (same usernames, roles and scopes); a street officer and an
# instructor are added because their roles exist and must not see full personal data.
PERSONAS: dict[str, tuple[str, str, frozenset[str]]] = {
    "admin": ("admin", "", frozenset({ALL})),
    "beijing_city": ("city_officer", "11", frozenset({"cy", "self:beijing_city"})),
    "chaoyang": ("district_officer", CHAOYANG, frozenset({"cy", "self:chaoyang", "owner:chaoyang"})),
    "zhonglou": ("district_officer", ZHONGLOU, frozenset({"zl", "self:zhonglou", "owner:zhonglou"})),
    "hehuachi_street": ("street_officer", HEHUACHI, frozenset({"hhc", "self:hehuachi_street"})),
    "secretary": ("secretary", "party:{branch}", frozenset({"branch", "self:secretary"})),
    "hub_staff": ("hub_staff", "hub:{hub}", frozenset({"hubz", "self:hub_staff"})),
    "instructor": ("instructor", "instructor:{hub_instructor}", frozenset({"instr", "self:instructor"})),
}
REGION_OF = {"admin": "", "beijing_city": "11", "chaoyang": CHAOYANG, "zhonglou": ZHONGLOU,
             "hehuachi_street": HEHUACHI}
# A street of another district, for each persona: where creating anything must be refused.
FOREIGN_STREET = {"admin": None, "beijing_city": HEHUACHI, "chaoyang": HEHUACHI, "zhonglou": JIANWAI,
                  "hehuachi_street": XILIN, "secretary": XILIN, "hub_staff": JIANWAI, "instructor": XILIN}

# A street inside each region scope, where an org may be placed.
INSIDE_STREET = {"beijing_city": JIANWAI, "chaoyang": JIANWAI, "zhonglou": HEHUACHI, "hehuachi_street": HEHUACHI}

ZL = {"zl"}
HHC = {"zl", "hhc"}
BRANCH = {"zl", "hhc", "branch"}
HUBZ = {"zl", "hhc", "hubz", "instr"}  # the hub's org is also the one the instructor is assigned to
CY = {"cy"}


@dataclass
class Obj:
    kind: str  # org, party_org, member, instructor, hub, coverage, assignment, hub_link, inspection, batch,
    #            token, user, audit, group, region, meeting
    key: str
    pk: Any
    zones: set[str]
    markers: list[str] = field(default_factory=list)  # text that must not appear outside its zones
    personal: list[str] = field(default_factory=list)  # full ID / phone numbers
    instance: Any = None
    #: objects whose names this one shows as its own facts (an org's hub, the party org covering it,
    #: its instructor; a member's workplace): visible with it even when the scope has no access to them
    shows: list[str] = field(default_factory=list)


@dataclass
class World:
    objects: dict[str, Obj] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def add(self, kind: str, key: str, instance: Any, zones: set[str], markers: list[str] | None = None,
            personal: list[str] | None = None) -> Any:
        self.objects[key] = Obj(kind, key, instance.pk, set(zones), markers or [], personal or [], instance)
        return instance

    def __getitem__(self, key: str) -> Any:
        return self.objects[key].instance

    # ---- what a persona may see -----------------------------------------------------------
    def sees(self, persona: str, obj: Obj) -> bool:
        zones = PERSONAS[persona][2]
        return ALL in zones or bool(zones & obj.zones)

    def inside(self, persona: str, kind: str) -> list[Obj]:
        return [o for o in self.objects.values() if o.kind == kind and self.sees(persona, o)]

    def outside(self, persona: str, kind: str) -> list[Obj]:
        return [o for o in self.objects.values() if o.kind == kind and not self.sees(persona, o)]

    def first_inside(self, persona: str, kind: str) -> Obj | None:
        found = self.inside(persona, kind)
        return found[0] if found else None

    def nearest_outside(self, persona: str, kind: str, n: int = 3) -> list[Obj]:
        """Up to ``n`` objects of ``kind`` outside the scope, the nearest first (same district or
        street when there are such), since a near miss is the likelier leak."""
        out = self.outside(persona, kind)
        zones = PERSONAS[persona][2]
        local = "zl" in zones or bool(zones & {"hhc", "branch", "hubz", "instr"})
        near = [o for o in out if local and o.zones & {"zl", "hhc"}]
        return (near + [o for o in out if o not in near])[:n]

    def target(self, persona: str, kind: str) -> Obj | None:
        """The out-of-scope object of ``kind`` the probes search for: the nearest one."""
        found = self.nearest_outside(persona, kind, 1)
        return found[0] if found else None

    def forbidden_text(self, persona: str, *, listing: bool) -> dict[str, str]:
        """text -> what it is, for every string that must not appear in a response to ``persona``.

        Names, USCCs and numbers of every object outside the scope; full ID and phone numbers of
        every person for a role without the right to see them; and, in lists and exports, full
        numbers of anyone whatever the role (lists show them masked)."""
        user = self.users[persona]
        personal_ok = can_see_personal_data(user)
        facts = {key for obj in self.objects.values() if self.sees(persona, obj) for key in obj.shows}
        out: dict[str, str] = {}
        for obj in self.objects.values():
            if obj.key in facts:
                continue
            if not self.sees(persona, obj):
                for text in obj.markers + obj.personal:
                    out[text] = f"{obj.kind} {obj.key} (outside the scope)"
            elif obj.personal and (listing or not personal_ok):
                for text in obj.personal:
                    out[text] = f"full personal number of {obj.key}" + (" in a list" if personal_ok else "")
        return out


def _add_meetings(w: World, today: dt.date) -> None:
    """Organizational life: a meeting of each branch with a sign-in photo (topics and file names are
    markers); each is seen where its party org is."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from shuniu.orglife.services import meeting_record
    from tests.orglife.conftest import png_bytes

    for key, party_key, member_key, zones, topic in (("branch_meeting", "branch", "branch_member", BRANCH, "枫桥学习会甲"),
                                                     ("xilin_meeting", "xilin_party", "xilin_member", ZL, "枫桥学习会乙"),
                                                     ("cy_meeting", "cy_party", "cy_member", CY, "枫桥学习会丙")):
        meeting = meeting_record(actor=SYSTEM, party_org=w[party_key], kinds=["general_meeting"], held_on=today,
                                 topic=topic, attendees=[w[member_key]], files=[SimpleUploadedFile(
                                     f"{topic}签到表.png", png_bytes(), content_type="image/png")])
        w.add("meeting", key, meeting, zones, [topic])
        w.add("meeting_file", f"{key}_file", meeting.files.get(), zones, [f"{topic}签到表.png"])


def _reports(w: World, today: dt.date) -> None:
    """Secretaries' reports for last year: the branch's, submitted to the district's committee; a
    draft of 朝阳区's branch (it has no superior in the system to submit to)."""
    from shuniu.cases.services import case_open

    for key, party_key, zones, title, submit in (("branch_report", "branch", BRANCH, "枫桥述职甲", True),
                                                 ("cy_report", "cy_party", CY, "枫桥述职丙", False)):
        case = case_open(actor=SYSTEM, kind="secretary_report", party_org=w[party_key], title=title, submit=submit,
                         data={"year": today.year - 1, "mode": "on_site", "text": f"{title}正文"})
        w.add("report", key, case.secretary_report, zones, [title, f"{title}正文"])


def build_world() -> World:
    w = World()
    today = dt.date.today()
    # Hubs.
    hub = w.add("hub", "hub", HubFactory(name="荷花池街道社会组织联合会", level="street", region_code=HEHUACHI),
                HHC | {"hubz"}, ["荷花池街道社会组织联合会"])
    xilin_hub = w.add("hub", "xilin_hub", HubFactory(name="西林街道枢纽甲乙联合会", level="street", region_code=XILIN),
                      ZL, ["西林街道枢纽甲乙联合会"])
    cy_hub = w.add("hub", "cy_hub", HubFactory(name="建外街道枢纽丙丁联合会", level="street", region_code=JIANWAI),
                   CY, ["建外街道枢纽丙丁联合会"])
    # Orgs (each with its hub link when it has a hub).
    orgs = [
        ("branch_org", "荷花池社工服务中心", HEHUACHI, None, BRANCH, 101, ZHONGLOU),
        ("hub_org", "荷花池邻里守望互助会", HEHUACHI, hub, HUBZ, 102, ZHONGLOU),
        ("xilin_org", "西林琴韵艺术研究会", XILIN, xilin_hub, ZL, 103, ZHONGLOU),
        ("cy_org", "建外国际文旅交流促进会", JIANWAI, cy_hub, CY, 104, CHAOYANG),
    ]
    for key, name, region, org_hub, zones, n, county in orgs:
        uscc = make_uscc(n, county)
        org = w.add("org", key, SocialOrgFactory(name=name, region_code=region, hub=org_hub, uscc=uscc,
                                                 established_on=dt.date(2018, 3, 1)), zones, [name, uscc])
        inspection = inspection_record(actor=SYSTEM, org=org, year=2024, conclusion="pass")
        w.add("inspection", f"{key}_inspection", inspection, zones)
        evaluation = evaluation_record(actor=SYSTEM, org=org, year=2023, grade="3A", decided_on="2023-12-01")
        w.add("evaluation", f"{key}_evaluation", evaluation, zones)
        if org_hub is not None:
            w.add("hub_link", f"{key}_hub_link", HubLink.objects.get(org=org), zones)
    # Party orgs, each covering its org; the branch sits under the district's comprehensive
    # committee (outside a secretary's subtree) and has a branch of its own below (inside it).
    committee = w.add("party_org", "zl_committee", PartyOrgFactory(
        name="钟楼区两新组织综合党委", kind="comprehensive_committee", region_code=ZHONGLOU), ZL, ["钟楼区两新组织综合党委"])
    for key, name, org_key, zones, superior in [
        ("branch", "荷花池社工服务中心党支部", "branch_org", BRANCH, committee),
        ("xilin_party", "西林琴韵艺术研究会党支部", "xilin_org", ZL, None),
        ("cy_party", "建外国际文旅交流促进会党支部", "cy_org", CY, None),
    ]:
        party = w.add("party_org", key, PartyOrgFactory(name=name, kind="branch", covers=[w[org_key]],
                                                        superior=superior), zones, [name])
        w.add("coverage", f"{key}_coverage", PartyOrgCoverage.objects.get(party_org=party), zones)
    # A joint branch of the street covering the hub's org and the branch's org: the hub's staff see
    # it (it covers one of theirs) but not the other org it covers.
    joint = w.add("party_org", "hhc_joint", PartyOrgFactory(
        name="荷花池街道邻里联合党支部", kind="joint_branch", covers=[w["hub_org"], w["branch_org"]]),
        HUBZ, ["荷花池街道邻里联合党支部"])
    for org_key, zones in (("hub_org", HUBZ), ("branch_org", BRANCH)):
        w.add("coverage", f"hhc_joint_{org_key}_coverage",
              PartyOrgCoverage.objects.get(party_org=joint, org=w[org_key]), zones)
    # Below the branch: data from before rule NESTING (the services refuse a branch under a branch
    # now), moved there directly; the scopes follow the tree whatever its kinds.
    sub = PartyOrgFactory(name="荷花池青年志愿者党小组支部", kind="branch")
    sub.superior, sub.path = w["branch"], f"{w['branch'].path}{sub.pk}/"
    PartyOrg.objects.filter(pk=sub.pk).update(superior=sub.superior, path=sub.path)
    w.add("party_org", "sub_branch", sub, BRANCH, ["荷花池青年志愿者党小组支部"])
    # Cases: a change report of each branch, with an attachment (titles and file names are markers).
    from django.core.files.uploadedfile import SimpleUploadedFile

    from shuniu.cases.services import attachment_add, case_open

    for key, party_key, zones, title in (("branch_case", "branch", BRANCH, "枫桥更名报告甲"),
                                         ("xilin_case", "xilin_party", ZL, "枫桥更名报告乙"),
                                         ("cy_case", "cy_party", CY, "枫桥更名报告丙")):
        case = case_open(actor=SYSTEM, kind="change_report", party_org=w[party_key], title=title,
                         data={"event": "rename", "event_on": "2024-01-01"})
        w.add("case", key, case, zones, [title])
        attachment = attachment_add(actor=SYSTEM, case=case, upload=SimpleUploadedFile(
            f"{title}附件.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"))
        w.add("attachment", f"{key}_attachment", attachment, zones, [f"{title}附件.pdf"])
    _reports(w, today)
    # In 朝阳区 a second org, covered only by a joint branch of the street: what the service matrix
    # links and unlinks inside that district (a second coverage, a participation, an assignment).
    spare = w.add("org", "cy_spare_org", SocialOrgFactory(name="建外乐龄公益服务社", region_code=JIANWAI,
                                                         uscc=make_uscc(105, CHAOYANG),
                                                         established_on=dt.date(2018, 3, 1)),
                  CY, ["建外乐龄公益服务社", make_uscc(105, CHAOYANG)])
    cy_joint = w.add("party_org", "cy_joint", PartyOrgFactory(name="建外街道公益联合党支部", kind="joint_branch",
                                                             covers=[spare]), CY, ["建外街道公益联合党支部"])
    w.add("coverage", "cy_joint_coverage", PartyOrgCoverage.objects.get(party_org=cy_joint), CY)
    # Members: names that occur nowhere else; ID numbers and phones are personal data.
    for key, name, workplace, relation, zones, n, county in [
        ("branch_member", "甄友谅", "branch_org", "branch", BRANCH, 201, ZHONGLOU),
        ("hub_member", "窦春晖", "hub_org", None, HUBZ, 202, ZHONGLOU),
        ("xilin_member", "郦明远", "xilin_org", "xilin_party", ZL, 203, ZHONGLOU),
        ("cy_member", "闻人杰", "cy_org", "cy_party", CY, 204, CHAOYANG),
    ]:
        id_number, phone = make_id_number(n, county), f"1377{n:07d}"
        member = PartyMemberFactory(name=name, workplace=w[workplace], id_number=id_number, phone=phone,
                                    relation_org=w[relation] if relation else None)
        # The birth date is read from the ID number: personal data too, in either form a page shows it.
        born = member.birth_date
        w.add("member", key, member, zones, [name],
              [id_number, phone, f"{born:%Y-%m-%d}", f"{born.year}年{born.month}月{born.day}日"])
    # A relation transfer from the branch (钟楼区) to the branch of 朝阳区: the letter, once issued,
    # is seen by both sides and their officers, by no third party; a draft (a case not yet issued)
    # only by the sending side. Each side sees the other's party org and the member as the letter's facts.
    from shuniu.cases.services import case_open as open_case
    from shuniu.transfers.models import TransferBatch
    from shuniu.transfers.services import letter_issue

    id_number, phone = make_id_number(205, ZHONGLOU), "13770000205"
    # No workplace recorded (a member whose relation only is here): the branch's org keeps its one member.
    mover = PartyMemberFactory(name="欧阳迁远", workplace=None, id_number=id_number, phone=phone,
                               relation_org=w["branch"])
    born = mover.birth_date
    w.add("member", "transfer_member", mover, BRANCH, ["欧阳迁远"],
          [id_number, phone, f"{born:%Y-%m-%d}", f"{born.year}年{born.month}月{born.day}日"])
    case = letter_issue(actor=SYSTEM, member=mover, to_org=w["cy_party"], reason="枫桥调动事由甲")
    letter = case.letter
    w.add("letter", "letter", letter, BRANCH | CY, [letter.number, "枫桥调动事由甲"])
    draft = open_case(actor=SYSTEM, kind="relation_transfer", member=w["branch_member"], title="枫桥转接草稿丁",
                      data={"to_org": w["cy_party"].pk, "reason": "枫桥草稿事由丁"})
    w.add("case", "draft_transfer_case", draft, BRANCH, ["枫桥转接草稿丁", "枫桥草稿事由丁"])
    for key, party_key, zones, reason in (("branch_batch", "branch", BRANCH, "枫桥批量原因甲"),
                                          ("cy_batch", "cy_party", CY, "枫桥批量原因丙")):
        batch = TransferBatch.objects.create(party_org=w[party_key], opened_on=today, reason=reason,
                                             opened_by_label="系统")
        w.add("transfer_batch", key, batch, zones, [reason])
    # Instructors, each assigned to one org.
    for key, name, region, org_key, zones, n in [
        ("hub_instructor", "卜冠群", HEHUACHI, "hub_org", HUBZ, 301),
        ("xilin_instructor", "冼振邦", XILIN, "xilin_org", ZL, 302),
        ("cy_instructor", "阙立新", JIANWAI, "cy_org", CY, 303),
    ]:
        phone = f"1366{n:07d}"
        instructor = w.add("instructor", key, InstructorFactory(name=name, region_code=region, phone=phone,
                                                                employer=f"{name}所在单位"), zones, [name], [phone])
        assignment = assignment_start(actor=SYSTEM, instructor=instructor, org=w[org_key], started_on=today)
        w.add("assignment", f"{key}_assignment", assignment, zones)
    # People in the development pipeline, one per branch, who applied ten days ago.
    from shuniu.development.services import applicant_create

    for key, name, workplace, party_key, zones, n, county in [
        ("branch_applicant", "梅若鸿", "branch_org", "branch", BRANCH, 211, ZHONGLOU),
        ("xilin_applicant", "檀秋實", "xilin_org", "xilin_party", ZL, 212, ZHONGLOU),
        ("cy_applicant", "桑梓乔", "cy_org", "cy_party", CY, 213, CHAOYANG),
    ]:
        id_number, phone = make_id_number(n, county), f"1355{n:07d}"
        applicant = applicant_create(actor=SYSTEM, name=name, gender="female", id_number=id_number, phone=phone,
                                     applied_on=today - dt.timedelta(days=10), workplace=w[workplace],
                                     branch=w[party_key])
        born = applicant.birth_date
        w.add("applicant", key, applicant, zones, [name],
              [id_number, phone, f"{born:%Y-%m-%d}", f"{born.year}年{born.month}月{born.day}日"])
    _add_meetings(w, today)
    for key, shows in {
        "branch_org": ["branch", "hhc_joint"], "hub_org": ["hub", "hub_instructor", "hhc_joint"],
        "xilin_org": ["xilin_hub", "xilin_party", "xilin_instructor"], "cy_org": ["cy_hub", "cy_party", "cy_instructor"],
        "branch_member": ["branch_org", "branch"], "hub_member": ["hub_org"],
        # A party org names its superior (the branch's page says which committee it reports to).
        "branch": ["zl_committee"], "sub_branch": ["branch"],
        "xilin_member": ["xilin_org", "xilin_party"], "cy_member": ["cy_org", "cy_party"],
        "branch_applicant": ["branch_org", "branch", "zl_committee"],
        "xilin_applicant": ["xilin_org", "xilin_party"], "cy_applicant": ["cy_org", "cy_party"],
        "transfer_member": ["branch_org", "branch"],
        # A report names its party org (whose name holds its org's) and the superior it went to.
        "branch_report": ["branch", "branch_org", "zl_committee"], "cy_report": ["cy_party", "cy_org"],
        # The letter names the member and both party orgs, whose names contain their orgs' names;
        # each side reads them as the letter's own facts.
        "letter": ["transfer_member", "branch", "cy_party", "branch_org", "cy_org"],
        # A meeting names its party org (whose name holds its org's) and the members on its roster.
        "branch_meeting": ["branch", "branch_org", "branch_member", "transfer_member"],
        "xilin_meeting": ["xilin_party", "xilin_org", "xilin_member"],
        "cy_meeting": ["cy_party", "cy_org", "cy_member"],
    }.items():
        w.objects[key].shows = shows
    # The personas, each with an API token (made by the accounts service, as ``adduser --token`` does).
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        for persona, (role, scope, _zones) in PERSONAS.items():
            scope = scope.format(branch=w["branch"].pk, hub=hub.pk, hub_instructor=w["hub_instructor"].pk)
            user, _password = user_create(actor=SYSTEM, username=persona, role=role, scope=scope, full_name=persona)
            w.users[persona] = user
            w.add("user", f"user_{persona}", user, set())
            w.tokens[persona] = token_create(actor=SYSTEM, user=user, label=f"{persona}令牌")
            token = ApiToken.objects.get(user=user)
            w.add("token", f"token_{persona}", token, {f"self:{persona}"}, [f"{persona}令牌"])
    # Import batches of two officers (their filenames are what others must not see).
    for persona, filename in (("zhonglou", "钟楼批次甲.xlsx"), ("chaoyang", "朝阳批次乙.xlsx")):
        for status in (BatchStatus.PREVIEW, BatchStatus.COMMITTED):
            batch = ImportBatch.objects.create(
                kind="orgs", filename=f"{status}-{filename}", file_sha256="0" * 64, created_by=w.users[persona],
                actor_label=persona, status=status, committed_at=None)
            w.add("batch", f"{persona}_{status}_batch", batch, {f"owner:{persona}"}, [f"{status}-{filename}"])
    # Incubators have no service yet (only the admin shows them). The one in Chaoyang takes the id of
    # the 荷花池 hub on purpose: a hub scope filtering by id would let the hub's staff see it.
    from shuniu.regions.models import Region
    from shuniu.registry.models import Incubator

    for key, name, region, zones, pk in (("cy_incubator", "建外创益孵化基地", JIANWAI, CY, hub.pk),
                                         ("hhc_incubator", "荷花池创益孵化基地", HEHUACHI, HHC, hub.pk + 1)):
        incubator = Incubator(pk=pk, name=name)
        incubator.set_region(Region.objects.get(code=region))
        incubator.save()
        w.add("incubator", key, incubator, zones, [name])
    w.add("group", "group", Group.objects.create(name="矩阵测试组"), set(), ["矩阵测试组"])
    entry = AuditEntry.objects.filter(target_type="registry.socialorg", target_id=str(w["cy_org"].pk)).first()
    w.add("audit", "cy_audit", entry, set())
    return w


# Tables whose rows a refused write must leave exactly as they were.
def snapshot() -> dict[str, Any]:
    from django.apps import apps

    out: dict[str, Any] = {}
    for label in ("registry.SocialOrg", "registry.Hub", "registry.HubLink", "passes.InspectionRecord", "passes.EvaluationRecord",
                  "registry.Incubator", "party.PartyOrg", "party.PartyOrgCoverage", "party.PartyMember",
                  "party.Participation", "party.Instructor", "party.InstructorAssignment", "imports.ImportBatch",
                  "imports.ImportChange", "audit.AuditEntry", "auth.Group", "rulesettings.RuleSetting",
                  "coverage.RollupSnapshot", "demo.ScenarioRun", "cases.Case", "cases.CaseStep",
                  "cases.Attachment", "party.RelationChange", "transfers.RelationLetter", "transfers.TransferBatch",
                  "development.Applicant", "development.DevStep",
                  "mobile.Outflow", "mobile.Inflow",
                  # Organizational life (the stored compliance figures are derived: a read may bring them up to date).
                  "orglife.Meeting", "orglife.Attendance", "orglife.MeetingFile", "orglife.ReviewResult",
                  "annualreports.SecretaryReport", "annualreports.Rating"):
        model = apps.get_model(label)
        fields = [f.attname for f in model._meta.concrete_fields]
        rows = model._default_manager.order_by("pk")
        if model is AuditEntry:
            # Exports, reads of personal data and refused registrations are audited too: not writes.
            rows = rows.exclude(action__in=NON_WRITE_ACTIONS)
        out[label] = list(rows.values_list(*fields))
    # The divisions (45,000 rows): how many, how many retired, the last change.
    from django.db.models import Count, Max, Q

    from shuniu.regions.models import Region

    out["regions"] = Region.objects.aggregate(n=Count("pk"), retired=Count("pk", filter=Q(retired_on__isnull=False)),
                                              changed=Max("updated_at"))
    out["tokens"] = list(ApiToken.objects.order_by("pk").values_list("pk", "revoked_at", "label"))
    # Not last_login: logging in is not a write the matrix attempts.
    out["users"] = list(User.objects.order_by("pk").values_list(
        "pk", "username", "password", "role", "is_active", "is_staff", "is_superuser", "scope_region_id",
        "scope_hub_id", "scope_party_org_id", "scope_instructor_id"))
    return out


@contextmanager
def rolled_back_world(django_db_blocker: Any) -> Iterator[World]:
    """``build_world()`` inside a transaction rolled back at the end: the tests of a module share one
    world, built once, and leave the database as they found it (a module-scoped fixture uses it)."""
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)

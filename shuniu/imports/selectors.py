"""Reads for imports and exports. Every export goes through the scope layer's selectors.

Exports of orgs use the import template's column names and labels, so an exported file can be
edited and imported back (extra columns such as 覆盖状态 are ignored on import). Personal data in
member and instructor exports is always masked.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from shuniu.accounts.scopes import Scope
from shuniu.coverage.selectors import coverage_rows, resolve_region
from shuniu.imports.models import BatchStatus, ImportBatch
from shuniu.party.models import Formation, Gender, InstructorKind, MemberStatus, PartyOrgKind
from shuniu.party.selectors import instructor_list, member_list, party_org_list
from shuniu.passes.models import EvaluationRecord, InspectionRecord
from shuniu.regions.codes import PREFIX_FIELDS
from shuniu.regions.models import Region
from shuniu.registry.models import InspectionResult, OrgStatus, OrgType, RegistrationLevel, SocialOrg
from shuniu.registry.selectors import org_list

EXPORT_KINDS = ["orgs", "party_orgs", "members", "instructors", "coverage", "inspections", "evaluations", "applicants",
                "life_compliance", "life_orgs"]
# The statistics tables: a title and note above the header, the totals row last and bold.
STATISTICS_KINDS = {"coverage", "life_compliance"}
Columns = list[tuple[str, str]]


def batch_rows(*, kind: str | None = None, include_previews: bool = False, limit: int = 50,
               created_by: Any = None) -> list[dict[str, Any]]:
    qs = ImportBatch.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    if not include_previews:
        qs = qs.exclude(status=BatchStatus.PREVIEW)
    if created_by is not None:
        qs = qs.filter(created_by=created_by)
    out = []
    for b in qs[:limit]:
        c = b.counts or {}
        out.append({
            "id": b.pk, "kind": b.kind, "status": b.get_status_display(), "status_code": b.status,
            "filename": b.filename, "actor": b.actor_label, "created_at": _ts(b.created_at),
            "committed_at": _ts(b.committed_at), "rolled_back_at": _ts(b.rolled_back_at),
            "rows": c.get("rows", 0), "created": c.get("created", 0), "updated": c.get("updated", 0),
            "unchanged": c.get("unchanged", 0), "errors": c.get("errors", 0), "file_sha256": b.file_sha256,
        })
    return out


def _ts(value: dt.datetime | None) -> str:
    from django.utils import timezone

    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _in_region(qs: QuerySet[Any], scope: Scope, region: str | None) -> QuerySet[Any]:
    """Narrow to ``region`` (checked against the scope: PermissionDenied outside it)."""
    if not region:
        return qs
    found = resolve_region(scope, region)
    assert found is not None
    return qs.filter(**{PREFIX_FIELDS[found.level]: found.code})


def _labels(choices: Any) -> dict[str, str]:
    return {k: str(v) for k, v in choices.choices}


def _yes(value: bool) -> str:
    return _("是") if value else _("否")


ORG_COLUMNS: Columns = [
    ("name", "名称"), ("uscc", "统一社会信用代码"), ("type", "类型"), ("region_code", "所在地区代码"),
    ("region_name", "所在地区"), ("registration_level", "登记管理机关级别"), ("supervisory_unit", "业务主管单位"),
    ("industry", "行业"), ("full_time_staff", "专职人员数"), ("established_on", "成立日期"), ("status", "状态"),
    ("deregistered_on", "注销日期"), ("has_trade_union", "建立工会"), ("has_youth_league", "建立团组织"),
    ("evaluation_grade", "评估等级"), ("evaluation_year", "评估年度"), ("coverage_status", "覆盖状态"),
    ("full_members", "专职人员中的正式党员"),
]


def export_orgs(scope: Scope, region: str | None = None) -> tuple[list[dict[str, Any]], Columns]:
    qs = _in_region(org_list(scope), scope, region).order_by("region_id", "name", "id")
    types, levels, statuses = _labels(OrgType), _labels(RegistrationLevel), _labels(OrgStatus)
    cov = dict(SocialOrg._meta.get_field("coverage_status").choices or [])
    rows = []
    for o in qs.values("name", "uscc", "type", "region_id", "region__name", "registration_level",
                       "supervisory_unit__name", "industry__name", "full_time_staff", "established_on", "status",
                       "deregistered_on", "has_trade_union", "has_youth_league", "evaluation_grade",
                       "evaluation_year", "coverage_status", "full_members").iterator(chunk_size=5000):
        rows.append({
            "name": o["name"], "uscc": o["uscc"] or "", "type": types.get(o["type"], o["type"]),
            "region_code": o["region_id"], "region_name": o["region__name"],
            "registration_level": levels.get(o["registration_level"], o["registration_level"]),
            "supervisory_unit": o["supervisory_unit__name"] or "", "industry": o["industry__name"] or "",
            "full_time_staff": o["full_time_staff"], "established_on": o["established_on"],
            "status": statuses.get(o["status"], o["status"]), "deregistered_on": o["deregistered_on"],
            "has_trade_union": _yes(o["has_trade_union"]), "has_youth_league": _yes(o["has_youth_league"]),
            "evaluation_grade": o["evaluation_grade"], "evaluation_year": o["evaluation_year"],
            "coverage_status": str(cov.get(o["coverage_status"], o["coverage_status"])),
            "full_members": o["full_members"],
        })
    return rows, ORG_COLUMNS


PARTY_ORG_COLUMNS: Columns = [
    ("name", "名称"), ("kind", "类别"), ("formation", "组建方式"), ("superior", "上级党组织"),
    ("region_code", "所在地区代码"), ("established_on", "成立日期"), ("term_started_on", "本届任期开始"),
    ("term_years", "任期（年）"), ("secretary", "书记"), ("dissolved_on", "撤销日期"),
]


def export_party_orgs(scope: Scope, region: str | None = None) -> tuple[list[dict[str, Any]], Columns]:
    qs = _in_region(party_org_list(scope), scope, region).order_by("path")
    kinds, formations = _labels(PartyOrgKind), _labels(Formation)
    rows = [{
        "name": p["name"], "kind": kinds.get(p["kind"], p["kind"]), "formation": formations.get(p["formation"], ""),
        "superior": p["superior__name"] or "", "region_code": p["region_id"], "established_on": p["established_on"],
        "term_started_on": p["term_started_on"], "term_years": p["term_years"], "secretary": p["secretary__name"] or "",
        "dissolved_on": p["dissolved_on"],
    } for p in qs.values("name", "kind", "formation", "superior__name", "region_id", "established_on",
                         "term_started_on", "term_years", "secretary__name", "dissolved_on").iterator(chunk_size=5000)]
    return rows, PARTY_ORG_COLUMNS


MEMBER_COLUMNS: Columns = [
    ("name", "姓名"), ("gender", "性别"), ("id_number", "公民身份号码"), ("phone", "电话"), ("status", "党员状态"),
    ("admitted_on", "入党日期"), ("full_on", "转正日期"), ("workplace", "工作单位"),
    ("workplace_uscc", "工作单位统一社会信用代码"), ("relation_org", "组织关系所在党组织"),
    ("relation_elsewhere", "组织关系在外"), ("is_mobile", "流动党员"), ("region_code", "所在地区代码"),
]


def export_members(scope: Scope, region: str | None = None) -> tuple[list[dict[str, Any]], Columns]:
    """Current members; ID and phone numbers masked whatever the role (exports leave the system)."""
    qs = _in_region(member_list(scope), scope, region).order_by("region_id", "name", "id")
    genders, statuses = _labels(Gender), _labels(MemberStatus)
    rows = [{
        "name": m["name"], "gender": genders.get(m["gender"], ""), "id_number": m["id_number_masked"],
        "phone": m["phone_masked"], "status": statuses.get(m["status"], ""), "admitted_on": m["admitted_on"],
        "full_on": m["full_on"], "workplace": m["workplace__name"] or "", "workplace_uscc": m["workplace__uscc"] or "",
        "relation_org": m["relation_org__name"] or "", "relation_elsewhere": m["relation_elsewhere"],
        "is_mobile": _yes(m["is_mobile"]), "region_code": m["region_id"],
    } for m in qs.values("name", "gender", "id_number_masked", "phone_masked", "status", "admitted_on", "full_on",
                         "workplace__name", "workplace__uscc", "relation_org__name", "relation_elsewhere",
                         "is_mobile", "region_id").iterator(chunk_size=5000)]
    return rows, MEMBER_COLUMNS


APPLICANT_COLUMNS: Columns = [
    ("name", "姓名"), ("gender", "性别"), ("id_number", "公民身份号码"), ("phone", "电话"), ("stage", "所处阶段"),
    ("workplace", "工作单位"), ("workplace_uscc", "工作单位统一社会信用代码"), ("branch", "培养党组织"),
    ("applied_on", "递交入党申请书日期"), ("talked_on", "谈话日期"), ("activist_on", "列为入党积极分子日期"),
    ("last_review_on", "最近一次考察日期"), ("candidate_on", "列为发展对象日期"), ("meeting_on", "支部大会讨论接收日期"),
    ("approved_on", "上级党委审批日期"), ("full_on", "转正日期"), ("ended_on", "终止日期"), ("end_reason", "终止原因"),
    ("region_code", "所在地区代码"),
]


def export_applicants(scope: Scope, region: str | None = None) -> tuple[list[dict[str, Any]], Columns]:
    """The people in the development pipeline; ID and phone numbers masked whatever the role."""
    from shuniu.development.models import Applicant, EndReason, Stage

    qs = _in_region(scope.filter(Applicant.objects.all()), scope, region).order_by("region_id", "stage", "name", "id")
    genders, stages, reasons = _labels(Gender), _labels(Stage), _labels(EndReason)
    fields = ("name", "gender", "id_number_masked", "phone_masked", "stage", "workplace__name", "workplace__uscc",
              "branch__name", "applied_on", "talked_on", "activist_on", "last_review_on", "candidate_on",
              "meeting_on", "approved_on", "full_on", "ended_on", "end_reason", "region_id")
    rows = [{
        **a, "gender": genders.get(a["gender"], ""), "id_number": a["id_number_masked"], "phone": a["phone_masked"],
        "stage": stages.get(a["stage"], ""), "workplace": a["workplace__name"], "workplace_uscc": a["workplace__uscc"] or "",
        "branch": a["branch__name"], "end_reason": reasons.get(a["end_reason"], ""), "region_code": a["region_id"],
    } for a in qs.values(*fields).iterator(chunk_size=5000)]
    return rows, APPLICANT_COLUMNS


INSTRUCTOR_COLUMNS: Columns = [
    ("name", "姓名"), ("kind", "类别"), ("phone", "电话"), ("employer", "工作单位"), ("capacity", "可联系组织数"),
    ("region_code", "所在地区代码"), ("orgs", "派驻组织"),
]


def export_instructors(scope: Scope, region: str | None = None) -> tuple[list[dict[str, Any]], Columns]:
    from shuniu.party.models import InstructorAssignment

    qs = _in_region(instructor_list(scope), scope, region).order_by("region_id", "name", "id")
    kinds = _labels(InstructorKind)
    rows = list(qs.values("id", "name", "kind", "phone_masked", "employer", "capacity", "region_id"))
    assigned: dict[int, list[str]] = {}
    ids = [r["id"] for r in rows]
    for start in range(0, len(ids), 900):
        for iid, org in (InstructorAssignment.objects.filter(instructor_id__in=ids[start:start + 900],
                                                              ended_on__isnull=True)
                         .order_by("org__name").values_list("instructor_id", "org__name")):
            assigned.setdefault(iid, []).append(org)
    return [{
        "name": r["name"], "kind": kinds.get(r["kind"], ""), "phone": r["phone_masked"], "employer": r["employer"],
        "capacity": r["capacity"], "region_code": r["region_id"], "orgs": "、".join(assigned.get(r["id"], [])),
    } for r in rows], INSTRUCTOR_COLUMNS


COVERAGE_COLUMNS: Columns = [
    ("region", "地区代码"), ("name", "地区"), ("population", "社会组织数"), ("own", "单独建立党组织"),
    ("joint", "联合党组织覆盖"), ("instructor", "指导员覆盖"), ("mass_org", "群团组织覆盖"), ("none", "未覆盖"),
    ("org_coverage_rate", "党的组织覆盖率"), ("work_coverage_rate", "党的工作覆盖率"),
    ("due_not_established", "应建未建"), ("party_orgs_total", "党组织数"), ("members_full", "正式党员"),
    ("members_probationary", "预备党员"),
]


def export_coverage(scope: Scope, region: str | None = None,
                    as_of: dt.date | None = None) -> tuple[list[dict[str, Any]], Columns, str]:
    """The statistics table as sent upward: one row per sub-region, then the totals row (合计),
    which is the region's own figures (so orgs placed directly at the region level are counted)."""
    rows = coverage_rows(scope, region, as_of=as_of)
    total, parts = rows[0], rows[1:]
    for r in rows:
        r["party_orgs_total"] = sum(r["party_orgs"].values())
    total = {**total, "region": total["region"], "name": _("合计")}
    name = rows[0]["name"]
    title = _("%(name)s社会组织党建工作统计表") % {"name": name}
    return [*parts, total], COVERAGE_COLUMNS, title


# The passes, with the import's column names (``imports.kinds.passes``) so that a file goes back in;
# the snapshot columns and 有效期至 are shown and ignored on import.
INSPECTION_COLUMNS: Columns = [
    ("org_name", "社会组织名称"), ("org", "统一社会信用代码"), ("year", "年检年度"), ("conclusion", "年检结论"),
    ("life_held", "按规定开展组织生活"), ("life_note", "组织生活情况"), ("dues_paid", "按时交纳党费"),
    ("charter_clause", "章程写入党建工作内容"), ("note", "备注"), ("coverage_status", "党组织覆盖状态（年检时）"),
    ("full_members", "专职人员中的正式党员（年检时）"), ("probationary_members", "专职人员中的预备党员（年检时）"),
]
EVALUATION_COLUMNS: Columns = [
    ("org_name", "社会组织名称"), ("org", "统一社会信用代码"), ("year", "评估年度"), ("grade", "评估等级"),
    ("decided_on", "评估结论日期"), ("valid_until", "有效期至"), ("document_number", "文号"), ("note", "备注"),
]


def _maybe(value: bool | None) -> str:
    return "" if value is None else _yes(value)


def export_inspections(scope: Scope, region: str | None = None) -> tuple[list[dict[str, Any]], Columns]:
    orgs = _in_region(org_list(scope), scope, region)
    conclusions = _labels(InspectionResult)
    cov = dict(SocialOrg._meta.get_field("coverage_status").choices or [])
    rows = []
    for r in (InspectionRecord.objects.filter(org__in=orgs.values("pk")).select_related("org")
              .order_by("org__name", "org_id", "-year").iterator(chunk_size=5000)):
        rows.append({
            "org_name": r.org.name, "org": r.org.uscc or "", "year": r.year,
            "conclusion": conclusions.get(r.conclusion, r.conclusion), "life_held": _maybe(r.life_held),
            "life_note": r.life_note, "dues_paid": _maybe(r.dues_paid), "charter_clause": _maybe(r.charter_clause),
            "note": r.note, "coverage_status": str(cov.get(r.coverage_status, r.coverage_status)),
            "full_members": r.full_members, "probationary_members": r.probationary_members,
        })
    return rows, INSPECTION_COLUMNS


def export_evaluations(scope: Scope, region: str | None = None) -> tuple[list[dict[str, Any]], Columns]:
    orgs = _in_region(org_list(scope), scope, region)
    rows = [{"org_name": r.org.name, "org": r.org.uscc or "", "year": r.year, "grade": r.grade,
             "decided_on": r.decided_on, "valid_until": r.valid_until, "document_number": r.document_number,
             "note": r.note}
            for r in (EvaluationRecord.objects.filter(org__in=orgs.values("pk")).select_related("org")
                      .order_by("org__name", "org_id", "-year").iterator(chunk_size=5000))]
    return rows, EVALUATION_COLUMNS


# Organizational life (rule LIFE): the compliance table of this year, live, and the party orgs behind it.
LIFE_COLUMNS: Columns = [
    ("region", "地区代码"), ("name", "地区"), ("orgs", "党组织数"), ("complete", "全部按时开展"),
    ("incomplete", "未全部开展"), ("idle", "连续三个月未开展"), ("expected", "应开展期次"), ("held", "已开展期次"),
    ("rate", "开展率"), ("general_meeting", "党员大会（已开展/应开展）"), ("committee_meeting", "支委会"),
    ("party_lecture", "党课"), ("theme_day", "主题党日"), ("life_meeting", "组织生活会"), ("member_review", "民主评议党员"),
    ("att_expected", "应出席人次"), ("att_present", "实出席人次"), ("attendance_rate", "出席率"),
    ("rev_excellent", "评议优秀"), ("rev_qualified", "评议合格"), ("rev_basic", "评议基本合格"),
    ("rev_unqualified", "评议不合格"),
]
LIFE_ORG_COLUMNS: Columns = [
    ("name", "党组织"), ("kind", "类别"), ("region", "所在地区代码"), ("is_complete", "全部按时开展"),
    ("is_idle", "连续三个月未开展"), ("expected", "应开展期次"), ("held", "已开展期次"), ("rate", "开展率"),
    *LIFE_COLUMNS[9:15], ("att_expected", "应出席人次"), ("att_present", "实出席人次"), ("attendance_rate", "出席率"),
]


def _life_kinds(row: dict[str, Any]) -> dict[str, Any]:
    """Each kind's cell: “held/expected”, blank when nothing was expected."""
    return {kind: f"{k['held']}/{k['expected']}" if k["expected"] else "" for kind, k in row["kinds"].items()}


def _life_rate(row: dict[str, Any]) -> dict[str, Any]:
    # A rate with nothing expected is no rate: a blank cell, not 0 %.
    return {name: row[name] if row[name] is not None else "" for name in ("rate", "attendance_rate")}


def export_life_compliance(scope: Scope, region: str | None = None) -> tuple[list[dict[str, Any]], Columns, str]:
    """The compliance table of this year as sent upward: one row per sub-region, then the totals row
    (合计), the region's own figures."""
    from shuniu.orglife.selectors import life_rows

    rows = [{**r, **_life_kinds(r), **_life_rate(r)} for r in life_rows(scope, region)]
    total, parts = rows[0], rows[1:]
    title = _("%(name)s组织生活开展情况统计表") % {"name": total["name"]}
    return [*parts, {**total, "name": _("合计")}], LIFE_COLUMNS, title


def export_life_orgs(scope: Scope, region: str | None = None) -> tuple[list[dict[str, Any]], Columns]:
    """The party orgs behind the table, most behind first, with their figures of this year."""
    from shuniu.orglife.selectors import life_orgs

    kinds = _labels(PartyOrgKind)
    rows = [{**r, **_life_kinds(r), **_life_rate(r), "kind": kinds.get(r["kind"], r["kind"]),
             "is_complete": _yes(r["is_complete"]), "is_idle": _yes(r["is_idle"])}
            for r in life_orgs(scope, region)]
    return rows, LIFE_ORG_COLUMNS


def region_name(code: str) -> str:
    return Region.objects.filter(code=code).values_list("name", flat=True).first() or code


def export_table(kind: str, scope: Scope, region: str | None = None) -> tuple[list[dict[str, Any]], Columns, str]:
    """Rows, columns and a title for ``shuniu export KIND`` and the pages' download buttons."""
    if kind == "coverage":
        return export_coverage(scope, region)
    if kind == "life_compliance":
        return export_life_compliance(scope, region)
    fn = {"orgs": export_orgs, "party_orgs": export_party_orgs, "members": export_members,
          "instructors": export_instructors, "inspections": export_inspections,
          "evaluations": export_evaluations, "applicants": export_applicants,
          "life_orgs": export_life_orgs}.get(kind)
    if fn is None:
        raise KeyError(kind)
    rows, columns = fn(scope, region)
    titles = {"orgs": _("社会组织"), "party_orgs": _("党组织"), "members": _("党员"), "instructors": _("党建工作指导员"),
              "inspections": _("年检（年报）"), "evaluations": _("等级评估"), "applicants": _("发展党员"),
              "life_orgs": _("组织生活开展情况（党组织）")}
    return rows, columns, titles[kind]

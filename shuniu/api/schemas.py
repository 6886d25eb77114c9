"""Request and response bodies, query parameters and the error shape of the REST API.

Inputs are checked here only for what the database cannot take (lengths, integer ranges, NUL
characters): every rule of the domain is checked by the services, which name it in their messages.
Lengths follow the model fields so that PostgreSQL never sees a value too long for its column.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Annotated, Any, Generic, Literal, TypeVar

from django.http import HttpRequest
from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Strict
from pydantic_core import PydanticCustomError

from shuniu.accounts.scopes import can_see_personal_data
from shuniu.coverage.rules import RULES
from shuniu.party.models import MAX_TERM_YEARS
from shuniu.registry.models import MAX_FULL_TIME_STAFF, CoverageStatus

T = TypeVar("T")

# Largest value of a bigint primary key (SQLite and PostgreSQL alike): a larger id is no id at all.
MAX_ID = 2**63 - 1
# Offsets past this are certainly beyond the last row; bounding them keeps the SQL integer in range.
MAX_OFFSET = 10**9


def _clean_text(value: str) -> str:
    # PostgreSQL refuses NUL in text and no database stores lone surrogates: reject both up front.
    if "\x00" in value:
        raise ValueError("不能包含 NUL 字符")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("须为有效的 UTF-8 文本") from exc
    return value


def _iso_date(value: Any) -> Any:
    # pydantic would also take 0 or "0" as 1970-01-01 (a Unix time): only YYYY-MM-DD is a date here.
    if isinstance(value, dt.date) or (isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)):
        return value
    raise PydanticCustomError("date_parsing", "not a YYYY-MM-DD date")


Text = Annotated[str, AfterValidator(_clean_text)]
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# In JSON bodies numbers and booleans must be JSON numbers and booleans, not "5" or "yes"
# (query strings are always text, so their parameters stay lax).
IdIn = Annotated[int, Strict(), Field(ge=1, le=MAX_ID)]
IntIn = Annotated[int, Strict()]
BoolIn = Annotated[bool, Strict()]


Text40 = Annotated[Text, Field(max_length=40)]
Text60 = Annotated[Text, Field(max_length=60)]
Text100 = Annotated[Text, Field(max_length=100)]
Text120 = Annotated[Text, Field(max_length=120)]
Text200 = Annotated[Text, Field(max_length=200)]
# USCC, ID and phone numbers before normalization (full-width characters, spaces, dashes).
Code = Text40
REGION_CODE_PATTERN = r"^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$"


def _region_code(value: str) -> str:
    if not re.fullmatch(REGION_CODE_PATTERN, value):
        raise PydanticCustomError("region", "地区代码“{code}”格式不正确（规则：2、4、6、9 或 12 位数字）", {"code": value})
    return value


# The pattern is declared in the schema (so clients and fuzzers know it) and checked by the
# validator, whose message is that of the services for the same mistake.
RegionCodeIn = Annotated[Text, AfterValidator(_region_code), Field(json_schema_extra={"pattern": REGION_CODE_PATTERN})]
Name200 = Text200

OrgTypeIn = Literal["social_group", "service_institution", "foundation", "community_org", "social_intermediary"]
RegistrationLevelIn = Literal["national", "province", "city", "county"]
if TYPE_CHECKING:
    CoverageStatusIn = str
else:
    CoverageStatusIn = Literal[tuple(CoverageStatus.values)]  # the values defined once, as an enum in the schema
PartyOrgKindIn = Literal["committee", "general_branch", "branch", "joint_branch", "temporary_branch",
                         "industry_committee", "comprehensive_committee"]
FormationIn = Literal["standalone", "joint", "industry", "regional"]
LevelIn = Literal["province", "city", "county", "street", "community"]


class InputSchema(Schema):
    # An unknown field is an error, not silently dropped: a misspelt field name would lose data.
    model_config = ConfigDict(extra="forbid")


# ---- errors and pages ---------------------------------------------------------------------------

class ErrorItem(Schema):
    field: str | None = Field(None, description="出错的字段；null 表示不属于某个字段")
    rule: str = Field(..., description="规则代码，例如 uscc、required、choice、permission、not_found")
    message: str = Field(..., description="错误说明（用户语言），写明所违反的规则")


class ErrorsOut(Schema):
    errors: list[ErrorItem]


ERRORS: dict[int, Any] = {400: ErrorsOut, 401: ErrorsOut, 403: ErrorsOut, 404: ErrorsOut, 422: ErrorsOut}
WRITE_ERRORS: dict[int, Any] = {**ERRORS, 409: ErrorsOut}


class Paging(Schema):
    limit: int = Field(50, ge=1, le=500, description="每页条数（1–500）")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="跳过的条数")


class Page(Schema, Generic[T]):
    count: int = Field(..., description="符合条件的总条数")
    limit: int
    offset: int
    items: list[T]


# ---- regions ------------------------------------------------------------------------------------

class RegionFilters(Paging):
    parent: RegionCodeIn | None = Field(None, description="上级区划代码：只列其直接下级")
    level: LevelIn | None = None
    q: Text100 | None = Field(None, description="名称包含")
    include_retired: bool = Field(False, description="包括已撤销的区划")


class RegionOut(Schema):
    code: str = Field(..., description="区划代码（短形式：2/4/6/9/12 位）")
    full_code: str = Field(..., description="12 位区划代码")
    name: str
    level: str
    parent_code: str | None
    retired_on: dt.date | None

    @staticmethod
    def resolve_parent_code(obj: Any) -> str | None:
        return obj.parent_id


# ---- social orgs --------------------------------------------------------------------------------

OrgOrdering = Literal["name", "-name", "established_on", "-established_on", "created_at", "-created_at",
                      "full_members", "-full_members", "id", "-id"]


class OrgFilters(Paging):
    q: Text100 | None = Field(None, description="名称或统一社会信用代码包含")
    region: RegionCodeIn | None = Field(None, description="地区代码：该地区及其下级")
    type: OrgTypeIn | None = None
    industry: Text40 | None = Field(None, description="行业代码")
    hub: Id | None = Field(None, description="枢纽型社会组织编号")
    coverage_status: CoverageStatusIn | None = None
    grade: Literal["1A", "2A", "3A", "4A", "5A"] | None = Field(None, description="评估等级")
    # Active orgs unless asked otherwise, as in the web list and the figures that link to it.
    status: Literal["active", "deregistered", "all"] = Field("active", description="状态：active 正常（默认）、deregistered 已注销、all 全部")
    ordering: OrgOrdering = "name"


class OrgOut(Schema):
    id: int
    name: str
    uscc: str | None
    type: str
    region_code: str
    region_name: str
    registration_level: str
    industry: str | None = Field(None, description="行业代码")
    hub_id: int | None
    status: str
    coverage_status: CoverageStatusIn = Field(..., description="覆盖状态")
    established_on: dt.date | None
    full_time_staff: int
    full_members: int = Field(..., description="专职人员中的正式党员")
    evaluation_grade: str
    evaluation_year: int | None

    @staticmethod
    def resolve_region_code(obj: Any) -> str:
        return str(obj.region_id)

    @staticmethod
    def resolve_region_name(obj: Any) -> str:
        return str(obj.region.name)

    @staticmethod
    def resolve_industry(obj: Any) -> str | None:
        return obj.industry_id


class CoverageLinkOut(Schema):
    id: int
    party_org_id: int
    party_org_name: str
    org_id: int
    org_name: str
    started_on: dt.date
    ended_on: dt.date | None

    @staticmethod
    def resolve_party_org_name(obj: Any) -> str:
        return str(obj.party_org.name)

    @staticmethod
    def resolve_org_name(obj: Any) -> str:
        return str(obj.org.name)


def _scope(context: Any) -> Any:
    from shuniu.api.auth import scope_of

    return scope_of(context["request"])


class BodyOut(Schema):
    id: int | None = Field(..., description="党组织编号；不在调用者管辖范围内时为 null")
    name: str | None = Field(..., description="党组织名称；不在调用者管辖范围内时为 null")
    how: Literal["override", "supervisory", "industry", "comprehensive", "street"] = Field(
        ..., description="确定方式：override 指定、supervisory 业务主管单位党组织、industry 行业党委、"
                         "comprehensive 登记管理机关所在地综合党委、street 街道党工委（社区社会组织）")


class OrgDetail(OrgOut):
    registration_authority: str = Field(
        ..., description="登记管理部门（由统一社会信用代码第 1 位得出）：civil_affairs / justice / market_regulation / other")
    registration_region_code: str
    supervisory_unit: str | None
    hub_name: str | None
    deregistered_on: dt.date | None
    has_trade_union: bool
    trade_union_on: dt.date | None
    has_youth_league: bool
    youth_league_on: dt.date | None
    members_on_staff: int = Field(..., description="专职人员中的党员（含预备党员）")
    coverages: list[CoverageLinkOut] = Field(..., description="当前覆盖本组织的党组织")
    responsible_body: BodyOut | None = Field(
        ..., description="党建工作责任主体（规则 RESPONSIBLE_BODY，《意见》第六条）；未能确定时为 null")
    warnings: list[str] = Field(default_factory=list,
                                description="保存成功但须核对的提示（如同一县区内重名，规则 DUPLICATE_NAME）；仅登记和修改的响应中有")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_warnings(obj: Any) -> list[str]:
        return list(getattr(obj, "warnings", None) or [])

    @staticmethod
    def resolve_registration_region_code(obj: Any) -> str:
        return str(obj.registration_region_id)

    @staticmethod
    def resolve_supervisory_unit(obj: Any) -> str | None:
        return obj.supervisory_unit.name if obj.supervisory_unit_id else None

    @staticmethod
    def resolve_hub_name(obj: Any) -> str | None:
        return obj.hub.name if obj.hub_id else None

    @staticmethod
    def resolve_responsible_body(obj: Any, context: Any) -> dict[str, Any] | None:
        from shuniu.party.bodies import responsible_body
        from shuniu.party.models import PartyOrg

        body = responsible_body(obj.pk)
        if body is None:
            return None
        # Named only inside the caller's scope, as everywhere else.
        seen = _scope(context).filter(PartyOrg.objects.filter(pk=body.party_org.pk)).exists()
        return {"id": body.party_org.pk if seen else None, "name": body.party_org.name if seen else None,
                "how": body.how}

    @staticmethod
    def resolve_coverages(obj: Any, context: Any) -> list[Any]:
        from shuniu.party.models import PartyOrgCoverage

        # ``obj`` was found through the caller's scope, so every link of it is too (scope.filter
        # would only repeat that test); only the columns the schema shows are read.
        links = list(PartyOrgCoverage.objects.filter(org=obj, ended_on__isnull=True).select_related("party_org")
                     .only("id", "org_id", "started_on", "ended_on", "party_org__name").order_by("started_on", "id"))
        for link in links:
            link.org = obj
        return links


class OrgIn(InputSchema):
    name: Name200 = Field(..., examples=["钟楼区社区服务协会"])
    uscc: Code | None = Field(None, description="统一社会信用代码（GB 32100-2015）；仅社区社会组织可空",
                              examples=["51320404MJ00000019"])
    type: OrgTypeIn
    region_code: RegionCodeIn = Field(..., description="所在地区代码（2–12 位）", examples=["320404006"])
    registration_level: RegistrationLevelIn = "county"
    registration_region_code: RegionCodeIn | None = None
    supervisory_unit: Text120 | None = Field(None, description="业务主管单位名称")
    industry: Text60 | None = Field(None, description="行业代码或名称")
    hub: IdIn | None = Field(None, description="所属枢纽编号")
    full_time_staff: IntIn | None = Field(None, ge=0, le=MAX_FULL_TIME_STAFF)
    established_on: IsoDate | None = None
    has_trade_union: BoolIn | None = None
    trade_union_on: IsoDate | None = None
    has_youth_league: BoolIn | None = None
    youth_league_on: IsoDate | None = None


class OrgPatch(InputSchema):
    """Only the fields given are changed; ``null`` clears an optional field."""

    name: Name200 | None = None
    uscc: Code | None = None
    type: OrgTypeIn | None = None
    region_code: RegionCodeIn | None = None
    registration_level: RegistrationLevelIn | None = None
    supervisory_unit: Text120 | None = None
    industry: Text60 | None = None
    hub: IdIn | None = Field(None, description="所属枢纽编号；null 解除联系")
    full_time_staff: IntIn | None = Field(None, ge=0, le=MAX_FULL_TIME_STAFF)
    established_on: IsoDate | None = None
    has_trade_union: BoolIn | None = None
    trade_union_on: IsoDate | None = None
    has_youth_league: BoolIn | None = None
    youth_league_on: IsoDate | None = None


# ---- party orgs ---------------------------------------------------------------------------------

class PartyOrgFilters(Paging):
    q: Text100 | None = Field(None, description="名称包含")
    region: RegionCodeIn | None = Field(None, description="地区代码：该地区及其下级")
    kind: PartyOrgKindIn | None = None
    formation: FormationIn | None = None
    superior: Id | None = Field(None, description="上级党组织编号：只列其直接下级")
    dissolved: bool | None = Field(None, description="true 只列已撤销的，false 只列现有的")
    ordering: Literal["path", "name", "-name", "established_on", "-established_on", "id", "-id"] = "path"


class PartyOrgOut(Schema):
    id: int
    name: str
    kind: str
    formation: str
    superior_id: int | None
    region_code: str
    established_on: dt.date
    term_started_on: dt.date | None
    term_years: int | None = Field(..., description="任期年数；临时党支部不设任期，为 null")
    secretary_id: int | None
    dissolved_on: dt.date | None

    @staticmethod
    def resolve_region_code(obj: Any) -> str:
        return str(obj.region_id)


def _party_totals(obj: Any, context: Any) -> Any:
    """The rolled-up totals of a party org (shuniu.party.selectors.party_org_totals), asked once
    for both fields."""
    from shuniu.party.selectors import party_org_totals

    key = "_party_totals"
    cached = context.setdefault(key, {})
    if obj.pk not in cached:
        cached[obj.pk] = party_org_totals(_scope(context), [obj])[obj.pk]
    return cached[obj.pk]


class PartyOrgDetail(PartyOrgOut):
    path: str = Field(..., description="物化路径 /上级编号/…/本编号/")
    dissolved_reason: str
    members: int = Field(..., description="组织关系在本党组织的现有党员数（管辖范围内）")
    coverages: list[CoverageLinkOut] = Field(..., description="本党组织当前覆盖的社会组织（管辖范围内）")
    members_total: int = Field(..., description="组织关系在本党组织及其全部下级党组织的现有党员数（管辖范围内）")
    covered_orgs_total: int = Field(
        ..., description="本党组织及其全部下级党组织当前覆盖的正常登记社会组织数，每个组织计一次（管辖范围内）")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_members_total(obj: Any, context: Any) -> int:
        return _party_totals(obj, context).members

    @staticmethod
    def resolve_covered_orgs_total(obj: Any, context: Any) -> int:
        return _party_totals(obj, context).covered_orgs

    @staticmethod
    def resolve_members(obj: Any, context: Any) -> int:
        from shuniu.party.models import PartyMember

        return int(_scope(context).filter(
            PartyMember.objects.filter(relation_org=obj, ended_on__isnull=True)).count())

    @staticmethod
    def resolve_coverages(obj: Any, context: Any) -> list[Any]:
        from shuniu.party.models import PartyOrgCoverage

        links = (PartyOrgCoverage.objects.filter(party_org=obj, ended_on__isnull=True)
                 .select_related("party_org", "org"))
        return list(_scope(context).filter(links))


class PartyOrgIn(InputSchema):
    name: Name200 = Field(..., examples=["钟楼区社区服务协会党支部"])
    kind: PartyOrgKindIn
    established_on: IsoDate = Field(..., examples=["2021-07-01"])
    region_code: RegionCodeIn | None = Field(
        None, description="所在地区代码；缺省时取第一个覆盖组织或上级党组织的地区", examples=["320404006"])
    formation: FormationIn | None = Field(None, description="缺省时按类别推定")
    superior: IdIn | None = Field(None, description="上级党组织编号")
    term_started_on: IsoDate | None = None
    term_years: IntIn | None = Field(None, ge=1, le=MAX_TERM_YEARS,
                                     description="任期年数（规则 TERM：1 至 5 年；临时党支部不设任期，不填）")
    covers: list[IdIn] = Field(default_factory=list, max_length=1000, description="自成立之日起覆盖的社会组织编号")
    industry: Text60 | None = Field(None, description="行业党委所属行业：行业代码或名称（确定党建工作责任主体）")
    supervisory_unit: Text120 | None = Field(
        None, description="本党组织为某业务主管单位的党组织时，该单位名称（确定党建工作责任主体）")


class CoverageIn(InputSchema):
    org: IdIn = Field(..., description="社会组织编号")
    started_on: IsoDate


# ---- members ------------------------------------------------------------------------------------

class MemberFilters(Paging):
    q: Text60 | None = Field(None, description="姓名包含")
    id_number: Code | None = Field(None, description="按公民身份号码精确查找（仅限可查看个人信息的角色）")
    region: RegionCodeIn | None = Field(None, description="地区代码：该地区及其下级")
    status: Literal["full", "probationary"] | None = None
    gender: Literal["male", "female"] | None = None
    workplace: Id | None = Field(None, description="工作单位（社会组织）编号")
    relation_org: Id | None = Field(None, description="组织关系所在党组织编号")
    is_mobile: bool | None = None
    ordering: Literal["name", "-name", "admitted_on", "-admitted_on", "id", "-id"] = "name"


class MemberOut(Schema):
    """A member in a list: ID and phone numbers are always masked here, whatever the role."""

    id: int
    name: str
    gender: str
    status: str
    id_number_masked: str
    phone_masked: str
    admitted_on: dt.date | None
    full_on: dt.date | None
    workplace_id: int | None
    workplace_name: str | None
    relation_org_id: int | None
    relation_org_name: str | None
    relation_elsewhere: str
    is_mobile: bool
    region_code: str

    @staticmethod
    def resolve_workplace_name(obj: Any) -> str | None:
        return obj.workplace.name if obj.workplace_id else None

    @staticmethod
    def resolve_relation_org_name(obj: Any) -> str | None:
        return obj.relation_org.name if obj.relation_org_id else None

    @staticmethod
    def resolve_region_code(obj: Any) -> str:
        return str(obj.region_id)


def _personal(context: Any) -> bool:
    request: HttpRequest = context["request"]
    return can_see_personal_data(getattr(request, "auth", None))


class MemberDetail(MemberOut):
    """A member's detail: full ID, phone number and birth date only for roles with the right."""

    id_number: str | None = Field(..., description="完整公民身份号码；无权查看时为 null")
    phone: str | None = Field(..., description="完整电话号码；无权查看时为 null")
    birth_date: dt.date | None = Field(..., description="出生日期；无权查看时为 null")
    ended_on: dt.date | None
    end_reason: str = Field(..., description="减少原因分类：transferred_out 转出、died 死亡、left_party 出党、stopped 停止党籍、"
                                             "removed 除名、other 其他；未减少时为空")
    end_note: str = Field(..., description="减少原因说明")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_id_number(obj: Any, context: Any) -> str | None:
        return obj.id_number if _personal(context) else None

    @staticmethod
    def resolve_phone(obj: Any, context: Any) -> str | None:
        return obj.phone if _personal(context) else None

    @staticmethod
    def resolve_birth_date(obj: Any, context: Any) -> dt.date | None:
        # The birth date is in the ID number, which the mask hides: it is personal data too.
        return obj.birth_date if _personal(context) else None


class MemberIn(InputSchema):
    name: Text60 = Field(..., examples=["张三"])
    gender: Literal["male", "female"]
    status: Literal["full", "probationary"]
    id_number: Code | None = Field(None, description="公民身份号码（GB 11643-1999）", examples=["320404198501020017"])
    phone: Code | None = Field(None, examples=["13900000001"])
    birth_date: IsoDate | None = Field(None, description="缺省时取自公民身份号码")
    admitted_on: IsoDate | None = None
    full_on: IsoDate | None = None
    workplace: IdIn | None = Field(None, description="工作单位（社会组织）编号")
    relation_org: IdIn | None = Field(None, description="组织关系所在党组织编号")
    relation_elsewhere: Text200 | None = Field(None, description="组织关系在外时，所在党组织名称")
    is_mobile: BoolIn | None = None
    region_code: RegionCodeIn | None = Field(None, description="所在地区；缺省时取工作单位或党组织的地区",
                                             examples=["320404006"])


EndReasonIn = Literal["transferred_out", "died", "left_party", "stopped", "removed", "other"]


class MemberEndIn(InputSchema):
    ended_on: IsoDate = Field(..., description="减少日期", examples=["2024-03-01"])
    reason: EndReasonIn = Field(..., description="减少原因分类：transferred_out 转出、died 死亡、left_party 出党、stopped 停止党籍、"
                                                 "removed 除名、other 其他（须填 note）")
    note: Text200 | None = Field(None, description="减少原因说明")


# ---- instructors --------------------------------------------------------------------------------

class InstructorFilters(Paging):
    q: Text60 | None = Field(None, description="姓名包含")
    region: RegionCodeIn | None = Field(None, description="地区代码：该地区及其下级")
    kind: Literal["instructor", "liaison"] | None = None
    ordering: Literal["name", "-name", "id", "-id"] = "name"


class AssignmentOut(Schema):
    id: int
    org_id: int
    org_name: str
    started_on: dt.date
    ended_on: dt.date | None

    @staticmethod
    def resolve_org_name(obj: Any) -> str:
        return str(obj.org.name)


class InstructorOut(Schema):
    id: int
    name: str
    kind: str
    phone_masked: str
    employer: str
    capacity: int
    region_code: str
    ended_on: dt.date | None

    @staticmethod
    def resolve_region_code(obj: Any) -> str:
        return str(obj.region_id)


class InstructorDetail(InstructorOut):
    phone: str | None = Field(..., description="完整电话号码；无权查看时为 null")
    assignments: list[AssignmentOut] = Field(..., description="当前派驻的社会组织（管辖范围内）")

    @staticmethod
    def resolve_phone(obj: Any, context: Any) -> str | None:
        from shuniu.core import crypto

        return crypto.decrypt(obj.phone_encrypted) if _personal(context) else None

    @staticmethod
    def resolve_assignments(obj: Any, context: Any) -> list[Any]:
        from shuniu.party.models import InstructorAssignment

        links = InstructorAssignment.objects.filter(instructor=obj, ended_on__isnull=True).select_related("org")
        return list(_scope(context).filter(links))


# ---- coverage and findings ----------------------------------------------------------------------

ByIn = Literal["level", "type", "industry", "hub", "supervisory", "registration"]


class CoverageQuery(Paging):
    region: RegionCodeIn | None = Field(None, description="地区代码；缺省为本人管辖地区（管理员为全国）")
    by: ByIn = Field("level", description="level：本地区及直接下级；其余：按该维度分组")
    as_of: IsoDate | None = Field(None, description="统计日期（按历史记录重新计算）；缺省为当前")
    limit: int = Field(100, ge=1, le=500)


class CoverageRow(Schema):
    """One row as ``shuniu coverage --json`` prints it: ``level`` for by=level, ``key`` otherwise."""

    region: str
    name: str
    level: str | None = None
    key: str | None = None
    population: int
    own: int
    joint: int
    instructor: int
    mass_org: int
    none: int
    org_coverage_rate: float
    work_coverage_rate: float
    due_not_established: int
    party_orgs: dict[str, int]
    members_full: int
    members_probationary: int
    staff: int
    staff_members: int
    members_per_staff: float


if TYPE_CHECKING:
    RuleId = str
else:
    RuleId = Literal[tuple(RULES)]  # the rule ids, as an enum in the schema


class FindingQuery(Paging):
    region: RegionCodeIn | None = Field(None, description="地区代码：该地区及其下级")
    rule: list[RuleId] | None = Field(
        None, description="只检查这些规则（可重复）；缺省为已启用的全部规则")


class FindingOut(Schema):
    rule_id: str
    subject_type: str = Field(..., description="org、party_org 或 member（既无工作单位也无组织关系所在党组织的党员）")
    subject_id: int
    subject_name: str
    region: str
    message: str
    source: str = Field(..., description="政策依据")

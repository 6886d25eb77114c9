from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuniu.core import crypto
from shuniu.core.models import Timestamped
from shuniu.core.scoping import ScopeBinding, Through
from shuniu.regions.models import InRegion
from shuniu.registry.models import Industry, SocialOrg, SupervisoryUnit


class PartyOrgKind(models.TextChoices):
    COMMITTEE = "committee", _("党委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    JOINT_BRANCH = "joint_branch", _("联合党支部")
    TEMPORARY_BRANCH = "temporary_branch", _("临时党支部")
    INDUSTRY_COMMITTEE = "industry_committee", _("行业党委")
    COMPREHENSIVE_COMMITTEE = "comprehensive_committee", _("综合党委")


class Formation(models.TextChoices):
    STANDALONE = "standalone", _("单独组建")
    JOINT = "joint", _("联合组建")
    INDUSTRY = "industry", _("按行业组建")
    REGIONAL = "regional", _("按区域组建")


_BRANCH_SUPERIORS = frozenset({PartyOrgKind.COMMITTEE, PartyOrgKind.GENERAL_BRANCH, PartyOrgKind.INDUSTRY_COMMITTEE,
                               PartyOrgKind.COMPREHENSIVE_COMMITTEE})
_COMMITTEES = frozenset({PartyOrgKind.COMMITTEE, PartyOrgKind.INDUSTRY_COMMITTEE, PartyOrgKind.COMPREHENSIVE_COMMITTEE})
# Which kinds may sit directly under which (rule NESTING). A branch of any kind is set up under a
# committee or a general branch, never under another branch; a general branch under a committee;
# a grassroots committee under a committee (a second-level committee of a large org) or an industry
# or comprehensive committee; an industry committee under an industry or comprehensive committee;
# a comprehensive committee under a comprehensive committee (a district's under the city's). Any
# kind may have no superior recorded: its superior (a street working committee, a city's social
# work department) may lie outside the registry.
ALLOWED_SUPERIOR_KINDS: dict[str, frozenset[str]] = {
    PartyOrgKind.BRANCH: _BRANCH_SUPERIORS,
    PartyOrgKind.JOINT_BRANCH: _BRANCH_SUPERIORS,
    PartyOrgKind.TEMPORARY_BRANCH: _BRANCH_SUPERIORS,
    PartyOrgKind.GENERAL_BRANCH: _COMMITTEES,
    PartyOrgKind.COMMITTEE: _COMMITTEES,
    PartyOrgKind.INDUSTRY_COMMITTEE: frozenset({PartyOrgKind.INDUSTRY_COMMITTEE, PartyOrgKind.COMPREHENSIVE_COMMITTEE}),
    PartyOrgKind.COMPREHENSIVE_COMMITTEE: frozenset({PartyOrgKind.COMPREHENSIVE_COMMITTEE}),
}
NESTING_SOURCE = "党章第三十条；《中国共产党支部工作条例（试行）》第二章（第五条）"


# The dates and numbers of the member and term rules, each with its source.
PARTY_FOUNDED = dt.date(1921, 7, 1)  # the founding of the Communist Party of China (as commemorated)
MIN_APPLICATION_AGE = 18  # 党章第一条: 年满十八岁 may apply; admission comes after the application
PROBATION_YEARS = 1  # 党章第七条: 预备期为一年
PROBATION_MAX_EXTENSION_YEARS = 1  # 党章第七条: 延长预备期不能超过一年
MAX_TERM_YEARS = 5  # 党章第三十一条: 基层委员会每届任期三年至五年; 总支、支部 3 年


# Default term length in years by kind (DOMAIN.md rule TERM: committee 5, general branch and branch 3).
# A temporary branch (临时党支部) has none: it is appointed by the party org that sets it up, elects no
# committee and ends with its task (DOMAIN.md §6 D; 《中国共产党支部工作条例（试行）》), so its
# ``term_years`` is None and no TERM alert concerns it.
DEFAULT_TERM_YEARS: dict[str, int] = {
    PartyOrgKind.COMMITTEE: 5,
    PartyOrgKind.INDUSTRY_COMMITTEE: 5,
    PartyOrgKind.COMPREHENSIVE_COMMITTEE: 5,
    PartyOrgKind.GENERAL_BRANCH: 3,
    PartyOrgKind.BRANCH: 3,
    PartyOrgKind.JOINT_BRANCH: 3,
}
# The kinds without an elected term.
NO_TERM_KINDS = frozenset({PartyOrgKind.TEMPORARY_BRANCH})


class PartyOrg(InRegion, Timestamped):
    name = models.CharField(_("名称"), max_length=200, db_index=True)
    kind = models.CharField(_("类别"), max_length=24, choices=PartyOrgKind.choices, db_index=True)
    formation = models.CharField(_("组建方式"), max_length=12, choices=Formation.choices)
    superior = models.ForeignKey(
        "self", verbose_name=_("上级党组织"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialized path "/1/7/42/" so that a party-org subtree is one indexed prefix match.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    established_on = models.DateField(_("成立日期"))
    term_started_on = models.DateField(_("本届任期开始"), null=True, blank=True)
    # None for a kind without an elected term (``NO_TERM_KINDS``: a temporary branch).
    term_years = models.PositiveSmallIntegerField(_("任期（年）"), null=True, blank=True)
    secretary = models.ForeignKey(
        "PartyMember", verbose_name=_("书记"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)
    dissolved_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)
    # The lines of the responsible party body (shuniu.party.bodies): an industry committee's industry,
    # and the government unit whose party org this is (e.g. 市司法局机关党委 for 市司法局).
    industry = models.ForeignKey(Industry, verbose_name=_("行业"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    supervisory_unit = models.ForeignKey(
        SupervisoryUnit, verbose_name=_("所在业务主管单位"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    is_demo = models.BooleanField(_("演示数据"), default=False)

    # Hub and instructor scopes see the party orgs covering their orgs now.
    scope_binding = ScopeBinding(region="", party_org="", org=Through("coverages", "org"))

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(dissolved_on__isnull=True) | Q(dissolved_on__gte=models.F("established_on")),
                name="party_org_dissolved_after_established",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.dissolved_on is None

    @property
    def is_own(self) -> bool:
        """Whether an org covered by this party org has its own party org (coverage status "own"):
        the form for one object of ``own_party_q`` (a test keeps them equal)."""
        return self.formation == Formation.STANDALONE and self.kind != PartyOrgKind.JOINT_BRANCH


def own_party_q(prefix: str = "") -> Q:
    """The party orgs that give the orgs they cover a party org of their own (DOMAIN.md §4 status
    "own": set up standalone, any kind but a joint branch); ``prefix`` reaches them from another
    model ("party_org__" from a coverage link). The coverage engine and the rule OWN_UNIQUE read it."""
    return Q(**{f"{prefix}formation": Formation.STANDALONE}) & ~Q(**{f"{prefix}kind": PartyOrgKind.JOINT_BRANCH})


class PartyOrgCoverage(Timestamped):
    """A social org covered by a party org, with dates: "own" for standalone, "joint" otherwise."""

    party_org = models.ForeignKey(
        PartyOrg, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="coverages"
    )
    org = models.ForeignKey(
        SocialOrg, verbose_name=_("社会组织"), on_delete=models.PROTECT, related_name="party_coverages"
    )
    started_on = models.DateField(_("起始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=200, blank=True)

    scope_binding = ScopeBinding(region="org", org="org")

    class Meta:
        verbose_name = _("党组织覆盖")
        verbose_name_plural = _("党组织覆盖")
        ordering = ["-started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["party_org", "org"], condition=Q(ended_on__isnull=True), name="coverage_one_open_per_pair"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="coverage_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.party_org} → {self.org}"


class BodyOverride(Timestamped):
    """An org's responsible party body (党建工作责任主体) set by hand, in place of the one the lines
    resolve (``shuniu.party.bodies``): e.g. an org whose supervisory unit's party org has handed it
    to a district committee by agreement."""

    org = models.OneToOneField(SocialOrg, verbose_name=_("社会组织"), on_delete=models.PROTECT,
                               related_name="body_override")
    party_org = models.ForeignKey(PartyOrg, verbose_name=_("党建工作责任主体"), on_delete=models.PROTECT,
                                  related_name="+")
    reason = models.CharField(_("原因"), max_length=200)
    set_on = models.DateField(_("指定日期"))

    scope_binding = ScopeBinding(region="org", org="org")

    class Meta:
        verbose_name = _("指定党建工作责任主体")
        verbose_name_plural = _("指定党建工作责任主体")
        ordering = ["-set_on"]

    def __str__(self) -> str:
        return f"{self.org} → {self.party_org}"


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class MemberStatus(models.TextChoices):
    FULL = "full", _("正式党员")
    PROBATIONARY = "probationary", _("预备党员")


class EndReason(models.TextChoices):
    """Why a member left the roster: the decrease categories of the annual statistics (DOMAIN §6 J)."""

    TRANSFERRED_OUT = "transferred_out", _("转出")
    DIED = "died", _("死亡")
    LEFT_PARTY = "left_party", _("出党")
    STOPPED = "stopped", _("停止党籍")
    REMOVED = "removed", _("除名")
    OTHER = "other", _("其他")


class PartyMember(InRegion, Timestamped):
    """A party member. The region is that of the workplace, else that of the relation-holding org."""

    name = models.CharField(_("姓名"), max_length=60, db_index=True)
    gender = models.CharField(_("性别"), max_length=6, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    # Personal data: encrypted at rest (AES-GCM), found by a keyed hash, shown masked.
    id_number_encrypted = models.TextField(_("公民身份号码（密文）"), blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_number_masked = models.CharField(_("公民身份号码"), max_length=18, blank=True, editable=False)
    phone_encrypted = models.TextField(_("电话（密文）"), blank=True, editable=False)
    phone_masked = models.CharField(_("电话"), max_length=20, blank=True, editable=False)
    status = models.CharField(_("党员状态"), max_length=14, choices=MemberStatus.choices, db_index=True)
    admitted_on = models.DateField(_("入党日期（接收为预备党员）"), null=True, blank=True)
    full_on = models.DateField(_("转正日期"), null=True, blank=True)
    workplace = models.ForeignKey(
        SocialOrg, verbose_name=_("工作单位"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="staff_members",
    )
    relation_org = models.ForeignKey(
        PartyOrg, verbose_name=_("组织关系所在党组织"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="members",
    )
    relation_elsewhere = models.CharField(_("组织关系在外（党组织名称）"), max_length=200, blank=True)
    is_mobile = models.BooleanField(_("流动党员"), default=False)
    ended_on = models.DateField(_("减少日期"), null=True, blank=True)
    end_reason = models.CharField(_("减少原因"), max_length=16, choices=EndReason.choices, blank=True)
    end_note = models.CharField(_("减少原因说明"), max_length=200, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    # A party scope holds the members whose relation is in its subtree; hub and instructor scopes
    # the members working in their orgs.
    scope_binding = ScopeBinding(region="", org="workplace", party_org="relation_org")

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_hash"], condition=~Q(id_number_hash=""), name="member_unique_id_number"
            ),
            models.CheckConstraint(
                condition=Q(relation_org__isnull=True) | Q(relation_elsewhere=""),
                name="member_relation_here_or_elsewhere",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True, end_reason="")
                | Q(ended_on__isnull=False, end_reason__in=EndReason.values),
                name="member_end_reason_is_a_category",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number(self) -> str:
        """The full ID number; only for roles allowed to see it."""
        return crypto.decrypt(self.id_number_encrypted)

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_encrypted)


class RelationChange(models.Model):
    """One move of a member's organizational relation (组织关系), dated: the history that answers
    where the relation was on any day (``shuniu.party.relations``). A transfer's receipt, a letter
    sent out of the system, a letter received from outside, a correction on the member's record:
    each writes one row; the member row holds the relation of today. A move takes effect on ``on``:
    the day before, the relation is still ``from``."""

    member = models.ForeignKey(PartyMember, verbose_name=_("党员"), on_delete=models.PROTECT,
                               related_name="relation_changes")
    on = models.DateField(_("变动日期"))
    from_org = models.ForeignKey(PartyOrg, verbose_name=_("原党组织"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    from_elsewhere = models.CharField(_("原组织关系（系统外）"), max_length=200, blank=True)
    to_org = models.ForeignKey(PartyOrg, verbose_name=_("现党组织"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    to_elsewhere = models.CharField(_("现组织关系（系统外）"), max_length=200, blank=True)
    reason = models.CharField(_("变动原因"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    scope_binding = ScopeBinding(region="member", org="member__workplace",
                                 party_org=("member__relation_org", "from_org", "to_org"))

    class Meta:
        verbose_name = _("组织关系变动")
        verbose_name_plural = _("组织关系变动")
        ordering = ["on", "id"]
        indexes = [models.Index(fields=["member", "on"], name="relation_change_member_on")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.on}"


class Participation(Timestamped):
    """一方隶属、参加多重组织生活: org life in a party org that does not hold the relation."""

    member = models.ForeignKey(PartyMember, on_delete=models.PROTECT, related_name="participations")
    party_org = models.ForeignKey(PartyOrg, on_delete=models.PROTECT, related_name="participants")
    started_on = models.DateField(_("起始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)

    scope_binding = ScopeBinding(region="party_org", party_org="party_org")

    class Meta:
        verbose_name = _("参加组织生活")
        verbose_name_plural = _("参加组织生活")
        ordering = ["-started_on"]

    def __str__(self) -> str:
        return f"{self.member} @ {self.party_org}"


class InstructorKind(models.TextChoices):
    INSTRUCTOR = "instructor", _("党建工作指导员")
    LIAISON = "liaison", _("党建联络员")


class Instructor(InRegion, Timestamped):
    name = models.CharField(_("姓名"), max_length=60)
    kind = models.CharField(_("类别"), max_length=12, choices=InstructorKind.choices)
    phone_encrypted = models.TextField(blank=True, editable=False)
    phone_masked = models.CharField(_("电话"), max_length=20, blank=True, editable=False)
    employer = models.CharField(_("工作单位"), max_length=200, blank=True)
    capacity = models.PositiveSmallIntegerField(_("可联系组织数"), default=5)
    ended_on = models.DateField(_("离任日期"), null=True, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    scope_binding = ScopeBinding(region="", instructor="", org=Through("assignments", "org"))

    class Meta:
        verbose_name = _("党建工作指导员")
        verbose_name_plural = _("党建工作指导员")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class InstructorAssignment(Timestamped):
    instructor = models.ForeignKey(Instructor, on_delete=models.PROTECT, related_name="assignments")
    org = models.ForeignKey(SocialOrg, on_delete=models.PROTECT, related_name="instructor_assignments")
    started_on = models.DateField(_("起始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)

    scope_binding = ScopeBinding(region="org", org="org")

    class Meta:
        verbose_name = _("指导员派驻")
        verbose_name_plural = _("指导员派驻")
        ordering = ["-started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["instructor", "org"], condition=Q(ended_on__isnull=True), name="assignment_one_open_per_pair"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instructor} → {self.org}"

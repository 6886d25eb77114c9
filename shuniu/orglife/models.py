"""Organizational life (组织生活, rule LIFE; DOMAIN.md §6 F): meetings, attendance, member reviews,
and the stored compliance figures kept in step with them.

* ``Meeting``: one record of a party org's meeting (组织生活记录). One meeting may be several kinds
  at once (a theme day held with a general meeting counts for both): ``kinds`` is a bit set of
  ``MeetingKind`` (``KIND_BITS``), which both databases test with one ``&``.
* ``Attendance``: one row per member expected at the meeting, present or absent with a reason: the
  members whose relation the org held that day and the members taking part in its org life
  (``party.Participation``); invited non-members are names on the meeting (``invitees``).
* ``ReviewResult``: a member's result in the yearly member review (民主评议党员) and the follow-up
  of a 不合格 result.
* ``LifeTally`` (per party org and year) and ``LifeRollup`` (per dimension, key, region and year):
  the compliance figures, stored and kept by the services (``shuniu.orglife.compliance``); a rebuild
  recomputes them from the meetings and must give identical numbers.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuniu.core.models import Timestamped
from shuniu.core.scoping import ScopeBinding
from shuniu.party.models import PartyMember, PartyOrg


class MeetingKind(models.TextChoices):
    GENERAL_MEETING = "general_meeting", _("支部党员大会")
    COMMITTEE_MEETING = "committee_meeting", _("支委会")
    GROUP_MEETING = "group_meeting", _("党小组会")
    PARTY_LECTURE = "party_lecture", _("党课")
    THEME_DAY = "theme_day", _("主题党日")
    LIFE_MEETING = "life_meeting", _("组织生活会")
    MEMBER_REVIEW = "member_review", _("民主评议党员")


KINDS: list[str] = list(MeetingKind.values)
# Each kind's bit in ``Meeting.kinds``; the order is fixed by the stored data: append, never reorder.
KIND_BITS: dict[str, int] = {kind: 1 << i for i, kind in enumerate(KINDS)}


def kinds_bits(kinds: list[str] | tuple[str, ...] | set[str]) -> int:
    bits = 0
    for kind in kinds:
        bits |= KIND_BITS[kind]
    return bits


def bits_kinds(bits: int) -> list[str]:
    return [kind for kind in KINDS if bits & KIND_BITS[kind]]


class AbsenceReason(models.TextChoices):
    LEAVE = "leave", _("请假")
    MOBILE = "mobile", _("外出流动")
    ILLNESS = "illness", _("生病")
    OTHER = "other", _("其他")


# Reasons that excuse an absence (请假、外出、生病); an absence with no reason is unexcused.
EXCUSED_REASONS = {AbsenceReason.LEAVE, AbsenceReason.MOBILE, AbsenceReason.ILLNESS}


class Meeting(Timestamped):
    party_org = models.ForeignKey(PartyOrg, verbose_name=_("党组织"), on_delete=models.PROTECT,
                                  related_name="meetings")
    kinds = models.PositiveSmallIntegerField(_("类型"))
    held_on = models.DateField(_("召开日期"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    host = models.CharField(_("主持人"), max_length=60, blank=True)
    recorder = models.CharField(_("记录人"), max_length=60, blank=True)
    topic = models.CharField(_("主题"), max_length=200)
    lecturer = models.CharField(_("授课人"), max_length=60, blank=True)
    invitees = models.TextField(_("列席人员"), blank=True)
    minutes = models.TextField(_("会议记录"), blank=True)
    decisions = models.TextField(_("决定事项"), blank=True)
    # Expected and present, counted from the attendance rows when they are written.
    expected_count = models.PositiveIntegerField(_("应到人数"), default=0)
    present_count = models.PositiveIntegerField(_("实到人数"), default=0)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_by_label = models.CharField(_("记录提交人"), max_length=150, blank=True)
    corrections = models.PositiveSmallIntegerField(_("更正次数"), default=0)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    scope_binding = ScopeBinding(region="party_org", party_org="party_org")

    class Meta:
        verbose_name = _("组织生活记录")
        verbose_name_plural = _("组织生活记录")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["party_org", "held_on"], name="meeting_org_day"),
                   models.Index(fields=["held_on"], name="meeting_day")]
        constraints = [models.CheckConstraint(condition=Q(kinds__gt=0), name="meeting_has_a_kind")]

    def __str__(self) -> str:
        return f"{self.held_on} {self.topic}"

    @property
    def kind_list(self) -> list[str]:
        return bits_kinds(self.kinds)

    @property
    def kind_labels(self) -> list[str]:
        return [str(MeetingKind(kind).label) for kind in self.kind_list]


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(PartyMember, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="+")
    present = models.BooleanField(_("出席"))
    reason = models.CharField(_("缺席原因"), max_length=10, choices=AbsenceReason.choices, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    # True for a member taking part here while the relation is held elsewhere (参加多重组织生活).
    participant = models.BooleanField(_("参加组织生活（关系在外）"), default=False)

    scope_binding = ScopeBinding(region="meeting__party_org", party_org="meeting__party_org")

    class Meta:
        verbose_name = _("出席情况")
        verbose_name_plural = _("出席情况")
        ordering = ["meeting", "-present", "member_id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="attendance_once")]
        indexes = [models.Index(fields=["member", "meeting"], name="attendance_member")]

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.member_id}"

    @property
    def excused(self) -> bool:
        return self.present or self.reason in EXCUSED_REASONS


def _meeting_file_path(instance: MeetingFile, filename: str) -> str:
    return f"meetings/{instance.meeting_id}/{instance.sha256[:16]}.{instance.extension}"


class MeetingFile(models.Model):
    """A photo, the sign-in sheet or another document of a meeting (type read from the content)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(_("文件"), upload_to=_meeting_file_path, max_length=255)
    name = models.CharField(_("文件名"), max_length=200)
    extension = models.CharField(max_length=8)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_by_label = models.CharField(_("上传人"), max_length=150)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    scope_binding = ScopeBinding(region="meeting__party_org", party_org="meeting__party_org")

    class Meta:
        verbose_name = _("会议附件")
        verbose_name_plural = _("会议附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class ReviewGrade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    QUALIFIED = "qualified", _("合格")
    BASIC = "basic", _("基本合格")
    UNQUALIFIED = "unqualified", _("不合格")


class FollowUp(models.TextChoices):
    """What is done about a 不合格 result (党章第九条; 《关于加强和改进流动党员管理工作的意见》 and
    the customary handling of 不合格党员: 限期改正, then 劝退 or 除名)."""

    EDUCATION = "education", _("批评教育、限期改正")
    PERSUADE = "persuade", _("劝其退党")
    REMOVE = "remove", _("除名")


class ReviewResult(Timestamped):
    member = models.ForeignKey(PartyMember, verbose_name=_("党员"), on_delete=models.PROTECT,
                               related_name="review_results")
    party_org = models.ForeignKey(PartyOrg, verbose_name=_("党组织"), on_delete=models.PROTECT,
                                  related_name="review_results")
    year = models.PositiveSmallIntegerField(_("年度"))
    reviewed_on = models.DateField(_("评议日期"))
    grade = models.CharField(_("评议结果"), max_length=12, choices=ReviewGrade.choices)
    follow_up = models.CharField(_("处置"), max_length=10, choices=FollowUp.choices, blank=True)
    improve_by = models.DateField(_("限期改正至"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    meeting = models.ForeignKey(Meeting, verbose_name=_("评议会议"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="review_results")
    is_demo = models.BooleanField(_("演示数据"), default=False)

    scope_binding = ScopeBinding(region="party_org", party_org="party_org")

    class Meta:
        verbose_name = _("民主评议结果")
        verbose_name_plural = _("民主评议结果")
        ordering = ["-year", "party_org", "member"]
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="review_once_a_year")]
        indexes = [models.Index(fields=["party_org", "year"], name="review_org_year")]


# The count columns of a party org's compliance in a year, shared by LifeTally and LifeRollup:
# per kind, the slots counted (``exp_*``: required slots that ended, plus slots not required that
# were held) and the slots held (``held_*``); attendance; the member review's results.
KIND_FIELDS = [f"{p}_{kind}" for kind in KINDS for p in ("exp", "held")]
REVIEW_FIELDS = ["rev_excellent", "rev_qualified", "rev_basic", "rev_unqualified"]
TALLY_FIELDS = [*KIND_FIELDS, "att_expected", "att_present", *REVIEW_FIELDS]
ROLLUP_FIELDS = ["orgs", "complete", "idle", *TALLY_FIELDS]


class LifeCounts(models.Model):
    year = models.PositiveSmallIntegerField(_("年度"))
    exp_general_meeting = models.IntegerField(default=0)
    held_general_meeting = models.IntegerField(default=0)
    exp_committee_meeting = models.IntegerField(default=0)
    held_committee_meeting = models.IntegerField(default=0)
    exp_group_meeting = models.IntegerField(default=0)
    held_group_meeting = models.IntegerField(default=0)
    exp_party_lecture = models.IntegerField(default=0)
    held_party_lecture = models.IntegerField(default=0)
    exp_theme_day = models.IntegerField(default=0)
    held_theme_day = models.IntegerField(default=0)
    exp_life_meeting = models.IntegerField(default=0)
    held_life_meeting = models.IntegerField(default=0)
    exp_member_review = models.IntegerField(default=0)
    held_member_review = models.IntegerField(default=0)
    att_expected = models.IntegerField(_("应出席人次"), default=0)
    att_present = models.IntegerField(_("实出席人次"), default=0)
    rev_excellent = models.IntegerField(_("优秀"), default=0)
    rev_qualified = models.IntegerField(_("合格"), default=0)
    rev_basic = models.IntegerField(_("基本合格"), default=0)
    rev_unqualified = models.IntegerField(_("不合格"), default=0)

    class Meta:
        abstract = True

    @property
    def expected(self) -> int:
        return sum(getattr(self, f"exp_{kind}") for kind in KINDS)

    @property
    def held(self) -> int:
        return sum(getattr(self, f"held_{kind}") for kind in KINDS)

    @property
    def rate(self) -> float | None:
        return self.held / self.expected if self.expected else None

    @property
    def attendance_rate(self) -> float | None:
        return self.att_present / self.att_expected if self.att_expected else None


class LifeTally(LifeCounts):
    """One party org's compliance in one year, as of today (or the year's end for a past year),
    with the keys it was added to the rollup under (its place, kind, industry and hubs then)."""

    party_org = models.ForeignKey(PartyOrg, on_delete=models.CASCADE, related_name="life_tallies")
    complete = models.BooleanField(_("全部按时召开"), default=False)
    idle = models.BooleanField(_("连续三个月未开展"), default=False)
    region = models.CharField(max_length=12)
    kind = models.CharField(max_length=24)
    industries = models.TextField(blank=True)  # sorted industry codes, comma-separated
    hubs = models.TextField(blank=True)  # sorted hub ids, comma-separated

    # A figure derived from the party org, not a reference to it: an import's undo may remove the
    # party org (``compliance.forget`` takes it out of the figures first).
    derived_figure = True

    scope_binding = ScopeBinding(region="party_org", party_org="party_org")

    class Meta:
        verbose_name = _("组织生活统计（党组织）")
        verbose_name_plural = _("组织生活统计（党组织）")
        constraints = [models.UniqueConstraint(fields=["party_org", "year"], name="life_tally_unique")]
        indexes = [models.Index(fields=["year", "region"], name="life_tally_year_region")]

    def __str__(self) -> str:
        return f"{self.party_org_id}@{self.year}"


class LifeRollup(LifeCounts):
    """Compliance per (dimension, key, region, year): the party orgs in the population, how many held
    every counted meeting, how many were idle three months, and the sums of their tallies."""

    dimension = models.CharField(max_length=10)  # region | type | industry | hub
    key = models.CharField(max_length=40, blank=True)
    region = models.CharField(max_length=12, blank=True)
    orgs = models.IntegerField(_("党组织数"), default=0)
    complete = models.IntegerField(_("全部按时召开"), default=0)
    idle = models.IntegerField(_("连续三个月未开展"), default=0)

    class Meta:
        verbose_name = _("组织生活统计")
        verbose_name_plural = _("组织生活统计")
        constraints = [models.UniqueConstraint(fields=["year", "dimension", "key", "region"],
                                               name="life_rollup_unique")]

    def __str__(self) -> str:
        return f"{self.year} {self.dimension}:{self.key}@{self.region or '全国'}"

    @property
    def complete_rate(self) -> float | None:
        return self.complete / self.orgs if self.orgs else None


class LifeState(models.Model):
    """For each stored year, the period key its figures were computed for (``compliance.period_key``):
    the figures of the current year move when a month ends, and a write or the scheduler that finds
    the key out of date recomputes the year first."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    period = models.CharField(max_length=24)
    computed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.year}: {self.period}"

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shuniu.registry.models import CoverageStatus

__all__ = ["COUNT_FIELDS", "CoverageStatus", "Dimension", "Rollup", "RollupCounts", "RollupSnapshot"]


class Dimension(models.TextChoices):
    REGION = "region", _("地区")
    TYPE = "type", _("组织类型")
    INDUSTRY = "industry", _("行业")
    HUB = "hub", _("枢纽型组织")
    SUPERVISORY = "supervisory", _("业务主管单位")
    REGISTRATION = "registration", _("登记管理机关级别")


# Count columns shared by the live rollup and its snapshots.
COUNT_FIELDS = [
    "population", *CoverageStatus.values, "due", "staff", "staff_members",
    "committee", "general_branch", "branch", "joint_branch", "temporary_branch", "industry_committee",
    "comprehensive_committee", "members_full", "members_probationary",
]


class RollupCounts(models.Model):
    dimension = models.CharField(_("维度"), max_length=14, choices=Dimension.choices)
    # The dimension's value (org type, industry code, hub id...); "" for the region dimension.
    key = models.CharField(_("分组"), max_length=40, blank=True)
    # Short region code; "" for the whole country.
    region = models.CharField(_("地区代码"), max_length=12, blank=True)
    population = models.IntegerField(_("社会组织数"), default=0)
    own = models.IntegerField(_("单独建立"), default=0)
    joint = models.IntegerField(_("联合覆盖"), default=0)
    instructor = models.IntegerField(_("指导员覆盖"), default=0)
    mass_org = models.IntegerField(_("群团组织覆盖"), default=0)
    none = models.IntegerField(_("未覆盖"), default=0)
    due = models.IntegerField(_("应建未建"), default=0)
    staff = models.IntegerField(_("专职人员"), default=0)
    staff_members = models.IntegerField(_("专职人员中的党员"), default=0)
    committee = models.IntegerField(_("党委"), default=0)
    general_branch = models.IntegerField(_("党总支"), default=0)
    branch = models.IntegerField(_("党支部"), default=0)
    joint_branch = models.IntegerField(_("联合党支部"), default=0)
    temporary_branch = models.IntegerField(_("临时党支部"), default=0)
    industry_committee = models.IntegerField(_("行业党委"), default=0)
    comprehensive_committee = models.IntegerField(_("综合党委"), default=0)
    members_full = models.IntegerField(_("正式党员"), default=0)
    members_probationary = models.IntegerField(_("预备党员"), default=0)

    class Meta:
        abstract = True

    @property
    def org_coverage_rate(self) -> float:
        return (self.own + self.joint) / self.population if self.population else 0.0

    @property
    def work_coverage_rate(self) -> float:
        return (self.population - self.none) / self.population if self.population else 0.0


class Rollup(RollupCounts):
    """Live counts per (dimension, key, region), kept by the services; ``shuniu coverage --rebuild``
    recomputes them from scratch and must give identical numbers."""

    class Meta:
        verbose_name = _("覆盖统计")
        verbose_name_plural = _("覆盖统计")
        ordering = ["dimension", "key", "region"]
        constraints = [models.UniqueConstraint(fields=["dimension", "key", "region"], name="rollup_unique_row")]

    def __str__(self) -> str:
        return f"{self.dimension}:{self.key}@{self.region or '全国'}"


class RollupSnapshot(RollupCounts):
    """The rollup as it stood on a date (monthly, for trend charts)."""

    as_of = models.DateField(_("统计日期"), db_index=True)

    class Meta:
        verbose_name = _("覆盖统计快照")
        verbose_name_plural = _("覆盖统计快照")
        ordering = ["-as_of", "dimension", "key", "region"]
        constraints = [
            models.UniqueConstraint(fields=["as_of", "dimension", "key", "region"], name="snapshot_unique_row")
        ]

    def __str__(self) -> str:
        return f"{self.as_of} {self.dimension}:{self.key}@{self.region or '全国'}"


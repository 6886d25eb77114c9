"""Secretaries' annual reports (书记述职, rule SECRETARY_REPORT; DOMAIN.md §6 G).

A report is the body of a case of the kind ``secretary_report`` (``shuniu.annualreports.kind``):
the case carries the flow (draft → submitted → evaluated, or returned for revision), its timeline,
attachments and audit; ``SecretaryReport`` mirrors the application in columns, so that the figures
per region are one GROUP BY. The yearly cycle is the year itself; its deadline is a rule setting.
``Rating`` holds the grades: the superior's (one row, by the user who evaluated) and the members'
(counts per grade, recorded by the secretary for the members' meeting: members are not users).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuniu.cases.models import Case
from shuniu.core.models import Timestamped
from shuniu.core.scoping import ScopeBinding
from shuniu.party.models import PartyMember, PartyOrg


class Mode(models.TextChoices):
    ON_SITE = "on_site", _("现场述职")
    WRITTEN = "written", _("书面述职")


class Grade(models.TextChoices):
    GOOD = "good", _("好")
    FAIRLY_GOOD = "fairly_good", _("较好")
    AVERAGE = "average", _("一般")
    POOR = "poor", _("差")


class Side(models.TextChoices):
    SUPERIOR = "superior", _("上级党组织")
    MEMBERS = "members", _("本单位党员")


class SecretaryReport(Timestamped):
    """One party org's report for one year (at most one not withdrawn)."""

    case = models.OneToOneField(Case, verbose_name=_("事项"), on_delete=models.PROTECT,
                                related_name="secretary_report")
    party_org = models.ForeignKey(PartyOrg, verbose_name=_("党组织"), on_delete=models.PROTECT,
                                  related_name="secretary_reports")
    year = models.PositiveSmallIntegerField(_("述职年度"))
    secretary = models.ForeignKey(PartyMember, verbose_name=_("书记"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    secretary_name = models.CharField(_("述职人"), max_length=100, blank=True)
    mode = models.CharField(_("述职方式"), max_length=10, choices=Mode.choices, default=Mode.ON_SITE)
    text = models.TextField(_("述职报告"), blank=True)
    problems = models.TextField(_("存在问题"), blank=True)
    # [{"item": "…", "due_on": "YYYY-MM-DD"}]: the rectification items the secretary commits to.
    rectification = models.JSONField(_("整改事项"), default=list, blank=True)
    submitted_on = models.DateField(_("首次报送日期"), null=True, blank=True, db_index=True)
    superior_grade = models.CharField(_("上级评议等次"), max_length=12, choices=Grade.choices, blank=True)
    grade = models.CharField(_("综合评议等次"), max_length=12, choices=Grade.choices, blank=True, db_index=True)
    evaluated_on = models.DateField(_("评议日期"), null=True, blank=True)
    # 一般 or 差: the superior's interview (约谈) and what must be put right (REPORT 2015).
    interview_on = models.DateField(_("约谈日期"), null=True, blank=True)
    follow_up = models.TextField(_("整改要求"), blank=True)
    withdrawn = models.BooleanField(_("已撤回"), default=False)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    scope_binding = ScopeBinding(region="party_org", party_org="party_org")

    class Meta:
        verbose_name = _("书记述职")
        verbose_name_plural = _("书记述职")
        ordering = ["-year", "party_org__path", "id"]
        constraints = [
            models.UniqueConstraint(fields=["party_org", "year"], condition=Q(withdrawn=False),
                                    name="secretary_report_one_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.party_org} {self.year}"


class Rating(Timestamped):
    """A grade given to a report: the superior's (count 1, by a user), or members' (a count per grade)."""

    report = models.ForeignKey(SecretaryReport, verbose_name=_("书记述职"), on_delete=models.PROTECT,
                               related_name="ratings")
    side = models.CharField(_("评议方"), max_length=10, choices=Side.choices)
    grade = models.CharField(_("评议等次"), max_length=12, choices=Grade.choices)
    count = models.PositiveIntegerField(_("票数"), default=1)
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("评议人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    rater_label = models.CharField(_("评议人"), max_length=150)

    scope_binding = ScopeBinding(region="report__party_org", party_org="report__party_org")

    class Meta:
        verbose_name = _("述职评议")
        verbose_name_plural = _("述职评议")
        ordering = ["report", "side", "id"]

    def __str__(self) -> str:
        return f"{self.report}: {self.side} {self.grade} × {self.count}"

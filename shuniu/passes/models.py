"""The three passes (三关, seeds 001 and 003) after registration: the annual inspection (年检 / 年报)
with its party-building section, and the grade evaluation (等级评估). DOMAIN.md §6 A.

One source of truth for each:

* ``InspectionRecord`` *is* the annual inspection: the conclusion and the party-building section
  of the report in one row per org and year. It replaced ``registry.AnnualInspection`` (migrations
  ``passes.0002_from_annual_inspections`` and ``registry.0008_remove_annualinspection``) rather than
  hanging a section off it by a OneToOne, so that the conclusion has one writer,
  ``passes.services.inspection_record``, which applies rule INSPECTION's cap (the registry, below
  the coverage app, could not).
* ``EvaluationRecord`` holds every evaluation decision. ``SocialOrg.evaluation_grade`` /
  ``evaluation_year`` are derived from them (``passes.services.current_grade``), stored on the org
  for the lists and filters, written only by this app's services and imports (the org form, the
  org API and the org import no longer take them), and checked equal to a rebuild
  (``passes.services.rebuild_grades``). The registry's ``clean_org_fields`` still accepts them
  for the commands and test factories that build orgs directly.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shuniu.core.models import Timestamped
from shuniu.core.scoping import ScopeBinding
from shuniu.registry.models import CoverageStatus, Grade, InspectionResult, SocialOrg

# The conclusions, best first (defined in the registry, where rule INSPECTION reads them too).
InspectionConclusion = InspectionResult
# 0 is the best conclusion: a cap allows itself and what is worse.
CONCLUSION_RANK = {value: i for i, value in enumerate(InspectionResult.values)}
GRADES = list(Grade.values)  # 1A … 5A, lowest first


class InspectionRecord(Timestamped):
    """One org's annual inspection (年检) or annual report (年报) of one year, with its
    party-building section. The section's counts and the coverage status are a snapshot taken
    when the record is written: they say what the inspection saw, not what the org is now. Rows
    carried over from before the section existed have the snapshot empty (NULL)."""

    org = models.ForeignKey(SocialOrg, verbose_name=_("社会组织"), on_delete=models.PROTECT, related_name="inspections")
    year = models.PositiveSmallIntegerField(_("年度"))
    conclusion = models.CharField(_("结论"), max_length=10, choices=InspectionResult.choices)
    # The party-building section (党建情况).
    coverage_status = models.CharField(_("党组织覆盖状态（年检时）"), max_length=10, choices=CoverageStatus.choices,
                                       blank=True)
    was_due = models.BooleanField(_("应建未建（年检时）"), null=True)
    full_members = models.PositiveIntegerField(_("专职人员中的正式党员（年检时）"), null=True)
    probationary_members = models.PositiveIntegerField(_("专职人员中的预备党员（年检时）"), null=True)
    life_held = models.BooleanField(_("按规定开展组织生活"), null=True)
    life_note = models.CharField(_("组织生活情况"), max_length=500, blank=True)
    dues_paid = models.BooleanField(_("按时交纳党费"), null=True)
    charter_clause = models.BooleanField(_("章程写入党建工作内容"), null=True,
                                         help_text=_("《意见》第二十二条：党建工作写入社会组织章程"))
    note = models.CharField(_("备注"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("录入时间"), null=True, blank=True)

    scope_binding = ScopeBinding(region="org", org="org")

    class Meta:
        verbose_name = _("年检（年报）")
        verbose_name_plural = _("年检（年报）")
        ordering = ["-year", "-id"]
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="inspection_record_one_per_year")]

    def __str__(self) -> str:
        return f"{self.org} {self.year}: {self.get_conclusion_display()}"

    @property
    def has_party_org(self) -> bool | None:
        """Whether a party org covered the org (its own or a joint one) when it was inspected."""
        if not self.coverage_status:
            return None
        return self.coverage_status in (CoverageStatus.OWN, CoverageStatus.JOINT)


class EvaluationRecord(Timestamped):
    """A grade evaluation decision (等级评估): the grade given to an org for a year, valid until a
    date (5 years from the decision by default, ``settings.SHUNIU_EVALUATION_VALID_YEARS``).
    Rows carried over from the org's former grade fields have no decision date, and are valid to
    the end of the fifth year."""

    org = models.ForeignKey(SocialOrg, verbose_name=_("社会组织"), on_delete=models.PROTECT, related_name="evaluations")
    year = models.PositiveSmallIntegerField(_("评估年度"))
    grade = models.CharField(_("评估等级"), max_length=2, choices=Grade.choices)
    decided_on = models.DateField(_("评估结论日期"), null=True, blank=True)
    valid_until = models.DateField(_("有效期至"))
    document_number = models.CharField(_("文号"), max_length=60, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("录入时间"), null=True, blank=True)

    scope_binding = ScopeBinding(region="org", org="org")

    class Meta:
        verbose_name = _("等级评估")
        verbose_name_plural = _("等级评估")
        ordering = ["-year", "-id"]
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="evaluation_record_one_per_year")]

    def __str__(self) -> str:
        return f"{self.org} {self.year}: {self.grade}"

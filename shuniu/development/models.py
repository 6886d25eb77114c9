"""The member development pipeline (发展党员): a person from the application to full membership.

One ``Applicant`` per person in the pipeline, with one date per milestone (as owip's MemberApply:
application, talk, activist, candidate, public notice, pre-review, branch meeting, approval, oath,
full membership), and one ``DevStep`` per recorded step (the 25 steps of the 2014 development rules
grouped into the step families of ``shuniu.development.steps``): when, who, the documents, and the
step's own facts (contacts, introducers, votes). The person becomes a ``PartyMember`` (through the
member service) when the superior approves the admission; the row stays as the record of how.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuniu.core import crypto
from shuniu.core.models import Timestamped
from shuniu.core.scoping import ScopeBinding
from shuniu.party.models import Gender, PartyMember, PartyOrg
from shuniu.regions.models import InRegion
from shuniu.registry.models import SocialOrg


class Stage(models.TextChoices):
    """The five stages of DEV 2014, in order."""

    APPLICANT = "applicant", _("入党申请人")
    ACTIVIST = "activist", _("入党积极分子")
    CANDIDATE = "candidate", _("发展对象")
    PROBATIONARY = "probationary", _("预备党员")
    FULL = "full", _("正式党员")


STAGE_ORDER = list(Stage.values)


class StepCode(models.TextChoices):
    """The step families recorded on a person (the 25 steps of DEV 2014, grouped): each is recorded
    by the branch, or by its superior (the pre-review and the approvals)."""

    APPLY = "apply", _("递交入党申请书")
    TALK = "talk", _("谈话")
    ACTIVIST = "activist", _("列为入党积极分子")
    REVIEW = "review", _("培养考察")
    CANDIDATE = "candidate", _("列为发展对象")
    INTRODUCERS = "introducers", _("确定入党介绍人")
    POLITICAL_REVIEW = "political_review", _("政治审查")
    TRAINING = "training", _("集中培训")
    NOTICE = "notice", _("公示")
    PRE_REVIEW = "pre_review", _("上级党委预审")
    MEETING = "meeting", _("支部大会讨论接收")
    APPROVAL = "approval", _("上级党委审批")
    OATH = "oath", _("入党宣誓")
    EXTENSION = "extension", _("延长预备期")
    FULL_MEETING = "full_meeting", _("支部大会讨论转正")
    FULL_APPROVAL = "full_approval", _("上级党委审批转正")
    END = "end", _("终止培养")


class EndReason(models.TextChoices):
    """Why a person left the pipeline before becoming a full member."""

    WITHDRAWN = "withdrawn", _("本人撤回申请")
    NOT_QUALIFIED = "not_qualified", _("经考察不再列为培养对象")
    REJECTED = "rejected", _("上级党组织不予批准")
    DISQUALIFIED = "disqualified", _("取消预备党员资格")
    LEFT = "left", _("离开本单位（转由他处培养）")
    OTHER = "other", _("其他")


class Applicant(InRegion, Timestamped):
    """A person in the development pipeline. The region is that of the workplace."""

    name = models.CharField(_("姓名"), max_length=60, db_index=True)
    gender = models.CharField(_("性别"), max_length=6, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    # Personal data as for PartyMember: encrypted at rest, found by a keyed hash, shown masked.
    id_number_encrypted = models.TextField(_("公民身份号码（密文）"), blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_number_masked = models.CharField(_("公民身份号码"), max_length=18, blank=True, editable=False)
    phone_encrypted = models.TextField(_("电话（密文）"), blank=True, editable=False)
    phone_masked = models.CharField(_("电话"), max_length=20, blank=True, editable=False)
    workplace = models.ForeignKey(SocialOrg, verbose_name=_("工作单位"), on_delete=models.PROTECT,
                                  related_name="applicants")
    branch = models.ForeignKey(PartyOrg, verbose_name=_("培养党组织"), on_delete=models.PROTECT,
                               related_name="applicants")
    stage = models.CharField(_("所处阶段"), max_length=14, choices=Stage.choices, db_index=True,
                             default=Stage.APPLICANT)
    # One date per milestone.
    applied_on = models.DateField(_("递交入党申请书日期"))
    talked_on = models.DateField(_("谈话日期"), null=True, blank=True)
    activist_on = models.DateField(_("列为入党积极分子日期"), null=True, blank=True)
    last_review_on = models.DateField(_("最近一次考察日期"), null=True, blank=True)
    candidate_on = models.DateField(_("列为发展对象日期"), null=True, blank=True)
    introduced_on = models.DateField(_("确定入党介绍人日期"), null=True, blank=True)
    political_review_on = models.DateField(_("政治审查日期"), null=True, blank=True)
    trained_on = models.DateField(_("集中培训结业日期"), null=True, blank=True)
    notice_on = models.DateField(_("公示开始日期"), null=True, blank=True)
    pre_reviewed_on = models.DateField(_("上级党委预审日期"), null=True, blank=True)
    meeting_on = models.DateField(_("支部大会讨论接收日期"), null=True, blank=True)
    approved_on = models.DateField(_("上级党委审批日期"), null=True, blank=True)
    oath_on = models.DateField(_("入党宣誓日期"), null=True, blank=True)
    extension_months = models.PositiveSmallIntegerField(_("延长预备期（月）"), default=0)
    full_meeting_on = models.DateField(_("支部大会讨论转正日期"), null=True, blank=True)
    full_on = models.DateField(_("转正日期"), null=True, blank=True)
    member = models.OneToOneField(PartyMember, verbose_name=_("党员记录"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="development")
    ended_on = models.DateField(_("终止日期"), null=True, blank=True)
    end_reason = models.CharField(_("终止原因"), max_length=16, choices=EndReason.choices, blank=True)
    end_note = models.CharField(_("终止原因说明"), max_length=200, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    # A party scope holds the people its branches develop; a hub or instructor scope those working
    # in its orgs; a region scope those whose workplace lies in it.
    scope_binding = ScopeBinding(region="", org="workplace", party_org="branch")

    class Meta:
        verbose_name = _("发展党员对象")
        verbose_name_plural = _("发展党员对象")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["id_number_hash"], condition=~Q(id_number_hash="") & Q(ended_on__isnull=True),
                                    name="applicant_one_open_per_id_number"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True, end_reason="")
                | Q(ended_on__isnull=False, end_reason__in=EndReason.values),
                name="applicant_end_reason_is_a_category",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_encrypted)

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_encrypted)

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


class DevStep(Timestamped):
    """One recorded step of a person's development: its date, who recorded it, the documents, and
    its facts (``data``: contacts, introducers, votes, training days...)."""

    applicant = models.ForeignKey(Applicant, verbose_name=_("发展党员对象"), on_delete=models.PROTECT,
                                  related_name="steps")
    code = models.CharField(_("步骤"), max_length=20, choices=StepCode.choices, db_index=True)
    on = models.DateField(_("日期"))
    actor_label = models.CharField(_("录入人"), max_length=150)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入用户"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("说明"), max_length=500, blank=True)
    documents = models.CharField(_("材料"), max_length=500, blank=True)
    data = models.JSONField(_("内容"), default=dict, blank=True)

    scope_binding = ScopeBinding(region="applicant", org="applicant__workplace", party_org="applicant__branch")

    class Meta:
        verbose_name = _("发展步骤")
        verbose_name_plural = _("发展步骤")
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.applicant} {self.code} {self.on}"

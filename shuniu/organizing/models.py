"""The records the party-organization processes leave: elections and their candidates, and
approved postponements (or advancements) of a term's election."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shuniu.core.messages import OwnValidation
from shuniu.core.models import Timestamped
from shuniu.core.scoping import ScopeBinding


class Post(models.TextChoices):
    COMMITTEE = "committee", _("委员")
    SECRETARY = "secretary", _("书记")
    DEPUTY = "deputy", _("副书记")


class Election(Timestamped):
    """A members' meeting that elected a party org's committee (or its secretary and deputy), as
    reported to and approved by its superior (a case of kind ``election_result``), with the verdict
    of the rules in force on the election date (rule ELECTION)."""

    party_org = models.ForeignKey("party.PartyOrg", verbose_name=_("党组织"), on_delete=models.PROTECT,
                                  related_name="elections")
    case = models.OneToOneField("cases.Case", verbose_name=_("选举结果报告"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="election")
    held_on = models.DateField(_("选举日期"))
    entitled = models.PositiveIntegerField(_("应到会有选举权的党员"))
    excluded = models.PositiveIntegerField(_("不计入应到会人数的党员"), default=0)
    excluded_reason = models.CharField(_("不计入的原因"), max_length=200, blank=True)
    present = models.PositiveIntegerField(_("实到会有选举权的党员"))
    seats = models.PositiveSmallIntegerField(_("委员名额"), default=0)
    valid = models.BooleanField(_("选举有效"))
    regime_source = models.CharField(_("适用的选举规定"), max_length=300)
    verdict = models.JSONField(_("计票结果"), default=dict, blank=True)

    scope_binding = ScopeBinding(region="party_org", party_org="party_org")

    class Meta:
        verbose_name = _("换届选举")
        verbose_name_plural = _("换届选举")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.party_org} {self.held_on}"


class Candidate(OwnValidation):
    election = models.ForeignKey(Election, verbose_name=_("换届选举"), on_delete=models.CASCADE,
                                 related_name="candidates")
    member = models.ForeignKey("party.PartyMember", verbose_name=_("候选人"), on_delete=models.PROTECT,
                               related_name="+")
    post = models.CharField(_("职务"), max_length=10, choices=Post.choices)
    votes_for = models.PositiveIntegerField(_("赞成票"), default=0)
    votes_against = models.PositiveIntegerField(_("反对票"), default=0)
    votes_abstain = models.PositiveIntegerField(_("弃权票"), default=0)
    elected = models.BooleanField(_("当选"), default=False)

    scope_binding = ScopeBinding(region="election__party_org", party_org="election__party_org")

    class Meta:
        verbose_name = _("候选人")
        verbose_name_plural = _("候选人")
        ordering = ["election", "post", "-votes_for", "id"]
        constraints = [models.UniqueConstraint(fields=["election", "post", "member"], name="candidate_once_per_post")]

    def __str__(self) -> str:
        return f"{self.member} ({self.post})"


class Postponement(Timestamped):
    """An approved postponement or advancement of a term's election (ELEC art. 3: at most 1 year)."""

    party_org = models.ForeignKey("party.PartyOrg", verbose_name=_("党组织"), on_delete=models.PROTECT,
                                  related_name="postponements")
    case = models.OneToOneField("cases.Case", verbose_name=_("延期或提前换届请示"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="postponement")
    term_end = models.DateField(_("本届任期届满日期"))
    new_due_on = models.DateField(_("批准的换届日期"))
    reason = models.CharField(_("理由"), max_length=500, blank=True)
    decision_no = models.CharField(_("批复文号"), max_length=100)
    decided_on = models.DateField(_("批复日期"))

    scope_binding = ScopeBinding(region="party_org", party_org="party_org")

    class Meta:
        verbose_name = _("延期或提前换届")
        verbose_name_plural = _("延期或提前换届")
        ordering = ["-decided_on", "-id"]

    def __str__(self) -> str:
        return f"{self.party_org} → {self.new_due_on}"

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shuniu.core.models import Timestamped


class RuleSetting(Timestamped):
    """One parameter of one rule (or its on/off, ``name`` "enabled") as set for a region prefix:
    "" the whole country, "32" Jiangsu, "3204" Changzhou, "320404" Zhonglou. For an org or a party
    org the setting of the most specific prefix of its region wins, parameter by parameter; where
    none is set the rule's declared default applies. Written only by ``services``."""

    rule_id = models.CharField(_("规则"), max_length=40)
    name = models.CharField(_("参数"), max_length=40)
    region = models.CharField(_("地区代码"), max_length=12, blank=True)
    value = models.JSONField(_("取值"))
    source = models.CharField(_("依据"), max_length=300)
    note = models.TextField(_("说明"), blank=True)
    changed_by = models.CharField(_("修改人"), max_length=150)

    class Meta:
        verbose_name = _("规则设置")
        verbose_name_plural = _("规则设置")
        ordering = ["rule_id", "name", "region"]
        constraints = [models.UniqueConstraint(fields=["rule_id", "name", "region"], name="rule_setting_unique")]

    def __str__(self) -> str:
        return f"{self.rule_id}.{self.name}@{self.region or '全国'}"

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuniu.core.messages import OwnValidation


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    CITY_OFFICER = "city_officer", _("市级党建工作人员")
    DISTRICT_OFFICER = "district_officer", _("区级党建工作人员")
    STREET_OFFICER = "street_officer", _("街道党建工作人员")
    HUB_STAFF = "hub_staff", _("枢纽型组织工作人员")
    SECRETARY = "secretary", _("党组织书记")
    INSTRUCTOR = "instructor", _("党建工作指导员")


class User(AbstractUser, OwnValidation):
    """A user has one role and one jurisdiction: a region subtree, a hub, a party-org subtree."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.CITY_OFFICER)
    scope_region = models.ForeignKey(
        "regions.Region", verbose_name=_("管辖地区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scope_hub = models.ForeignKey(
        "registry.Hub", verbose_name=_("所在枢纽"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scope_party_org = models.ForeignKey(
        "party.PartyOrg", verbose_name=_("所在党组织"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    scope_instructor = models.ForeignKey(
        "party.Instructor", verbose_name=_("指导员本人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]
        constraints = [
            # At most one kind of jurisdiction per user: mixing them would make "what can I see" ambiguous.
            models.CheckConstraint(
                condition=(
                    Q(scope_hub__isnull=True, scope_party_org__isnull=True, scope_instructor__isnull=True)
                    | Q(scope_region__isnull=True, scope_party_org__isnull=True, scope_instructor__isnull=True)
                    | Q(scope_region__isnull=True, scope_hub__isnull=True, scope_instructor__isnull=True)
                    | Q(scope_region__isnull=True, scope_hub__isnull=True, scope_party_org__isnull=True)
                ),
                name="user_one_jurisdiction",
            )
        ]

    def __str__(self) -> str:
        return self.username


class ApiToken(models.Model):
    """A bearer token for the REST API. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.PROTECT, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("前缀"), max_length=8, editable=False)
    label = models.CharField(_("用途"), max_length=60, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuniu.core.messages import OwnValidation


class Timestamped(OwnValidation):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class KeyCheck(Timestamped):
    """One row that witnesses the keys personal data is written with (shuniu/core/checks.py).

    A database restored without its keys would otherwise run with new ones: the ciphertexts could
    not be read and the lookup hashes of ID numbers would no longer match, so duplicates could be
    registered. Only fingerprints of the keys are stored, never the keys.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    encrypted_value = models.TextField(_("用加密密钥加密的校验值"))
    keyed_hash = models.CharField(_("用查找密钥计算的校验值"), max_length=64)
    encryption_key_fingerprint = models.CharField(_("加密密钥指纹"), max_length=16)
    hash_key_fingerprint = models.CharField(_("查找密钥指纹"), max_length=16)

    class Meta:
        verbose_name = _("密钥校验值")
        verbose_name_plural = _("密钥校验值")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(id=1), name="key_check_single_row")]

    def __str__(self) -> str:
        return f"{self.encryption_key_fingerprint}/{self.hash_key_fingerprint}"

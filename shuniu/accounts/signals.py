"""Keeping the API's token cache (``services.token_user``) in step with users and tokens.

Signals rather than calls in the services, because users and tokens are also changed in Django's
admin site: any save of a token (revoked, say) or of a user (deactivated, another role or scope)
forgets the cached users of the tokens concerned.
"""

from __future__ import annotations

from typing import Any

from django.core.signals import setting_changed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from shuniu.accounts.models import ApiToken, User
from shuniu.accounts.services import forget_tokens
from shuniu.core.cache import forget_failures


@receiver([post_save, post_delete], sender=ApiToken, dispatch_uid="shuniu.accounts.token_changed")
def token_changed(sender: Any, instance: ApiToken, **kwargs: Any) -> None:
    forget_tokens([instance.key_hash])


@receiver([post_save, post_delete], sender=User, dispatch_uid="shuniu.accounts.user_changed")
def user_changed(sender: Any, instance: User, update_fields: Any = None, **kwargs: Any) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # every login saves last_login, which no token depends on
    if instance.pk is not None:
        forget_tokens(list(ApiToken.objects.filter(user_id=instance.pk).values_list("key_hash", flat=True)))


@receiver(setting_changed, dispatch_uid="shuniu.accounts.cache_changed")
def cache_changed(sender: Any, setting: str, **kwargs: Any) -> None:
    """Another cache configured (tests do it): its health is unknown, so it is asked again at once
    rather than after the pause that followed an error of the previous one."""
    if setting == "CACHES":
        forget_failures()

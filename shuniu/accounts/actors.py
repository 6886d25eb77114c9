"""Who acts in a service call: a signed-in ``User``, or an explicit ``SystemActor`` (see
``shuniu.core.actors``, where they are defined so that the apps below accounts can take them too)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

from shuniu.core.actors import Actor, SystemActor, actor_label, check_admin, is_admin, is_system, require_actor

if TYPE_CHECKING:
    from shuniu.accounts.models import User

__all__ = ["Actor", "SignedInRequest", "SystemActor", "actor_label", "check_admin", "is_admin", "is_system",
           "require_actor", "user_of"]


class SignedInRequest(HttpRequest):
    """The request of a view behind ``login_required``, for the type checker: its user is a ``User``,
    never anonymous, so it can be passed as a service's actor. (The services still check it at run
    time: ``require_actor``.)"""

    user: User


def user_of(actor: object) -> User | None:
    """The user behind ``actor`` (None for a system actor), for the columns that name who acted."""
    from shuniu.accounts.models import User

    return actor if isinstance(actor, User) else None

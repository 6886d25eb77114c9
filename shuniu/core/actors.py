"""Who acts in a service call: a signed-in ``User``, or an explicit ``SystemActor``.

Every service takes ``actor``. A user is held to their jurisdiction (``accounts.scopes``); a system
actor is not. Defined here, below every app, so that the audit log and the divisions' loader can
take actors too; the apps import them from ``shuniu.accounts.actors``. A system actor is made only where no person is signed in and the operator of the
server is the one acting: management commands, the scenario generator, the job worker re-running a
system job, and the tests. Nothing else (``None``, a string, an anonymous user) is an actor: the
services refuse it, so a forgotten ``actor=`` or a view that passes ``request.user`` unauthenticated
cannot write around the scope checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from shuniu.accounts.models import User


@dataclass(frozen=True)
class SystemActor:
    """The server's operator acting through a command (``label`` says which: "cli", "demo"...)."""

    label: str

    def __post_init__(self) -> None:
        if not self.label or not isinstance(self.label, str):
            raise ValueError("a system actor needs a label")

    # What the audit log and the import batches read of any actor.
    pk = None
    is_authenticated = False

    @property
    def username(self) -> str:
        return f"system:{self.label}"

    def __str__(self) -> str:
        return self.username


Actor: TypeAlias = "User | SystemActor"


def is_system(actor: Any) -> bool:
    return isinstance(actor, SystemActor)


def require_actor(actor: Any) -> User | SystemActor:
    """The actor if it is one (an active user or a system actor), else PermissionDenied."""
    if isinstance(actor, SystemActor):
        return actor
    if isinstance(actor, get_user_model()) and actor.is_active and actor.pk is not None:
        return actor  # type: ignore[return-value]
    raise PermissionDenied(_("操作者无效：须为已登录的用户（规则：每次写入须有明确的操作者）"))


def is_admin(actor: Any) -> bool:
    """Whether ``actor`` is an administrator: a user whose scope is everything."""
    return bool(getattr(actor, "is_superuser", False) or getattr(actor, "role", None) == "admin")


def check_admin(actor: Any) -> None:
    """Raise PermissionDenied unless ``actor`` is a system actor or an active administrator: for
    what concerns the whole system (users, rules, snapshots, divisions, demo data)."""
    if isinstance(require_actor(actor), SystemActor) or is_admin(actor):
        return
    raise PermissionDenied(_("仅系统管理员可以执行此操作（规则：系统级操作限管理员）"))


def actor_label(actor: Any) -> str:
    """How the audit log and import batches name an actor."""
    return str(getattr(actor, "username", "") or "system")

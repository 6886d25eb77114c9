"""Who acts in a service call: a signed-in ``User``, or an explicit ``SystemActor`` (see
``shuniu.core.actors``, where they are defined so that the apps below accounts can take them too)."""

from shuniu.core.actors import Actor, SystemActor, actor_label, check_admin, is_admin, is_system, require_actor

__all__ = ["Actor", "SystemActor", "actor_label", "check_admin", "is_admin", "is_system", "require_actor"]

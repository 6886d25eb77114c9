from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "shuniu.core"
    verbose_name = "核心"

    def ready(self) -> None:
        from shuniu.core.checks import check_keys, key_check_after_migrate

        checks.register(check_keys, "keys")
        post_migrate.connect(key_check_after_migrate, sender=self)

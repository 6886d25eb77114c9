from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class RuleSettingsConfig(AppConfig):
    name = "shuniu.rulesettings"
    verbose_name = "规则设置"

    def ready(self) -> None:
        # Each app declares its settable rules in its own ``rules`` module (as the admin finds
        # ``admin`` modules): importing them here means every rule is known before the first read.
        autodiscover_modules("rules")

from django.apps import AppConfig


class CoverageConfig(AppConfig):
    name = "shuniu.coverage"
    verbose_name = "覆盖统计"

    def ready(self) -> None:
        from shuniu.coverage import engine
        from shuniu.rulesettings.signals import settings_changed

        settings_changed.connect(engine.on_settings_changed, dispatch_uid="coverage.due_thresholds")

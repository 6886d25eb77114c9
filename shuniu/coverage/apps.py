from django.apps import AppConfig


class CoverageConfig(AppConfig):
    name = "shuniu.coverage"
    verbose_name = "覆盖统计"

    def ready(self) -> None:
        # The registry and party services keep statuses and rollups true through this engine
        # without importing it (shuniu.core.derived).
        from shuniu.core import derived
        from shuniu.coverage import engine
        from shuniu.rulesettings.signals import settings_changed

        derived.install(engine.track)
        settings_changed.connect(engine.on_settings_changed, dispatch_uid="coverage.due_thresholds")

from django.apps import AppConfig


class OrglifeConfig(AppConfig):
    name = "shuniu.orglife"
    verbose_name = "组织生活"

    def ready(self) -> None:
        # The party services keep the compliance figures through core.derived, as they keep coverage;
        # the LIFE settings change the slots; the inbox shows what is missing (rule LIFE).
        from shuniu.core import derived, scheduled
        from shuniu.orglife import compliance, rules  # noqa: F401
        from shuniu.rulesettings.signals import settings_changed

        derived.install(compliance.track, name="orglife")
        settings_changed.connect(compliance.on_settings_changed, dispatch_uid="orglife.life_settings")
        from shuniu.cases import inbox
        from shuniu.orglife.reminders import missing_reminders

        inbox.register("life_missing", missing_reminders)
        # At night (``shuniu scheduler``): the figures of the years whose month ended are recomputed.
        scheduled.register("orglife", compliance.scheduled_job)

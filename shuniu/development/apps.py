from django.apps import AppConfig


class DevelopmentConfig(AppConfig):
    name = "shuniu.development"
    verbose_name = "发展党员"

    def ready(self) -> None:
        # The rule settings of the pipeline are declared on import; its reminders join the inbox.
        from shuniu.cases import inbox
        from shuniu.development import rules  # noqa: F401
        from shuniu.development.selectors import development_reminders

        inbox.register("development", development_reminders)

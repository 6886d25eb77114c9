from django.apps import AppConfig


class AnnualreportsConfig(AppConfig):
    name = "shuniu.annualreports"
    verbose_name = "书记述职"

    def ready(self) -> None:
        # The rule SECRETARY_REPORT's settings, the case kind and the inbox's reminders.
        from shuniu.annualreports import kind, rules  # noqa: F401
        from shuniu.annualreports.selectors import not_reported_reminders
        from shuniu.cases import inbox

        inbox.register("secretary_report_due", not_reported_reminders)

from django.apps import AppConfig


class MobileConfig(AppConfig):
    name = "shuniu.mobile"
    verbose_name = "流动党员"

    def ready(self) -> None:
        # The rule MOBILE's settings, the lost-contact case kind and the inbox's reminders.
        from shuniu.cases import inbox
        from shuniu.mobile import lost_contact, rules  # noqa: F401
        from shuniu.mobile.reminders import over_limit_reminders

        inbox.register("mobile_over_limit", over_limit_reminders)

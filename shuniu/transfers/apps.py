from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "shuniu.transfers"
    verbose_name = "组织关系转接"

    def ready(self) -> None:
        # The transfer case kind registers itself with the case mechanism on import.
        from shuniu.cases import inbox
        from shuniu.transfers import letters  # noqa: F401
        from shuniu.transfers.reminders import letter_reminders

        inbox.register("letters", letter_reminders)

        from shuniu.organizing.change import members_released
        from shuniu.transfers.hooks import on_members_released

        members_released.connect(on_members_released, dispatch_uid="transfers.batch")

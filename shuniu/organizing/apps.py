from django.apps import AppConfig


class OrganizingConfig(AppConfig):
    name = "shuniu.organizing"
    verbose_name = "党组织建设"

    def ready(self) -> None:
        # The kinds of case this app runs register themselves with the case mechanism on import.
        from shuniu.core.derived import orgs_refreshed
        from shuniu.organizing import change, elections, establishment  # noqa: F401
        from shuniu.organizing.sync import on_orgs_refreshed

        orgs_refreshed.connect(on_orgs_refreshed, dispatch_uid="organizing.sync")

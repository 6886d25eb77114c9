from django.apps import AppConfig


class PartyConfig(AppConfig):
    name = "shuniu.party"
    verbose_name = "党组织与党员"

    def ready(self) -> None:
        # Declares the rule setting RESPONSIBLE_BODY (the order of the lines), so that it can be set
        # (``shuniu rules --set RESPONSIBLE_BODY``) before anything has asked for a body.
        from shuniu.party import bodies  # noqa: F401

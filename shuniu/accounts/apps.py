from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "shuniu.accounts"
    verbose_name = "用户与权限"

    def ready(self) -> None:
        from shuniu.accounts import signals  # noqa: F401  (connects the receivers)

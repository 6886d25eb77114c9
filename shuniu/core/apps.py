from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "shuniu.core"
    verbose_name = "核心"

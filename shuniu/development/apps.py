from django.apps import AppConfig


class DevelopmentConfig(AppConfig):
    name = "shuniu.development"
    verbose_name = "发展党员"

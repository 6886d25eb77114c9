from django.apps import AppConfig


class MobileConfig(AppConfig):
    name = "shuniu.mobile"
    verbose_name = "流动党员"

from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "shuniu.transfers"
    verbose_name = "组织关系转接"

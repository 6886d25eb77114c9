from django.apps import AppConfig


class CoverageConfig(AppConfig):
    name = "shuniu.coverage"
    verbose_name = "覆盖统计"

from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "shuniu.regions"
    verbose_name = "行政区划"

from django.apps import AppConfig


class AnnualreportsConfig(AppConfig):
    name = "shuniu.annualreports"
    verbose_name = "书记述职"

from django.apps import AppConfig


class PassesConfig(AppConfig):
    name = "shuniu.passes"
    verbose_name = "年检与评估"

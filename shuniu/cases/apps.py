from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "shuniu.cases"
    verbose_name = "事项办理"

from django.apps import AppConfig


class OrganizingConfig(AppConfig):
    name = "shuniu.organizing"
    verbose_name = "党组织建设"

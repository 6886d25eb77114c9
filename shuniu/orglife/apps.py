from django.apps import AppConfig


class OrglifeConfig(AppConfig):
    name = "shuniu.orglife"
    verbose_name = "组织生活"

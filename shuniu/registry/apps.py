from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "shuniu.registry"
    verbose_name = "社会组织登记"

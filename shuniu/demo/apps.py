from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "shuniu.demo"
    verbose_name = "演示数据"

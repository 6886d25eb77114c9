from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "shuniu.web"
    verbose_name = "网页"

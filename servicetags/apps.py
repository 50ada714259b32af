from django.apps import AppConfig


class ServicetagsConfig(AppConfig):
    name = "servicetags"
    verbose_name = "Units and service tags"

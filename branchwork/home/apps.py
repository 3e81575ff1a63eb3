from django.apps import AppConfig


class Config(AppConfig):
    name = "branchwork.home"
    label = "home"
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig


class Config(AppConfig):
    name = "branchwork.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

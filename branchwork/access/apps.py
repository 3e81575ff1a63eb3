from django.apps import AppConfig


class Config(AppConfig):
    name = "branchwork.access"
    label = "access"
    default_auto_field = "django.db.models.BigAutoField"

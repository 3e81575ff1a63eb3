from django.apps import AppConfig


class Config(AppConfig):
    name = "branchwork.imports"
    label = "imports"
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig


class Config(AppConfig):
    name = "branchwork.activities"
    label = "activities"
    default_auto_field = "django.db.models.BigAutoField"

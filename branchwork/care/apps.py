from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "branchwork.care"
    label = "care"
    verbose_name = _("Care")
    default_auto_field = "django.db.models.BigAutoField"

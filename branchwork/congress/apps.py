from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CongressConfig(AppConfig):
    name = "branchwork.congress"
    label = "congress"
    verbose_name = _("Congresses")
    default_auto_field = "django.db.models.BigAutoField"

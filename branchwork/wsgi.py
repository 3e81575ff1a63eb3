"""WSGI entry point for granian or gunicorn: ``granian --interface wsgi branchwork.wsgi:application``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "branchwork.settings")
application = get_wsgi_application()

"""WSGI entry point, served by gunicorn through `hotline serve`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
application = get_wsgi_application()

"""WSGI entry point (gunicorn erp.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

from erp import embedded_db

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")
# a web server never starts or stops the embedded database: a request while it is
# down is answered 503 (erp.middleware), it is not made to wait for pg_ctl
embedded_db.forbid_starting()

application = get_wsgi_application()

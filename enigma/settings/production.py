"""Production: HTTPS only, strict headers. Passes `manage.py check --deploy` cleanly."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env
from .chronology import key_problem
from .site_url import site_url_problem

DEBUG = False
if not SECRET_KEY or len(SECRET_KEY) < 50:  # noqa: F405
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of 50+ characters.")
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
if _problem := key_problem(CHRONOLOGY_KEYS, CHRONOLOGY_KEY_ID):  # noqa: F405
    raise ImproperlyConfigured(_problem)
ENIGMA_SITE_URL = env.str("ENIGMA_SITE_URL", default="").rstrip("/")
if _problem := site_url_problem(ENIGMA_SITE_URL):
    raise ImproperlyConfigured(_problem)

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The client's own address comes from X-Forwarded-For only when the request arrives
    # from one of TRUSTED_PROXIES (base.py; enigma.audit.client_address).
    if not ENIGMA_TRUSTED_PROXIES:  # noqa: F405
        raise ImproperlyConfigured(
            "BEHIND_TLS_PROXY is on but TRUSTED_PROXIES is empty: list the proxy's address "
            "(or network) as the web server sees it, e.g. 172.16.0.0/12,127.0.0.1."
        )

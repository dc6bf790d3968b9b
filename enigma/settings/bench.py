"""Production settings served over plain HTTP on loopback, for `make bench` and `make up`.

Everything production does (DEBUG off, WhiteNoise's manifest storage, the strict CSP,
Argon2, persistent database connections, gunicorn) except what needs TLS: no HTTPS
redirect or HSTS, cookies without Secure and with their ordinary names (a browser drops
__Host- cookies sent over HTTP), hosts limited to loopback, and two-factor sign-in
optional (the demo logins have no authenticator). Every response carries
X-Enigma-Queries, the number of SQL queries the request ran
(devtools.benchmark.QueryCountMiddleware, installed only here). Never for a real school.
"""

import os
import secrets

# Every gunicorn worker must share one key (sessions are signed with it): the bench and
# up.sh pass SECRET_KEY. A single process on its own (manage.py) can use a throwaway one.
if len(os.environ.get("SECRET_KEY", "")) < 50:
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(64)
# Links in emails point at the loopback server (up.sh passes its own port).
os.environ.setdefault("ENIGMA_SITE_URL", "http://127.0.0.1:8000")
# The chronology's key: this checkout's own (var/chronology-key, shared with `make run`,
# whose var/pg `make up` also uses), unless the environment names one.
if not os.environ.get("CHRONOLOGY_KEYS"):
    from pathlib import Path

    from .chronology import local_key

    _keys, os.environ["CHRONOLOGY_KEY_ID"] = local_key(Path(__file__).resolve().parents[2] / "var")
    os.environ["CHRONOLOGY_KEYS"] = ",".join(f"{k}={v}" for k, v in _keys.items())

from .production import *  # noqa: F403
from .production import BASE_DIR, INSTALLED_APPS, MIDDLEWARE

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
SECURE_HSTS_PRELOAD = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SESSION_COOKIE_NAME = "sessionid"
CSRF_COOKIE_NAME = "csrftoken"
ENIGMA_REQUIRE_2FA = False
INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]  # the demo seed and the benchmark
# Apart from `make test`'s plain copy in var/staticfiles: this one has the manifest.
STATIC_ROOT = BASE_DIR / "var" / "bench-static"
# Outermost, so it counts the session and authentication queries too.
MIDDLEWARE = ["devtools.benchmark.QueryCountMiddleware", *MIDDLEWARE]

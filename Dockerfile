# syntax=docker/dockerfile:1
# Enigma: gunicorn serving enigma.wsgi on :8000, behind a TLS-terminating proxy.
# The same image runs the Celery worker and beat (see docker-compose.yml).
#
#   docker build -t enigma .
#
# Runtime configuration is all environment variables (.env.example documents each one);
# DATABASE_URL, SECRET_KEY, CHRONOLOGY_KEYS, CHRONOLOGY_KEY_ID and ALLOWED_HOSTS are
# required, and DATABASE_OWNER_URL for `manage.py migrate` only. The health check expects
# BEHIND_TLS_PROXY=True (it sends X-Forwarded-Proto: https, as the proxy would, so the
# HTTPS redirect does not answer it) and uses the first name in ALLOWED_HOSTS as Host.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    VIRTUAL_ENV=/app/.venv \
    PATH="/app/.venv/bin:$PATH" \
    DJANGO_SETTINGS_MODULE=enigma.settings.production \
    WEB_CONCURRENCY=3

# pg_dump and pg_restore for `manage.py backup` and `restore`: Debian's client (17 on
# trixie) must be at least as new as the server (postgres:17 in docker-compose.yml).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

RUN pip install --no-cache-dir "uv==0.13.9" \
    && groupadd --system --gid 10001 enigma \
    && useradd --system --uid 10001 --gid enigma --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin enigma

WORKDIR /app

# Dependencies first, so this layer is rebuilt only when the lock file changes.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

# Only what the app needs: never .venv, var/ (local databases), .env or .git, nor devtools/
# (the demo seed and the benchmark), which production neither installs nor imports.
COPY manage.py ./
COPY enigma ./enigma
COPY records ./records
COPY referrals ./referrals
COPY timetables ./timetables
COPY notifications ./notifications
COPY templates ./templates
COPY static ./static
RUN uv sync --frozen --no-dev

# Static files are collected into the image (WhiteNoise serves them). The key and the
# database URL exist only for this command: settings demand them, nothing connects.
RUN SECRET_KEY="build-only-not-a-secret-0123456789-abcdefghijklmnopqrstuvwxyz" \
    CHRONOLOGY_KEYS="build=build-only-not-a-secret-0123456789-abcdef" CHRONOLOGY_KEY_ID=build \
    DATABASE_URL="postgres://build:build@127.0.0.1:1/build" \
    python manage.py collectstatic --no-input --verbosity 0 \
    && mkdir -p /app/var/private /app/var/beat /app/var/backups \
    && chown -R enigma:enigma /app/var

USER enigma
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import http.client, os, sys; host = os.environ.get('ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('.'); host = 'localhost' if host in ('', '*') else host; c = http.client.HTTPConnection('127.0.0.1', 8000, timeout=4); c.request('GET', '/healthz', headers={'Host': host, 'X-Forwarded-Proto': 'https'}); sys.exit(0 if c.getresponse().status == 200 else 1)"]

# Workers: WEB_CONCURRENCY (gunicorn reads it). Access log to stdout.
CMD ["gunicorn", "enigma.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--timeout", "60", "--graceful-timeout", "30"]

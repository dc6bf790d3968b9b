#!/usr/bin/env bash
# `make up`: the whole stack on this machine, without Docker, to try Celery for real
# (reminders and other scheduled tasks): gunicorn + a Celery worker + Celery beat.
#
#   PostgreSQL  DATABASE_URL (the application's role) and DATABASE_OWNER_URL (the owner,
#               given to `migrate` only) if set, else the embedded server in var/pg with
#               both roles (as `make run`, and left running afterwards, as there).
#   Redis       REDIS_URL if set; else a redis-server already listening on 127.0.0.1:6379;
#               else one started here with its data in var/redis (apt-get install
#               redis-server).
#   Settings    enigma.settings.bench: production settings over plain HTTP on loopback
#               (DEBUG off, WhiteNoise, strict CSP, two-factor optional, cookies without
#               Secure, and an X-Enigma-Queries header). With REDIS_URL set, tasks go
#               through the broker and the cache is shared by every process.
#   Mail        printed in var/up/worker.log and var/up/web.log unless EMAIL_URL is set.
#   Web         http://127.0.0.1:${PORT:-8000}/ (PORT=8001 make up if 8000 is taken); the
#               demo logins are printed by the seed (password enigma-demo-2026).
#   Logs        var/up/{web,worker,beat,redis}.log; beat's schedule is var/up/.
#
# Ctrl+C (or the end of any one process) stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/../.."

PORT="${PORT:-8000}"
PY=python
[ -x .venv/bin/python ] && PY=.venv/bin/python
LOGS=var/up
mkdir -p "$LOGS"

pids=()
stop_all() {
  trap - EXIT INT TERM
  if [ ${#pids[@]} -gt 0 ]; then
    echo
    echo "Stopping ${#pids[@]} processes..."
    # Newest first: beat, worker, web, then our redis-server.
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
      kill -TERM "${pids[i]}" 2>/dev/null || true
    done
    for _ in $(seq 1 100); do
      alive=0
      for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
      [ "$alive" -eq 0 ] && break
      sleep 0.1
    done
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
  fi
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

listening() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# --- PostgreSQL ----------------------------------------------------------------------
if [ -z "${DATABASE_URL:-}" ]; then
  read -r DATABASE_URL DATABASE_OWNER_URL < <("$PY" -c 'from pathlib import Path
from enigma.embedded_db import embedded_database_urls
print(*embedded_database_urls(Path("var/pg").resolve()))')
  [ -n "$DATABASE_OWNER_URL" ] || { echo "The embedded PostgreSQL did not start." >&2; exit 1; }
  echo "PostgreSQL: embedded server in var/pg"
else
  echo "PostgreSQL: DATABASE_URL${DATABASE_OWNER_URL:+ (migrations as DATABASE_OWNER_URL)}"
fi
export DATABASE_URL
# Only `migrate` signs in as the owner: the processes below never see its URL.
OWNER_URL="${DATABASE_OWNER_URL:-}"
unset DATABASE_OWNER_URL

# --- Redis ---------------------------------------------------------------------------
if [ -n "${REDIS_URL:-}" ]; then
  echo "Redis: REDIS_URL"
elif listening 127.0.0.1 6379; then
  REDIS_URL=redis://127.0.0.1:6379/0
  echo "Redis: the server already listening on 127.0.0.1:6379"
else
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "make up needs Redis: install it with \`apt-get install redis-server\`" \
      "(or set REDIS_URL)." >&2
    exit 1
  fi
  mkdir -p var/redis
  redis-server --bind 127.0.0.1 --port 6379 --protected-mode yes --dir "$PWD/var/redis" \
    --save 60 1 --appendonly no >"$LOGS/redis.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 50); do listening 127.0.0.1 6379 && break; sleep 0.1; done
  listening 127.0.0.1 6379 || { echo "redis-server did not start: see $LOGS/redis.log" >&2; exit 1; }
  REDIS_URL=redis://127.0.0.1:6379/0
  echo "Redis: started redis-server on 127.0.0.1:6379 (data in var/redis)"
fi
export REDIS_URL

# --- Django ---------------------------------------------------------------------------
export DJANGO_SETTINGS_MODULE=enigma.settings.bench
export ENIGMA_SITE_URL="${ENIGMA_SITE_URL:-http://127.0.0.1:$PORT}"
# One key for every process, kept so that sign-ins survive a restart of `make up`.
if [ -z "${SECRET_KEY:-}" ]; then
  if [ ! -s "$LOGS/secret-key" ]; then
    (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(64))' >"$LOGS/secret-key")
  fi
  SECRET_KEY="$(cat "$LOGS/secret-key")"
fi
export SECRET_KEY

DATABASE_OWNER_URL="$OWNER_URL" "$PY" manage.py migrate --no-input
"$PY" manage.py seed_demo
"$PY" manage.py collectstatic --no-input --verbosity 0

if listening 127.0.0.1 "$PORT"; then
  echo "Port $PORT on 127.0.0.1 is taken: run PORT=<another port> make up" >&2
  exit 1
fi
"$PY" -m gunicorn enigma.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 \
  --access-logfile - >"$LOGS/web.log" 2>&1 &
pids+=($!)
"$PY" -m celery -A enigma worker -Q celery,backups --loglevel INFO --concurrency 2 >"$LOGS/worker.log" 2>&1 &
pids+=($!)
"$PY" -m celery -A enigma beat --loglevel INFO --schedule "$LOGS/celerybeat-schedule" \
  >"$LOGS/beat.log" 2>&1 &
pids+=($!)

for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break
  sleep 0.2
done
if ! curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz"; then
  echo "gunicorn did not answer /healthz: see $LOGS/web.log" >&2
  exit 1
fi
echo
echo "Enigma is up on http://127.0.0.1:$PORT/ with a Celery worker and beat on $REDIS_URL."
echo "Logs: $LOGS/web.log, $LOGS/worker.log, $LOGS/beat.log. Ctrl+C to stop."

# Run until Ctrl+C, or until any one of the processes ends.
set +e
wait -n "${pids[@]}"
status=$?
echo "A process ended (exit $status): stopping the rest. See the logs in $LOGS/." >&2
exit "$status"

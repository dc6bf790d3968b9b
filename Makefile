# Enigma: `make run` (demo on http://127.0.0.1:8000) and `make test` (the whole suite).
# Needs only Python 3.11+ and make: uv is installed into var/tools if it is missing, and
# PostgreSQL comes from a wheel unless DATABASE_URL points at a server.

SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo var/tools/bin/uv)
RUN := $(UV) run --frozen
HOST ?= 127.0.0.1
PORT ?= 8000

# The tests whose outcome turns on the date (calendar, referrals and placements, reviews and
# exits, reminders, timetables, chronology actions, the demo), and the days `make test-dates`
# runs them on besides today: a Saturday in the summer holiday, and 31 December (the
# Christmas holiday and the turn of the year). ENIGMA_TEST_TODAY moves the suite's clock.
DATE_TESTS := tests/test_clock.py tests/test_school_calendar.py tests/test_calendar_pages.py \
	tests/test_placement_dates.py tests/test_placement_reviews.py tests/test_placement_exit.py \
	tests/test_referral_services.py tests/test_referral_form.py tests/test_chronology.py \
	tests/test_notifications_sweep.py tests/test_notifications_work.py tests/test_notifications_delivery.py \
	tests/test_timetable_plan.py tests/test_timetable_today.py tests/test_demo_seed.py
TEST_DAYS ?= 2027-08-14 2026-12-31

.PHONY: help install run test test-dates lint format bench up check-deploy clean

help:
	@echo "make run    - install, migrate, seed the demo school, serve http://$(HOST):$(PORT)"
	@echo "make test   - install and run the whole suite (ENIGMA_TEST_TODAY=YYYY-MM-DD moves its clock)"
	@echo "make test-dates - the date-sensitive tests on each of TEST_DAYS"
	@echo "make bench  - seed 20,000 pupils with ten years of history (once), measure every page under gunicorn as a share of /healthz, then time a trust-sized import"
	@echo "make up     - gunicorn + Celery worker + beat on local PostgreSQL and Redis"
	@echo "make lint   - ruff check and format check, and the import contracts (import-linter)"

var/tools/bin/uv:
	$(PYTHON) -m venv var/tools
	var/tools/bin/pip install --quiet uv

install: $(UV)
	$(UV) sync --frozen

run: install
	$(RUN) python manage.py migrate --no-input
	$(RUN) python manage.py seed_demo
	@echo "Serving http://$(HOST):$(PORT) (Ctrl+C to stop)"
	$(RUN) python manage.py runserver $(HOST):$(PORT)

test: install
	$(RUN) python manage.py collectstatic --no-input --verbosity 0 --settings=enigma.settings.test
	$(RUN) pytest

test-dates: install
	$(RUN) python manage.py collectstatic --no-input --verbosity 0 --settings=enigma.settings.test
	@set -e; for day in $(TEST_DAYS); do \
		echo "== the date-sensitive tests on $$day =="; \
		ENIGMA_TEST_TODAY=$$day $(RUN) pytest $(DATE_TESTS); \
	done

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) lint-imports

format: install
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

bench: install
	$(RUN) python manage.py bench

up: install
	$(RUN) bash enigma/scripts/up.sh

check-deploy: install
	DJANGO_SETTINGS_MODULE=enigma.settings.production SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(64))') \
	CHRONOLOGY_KEYS=check=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(32))') CHRONOLOGY_KEY_ID=check \
	ALLOWED_HOSTS=enigma.example.org ENIGMA_SITE_URL=https://enigma.example.org $(RUN) python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf var/test var/staticfiles

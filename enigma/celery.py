"""The Celery app. Broker: Redis (REDIS_URL). Without it, tasks run in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enigma.settings.dev")

app = Celery("enigma")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

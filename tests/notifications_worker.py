"""A Celery worker in its own process, for tests that kill it (kill -9) mid-delivery.

Run as: python -m tests.notifications_worker <broker url> <test db name> <mail dir> <pause>
It uses the test settings with the test's database, a real Redis broker with a short
visibility timeout, file-based email (so the test can count what was sent), and a claim
timeout of two seconds. With pause > 0, each send waits that long after claiming the row
and before emailing, so the test can kill the worker in the middle of a delivery."""

import os
import sys
import time

broker, db_name, mail_dir, pause = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
os.environ["DJANGO_SETTINGS_MODULE"] = "enigma.settings.test"

import django  # noqa: E402
from django.conf import settings  # noqa: E402

settings.DATABASES["default"]["NAME"] = db_name
settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
settings.EMAIL_FILE_PATH = mail_dir
django.setup()

import datetime as dt  # noqa: E402

from enigma.celery import app  # noqa: E402
from notifications import delivery  # noqa: E402

app.conf.update(
    broker_url=broker,
    task_always_eager=False,
    broker_transport_options={"visibility_timeout": 2},
)
delivery.CLAIM_TIMEOUT = dt.timedelta(seconds=2)
if pause:
    real_send = delivery.send_claimed

    def slow_send(pk):
        with open(os.path.join(mail_dir, "..", "claimed"), "w") as f:
            f.write(str(pk))
        time.sleep(pause)
        return real_send(pk)

    delivery.send_claimed = slow_send

app.worker_main(
    [
        "worker",
        "--pool=solo",
        "--loglevel=WARNING",
        "--without-heartbeat",
        "--without-mingle",
        "--without-gossip",
    ]
)

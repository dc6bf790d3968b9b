"""A Celery worker in its own process, for tests that kill it (kill -9) mid-delivery.

Run as:
    python -m tests.notifications_worker <broker url> <test db name> <mail dir> <pause> <offset>
It uses the test settings with the test's database, a real Redis broker, file-based email
(so the test can count what was sent) and the product's visibility and claim timeouts.
With pause > 0, each send waits that long after claiming the row and before emailing, so
the test can kill the worker in the middle of a delivery. Its clock runs `offset` seconds
from the real one (tests.clock.offset_seconds() keeps the test's time, ENIGMA_TEST_TODAY
included; more moves it on, as if the worker came back later)."""

import os
import sys
import time

broker, db_name, mail_dir = sys.argv[1], sys.argv[2], sys.argv[3]
pause, offset = float(sys.argv[4]), float(sys.argv[5])

from tests import clock  # noqa: E402

clock.travel_by(offset)  # before Django and Celery read the time
os.environ["DJANGO_SETTINGS_MODULE"] = "enigma.settings.test"

import django  # noqa: E402
from django.conf import settings  # noqa: E402

settings.DATABASES["default"]["NAME"] = db_name
settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
settings.EMAIL_FILE_PATH = mail_dir
django.setup()

from enigma.celery import app  # noqa: E402
from notifications import delivery  # noqa: E402
from tests import celery_helpers  # noqa: E402, F401  (registers the idle marker task)

app.conf.update(broker_url=broker, task_always_eager=False)
if pause:
    real_send = delivery.send_claimed

    def slow_send(pk):
        claimed = os.path.join(mail_dir, "..", "claimed")
        with open(claimed + ".new", "w") as f:
            f.write(str(pk))
        os.replace(claimed + ".new", claimed)  # the test sees it whole or not at all
        time.sleep(pause)  # the test kills the worker here
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

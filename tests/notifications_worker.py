"""A Celery worker in its own process, for tests that kill it (kill -9) mid-delivery.

Run as:
    python -m tests.notifications_worker <broker> <db name> <mail> <pause> <offset> [<where> <dir>]
It uses the test settings with the test's database, a real Redis broker and the
product's visibility and claim timeouts. <mail> is a folder (file-based email, so the
test can count what was sent) or smtp:<port> (the test's mail server on loopback). With
pause > 0, each send waits that long at <where> ("claimed", the default: after claiming
the row, before emailing; "accepted": after the mail server accepted the email, before
it is marked sent), so the test can kill the worker there; the file "<where>" beside the
test's folder (tmp_path) says when. Its clock runs `offset` seconds from the real one
(tests.clock.offset_seconds() keeps the test's time, ENIGMA_TEST_TODAY included; more
moves it on, as if the worker came back later)."""

import os
import sys
import time

broker, db_name, mail_to = sys.argv[1], sys.argv[2], sys.argv[3]
pause, offset = float(sys.argv[4]), float(sys.argv[5])
where = sys.argv[6] if len(sys.argv) > 6 else "claimed"
markers = sys.argv[7] if len(sys.argv) > 7 else os.path.join(mail_to, "..")

from tests import clock  # noqa: E402

clock.travel_by(offset)  # before Django and Celery read the time
os.environ["DJANGO_SETTINGS_MODULE"] = "enigma.settings.test"

import django  # noqa: E402
from django.conf import settings  # noqa: E402

settings.DATABASES["default"]["NAME"] = db_name
if mail_to.startswith("smtp:"):
    settings.EMAIL_BACKEND = "enigma.mail.SMTPBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = int(mail_to.removeprefix("smtp:"))
else:
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = mail_to
django.setup()

from enigma.celery import app  # noqa: E402
from notifications import delivery  # noqa: E402
from tests import celery_helpers  # noqa: E402, F401  (registers the idle marker task)

app.conf.update(broker_url=broker, task_always_eager=False)


def mark(pk_or_ids) -> None:
    path = os.path.join(markers, where)
    with open(path + ".new", "w") as f:
        f.write(str(pk_or_ids))
    os.replace(path + ".new", path)  # the test sees it whole or not at all


if pause and where == "claimed":
    real_build = delivery.build_email

    def slow_build(notification):
        mark(notification.pk)
        time.sleep(pause)  # the test kills the worker here
        return real_build(notification)

    delivery.build_email = slow_build
elif pause and where == "accepted":
    real_mark_sent = delivery._mark_sent

    def slow_mark_sent(held, **kwargs):
        mark(",".join(map(str, held.ids)))
        time.sleep(pause)  # the test kills the worker here: sent, not yet marked
        return real_mark_sent(held, **kwargs)

    delivery._mark_sent = slow_mark_sent

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

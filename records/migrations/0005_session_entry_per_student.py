"""Each student gets their own chronology entry for a session.

A session used to have one entry linked to every student on the intervention, whose
account named every member's attendance and note: third-party data about other children
in each student's file. Now each SessionAttendance row points to an entry in that one
student's chronology.

Recorded sessions cannot be split afterwards: the chronology and these tables are
append-only, and rewriting an entry would break its students' hash chains. So this
migration refuses to run if any session has been recorded. The new column is NOT NULL
with no default, which PostgreSQL would also refuse on a table that has rows.
"""

import django.db.models.deletion
from django.db import migrations, models


def refuse_if_sessions_recorded(apps, schema_editor):
    InterventionSession = apps.get_model("records", "InterventionSession")
    SessionAttendance = apps.get_model("records", "SessionAttendance")
    db = schema_editor.connection.alias
    if (
        InterventionSession.objects.using(db).exists()
        or SessionAttendance.objects.using(db).exists()
    ):
        raise RuntimeError(
            "Intervention sessions have already been recorded. Each one has a single "
            "chronology entry shared by every student on it, naming the other students "
            "and their notes. Those entries are append-only and hash-chained, so they "
            "cannot be split into one entry per student by a migration. Decide how to "
            "correct them (for example, amending entries through records.services) "
            "before running this migration."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0004_amendment_reason"),
    ]

    operations = [
        migrations.RunPython(refuse_if_sessions_recorded, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="interventionsession",
            name="entry",
        ),
        migrations.AddField(
            model_name="sessionattendance",
            name="entry",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="session_attendance",
                to="records.entry",
            ),
        ),
    ]

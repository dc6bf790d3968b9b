"""records.FileEntry: each pupil's file in the order it is read (the entries in it and
when each happened), so that the student file picks a page from an index instead of
reading every entry in the file to put them in order.

Kept by the trigger on chronology links, which gains one more INSERT. Replacing the
trigger first takes its lock on the links, so none is added between the two; then the
table is filled from the links as they are (500,000 on the bench school) and indexed.
Re-creating the trigger's function makes it run as its caller again, so it is made to
run as the owner afterwards (as 0017 did); migrating back leaves 0017's function
running as the owner too. The application's role only reads the table
(enigma.db_roles.grant_app_role: it is kept_by_the_database).
"""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models

LINK_FUNCTION = "pgtrigger_link_opens_actions_35ff0"

# search_path pinned to the schema migrated into, as in 0015 and 0017.
DEFINER = """
DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION %%I() SECURITY DEFINER SET search_path = %%I, pg_temp',
                 %s, current_schema());
END $$;
"""

FILL = (
    "INSERT INTO records_fileentry (student_id, entry_id, occurred_at) "
    "SELECT l.student_id, l.entry_id, e.occurred_at FROM records_chronologylink l "
    "JOIN records_entry e ON e.id = l.entry_id"
)


class Migration(migrations.Migration):
    dependencies = [
        ("enigma", "0012_student_on_roll_order_with_record"),
        ("records", "0018_entry_recent_restriction_index"),
    ]

    operations = [
        # Run last when migrating back: 0017's function runs as the owner again.
        migrations.RunSQL(migrations.RunSQL.noop, [(DEFINER, [LINK_FUNCTION])]),
        migrations.CreateModel(
            name="FileEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("occurred_at", models.DateTimeField()),
                (
                    "entry",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="records.entry",
                    ),
                ),
                (
                    "student",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="enigma.student",
                    ),
                ),
            ],
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="chronologylink",
            name="link_opens_actions",
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='chronologylink',
            trigger=pgtrigger.compiler.Trigger(name='link_opens_actions', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO records_openactionstudent (action_id, student_id, due_on) SELECT a.id, NEW.student_id, a.due_on FROM records_action a JOIN records_openaction o ON o.action_id = a.id WHERE a.entry_id = NEW.entry_id ON CONFLICT DO NOTHING; INSERT INTO records_fileauthor (student_id, author_id) SELECT NEW.student_id, e.author_id FROM records_entry e WHERE e.id = NEW.entry_id ON CONFLICT DO NOTHING; INSERT INTO records_fileentry (student_id, entry_id, occurred_at) SELECT NEW.student_id, e.id, e.occurred_at FROM records_entry e WHERE e.id = NEW.entry_id; RETURN NULL;', hash='3ec4a678e988cee406a38521db1dc8b7fb676feb', operation='INSERT', pgid='pgtrigger_link_opens_actions_35ff0', table='records_chronologylink', when='AFTER')),  # noqa: E501
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="fileentry",
            index=models.Index(
                fields=["student", "-occurred_at", "-entry"], name="file_entry_newest_first"
            ),
        ),
        migrations.RunSQL([(DEFINER, [LINK_FUNCTION])], migrations.RunSQL.noop),
    ]

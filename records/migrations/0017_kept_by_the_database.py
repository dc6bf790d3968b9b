"""What the database keeps for the student file and the safeguarding queue, so that
neither looks up every open action in the school, nor the file each of its entries.

records.OpenActionStudent (new): each open action once for each pupil whose file holds
its entry. records.OpenAction (the open actions) gains the action's due date and its
entry's id, restriction flag, category and correction, none of which ever changes.
records.FileAuthor (new): who has written in each pupil's file. All three are filled
from the record as it is now, then kept by the triggers that keep records_openaction
and one more on chronology links. Re-creating a trigger's function makes it run as its
caller again, so all three functions are made to run as the owner afterwards (as 0015
did), and the application's role only reads the new tables (enigma.db_roles
.grant_app_role: they are kept_by_the_database). Migrating back restores the two old
functions as 0015 left them.
"""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models

OLD = ("pgtrigger_action_opens_56b4b", "pgtrigger_action_completion_closes_4bb34")
NEW = (*OLD, "pgtrigger_link_opens_actions_35ff0")

# search_path pinned to the schema migrated into, as in 0015.
DEFINER = """
DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION %%I() SECURITY DEFINER SET search_path = %%I, pg_temp',
                 %s, current_schema());
END $$;
"""

FILL_OPEN = (
    "UPDATE records_openaction o SET due_on = a.due_on, entry_id = e.id, "
    "entry_restricted = e.restricted, entry_category_id = e.category_id, "
    "entry_amends_id = e.amends_id "
    "FROM records_action a JOIN records_entry e ON e.id = a.entry_id WHERE a.id = o.action_id"
)
FILL_AUTHORS = (
    "INSERT INTO records_fileauthor (student_id, author_id) "
    "SELECT DISTINCT l.student_id, e.author_id FROM records_chronologylink l "
    "JOIN records_entry e ON e.id = l.entry_id"
)
FILL_BY_STUDENT = (
    "INSERT INTO records_openactionstudent (action_id, student_id, due_on) "
    "SELECT o.action_id, l.student_id, o.due_on FROM records_openaction o "
    "JOIN records_chronologylink l ON l.entry_id = o.entry_id"
)


class Migration(migrations.Migration):
    dependencies = [
        ("enigma", "0012_student_on_roll_order_with_record"),
        ("records", "0016_attendance_and_force_go_with_pupil_record"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Run last when migrating back: the old functions run as the owner again.
        migrations.RunSQL(migrations.RunSQL.noop, [(DEFINER, [name]) for name in OLD]),
        # The open actions' own columns: added empty, filled, then required.
        migrations.AddField("openaction", "due_on", models.DateField(null=True)),
        migrations.AddField(
            "openaction",
            "entry",
            models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="records.entry",
            ),
        ),
        migrations.AddField("openaction", "entry_restricted", models.BooleanField(null=True)),
        migrations.AddField(
            "openaction",
            "entry_category",
            models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="records.category",
            ),
        ),
        migrations.AddField(
            "openaction",
            "entry_amends",
            models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="records.entry",
            ),
        ),
        migrations.RunSQL(FILL_OPEN, migrations.RunSQL.noop),
        migrations.AlterField("openaction", "due_on", models.DateField()),
        migrations.AlterField(
            "openaction",
            "entry",
            models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="records.entry",
            ),
        ),
        migrations.AlterField("openaction", "entry_restricted", models.BooleanField()),
        # The open actions by pupil.
        migrations.CreateModel(
            name="OpenActionStudent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("due_on", models.DateField()),
                (
                    "action",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="open_students",
                        to="records.action",
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
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("student", "due_on", "action"), name="open_action_student_once"
                    )
                ],
            },
        ),
        migrations.RunSQL(FILL_BY_STUDENT, migrations.RunSQL.noop),
        # Who has written in each pupil's file.
        migrations.CreateModel(
            name="FileAuthor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "author",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
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
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("student", "author"), name="file_author_once")
                ],
            },
        ),
        migrations.RunSQL(FILL_AUTHORS, migrations.RunSQL.noop),
        # The triggers that keep all three.
        pgtrigger.migrations.RemoveTrigger(model_name="action", name="action_opens"),
        pgtrigger.migrations.RemoveTrigger(
            model_name="actioncompletion", name="action_completion_closes"
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='action',
            trigger=pgtrigger.compiler.Trigger(name='action_opens', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO records_openaction (action_id, due_on, entry_id, entry_restricted, entry_category_id, entry_amends_id) SELECT NEW.id, NEW.due_on, e.id, e.restricted, e.category_id, e.amends_id FROM records_entry e WHERE e.id = NEW.entry_id; INSERT INTO records_openactionstudent (action_id, student_id, due_on) SELECT NEW.id, l.student_id, NEW.due_on FROM records_chronologylink l WHERE l.entry_id = NEW.entry_id ON CONFLICT DO NOTHING; RETURN NULL;', hash='2f25e691f8380d5b1949d15fe9675ae924a4d673', operation='INSERT', pgid='pgtrigger_action_opens_56b4b', table='records_action', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='actioncompletion',
            trigger=pgtrigger.compiler.Trigger(name='action_completion_closes', sql=pgtrigger.compiler.UpsertTriggerSql(func='DELETE FROM records_openaction WHERE action_id = NEW.action_id; DELETE FROM records_openactionstudent WHERE action_id = NEW.action_id; RETURN NULL;', hash='2dc640a94898d0f0ea6527009016d0eb00258d9b', operation='INSERT', pgid='pgtrigger_action_completion_closes_4bb34', table='records_actioncompletion', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='chronologylink',
            trigger=pgtrigger.compiler.Trigger(name='link_opens_actions', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO records_openactionstudent (action_id, student_id, due_on) SELECT a.id, NEW.student_id, a.due_on FROM records_action a JOIN records_openaction o ON o.action_id = a.id WHERE a.entry_id = NEW.entry_id ON CONFLICT DO NOTHING; INSERT INTO records_fileauthor (student_id, author_id) SELECT NEW.student_id, e.author_id FROM records_entry e WHERE e.id = NEW.entry_id ON CONFLICT DO NOTHING; RETURN NULL;', hash='3ea4028250735c4ed7da2c6a6b7286e4b0d61cb0', operation='INSERT', pgid='pgtrigger_link_opens_actions_35ff0', table='records_chronologylink', when='AFTER')),
        ),
        migrations.RunSQL([(DEFINER, [name]) for name in NEW], migrations.RunSQL.noop),
    ]

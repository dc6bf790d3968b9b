"""The triggers that keep the open-action markers run as the owner (SECURITY DEFINER), so
the application's role needs, and gets, only SELECT on records_openaction
(enigma.db_roles.grant_app_role): a session holding the app's connection cannot delete a
marker and hide an open action from my actions and the safeguarding queue."""

from django.db import migrations

FUNCTIONS = ("pgtrigger_action_opens_56b4b", "pgtrigger_action_completion_closes_4bb34")

# search_path pinned to the schema migrated into: a definer's function must not resolve
# records_openaction through a schema the caller chose.
DEFINER = """
DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION %%I() SECURITY DEFINER SET search_path = %%I, pg_temp',
                 %s, current_schema());
END $$;
"""
INVOKER = "ALTER FUNCTION {name}() SECURITY INVOKER RESET search_path;"


class Migration(migrations.Migration):
    dependencies = [("records", "0014_open_actions")]

    operations = [
        migrations.RunSQL(
            [(DEFINER, [name]) for name in FUNCTIONS],
            [INVOKER.format(name=name) for name in FUNCTIONS],
        )
    ]

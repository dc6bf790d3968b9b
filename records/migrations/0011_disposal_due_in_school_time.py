"""records_dispose() decides "the day has come" by the school's date, as the pages do.

0010 compared the due date with current_date, the date in the database session's time
zone: Django's connections use UTC, so between midnight and 01:00 in British Summer Time
the due list offered a record that the function then refused as "not due until" today.
The function now takes the date in the school's time zone (settings.TIME_ZONE, written
into the function when it is made, since its caller must not be able to choose it).
"""

from importlib import import_module
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations

previous = import_module("records.migrations.0010_disposal_function")
OLD = "IF r.due_on > current_date THEN"


def school_today_sql() -> str:
    zone = str(ZoneInfo(settings.TIME_ZONE))  # refuses a name that is not a time zone
    return "(now() AT TIME ZONE '{}')::date".format(zone.replace("'", "''"))


def _dispose_sql(date_sql: str) -> str:
    assert OLD in previous.DISPOSE, "0010's function changed: update this migration"
    return previous.DISPOSE.replace(OLD, f"IF r.due_on > {date_sql} THEN")


def _replace(schema_editor, date_sql: str) -> None:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        (schema,) = cursor.fetchone()
        sql = _dispose_sql(date_sql).replace("{schema}", connection.ops.quote_name(schema))
        cursor.execute(sql)


def forwards(apps, schema_editor):
    _replace(schema_editor, school_today_sql())


def backwards(apps, schema_editor):
    _replace(schema_editor, "current_date")


class Migration(migrations.Migration):
    dependencies = [("records", "0010_disposal_function")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]

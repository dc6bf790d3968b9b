from django.db import migrations

# (name, restricted): the usual starting list; the school admin edits it afterwards.
DEFAULTS = [
    ("Attendance", False),
    ("Behaviour", False),
    ("Emotional wellbeing", False),
    ("Family", False),
    ("Peer relationships", False),
    ("Learning", False),
    ("SEND", False),
    ("Health", False),
    ("Safeguarding", True),
]


def add_defaults(apps, schema_editor):
    Category = apps.get_model("records", "Category")
    for position, (name, restricted) in enumerate(DEFAULTS, start=1):
        Category.objects.get_or_create(
            name=name, defaults={"restricted": restricted, "position": position * 10}
        )


class Migration(migrations.Migration):
    dependencies = [("records", "0001_chronology")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]

"""The retention rules in force, with their sources (../shared/REFERENCE.md 4.4, 4.5),
and the default SEND category marked as holding SEN records.

Rules are changed the same way: a later migration adds a newer rule for the basis (the
newest is in force), reviewed like any code, never edited in place: see
records/retention.py for why nobody edits them in the app.
"""

from django.db import migrations

RULES = [
    (
        "child_protection",
        25,
        "KCSIE 2025 (record keeping) / IRMS Information Management Toolkit for Schools "
        "2019, 4.x child protection file (p.93): date of birth + 25 years, then review",
        "Restricted (safeguarding) entries and everything recorded in a restricted category.",
    ),
    (
        "sen",
        31,
        "IRMS Information Management Toolkit for Schools 2019, 4.x SEN files, reviews and "
        "EHCP records (p.94): date of birth + 31 years (25 + 6)",
        "Entries in a category marked as holding SEN records.",
    ),
    (
        "pupil",
        25,
        "IRMS Information Management Toolkit for Schools 2019, 4.x pupil's educational "
        "record, secondary (last school): until the pupil's 25th birthday",
        "Every other entry in a pupil's chronology.",
    ),
]


def add_rules(apps, schema_editor):
    Rule = apps.get_model("records", "RetentionRule")
    for basis, years, source, description in RULES:
        if not Rule.objects.filter(basis=basis).exists():
            Rule.objects.create(
                basis=basis, years_after_birth=years, source=source, description=description
            )
    Category = apps.get_model("records", "Category")
    Category.objects.filter(name="SEND").update(sen_record=True)


class Migration(migrations.Migration):
    dependencies = [("records", "0007_retention")]

    # Not reversible by deleting: the rules table refuses DELETE; going back drops it.
    operations = [migrations.RunPython(add_rules, migrations.RunPython.noop)]

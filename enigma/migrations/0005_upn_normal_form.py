"""UPNs in one normal form (upper case, no whitespace), enforced by PostgreSQL.

Rows stored before (the admin kept a UPN as typed) are normalised first. Two students
whose UPNs differ only in case or spaces would become one UPN: the migration never merges
pupils silently, so it stops and names them, to be put right by hand first.
"""

from collections import defaultdict

import django.db.models.functions.text
import enigma.models.people
import enigma.validators
from django.db import migrations, models


class DuplicatePupils(Exception):
    pass


def normalise_existing(apps, schema_editor):
    Student = apps.get_model("enigma", "Student")
    groups = defaultdict(list)
    for pk, upn, surname, forename in Student.objects.values_list(
        "pk", "upn", "legal_surname", "legal_forename"
    ).order_by("pk"):
        groups["".join(upn.split()).upper()].append((pk, upn, surname, forename))
    clashes = {normal: rows for normal, rows in groups.items() if len(rows) > 1}
    if clashes:
        lines = [
            f"UPN {normal}: "
            + "; ".join(
                f"student {pk} ({surname}, {forename}) stored as {upn!r}"
                for pk, upn, surname, forename in rows
            )
            for normal, rows in sorted(clashes.items())
        ]
        raise DuplicatePupils(
            "These students have the same UPN once case and spaces are ignored, so they are "
            "probably one pupil recorded twice. Enigma will not merge pupils silently: "
            "correct the wrong UPN (or merge the records) in the school admin, then run "
            "migrate again.\n" + "\n".join(lines)
        )
    for normal, ((pk, upn, _, _),) in groups.items():
        if upn != normal:
            Student.objects.filter(pk=pk).update(upn=normal)


class Migration(migrations.Migration):
    dependencies = [
        ("enigma", "0004_follow_up_weeks"),
    ]

    operations = [
        migrations.AlterField(
            model_name="student",
            name="upn",
            field=enigma.models.people.UpnField(
                help_text="The 13-character Unique Pupil Number, starting with its check letter.",
                max_length=13,
                unique=True,
                validators=[enigma.validators.validate_upn],
                verbose_name="UPN",
            ),
        ),
        migrations.RunPython(normalise_existing, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="student",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "upn",
                        django.db.models.functions.text.Upper(
                            models.Func(
                                models.F("upn"),
                                models.Value("\\s"),
                                models.Value(""),
                                models.Value("g"),
                                function="REGEXP_REPLACE",
                                output_field=models.CharField(),
                            )
                        ),
                    )
                ),
                name="upn_is_normalised",
            ),
        ),
    ]

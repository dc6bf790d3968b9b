"""The recent-entries index carries each entry's restriction flag, category and
correction, so the safeguarding queue finds the fortnight's restricted entries by an
index-only walk (records.selectors.chronology._recent). The new index is built before
the old one goes, so the queue is never without one."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("enigma", "0012_student_on_roll_order_with_record"),
        ("records", "0017_kept_by_the_database"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="entry",
            index=models.Index(
                fields=["-recorded_at", "-id"],
                include=("restricted", "category", "amends"),
                name="entry_recent_restriction",
            ),
        ),
        migrations.RemoveIndex(model_name="entry", name="entry_recorded_newest"),
    ]

"""An index on the open actions' copy of their entry: the safeguarding queue counts the
open actions on each of its recent entries with a probe each (records.selectors
.chronology._recent)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('records', '0019_file_timeline'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='openaction',
            index=models.Index(fields=['entry'], name='open_action_by_entry'),
        ),
    ]

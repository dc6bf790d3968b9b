from django.db import migrations

ROLES = ["coordinator", "senco", "deputy_head", "referrer", "class_teacher", "dsl", "school_admin"]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    SchoolSettings = apps.get_model("enigma", "SchoolSettings")
    SchoolSettings.objects.get_or_create(singleton=True)


class Migration(migrations.Migration):
    dependencies = [("enigma", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]

from django.apps import AppConfig


class OversightConfig(AppConfig):
    """What leaders and governors see of the room over a period: who is referred and
    placed, for how long, with what outcome, and whether any group of pupils is placed
    more than others; the governors' report and a placement's case summary. A top layer:
    it reads the other apps and writes nothing but its audit rows."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "oversight"
    verbose_name = "Oversight"

from django.db import models


class ImmutableModel(models.Model):
    """The ORM half of append-only: saving an existing row or deleting one raises TypeError.

    The database half is enigma.db.append_only_triggers() in each subclass's Meta.
    """

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError(f"{self._meta.verbose_name} cannot be changed once recorded.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(f"{self._meta.verbose_name} cannot be deleted.")

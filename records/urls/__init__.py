"""URLs of the records app, one module per area, all in the "records" namespace."""

from records.urls import attachments, chronology, force, interventions, retention

app_name = "records"
urlpatterns = (
    chronology.urlpatterns
    + interventions.urlpatterns
    + attachments.urlpatterns
    + retention.urlpatterns
    + force.urlpatterns
)

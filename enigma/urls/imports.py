from django.urls import path

from enigma.views import imports

app_name = "imports"
urlpatterns = [
    path("", imports.upload, name="upload"),
    path("apply/", imports.apply, name="apply"),
    path("templates/<slug:kind>.csv", imports.template, name="template"),
]

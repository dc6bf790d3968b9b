from django.urls import path

from enigma.views import imports

app_name = "imports"
urlpatterns = [
    path("", imports.upload, name="upload"),
]
